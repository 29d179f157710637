package coordination

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func pdf() []byte { return []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n") }

func TestDisplacedFamilyLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := must[Request](t)(f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.family, Subject: "ملف أسرة نازحة", Body: "نرجو متابعة الأسرة", Households: []string{"H-1"}, Full: true}))
		if r.State != Draft || r.ToCode != "EG" || r.FromCode != "JO" {
			t.Fatalf("got %+v, want a draft JO → EG", r)
		}
		as := must[[]Attachment](t)(f.s.Attachments(f.joSup, r.ID))
		if len(as) != 1 || as[0].Status != Pending || as[0].Kind != KindFull || !as[0].Personal || as[0].ApprovalID == 0 {
			t.Fatalf("attachments: got %+v, want one pending full file with an approval", as)
		}
		t.Run("the other side does not see a draft", func(t *testing.T) {
			_, err := f.s.Get(f.egAdmin, r.ID)
			wantCode(t, err, errs.NotFound)
		})
		t.Run("personal data is not sent without approval", func(t *testing.T) {
			before := counts(t, d)
			_, err := f.s.Send(f.joSup, r.ID, r.Version)
			wantCode(t, err, errs.Conflict)
			if e := errs.As(err); e.Key != "coordination.personal_unapproved" {
				t.Fatalf("got key %q, want coordination.personal_unapproved", e.Key)
			}
			if after := counts(t, d); after != before {
				t.Fatalf("rows: got %v, want %v unchanged", after, before)
			}
		})
		t.Run("the maker's colleague without approve cannot decide", func(t *testing.T) {
			_, err := f.s.Decide(f.joSup2, as[0].ID, true, "")
			wantCode(t, err, errs.Forbidden)
		})
		t.Run("another member's approver sees nothing", func(t *testing.T) {
			_, err := f.s.Decide(f.syAdmin, as[0].ID, true, "")
			if c := errs.CodeOf(err); c != errs.NotFound && c != errs.Forbidden {
				t.Fatalf("got %v, want not found or forbidden", err)
			}
		})
		must[Attachment](t)(f.s.Decide(f.joApp, as[0].ID, true, ""))
		r = must[Request](t)(f.s.Send(f.joSup, r.ID, r.Version))
		// Ten working days in Cairo (Friday and Saturday off) from Monday
		// 1 March 2027 09:00 local: Monday 15 March.
		if r.State != Sent || r.Deadline == nil || r.Deadline.In(time.UTC).Format(time.DateOnly) != "2027-03-15" {
			t.Fatalf("sent: got state %s deadline %v, want sent due 2027-03-15", r.State, r.Deadline)
		}
		eg := must[Detail](t)(f.s.Detail(f.egAdmin, r.ID))
		if !eg.Request.Incoming || len(eg.Attachments) != 1 || eg.Attachments[0].Own {
			t.Fatalf("EG's view: got %+v, want the request incoming with JO's shared file", eg)
		}
		_, data, err := f.s.Content(f.egAdmin, eg.Attachments[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var file HouseholdFile
		if err := json.Unmarshal(data, &file); err != nil || file.Household.Ref != "H-1" || len(file.Persons) != 2 {
			t.Fatalf("copy: got %+v (%v), want H-1 with two persons", file, err)
		}
		t.Run("a third member sees nothing", func(t *testing.T) {
			before := counts(t, d)
			for name, err := range map[string]error{
				"get":      second(f.s.Get(f.syAdmin, r.ID)),
				"detail":   second(f.s.Detail(f.syAdmin, r.ID)),
				"content":  third(f.s.Content(f.syAdmin, eg.Attachments[0].ID)),
				"message":  second(f.s.AddMessage(f.syAdmin, r.ID, "hello")),
				"accept":   second(f.s.Accept(f.syAdmin, r.ID, 0)),
				"decline":  second(f.s.Decline(f.syAdmin, r.ID, 0, "no")),
				"withdraw": second(f.s.Withdraw(f.syAdmin, r.ID, 0, "no")),
				"document": second(f.s.AddDocument(f.syAdmin, r.ID, File{Name: "a.pdf", Body: bytes.NewReader(pdf())}, false)),
			} {
				if !errs.Is(err, errs.NotFound) {
					t.Errorf("%s: got %v, want not found", name, err)
				}
			}
			if rs := must[[]Request](t)(f.s.List(f.syAdmin, Filter{})); len(rs) != 0 {
				t.Errorf("SY's list: got %d requests, want none", len(rs))
			}
			if rs := must[[]Request](t)(f.s.List(f.union, Filter{})); len(rs) != 0 {
				t.Errorf("the union's list: got %d requests, want none (JO → EG is theirs)", len(rs))
			}
			if after := counts(t, d); after != before {
				t.Fatalf("rows: got %v, want %v unchanged", after, before)
			}
		})
		t.Run("only the receiving side accepts", func(t *testing.T) {
			_, err := f.s.Accept(f.joSup, r.ID, 0)
			wantCode(t, err, errs.Forbidden)
		})
		r = must[Request](t)(f.s.Assign(f.egAdmin, r.ID, 0, f.egSupID))
		if r.State != Assigned || r.AssignedName != "eg.sup" {
			t.Fatalf("assign: got %s %q, want assigned to eg.sup", r.State, r.AssignedName)
		}
		must[Message](t)(f.s.AddMessage(f.egSup, r.ID, "استلمنا الملف"))
		must[Message](t)(f.s.AddMessage(f.joSup, r.ID, "شكرا"))
		r = must[Request](t)(f.s.Answer(f.egSup, r.ID, r.Version, "تم تسجيل الأسرة لدينا"))
		if r.State != Answered {
			t.Fatalf("answer: got %s", r.State)
		}
		r = must[Request](t)(f.s.Close(f.joSup, r.ID, r.Version))
		ms := must[[]Message](t)(f.s.Messages(f.joSup, r.ID))
		if r.State != Closed || len(ms) != 3 || !ms[1].Own || ms[0].Own {
			t.Fatalf("closed: got %s with messages %+v", r.State, ms)
		}
		_, err = f.s.AddMessage(f.egSup, r.ID, "late")
		wantCode(t, err, errs.Conflict)
		evs := must[[]Event](t)(f.s.Events(f.egAdmin, r.ID))
		var acts []string
		for _, e := range evs {
			acts = append(acts, e.Action)
		}
		if got := strings.Join(acts, " "); got != "create attachment_shared sent assigned answered closed" {
			t.Fatalf("EG's timeline: got %q", got)
		}
	})
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

