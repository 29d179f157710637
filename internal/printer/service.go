package printer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/printer/card"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// Defaults of Options.
const (
	DefaultAppealDays   = 30
	DefaultCardValidity = 365 // days
	// DefaultMaxBulk is the most households one bulk print takes.
	DefaultMaxBulk = 2000
	// receiptsPerPage is how many receipts fit an A4 page with room to sign.
	receiptsPerPage = 14
)

// Options configure the printing service. Registry, Programs, Payments
// and Members are required.
type Options struct {
	Registry *registry.Service
	Programs *program.Service
	Payments *payment.Service
	Members  *member.Service
	// Chrome prints PDFs; nil or one without a Chromium leaves only the
	// print view.
	Chrome *Chrome
	// Cards signs the beneficiary cards; the zero Keys refuse to print a
	// card.
	Cards card.Keys
	// Clock dates letters and cards; nil means the database's.
	Clock calendar.Clock
	// AppealDays is how long after the letter a household may appeal.
	AppealDays int
	// CardValidity is how many days a card is valid.
	CardValidity int
	// MaxBulk is the most households in one bulk print.
	MaxBulk int
	// Jobs runs the bulk prints.
	Jobs *jobs.Runner
}

// Service prints documents. It is safe for concurrent use.
type Service struct {
	db *db.DB
	o  Options
}

// New returns the printing service over d.
func New(d *db.DB, o Options) *Service {
	if o.AppealDays <= 0 {
		o.AppealDays = DefaultAppealDays
	}
	if o.CardValidity <= 0 {
		o.CardValidity = DefaultCardValidity
	}
	if o.MaxBulk <= 0 {
		o.MaxBulk = DefaultMaxBulk
	}
	return &Service{db: d, o: o}
}

// Available reports whether the service prints PDFs; without Chromium only
// the print view works.
func (s *Service) Available() bool { return s.o.Chrome.Available() }

// SignsCards reports whether the service has a card key and so can print
// beneficiary cards.
func (s *Service) SignsCards() bool { return s.o.Cards.Usable() }

// Chrome returns the service's PDF printer (possibly unavailable).
func (s *Service) Chrome() *Chrome { return s.o.Chrome }

// Close stops the browser.
func (s *Service) Close() { s.o.Chrome.Close() }

func (s *Service) now() time.Time { return s.o.Clock.Or(s.db.Clock()).Now() }

// LoadCardKeys reads the card key secret from file, creating a new random
// one there (mode 0600) if the file does not exist. The file holds 32
// bytes in hex on one line.
func LoadCardKeys(file string) (card.Keys, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return card.Keys{}, fmt.Errorf("printer: card key: %w", err)
		}
		if err := os.WriteFile(file, []byte(hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
			return card.Keys{}, fmt.Errorf("printer: write card key %s: %w", file, err)
		}
		return card.NewKeys(secret)
	}
	if err != nil {
		return card.Keys{}, fmt.Errorf("printer: read card key %s: %w", file, err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return card.Keys{}, fmt.Errorf("printer: card key %s is not hex: %w", file, err)
	}
	return card.NewKeys(secret)
}

// PublicKey returns the card verification key of member code.
func (s *Service) PublicKey(code string) card.PublicKey { return s.o.Cards.Public(code) }

// household reads household id after checking the actor may read it.
func (s *Service) household(ctx context.Context, id int64) (registry.Household, member.Member, []registry.Person, error) {
	h, err := s.o.Registry.Household(ctx, id)
	if err != nil {
		return registry.Household{}, member.Member{}, nil, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryRead, h.MemberID); err != nil {
		return registry.Household{}, member.Member{}, nil, err
	}
	m, err := s.o.Members.ByID(ctx, h.MemberID)
	if err != nil {
		return registry.Household{}, member.Member{}, nil, err
	}
	ps, err := s.o.Registry.Persons(ctx, id)
	if err != nil {
		return registry.Household{}, member.Member{}, nil, err
	}
	return h, m, ps, nil
}

func headName(ps []registry.Person) string {
	for _, p := range ps {
		if p.Relationship == "head" {
			return fullName(p)
		}
	}
	if len(ps) > 0 {
		return fullName(ps[0])
	}
	return ""
}

func fullName(p registry.Person) string {
	var parts []string
	for _, n := range []string{p.FirstName, p.FatherName, p.GrandfatherName, p.FamilyName} {
		if n = strings.TrimSpace(n); n != "" {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, " ")
}

func memberName(m member.Member, l i18n.Lang) string {
	if l == i18n.EN && m.NameEN != "" {
		return m.NameEN
	}
	return m.NameAR
}

func programName(p program.Program, l i18n.Lang) string {
	if l == i18n.EN && p.NameEN != "" {
		return p.NameEN
	}
	return p.NameAR
}

// printed writes the audit record of a print of personal documents.
func (s *Service) printed(ctx context.Context, memberID int64, kind, entity string, ids []int64, extra map[string]any) error {
	st := map[string]any{"document": kind, "count": len(ids)}
	if len(ids) <= 50 {
		st["ids"] = ids
	}
	for k, v := range extra {
		st[k] = v
	}
	id := ""
	if len(ids) == 1 {
		id = strconv.FormatInt(ids[0], 10)
	}
	return s.db.Tx(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "print." + kind, EntityType: entity, EntityID: id, State: st})
	})
}

// Document is a rendered document.
type Document struct {
	Name string // a file name for it, without extension
	HTML []byte
	// audit writes the print to the audit log: at once for the print
	// view, after the PDF is made for a PDF (Style.Embed).
	audit func(context.Context) error
}

// done audits doc now unless it waits for its PDF.
func (d Document) done(ctx context.Context, st Style) (Document, error) {
	if st.Embed {
		return d, nil
	}
	return d, d.audit(ctx)
}

// PDF prints doc's HTML, which must have been rendered with Style.Embed,
// and writes the print to the audit log.
func (s *Service) PDF(ctx context.Context, doc Document) ([]byte, error) {
	pdf, err := s.o.Chrome.PDF(ctx, doc.HTML)
	if err != nil {
		return nil, err
	}
	if doc.audit != nil {
		if err := doc.audit(ctx); err != nil {
			return nil, err
		}
	}
	return pdf, nil
}

// errNotFound hides whether a record of another member exists.
var errNotFound = errs.E(errs.NotFound, "error.not_found")
