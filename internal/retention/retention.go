// Package retention deletes stored copies of personal data once they have
// served (issue 19 item 7): the DCI answers kept for status queries, the
// printed batches kept for download, the personal attachments of ended
// coordination requests. Each member keeps them for a period of its own
// (DefaultDays when it set none); a daily sweep (Run, started by serve)
// asks each owner to delete what is older, as the owners' tables are
// theirs. The audit log is never touched: its records hold hashes of the
// states, not the data, and each deletion adds a record with its count,
// so that the log still verifies.
//
// It owns the retention_settings table.
package retention

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// DefaultDays is the retention period of a member that set none.
const DefaultDays = 30

// MaxDays is the longest period a member may set.
const MaxDays = 3650

// Expirer deletes one kind of stored personal data of a member, older
// than before; dryRun only counts. It is called as the system.
type Expirer struct {
	Kind   string // dci_answers, print_batches, coordination_attachments
	Expire func(ctx context.Context, member int64, before time.Time, dryRun bool) (int, error)
}

// Options are what a Service is built with.
type Options struct {
	Members  *member.Service // nil: built over the database
	Expirers []Expirer       // the owners of the copies, in order
	Clock    calendar.Clock  // nil: the database's
}

// Service keeps the retention periods and runs the sweep. Build it with
// New; it is safe for concurrent use.
type Service struct {
	db       *db.DB
	members  *member.Service
	expirers []Expirer
	clock    calendar.Clock
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	s := &Service{db: d, members: o.Members, expirers: o.Expirers, clock: o.Clock}
	if s.members == nil {
		s.members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	return s
}

func (s *Service) now() time.Time { return s.clock.Or(s.db.Clock()).Now().UTC() }

// Period returns member's retention period in days (member.read).
func (s *Service) Period(ctx context.Context, memberID int64) (int, error) {
	if err := auth.RequireMember(ctx, auth.MemberRead, memberID); err != nil {
		return 0, err
	}
	var days int
	err := s.db.QueryRow(ctx, `SELECT days FROM retention_settings WHERE member_id = ?`, memberID).Scan(&days)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultDays, nil
	}
	return days, errs.Wrapf(err, "retention: period")
}

// SetPeriod sets member's retention period (sender.manage: the member's
// administrator, who keeps who may ask its registry through DCI).
func (s *Service) SetPeriod(ctx context.Context, memberID int64, days int) error {
	if err := auth.RequireMember(ctx, auth.SenderManage, memberID); err != nil {
		return err
	}
	if days < 1 || days > MaxDays {
		return errs.E(errs.Invalid, "error.invalid_input").WithField("days", "retention.days_invalid", "max", MaxDays)
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM retention_settings WHERE member_id = ?`, memberID); err != nil {
			return errs.Wrapf(err, "retention: set")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO retention_settings (member_id, days, updated_by, updated_at) VALUES (?, ?, ?, ?)`, memberID, days, actor.From(ctx).UserID, now); err != nil {
			return errs.Wrapf(err, "retention: set")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "retention.set", EntityType: "member", EntityID: id(memberID), State: map[string]any{"days": days}})
	})
}

// Item is how many copies of one kind a run deleted (or would delete).
type Item struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// MemberReport is one member's part of a run.
type MemberReport struct {
	Member string    `json:"member"`
	Days   int       `json:"days"`
	Before time.Time `json:"before"` // copies older than this are deleted
	Items  []Item    `json:"items"`
}

// Report is what a run did, or with DryRun would do.
type Report struct {
	DryRun  bool           `json:"dry_run"`
	At      time.Time      `json:"at"`
	Members []MemberReport `json:"members"`
}

// Total is the number of copies deleted (or that would be).
func (r Report) Total() int {
	n := 0
	for _, m := range r.Members {
		for _, it := range m.Items {
			n += it.Count
		}
	}
	return n
}

// Run deletes, for every member, the copies older than its period; with
// dryRun it only says what it would delete. Union-level actors and the
// system run it (member.manage).
func (s *Service) Run(ctx context.Context, dryRun bool) (Report, error) {
	if err := auth.Require(ctx, auth.MemberManage); err != nil {
		return Report{}, err
	}
	sys := actor.System(ctx)
	ms, err := s.members.List(sys)
	if err != nil {
		return Report{}, err
	}
	rep := Report{DryRun: dryRun, At: s.now()}
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		days, err := s.Period(sys, m.ID)
		if err != nil {
			return rep, err
		}
		mr := MemberReport{Member: m.Code, Days: days, Before: rep.At.AddDate(0, 0, -days)}
		for _, e := range s.expirers {
			n, err := e.Expire(sys, m.ID, mr.Before, dryRun)
			if err != nil {
				return rep, errs.Wrapf(err, "retention: %s of %s", e.Kind, m.Code)
			}
			mr.Items = append(mr.Items, Item{e.Kind, n})
		}
		rep.Members = append(rep.Members, mr)
	}
	return rep, nil
}

func id(v int64) string { return strconv.FormatInt(v, 10) }
