package partner

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Agreement statuses. Expired is never stored: an active agreement whose
// end date has passed (in the member's time zone, by the service's clock)
// is shown as expired.
const (
	Draft      = "draft"
	Signed     = "active"
	Expired    = "expired"
	Terminated = "terminated"
)

// Agreement is a memorandum of understanding with a partner.
type Agreement struct {
	ID        int64      `json:"id"`
	MemberID  int64      `json:"member_id"`
	PartnerID int64      `json:"partner_id"`
	Title     string     `json:"title"`
	SignedOn  string     `json:"signed_on,omitempty"` // YYYY-MM-DD
	StartsOn  string     `json:"starts_on"`
	EndsOn    string     `json:"ends_on,omitempty"` // empty: open-ended
	Status    string     `json:"status"`            // as stored: draft, active or terminated
	State     string     `json:"state"`             // as of today: draft, active, expired or terminated
	Scope     string     `json:"scope,omitempty"`
	Reason    string     `json:"terminated_reason,omitempty"`
	EndedAt   *time.Time `json:"terminated_at,omitempty"`
	Documents []Document `json:"documents"`
	Version   int64      `json:"version"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// stateOn is a's state on day today (YYYY-MM-DD).
func (a Agreement) stateOn(today string) string {
	if a.Status == Signed && a.EndsOn != "" && a.EndsOn < today {
		return Expired
	}
	return a.Status
}

// Open reports whether pledges may still be made under a today.
func (a Agreement) Open() bool { return a.State == Draft || a.State == Signed }

// day parses a date as a person wrote it (any digits) to YYYY-MM-DD; ""
// stays "".
func day(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	t, err := arabic.ParseDate(v)
	if err != nil {
		return "", errs.E(errs.Invalid, "partner.date_invalid").WithField(field, "partner.date_invalid")
	}
	return t.Format(time.DateOnly), nil
}

// today is the day it is now in memberID's time zone.
func (s *Service) today(ctx context.Context, memberID int64) string {
	loc := time.UTC
	if m, err := s.members.ByID(ctx, memberID); err == nil {
		loc = m.Location()
	}
	return s.now().In(loc).Format(time.DateOnly)
}

// SaveAgreement records (ID 0) or changes an agreement of partner
// a.PartnerID (partner.manage), from the version read. Status is draft or
// active; a terminated agreement is not changed.
func (s *Service) SaveAgreement(ctx context.Context, a Agreement) (Agreement, error) {
	p, err := s.Get(ctx, a.PartnerID)
	if err != nil {
		return Agreement{}, err
	}
	if err := auth.RequireMember(ctx, auth.PartnerManage, p.MemberID); err != nil {
		return Agreement{}, err
	}
	a.MemberID = p.MemberID
	a.Title, a.Scope, a.Status = strings.TrimSpace(a.Title), strings.TrimSpace(a.Scope), strings.TrimSpace(a.Status)
	if a.Status == "" {
		a.Status = Draft
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	if a.Title == "" || runes(a.Title) > maxName {
		e.WithField("title", "partner.title_required", "max", maxName)
	}
	if runes(a.Scope) > maxScope {
		e.WithField("scope", "partner.too_long", "max", maxScope)
	}
	if a.Status != Draft && a.Status != Signed {
		e.WithField("status", "partner.agreement_status_invalid")
	}
	for _, d := range []struct {
		field string
		v     *string
	}{{"signed_on", &a.SignedOn}, {"starts_on", &a.StartsOn}, {"ends_on", &a.EndsOn}} {
		v, err := day(d.field, *d.v)
		if err != nil {
			e.Fields = append(e.Fields, errs.As(err).Fields...)
		}
		*d.v = v
	}
	if a.StartsOn == "" && !hasField(e, "starts_on") {
		e.WithField("starts_on", "partner.start_required")
	}
	if a.EndsOn != "" && a.StartsOn != "" && a.EndsOn < a.StartsOn {
		e.WithField("ends_on", "partner.ends_before_start")
	}
	if a.Status == Signed && a.SignedOn == "" {
		e.WithField("signed_on", "partner.signed_required")
	}
	if len(e.Fields) > 0 {
		return Agreement{}, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		action := "partner.agreement_create"
		if a.ID == 0 {
			a.Version, a.CreatedAt, a.UpdatedAt = 1, now, now
			a.ID, err = tx.InsertID(ctx, `INSERT INTO partner_agreements (member_id, partner_id, title, signed_on, starts_on, ends_on, status, scope, terminated_reason,
				terminated_at, version, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', NULL, 1, ?, ?, ?) RETURNING id`,
				a.MemberID, a.PartnerID, a.Title, a.SignedOn, a.StartsOn, a.EndsOn, a.Status, a.Scope, actorID(ctx), now, now)
			if err != nil {
				return err
			}
		} else {
			action = "partner.agreement_update"
			cur, err := agreement(ctx, tx, a.ID)
			if err != nil {
				return err
			}
			if cur.PartnerID != a.PartnerID {
				return errs.E(errs.NotFound, "partner.agreement_not_found")
			}
			if cur.Status == Terminated {
				return errs.E(errs.Conflict, "partner.agreement_terminated")
			}
			res, err := tx.Exec(ctx, `UPDATE partner_agreements SET title = ?, signed_on = ?, starts_on = ?, ends_on = ?, status = ?, scope = ?, version = version + 1, updated_at = ?
				WHERE id = ? AND version = ? AND status <> 'terminated'`, a.Title, a.SignedOn, a.StartsOn, a.EndsOn, a.Status, a.Scope, now, a.ID, a.Version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "partner.changed_meanwhile")
			}
			a.Version++
			a.CreatedAt, a.UpdatedAt = cur.CreatedAt, now
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: action, EntityType: "partner_agreement", EntityID: id(a.ID), State: a})
	})
	if err != nil {
		return Agreement{}, errs.Wrapf(err, "partner: save agreement")
	}
	a.State = a.stateOn(s.today(ctx, a.MemberID))
	a.Documents = []Document{}
	return a, nil
}

