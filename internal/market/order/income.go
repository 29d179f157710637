package order

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
)

// Consent is a family's consent that its sales become the household's
// income in the registry: who in the family gave it, when, and who
// recorded it.
type Consent struct {
	ID          int64      `json:"id"`
	MemberID    int64      `json:"member_id"`
	ShopID      int64      `json:"shop_id"`
	HouseholdID int64      `json:"household_id"`
	GivenBy     string     `json:"given_by"`
	GivenOn     string     `json:"given_on"` // YYYY-MM-DD
	RecordedBy  int64      `json:"recorded_by"`
	RecordedAt  time.Time  `json:"recorded_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
}

// Income is a proposal of a household's monthly income from its shop's
// delivered sales.
type Income struct {
	ID              int64     `json:"id"`
	MemberID        int64     `json:"member_id"`
	ShopID          int64     `json:"shop_id"`
	HouseholdID     int64     `json:"household_id"`
	Months          int       `json:"months"`
	Total           int64     `json:"total"`   // minor units, delivered in the months
	Monthly         int64     `json:"monthly"` // Total / Months, rounded down
	Currency        string    `json:"currency"`
	ChangeRequestID int64     `json:"change_request_id"`
	ProposedBy      int64     `json:"proposed_by"`
	CreatedAt       time.Time `json:"created_at"`
}

// ConsentInput records a family's consent.
type ConsentInput struct {
	GivenBy string `json:"given_by"` // the family member who consented, by name
	GivenOn string `json:"given_on"` // YYYY-MM-DD
}

func (s *Service) moderatedShop(ctx context.Context, shopID int64, perm auth.Permission) (Shop, error) {
	sh, err := s.shop(ctx, shopID)
	if err != nil {
		return Shop{}, err
	}
	if err := auth.RequireMember(ctx, perm, sh.MemberID); err != nil {
		return Shop{}, err
	}
	return sh, nil
}

const consentCols = `id, member_id, shop_id, household_id, given_by, given_on, recorded_by, recorded_at, withdrawn_at`

func scanConsent(r interface{ Scan(...any) error }) (Consent, error) {
	var c Consent
	err := r.Scan(&c.ID, &c.MemberID, &c.ShopID, &c.HouseholdID, &c.GivenBy, &c.GivenOn, &c.RecordedBy, &c.RecordedAt, &c.WithdrawnAt)
	return c, err
}

// Consent returns shop shopID's consent (market.read); nil when none was
// recorded.
func (s *Service) Consent(ctx context.Context, shopID int64) (*Consent, error) {
	sh, err := s.moderatedShop(ctx, shopID, auth.MarketRead)
	if err != nil {
		return nil, err
	}
	c, err := scanConsent(s.db.QueryRow(ctx, `SELECT `+consentCols+` FROM market_order_consents WHERE member_id = ? AND shop_id = ?`, sh.MemberID, shopID))
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrapf(err, "order: consent")
	}
	return &c, nil
}

// RecordConsent records (or records again, after a withdrawal) the
// family's consent (market.moderate).
func (s *Service) RecordConsent(ctx context.Context, shopID int64, in ConsentInput) (Consent, error) {
	sh, err := s.moderatedShop(ctx, shopID, auth.MarketModerate)
	if err != nil {
		return Consent{}, err
	}
	in.GivenBy = oneLine(in.GivenBy)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if in.GivenBy == "" || runes(in.GivenBy) > maxName || markup(in.GivenBy) {
		e.WithField("given_by", "order.consent_given_by_required")
	}
	on, err := time.Parse(time.DateOnly, in.GivenOn)
	if err != nil || on.After(s.now().AddDate(0, 0, 1)) {
		e.WithField("given_on", "order.consent_date_invalid")
	}
	if sh.HouseholdID == 0 {
		e.WithField("shop", "order.shop_no_household")
	}
	if len(e.Fields) > 0 {
		return Consent{}, e
	}
	var c Consent
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		_, err := tx.Exec(ctx, `INSERT INTO market_order_consents (member_id, shop_id, household_id, given_by, given_on, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (member_id, shop_id) DO UPDATE SET household_id = excluded.household_id, given_by = excluded.given_by, given_on = excluded.given_on,
			recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, withdrawn_at = NULL`,
			sh.MemberID, shopID, sh.HouseholdID, in.GivenBy, in.GivenOn, actorID(ctx), now)
		if err != nil {
			return errs.Wrapf(err, "order: consent")
		}
		if c, err = scanConsent(tx.QueryRow(ctx, `SELECT `+consentCols+` FROM market_order_consents WHERE member_id = ? AND shop_id = ?`, sh.MemberID, shopID)); err != nil {
			return errs.Wrapf(err, "order: consent")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: sh.MemberID, Action: "market_order.consent", EntityType: "market_consent", EntityID: idStr(c.ID),
			State: map[string]any{"shop_id": shopID, "household_id": sh.HouseholdID, "given_by": in.GivenBy, "given_on": in.GivenOn}})
	})
	return c, err
}

// WithdrawConsent records that the family withdrew its consent
// (market.moderate): no income is proposed from then on.
func (s *Service) WithdrawConsent(ctx context.Context, shopID int64) error {
	sh, err := s.moderatedShop(ctx, shopID, auth.MarketModerate)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE market_order_consents SET withdrawn_at = ? WHERE member_id = ? AND shop_id = ? AND withdrawn_at IS NULL RETURNING id`,
			s.now(), sh.MemberID, shopID).Scan(&id)
		if noRows(err) {
			return errs.E(errs.Conflict, "order.no_consent")
		}
		if err != nil {
			return errs.Wrapf(err, "order: withdraw consent")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: sh.MemberID, Action: "market_order.consent_withdraw", EntityType: "market_consent", EntityID: idStr(id),
			State: map[string]any{"shop_id": shopID}})
	})
}

