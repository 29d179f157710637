package assess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Statuses of an assessment.
const (
	Open      = "draft"     // being filled; pins its form version
	Submitted = "submitted" // scored; the case was given its risk
)

// maxClientID bounds a client-generated id (a UUID is 36 characters).
const maxClientID = 100

// Assessment is one assessment of a case with one form version.
type Assessment struct {
	ID          int64             `json:"id"`
	MemberID    int64             `json:"member_id"`
	CaseID      int64             `json:"case_id"`
	FormID      int64             `json:"form_id"`
	FormVersion int               `json:"form_version"`
	Status      string            `json:"status"`
	Answers     map[string]string `json:"answers"`
	Score       int               `json:"score"`
	Level       string            `json:"level,omitempty"`
	Explanation *Explanation      `json:"explanation,omitempty"`
	ClientID    string            `json:"client_id,omitempty"`
	StartedBy   int64             `json:"started_by"`
	StartedAt   time.Time         `json:"started_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	SubmittedBy int64             `json:"submitted_by,omitempty"`
	SubmittedAt time.Time         `json:"submitted_at,omitzero"`
}

const assessCols = `id, member_id, case_id, form_id, form_version, status, answers, COALESCE(score, 0), level, explanation, client_id,
	COALESCE(started_by, 0), started_at, updated_at, COALESCE(submitted_by, 0), submitted_at`

func scanAssessment(r scanner) (Assessment, error) {
	var a Assessment
	var answers, expl string
	var sub sql.NullTime
	err := r.Scan(&a.ID, &a.MemberID, &a.CaseID, &a.FormID, &a.FormVersion, &a.Status, &answers, &a.Score, &a.Level, &expl, &a.ClientID,
		&a.StartedBy, &a.StartedAt, &a.UpdatedAt, &a.SubmittedBy, &sub)
	if err != nil {
		return a, err
	}
	a.SubmittedAt = sub.Time
	if err := json.Unmarshal([]byte(answers), &a.Answers); err != nil {
		return a, errs.Wrapf(err, "assess: decode answers of %d", a.ID)
	}
	if expl != "" {
		a.Explanation = &Explanation{}
		if err := json.Unmarshal([]byte(expl), a.Explanation); err != nil {
			return a, errs.Wrapf(err, "assess: decode explanation of %d", a.ID)
		}
	}
	return a, nil
}

// caseRef asks the case core for a case the caller may see (and change,
// when write).
func (s *Service) caseRef(ctx context.Context, caseID int64, write bool) (care.Ref, error) {
	if s.cases == nil {
		return care.Ref{}, errs.E(errs.Invalid, "assess.cases_unavailable")
	}
	ref, err := s.cases.Ref(ctx, caseID, write)
	if err != nil {
		return care.Ref{}, err
	}
	perm := auth.CaseRead
	if write {
		perm = auth.CaseWrite
	}
	if err := auth.RequireMember(ctx, perm, ref.MemberID); err != nil {
		return care.Ref{}, err
	}
	return ref, nil
}

func openOf(ctx context.Context, q querier, member, caseID int64) (Assessment, error) {
	a, err := scanAssessment(q.QueryRow(ctx, `SELECT `+assessCols+` FROM assess_assessments WHERE member_id = ? AND case_id = ? AND status = 'draft'`, member, caseID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.E(errs.NotFound, "assess.none")
	}
	return a, err
}

// Start returns the case's open assessment, starting one with the
// published form of the case's type when there is none. The assessment
// keeps that form version until it is submitted, whatever is published
// meanwhile.
func (s *Service) Start(ctx context.Context, caseID int64) (Assessment, Form, error) {
	a, f, err := s.start(ctx, caseID)
	if db.IsUnique(err) {
		// Another request started it meanwhile: that one is the case's.
		a, f, err = s.start(ctx, caseID)
	}
	if err != nil {
		return Assessment{}, Form{}, errs.Wrapf(err, "assess: start assessment of case %d", caseID)
	}
	return a, f, nil
}

func (s *Service) start(ctx context.Context, caseID int64) (Assessment, Form, error) {
	ref, err := s.caseRef(ctx, caseID, true)
	if err != nil {
		return Assessment{}, Form{}, err
	}
	if ref.Status == care.StepClosed {
		return Assessment{}, Form{}, errs.E(errs.Conflict, "assess.case_closed", "number", ref.Number)
	}
	var a Assessment
	var f Form
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		a, err = openOf(ctx, tx, ref.MemberID, caseID)
		if err == nil {
			f, err = formByID(ctx, tx, a.FormID)
			return err
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
		if f, err = current(ctx, tx, ref.MemberID, ref.TypeCode); err != nil {
			return err
		}
		now := s.now().UTC()
		uid := actor.From(ctx).UserID
		a = Assessment{MemberID: ref.MemberID, CaseID: caseID, FormID: f.ID, FormVersion: f.Version, Status: Open, Answers: map[string]string{},
			StartedBy: uid, StartedAt: now, UpdatedAt: now}
		a.ID, err = tx.InsertID(ctx, `INSERT INTO assess_assessments (member_id, case_id, form_id, form_version, status, answers, base_version, started_by, started_at, updated_at)
			VALUES (?, ?, ?, ?, 'draft', '{}', ?, ?, ?, ?) RETURNING id`, a.MemberID, caseID, f.ID, f.Version, ref.Version, nullID(uid), now, now)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "assess.start", EntityType: "assess_assessments", EntityID: idText(a.ID),
			State: map[string]any{"case_id": caseID, "form_id": f.ID, "form_version": f.Version}})
	})
	return a, f, err
}

// Latest returns the case's open assessment, or its last submitted one,
// with its form version.
func (s *Service) Latest(ctx context.Context, caseID int64) (Assessment, Form, error) {
	ref, err := s.caseRef(ctx, caseID, false)
	if err != nil {
		return Assessment{}, Form{}, err
	}
	a, err := scanAssessment(s.db.QueryRow(ctx, `SELECT `+assessCols+` FROM assess_assessments WHERE member_id = ? AND case_id = ?
		ORDER BY CASE WHEN status = 'draft' THEN 0 ELSE 1 END, id DESC LIMIT 1`, ref.MemberID, caseID))
	if errors.Is(err, sql.ErrNoRows) {
		return Assessment{}, Form{}, errs.E(errs.NotFound, "assess.none")
	}
	if err != nil {
		return Assessment{}, Form{}, errs.Wrapf(err, "assess: assessment of case %d", caseID)
	}
	f, err := formByID(ctx, s.db, a.FormID)
	if err != nil {
		return Assessment{}, Form{}, errs.Wrapf(err, "assess: form of assessment %d", a.ID)
	}
	return a, f, nil
}

// Assessment returns one assessment with its form version.
func (s *Service) Assessment(ctx context.Context, id int64) (Assessment, Form, error) {
	a, err := scanAssessment(s.db.QueryRow(ctx, `SELECT `+assessCols+` FROM assess_assessments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Assessment{}, Form{}, errs.E(errs.NotFound, "assess.none")
	}
	if err != nil {
		return Assessment{}, Form{}, errs.Wrapf(err, "assess: assessment %d", id)
	}
	if _, err := s.caseRef(ctx, a.CaseID, false); err != nil {
		return Assessment{}, Form{}, err
	}
	f, err := formByID(ctx, s.db, a.FormID)
	if err != nil {
		return Assessment{}, Form{}, errs.Wrapf(err, "assess: form of assessment %d", a.ID)
	}
	return a, f, nil
}

