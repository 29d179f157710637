package field_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/casework/field/fieldtest"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

type fixture struct {
	d        *db.DB
	store    *fieldtest.Store
	svc      *field.Service
	jo, eg   int64
	worker   context.Context // a JO case worker, user 11, who owns case 1
	other    context.Context // another JO case worker, user 12
	super    context.Context // a JO supervisor, user 13
	egWorker context.Context // an EG case worker, user 21, who owns case 2
}

func setup(tb testing.TB, d *db.DB, o func(*field.Options)) *fixture {
	tb.Helper()
	ctx := actor.System(context.Background())
	ms := member.New(d)
	jo, err := ms.Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		tb.Fatal(err)
	}
	eg, err := ms.Create(ctx, member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo", CallingCode: "20"})
	if err != nil {
		tb.Fatal(err)
	}
	st := fieldtest.New()
	st.AddCase(1, jo.ID, 11, "JO-C-1", "أسرة الخطيب")
	st.AddCase(2, eg.ID, 21, "EG-C-2", "أسرة المصري")
	opts := st.Options()
	if o != nil {
		o(&opts)
	}
	as := func(user, m int64, r actor.Role) context.Context {
		return actor.With(context.Background(), actor.Actor{UserID: user, MemberID: m, Roles: []actor.Role{r}})
	}
	return &fixture{d: d, store: st, svc: field.New(d, opts), jo: jo.ID, eg: eg.ID,
		worker: as(11, jo.ID, actor.CaseWorker), other: as(12, jo.ID, actor.CaseWorker), super: as(13, jo.ID, actor.CaseSupervisor),
		egWorker: as(21, eg.ID, actor.CaseWorker)}
}

func count(tb testing.TB, d *db.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func note(id string, caseID int64) field.Item {
	return field.Item{ClientID: id, Kind: field.KindVisit, CaseID: caseID, BaseVersion: 1, Text: "زيارة منزلية: الأسرة بخير"}
}

func followUp(id string, caseID, base int64) field.Item {
	return field.Item{ClientID: id, Kind: field.KindFollowUp, CaseID: caseID, BaseVersion: base, ReferralID: caseID*10 + 1, Outcome: "تم تقديم الخدمة"}
}

func TestSentTwiceStoredOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d, nil)
		batch := []field.Item{note("6f1c2a4e-0000-4000-8000-000000000001", 1), followUp("6f1c2a4e-0000-4000-8000-000000000002", 1, 1)}
		first, err := fx.svc.Sync(fx.worker, batch)
		if err != nil {
			t.Fatal(err)
		}
		// The answer was lost: the phone sends the same batch again.
		second, err := fx.svc.Sync(fx.worker, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i := range batch {
			if first[i].Status != field.StatusStored || second[i].Status != field.StatusStored {
				t.Errorf("item %d: statuses %s then %s, want stored twice", i, first[i].Status, second[i].Status)
			}
			if first[i].ID == 0 || first[i].ID != second[i].ID {
				t.Errorf("item %d: ids %d then %d, want the same", i, first[i].ID, second[i].ID)
			}
		}
		if n := fx.store.StoredCount(); n != 2 {
			t.Errorf("stored %d items, want 2", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM casework_field_syncs WHERE member_id = ?`, fx.jo); n != 2 {
			t.Errorf("sync log has %d rows, want 2", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'casework_field.sync.stored'`); n != 2 {
			t.Errorf("%d audit records of stored items, want 2", n)
		}
		// The same item in a new batch, after a lost log row (the target
		// stored it, the log did not): still stored once, same id.
		if err := d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), `DELETE FROM casework_field_syncs WHERE client_id = ?`, batch[0].ClientID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		third, err := fx.svc.Sync(fx.worker, batch[:1])
		if err != nil {
			t.Fatal(err)
		}
		if third[0].Status != field.StatusStored || third[0].ID != first[0].ID || fx.store.StoredCount() != 2 {
			t.Errorf("after a lost log row: %+v, %d stored; want stored with id %d, 2 stored", third[0], fx.store.StoredCount(), first[0].ID)
		}
	})
}

