package assess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// Options are what a Service needs of the rest of the system.
type Options struct {
	// Cases gives the cases assessments are filled for, and records the
	// risk an assessment computed on its case. Nil refuses every
	// assessment with assess.cases_unavailable (forms still work).
	Cases care.Cases
	// Clock dates the records; nil means the database's clock.
	Clock calendar.Clock
	// Limits bound uploaded workbooks (within this package's own, smaller
	// bounds); zero fields are limits.Default's.
	Limits limits.Limits
}

// Service stores forms and assessments. It is safe for concurrent use.
type Service struct {
	db       *db.DB
	cases    care.Cases
	now      calendar.Clock
	limits   limits.Limits
	compiled sync.Map // form id → *compiled; a form version never changes
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Clock == nil {
		o.Clock = d.Now
	}
	return &Service{db: d, cases: o.Cases, now: o.Clock, limits: o.Limits.Or()}
}

var _ care.Assessments = (*Service)(nil)

var typeCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func idText(n int64) string { return strconv.FormatInt(n, 10) }

func nullID(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// requireForms lets whoever manages forms (care managers) or reads cases
// (workers, supervisors) see a member's forms.
func requireForms(ctx context.Context, member int64) error {
	err := auth.RequireMember(ctx, auth.CaseManage, member)
	if errs.Is(err, errs.Forbidden) {
		return auth.RequireMember(ctx, auth.CaseRead, member)
	}
	return err
}

// Upload reads an XLSForm workbook and stores it as the next draft version
// of member's form for the case type typeCode (the settings sheet's
// case_type when typeCode is empty). Nothing is stored when the workbook
// has any problem.
func (s *Service) Upload(ctx context.Context, member int64, typeCode, file string, r io.Reader) (Form, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, member); err != nil {
		return Form{}, err
	}
	p, err := ParseXLSForm(ctx, s.limits, file, r)
	if err != nil {
		return Form{}, err
	}
	if typeCode == "" {
		typeCode = p.TypeCode
	}
	return s.Create(ctx, member, typeCode, p.Def)
}

// Create stores def as the next draft version of member's form for the
// case type code.
func (s *Service) Create(ctx context.Context, member int64, code string, def Definition) (Form, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, member); err != nil {
		return Form{}, err
	}
	if !typeCode.MatchString(code) {
		return Form{}, errs.E(errs.Invalid, "assess.type_code", "code", code)
	}
	if _, err := compile(&def); err != nil {
		return Form{}, err
	}
	body, err := json.Marshal(def)
	if err != nil {
		return Form{}, errs.Wrapf(err, "assess: encode form")
	}
	f := Form{MemberID: member, TypeCode: code, Status: Draft, Def: def, CreatedBy: actor.From(ctx).UserID}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		f.CreatedAt = s.now().UTC()
		if err := tx.LockKey(ctx, lockKey(member, code)); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM assess_forms WHERE member_id = ? AND type_code = ?`, member, code).Scan(&f.Version); err != nil {
			return err
		}
		f.ID, err = tx.InsertID(ctx, `INSERT INTO assess_forms (member_id, type_code, version, status, title_ar, title_en, definition, created_by, created_at)
			VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?) RETURNING id`, member, code, f.Version, def.TitleAR, def.TitleEN, string(body), nullID(f.CreatedBy), f.CreatedAt)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "assess.version_taken", "code", code)
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "assess.form_create", EntityType: "assess_forms", EntityID: idText(f.ID),
			State: map[string]any{"type_code": code, "version": f.Version, "definition": def}})
	})
	if err != nil {
		return Form{}, errs.Wrapf(err, "assess: create form %s of member %d", code, member)
	}
	return f, nil
}

// lockKey serializes the versions of one form.
func lockKey(member int64, code string) int64 {
	var h int64 = 0x61737365 // "asse"
	for _, b := range []byte(code) {
		h = h*31 + int64(b)
	}
	return h ^ member<<40
}

const formCols = `id, member_id, type_code, version, status, definition, COALESCE(created_by, 0), created_at, COALESCE(published_by, 0), published_at`

type scanner interface{ Scan(...any) error }

func scanForm(r scanner) (Form, error) {
	var f Form
	var body string
	var pub sql.NullTime
	if err := r.Scan(&f.ID, &f.MemberID, &f.TypeCode, &f.Version, &f.Status, &body, &f.CreatedBy, &f.CreatedAt, &f.PublishedBy, &pub); err != nil {
		return f, err
	}
	f.PublishedAt = pub.Time
	if err := json.Unmarshal([]byte(body), &f.Def); err != nil {
		return f, errs.Wrapf(err, "assess: decode form %d", f.ID)
	}
	return f, nil
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

func formByID(ctx context.Context, q querier, id int64) (Form, error) {
	f, err := scanForm(q.QueryRow(ctx, `SELECT `+formCols+` FROM assess_forms WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.E(errs.NotFound, "assess.form_not_found")
	}
	return f, err
}

