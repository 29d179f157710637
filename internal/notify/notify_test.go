package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/notify"
)

func enrolled(memberID, household int64) notify.Event {
	return notify.Event{Kind: notify.EnrollmentEnrolled, MemberID: memberID, HouseholdID: household, EntityType: "program_enrollment", EntityID: "7",
		Args: map[string]string{"program": "دعم نقدي", "start": "2026-05-01", "benefit": "50.000 JOD"}}
}

func TestEnqueueIsPartOfTheEventsTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.jo, "POST", "")
		h := f.household(f.jo, "H1", "0791234567", ptr(true), "ar", "")
		boom := errors.New("the event failed")
		err := d.Tx(context.Background(), func(tx *db.Tx) error {
			if err := f.svc.Enqueue(sys(), tx, enrolled(f.jo, h)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want the event's error", err)
		}
		if ns := f.list(f.jo); len(ns) != 0 {
			t.Fatalf("a rolled-back event left %d notifications", len(ns))
		}
		f.enqueue(enrolled(f.jo, h))
		ns := f.list(f.jo)
		if len(ns) != 1 || ns[0].Status != notify.Queued || ns[0].Channel != notify.SMS {
			t.Fatalf("got %+v, want one queued SMS", ns)
		}
	})
}

func TestSendsSMSOnceWithTheGatewaysParameters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, method := range []string{"GET", "POST"} {
			t.Run(method, func(t *testing.T) {
				f.gw.got = nil
				f.smsOn(f.jo, method, `^OK \d+`)
				h := f.household(f.jo, "H-"+method, "٠٧٩ ١٢٣ ٤٥٦٧", ptr(true), "", "")
				f.enqueue(enrolled(f.jo, h))
				if n := f.pass(); n != 1 {
					t.Fatalf("pass sent %d, want 1", n)
				}
				if n := f.pass(); n != 0 {
					t.Fatalf("a second pass sent %d, want 0", n)
				}
				reqs := f.gw.requests()
				if len(reqs) != 1 {
					t.Fatalf("gateway got %d requests, want 1", len(reqs))
				}
				r := reqs[0]
				if r.Get("to") != "962791234567" || r.Get("from") != "Tadamun" || r.Get("key") != "secret-key-123" || r.Get("user") != "tadamun" {
					t.Errorf("gateway parameters %v", r)
				}
				if !strings.Contains(r.Get("msg"), "سعاد محمد العلي") || !strings.Contains(r.Get("msg"), "دعم نقدي") || !strings.Contains(r.Get("msg"), "الأردن") {
					t.Errorf("text %q lacks the name, program or member", r.Get("msg"))
				}
				ns := f.list(f.jo)
				n := f.get(ns[0].ID)
				if n.Status != notify.Sent || n.SentAt == nil || n.Attempts != 1 || len(n.AttemptList) != 1 || n.AttemptList[0].Outcome != "sent" {
					t.Fatalf("got %+v, want sent after one attempt", n)
				}
				if n.Recipient == "+962791234567" || !strings.HasSuffix(n.Recipient, "567") {
					t.Errorf("recipient %q is not masked", n.Recipient)
				}
				if !strings.Contains(n.AttemptList[0].Answer, "OK 1234") {
					t.Errorf("answer %q not recorded", n.AttemptList[0].Answer)
				}
			})
		}
	})
}

func TestRetriesWithBackoffThenFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.jo, "POST", "") // three attempts
		h := f.household(f.jo, "H1", "0791234567", ptr(true), "ar", "")
		f.gw.answer(503, "busy")
		f.enqueue(enrolled(f.jo, h))
		if f.pass() != 1 {
			t.Fatal("first attempt not made")
		}
		id := f.list(f.jo)[0].ID
		n := f.get(id)
		if n.Status != notify.Queued || !n.NextAt.Equal(start.Add(time.Minute)) || n.Reason != notify.ReasonGateway {
			t.Fatalf("after a failure: %s %s next %v, want queued, gateway, in a minute", n.Status, n.Reason, n.NextAt)
		}
		if f.pass() != 0 {
			t.Fatal("retried before the backoff")
		}
		f.clock.Advance(time.Minute)
		if f.pass() != 1 {
			t.Fatal("second attempt not made after a minute")
		}
		if n = f.get(id); !n.NextAt.Equal(start.Add(3 * time.Minute)) {
			t.Fatalf("second backoff: next %v, want two minutes later", n.NextAt)
		}
		f.clock.Advance(time.Minute)
		if f.pass() != 0 {
			t.Fatal("retried before the doubled backoff")
		}
		f.clock.Advance(time.Minute)
		if f.pass() != 1 {
			t.Fatal("third attempt not made")
		}
		n = f.get(id)
		if n.Status != notify.Failed || n.Attempts != 3 || len(n.AttemptList) != 3 {
			t.Fatalf("after three failures: %s, %d attempts, want failed", n.Status, n.Attempts)
		}
		for _, a := range n.AttemptList {
			if a.Outcome != "failed" || !strings.Contains(a.Answer, "HTTP 503: busy") {
				t.Errorf("attempt %d: %s %q", a.Attempt, a.Outcome, a.Answer)
			}
		}
		f.clock.Advance(time.Hour)
		if f.pass() != 0 {
			t.Fatal("a failed message was sent again by itself")
		}
		// An officer retries it: sent once more, with the gateway back.
		f.gw.answer(200, "OK 1")
		if _, err := f.svc.Retry(sys(), id); err != nil {
			t.Fatal(err)
		}
		if f.pass() != 1 || f.get(id).Status != notify.Sent {
			t.Fatalf("retried message: %s, want sent", f.get(id).Status)
		}
		if _, err := f.svc.Retry(sys(), id); !errs.Is(err, errs.Conflict) {
			t.Fatalf("retry of a sent message: %v, want conflict", err)
		}
		if got := len(f.gw.requests()); got != 4 {
			t.Errorf("gateway got %d requests, want 4", got)
		}
	})
}

func TestSuccessPatternMismatchIsAFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.jo, "POST", `^OK`)
		f.gw.answer(200, "ERR 17 insufficient balance for secret-key-123")
		h := f.household(f.jo, "H1", "0791234567", ptr(true), "ar", "")
		f.enqueue(enrolled(f.jo, h))
		f.pass()
		n := f.get(f.list(f.jo)[0].ID)
		if n.Status != notify.Queued || n.Reason != notify.ReasonGateway || n.AttemptList[0].Outcome != "failed" {
			t.Fatalf("got %s %s %s, want a failed attempt queued again", n.Status, n.Reason, n.AttemptList[0].Outcome)
		}
		if a := n.AttemptList[0].Answer; !strings.Contains(a, "ERR 17") || strings.Contains(a, "secret-key-123") {
			t.Errorf("answer %q: want the provider's words without the API key", a)
		}
	})
}

func TestNothingSentWithoutConsent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.jo, "POST", "")
		cases := []struct {
			name    string
			phone   string
			consent *bool
			reason  string
		}{
			{"consent not recorded", "0791234567", nil, notify.ReasonNoConsent},
			{"consent refused", "0791234567", ptr(false), notify.ReasonNoConsent},
			{"no phone", "", ptr(true), notify.ReasonNoAddress},
			{"no phone nor consent", "", nil, notify.ReasonNoConsent},
		}
		for i, c := range cases {
			h := f.household(f.jo, "N"+string(rune('A'+i)), c.phone, c.consent, "ar", "")
			f.enqueue(enrolled(f.jo, h))
			n := f.list(f.jo)[0]
			if n.Status != notify.Skipped || n.Reason != c.reason {
				t.Errorf("%s: got %s %q, want skipped %q", c.name, n.Status, n.Reason, c.reason)
			}
		}
		// A complainant's own contact: consent given with it, but no number.
		f.enqueue(notify.Event{Kind: notify.GrievanceReceived, MemberID: f.jo, To: &notify.Recipient{Phone: "12", Consent: true}, Args: map[string]string{"number": "4", "code": "ABCD-EFGH"}})
		if n := f.list(f.jo)[0]; n.Status != notify.Skipped || n.Reason != notify.ReasonBadPhone {
			t.Errorf("a phone that is no number: got %s %q", n.Status, n.Reason)
		}
		if f.pass() != 0 || len(f.gw.requests()) != 0 {
			t.Fatal("a message was sent without consent or address")
		}
	})
}