func TestSameClientIDInTwoMembersIsTwoItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d, nil)
		id := "6f1c2a4e-0000-4000-8000-0000000000aa"
		if _, err := fx.svc.Sync(fx.worker, []field.Item{note(id, 1)}); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.svc.Sync(fx.egWorker, []field.Item{note(id+"b", 2)}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM casework_field_syncs`); n != 2 {
			t.Errorf("%d log rows, want 2", n)
		}
	})
}

func TestConflictIsKeptThenAppliedOrDiscarded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d, nil)
		fx.store.Touch(1) // someone changed the case while the worker was offline
		a, b := followUp("6f1c2a4e-0000-4000-8000-0000000000c1", 1, 1), followUp("6f1c2a4e-0000-4000-8000-0000000000c2", 1, 1)
		a.Text = "ملاحظة لا يجوز أن تضيع"
		res, err := fx.svc.Sync(fx.worker, []field.Item{a, b})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Status != field.StatusConflict || r.Conflict == 0 || r.Reason == nil {
				t.Fatalf("got %+v, want a kept conflict with its reason", r)
			}
		}
		if n := fx.store.StoredCount(); n != 0 {
			t.Fatalf("a conflict stored %d items", n)
		}
		// Sent again: the same conflict, nothing more kept.
		again, err := fx.svc.Sync(fx.worker, []field.Item{a})
		if err != nil {
			t.Fatal(err)
		}
		if again[0].Status != field.StatusConflict || again[0].Conflict != res[0].Conflict {
			t.Errorf("sent again: %+v, want conflict %d", again[0], res[0].Conflict)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM casework_field_conflicts`); n != 2 {
			t.Errorf("%d kept items, want 2", n)
		}
		// The worker sees what they wrote; another worker does not, the
		// supervisor does.
		cs, err := fx.svc.Conflicts(fx.worker, field.ConflictFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[1].Item.Text != a.Text {
			t.Fatalf("conflicts %+v, want both with the note kept", cs)
		}
		if cs, _ := fx.svc.Conflicts(fx.other, field.ConflictFilter{}); len(cs) != 0 {
			t.Errorf("another worker sees %d conflicts", len(cs))
		}
		if cs, _ := fx.svc.Conflicts(fx.super, field.ConflictFilter{}); len(cs) != 2 {
			t.Errorf("the supervisor sees %d conflicts, want 2", len(cs))
		}
		if _, err := fx.svc.Apply(fx.other, res[0].Conflict); !errs.Is(err, errs.NotFound) {
			t.Errorf("another worker applies: %v, want not found", err)
		}
		if _, err := fx.svc.Apply(fx.egWorker, res[0].Conflict); !errs.Is(err, errs.NotFound) {
			t.Errorf("another member applies: %v, want not found", err)
		}
		// Applied on the current version: stored once, with the note.
		c, err := fx.svc.Apply(fx.worker, res[0].Conflict)
		if err != nil {
			t.Fatal(err)
		}
		if c.Resolution != field.ResolutionApplied || c.ResultID == 0 || len(fx.store.FollowUps) != 1 || fx.store.FollowUps[0].Note != a.Text {
			t.Errorf("applied: %+v, follow-ups %+v", c, fx.store.FollowUps)
		}
		if _, err := fx.svc.Apply(fx.worker, res[0].Conflict); !errs.Is(err, errs.Conflict) {
			t.Errorf("applied twice: %v, want conflict", err)
		}
		// Sent again after it was applied: stored, the applied id.
		again, _ = fx.svc.Sync(fx.worker, []field.Item{a})
		if again[0].Status != field.StatusStored || again[0].ID != c.ResultID {
			t.Errorf("sent after applied: %+v, want stored %d", again[0], c.ResultID)
		}
		// Discarded: kept, no longer open, and not stored when sent again.
		dc, err := fx.svc.Discard(fx.worker, res[1].Conflict)
		if err != nil {
			t.Fatal(err)
		}
		if dc.Resolution != field.ResolutionDiscarded || dc.Item.Outcome != b.Outcome {
			t.Errorf("discarded: %+v", dc)
		}
		again, _ = fx.svc.Sync(fx.worker, []field.Item{b})
		if again[0].Status != field.StatusDiscarded || len(fx.store.FollowUps) != 1 {
			t.Errorf("sent after discarded: %+v, %d follow-ups", again[0], len(fx.store.FollowUps))
		}
		if cs, _ := fx.svc.Conflicts(fx.worker, field.ConflictFilter{}); len(cs) != 0 {
			t.Errorf("%d open conflicts after both resolved", len(cs))
		}
		if cs, _ := fx.svc.Conflicts(fx.worker, field.ConflictFilter{All: true}); len(cs) != 2 {
			t.Errorf("%d conflicts kept in all, want 2", len(cs))
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action IN ('casework_field.sync.conflict', 'casework_field.conflict.applied', 'casework_field.conflict.discarded')`); n != 4 {
			t.Errorf("%d audit records of conflicts, want 4", n)
		}
	})
}

func TestRefusedItemIsReportedAndTriedAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d, nil)
		bad := field.Item{ClientID: "6f1c2a4e-0000-4000-8000-0000000000d1", Kind: field.KindAttachment, CaseID: 1, Name: "scan.jpg", ContentType: "image/jpeg",
			Data: base64.StdEncoding.EncodeToString([]byte("MZ this is a program"))}
		good := note("6f1c2a4e-0000-4000-8000-0000000000d2", 1)
		res, err := fx.svc.Sync(fx.worker, []field.Item{bad, good})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Status != field.StatusRefused || res[0].Reason == nil || res[0].Reason.Key != "casework_field.test_not_image" {
			t.Errorf("bad attachment: %+v, want refused with the target's reason", res[0])
		}
		if res[1].Status != field.StatusStored {
			t.Errorf("the good item beside it: %+v, want stored", res[1])
		}
		if len(fx.store.Attachments) != 0 {
			t.Errorf("a refused attachment was stored")
		}
		// A refusal is not final on the server: sent again, it is tried again.
		calls := fx.store.Calls
		res, _ = fx.svc.Sync(fx.worker, []field.Item{bad})
		if res[0].Status != field.StatusRefused || fx.store.Calls != calls+1 {
			t.Errorf("sent again: %+v, %d calls, want refused after one more call", res[0], fx.store.Calls-calls)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM casework_field_syncs WHERE status = 'refused'`); n != 1 {
			t.Errorf("%d refused rows, want 1", n)
		}
	})
}

func TestBatchRefusedWholeStoresNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d, func(o *field.Options) { o.MaxItems = 3; o.MaxItemBytes = 1000 })
		ok := note("6f1c2a4e-0000-4000-8000-0000000000e1", 1)
		big := note("6f1c2a4e-0000-4000-8000-0000000000e2", 1)
		big.Text = string(make([]byte, 2000))
		for _, c := range []struct {
			name  string
			ctx   context.Context
			items []field.Item
			code  errs.Code
			key   string
			row   int
		}{
			{"too many items", fx.worker, []field.Item{ok, ok, ok, ok}, errs.Invalid, "casework_field.batch_too_large", 0},
			{"an item too large", fx.worker, []field.Item{ok, big}, errs.Invalid, "casework_field.batch_invalid", 2},
			{"a bad client id", fx.worker, []field.Item{{ClientID: "x", Kind: "note", CaseID: 1, Text: "t"}}, errs.Invalid, "casework_field.batch_invalid", 1},
			{"an unknown kind", fx.worker, []field.Item{{ClientID: "6f1c2a4e-0000-4000-8000-0000000000e3", Kind: "payment", CaseID: 1}}, errs.Invalid, "casework_field.batch_invalid", 1},
			{"a follow-up without outcome", fx.worker, []field.Item{{ClientID: "6f1c2a4e-0000-4000-8000-0000000000e4", Kind: "followup", CaseID: 1, ReferralID: 11}}, errs.Invalid, "casework_field.batch_invalid", 1},
			{"one client id twice", fx.worker, []field.Item{ok, ok}, errs.Invalid, "casework_field.batch_invalid", 2},
			{"another member's case", fx.worker, []field.Item{ok, note("6f1c2a4e-0000-4000-8000-0000000000e5", 2)}, errs.NotFound, "casework_field.case_not_found", 2},
			{"a case that does not exist", fx.worker, []field.Item{note("6f1c2a4e-0000-4000-8000-0000000000e6", 99)}, errs.NotFound, "casework_field.case_not_found", 1},
			{"nobody signed in", context.Background(), []field.Item{ok}, errs.Unauthenticated, "auth.login_required", 0},
			{"a viewer", actor.With(context.Background(), actor.Actor{UserID: 5, MemberID: fx.jo, Roles: []actor.Role{actor.Viewer}}), []field.Item{ok}, errs.Forbidden, "auth.forbidden", 0},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := fx.svc.Sync(c.ctx, c.items)
				e := errs.As(err)
				if e.Code != c.code || e.Key != c.key {
					t.Fatalf("got %v, want %s %s", err, c.code, c.key)
				}
				if c.row != 0 && (len(e.Fields) != 1 || e.Fields[0].Row != c.row) {
					t.Errorf("fields %+v, want one at row %d", e.Fields, c.row)
				}
				if n := fx.store.StoredCount(); n != 0 {
					t.Errorf("%d items stored", n)
				}
				if n := count(t, d, `SELECT COUNT(*) FROM casework_field_syncs`); n != 0 {
					t.Errorf("%d log rows", n)
				}
			})
		}
	})
}

func TestNilTargetsRefuseClearly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d, func(o *field.Options) { *o = field.Options{} })
		_, err := fx.svc.Sync(fx.worker, []field.Item{note("6f1c2a4e-0000-4000-8000-0000000000f1", 1)})
		if e := errs.As(err); e.Code != errs.NotFound || e.Key != "casework_field.unavailable" {
			t.Errorf("without the case core: %v, want unavailable", err)
		}
		if _, err := fx.svc.Cases(fx.worker); !errs.Is(err, errs.NotFound) {
			t.Errorf("cases without a caseload: %v, want not found", err)
		}
		// With cases but no note target: that item is refused, the other stored.
		fx = setup(t, dbtest.Open(t, d.Dialect), func(o *field.Options) { o.Notes = nil })
		res, err := fx.svc.Sync(fx.worker, []field.Item{note("6f1c2a4e-0000-4000-8000-0000000000f2", 1), followUp("6f1c2a4e-0000-4000-8000-0000000000f3", 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Status != field.StatusRefused || res[0].Reason.Key != "casework_field.unavailable" || res[1].Status != field.StatusStored {
			t.Errorf("got %+v, want the note refused as unavailable and the follow-up stored", res)
		}
	})
}

func TestFieldCasesOnlyTheCallersMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d, nil)
		cs, err := fx.svc.Cases(fx.worker)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || cs[0].ID != 1 || cs[0].Form == nil || len(cs[0].Referrals) != 1 {
			t.Errorf("got %+v, want case 1 with its form and referral", cs)
		}
	})
}

// BenchmarkSync200 is the issue's figure "200 forms queued offline, sent
// after reconnection": 200 visit notes and follow-ups, each stored once, on
// each engine; ns/op is the time until the last is stored. "batch" sends
// them as the field app does (one request of 200), "resent" sends the same
// 200 again (their answer was lost: nothing stored twice), and the baseline
// "one_by_one" sends one per request, as a client without batches would.
func BenchmarkSync200(b *testing.B) {
	for _, dl := range dbtest.Dialects() {
		d := dbtest.Open(b, dl)
		fx := setup(b, d, nil)
		run := 0
		batch := func() []field.Item {
			run++
			items := make([]field.Item, 200)
			for i := range items {
				id := fmt.Sprintf("6f1c2a4e-%04x-4000-8000-%012x", run, i)
				if i%2 == 0 {
					items[i] = note(id, 1)
				} else {
					items[i] = followUp(id, 1, 1)
				}
			}
			return items
		}
		check := func(b *testing.B, res []field.Result) {
			for _, r := range res {
				if r.Status != field.StatusStored {
					b.Fatalf("item %+v", r)
				}
			}
		}
		b.Run(string(dl)+"/batch", func(b *testing.B) {
			for n := 0; n < b.N; n++ {
				items := batch()
				before := fx.store.StoredCount()
				res, err := fx.svc.Sync(fx.worker, items)
				if err != nil {
					b.Fatal(err)
				}
				check(b, res)
				if got := fx.store.StoredCount() - before; got != 200 {
					b.Fatalf("stored %d, want 200", got)
				}
			}
		})
		b.Run(string(dl)+"/resent", func(b *testing.B) {
			items := batch()
			if _, err := fx.svc.Sync(fx.worker, items); err != nil {
				b.Fatal(err)
			}
			before := fx.store.StoredCount()
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				res, err := fx.svc.Sync(fx.worker, items)
				if err != nil {
					b.Fatal(err)
				}
				check(b, res)
			}
			b.StopTimer()
			if got := fx.store.StoredCount(); got != before {
				b.Fatalf("sending again stored %d more", got-before)
			}
		})
		b.Run(string(dl)+"/one_by_one", func(b *testing.B) {
			for n := 0; n < b.N; n++ {
				for _, it := range batch() {
					res, err := fx.svc.Sync(fx.worker, []field.Item{it})
					if err != nil {
						b.Fatal(err)
					}
					check(b, res)
				}
			}
		})
	}
}