func TestSendingPersonalDataAtOnceIsRefusedWhole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		before := counts(t, d)
		_, err := f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.family, Subject: "ملف", Households: []string{"H-1"}, Send: true})
		wantCode(t, err, errs.Invalid)
		if e := errs.As(err); len(e.Fields) != 1 || e.Fields[0].Field != "households" || e.Fields[0].Key != "coordination.personal_unapproved" {
			t.Fatalf("got %+v, want the households field to say personal_unapproved", e.Fields)
		}
		if after := counts(t, d); after != before {
			t.Fatalf("rows: got %v, want %v unchanged", after, before)
		}
		// A type without personal data refuses a household even as a draft.
		_, err = f.s.Create(f.joSup, NewRequest{TypeID: f.emergency, Subject: "فيضانات", Households: []string{"H-1"}})
		wantCode(t, err, errs.Invalid)
		// The duplicate follow-up carries summaries, not full files.
		_, err = f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.dup, Subject: "تكرار", Households: []string{"H-1"}, Full: true})
		wantCode(t, err, errs.Invalid)
		// An unknown household is named.
		_, err = f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.dup, Subject: "تكرار", Households: []string{"H-404"}})
		wantCode(t, err, errs.Invalid)
		if after := counts(t, d); after != before {
			t.Fatalf("rows: got %v, want %v unchanged", after, before)
		}
		// To oneself is refused.
		_, err = f.s.Create(f.joSup, NewRequest{To: "JO", TypeID: f.emergency, Subject: "x"})
		wantCode(t, err, errs.Invalid)
	})
}

