package partner

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
)

// MaxReference is how long a delivery's reference may be.
const MaxReference = 64

// Delivery is what a partner delivered against a pledge. Quantity counts
// in the pledge's units (minor units of money for a money pledge); Value is
// its worth in minor units of the pledge's currency (money and goods).
type Delivery struct {
	ID          int64     `json:"id"`
	MemberID    int64     `json:"member_id"`
	PartnerID   int64     `json:"partner_id"`
	PledgeID    int64     `json:"pledge_id"`
	Reference   string    `json:"reference"`
	DeliveredOn string    `json:"delivered_on"`
	Quantity    int64     `json:"quantity"`
	Value       int64     `json:"value"`
	DocumentID  int64     `json:"document_id,omitempty"`
	Note        string    `json:"note,omitempty"`
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// DeliveryInput records a delivery. Version, when not zero, is the
// pledge's version the person saw: a pledge changed since is a conflict.
type DeliveryInput struct {
	PledgeID    int64
	Reference   string
	DeliveredOn string
	Quantity    int64
	Note        string
	Version     int64
	Evidence    *File // optional: a PDF or an image
}

// Deliver records a delivery against a pledge (partner.manage). The
// reference makes it idempotent: a reference already recorded for this
// pledge returns that first delivery with dup true and writes nothing (for
// another pledge it is a conflict). A delivery to a fully delivered
// pledge, or beyond what is still pledged, is refused, as is one to a
// cancelled pledge. The pledge's row is locked and its version checked, so
// two deliveries racing for the remainder cannot both pass.
func (s *Service) Deliver(ctx context.Context, in DeliveryInput) (Delivery, bool, error) {
	in.Reference, in.Note = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Note)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if in.Reference == "" || runes(in.Reference) > MaxReference || strings.ContainsAny(in.Reference, " \t\r\n") {
		e.WithField("reference", "partner.reference_invalid", "max", MaxReference)
	}
	if in.Quantity <= 0 || in.Quantity > MaxTarget {
		e.WithField("quantity", "partner.quantity_positive")
	}
	if runes(in.Note) > maxText {
		e.WithField("note", "partner.too_long", "max", maxText)
	}
	on, err := day("delivered_on", in.DeliveredOn)
	if err != nil {
		e.Fields = append(e.Fields, errs.As(err).Fields...)
	}
	pl, err := pledge(ctx, s.db, in.PledgeID)
	if err != nil {
		return Delivery{}, false, err
	}
	if err := auth.RequireMember(ctx, auth.PartnerManage, pl.MemberID); err != nil {
		return Delivery{}, false, err
	}
	today := s.today(ctx, pl.MemberID)
	if on == "" && !hasField(e, "delivered_on") {
		on = today
	}
	if on > today {
		e.WithField("delivered_on", "partner.delivered_in_future")
	}
	if len(e.Fields) > 0 {
		return Delivery{}, false, e
	}
	if d, dup, err := s.byReference(ctx, s.db, pl.MemberID, in.PledgeID, in.Reference); dup || err != nil {
		return d, dup, err
	}
	var evName, evType string
	var evData []byte
	if in.Evidence != nil {
		if evName, evType, evData, err = s.readDocument(*in.Evidence); err != nil {
			return Delivery{}, false, err
		}
	}
	var d Delivery
	var dup bool
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockRow(ctx, "partner_pledges", in.PledgeID); err != nil {
			return err
		}
		var err error
		if d, dup, err = s.byReference(ctx, tx, pl.MemberID, in.PledgeID, in.Reference); dup || err != nil {
			return err
		}
		cur, err := pledge(ctx, tx, in.PledgeID)
		if err != nil {
			return err
		}
		if in.Version != 0 && cur.Version != in.Version {
			return errs.E(errs.Conflict, "partner.changed_meanwhile")
		}
		switch {
		case cur.Status == Cancelled:
			return errs.E(errs.Conflict, "partner.pledge_cancelled")
		case cur.Status == Delivered || cur.Remaining() <= 0:
			return errs.E(errs.Conflict, "partner.pledge_fully_delivered").WithField("quantity", "partner.pledge_fully_delivered")
		case in.Quantity > cur.Remaining():
			rem := remainingText(cur)
			return errs.E(errs.Invalid, "partner.over_delivery", "remaining", rem).WithField("quantity", "partner.over_delivery", "remaining", rem)
		}
		value := int64(0)
		switch cur.Kind {
		case Money:
			value = in.Quantity
		case Goods:
			// The value of goods delivered is the pledge's value in proportion;
			// the last delivery takes what rounding left, so that a pledge
			// delivered in full is worth exactly its value.
			if cur.Delivered+in.Quantity == cur.Target {
				value = cur.Value - cur.DeliveredValue
			} else {
				value = mulDiv(cur.Value, in.Quantity, cur.Target)
			}
		}
		now := s.now()
		status := statusOf(cur.Delivered+in.Quantity, cur.Target)
		res, err := tx.Exec(ctx, `UPDATE partner_pledges SET delivered = delivered + ?, delivered_value = delivered_value + ?, status = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND status IN ('open', 'partial')`, in.Quantity, value, status, now, cur.ID, cur.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "partner.changed_meanwhile")
		}
		p, err := get(ctx, tx, cur.PartnerID)
		if err != nil {
			return err
		}
		var doc any
		if evData != nil {
			dd, err := s.insertDocument(ctx, tx, p, 0, evName, evType, evData)
			if err != nil {
				return err
			}
			doc, d.DocumentID = dd.ID, dd.ID
		}
		d = Delivery{MemberID: cur.MemberID, PartnerID: cur.PartnerID, PledgeID: cur.ID, Reference: in.Reference, DeliveredOn: on, Quantity: in.Quantity, Value: value,
			DocumentID: d.DocumentID, Note: in.Note, CreatedBy: actorID(ctx), CreatedAt: now}
		if d.ID, err = tx.InsertID(ctx, `INSERT INTO partner_deliveries (member_id, partner_id, pledge_id, reference, delivered_on, quantity, value, document_id, note, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.MemberID, d.PartnerID, d.PledgeID, d.Reference, d.DeliveredOn, d.Quantity, d.Value, doc, d.Note, d.CreatedBy, now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: d.MemberID, Action: "partner.delivery", EntityType: "partner_pledge", EntityID: id(cur.ID),
			State: map[string]any{"delivery": d, "status": status, "delivered": cur.Delivered + in.Quantity}})
	})
	if err != nil && db.IsUnique(err) {
		// The same reference sent twice at once: the first won.
		if d2, dup2, err2 := s.byReference(ctx, s.db, pl.MemberID, in.PledgeID, in.Reference); err2 == nil && dup2 {
			return d2, true, nil
		} else if err2 != nil {
			return Delivery{}, false, err2
		}
	}
	if err != nil {
		return Delivery{}, false, errs.Wrapf(err, "partner: deliver")
	}
	return d, dup, nil
}

// remainingText is what is still to deliver of p as a person reads it: an
// amount with its currency's decimals and code for money, a count
// otherwise (with the unit of goods).
func remainingText(p Pledge) any {
	switch p.Kind {
	case Money:
		if c, ok := money.Lookup(p.Currency); ok {
			return money.Format(p.Remaining(), c.Exponent) + " " + p.Currency
		}
	case Goods:
		if p.Unit != "" {
			return strconv.FormatInt(p.Remaining(), 10) + " " + p.Unit
		}
	}
	return p.Remaining()
}

// mulDiv is a*b/c without overflow for the bounds of a pledge.
func mulDiv(a, b, c int64) int64 {
	if c == 0 {
		return 0
	}
	q, r := a/c, a%c
	return q*b + r*b/c
}

// byReference returns member's delivery with reference, dup true when it
// exists for pledgeID; one for another pledge is a conflict.
func (s *Service) byReference(ctx context.Context, q interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}, memberID, pledgeID int64, ref string) (Delivery, bool, error) {
	d, err := scanDelivery(q.QueryRow(ctx, `SELECT `+deliveryCols+` FROM partner_deliveries WHERE member_id = ? AND reference = ?`, memberID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, false, nil
	}
	if err != nil {
		return Delivery{}, false, errs.Wrapf(err, "partner: delivery %s", ref)
	}
	if d.PledgeID != pledgeID {
		return Delivery{}, false, errs.E(errs.Conflict, "partner.reference_reused", "reference", ref).WithField("reference", "partner.reference_reused", "reference", ref)
	}
	return d, true, nil
}

const deliveryCols = `id, member_id, partner_id, pledge_id, reference, delivered_on, quantity, value, document_id, note, created_by, created_at`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var doc sql.NullInt64
	err := row.Scan(&d.ID, &d.MemberID, &d.PartnerID, &d.PledgeID, &d.Reference, &d.DeliveredOn, &d.Quantity, &d.Value, &doc, &d.Note, &d.CreatedBy, &d.CreatedAt)
	d.DocumentID, d.CreatedAt = doc.Int64, d.CreatedAt.UTC()
	return d, err
}

// Deliveries lists the deliveries to partner pid's pledges, newest first
// (partner.read).
func (s *Service) Deliveries(ctx context.Context, pid int64) ([]Delivery, error) {
	if _, err := s.Get(ctx, pid); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+deliveryCols+` FROM partner_deliveries WHERE partner_id = ? ORDER BY delivered_on DESC, id DESC`, pid)
	if err != nil {
		return nil, errs.Wrapf(err, "partner: deliveries")
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "partner: deliveries")
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