// ProposeIncome proposes to the registry, as a change request a registrar
// decides, the household's monthly income from its shop's delivered sales
// in the last months (3 or 6) whole months before this one: their total
// divided by months, in the registry's money format (market.moderate).
// Without the family's consent it is refused. reason, when empty, is
// written from the figures in the proposer's language.
func (s *Service) ProposeIncome(ctx context.Context, shopID int64, months int, reason string) (Income, error) {
	sh, err := s.moderatedShop(ctx, shopID, auth.MarketModerate)
	if err != nil {
		return Income{}, err
	}
	if months != 3 && months != 6 {
		return Income{}, errs.E(errs.Invalid, "order.income_months").WithField("months", "order.income_months")
	}
	c, err := s.Consent(ctx, shopID)
	if err != nil {
		return Income{}, err
	}
	if c == nil || c.WithdrawnAt != nil {
		return Income{}, errs.E(errs.Conflict, "order.no_consent")
	}
	if s.o.Registry == nil {
		return Income{}, errs.E(errs.Conflict, "order.registry_unavailable")
	}
	m, err := s.member(ctx, sh.MemberID)
	if err != nil {
		return Income{}, err
	}
	loc := m.Location()
	now := s.now().In(loc)
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	from := to.AddDate(0, -months, 0)
	in := Income{MemberID: sh.MemberID, ShopID: shopID, HouseholdID: c.HouseholdID, Months: months, Currency: m.Currency}
	var other int
	err = s.db.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN currency = ? THEN amount ELSE 0 END), 0), COALESCE(SUM(CASE WHEN currency = ? THEN 0 ELSE 1 END), 0)
		FROM market_orders WHERE shop_id = ? AND member_id = ? AND status = 'delivered' AND delivered_at >= ? AND delivered_at < ?`,
		m.Currency, m.Currency, shopID, sh.MemberID, from.UTC(), to.UTC()).Scan(&in.Total, &other)
	if err != nil {
		return Income{}, errs.Wrapf(err, "order: income")
	}
	if other > 0 {
		return Income{}, errs.E(errs.Conflict, "order.income_currency")
	}
	in.Monthly = in.Total / int64(months)
	amount := money.Format(in.Monthly, m.Exponent())
	reason = oneLine(reason)
	if reason == "" {
		lang, cur := actor.From(ctx).Lang, m.Currency
		if c, ok := money.Lookup(m.Currency); ok {
			cur = c.NameAR
			if lang == i18n.EN {
				cur = c.NameEN
			}
		}
		reason = i18n.T(lang, "order.income_reason", map[string]any{"months": months, "from": from.Format("2006-01"), "to": to.AddDate(0, -1, 0).Format("2006-01"),
			"total": money.Format(in.Total, m.Exponent()), "currency": cur})
	}
	cr, err := s.o.Registry.ProposeChange(ctx, c.HouseholdID, map[string]string{"monthly_income": amount}, reason)
	if err != nil {
		return Income{}, err
	}
	in.ChangeRequestID, in.ProposedBy = cr.ID, actorID(ctx)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		in.CreatedAt = s.now()
		var err error
		in.ID, err = tx.InsertID(ctx, `INSERT INTO market_order_incomes (member_id, shop_id, household_id, months, total, monthly, currency, change_request_id, proposed_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.MemberID, shopID, in.HouseholdID, months, in.Total, in.Monthly, in.Currency, in.ChangeRequestID, in.ProposedBy, in.CreatedAt)
		if err != nil {
			return errs.Wrapf(err, "order: income")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: in.MemberID, Action: "market_order.income_propose", EntityType: "market_income", EntityID: idStr(in.ID),
			State: map[string]any{"shop_id": shopID, "household_id": in.HouseholdID, "months": months, "total": in.Total, "monthly": in.Monthly,
				"currency": in.Currency, "change_request_id": in.ChangeRequestID, "consent_id": c.ID}})
	})
	return in, err
}

// Incomes lists the income proposals of shop shopID, newest first
// (market.read).
func (s *Service) Incomes(ctx context.Context, shopID int64) ([]Income, error) {
	sh, err := s.moderatedShop(ctx, shopID, auth.MarketRead)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, member_id, shop_id, household_id, months, total, monthly, currency, change_request_id, proposed_by, created_at
		FROM market_order_incomes WHERE member_id = ? AND shop_id = ? ORDER BY id DESC LIMIT ?`, sh.MemberID, shopID, maxPage)
	if err != nil {
		return nil, errs.Wrapf(err, "order: incomes")
	}
	defer rows.Close()
	var out []Income
	for rows.Next() {
		var in Income
		if err := rows.Scan(&in.ID, &in.MemberID, &in.ShopID, &in.HouseholdID, &in.Months, &in.Total, &in.Monthly, &in.Currency, &in.ChangeRequestID, &in.ProposedBy, &in.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}