func TestRejectedAttachmentNeverLeaves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := must[Request](t)(f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.dup, Subject: "تكرار محتمل"}))
		a := must[Attachment](t)(f.s.AttachHousehold(f.joSup, r.ID, "H-1", false))
		doc, err := f.s.AddDocument(f.joSup, r.ID, File{Name: "id.png", Body: bytes.NewReader(pngBytes)}, true)
		wantCode(t, err, errs.Invalid) // a summary type takes no personal documents
		_ = doc
		_, err = f.s.Decide(f.joApp, a.ID, false, "")
		wantCode(t, err, errs.Invalid) // a rejection needs a reason
		must[Attachment](t)(f.s.Decide(f.joApp, a.ID, false, "لا حاجة"))
		_, err = f.s.Decide(f.joApp, a.ID, true, "")
		if err == nil {
			t.Fatal("deciding twice: got nil, want an error")
		}
		r = must[Request](t)(f.s.Send(f.joSup, r.ID, 0))
		if as := must[[]Attachment](t)(f.s.Attachments(f.egAdmin, r.ID)); len(as) != 0 {
			t.Fatalf("EG sees %+v, want nothing", as)
		}
		_, _, err = f.s.Content(f.egAdmin, a.ID)
		wantCode(t, err, errs.NotFound)
		for _, e := range must[[]Event](t)(f.s.Events(f.egAdmin, r.ID)) {
			if strings.HasPrefix(e.Action, "attach") {
				t.Fatalf("EG's timeline shows %+v", e)
			}
		}
	})
}

func TestMakerCannotApproveOwnAttachment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		both, _ := as(t, d, f.jo, "jo.both", "case_supervisor", "approver")
		r := must[Request](t)(f.s.Create(both, NewRequest{To: "EG", TypeID: f.family, Subject: "ملف"}))
		a := must[Attachment](t)(f.s.AddDocument(both, r.ID, File{Name: "passport.pdf", Body: bytes.NewReader(pdf())}, true))
		_, err := f.s.Decide(both, a.ID, true, "")
		wantCode(t, err, errs.Forbidden)
		must[Attachment](t)(f.s.Decide(f.joApp, a.ID, true, ""))
	})
}

func TestDocumentsCheckedByContent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := must[Request](t)(f.s.Create(f.joSup, NewRequest{TypeID: f.emergency, Subject: "فيضانات في الجنوب"}))
		before := counts(t, d)
		for name, body := range map[string][]byte{"fake.pdf": pngBytes, "fake.png": pdf(), "script.exe": pdf(), "empty.pdf": nil, "big.pdf": append(pdf(), make([]byte, MaxDocument)...)} {
			_, err := f.s.AddDocument(f.joSup, r.ID, File{Name: name, Body: bytes.NewReader(body)}, false)
			wantCode(t, err, errs.Invalid)
		}
		if after := counts(t, d); after != before {
			t.Fatalf("rows: got %v, want %v unchanged", after, before)
		}
		a := must[Attachment](t)(f.s.AddDocument(f.joSup, r.ID, File{Name: "map.png", Body: bytes.NewReader(pngBytes)}, false))
		if a.Status != Shared || a.ContentType != "image/png" {
			t.Fatalf("got %+v, want a shared PNG", a)
		}
		// Sent to the union: union administrators see it, another member does not.
		must[Request](t)(f.s.Send(f.joSup, r.ID, 0))
		in := must[[]Request](t)(f.s.List(f.union, Filter{Box: "in"}))
		if len(in) != 1 || in[0].ID != r.ID || in[0].ToMemberID != 0 {
			t.Fatalf("union's incoming: got %+v", in)
		}
		if rs := must[[]Request](t)(f.s.List(f.egAdmin, Filter{})); len(rs) != 0 {
			t.Fatalf("EG's list: got %+v, want none", rs)
		}
		must[Request](t)(f.s.Accept(f.union, r.ID, 0))
	})
}

func TestOverdueInTheReceivingInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := must[Request](t)(f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.emergency, Subject: "طارئ", Send: true}))
		if n := must[int](t)(f.s.Overdue(f.egAdmin)); n != 0 {
			t.Fatalf("overdue now: got %d, want 0", n)
		}
		f.clock.Advance(7 * 24 * time.Hour)
		if n := must[int](t)(f.s.Overdue(f.egAdmin)); n != 1 {
			t.Fatalf("overdue a week later: got %d, want 1", n)
		}
		if n := must[int](t)(f.s.Overdue(f.joSup)); n != 0 {
			t.Fatalf("JO's incoming overdue: got %d, want 0", n)
		}
		r = must[Request](t)(f.s.Decline(f.egAdmin, r.ID, r.Version, "خارج اختصاصنا"))
		if r.State != Declined || r.Reason == "" || r.Overdue {
			t.Fatalf("declined: got %+v", r)
		}
		if n := must[int](t)(f.s.Overdue(f.egAdmin)); n != 0 {
			t.Fatalf("overdue after decline: got %d, want 0", n)
		}
		_, err := f.s.Withdraw(f.joSup, r.ID, 0, "x")
		wantCode(t, err, errs.Conflict)
	})
}

func TestTypesKeptByTheUnion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, err := f.s.SaveType(f.egAdmin, Type{Code: "x", NameAR: "س", Personal: None, DeadlineDays: 3})
		wantCode(t, err, errs.Forbidden)
		_, err = f.s.SaveType(f.union, Type{Code: "Bad Code", NameAR: "", Personal: "all", DeadlineDays: 0})
		e := errs.As(err)
		if e == nil || len(e.Fields) != 4 {
			t.Fatalf("got %v, want four fields named", err)
		}
		ty := must[Type](t)(f.s.SaveType(f.union, Type{Code: "medical_referral", NameAR: "إحالة طبية", NameEN: "Medical referral", Personal: Summary, DeadlineDays: 3}))
		ty.DeadlineDays = 4
		ty2 := must[Type](t)(f.s.SaveType(f.union, ty))
		if ty2.Version != 2 || ty2.DeadlineDays != 4 {
			t.Fatalf("got %+v", ty2)
		}
		_, err = f.s.SaveType(f.union, ty) // the version it read is gone
		wantCode(t, err, errs.Conflict)
		_, err = f.s.Create(f.joViewer, NewRequest{To: "EG", TypeID: ty.ID, Subject: "x"})
		wantCode(t, err, errs.Forbidden)
	})
}

// TestExpireEndedRequestsCopies: the personal copies of a request that
// ended before the date lose their contents (the rows stay, with their
// hashes); an open request's and a non-personal document's stay.
func TestExpireEndedRequestsCopies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ended := must[Request](t)(f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.family, Subject: "منتهٍ"}))
		hh := must[Attachment](t)(f.s.AttachHousehold(f.joSup, ended.ID, "H-1", true))
		doc := must[Attachment](t)(f.s.AddDocument(f.joSup, ended.ID, File{Name: "map.png", Body: bytes.NewReader(pngBytes)}, false))
		must[Attachment](t)(f.s.Decide(f.joApp, hh.ID, true, ""))
		must[Request](t)(f.s.Withdraw(f.joSup, ended.ID, 0, "لم يعد لازمًا"))
		open := must[Request](t)(f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.family, Subject: "قائم"}))
		keep := must[Attachment](t)(f.s.AttachHousehold(f.joSup, open.ID, "H-1", false))
		f.clock.Advance(40 * 24 * time.Hour)
		before := f.clock.Now().AddDate(0, 0, -30)
		if n := must[int](t)(f.s.Expire(f.joSup, f.jo, before, true)); n != 1 {
			t.Fatalf("dry run: got %d, want 1", n)
		}
		if n := must[int](t)(f.s.Expire(f.joSup, f.jo, before, false)); n != 1 {
			t.Fatalf("run: got %d, want 1", n)
		}
		_, _, err := f.s.Content(f.joSup, hh.ID)
		wantCode(t, err, errs.NotFound)
		for _, a := range []Attachment{doc, keep} {
			if _, _, err := f.s.Content(f.joSup, a.ID); err != nil {
				t.Errorf("%s: %v, want kept", a.Label, err)
			}
		}
		if as := must[[]Attachment](t)(f.s.Attachments(f.joSup, ended.ID)); len(as) != 2 || as[0].SHA256 == "" {
			t.Fatalf("the rows must stay with their hashes: %+v", as)
		}
	})
}
