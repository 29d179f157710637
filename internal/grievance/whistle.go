package grievance

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/seal"
)

// Whistleblower report statuses, in order.
const (
	ReportReceived      = "received"
	ReportInvestigating = "investigating"
	ReportClosed        = "closed"
)

// Report is a whistleblower's report of corruption or abuse. Only integrity
// officers of its member read it (whistle.handle, which neither the union
// administrator nor the system holds), and never one the report accuses.
type Report struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	Number     int64     `json:"number"`
	Body       string    `json:"body,omitempty"` // filled by Read only; as given, escape when showing
	HasContact bool      `json:"has_contact"`
	Status     string    `json:"status"`
	HandlerID  int64     `json:"handler_id,omitempty"`
	Outcome    string    `json:"outcome,omitempty"`
	Accused    []int64   `json:"accused,omitempty"` // staff user ids
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ReportIntake is a new whistleblower report from the public form. Contact
// is optional and stored encrypted.
type ReportIntake struct {
	MemberID        int64
	Body            string
	Contact         string
	IP              string
	ChallengeToken  string
	ChallengeAnswer string
}

func (s *Service) sealer() (*seal.Sealer, error) {
	s.boxMu.Lock()
	defer s.boxMu.Unlock()
	if s.box != nil {
		return s.box, nil
	}
	if s.keyFile == "" {
		return nil, errs.Wrapf(errors.New("no key file configured"), "grievance: whistleblower key")
	}
	key, err := seal.LoadKey(s.keyFile)
	if err != nil {
		return nil, errs.Wrapf(err, "grievance: whistleblower key")
	}
	if s.box, err = seal.New(key); err != nil {
		return nil, errs.Wrapf(err, "grievance: whistleblower key")
	}
	return s.box, nil
}

func contactAD(member int64, hash string) []byte {
	return []byte("tadamun-whistle-contact-v1\n" + strconv.FormatInt(member, 10) + "\n" + hash)
}

// FileReport takes in a whistleblower report. Anyone may file one without
// an account, after solving the form's challenge; the receipt's code opens
// the report's public status. A report with no text is refused.
func (s *Service) FileReport(ctx context.Context, in ReportIntake) (Receipt, error) {
	if in.IP == "" {
		return Receipt{}, errs.E(errs.Invalid, "grievance.no_address")
	}
	if w := s.formLimit.Wait("ip:" + in.IP); w > 0 {
		return Receipt{}, errs.E(errs.TooMany, "grievance.too_many", "minutes", minutes(w))
	}
	if err := s.challenges.Verify(in.ChallengeToken, in.ChallengeAnswer); err != nil {
		s.formLimit.Hit("ip:" + in.IP)
		return Receipt{}, err
	}
	in.Body, in.Contact = strings.TrimSpace(in.Body), strings.TrimSpace(in.Contact)
	e := errs.E(errs.Invalid, "error.invalid_input")
	switch {
	case in.Body == "":
		e.WithField("body", "grievance.body_required")
	case runes(in.Body) > maxBody || !utf8.ValidString(in.Body):
		e.WithField("body", "grievance.too_long", "max", maxBody)
	}
	if runes(in.Contact) > maxShort || !utf8.ValidString(in.Contact) {
		e.WithField("contact", "grievance.too_long", "max", maxShort)
	}
	if len(e.Fields) > 0 {
		return Receipt{}, e
	}
	if _, err := s.members.ByID(ctx, in.MemberID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Receipt{}, errs.E(errs.Invalid, "member.unknown_id").WithField("member", "member.unknown_id")
		}
		return Receipt{}, err
	}
	box, err := s.sealer()
	if err != nil {
		return Receipt{}, err
	}
	s.formLimit.Hit("ip:" + in.IP)
	var rc Receipt
	for attempt := 0; ; attempt++ {
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			now := s.now().UTC().Truncate(time.Microsecond)
			r := Report{MemberID: in.MemberID, Status: ReportReceived, HasContact: in.Contact != "", CreatedAt: now, UpdatedAt: now}
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM whistle_reports WHERE member_id = ?`, r.MemberID).Scan(&r.Number); err != nil {
				return err
			}
			code := newCode()
			hash := codeHash(code)
			var sealed []byte
			if in.Contact != "" {
				sealed = box.Seal([]byte(in.Contact), contactAD(r.MemberID, hash))
			}
			r.ID, err = tx.InsertID(ctx, `INSERT INTO whistle_reports (member_id, number, code_hash, body, contact_enc, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.MemberID, r.Number, hash, in.Body, sealed, r.Status, now, now)
			if err != nil {
				return err
			}
			rc = Receipt{ID: r.ID, Number: r.Number, Code: FormatCode(code)}
			r.Body = in.Body
			return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "whistle.file", EntityType: "whistle_report", EntityID: id(r.ID), State: r})
		})
		if db.IsUnique(err) && attempt < 5 {
			continue
		}
		break
	}
	if err != nil {
		return Receipt{}, errs.Wrapf(err, "grievance: file report")
	}
	return rc, nil
}

