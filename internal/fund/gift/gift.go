// Package gift records the solidarity fund's donations, their receipts,
// the exchange rates a donation in another currency is converted with,
// donors' recurring pledges and the fund's campaigns. It implements
// fund.Gifts and fund.Campaigns.
//
// Every donation posts one ledger entry in the transaction that records it
// (income:<kind> credit, pool:<restriction> debit — or suspense credit when
// a statement credit is matched later), adds its lot (fund.Lots) and its
// public journal line (fund.Journal), and takes the next receipt number of
// its member and calendar year from a counter row updated in the same
// transaction: numbers follow one another without a gap, and a unique
// index makes a number impossible to use twice. A receipt is cancelled only
// by a reversing entry with a reason; its number is never reused.
//
// Money is int64 minor units. A donation in a currency other than the
// member's is converted only with a recorded rate (an exact integer ratio),
// rounded half to even in the member's minor units; without a rate it is
// refused.
package gift

import (
	"context"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/member"
)

var (
	_ fund.Gifts     = (*Service)(nil)
	_ fund.Campaigns = (*Service)(nil)
)

// PDFPrinter prints a standalone HTML document to PDF (*printer.Chrome).
type PDFPrinter interface {
	Available() bool
	PDF(ctx context.Context, html []byte) ([]byte, error)
}

// Options configure a Service. Donors, Lots and Journal may be nil in
// tests: a nil Donors takes a donor id as it is, nil Lots and Journal are
// not told.
type Options struct {
	Donors  fund.Donors
	Lots    fund.Lots
	Journal fund.Journal
	// Members gives a member's code (receipt numbers), currency and zone.
	Members *member.Service
	// ProgramMember returns the member a program belongs to, NotFound when
	// the caller may not see it; nil skips the check (tests).
	ProgramMember func(ctx context.Context, programID int64) (int64, error)
	// Printer prints receipts to PDF; nil leaves only the print view.
	Printer PDFPrinter
	// Clock dates receipts and tells what is overdue; nil means the
	// database's.
	Clock calendar.Clock
}

// Service keeps donations, receipts, rates, pledges and campaigns. Build
// it with New; it is safe for concurrent use.
type Service struct {
	db *db.DB
	o  Options
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	return &Service{db: d, o: o}
}

func (s *Service) now() time.Time { return s.o.Clock.Or(s.db.Clock()).Now() }

// Printer returns the PDF printer, possibly nil.
func (s *Service) Printer() PDFPrinter { return s.o.Printer }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

// memberOf returns member id; NotFound hides an unknown member.
func (s *Service) memberOf(ctx context.Context, id int64) (member.Member, error) {
	m, err := s.o.Members.ByID(ctx, id)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return member.Member{}, errs.E(errs.NotFound, "error.not_found")
		}
		return member.Member{}, err
	}
	return m, nil
}

// dateOnly is t's calendar date in loc as "2006-01-02".
func dateOnly(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }
