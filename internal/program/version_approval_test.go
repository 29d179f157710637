package program_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/program"
)

// activeProgram is baseSpec applied and activated, with real users.
func activeProgram(t *testing.T, d *db.DB) (fixture, program.Program) {
	t.Helper()
	f := mustFixture(t, d)
	f.realUsers(t)
	a, err := f.s.Apply(f.manager, f.member, baseSpec())
	if err != nil {
		t.Fatal(err)
	}
	f.activate(t, a.Program.ID)
	p, err := f.s.Get(f.manager, a.Program.ID)
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

// stricter is baseSpec with an eligibility nobody in households(n) meets.
func stricter() program.Spec {
	sp := baseSpec()
	sp.Eligibility = `household.size > 1000`
	sp.Note = "nobody"
	return sp
}

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRejectedRuleProposalKeepsVersion: a rejected rule change of an active
// program never comes into force; runs keep the version in force and refuse
// the rejected one, and the next proposal takes the next number.
func TestRejectedRuleProposalKeepsVersion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, p := activeProgram(t, d)
		src := memSource(households(50))
		before, err := f.s.Run(f.manager, p.ID, src, program.RunOptions{AsOf: asOf})
		if err != nil || before.Eligible == 0 {
			t.Fatalf("run before: %+v, %v", before, err)
		}
		a, err := f.s.Apply(f.manager, f.member, stricter())
		if err != nil || !a.Proposed || a.NewVersion || a.Proposal == nil || a.Proposal.Version != 2 || a.Version.Version != 1 || a.ApprovalID == 0 {
			t.Fatalf("apply to an active program: got %+v, %v; want version 2 proposed, 1 in force", a, err)
		}
		t.Run("applying the same change again proposes nothing new", func(t *testing.T) {
			b, err := f.s.Apply(f.manager, f.member, stricter())
			if err != nil || b.Proposed || b.Changed || b.ApprovalID != a.ApprovalID {
				t.Errorf("got %+v, %v", b, err)
			}
		})
		t.Run("another change while one is pending is refused", func(t *testing.T) {
			sp := baseSpec()
			sp.Eligibility = `true`
			_, err := f.s.Apply(f.manager, f.member, sp)
			if e := errs.As(err); e == nil || e.Code != errs.Conflict || e.Key != "progver.proposal_pending" {
				t.Fatalf("got %v, want conflict progver.proposal_pending", err)
			}
			if msg := i18n.T(i18n.AR, errs.As(err).Key, errs.As(err).Args); strings.Contains(msg, "{") {
				t.Errorf("message with an unfilled placeholder: %s", msg)
			}
		})
		t.Run("a person with both roles cannot approve their own proposal", func(t *testing.T) {
			both := actor.From(f.manager)
			both.Roles = append(both.Roles, actor.Approver)
			if _, err := f.s.DecideChange(actor.With(context.Background(), both), a.ApprovalID, true, ""); !errs.Is(err, errs.Forbidden) {
				t.Errorf("got %v, want forbidden", err)
			}
		})
		t.Run("another member's approver cannot decide it", func(t *testing.T) {
			if _, err := f.s.DecideChange(f.outsider, a.ApprovalID, false, "no"); !errs.Is(err, errs.NotFound) {
				t.Errorf("got %v, want not found", err)
			}
		})
		t.Run("a run cannot use the proposed version", func(t *testing.T) {
			if _, err := f.s.Run(f.manager, p.ID, src, program.RunOptions{AsOf: asOf, Version: 2}); !errs.Is(err, errs.Conflict) {
				t.Errorf("got %v, want conflict", err)
			}
		})
		if _, err := f.s.DecideChange(f.approver, a.ApprovalID, false, ""); !errs.Is(err, errs.Invalid) {
			t.Fatalf("rejecting without a reason: got %v, want invalid", err)
		}
		got, err := f.s.DecideChange(f.approver, a.ApprovalID, false, "too strict")
		if err != nil || got.Version != 1 || got.Proposed != 0 || got.Status != program.Active {
			t.Fatalf("reject: got %+v, %v; want version 1 in force, nothing proposed", got, err)
		}
		after, err := f.s.Run(f.manager, p.ID, src, program.RunOptions{AsOf: asOf})
		if err != nil || after.Version != 1 || after.Eligible != before.Eligible {
			t.Errorf("run after rejection: version %d, %d eligible (%v); want version 1 with %d eligible", after.Version, after.Eligible, err, before.Eligible)
		}
		if _, err := f.s.Run(f.manager, p.ID, src, program.RunOptions{AsOf: asOf, Version: 2}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a run of the rejected version: got %v, want conflict", err)
		}
		if _, err := f.s.DecideChange(f.approver, a.ApprovalID, true, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("approving after the rejection: got %v, want conflict", err)
		}
		vs, err := f.s.Versions(f.manager, p.ID)
		if err != nil || len(vs) != 2 || vs[0].Status != program.VersionRejected || vs[1].Status != program.VersionApproved {
			t.Fatalf("versions: got %+v, %v; want 2 rejected, 1 approved", vs, err)
		}
		if _, err := f.s.PendingChange(f.manager, p.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("pending change after rejection: got %v, want not found", err)
		}
		for _, action := range []string{"program.version.propose", "approval.propose", "approval.rejected", "program.version.rejected"} {
			if auditCount(t, d, action) == 0 {
				t.Errorf("no audit record %s", action)
			}
		}
		t.Run("the next proposal takes the next number and can be approved", func(t *testing.T) {
			b, err := f.s.Apply(f.manager, f.member, stricter())
			if err != nil || !b.Proposed || b.Proposal.Version != 3 {
				t.Fatalf("got %+v, %v; want version 3 proposed", b, err)
			}
			pc, err := f.s.PendingChange(f.approver, p.ID)
			if err != nil || pc.Proposed == nil || pc.InForce.Version != 1 || pc.Proposed.Version != 3 || len(pc.Changed) != 1 || pc.Changed[0] != "eligibility" {
				t.Fatalf("pending change: got %+v, %v", pc, err)
			}
			c, err := f.s.Compare(f.approver, p.ID, pc.InForce.Version, pc.Proposed.Version, src, asOf)
			if err != nil || int64(c.Lose) != before.Selected || c.Gain != 0 {
				t.Errorf("the approver's what-if: got %+v, %v; want %d lose", c, err, before.Selected)
			}
			got, err := f.s.DecideChange(f.approver, b.ApprovalID, true, "")
			if err != nil || got.Version != 3 {
				t.Fatalf("approve: got %+v, %v", got, err)
			}
			r, err := f.s.Run(f.manager, p.ID, src, program.RunOptions{AsOf: asOf})
			if err != nil || r.Version != 3 || r.Eligible != 0 {
				t.Errorf("run after approval: version %d, %d eligible, %v; want version 3, nobody", r.Version, r.Eligible, err)
			}
		})
	})
}