// Terminate ends agreement aid before its time (partner.manage), with a
// reason, from the version read.
func (s *Service) Terminate(ctx context.Context, aid, version int64, reason string) (Agreement, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || runes(reason) > maxText {
		return Agreement{}, errs.E(errs.Invalid, "partner.reason_required").WithField("reason", "partner.reason_required")
	}
	var a Agreement
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = agreement(ctx, tx, aid); err != nil {
			return err
		}
		if err := auth.RequireMember(ctx, auth.PartnerManage, a.MemberID); err != nil {
			return err
		}
		if a.Status == Terminated {
			return errs.E(errs.Conflict, "partner.agreement_terminated")
		}
		now := s.now()
		res, err := tx.Exec(ctx, `UPDATE partner_agreements SET status = 'terminated', terminated_reason = ?, terminated_at = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND status <> 'terminated'`, reason, now, now, aid, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "partner.changed_meanwhile")
		}
		a.Status, a.Reason, a.EndedAt, a.Version, a.UpdatedAt = Terminated, reason, &now, a.Version+1, now
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "partner.agreement_terminate", EntityType: "partner_agreement", EntityID: id(aid),
			State: map[string]any{"reason": reason, "at": now}})
	})
	if err != nil {
		return Agreement{}, errs.Wrapf(err, "partner: terminate")
	}
	a.State = Terminated
	return a, nil
}

const agreementCols = `id, member_id, partner_id, title, signed_on, starts_on, ends_on, status, scope, terminated_reason, terminated_at, version, created_at, updated_at`