// History lists a case's assessments, newest first.
func (s *Service) History(ctx context.Context, caseID int64) ([]Assessment, error) {
	ref, err := s.caseRef(ctx, caseID, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+assessCols+` FROM assess_assessments WHERE member_id = ? AND case_id = ? ORDER BY id DESC`, ref.MemberID, caseID)
	if err != nil {
		return nil, errs.Wrapf(err, "assess: assessments of case %d", caseID)
	}
	defer rows.Close()
	var out []Assessment
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "assess: assessments of case %d", caseID)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// checkInput refuses an input no form could take.
func checkInput(in care.AssessmentInput) error {
	e := errs.E(errs.Invalid, "error.invalid_input")
	if utf8.RuneCountInString(in.ClientID) > maxClientID {
		e.WithField("client_id", "assess.client_id_long", "max", maxClientID)
	}
	if len(in.Answers) > MaxRows {
		e.WithField("answers", "assess.answers_many", "max", MaxRows)
	}
	for k, v := range in.Answers {
		if utf8.RuneCountInString(k) > 100 || utf8.RuneCountInString(v) > maxText {
			e.WithField(k, "assess.answer_too_long", "label", k, "max", maxText)
			break
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// pinned returns the form version a case is being assessed with: its open
// assessment's, or the published one when none is open. A form other than
// in's is a conflict.
func pinned(ctx context.Context, tx *db.Tx, ref care.Ref, in care.AssessmentInput) (Form, *Assessment, error) {
	var f Form
	a, err := openOf(ctx, tx, ref.MemberID, ref.ID)
	isOpen := err == nil
	switch {
	case isOpen:
		if f, err = formByID(ctx, tx, a.FormID); err != nil {
			return f, nil, err
		}
	case errs.Is(err, errs.NotFound):
		if f, err = current(ctx, tx, ref.MemberID, ref.TypeCode); err != nil {
			return f, nil, err
		}
	default:
		return f, nil, err
	}
	if in.FormID != f.ID || in.FormVersion != f.Version {
		return f, nil, errs.E(errs.Conflict, "assess.version_conflict", "number", ref.Number, "have", f.Version, "sent", in.FormVersion)
	}
	if isOpen {
		return f, &a, nil
	}
	return f, nil, nil
}

// SaveDraft stores answers of the case's open assessment without checking
// that they are complete (the answers that do not parse are kept as
// typed, to be corrected). It starts the assessment when none is open.
// Answers for a form version other than the case's are a conflict.
func (s *Service) SaveDraft(ctx context.Context, in care.AssessmentInput) (Assessment, error) {
	if err := checkInput(in); err != nil {
		return Assessment{}, err
	}
	ref, err := s.caseRef(ctx, in.CaseID, true)
	if err != nil {
		return Assessment{}, err
	}
	// Answers for another form than the case's are refused before an
	// assessment is started: a refused draft writes nothing.
	if err := s.db.Tx(ctx, func(tx *db.Tx) error { _, _, err := pinned(ctx, tx, ref, in); return err }); err != nil {
		return Assessment{}, errs.Wrapf(err, "assess: save draft of case %d", in.CaseID)
	}
	if _, _, err := s.Start(ctx, in.CaseID); err != nil {
		return Assessment{}, err
	}
	var a Assessment
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		f, open, err := pinned(ctx, tx, ref, in)
		if err != nil {
			return err
		}
		if open == nil {
			return errs.E(errs.Conflict, "assess.submitted_meanwhile", "number", ref.Number)
		}
		c, err := s.compiledOf(f)
		if err != nil {
			return err
		}
		kept := map[string]string{}
		for name, v := range in.Answers {
			if _, ok := c.kinds[name]; !ok {
				return errs.E(errs.Invalid, "assess.answers_invalid", "count", 1, "first_key", "assess.answer_unknown").WithField(name, "assess.answer_unknown", "name", name)
			}
			if v = strings.TrimSpace(v); v != "" {
				kept[name] = v
			}
		}
		body, _ := json.Marshal(kept)
		now := s.now().UTC()
		res, err := tx.Exec(ctx, `UPDATE assess_assessments SET answers = ?, updated_at = ? WHERE id = ? AND status = 'draft'`, string(body), now, open.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "assess.submitted_meanwhile", "number", ref.Number)
		}
		a = *open
		a.Answers, a.UpdatedAt = kept, now
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "assess.draft", EntityType: "assess_assessments", EntityID: idText(a.ID), State: kept})
	})
	if err != nil {
		return Assessment{}, errs.Wrapf(err, "assess: save draft of case %d", in.CaseID)
	}
	return a, nil
}

