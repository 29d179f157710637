package market

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Consent is a family's recorded consent to publish its shop and products:
// who in the household gave it, on which day, and its scope.
type Consent struct {
	GivenBy    string    `json:"given_by"` // the name of the person who gave it
	GivenOn    string    `json:"given_on"` // YYYY-MM-DD
	Scope      string    `json:"scope"`    // ConsentScope
	RecordedBy int64     `json:"recorded_by,omitempty"`
	RecordedAt time.Time `json:"recorded_at,omitzero"`
}

// ShopInput is a shop as the moderator opens or edits it for a family.
type ShopInput struct {
	MemberID    int64   `json:"member_id"`
	HouseholdID int64   `json:"household_id"`
	NameAR      string  `json:"name_ar"`
	NameEN      string  `json:"name_en"`
	StoryAR     string  `json:"story_ar"`
	StoryEN     string  `json:"story_en"`
	Crafts      string  `json:"crafts"` // in the family's words
	Pickup      bool    `json:"pickup"`
	Delivery    bool    `json:"delivery"` // within the governorate
	Shipping    bool    `json:"shipping"`
	Consent     Consent `json:"consent"`
}

// Shop is a productive family's shop. Governorate and District come from
// the household; the household's address and phone are never here.
type Shop struct {
	ShopInput
	ID          int64     `json:"id"`
	Governorate string    `json:"governorate"`
	District    string    `json:"district"`
	Status      string    `json:"status"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Products    int       `json:"products"` // filled by lists
}

const shopCols = `id, member_id, household_id, name_ar, name_en, story_ar, story_en, crafts, governorate, district, pickup, delivery, shipping, status,
	consent_given_by, consent_given_on, consent_scope, consent_recorded_by, consent_recorded_at, version, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanShop(r scanner, extra ...any) (Shop, error) {
	var h Shop
	err := r.Scan(append([]any{&h.ID, &h.MemberID, &h.HouseholdID, &h.NameAR, &h.NameEN, &h.StoryAR, &h.StoryEN, &h.Crafts, &h.Governorate, &h.District,
		&h.Pickup, &h.Delivery, &h.Shipping, &h.Status, &h.Consent.GivenBy, &h.Consent.GivenOn, &h.Consent.Scope, &h.Consent.RecordedBy,
		&h.Consent.RecordedAt, &h.Version, &h.CreatedAt, &h.UpdatedAt}, extra...)...)
	h.Consent.RecordedAt, h.CreatedAt, h.UpdatedAt = h.Consent.RecordedAt.UTC(), h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, err
}

// check validates in and records every problem.
func (in *ShopInput) check() error {
	e := errs.E(errs.Invalid, "market.invalid")
	in.NameAR = text(e, "name_ar", in.NameAR, true, maxName)
	in.NameEN = text(e, "name_en", in.NameEN, false, maxName)
	in.StoryAR = text(e, "story_ar", in.StoryAR, false, maxText)
	in.StoryEN = text(e, "story_en", in.StoryEN, false, maxText)
	in.Crafts = text(e, "crafts", in.Crafts, false, maxName*2)
	if !in.Pickup && !in.Delivery && !in.Shipping {
		e.WithField("delivery", "market.delivery_required")
	}
	return failed(e)
}

// checkConsent refuses a shop without a recorded consent of its scope.
func (c *Consent) check(today time.Time) error {
	c.GivenBy, c.GivenOn, c.Scope = strings.TrimSpace(c.GivenBy), strings.TrimSpace(arabic.Digits(c.GivenOn)), strings.TrimSpace(c.Scope)
	e := errs.E(errs.Invalid, "market.consent_required")
	if c.GivenBy == "" || runes(c.GivenBy) > maxName {
		e.WithField("consent_given_by", "market.consent_given_by")
	}
	d, err := time.Parse(time.DateOnly, c.GivenOn)
	if err != nil || d.After(today) {
		e.WithField("consent_given_on", "market.consent_given_on")
	}
	if c.Scope != ConsentScope {
		e.WithField("consent_scope", "market.consent_scope")
	}
	return failed(e)
}

// OpenShop records a shop for household in.HouseholdID of in.MemberID
// (market.moderate) with the family's consent, as a draft. A household
// without consent, of another member, or that already has a shop is
// refused.
func (s *Service) OpenShop(ctx context.Context, in ShopInput) (Shop, error) {
	if err := auth.RequireMember(ctx, auth.MarketModerate, in.MemberID); err != nil {
		return Shop{}, err
	}
	now := s.now()
	if err := in.Consent.check(now); err != nil {
		return Shop{}, err
	}
	if err := in.check(); err != nil {
		return Shop{}, err
	}
	hh, err := s.o.Registry.Household(ctx, in.HouseholdID)
	if err != nil || hh.MemberID != in.MemberID {
		return Shop{}, errs.E(errs.NotFound, "market.household_not_found").WithField("household_id", "market.household_not_found")
	}
	h := Shop{ShopInput: in, Governorate: hh.Governorate, District: hh.District, Status: Draft, Version: 1, CreatedAt: now, UpdatedAt: now}
	h.Consent.RecordedBy, h.Consent.RecordedAt = actorID(ctx), now
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		h.ID, err = tx.InsertID(ctx, `INSERT INTO market_shops (member_id, household_id, name_ar, name_en, story_ar, story_en, crafts, governorate, district,
			pickup, delivery, shipping, status, consent_given_by, consent_given_on, consent_scope, consent_recorded_by, consent_recorded_at, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
			h.MemberID, h.HouseholdID, h.NameAR, h.NameEN, h.StoryAR, h.StoryEN, h.Crafts, h.Governorate, h.District, h.Pickup, h.Delivery, h.Shipping, h.Status,
			h.Consent.GivenBy, h.Consent.GivenOn, h.Consent.Scope, h.Consent.RecordedBy, now, now, now)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "market.shop_exists").WithField("household_id", "market.shop_exists")
		}
		if err != nil {
			return errs.Wrapf(err, "market: open shop")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: h.MemberID, Action: "market.shop_open", EntityType: "market_shop", EntityID: id(h.ID), State: h})
	})
	if err != nil {
		return Shop{}, err
	}
	return h, nil
}

// Shop returns shop id (market.read of its member).
func (s *Service) Shop(ctx context.Context, sid int64) (Shop, error) {
	h, err := s.shop(ctx, s.db, sid)
	if err != nil {
		return Shop{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketRead, h.MemberID); err != nil {
		return Shop{}, errs.E(errs.NotFound, "market.shop_not_found")
	}
	return h, nil
}

func (s *Service) shop(ctx context.Context, q querier, sid int64) (Shop, error) {
	h, err := scanShop(q.QueryRow(ctx, `SELECT `+shopCols+` FROM market_shops WHERE id = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return Shop{}, errs.E(errs.NotFound, "market.shop_not_found")
	}
	if err != nil {
		return Shop{}, errs.Wrapf(err, "market: shop %d", sid)
	}
	return h, nil
}

// PublicShop returns shop id if it is open, for the storefront: its
// household id and consent are left out.
func (s *Service) PublicShop(ctx context.Context, sid int64) (Shop, error) {
	h, err := s.shop(ctx, s.db, sid)
	if err != nil {
		return Shop{}, err
	}
	if h.Status != Open {
		return Shop{}, errs.E(errs.NotFound, "market.shop_not_found")
	}
	h.HouseholdID, h.Consent = 0, Consent{}
	return h, nil
}

// ShopFilter selects shops for the staff list.
type ShopFilter struct {
	MemberID int64
	Status   string
	Query    string
}

// Shops lists member's shops (market.read), newest first, with their
// product counts.
func (s *Service) Shops(ctx context.Context, f ShopFilter) ([]Shop, error) {
	if err := auth.RequireMember(ctx, auth.MarketRead, f.MemberID); err != nil {
		return nil, err
	}
	q := `SELECT ` + prefixed("h.", shopCols) + `, (SELECT COUNT(*) FROM market_products p WHERE p.shop_id = h.id) FROM market_shops h WHERE h.member_id = ?`
	args := []any{f.MemberID}
	if f.Status != "" {
		q += ` AND h.status = ?`
		args = append(args, f.Status)
	}
	q += ` ORDER BY h.id DESC LIMIT 1000`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "market: shops")
	}
	defer rows.Close()
	want := arabic.Normalize(f.Query)
	var out []Shop
	for rows.Next() {
		var n int
		h, err := scanShop(rows, &n)
		if err != nil {
			return nil, errs.Wrapf(err, "market: shops")
		}
		h.Products = n
		if want != "" && !strings.Contains(arabic.Normalize(h.NameAR+" "+h.NameEN+" "+h.Crafts), want) {
			continue
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// UpdateShop changes shop sid's details (market.moderate); version is the
// one read. The household and its consent stay.
func (s *Service) UpdateShop(ctx context.Context, sid int64, in ShopInput, version int64) (Shop, error) {
	old, err := s.Shop(ctx, sid)
	if err != nil {
		return Shop{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketModerate, old.MemberID); err != nil {
		return Shop{}, err
	}
	if err := in.check(); err != nil {
		return Shop{}, err
	}
	h := old
	h.NameAR, h.NameEN, h.StoryAR, h.StoryEN, h.Crafts, h.Pickup, h.Delivery, h.Shipping = in.NameAR, in.NameEN, in.StoryAR, in.StoryEN, in.Crafts, in.Pickup, in.Delivery, in.Shipping
	return s.writeShop(ctx, h, version, "market.shop_update", `name_ar = ?, name_en = ?, story_ar = ?, story_en = ?, crafts = ?, pickup = ?, delivery = ?, shipping = ?`,
		h.NameAR, h.NameEN, h.StoryAR, h.StoryEN, h.Crafts, h.Pickup, h.Delivery, h.Shipping)
}

// nextStatus lists the states a shop in each state may move to.
var nextStatus = map[string][]string{Draft: {Open, Closed}, Open: {Paused, Closed}, Paused: {Open, Closed}}

// SetStatus opens, pauses, reopens or closes shop sid (market.moderate);
// version is the one read. Closing is final.
func (s *Service) SetStatus(ctx context.Context, sid int64, status string, version int64) (Shop, error) {
	old, err := s.Shop(ctx, sid)
	if err != nil {
		return Shop{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketModerate, old.MemberID); err != nil {
		return Shop{}, err
	}
	if !slices.Contains(nextStatus[old.Status], status) {
		return Shop{}, errs.E(errs.Conflict, "market.status_change")
	}
	h := old
	h.Status = status
	return s.writeShop(ctx, h, version, "market.shop_status_"+status, `status = ?`, status)
}

// writeShop writes shop h's changed columns guarded by version, stamps its
// products for the index and audits action.
func (s *Service) writeShop(ctx context.Context, h Shop, version int64, action, set string, args ...any) (Shop, error) {
	now := s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE market_shops SET `+set+`, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			append(args, now, h.ID, version)...)
		if err != nil {
			return errs.Wrapf(err, "market: shop %d", h.ID)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "market.stale")
		}
		if _, err := tx.Exec(ctx, `UPDATE market_products SET seq = ? WHERE shop_id = ?`, seq, h.ID); err != nil {
			return errs.Wrapf(err, "market: shop %d products", h.ID)
		}
		h.Version, h.UpdatedAt = version+1, now
		return audit.Append(ctx, tx, audit.Entry{MemberID: h.MemberID, Action: action, EntityType: "market_shop", EntityID: id(h.ID), State: h})
	})
	if err != nil {
		return Shop{}, err
	}
	return h, nil
}

// ShopArea is a governorate with open shops.
type ShopArea struct {
	MemberID    int64  `json:"member_id"`
	Governorate string `json:"governorate"`
	Shops       int    `json:"shops"`
}

// OpenShopAreas counts the open shops by member and governorate, for the
// storefront's area filter and the portal's statistics (no permission:
// counts of what is public).
func (s *Service) OpenShopAreas(ctx context.Context) ([]ShopArea, error) {
	rows, err := s.db.Query(ctx, `SELECT member_id, governorate, COUNT(*) FROM market_shops WHERE status = 'open' GROUP BY member_id, governorate ORDER BY member_id, governorate`)
	if err != nil {
		return nil, errs.Wrapf(err, "market: open shops")
	}
	defer rows.Close()
	var out []ShopArea
	for rows.Next() {
		var a ShopArea
		if err := rows.Scan(&a.MemberID, &a.Governorate, &a.Shops); err != nil {
			return nil, errs.Wrapf(err, "market: open shops")
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