func scanAgreement(row interface{ Scan(...any) error }) (Agreement, error) {
	var a Agreement
	var ended sql.NullTime
	err := row.Scan(&a.ID, &a.MemberID, &a.PartnerID, &a.Title, &a.SignedOn, &a.StartsOn, &a.EndsOn, &a.Status, &a.Scope, &a.Reason, &ended, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	if ended.Valid {
		t := ended.Time.UTC()
		a.EndedAt = &t
	}
	a.CreatedAt, a.UpdatedAt, a.Documents = a.CreatedAt.UTC(), a.UpdatedAt.UTC(), []Document{}
	return a, err
}

func agreement(ctx context.Context, q auth.Querier, aid int64) (Agreement, error) {
	a, err := scanAgreement(q.QueryRow(ctx, `SELECT `+agreementCols+` FROM partner_agreements WHERE id = ?`, aid))
	if errors.Is(err, sql.ErrNoRows) {
		return Agreement{}, errs.E(errs.NotFound, "partner.agreement_not_found")
	}
	if err != nil {
		return Agreement{}, errs.Wrapf(err, "partner: agreement %d", aid)
	}
	return a, nil
}

// Agreement returns agreement aid with its documents (partner.read).
func (s *Service) Agreement(ctx context.Context, aid int64) (Agreement, error) {
	a, err := agreement(ctx, s.db, aid)
	if err != nil {
		return Agreement{}, err
	}
	if err := auth.RequireMember(ctx, auth.PartnerRead, a.MemberID); err != nil {
		return Agreement{}, err
	}
	as := []Agreement{a}
	if err := s.fillAgreements(ctx, as); err != nil {
		return Agreement{}, err
	}
	return as[0], nil
}

// Agreements lists partner pid's agreements, newest first, each with its
// state today and its documents (partner.read).
func (s *Service) Agreements(ctx context.Context, pid int64) ([]Agreement, error) {
	if _, err := s.Get(ctx, pid); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+agreementCols+` FROM partner_agreements WHERE partner_id = ? ORDER BY starts_on DESC, id DESC`, pid)
	if err != nil {
		return nil, errs.Wrapf(err, "partner: agreements")
	}
	out := []Agreement{}
	for rows.Next() {
		a, err := scanAgreement(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "partner: agreements")
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "partner: agreements")
	}
	return out, s.fillAgreements(ctx, out)
}

// fillAgreements sets the state of as today and reads their documents.
func (s *Service) fillAgreements(ctx context.Context, as []Agreement) error {
	if len(as) == 0 {
		return nil
	}
	today := s.today(ctx, as[0].MemberID)
	at := map[int64]int{}
	for i := range as {
		as[i].State = as[i].stateOn(today)
		at[as[i].ID] = i
	}
	rows, err := s.db.Query(ctx, `SELECT id, partner_id, agreement_id, name, content_type, size, sha256, created_by, created_at FROM partner_documents
		WHERE partner_id = ? AND agreement_id IS NOT NULL ORDER BY id`, as[0].PartnerID)
	if err != nil {
		return errs.Wrapf(err, "partner: documents")
	}
	defer rows.Close()
	for rows.Next() {
		var d Document
		if err := rows.Scan(&d.ID, &d.PartnerID, &d.AgreementID, &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.CreatedBy, &d.CreatedAt); err != nil {
			return errs.Wrapf(err, "partner: documents")
		}
		d.CreatedAt = d.CreatedAt.UTC()
		if i, ok := at[d.AgreementID]; ok {
			as[i].Documents = append(as[i].Documents, d)
		}
	}
	return rows.Err()
}

// MaxDocuments is the most documents one agreement holds.
const MaxDocuments = 50

// AddDocument attaches a document to agreement aid (partner.manage): a PDF
// or a JPEG/PNG image whose bytes are what its name says, of at most
// MaxDocument bytes, refused while it is read when larger. It is stored
// with its SHA-256 and audited.
func (s *Service) AddDocument(ctx context.Context, aid int64, f File) (Document, error) {
	a, err := agreement(ctx, s.db, aid)
	if err != nil {
		return Document{}, err
	}
	if err := auth.RequireMember(ctx, auth.PartnerManage, a.MemberID); err != nil {
		return Document{}, err
	}
	name, ctype, data, err := s.readDocument(f)
	if err != nil {
		return Document{}, err
	}
	var d Document
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		p, err := get(ctx, tx, a.PartnerID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM partner_documents WHERE agreement_id = ?`, aid).Scan(&n); err != nil {
			return err
		}
		if n >= MaxDocuments {
			return errs.E(errs.Invalid, "partner.too_many_documents", "max", MaxDocuments).WithField("file", "partner.too_many_documents", "max", MaxDocuments)
		}
		d, err = s.insertDocument(ctx, tx, p, aid, name, ctype, data)
		return err
	})
	if err != nil {
		return Document{}, errs.Wrapf(err, "partner: add document")
	}
	return d, nil
}

func hasField(e *errs.Error, field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