// ReportStatus returns the status and outcome of the report with tracking
// code, for the reporter; nothing else. Wrong codes count against ip.
func (s *Service) ReportStatus(ctx context.Context, code, ip string) (status, outcome string, err error) {
	key := "ip:" + ip
	if w := s.codeLimit.Wait(key); w > 0 {
		return "", "", errs.E(errs.TooMany, "grievance.too_many", "minutes", minutes(w))
	}
	c, ok := ParseCode(code)
	if !ok {
		s.codeLimit.Hit(key)
		return "", "", errs.E(errs.Invalid, "grievance.code_malformed").WithField("code", "grievance.code_malformed")
	}
	err = s.db.QueryRow(ctx, `SELECT status, outcome FROM whistle_reports WHERE code_hash = ?`, codeHash(c)).Scan(&status, &outcome)
	if errors.Is(err, sql.ErrNoRows) {
		s.codeLimit.Hit(key)
		return "", "", errs.E(errs.NotFound, "grievance.code_unknown")
	}
	if err != nil {
		return "", "", errs.Wrapf(err, "grievance: report status")
	}
	return status, outcome, nil
}

// requireIntegrity checks that the actor is an integrity officer of member.
func requireIntegrity(ctx context.Context, member int64) error {
	if err := auth.RequireMember(ctx, auth.WhistleHandle, member); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "whistle.not_found")
		}
		return err
	}
	return nil
}

const reportCols = `id, member_id, number, contact_enc IS NOT NULL, status, COALESCE(handler_id, 0), outcome, created_at, updated_at`

