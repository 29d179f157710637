package assess

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// fakeCases is the case core as this package sees it: cases by id, each
// of one member, and the risk each was told.
type fakeCases struct {
	mu    sync.Mutex
	cases map[int64]care.Ref
	risks map[int64][]string // case → "score level assessment" told, in order
	fail  bool               // SetRisk fails (the case core is down)
}

func newFakeCases() *fakeCases {
	return &fakeCases{cases: map[int64]care.Ref{}, risks: map[int64][]string{}}
}

func (f *fakeCases) add(r care.Ref) { f.mu.Lock(); defer f.mu.Unlock(); f.cases[r.ID] = r }

func (f *fakeCases) Ref(ctx context.Context, id int64, write bool) (care.Ref, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.cases[id]
	a := actor.From(ctx)
	if !ok || (!a.Union() && a.MemberID != r.MemberID) {
		return care.Ref{}, errs.E(errs.NotFound, "error.not_found")
	}
	return r, nil
}

func (f *fakeCases) SetRisk(ctx context.Context, id int64, score int, level string, assessment int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errs.E(errs.Internal, "error.internal")
	}
	f.risks[id] = append(f.risks[id], itoa(score)+" "+level+" "+itoa(int(assessment)))
	r := f.cases[id]
	r.RiskLevel = level
	r.Version++
	f.cases[id] = r
	return nil
}

func (f *fakeCases) told(id int64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.risks[id]...)
}

func mustMember(tb testing.TB, d *db.DB, code string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', ?, ?) RETURNING id`, code, code, code, now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func mustUser(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) context.Context {
	tb.Helper()
	ctx := context.Background()
	var uid int64
	var names []string
	for _, r := range roles {
		names = append(names, string(r))
	}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			member, name, name, strings.Join(names, " "), now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, MemberID: member, Roles: roles, Lang: i18n.EN})
}

type fixture struct {
	d                *db.DB
	s                *Service
	cases            *fakeCases
	jo, eg           int64
	manager, worker  context.Context
	egWorker, viewer context.Context
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, cases: newFakeCases()}
	f.jo, f.eg = mustMember(t, d, "JO"), mustMember(t, d, "EG")
	f.s = New(d, Options{Cases: f.cases})
	f.manager = mustUser(t, d, f.jo, "manager", actor.CareManager)
	f.worker = mustUser(t, d, f.jo, "worker", actor.CaseWorker)
	f.egWorker = mustUser(t, d, f.eg, "eg_worker", actor.CaseWorker)
	f.viewer = mustUser(t, d, f.jo, "viewer", actor.Viewer)
	f.cases.add(care.Ref{ID: 1, MemberID: f.jo, Number: "JO-1", TypeCode: "child_protection", Status: care.StepAssessment, Version: 1})
	f.cases.add(care.Ref{ID: 2, MemberID: f.jo, Number: "JO-2", TypeCode: "child_protection", Status: care.StepAssessment, Version: 1})
	f.cases.add(care.Ref{ID: 3, MemberID: f.eg, Number: "EG-1", TypeCode: "child_protection", Status: care.StepAssessment, Version: 1})
	return f
}

// publish uploads the example form of code for member and publishes it.
func (f *fixture) publish(t *testing.T, ctx context.Context, member int64, code string, change func(*Definition)) Form {
	t.Helper()
	def := mustExample(t, code)
	if change != nil {
		change(&def)
	}
	form, err := f.s.Create(ctx, member, code, def)
	if err != nil {
		t.Fatal(err)
	}
	if form, err = f.s.Publish(ctx, form.ID); err != nil {
		t.Fatal(err)
	}
	return form
}

var goodAnswers = map[string]string{"child_age": "8", "child_sex": "female", "in_school": "yes", "caregiver_safe": "no", "distress": "5",
	"harm": "emotional", "harm_recent": "yes"}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUploadAndVersions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		b, _ := Example("child_protection")
		v1, err := f.s.Upload(f.manager, f.jo, "", "child_protection.xlsx", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if v1.Version != 1 || v1.Status != Draft || v1.TypeCode != "child_protection" {
			t.Fatalf("got %+v", v1)
		}
		if _, err := f.s.Upload(f.worker, f.jo, "", "x.xlsx", bytes.NewReader(b)); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a worker uploaded a form: %v", err)
		}
		if _, err := f.s.Upload(f.manager, f.eg, "", "x.xlsx", bytes.NewReader(b)); !errs.Is(err, errs.NotFound) {
			t.Errorf("a manager of JO uploaded a form for EG: %v", err)
		}
		// A bad workbook stores nothing.
		before := count(t, d, `SELECT COUNT(*) FROM assess_forms`)
		if _, err := f.s.Upload(f.manager, f.jo, "child_protection", "bad.xlsx", strings.NewReader("PK nonsense")); err == nil {
			t.Error("a bad workbook was taken")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM assess_forms`); n != before {
			t.Errorf("a refused upload stored %d forms", n-before)
		}
		if _, err := f.s.Publish(f.manager, v1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Publish(f.manager, v1.ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("published twice: %v", err)
		}
		v2, err := f.s.Upload(f.manager, f.jo, "child_protection", "v2.xlsx", bytes.NewReader(b))
		if err != nil || v2.Version != 2 {
			t.Fatalf("v2: %+v %v", v2, err)
		}
		if cur, _ := f.s.Current(f.worker, f.jo, "child_protection"); cur.ID != v1.ID {
			t.Errorf("a draft became current: %d", cur.ID)
		}
		if _, err := f.s.Publish(f.manager, v2.ID); err != nil {
			t.Fatal(err)
		}
		old, _ := f.s.Form(f.manager, v1.ID)
		if old.Status != Retired {
			t.Errorf("v1 is %s after v2 was published, want retired", old.Status)
		}
		forms, err := f.s.Forms(f.worker, f.jo)
		if err != nil || len(forms) != 2 || forms[0].Version != 2 {
			t.Errorf("forms %d %v", len(forms), err)
		}
		if _, err := f.s.Form(f.egWorker, v1.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("EG read JO's form: %v", err)
		}
		if _, err := f.s.Forms(f.viewer, f.jo); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a viewer read forms: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action IN ('assess.form_create', 'assess.form_publish')`); n != 4 {
			t.Errorf("%d audit records, want 4", n)
		}
	})
}

// TestCaseKeepsItsVersion: v2 is published while case 1 is assessed with
// v1. The case keeps v1; a submission for v2 is a conflict and stores
// nothing; a case that starts afterwards gets v2.
func TestCaseKeepsItsVersion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		v1 := f.publish(t, f.manager, f.jo, "child_protection", nil)
		a, form, err := f.s.Start(f.worker, 1)
		if err != nil || form.ID != v1.ID || a.FormVersion != 1 {
			t.Fatalf("start: %+v %v", a, err)
		}
		if _, err := f.s.SaveDraft(f.worker, care.AssessmentInput{CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: map[string]string{"child_age": "8"}}); err != nil {
			t.Fatal(err)
		}
		v2 := f.publish(t, f.manager, f.jo, "child_protection", func(d *Definition) { d.Formula = "distress * 10" })
		a, form, err = f.s.Start(f.worker, 1)
		if err != nil || form.ID != v1.ID || a.Answers["child_age"] != "8" {
			t.Fatalf("after v2, case 1 is on form %d with %v (%v), want v1 with its draft", form.ID, a.Answers, err)
		}
		_, _, err = f.s.SubmitAssessment(f.worker, care.AssessmentInput{ClientID: "c-v2", CaseID: 1, FormID: v2.ID, FormVersion: 2, Answers: goodAnswers})
		if e := errs.As(err); e.Code != errs.Conflict || e.Key != "assess.version_conflict" {
			t.Fatalf("got %v, want assess.version_conflict", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM assess_assessments WHERE status = 'submitted'`); n != 0 || len(f.cases.told(1)) != 0 {
			t.Fatalf("a refused submission stored %d or told the case %v", n, f.cases.told(1))
		}
		if _, err := f.s.SaveDraft(f.worker, care.AssessmentInput{CaseID: 1, FormID: v2.ID, FormVersion: 2, Answers: goodAnswers}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a draft for v2 on a v1 case: %v", err)
		}
		id, dup, err := f.s.SubmitAssessment(f.worker, care.AssessmentInput{ClientID: "c-v1", CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: goodAnswers})
		if err != nil || dup {
			t.Fatalf("submit v1: %v %v", dup, err)
		}
		got, gform, _ := f.s.Assessment(f.worker, id)
		// 30 + 10 + 25 + 15 = 80 under v1's formula; v2's would give 50.
		if gform.Version != 1 || got.Score != 80 || got.Level != "critical" || got.Explanation == nil || got.Explanation.Formula != v1.Def.Formula {
			t.Errorf("got version %d score %d level %s", gform.Version, got.Score, got.Level)
		}
		if told := f.cases.told(1); len(told) != 1 || told[0] != "80 critical "+itoa(int(id)) {
			t.Errorf("case told %v", told)
		}
		// Case 2 starts after v2 was published: v2.
		if _, form, _ := f.s.Start(f.worker, 2); form.ID != v2.ID {
			t.Errorf("case 2 started on form %d, want v2 %d", form.ID, v2.ID)
		}
		// With no open assessment, a new one is on the published version.
		if _, _, err := f.s.SubmitAssessment(f.worker, care.AssessmentInput{ClientID: "again", CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: goodAnswers}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a reassessment on the retired version: %v", err)
		}
	})
}

func TestDuplicateSubmissionStoredOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		v1 := f.publish(t, f.manager, f.jo, "child_protection", nil)
		in := care.AssessmentInput{ClientID: "0b6f0b5e-offline-1", CaseID: 2, FormID: v1.ID, FormVersion: 1, Answers: goodAnswers}
		var ids []int64
		var wg sync.WaitGroup
		var mu sync.Mutex
		var dups int
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, dup, err := f.s.SubmitAssessment(f.worker, in)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, id)
				if dup {
					dups++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if n := count(t, d, `SELECT COUNT(*) FROM assess_assessments WHERE client_id = ?`, in.ClientID); n != 1 {
			t.Fatalf("%d rows for one client id, want 1", n)
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("ids %v differ", ids)
			}
		}
		if dups != 3 {
			t.Errorf("%d duplicates reported, want 3", dups)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'assess.submit'`); n != 1 {
			t.Errorf("%d submissions audited, want 1", n)
		}
		if told := f.cases.told(2); len(told) != 1 {
			t.Errorf("case told %d times, want once: %v", len(told), told)
		}
		// The same client id for another case is refused.
		in.CaseID = 1
		if _, _, err := f.s.SubmitAssessment(f.worker, in); !errs.Is(err, errs.Conflict) {
			t.Errorf("client id reused for another case: %v", err)
		}
	})
}

func TestRiskToldAgainAfterFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		v1 := f.publish(t, f.manager, f.jo, "child_protection", nil)
		in := care.AssessmentInput{ClientID: "c1", CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: goodAnswers}
		f.cases.fail = true
		if _, _, err := f.s.SubmitAssessment(f.worker, in); err == nil {
			t.Fatal("no error when the case could not be told")
		}
		f.cases.fail = false
		id, dup, err := f.s.SubmitAssessment(f.worker, in)
		if err != nil || !dup {
			t.Fatalf("resend: %v %v", dup, err)
		}
		if told := f.cases.told(1); len(told) != 1 || !strings.HasSuffix(told[0], itoa(int(id))) {
			t.Errorf("told %v", told)
		}
		if _, dup, _ := f.s.SubmitAssessment(f.worker, in); !dup || len(f.cases.told(1)) != 1 {
			t.Errorf("told again after it was recorded: %v", f.cases.told(1))
		}
	})
}

func TestSubmitRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		v1 := f.publish(t, f.manager, f.jo, "child_protection", nil)
		ok := care.AssessmentInput{ClientID: "c", CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: goodAnswers}
		missing := map[string]string{"child_age": "8"}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			in   care.AssessmentInput
			code errs.Code
		}{
			{"required answers missing", f.worker, care.AssessmentInput{ClientID: "c", CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: missing}, errs.Invalid},
			{"no client id", f.worker, care.AssessmentInput{CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: goodAnswers}, errs.Invalid},
			{"another member's case", f.egWorker, care.AssessmentInput{ClientID: "c", CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: goodAnswers}, errs.NotFound},
			{"a manager cannot fill", f.manager, ok, errs.Forbidden},
			{"no form for EG's case type", f.egWorker, care.AssessmentInput{ClientID: "c", CaseID: 3, FormID: v1.ID, FormVersion: 1, Answers: goodAnswers}, errs.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, _, err := f.s.SubmitAssessment(tc.ctx, tc.in); errs.CodeOf(err) != tc.code {
					t.Errorf("got %v, want %s", err, tc.code)
				}
			})
		}
		if n := count(t, d, `SELECT COUNT(*) FROM assess_assessments`); n != 0 {
			t.Errorf("refusals stored %d assessments", n)
		}
		none := New(d, Options{})
		if _, _, err := none.SubmitAssessment(f.worker, ok); errs.As(err).Key != "assess.cases_unavailable" {
			t.Errorf("without cases: %v", err)
		}
		var e *errs.Error
		if _, _, err := f.s.SubmitAssessment(f.worker, care.AssessmentInput{ClientID: "c", CaseID: 1, FormID: v1.ID, FormVersion: 1, Answers: missing}); errors.As(err, &e) {
			if len(e.Fields) != 4 {
				t.Errorf("got %d problems, want 4 required answers: %v", len(e.Fields), e)
			}
		}
	})
}

// TestPublishRace: two drafts published at once leave exactly one version
// published; the other is retired, never two published.
func TestPublishRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		def := mustExample(t, "child_protection")
		var ids []int64
		for range 3 {
			form, err := f.s.Create(f.manager, f.jo, "child_protection", def)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, form.ID)
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.s.Publish(f.manager, id); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := count(t, d, `SELECT COUNT(*) FROM assess_forms WHERE status = 'published'`); n != 1 {
			t.Errorf("%d versions published, want 1", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM assess_forms WHERE status = 'retired'`); n != 2 {
			t.Errorf("%d versions retired, want 2", n)
		}
	})
}

// TestStartRace: workers opening a case's assessment at the same moment
// share one open assessment.
func TestStartRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.publish(t, f.manager, f.jo, "child_protection", nil)
		var wg sync.WaitGroup
		ids := make([]int64, 4)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, _, err := f.s.Start(f.worker, 1)
				if err != nil {
					t.Error(err)
				}
				ids[i] = a.ID
			}()
		}
		wg.Wait()
		if n := count(t, d, `SELECT COUNT(*) FROM assess_assessments WHERE case_id = 1`); n != 1 {
			t.Errorf("%d assessments opened, want 1", n)
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("ids %v differ", ids)
			}
		}
	})
}