// FormMember returns the member whose form id is, for another package's
// check that an id it was sent names a form of the right member (the
// field sync's batch check); it shows nothing of the form.
func (s *Service) FormMember(ctx context.Context, id int64) (int64, error) {
	f, err := formByID(ctx, s.db, id)
	if err != nil {
		return 0, errs.Wrapf(err, "assess: form %d", id)
	}
	return f.MemberID, nil
}

// Form returns one version of a form.
func (s *Service) Form(ctx context.Context, id int64) (Form, error) {
	f, err := formByID(ctx, s.db, id)
	if err != nil {
		return Form{}, errs.Wrapf(err, "assess: form %d", id)
	}
	if err := requireForms(ctx, f.MemberID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Form{}, errs.E(errs.NotFound, "assess.form_not_found")
		}
		return Form{}, err
	}
	return f, nil
}

// Forms lists every version of member's forms, by case type and newest
// version first.
func (s *Service) Forms(ctx context.Context, member int64) ([]Form, error) {
	if err := requireForms(ctx, member); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+formCols+` FROM assess_forms WHERE member_id = ? ORDER BY type_code, version DESC`, member)
	if err != nil {
		return nil, errs.Wrapf(err, "assess: forms of member %d", member)
	}
	defer rows.Close()
	var out []Form
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "assess: forms of member %d", member)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Current returns the published version of member's form for a case type.
func (s *Service) Current(ctx context.Context, member int64, code string) (Form, error) {
	if err := requireForms(ctx, member); err != nil {
		return Form{}, err
	}
	f, err := current(ctx, s.db, member, code)
	if err != nil {
		return Form{}, errs.Wrapf(err, "assess: current form %s", code)
	}
	return f, nil
}

func current(ctx context.Context, q querier, member int64, code string) (Form, error) {
	f, err := scanForm(q.QueryRow(ctx, `SELECT `+formCols+` FROM assess_forms WHERE member_id = ? AND type_code = ? AND status = 'published'`, member, code))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.E(errs.NotFound, "assess.no_form", "code", code)
	}
	return f, err
}

// Publish makes a draft version the one new assessments of its case type
// start with. The version published before is retired: the cases
// assessed with it keep it. A published version never changes again.
func (s *Service) Publish(ctx context.Context, id int64) (Form, error) {
	f, err := s.Form(ctx, id)
	if err != nil {
		return Form{}, err
	}
	if err := auth.RequireMember(ctx, auth.CaseManage, f.MemberID); err != nil {
		return Form{}, err
	}
	if f.Status != Draft {
		return Form{}, errs.E(errs.Conflict, "assess.not_draft", "version", f.Version)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now().UTC()
		if err := tx.LockKey(ctx, lockKey(f.MemberID, f.TypeCode)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE assess_forms SET status = 'retired' WHERE member_id = ? AND type_code = ? AND status = 'published'`, f.MemberID, f.TypeCode); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE assess_forms SET status = 'published', published_by = ?, published_at = ? WHERE id = ? AND status = 'draft'`,
			nullID(actor.From(ctx).UserID), now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "assess.not_draft", "version", f.Version)
		}
		f.Status, f.PublishedBy, f.PublishedAt = Published, actor.From(ctx).UserID, now
		return audit.Append(ctx, tx, audit.Entry{MemberID: f.MemberID, Action: "assess.form_publish", EntityType: "assess_forms", EntityID: idText(id),
			State: map[string]any{"type_code": f.TypeCode, "version": f.Version}})
	})
	if err != nil {
		return Form{}, errs.Wrapf(err, "assess: publish form %d", id)
	}
	return f, nil
}

// compiledOf returns f compiled, from the cache: a stored version never
// changes.
func (s *Service) compiledOf(f Form) (*compiled, error) {
	if c, ok := s.compiled.Load(f.ID); ok {
		return c.(*compiled), nil
	}
	c, err := compile(&f.Def)
	if err != nil {
		return nil, err
	}
	s.compiled.Store(f.ID, c)
	return c, nil
}

// Check reads answers under form f as a submission would, without storing
// anything: the answers kept, the questions shown, and the score. The
// forms pages preview with it.
func (s *Service) Check(ctx context.Context, f Form, answers map[string]string) (Checked, Explanation, error) {
	c, err := s.compiledOf(f)
	if err != nil {
		return Checked{}, Explanation{}, err
	}
	ch, err := c.answers(ctx, answers, true)
	if err != nil {
		return ch, Explanation{}, err
	}
	x, err := c.score(ctx, ch)
	return ch, x, err
}

// Now is the service's time, for callers' defaults.
func (s *Service) Now() time.Time { return s.now() }