// SubmitAssessment checks and scores a filled form and records the score
// and level on the case (care.Cases.SetRisk). It is idempotent on the
// member and in.ClientID: a second call with the same client id stores
// nothing and returns the first call's id with dup true (and tells the
// case again if the first call could not). A submission for a form version
// other than the one the case is being assessed with is a conflict; bad
// answers are an errs.Invalid with a field problem per answer. Nothing is
// stored on any refusal.
func (s *Service) SubmitAssessment(ctx context.Context, in care.AssessmentInput) (int64, bool, error) {
	if strings.TrimSpace(in.ClientID) == "" {
		return 0, false, errs.E(errs.Invalid, "error.invalid_input").WithField("client_id", "assess.client_id_required")
	}
	if err := checkInput(in); err != nil {
		return 0, false, err
	}
	ref, err := s.caseRef(ctx, in.CaseID, true)
	if err != nil {
		return 0, false, err
	}
	if id, dup, err := s.duplicate(ctx, ref, in); dup || err != nil {
		return id, dup, err
	}
	if ref.Status == care.StepClosed {
		return 0, false, errs.E(errs.Conflict, "assess.case_closed", "number", ref.Number)
	}
	var a Assessment
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		f, open, err := pinned(ctx, tx, ref, in)
		if err != nil {
			return err
		}
		c, err := s.compiledOf(f)
		if err != nil {
			return err
		}
		ch, err := c.answers(ctx, in.Answers, true)
		if err != nil {
			return err
		}
		x, err := c.score(ctx, ch)
		if err != nil {
			return err
		}
		answers, _ := json.Marshal(ch.Values)
		expl, _ := json.Marshal(x)
		now := s.now().UTC()
		uid := actor.From(ctx).UserID
		a = Assessment{MemberID: ref.MemberID, CaseID: ref.ID, FormID: f.ID, FormVersion: f.Version, Status: Submitted, Answers: ch.Values,
			Score: x.Score, Level: x.Level, Explanation: &x, ClientID: in.ClientID, SubmittedBy: uid, SubmittedAt: now, UpdatedAt: now}
		if open != nil {
			a.ID, a.StartedBy, a.StartedAt = open.ID, open.StartedBy, open.StartedAt
			res, err := tx.Exec(ctx, `UPDATE assess_assessments SET status = 'submitted', answers = ?, score = ?, level = ?, explanation = ?, client_id = ?,
				base_version = ?, updated_at = ?, submitted_by = ?, submitted_at = ? WHERE id = ? AND status = 'draft'`,
				string(answers), x.Score, x.Level, string(expl), in.ClientID, in.BaseVersion, now, nullID(uid), now, open.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "assess.submitted_meanwhile", "number", ref.Number)
			}
		} else {
			a.StartedBy, a.StartedAt = uid, now
			a.ID, err = tx.InsertID(ctx, `INSERT INTO assess_assessments (member_id, case_id, form_id, form_version, status, answers, score, level, explanation,
				client_id, base_version, started_by, started_at, updated_at, submitted_by, submitted_at)
				VALUES (?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				a.MemberID, a.CaseID, f.ID, f.Version, string(answers), x.Score, x.Level, string(expl), in.ClientID, in.BaseVersion, nullID(uid), now, now, nullID(uid), now)
			if err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "assess.submit", EntityType: "assess_assessments", EntityID: idText(a.ID),
			State: map[string]any{"case_id": a.CaseID, "form_id": f.ID, "form_version": f.Version, "client_id": in.ClientID, "answers": ch.Values, "score": x.Score, "level": x.Level}})
	})
	if db.IsUnique(err) {
		// The same client id won a race with this call: that one is stored.
		return s.duplicate(ctx, ref, in)
	}
	if err != nil {
		return 0, false, errs.Wrapf(err, "assess: submit assessment of case %d", in.CaseID)
	}
	return a.ID, false, s.recordRisk(ctx, a.ID, a.CaseID, a.Score, a.Level)
}

// duplicate finds the submission stored with in's client id. dup is false
// when there is none. The same client id for another case is a conflict.
func (s *Service) duplicate(ctx context.Context, ref care.Ref, in care.AssessmentInput) (int64, bool, error) {
	var id, caseID int64
	var score int
	var level string
	var told sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT id, case_id, COALESCE(score, 0), level, risk_recorded_at FROM assess_assessments WHERE member_id = ? AND client_id = ?`,
		ref.MemberID, in.ClientID).Scan(&id, &caseID, &score, &level, &told)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, errs.Wrapf(err, "assess: find client id")
	}
	if caseID != in.CaseID {
		return 0, false, errs.E(errs.Conflict, "assess.client_id_reused")
	}
	if !told.Valid {
		return id, true, s.recordRisk(ctx, id, caseID, score, level)
	}
	return id, true, nil
}

// recordRisk tells the case its score and level once: it first claims the
// telling (a guarded update of risk_recorded_at), so that duplicates of a
// submission sent at the same moment do not tell the case again, and gives
// the claim back when the case could not be told, so that the next
// duplicate tells it.
func (s *Service) recordRisk(ctx context.Context, id, caseID int64, score int, level string) error {
	var claimed bool
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE assess_assessments SET risk_recorded_at = ? WHERE id = ? AND risk_recorded_at IS NULL`, s.now().UTC(), id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		claimed = n == 1
		return nil
	})
	if err != nil || !claimed {
		return errs.Wrapf(err, "assess: claim risk of assessment %d", id)
	}
	if err := s.cases.SetRisk(ctx, caseID, score, level, id); err != nil {
		_ = s.db.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE assess_assessments SET risk_recorded_at = NULL WHERE id = ?`, id)
			return err
		})
		return err
	}
	return nil
}
