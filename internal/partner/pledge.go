package partner

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
)

// Pledge kinds.
const (
	Money    = "money"    // an amount of money
	Goods    = "goods"    // goods, counted in a unit, with their value
	Jobs     = "jobs"     // job positions
	Training = "training" // training places
)

// Kinds lists the pledge kinds.
var Kinds = []string{Money, Goods, Jobs, Training}

// Pledge statuses.
const (
	Open      = "open"
	Partial   = "partial"
	Delivered = "delivered"
	Cancelled = "cancelled"
)

// Groups a jobs or training pledge may be meant for.
var Groups = []string{"disability", "youth", "women", "poor_households", "orphans", "refugees"}

// Pledge is what a partner pledged, under an agreement or standalone.
// Target and Delivered count minor units of Currency for money, and units,
// positions or places for the other kinds.
type Pledge struct {
	ID             int64     `json:"id"`
	MemberID       int64     `json:"member_id"`
	PartnerID      int64     `json:"partner_id"`
	AgreementID    int64     `json:"agreement_id,omitempty"`
	Kind           string    `json:"kind"`
	Currency       string    `json:"currency,omitempty"` // money, and the value of goods
	Target         int64     `json:"target"`
	Value          int64     `json:"value,omitempty"` // goods: their whole value, minor units
	Description    string    `json:"description,omitempty"`
	Unit           string    `json:"unit,omitempty"`   // goods: "carton", "kg"…
	Role           string    `json:"role,omitempty"`   // jobs: the position
	AreaCode       string    `json:"area,omitempty"`   // jobs and training: where
	Groups         []string  `json:"groups,omitempty"` // jobs and training: for whom
	Course         string    `json:"course,omitempty"` // training: the course's subject
	DueOn          string    `json:"due_on,omitempty"`
	Status         string    `json:"status"`
	Delivered      int64     `json:"delivered"`
	DeliveredValue int64     `json:"delivered_value"` // minor units of Currency (money, goods)
	CancelReason   string    `json:"cancel_reason,omitempty"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Remaining is what is still to deliver.
func (p Pledge) Remaining() int64 { return p.Target - p.Delivered }

// Percent is how much of the pledge was delivered, 0 to 100.
func (p Pledge) Percent() int64 {
	if p.Target <= 0 {
		return 0
	}
	return p.Delivered * 100 / p.Target
}

// statusOf is the status of a pledge of target with delivered.
func statusOf(delivered, target int64) string {
	switch {
	case delivered <= 0:
		return Open
	case delivered < target:
		return Partial
	}
	return Delivered
}

// MaxTarget bounds a pledge's amount or count.
const MaxTarget = int64(1) << 50

// AddPledge records a pledge of partner p.PartnerID (partner.manage),
// standalone or under one of its agreements that is not terminated or
// expired.
func (s *Service) AddPledge(ctx context.Context, in Pledge) (Pledge, error) {
	p, err := s.Get(ctx, in.PartnerID)
	if err != nil {
		return Pledge{}, err
	}
	if err := auth.RequireMember(ctx, auth.PartnerManage, p.MemberID); err != nil {
		return Pledge{}, err
	}
	in.MemberID = p.MemberID
	trim := strings.TrimSpace
	in.Kind, in.Currency = trim(in.Kind), strings.ToUpper(trim(in.Currency))
	in.Description, in.Unit, in.Role, in.AreaCode, in.Course = trim(in.Description), trim(in.Unit), trim(in.Role), trim(in.AreaCode), trim(in.Course)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !slices.Contains(Kinds, in.Kind) {
		e.WithField("kind", "partner.kind_unknown")
	}
	if in.Target <= 0 || in.Target > MaxTarget {
		e.WithField("target", "partner.target_positive")
	}
	due, err := day("due_on", in.DueOn)
	if err != nil {
		e.Fields = append(e.Fields, errs.As(err).Fields...)
	}
	in.DueOn = due
	if in.Kind == Money || in.Kind == Goods {
		if in.Currency == "" {
			if m, err := s.members.ByID(ctx, p.MemberID); err == nil {
				in.Currency = m.Currency
			}
		}
		if _, ok := money.Lookup(in.Currency); !ok {
			e.WithField("currency", "partner.currency_unknown", "currency", in.Currency)
		}
	} else {
		in.Currency = ""
	}
	if in.Kind != Goods {
		in.Value, in.Unit = 0, ""
	} else {
		if in.Description == "" {
			e.WithField("description", "partner.description_required")
		}
		if in.Value < 0 || in.Value > MaxTarget {
			e.WithField("value", "partner.value_invalid")
		}
	}
	if in.Kind == Jobs && in.Role == "" {
		e.WithField("role", "partner.role_required")
	}
	if in.Kind == Training && in.Course == "" {
		e.WithField("course", "partner.course_required")
	}
	if in.Kind != Jobs {
		in.Role = ""
	}
	if in.Kind != Training {
		in.Course = ""
	}
	if in.Kind != Jobs && in.Kind != Training {
		in.AreaCode, in.Groups = "", nil
	}
	var groups []string
	for _, g := range in.Groups {
		if g = trim(g); g == "" {
			continue
		}
		if !slices.Contains(Groups, g) {
			e.WithField("groups", "partner.group_unknown")
			break
		}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	in.Groups = groups
	for _, v := range []string{in.Description, in.Unit, in.Role, in.Course} {
		if runes(v) > maxText {
			e.WithField("description", "partner.too_long", "max", maxText)
			break
		}
	}
	if in.AreaCode != "" {
		areas, err := s.members.AreasOf(ctx, p.MemberID)
		if err != nil {
			return Pledge{}, err
		}
		found := len(areas) == 0
		for _, a := range areas {
			found = found || a.Code == in.AreaCode
		}
		if !found {
			e.WithField("area", "partner.area_unknown", "area", in.AreaCode)
		}
	}
	if len(e.Fields) > 0 {
		return Pledge{}, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var ag any
		if in.AgreementID != 0 {
			a, err := agreement(ctx, tx, in.AgreementID)
			if err != nil || a.PartnerID != p.ID {
				return errs.E(errs.NotFound, "partner.agreement_not_found").WithField("agreement_id", "partner.agreement_not_found")
			}
			if a.stateOn(s.today(ctx, a.MemberID)) != Draft && a.stateOn(s.today(ctx, a.MemberID)) != Signed {
				return errs.E(errs.Conflict, "partner.agreement_closed").WithField("agreement_id", "partner.agreement_closed")
			}
			ag = a.ID
		}
		now := s.now()
		in.Status, in.Delivered, in.DeliveredValue, in.Version, in.CreatedAt, in.UpdatedAt = Open, 0, 0, 1, now, now
		var err error
		in.ID, err = tx.InsertID(ctx, `INSERT INTO partner_pledges (member_id, partner_id, agreement_id, kind, currency, target, value, description, unit, role, area_code,
			groups, course, due_on, status, delivered, delivered_value, cancel_reason, version, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 0, 0, '', 1, ?, ?, ?) RETURNING id`,
			in.MemberID, in.PartnerID, ag, in.Kind, in.Currency, in.Target, in.Value, in.Description, in.Unit, in.Role, in.AreaCode,
			strings.Join(in.Groups, " "), in.Course, in.DueOn, actorID(ctx), now, now)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: in.MemberID, Action: "partner.pledge_create", EntityType: "partner_pledge", EntityID: id(in.ID), State: in})
	})
	if err != nil {
		return Pledge{}, errs.Wrapf(err, "partner: add pledge")
	}
	return in, nil
}

// CancelPledge cancels pledge pid (partner.manage) from the version read,
// with a reason; what was delivered stays. A fully delivered pledge is not
// cancelled.
func (s *Service) CancelPledge(ctx context.Context, pid, version int64, reason string) (Pledge, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || runes(reason) > maxText {
		return Pledge{}, errs.E(errs.Invalid, "partner.reason_required").WithField("reason", "partner.reason_required")
	}
	var pl Pledge
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if pl, err = pledge(ctx, tx, pid); err != nil {
			return err
		}
		if err := auth.RequireMember(ctx, auth.PartnerManage, pl.MemberID); err != nil {
			return err
		}
		if pl.Status == Delivered || pl.Status == Cancelled {
			return errs.E(errs.Conflict, "partner.pledge_closed")
		}
		now := s.now()
		res, err := tx.Exec(ctx, `UPDATE partner_pledges SET status = 'cancelled', cancel_reason = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			reason, now, pid, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "partner.changed_meanwhile")
		}
		pl.Status, pl.CancelReason, pl.Version, pl.UpdatedAt = Cancelled, reason, pl.Version+1, now
		return audit.Append(ctx, tx, audit.Entry{MemberID: pl.MemberID, Action: "partner.pledge_cancel", EntityType: "partner_pledge", EntityID: id(pid),
			State: map[string]any{"reason": reason}})
	})
	if err != nil {
		return Pledge{}, errs.Wrapf(err, "partner: cancel pledge")
	}
	return pl, nil
}

const pledgeCols = `id, member_id, partner_id, agreement_id, kind, currency, target, value, description, unit, role, area_code, groups, course, due_on,
	status, delivered, delivered_value, cancel_reason, version, created_at, updated_at`

func scanPledge(row interface{ Scan(...any) error }) (Pledge, error) {
	var p Pledge
	var ag sql.NullInt64
	var groups string
	err := row.Scan(&p.ID, &p.MemberID, &p.PartnerID, &ag, &p.Kind, &p.Currency, &p.Target, &p.Value, &p.Description, &p.Unit, &p.Role, &p.AreaCode,
		&groups, &p.Course, &p.DueOn, &p.Status, &p.Delivered, &p.DeliveredValue, &p.CancelReason, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	p.AgreementID, p.Groups = ag.Int64, strings.Fields(groups)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

func pledge(ctx context.Context, q auth.Querier, pid int64) (Pledge, error) {
	p, err := scanPledge(q.QueryRow(ctx, `SELECT `+pledgeCols+` FROM partner_pledges WHERE id = ?`, pid))
	if errors.Is(err, sql.ErrNoRows) {
		return Pledge{}, errs.E(errs.NotFound, "partner.pledge_not_found")
	}
	if err != nil {
		return Pledge{}, errs.Wrapf(err, "partner: pledge %d", pid)
	}
	return p, nil
}

// Pledge returns pledge pid (partner.read).
func (s *Service) Pledge(ctx context.Context, pid int64) (Pledge, error) {
	p, err := pledge(ctx, s.db, pid)
	if err != nil {
		return Pledge{}, err
	}
	return p, auth.RequireMember(ctx, auth.PartnerRead, p.MemberID)
}

func (s *Service) pledges(ctx context.Context, q string, args ...any) ([]Pledge, error) {
	rows, err := s.db.Query(ctx, `SELECT `+pledgeCols+` FROM partner_pledges WHERE `+q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "partner: pledges")
	}
	defer rows.Close()
	out := []Pledge{}
	for rows.Next() {
		p, err := scanPledge(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "partner: pledges")
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Pledges lists partner pid's pledges, newest first (partner.read).
func (s *Service) Pledges(ctx context.Context, pid int64) ([]Pledge, error) {
	if _, err := s.Get(ctx, pid); err != nil {
		return nil, err
	}
	return s.pledges(ctx, `partner_id = ? ORDER BY id DESC`, pid)
}

// OpenPledges lists memberID's pledges of kind (Jobs or Training, or any
// kind) not yet fully delivered nor cancelled, the soonest due first
// (partner.read). Employment and training read the positions and places
// partners still offer through it.
func (s *Service) OpenPledges(ctx context.Context, memberID int64, kind string) ([]Pledge, error) {
	if err := auth.RequireMember(ctx, auth.PartnerRead, memberID); err != nil {
		return nil, err
	}
	if kind != "" && !slices.Contains(Kinds, kind) {
		return nil, errs.E(errs.Invalid, "partner.kind_unknown").WithField("kind", "partner.kind_unknown")
	}
	q, args := `member_id = ? AND status IN ('open', 'partial')`, []any{memberID}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	return s.pledges(ctx, q+` ORDER BY CASE WHEN due_on = '' THEN 1 ELSE 0 END, due_on, id LIMIT 1000`, args...)
}