func TestTextsInThePersonsLanguageAndTheMembersOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.jo, "POST", "")
		ar := f.household(f.jo, "AR", "0791234567", ptr(true), "ar", "")
		en := f.household(f.jo, "EN", "0791234568", ptr(true), "en", "")
		f.enqueue(enrolled(f.jo, ar), enrolled(f.jo, en))
		ns := f.list(f.jo)
		byLang := map[string]string{}
		for _, n := range ns {
			byLang[n.Lang] = n.Body
		}
		if !strings.Contains(byLang["ar"], "تم تسجيل أسرتكم AR") || !strings.Contains(byLang["en"], "your household EN is enrolled") || !strings.Contains(byLang["en"], "Jordan") {
			t.Fatalf("texts %q", byLang)
		}
		for _, b := range byLang {
			if strings.Contains(b, "{") {
				t.Errorf("unfilled placeholder in %q", b)
			}
		}
		// The member's own English text, with a placeholder it may use.
		if _, err := f.svc.SaveTemplate(sys(), f.jo, notify.Template{Event: notify.EnrollmentEnrolled, Channel: notify.SMS, Lang: "en", Body: "Welcome to {program}, {name}!"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveTemplate(sys(), f.jo, notify.Template{Event: notify.EnrollmentEnrolled, Channel: notify.SMS, Lang: "en", Body: "Your {password}"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown placeholder: %v, want invalid", err)
		}
		f.enqueue(enrolled(f.jo, en))
		if b := f.list(f.jo)[0].Body; b != "Welcome to دعم نقدي, سعاد محمد العلي!" {
			t.Errorf("member's text gave %q", b)
		}
		// EG's texts are still the catalog's.
		ts, err := f.svc.Templates(sys(), f.eg)
		if err != nil {
			t.Fatal(err)
		}
		for _, tp := range ts {
			if tp.Custom {
				t.Errorf("EG has JO's text %+v", tp)
			}
		}
	})
}

func TestEmailThroughSMTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		srv := newSMTP(t)
		if _, err := f.svc.SaveSettings(sys(), f.jo, notify.Settings{EmailEnabled: true, SMTPHost: "127.0.0.1", SMTPPort: srv.port(), SMTPSecurity: "none",
			SMTPUser: "mailer", SMTPPassword: "smtp-pass-456", SMTPFrom: "Tadamun <no-reply@tadamun.example>"}); err != nil {
			t.Fatal(err)
		}
		h := f.household(f.jo, "M1", "", ptr(true), "en", "suad@example.org")
		f.enqueue(enrolled(f.jo, h))
		if f.pass() != 1 {
			t.Fatal("no e-mail sent")
		}
		ms := srv.messages()
		if len(ms) != 1 || ms[0].to != "suad@example.org" || !strings.Contains(ms[0].from, "no-reply@tadamun.example") {
			t.Fatalf("messages %+v", ms)
		}
		if b := ms[0].body(); !strings.Contains(b, "Dear سعاد محمد العلي") || !strings.Contains(b, "appeal") {
			t.Errorf("body %q", b)
		}
		if !strings.Contains(ms[0].data, "Subject: =?utf-8?q?Your_household_is_enrolled_in_") {
			t.Errorf("subject not encoded: %q", ms[0].data)
		}
		n := f.get(f.list(f.jo)[0].ID)
		if n.Status != notify.Sent || n.Recipient != "s•••@example.org" {
			t.Errorf("got %s to %s", n.Status, n.Recipient)
		}
		// Unreachable server: the attempt says so, and it waits to retry.
		srv.ln.Close()
		f.enqueue(enrolled(f.jo, h))
		f.pass()
		if n := f.get(f.list(f.jo)[0].ID); n.Status != notify.Queued || n.Reason != notify.ReasonUnreachable {
			t.Errorf("unreachable server: %s %s", n.Status, n.Reason)
		}
	})
}

func TestSecretsAreNeverShownBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.jo, "POST", "")
		st, err := f.svc.Settings(sys(), f.jo)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(st)
		if strings.Contains(string(b), "secret-key-123") || !st.SMSAPIKeySet {
			t.Fatalf("settings answer %s", b)
		}
		// Saving without the key keeps it: the gateway still gets it.
		st.SMSSender = "Other"
		if _, err := f.svc.SaveSettings(sys(), f.jo, st); err != nil {
			t.Fatal(err)
		}
		h := f.household(f.jo, "H1", "0791234567", ptr(true), "ar", "")
		f.enqueue(enrolled(f.jo, h))
		f.pass()
		if r := f.gw.requests(); len(r) != 1 || r[0].Get("key") != "secret-key-123" || r[0].Get("from") != "Other" {
			t.Fatalf("gateway got %v", r)
		}
		// The audit log says the key changed, never what it is.
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = 'notify.settings.save'`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d audit records (%v), want 2", n, err)
		}
		rows, err := d.Query(context.Background(), `SELECT * FROM audit_records`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if s, ok := v.(string); ok && strings.Contains(s, "secret-key-123") {
					t.Fatal("the API key is in the audit log")
				}
				if s, ok := v.([]byte); ok && strings.Contains(string(s), "secret-key-123") {
					t.Fatal("the API key is in the audit log")
				}
			}
		}
	})
}

func TestTwoSendersSendEachMessageOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.jo, "POST", "")
		var events []notify.Event
		for i := range 20 {
			h := f.household(f.jo, "R"+string(rune('A'+i)), "07912345"+string(rune('0'+i/10))+string(rune('0'+i%10)), ptr(true), "ar", "")
			events = append(events, enrolled(f.jo, h))
		}
		f.enqueue(events...)
		other := notify.New(d, notify.Options{Clock: f.clock.Clock(), HTTP: f.gw.srv.Client()})
		var wg sync.WaitGroup
		sent := make([]int, 2)
		for i, s := range []*notify.Service{f.svc, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.Pass(sys())
				if err != nil {
					t.Error(err)
				}
				sent[i] = n
			}()
		}
		wg.Wait()
		if sent[0]+sent[1] != 20 {
			t.Errorf("senders attempted %d and %d, want 20 in all", sent[0], sent[1])
		}
		seen := map[string]int{}
		for _, r := range f.gw.requests() {
			seen[r.Get("to")]++
		}
		if len(seen) != 20 {
			t.Errorf("gateway saw %d numbers, want 20", len(seen))
		}
		for to, n := range seen {
			if n != 1 {
				t.Errorf("%s got %d messages, want 1", to, n)
			}
		}
	})
}

func TestStoppedSenderLeavesUnknownNotResent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.jo, "POST", "")
		h := f.household(f.jo, "H1", "0791234567", ptr(true), "ar", "")
		f.enqueue(enrolled(f.jo, h))
		id := f.list(f.jo)[0].ID
		// A sender claimed it and stopped before recording the answer.
		if err := d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE notifications SET status = 'sending', attempts = 1 WHERE id = ?`, id)
			if err != nil {
				return err
			}
			_, err = tx.Exec(context.Background(), `INSERT INTO notification_attempts (member_id, notification_id, attempt, channel, at, outcome) VALUES (?, ?, 1, 'sms', ?, 'sending')`, f.jo, id, start)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.Recover(sys())
		if err != nil || n != 1 {
			t.Fatalf("recovered %d (%v), want 1", n, err)
		}
		f.clock.Advance(24 * time.Hour)
		if f.pass() != 0 || len(f.gw.requests()) != 0 {
			t.Fatal("a message of unknown fate was resent by itself")
		}
		got := f.get(id)
		if got.Status != notify.Unknown || got.Reason != notify.ReasonStopped || got.AttemptList[0].Outcome != "unknown" {
			t.Fatalf("got %s %s %s", got.Status, got.Reason, got.AttemptList[0].Outcome)
		}
	})
}

func TestMembersSeeOnlyTheirOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.smsOn(f.eg, "POST", "")
		h := f.household(f.eg, "E1", "01001234567", ptr(true), "ar", "")
		f.enqueue(enrolled(f.eg, h))
		egMsg := f.list(f.eg)[0].ID
		jo := asUser(f.jo, actor.MemberAdmin)
		if ns, err := f.svc.List(jo, notify.Filter{MemberID: f.eg}); err != nil || len(ns) != 0 {
			t.Errorf("JO listing EG: %d (%v), want none", len(ns), err)
		}
		if _, err := f.svc.Get(jo, egMsg); !errs.Is(err, errs.NotFound) {
			t.Errorf("JO reading EG's message: %v, want not found", err)
		}
		if _, err := f.svc.Retry(jo, egMsg); !errs.Is(err, errs.NotFound) {
			t.Errorf("JO retrying EG's message: %v, want not found", err)
		}
		if _, err := f.svc.Settings(jo, f.eg); !errs.Is(err, errs.NotFound) {
			t.Errorf("JO reading EG's settings: %v, want not found", err)
		}
		if _, err := f.svc.SaveSettings(asUser(f.jo, actor.GrievanceOfficer), f.jo, notify.Settings{}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a grievance officer saving settings: %v, want forbidden", err)
		}
		if n := f.get(egMsg); n.Recipient != "+201•••567" {
			t.Errorf("EG's recipient shown as %q", n.Recipient)
		}
	})
}

func TestE164(t *testing.T) {
	for _, c := range []struct {
		phone, cc, want string
		ok              bool
	}{
		{"0791234567", "962", "+962791234567", true},
		{"٠٧٩١٢٣٤٥٦٧", "962", "+962791234567", true},
		{"+962 79 123 4567", "962", "+962791234567", true},
		{"00201001234567", "962", "+201001234567", true},
		{"01001234567", "20", "+201001234567", true},
		{"+201001234567", "", "+201001234567", true},
		{"0791234567", "", "", false},
		{"123", "962", "", false},
	} {
		got, ok := notify.E164(c.phone, c.cc)
		if got != c.want || ok != c.ok {
			t.Errorf("E164(%q, %q) = %q %v, want %q %v", c.phone, c.cc, got, ok, c.want, c.ok)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"+962791234567": "+962•••567", "suad@example.org": "s•••@example.org", "": "", "12": "•••"} {
		if got := notify.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}