func scanReport(row interface{ Scan(...any) error }) (Report, error) {
	var r Report
	err := row.Scan(&r.ID, &r.MemberID, &r.Number, &r.HasContact, &r.Status, &r.HandlerID, &r.Outcome, &r.CreatedAt, &r.UpdatedAt)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// notAccused is the condition that hides reports accusing the actor.
const notAccused = ` AND NOT EXISTS (SELECT 1 FROM whistle_accused a WHERE a.member_id = r.member_id AND a.report_id = r.id AND a.user_id = ?)`

// released is the condition that a report was released to the actor.
const released = `EXISTS (SELECT 1 FROM whistle_releases x WHERE x.member_id = r.member_id AND x.report_id = r.id AND x.user_id = ?)`

// visibleReports is the condition on whistle_reports r that keeps the
// reports the actor may handle (see Reports), with its arguments.
func (s *Service) visibleReports(ctx context.Context, member int64) (string, []any, error) {
	uid := actor.From(ctx).UserID
	since, ok, err := auth.HeldSince(ctx, s.db, uid, member, auth.WhistleHandle)
	if err != nil {
		return "", nil, err
	}
	where := `member_id = ?` + notAccused
	args := []any{member, uid}
	if ok {
		where += ` AND (r.created_at >= ? OR ` + released + `)`
		args = append(args, since, uid)
	} else {
		where += ` AND ` + released
		args = append(args, uid)
	}
	return where, args, nil
}

// Reports lists the member's reports the actor may handle, newest first,
// without their text (reading one is audited: see Read): those filed since
// the actor got the role, and older ones another officer released to them.
// Empty status lists all, "open" those not closed.
func (s *Service) Reports(ctx context.Context, member int64, status string) ([]Report, error) {
	if err := requireIntegrity(ctx, member); err != nil {
		return nil, err
	}
	where, args, err := s.visibleReports(ctx, member)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + reportCols + ` FROM whistle_reports r WHERE ` + where
	switch status {
	case "":
	case "open": // not closed
		q += ` AND status <> 'closed'`
	default:
		q += ` AND status = ?`
		args = append(args, status)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "grievance: reports")
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "grievance: reports")
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// report loads report rid in tx for an integrity officer it does not accuse.
func report(ctx context.Context, tx *db.Tx, rid int64) (Report, string, error) {
	var hash string
	r, err := scanReport(tx.QueryRow(ctx, `SELECT `+reportCols+` FROM whistle_reports r WHERE id = ?`, rid))
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, "", errs.E(errs.NotFound, "whistle.not_found")
	}
	if err != nil {
		return Report{}, "", err
	}
	if err := requireIntegrity(ctx, r.MemberID); err != nil {
		return Report{}, "", err
	}
	rows, err := tx.Query(ctx, `SELECT user_id FROM whistle_accused WHERE member_id = ? AND report_id = ? ORDER BY user_id`, r.MemberID, r.ID)
	if err != nil {
		return Report{}, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return Report{}, "", err
		}
		r.Accused = append(r.Accused, u)
	}
	if err := rows.Err(); err != nil {
		return Report{}, "", err
	}
	for _, u := range r.Accused {
		if u == actor.From(ctx).UserID {
			return Report{}, "", errs.E(errs.NotFound, "whistle.not_found")
		}
	}
	if ok, err := sees(ctx, tx, r, actor.From(ctx).UserID); err != nil || !ok {
		if err == nil {
			err = errs.E(errs.NotFound, "whistle.not_found")
		}
		return Report{}, "", err
	}
	if err := tx.QueryRow(ctx, `SELECT code_hash FROM whistle_reports WHERE id = ?`, rid).Scan(&hash); err != nil {
		return Report{}, "", err
	}
	return r, hash, nil
}

// sees reports whether integrity officer user sees report r: it was filed
// after they got the role, or another officer released it to them.
// (Whether r accuses them is checked apart.)
func sees(ctx context.Context, tx *db.Tx, r Report, user int64) (bool, error) {
	since, ok, err := auth.HeldSince(ctx, tx, user, r.MemberID, auth.WhistleHandle)
	if err != nil {
		return false, err
	}
	if ok && !r.CreatedAt.Before(since) {
		return true, nil
	}
	var n int
	err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM whistle_releases WHERE member_id = ? AND report_id = ? AND user_id = ?`, r.MemberID, r.ID, user).Scan(&n)
	return n > 0, err
}

// Release lets integrity officer user see report rid, filed before they
// got the role. The actor must see the report already and cannot release
// it to themselves, to someone it accuses, or to anyone who is not an
// integrity officer of its member. The release is audited.
func (s *Service) Release(ctx context.Context, rid, user int64) error {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		r, _, err := report(ctx, tx, rid)
		if err != nil {
			return err
		}
		switch {
		case user == actor.From(ctx).UserID:
			return errs.E(errs.Invalid, "error.invalid_input").WithField("user_id", "access.release_self")
		case slices.Contains(r.Accused, user):
			return errs.E(errs.Invalid, "error.invalid_input").WithField("user_id", "access.release_accused")
		}
		if _, ok, err := auth.HeldSince(ctx, tx, user, r.MemberID, auth.WhistleHandle); err != nil {
			return err
		} else if !ok {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("user_id", "access.release_not_officer")
		}
		if ok, err := sees(ctx, tx, r, user); err != nil {
			return err
		} else if ok {
			return errs.E(errs.Conflict, "access.release_already")
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if _, err := tx.Exec(ctx, `INSERT INTO whistle_releases (member_id, report_id, user_id, released_by, released_at) VALUES (?, ?, ?, ?, ?)`,
			r.MemberID, r.ID, user, actor.From(ctx).UserID, now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "whistle.release", EntityType: "whistle_report", EntityID: id(r.ID),
			State: map[string]any{"report_id": r.ID, "user_id": user, "released_at": now}})
	})
	return errs.Wrapf(err, "grievance: release report %d", rid)
}

// Read returns report rid with its text, and records the reading in the
// audit log.
func (s *Service) Read(ctx context.Context, rid int64) (Report, error) {
	var r Report
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if r, _, err = report(ctx, tx, rid); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT body FROM whistle_reports WHERE id = ?`, rid).Scan(&r.Body); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "whistle.read", EntityType: "whistle_report", EntityID: id(r.ID)})
	})
	if err != nil {
		return Report{}, errs.Wrapf(err, "grievance: read report %d", rid)
	}
	return r, nil
}