// TestProgramActivationNeedsApproval: activating a draft is an eligibility
// decision too; until it is approved the program is a draft (no
// enrollment), its rules cannot change under the approver, and the maker
// cannot approve it.
func TestProgramActivationNeedsApproval(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.realUsers(t)
		sp := baseSpec()
		sp.Status = program.Active
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil || !a.Created || !a.ActivationProposed || a.Program.Status != program.Draft || a.ApprovalID == 0 {
			t.Fatalf("create as active: got %+v, %v; want a draft with its activation proposed", a, err)
		}
		if p, err := f.s.SetStatus(f.manager, a.Program.ID, program.Active); err != nil || p.ActivationApprovalID != a.ApprovalID {
			t.Errorf("asking again: got %+v, %v; want the same approval", p, err)
		}
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(households(20)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Propose(f.manager, r.ID, nil, true); !errs.Is(err, errs.Conflict) {
			t.Errorf("enrolling before the activation is approved: got %v, want conflict", err)
		}
		if _, err := f.s.Apply(f.manager, f.member, stricter()); errs.As(err).Key != "progver.activation_pending" {
			t.Errorf("changing the rules while the activation waits: got %v", err)
		}
		if _, err := f.s.DecideChange(f.manager, a.ApprovalID, true, ""); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the maker approving: got %v, want forbidden", err)
		}
		p, err := f.s.DecideChange(f.approver, a.ApprovalID, true, "")
		if err != nil || p.Status != program.Active || p.ActivationApprovalID != 0 {
			t.Fatalf("approve: got %+v, %v", p, err)
		}
		if auditCount(t, d, "program.activate") != 1 || auditCount(t, d, "program.activation.propose") != 1 {
			t.Error("the activation's proposal and approval are not both audited")
		}
		t.Run("a rejected activation leaves a draft", func(t *testing.T) {
			sp := baseSpec()
			sp.Code = "other"
			b, err := f.s.Apply(f.manager, f.member, sp)
			if err != nil {
				t.Fatal(err)
			}
			q, err := f.s.SetStatus(f.manager, b.Program.ID, program.Active)
			if err != nil {
				t.Fatal(err)
			}
			if q, err = f.s.DecideChange(f.approver, q.ActivationApprovalID, false, "not yet"); err != nil || q.Status != program.Draft || q.ActivationApprovalID != 0 {
				t.Fatalf("got %+v, %v", q, err)
			}
			// A draft's rules change freely again.
			if c, err := f.s.Apply(f.manager, f.member, func() program.Spec { s := stricter(); s.Code = "other"; return s }()); err != nil || !c.NewVersion || c.Proposed {
				t.Errorf("editing the draft: got %+v, %v", c, err)
			}
		})
	})
}

