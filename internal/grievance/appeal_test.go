package grievance

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// fakeDecisions stands in for the program capability. Its runs decided
// on every household of their member.
type fakeDecisions struct {
	runs     map[int64]int64 // run → member
	reopened []string
	fail     bool
}

func (f *fakeDecisions) Decided(_ context.Context, member, run, hh int64) error {
	if f.runs[run] != member {
		return errs.E(errs.NotFound, "program.appeal_no_decision", "run", run)
	}
	return nil
}

func (f *fakeDecisions) Explain(_ context.Context, member, run, hh int64, lang i18n.Lang) (string, error) {
	return fmt.Sprintf("%s: run %d household %d: income above the line", lang, run, hh), nil
}

func (f *fakeDecisions) Reopen(ctx context.Context, tx *db.Tx, member, run, hh int64, reason string) (int64, error) {
	if f.fail {
		return 0, errors.New("program store is down")
	}
	f.reopened = append(f.reopened, fmt.Sprintf("%d/%d/%d", member, run, hh))
	ap, err := auth.Propose(ctx, tx, member, "enrollment_reopen", "household", fmt.Sprint(hh), `{"run":`+fmt.Sprint(run)+`}`)
	return ap.ID, err
}

func TestAppeals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		fake := &fakeDecisions{runs: map[int64]int64{7: jo}}
		s, _ := newService(t, d, Options{Decisions: fake})
		off, offID := as(t, d, jo, "jo.officer", actor.GrievanceOfficer)
		file := func(hh int64) int64 {
			t.Helper()
			rc, ap, err := s.FileAppeal(context.Background(), public(t, s, Intake{MemberID: jo, Category: Other, Body: "دخلنا أقل مما سُجّل"}, fmt.Sprint("10.9.0.", hh)), 7, hh)
			if err != nil {
				t.Fatal(err)
			}
			if ap.RunID != 7 || ap.HouseholdID != hh || ap.GrievanceID != rc.ID {
				t.Fatalf("appeal %+v", ap)
			}
			for _, st := range []func() error{
				func() error { _, err := s.Assign(off, rc.ID, Assignment{UserID: offID}); return err },
				func() error { _, err := s.Move(off, rc.ID, Change{To: Acknowledged}); return err },
			} {
				if err := st(); err != nil {
					t.Fatal(err)
				}
			}
			return rc.ID
		}
		h1 := mustHousehold(t, d, jo, "JO-1")
		up, down, broken := file(h1), file(mustHousehold(t, d, jo, "JO-2")), file(mustHousehold(t, d, jo, "JO-3"))
		t.Run("the appeal shows the decision's explanation", func(t *testing.T) {
			g := getSys(t, s, up)
			if g.Category != EligibilityAppeal || g.HouseholdID != h1 {
				t.Errorf("grievance %+v", g)
			}
			_, text, err := s.AppealOf(off, up)
			if err != nil || text != fmt.Sprintf("en: run 7 household %d: income above the line", h1) {
				t.Errorf("explanation %q, %v", text, err)
			}
		})
		t.Run("deciding before investigating is a skip", func(t *testing.T) {
			_, err := s.DecideAppeal(off, up, Upheld, "income was misread")
			wantCode(t, err, errs.Invalid)
			if len(fake.reopened) != 0 {
				t.Errorf("reopened %v", fake.reopened)
			}
		})
		for _, gid := range []int64{up, down, broken} {
			if _, err := s.Move(off, gid, Change{To: Investigating}); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("a reason is required", func(t *testing.T) {
			_, err := s.DecideAppeal(off, up, Upheld, " ")
			wantCode(t, err, errs.Invalid)
		})
		t.Run("upheld re-opens enrollment through maker-checker", func(t *testing.T) {
			ap, err := s.DecideAppeal(off, up, Upheld, "income was misread")
			if err != nil {
				t.Fatal(err)
			}
			if ap.ApprovalID == 0 || len(fake.reopened) != 1 || fake.reopened[0] != fmt.Sprintf("%d/7/%d", jo, h1) {
				t.Errorf("appeal %+v, reopened %v", ap, fake.reopened)
			}
			aps, _ := auth.New(d).Approvals(actor.System(context.Background()), auth.Pending, "enrollment_reopen")
			if len(aps) != 1 || aps[0].MakerID != offID {
				t.Errorf("pending approvals %+v, want one made by the officer", aps)
			}
			if g := getSys(t, s, up); g.Step != Resolved || g.Answer != "income was misread" {
				t.Errorf("grievance %+v, want resolved with the reason as answer", g)
			}
			_, err = s.DecideAppeal(off, up, Rejected, "changed my mind")
			wantCode(t, err, errs.Invalid) // already resolved
		})
		t.Run("rejected does not re-open", func(t *testing.T) {
			ap, err := s.DecideAppeal(off, down, Rejected, "the income is confirmed by the employer")
			if err != nil || ap.Outcome != Rejected || ap.ApprovalID != 0 || len(fake.reopened) != 1 {
				t.Errorf("appeal %+v, %v, reopened %v", ap, err, fake.reopened)
			}
		})
		t.Run("a failed re-open records nothing", func(t *testing.T) {
			fake.fail = true
			_, err := s.DecideAppeal(off, broken, Upheld, "ok")
			wantCode(t, err, errs.Internal)
			fake.fail = false
			ap, _, _ := s.AppealOf(off, broken)
			if g := getSys(t, s, broken); ap.Outcome != "" || g.Step != Investigating {
				t.Errorf("after failure: appeal %+v, step %s", ap, g.Step)
			}
		})
		t.Run("an ordinary grievance is no appeal", func(t *testing.T) {
			rc, _ := s.Submit(off, Intake{MemberID: jo, Channel: Staff, Category: Other, Body: "x"})
			_, _, err := s.AppealOf(off, rc.ID)
			wantCode(t, err, errs.NotFound)
		})
	})
}