// Contact decrypts the reporter's contact details of report rid, and
// records the reading in the audit log. A report without contact details
// gives NotFound.
func (s *Service) Contact(ctx context.Context, rid int64) (string, error) {
	box, err := s.sealer()
	if err != nil {
		return "", err
	}
	var contact string
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, hash, err := report(ctx, tx, rid)
		if err != nil {
			return err
		}
		if !r.HasContact {
			return errs.E(errs.NotFound, "whistle.no_contact")
		}
		var sealed []byte
		if err := tx.QueryRow(ctx, `SELECT contact_enc FROM whistle_reports WHERE id = ?`, rid).Scan(&sealed); err != nil {
			return err
		}
		plain, err := box.Open(sealed, contactAD(r.MemberID, hash))
		if err != nil {
			return err
		}
		contact = string(plain)
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "whistle.contact_read", EntityType: "whistle_report", EntityID: id(r.ID)})
	})
	if err != nil {
		return "", errs.Wrapf(err, "grievance: contact of report %d", rid)
	}
	return contact, nil
}

// Accuse records that report rid accuses staff user u, who from then on
// neither sees nor handles it.
func (s *Service) Accuse(ctx context.Context, rid, u int64) error {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		r, _, err := report(ctx, tx, rid)
		if err != nil {
			return err
		}
		sc, err := auth.Scope(ctx, tx, u)
		if errs.Is(err, errs.NotFound) || (err == nil && !sc.Of(r.MemberID)) {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("user", "grievance.assignee_unknown")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO whistle_accused (member_id, report_id, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, r.MemberID, r.ID, u); err != nil {
			return err
		}
		r.Accused = append(r.Accused, u)
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "whistle.accuse", EntityType: "whistle_report", EntityID: id(r.ID), State: r})
	})
	return errs.Wrapf(err, "grievance: accuse on report %d", rid)
}

// Advance moves report rid to its next status (received → investigating →
// closed); closing needs the outcome, which the reporter sees.
func (s *Service) Advance(ctx context.Context, rid int64, to, outcome string) (Report, error) {
	outcome = strings.TrimSpace(outcome)
	var r Report
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if r, _, err = report(ctx, tx, rid); err != nil {
			return err
		}
		want := map[string]string{ReportReceived: ReportInvestigating, ReportInvestigating: ReportClosed}[r.Status]
		if to != want {
			return errs.E(errs.Invalid, "grievance.step_skip", "from", r.Status, "to", to)
		}
		if to == ReportClosed && outcome == "" {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("outcome", "grievance.answer_required")
		}
		if runes(outcome) > maxBody {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("outcome", "grievance.too_long", "max", maxBody)
		}
		from := r.Status
		r.Status, r.HandlerID, r.UpdatedAt = to, actor.From(ctx).UserID, s.now().UTC().Truncate(time.Microsecond)
		if outcome != "" {
			r.Outcome = outcome
		}
		res, err := tx.Exec(ctx, `UPDATE whistle_reports SET status = ?, handler_id = ?, outcome = ?, updated_at = ? WHERE id = ? AND status = ?`,
			r.Status, r.HandlerID, r.Outcome, r.UpdatedAt, r.ID, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "grievance.changed")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "whistle." + to, EntityType: "whistle_report", EntityID: id(r.ID), State: r})
	})
	if err != nil {
		return Report{}, errs.Wrapf(err, "grievance: advance report %d", rid)
	}
	return r, nil
}