// TestProgramVersionMessages fills every message of this change with its
// arguments: none keeps a placeholder.
func TestProgramVersionMessages(t *testing.T) {
	args := map[string]any{"code": "CASH", "approval": 7, "version": 3, "n": 2, "from": 1, "to": 2}
	for _, key := range []string{"progver.frequency_fixed", "progver.activation_pending", "progver.proposal_pending", "progver.activation_stale",
		"progver.no_proposal", "progver.not_approved", "progver.person_required", "progver.proposal_race", "progver.activation_of", "progver.version_of", "progver.diff_caption", "progver.in_force", "progver.proposed"} {
		for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
			if !i18n.Has(key) {
				t.Fatalf("no message %s", key)
			}
			if msg := i18n.T(l, key, args); strings.ContainsAny(msg, "{}") {
				t.Errorf("%s (%s): unfilled placeholder in %q", key, l, msg)
			}
		}
	}
}

// TestRuleProposalRace: two changes proposed at the same moment make one
// proposal, and two decisions at the same moment decide it once; the loser
// writes nothing.
func TestRuleProposalRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, p := activeProgram(t, d)
		specs := []program.Spec{stricter(), baseSpec()}
		specs[1].Eligibility = `household.size > 2`
		applied := make([]program.Applied, 2)
		errors := make([]error, 2)
		var wg sync.WaitGroup
		for i := range specs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				applied[i], errors[i] = f.s.Apply(f.manager, f.member, specs[i])
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errors {
			switch {
			case err == nil && applied[i].Proposed:
				if won >= 0 {
					t.Fatal("both changes were proposed")
				}
				won = i
			case !errs.Is(err, errs.Conflict):
				t.Fatalf("the losing change: got %v, want conflict", err)
			}
		}
		if won < 0 {
			t.Fatalf("no change was proposed: %v", errors)
		}
		if n := auditCount(t, d, "program.version.propose"); n != 1 {
			t.Errorf("%d proposals audited, want 1", n)
		}
		q, err := f.s.Get(f.manager, p.ID)
		if err != nil || q.ProposalApprovalID != applied[won].ApprovalID {
			t.Fatalf("pending: got %+v, %v", q, err)
		}
		for i, approve := range []bool{true, false} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errors[i] = f.s.DecideChange(f.approver, q.ProposalApprovalID, approve, "race")
			}()
		}
		wg.Wait()
		if (errors[0] == nil) == (errors[1] == nil) {
			t.Fatalf("two decisions at once: got %v and %v, want exactly one to win", errors[0], errors[1])
		}
		if n := auditCount(t, d, "program.version.approved") + auditCount(t, d, "program.version.rejected"); n != 1 {
			t.Errorf("%d decisions audited, want 1", n)
		}
	})
}
