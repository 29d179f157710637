package casework

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// notAssessed refuses to let a case leave the assessment step.
type notAssessed struct{}

func (notAssessed) Ready(_ context.Context, _ int64, step string) error {
	if step == care.StepAssessment {
		return errs.E(errs.Conflict, "casework.step_not_next")
	}
	return nil
}

func TestStepsHookRefusesLeavingEarly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.s.steps = notAssessed{}
		c := w.open(t, w.worker, "elderly_care")
		c, err := w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepAssessment})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepPlan}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("leaving the assessment early: got %v, want the hook's refusal", err)
		}
		got, _ := w.s.Get(w.worker.ctx, c.ID)
		if got.Status != care.StepAssessment || got.Version != c.Version || got.WaitingStep != "" {
			t.Fatalf("the refused move changed the case: %+v", got)
		}
		// Closing is never held back by the hook.
		if _, err := w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepClosed, Outcome: "moved_away"}); err != nil {
			t.Fatalf("closing: %v", err)
		}
	})
}

func TestRefForOtherCarePackages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		sens := w.open(t, w.worker, "child_protection")
		plain := w.open(t, w.worker, "elderly_care")
		cases := []struct {
			name  string
			u     *ctxUser
			c     Case
			write bool
			want  errs.Code
		}{
			{"owner writes", w.worker, sens, true, ""},
			{"colleague may not see a sensitive case", w.worker2, sens, false, errs.NotFound},
			{"member admin reads a plain case", w.admin, plain, false, ""},
			{"member admin may not write", w.admin, plain, true, errs.Forbidden},
			{"other member", w.egWork, plain, false, errs.NotFound},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r, err := w.s.Ref(tc.u.ctx, tc.c.ID, tc.write)
				if errs.CodeOf(err) != tc.want && !(tc.want == "" && err == nil) {
					t.Fatalf("got %v, want %q", err, tc.want)
				}
				if err == nil && (r.Number != tc.c.Number || r.Sensitive != tc.c.Sensitive || r.OwnerID != w.worker.id) {
					t.Fatalf("got %+v", r)
				}
			})
		}
	})
}
