// Package market is the crafts market of productive families (issue 18
// items 8-9): a registry household that consented to publish opens a shop
// (its story, crafts, area — publicly only its governorate and district,
// never its address —, delivery options and contact through the market
// only), opened and managed by the member's market moderator on the
// family's behalf; the shop's products with photos that are checked by
// decoding, resized to standard sizes and re-encoded without metadata,
// stored here; the member's product categories; and the public storefront
// with its Arabic-aware search over an in-memory index that follows the
// products' change sequence.
//
// It implements develop.Catalog for orders (internal/market/order). It
// owns the market_* tables.
package market

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// Shop states. A shop is drafted, opened (it and its products are then on
// the storefront), paused (hidden for a while) and opened again, or closed
// for good.
const (
	Draft  = "draft"
	Open   = "open"
	Paused = "paused"
	Closed = "closed"
)

// Statuses lists the shop states.
var Statuses = []string{Draft, Open, Paused, Closed}

// ConsentScope is the one scope of a family's consent the market records:
// to publish the shop and its products on the public storefront.
const ConsentScope = "publish_shop_products"

// Bounds of what a person types.
const (
	maxName   = 120
	maxText   = 4000
	maxReason = 500
	maxStock  = 1_000_000
	maxPrice  = 1_000_000_000_000 // minor units
	maxPage   = 200
)

// Options are what a Service is built with.
type Options struct {
	// Registry reads the households shops belong to; nil builds one over
	// the database.
	Registry *registry.Service
	// Members gives members (currency) and their areas; nil builds one.
	Members *member.Service
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
	// Limits bound uploads and imports; zero fields are limits.Default's.
	Limits limits.Limits
}

// Service stores shops, products, photos and categories and answers the
// storefront's searches. It is safe for concurrent use.
type Service struct {
	db       *db.DB
	o        Options
	idx      *index
	decoding chan struct{} // bounds the photos decoded at once
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if o.Registry == nil {
		o.Registry = registry.NewWith(d, registry.Options{Clock: o.Clock})
	}
	o.Limits = o.Limits.Or()
	return &Service{db: d, o: o, idx: newIndex(), decoding: make(chan struct{}, 2)}
}

func (s *Service) now() time.Time {
	return s.o.Clock.Or(s.db.Clock()).Now().UTC().Truncate(time.Microsecond)
}

// Limits returns the service's limits.
func (s *Service) Limits() limits.Limits { return s.o.Limits }

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func runes(x string) int                { return utf8.RuneCountInString(x) }
func id(n int64) string                 { return strconv.FormatInt(n, 10) }
func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

// text trims v and records a field error on e when it is required and
// empty or longer than max runes.
func text(e *errs.Error, field, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		e.WithField(field, "market.required")
	case runes(v) > max:
		e.WithField(field, "market.too_long", "max", max)
	}
	return v
}

func failed(e *errs.Error) error {
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// nextSeq takes the next change sequence number in tx. Every write the
// storefront's index must see stamps the products it changes with it; the
// row lock makes commit order the sequence's order.
func nextSeq(ctx context.Context, tx *db.Tx) (int64, error) {
	var n int64
	if err := tx.QueryRow(ctx, `UPDATE market_search_state SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&n); err != nil {
		return 0, errs.Wrapf(err, "market: next sequence")
	}
	return n, nil
}
