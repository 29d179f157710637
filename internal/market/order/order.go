// Package order is the crafts market's trade (issue 18 items 10 and 11):
// inquiries from visitors without an account (behind the complaint form's
// bot challenge), light accounts for buyers and for the families that sell,
// orders with readable numbers whose stock is taken in the order's own
// transaction (develop.Catalog.ReserveTx) so that of two buyers racing for
// the last item exactly one wins, the order states (placed → confirmed →
// shipped → delivered, or cancelled), messages between buyer and family
// kept as plain text and held for the moderator when they carry contact
// details and the member asks for it, the family's sales report, and the
// family's sales proposed as the household's monthly income to the
// registry (develop.RegistryChanges) with the family's recorded consent.
//
// Shops and products belong to internal/market: this package reads
// products only through develop.Catalog and keeps the ids it was given
// (and, on an order, the product's names and price at the time).
//
// It owns the market_orders and market_order_* tables.
package order

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// Order statuses.
const (
	Placed    = "placed"
	Confirmed = "confirmed"
	Shipped   = "shipped"
	Delivered = "delivered"
	Cancelled = "cancelled"
)

// Statuses lists the order statuses in their order.
var Statuses = []string{Placed, Confirmed, Shipped, Delivered, Cancelled}

// Delivery options and payment methods.
const (
	Pickup      = "pickup"
	Delivery    = "delivery"
	Cash        = "cash"     // cash on delivery
	Transfer    = "transfer" // bank transfer with the buyer's reference
	BuyerKind   = "buyer"
	SellerKind  = "seller"
	Moderator   = "moderator"
	Visible     = "visible"
	Held        = "held"
	Rejected    = "rejected"
	sessionTTL  = 14 * 24 * time.Hour
	maxName     = 120
	maxContact  = 200
	maxMessage  = 2000
	maxAddress  = 500
	maxRef      = 60
	maxReason   = 500
	maxQuantity = 100
	maxPage     = 500
)

// Bounds of what a person types, for the pages and the documentation.
const (
	MaxMessage  = maxMessage
	MaxQuantity = maxQuantity
)

// Challenger checks the public form's bot challenge: the composition root
// passes the complaint form's (grievance.Service.Challenger).
type Challenger interface {
	Verify(token, answer string) error
}

// Shop is what orders need to know of a shop of internal/market.
type Shop struct {
	ID          int64
	MemberID    int64
	HouseholdID int64
	NameAR      string
	NameEN      string
}

// Proposer proposes registry corrections that a registrar decides: the
// household half of develop.RegistryChanges, all that orders need.
type Proposer interface {
	ProposeChange(ctx context.Context, householdID int64, values map[string]string, reason string) (registry.ChangeRequest, error)
}

// Options are what a Service is built with.
type Options struct {
	// Catalog reads products and keeps their stock (internal/market); nil
	// refuses every inquiry and order (no market).
	Catalog develop.Catalog
	// Shops finds a shop by id (internal/market); nil finds a shop only
	// through the orders already placed with it.
	Shops func(ctx context.Context, id int64) (Shop, error)
	// Registry takes the income proposals (*registry.Service, or any
	// develop.RegistryChanges); nil refuses them.
	Registry Proposer
	// Challenges checks the inquiry form's challenge; nil refuses every
	// inquiry.
	Challenges Challenger
	// Members gives members' codes, currencies and zones; nil builds one.
	Members *member.Service
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
	// Limits bound exports; zero fields are limits.Default's.
	Limits limits.Limits
}

// Service stores accounts, inquiries, orders, messages and consents. It
// is safe for concurrent use.
type Service struct {
	db      *db.DB
	o       Options
	members *member.Service
	inquiry *grievance.Limiter // inquiries per address
	signin  *grievance.Limiter // sign-in attempts per phone and per address
	signup  *grievance.Limiter // sign-ups per address
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	o.Limits = o.Limits.Or()
	return &Service{db: d, o: o, members: o.Members,
		inquiry: grievance.NewLimiter(5, 10*time.Minute),
		signin:  grievance.NewLimiter(10, 15*time.Minute),
		signup:  grievance.NewLimiter(5, 10*time.Minute)}
}

// Limits returns the service's limits (for exports).
func (s *Service) Limits() limits.Limits { return s.o.Limits }

// Trading reports whether the market's catalog is wired (orders and
// inquiries can be taken).
func (s *Service) Trading() bool { return s.o.Catalog != nil }

func (s *Service) now() time.Time {
	return s.o.Clock.Or(s.db.Clock()).Now().UTC().Truncate(time.Microsecond)
}

// querier is a database or a transaction.
type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func runes(x string) int { return utf8.RuneCountInString(x) }

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func notFound(key string) error { return errs.E(errs.NotFound, key) }

// newSecret returns a random secret and its stored hash.
func newSecret() (string, string) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("order: no randomness: " + err.Error())
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	return t, hashSecret(t)
}

func hashSecret(t string) string {
	sum := sha256.Sum256([]byte("tadamun-market-v1:" + strings.TrimSpace(t)))
	return hex.EncodeToString(sum[:])
}

// product reads a product through the catalog, as an order may use it.
func (s *Service) product(ctx context.Context, id int64) (develop.Product, error) {
	if s.o.Catalog == nil {
		return develop.Product{}, errs.E(errs.NotFound, "order.market_closed")
	}
	p, err := s.o.Catalog.Product(ctx, id)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return develop.Product{}, notFound("order.product_not_found")
		}
		return develop.Product{}, err
	}
	if !p.Active {
		return develop.Product{}, notFound("order.product_not_found")
	}
	return p, nil
}

// Product returns an active product for the public pages.
func (s *Service) Product(ctx context.Context, id int64) (develop.Product, error) {
	return s.product(ctx, id)
}

// shop finds shop id: through Options.Shops, else through its orders.
func (s *Service) shop(ctx context.Context, id int64) (Shop, error) {
	if id <= 0 {
		return Shop{}, notFound("order.shop_not_found")
	}
	if s.o.Shops != nil {
		sh, err := s.o.Shops(actor.System(ctx), id)
		if errs.CodeOf(err) != errs.NotFound {
			return sh, err
		}
		// Not a shop of the market: one known only through its orders (a
		// catalog other than the market's, as tests give).
	}
	sh := Shop{ID: id}
	err := s.db.QueryRow(ctx, `SELECT member_id, household_id FROM market_orders WHERE shop_id = ? ORDER BY id LIMIT 1`, id).Scan(&sh.MemberID, &sh.HouseholdID)
	if noRows(err) {
		err = s.db.QueryRow(ctx, `SELECT member_id, 0 FROM market_order_inquiries WHERE shop_id = ? ORDER BY id LIMIT 1`, id).Scan(&sh.MemberID, &sh.HouseholdID)
	}
	if noRows(err) {
		return Shop{}, notFound("order.shop_not_found")
	}
	return sh, errs.Wrapf(err, "order: shop")
}

func (s *Service) member(ctx context.Context, id int64) (member.Member, error) {
	return s.members.ByID(actor.System(ctx), id)
}

// zone returns member id's time zone.
func (s *Service) zone(ctx context.Context, id int64) *time.Location {
	m, err := s.member(ctx, id)
	if err != nil {
		return time.UTC
	}
	return m.Location()
}

// oneLine trims and joins a line's white space.
func oneLine(x string) string { return strings.Join(strings.Fields(x), " ") }

// actorID is the acting staff user, 0 for an account or the system.
func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }
