package casework

import (
	"bytes"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

func TestOpenRefusesWithoutConsentOrGround(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		cases := []struct {
			name    string
			consent Consent
			field   string
		}{
			{"no consent nor ground", Consent{}, "consent_kind"},
			{"consent without who gave it", Consent{Kind: ConsentGiven, Scope: []string{"referrals"}, At: t0.Add(-time.Hour)}, "consent_by"},
			{"consent without scope", Consent{Kind: ConsentGiven, By: "x", At: t0.Add(-time.Hour)}, "consent_scope"},
			{"consent in the future", Consent{Kind: ConsentGiven, By: "x", Scope: []string{"referrals"}, At: t0.Add(time.Hour)}, "consent_at"},
			{"legal ground unknown", Consent{Kind: ConsentLegal, Ground: "because"}, "legal_ground"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := w.s.Open(w.worker.ctx, OpenInput{MemberID: w.jo, TypeCode: "child_protection", Consent: tc.consent, HouseholdID: w.hh, PersonID: w.person})
				e := errs.As(err)
				if e == nil || e.Code != errs.Invalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
					t.Fatalf("got %v, want an invalid %s", err, tc.field)
				}
			})
		}
		if n := count(t, d, `SELECT COUNT(*) FROM cases`); n != 0 {
			t.Fatalf("got %d cases written, want none", n)
		}
		o, err := w.s.Open(w.worker.ctx, OpenInput{MemberID: w.jo, TypeCode: "child_protection", Consent: Consent{Kind: ConsentLegal, Ground: "child_at_risk"}, HouseholdID: w.hh, PersonID: w.person})
		if err != nil {
			t.Fatal(err)
		}
		if o.Case.Number != "JO-2026-00001" || o.Case.Consent.Ground != "child_at_risk" || o.Case.OfficeID != w.office || o.Case.SupervisorID != w.super.id {
			t.Fatalf("got %+v", o.Case)
		}
		if c := w.open(t, w.worker, "elderly_care"); c.Number != "JO-2026-00002" || c.AgeYears != 35 || c.Sex != "female" || c.Subject != "سلمى الخطيب" {
			t.Fatalf("got number %s age %d sex %s subject %q", c.Number, c.AgeYears, c.Sex, c.Subject)
		}
	})
}

func TestOpenRefusesAnotherMembersHousehold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		hh, p := mustHousehold(t, d, w.eg, "EG-1", "1980-01-01")
		_, err := w.s.Open(w.worker.ctx, OpenInput{MemberID: w.jo, TypeCode: "elderly_care", Consent: consent(), HouseholdID: hh, PersonID: p})
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("got %v, want invalid", err)
		}
		if _, err := w.s.Open(w.egWork.ctx, OpenInput{MemberID: w.jo, TypeCode: "elderly_care", Consent: consent(), HouseholdID: w.hh}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("EG worker opening a JO case: got %v, want not found", err)
		}
	})
}

func TestVisibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		sens := w.open(t, w.worker, "child_protection")
		plain := w.open(t, w.worker, "elderly_care")
		cases := []struct {
			name      string
			u         *ctxUser
			c         Case
			want      Access
			wantNamed bool
		}{
			{"owner sees sensitive", w.worker, sens, AccessFull, true},
			{"supervisor sees sensitive", w.super, sens, AccessFull, true},
			{"colleague does not see sensitive", w.worker2, sens, AccessNone, false},
			{"member admin does not see sensitive", w.admin, sens, AccessNone, false},
			{"care manager does not see sensitive", w.manager, sens, AccessNone, false},
			{"other member's worker", w.egWork, plain, AccessNone, false},
			{"colleague sees plain", w.worker2, plain, AccessFull, true},
			{"member admin sees plain limited", w.admin, plain, AccessLimited, false},
			{"care manager sees plain limited", w.manager, plain, AccessLimited, false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := w.s.Get(tc.u.ctx, tc.c.ID)
				if tc.want == AccessNone {
					if !errs.Is(err, errs.NotFound) {
						t.Fatalf("got %v, want not found", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Access != tc.want || (got.Subject != "") != tc.wantNamed {
					t.Fatalf("got access %v subject %q, want %v named %v", got.Access, got.Subject, tc.want, tc.wantNamed)
				}
				if tc.want == AccessLimited && (got.AgeYears != 35 || got.Sex != "female" || got.AreaCode != "JO-AM" || got.Consent != nil) {
					t.Fatalf("limited view: got %+v", got)
				}
			})
		}
		// The colleague is named on the team: now they see it.
		if _, err := w.s.Edit(w.worker.ctx, EditInput{CaseID: sens.ID, Version: sens.Version, Team: []int64{w.worker2.id}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Get(w.worker2.ctx, sens.ID); err != nil {
			t.Fatalf("team member: %v", err)
		}
		reads := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'case.read' AND entity_id = ?`, id(sens.ID))
		if reads < 3 {
			t.Fatalf("got %d audited reads of the sensitive case, want at least 3", reads)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'case.read' AND entity_id = ?`, id(plain.ID)); n != 0 {
			t.Fatalf("got %d audited reads of the plain case, want 0", n)
		}
		// Lists apply the same rules.
		list, total, err := w.s.List(w.admin.ctx, Filter{MemberID: w.jo})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != plain.ID || list[0].Subject != "" {
			t.Fatalf("admin's list: got %d %+v %v", total, list, err)
		}
		if _, _, err := w.s.List(w.egWork.ctx, Filter{MemberID: w.jo}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("EG listing JO: got %v", err)
		}
	})
}

func TestNotesSealedAndIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		sens := w.open(t, w.worker, "gbv")
		plain := w.open(t, w.worker, "economic_hardship")
		for _, c := range []Case{sens, plain} {
			in := care.NoteInput{ClientID: "n-" + c.Number, CaseID: c.ID, Kind: KindNote, Text: "زارت الأسرة المكتب وطلبت المساعدة"}
			first, dup, err := w.s.AddNote(w.worker.ctx, in)
			if err != nil || dup {
				t.Fatalf("first: %v %v", dup, err)
			}
			again, dup, err := w.s.AddNote(w.worker.ctx, in)
			if err != nil || !dup || again != first {
				t.Fatalf("second send: got %d %v %v, want %d dup", again, dup, err, first)
			}
			notes, err := w.s.Notes(w.worker.ctx, c.ID)
			if err != nil || len(notes) != 1 || notes[0].Text != in.Text {
				t.Fatalf("notes: %+v %v", notes, err)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM case_notes WHERE case_id = ? AND body = '' AND body_enc IS NOT NULL`, sens.ID); n != 1 {
			t.Fatalf("sensitive note not sealed")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM case_notes WHERE case_id = ? AND body <> '' AND body_enc IS NULL`, plain.ID); n != 1 {
			t.Fatalf("plain note sealed")
		}
		if _, err := w.s.Notes(w.worker2.ctx, sens.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("colleague reading sealed notes: %v", err)
		}
		if _, err := w.s.Notes(w.admin.ctx, plain.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("limited reader reading notes: %v", err)
		}
	})
}

func TestVisitSetsNextVisitByRisk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.open(t, w.worker, "elderly_care")
		if !c.NextVisitDue.Equal(t0.Add(30 * 24 * time.Hour)) {
			t.Fatalf("first visit due %v", c.NextVisitDue)
		}
		at := t0.Add(-2 * time.Hour)
		if _, _, err := w.s.AddNote(w.worker.ctx, care.NoteInput{ClientID: "v1", CaseID: c.ID, Kind: KindVisit, Text: "زيارة منزلية", At: at}); err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetRisk(w.worker.ctx, c.ID, 90, care.RiskCritical, 7); err != nil {
			t.Fatal(err)
		}
		got, _ := w.s.Get(w.worker.ctx, c.ID)
		if !got.NextVisitDue.Equal(at.Add(7*24*time.Hour)) || !got.FirstContact.Equal(at) || got.RiskLevel != care.RiskCritical {
			t.Fatalf("got next %v first %v risk %s", got.NextVisitDue, got.FirstContact, got.RiskLevel)
		}
	})
}

func TestWorkflowApprovals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.open(t, w.worker, "child_protection") // requires assessment, plan and closure approvals
		c, err := w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepAssessment})
		if err != nil || c.Status != care.StepAssessment {
			t.Fatalf("to assessment: %v %v", c.Status, err)
		}
		if _, err := w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepServices}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("skipping the plan: got %v", err)
		}
		c, err = w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepPlan})
		if err != nil || c.Status != care.StepAssessment || c.WaitingStep != care.StepPlan {
			t.Fatalf("submit: %+v %v", c, err)
		}
		if _, err := w.s.Decide(w.worker.ctx, c.ID, true, ""); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("worker approving: got %v", err)
		}
		if _, err := w.s.Decide(w.super.ctx, c.ID, false, ""); !errs.Is(err, errs.Invalid) {
			t.Fatalf("send back without comment: got %v", err)
		}
		c, err = w.s.Decide(w.super.ctx, c.ID, false, "أكملي أسئلة السلامة")
		if err != nil || c.SentBackStep != care.StepPlan || c.WaitingStep != "" || c.Status != care.StepAssessment {
			t.Fatalf("send back: %+v %v", c, err)
		}
		in, err := w.s.InboxOf(w.worker.ctx, w.jo)
		if err != nil || len(in.SentBack) != 1 {
			t.Fatalf("inbox sent back: %+v %v", in.SentBack, err)
		}
		c, _ = w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepPlan})
		c, err = w.s.Decide(w.super.ctx, c.ID, true, "")
		if err != nil || c.Status != care.StepPlan || c.SentBackStep != "" {
			t.Fatalf("approve: %+v %v", c, err)
		}
		if _, err := w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepClosed}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("closing without outcome: got %v", err)
		}
		c, err = w.s.Move(w.worker.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepClosed, Outcome: "goals_met"})
		if err != nil || c.WaitingStep != care.StepClosed {
			t.Fatalf("closure proposed: %+v %v", c, err)
		}
		c, err = w.s.Decide(w.super.ctx, c.ID, true, "")
		if err != nil || c.Status != care.StepClosed || c.Outcome != "goals_met" || c.ClosedAt == nil {
			t.Fatalf("closed: %+v %v", c, err)
		}
		c, err = w.s.Reopen(w.worker.ctx, c.ID, c.Version, "عادت المشكلة")
		if err != nil || c.Status != care.StepAssessment || !c.Reopened {
			t.Fatalf("reopen: %+v %v", c, err)
		}
		var facts []care.CaseFact
		if err := w.s.CaseFacts(w.manager.ctx, w.jo, t0.Add(-time.Hour), t0.Add(time.Hour), func(f care.CaseFact) error { facts = append(facts, f); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(facts) != 1 || !facts[0].Reopened || facts[0].SubjectKey == "" || facts[0].AgeYears != 35 || facts[0].StepEntered[care.StepPlan].IsZero() {
			t.Fatalf("facts: %+v", facts)
		}
	})
}

func TestPreparerCannotApprove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.open(t, w.super, "family_conflict") // the supervisor prepares the plan themselves
		c, _ = w.s.Move(w.super.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepAssessment})
		c, _ = w.s.Move(w.super.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepPlan})
		c, err := w.s.Move(w.super.ctx, MoveInput{CaseID: c.ID, Version: c.Version, To: care.StepServices})
		if err != nil || c.WaitingStep != care.StepServices {
			t.Fatalf("submit: %+v %v", c, err)
		}
		_, err = w.s.Decide(w.super.ctx, c.ID, true, "")
		if e := errs.As(err); e == nil || e.Key != "approval.own_proposal" {
			t.Fatalf("got %v, want approval.own_proposal", err)
		}
		got, _ := w.s.Get(w.super.ctx, c.ID)
		if got.Status != care.StepPlan || got.Version != c.Version {
			t.Fatalf("changed: %+v", got)
		}
	})
}

func TestTransfers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.open(t, w.worker, "elderly_care")
		_, err := w.s.Transfer(w.worker.ctx, TransferInput{CaseID: c.ID, ToUser: w.egWork.id, Reason: "انتقلت الأسرة"})
		if e := errs.As(err); e == nil || e.Key != "casework.worker_not_of_member" {
			t.Fatalf("transfer to another member's worker: got %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM case_transfers`); n != 0 {
			t.Fatalf("transfer written")
		}
		tr, err := w.s.Transfer(w.worker.ctx, TransferInput{CaseID: c.ID, ToUser: w.worker2.id, Reason: "عبء العمل"})
		if err != nil || tr.Status != TransferPending {
			t.Fatalf("transfer: %+v %v", tr, err)
		}
		if _, err := w.s.Transfer(w.worker.ctx, TransferInput{CaseID: c.ID, ToUser: w.super.id, Reason: "مرة أخرى"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second pending transfer: %v", err)
		}
		if _, err := w.s.Answer(w.worker.ctx, tr.ID, true, ""); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("sender accepting: %v", err)
		}
		in, _ := w.s.InboxOf(w.worker2.ctx, w.jo)
		if len(in.Transfers) != 1 {
			t.Fatalf("receiver's inbox: %+v", in.Transfers)
		}
		if _, err := w.s.Answer(w.worker2.ctx, tr.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := w.s.Get(w.worker2.ctx, c.ID)
		if got.OwnerID != w.worker2.id || got.SupervisorID != w.super.id {
			t.Fatalf("owner %d", got.OwnerID)
		}
		// A request to the supervisor, declined.
		rq, err := w.s.RequestTransfer(w.worker2.ctx, TransferInput{CaseID: c.ID, Reason: "أحتاج من يساعد"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Answer(w.super.ctx, rq.ID, false, "ليس الآن"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAttachmentMustBeWhatItsNameSays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.open(t, w.worker, "child_protection")
		var buf bytes.Buffer
		_ = png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 2, 2)))
		cases := []struct {
			name, file string
			data       []byte
			key        string
		}{
			{"png named pdf", "report.pdf", buf.Bytes(), "casework.attachment_mismatch"},
			{"text named jpg", "photo.jpg", []byte("hello, not an image"), "casework.attachment_mismatch"},
			{"program", "tool.exe", []byte("MZ..."), "casework.attachment_type"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := w.s.AddAttachment(w.worker.ctx, care.AttachmentInput{ClientID: "a-" + tc.name[:3], CaseID: c.ID, Name: tc.file, Data: tc.data})
				if e := errs.As(err); e == nil || e.Key != tc.key {
					t.Fatalf("got %v, want %s", err, tc.key)
				}
			})
		}
		if n := count(t, d, `SELECT COUNT(*) FROM case_attachments`); n != 0 {
			t.Fatalf("got %d attachments written", n)
		}
		aid, _, err := w.s.AddAttachment(w.worker.ctx, care.AttachmentInput{ClientID: "a-ok", CaseID: c.ID, Name: "photo.png", Data: buf.Bytes()})
		if err != nil {
			t.Fatal(err)
		}
		a, data, err := w.s.Content(w.worker.ctx, c.ID, aid)
		if err != nil || !bytes.Equal(data, buf.Bytes()) || a.ContentType != "image/png" {
			t.Fatalf("content: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM case_attachments WHERE sealed = ?`, true); n != 1 {
			t.Fatalf("attachment of a sensitive case not sealed")
		}
	})
}

func TestEditFromAStaleVersionIsAConflict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.open(t, w.worker, "elderly_care")
		if _, err := w.s.Edit(w.worker.ctx, EditInput{CaseID: c.ID, Version: c.Version, Team: []int64{w.worker2.id}}); err != nil {
			t.Fatal(err)
		}
		_, err := w.s.Edit(w.worker2.ctx, EditInput{CaseID: c.ID, Version: c.Version, Team: nil})
		if e := errs.As(err); e == nil || e.Key != "casework.changed_meanwhile" {
			t.Fatalf("got %v, want casework.changed_meanwhile", err)
		}
		got, _ := w.s.Get(w.worker.ctx, c.ID)
		if len(got.Team) != 1 {
			t.Fatalf("the first edit was lost: %+v", got.Team)
		}
	})
}
