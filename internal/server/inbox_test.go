package server

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// pendingKinds is one pending approval of every kind, made on the demo
// data by the people who make them, with what the inbox must name.
type pendingKinds struct {
	d   *db.DB
	url string
	// ids by kind; want the subject's words and link by kind.
	ids  map[string]int64
	want map[string][2]string
	// free is an eligible household of run without an open enrollment;
	// enrolled one enrolled in the program.
	run            program.Run
	program        program.Program
	free, enrolled program.Decision
}

func id64(n int64) string { return strconv.FormatInt(n, 10) }

// makePending proposes one approval of every kind on a fresh demo
// database of dialect dl.
func makePending(t *testing.T, dl db.Dialect) pendingKinds {
	t.Helper()
	d := demoDB(t, dl)
	ts := newServer(t, d)
	fx := &fixture{t: t, d: d}
	sys := actor.System(context.Background())
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	// The inbox tests count the approvals they make below beside the demo's
	// case step: the demo's other waiting approvals (personal data on a
	// coordination request, a placement's registry change) are set aside.
	if err := d.Tx(sys, func(tx *db.Tx) error {
		_, err := tx.Exec(sys, `UPDATE approvals SET status = 'rejected' WHERE status = 'pending' AND kind IN ('coordination_send', 'registry_change')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	manager, finance, joAdmin := fx.as("jo.programs"), fx.as("jo.finance"), fx.as("jo.admin")
	ps, pays := program.New(d), payment.New(d)
	pk := pendingKinds{d: d, url: ts.URL, ids: map[string]int64{}, want: map[string][2]string{}}

	// A targeting run of the child grant, which nobody is enrolled in yet:
	// one household enrolled, one proposed (pending), one left free.
	approver := fx.as("jo.approver")
	child, err := ps.ByCode(sys, jo.ID, "CHILD-GRANT")
	if err != nil {
		t.Fatal(err)
	}
	cv, err := ps.Version(sys, child.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	csp := child.Spec(cv)
	csp.Status = program.Active
	act, err := ps.Apply(manager, jo.ID, csp)
	if err != nil || !act.ActivationProposed {
		t.Fatalf("activating the child grant: %+v, %v", act, err)
	}
	if child, err = ps.DecideChange(approver, act.ApprovalID, true, ""); err != nil {
		t.Fatal(err)
	}
	pk.program = child
	if pk.run, err = ps.Run(manager, child.ID, registry.New(d).EachHousehold, program.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	var eligible []program.Decision
	if err := ps.EachDecision(manager, pk.run.ID, program.DecisionFilter{Eligible: ptrTo(true), ByRank: true, Limit: 10}, func(x program.Decision) error {
		eligible = append(eligible, x)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(eligible) < 3 {
		t.Fatalf("the child grant's run has %d eligible households, want 3", len(eligible))
	}
	pk.enrolled, pk.free = eligible[0], eligible[2]
	one, err := ps.Propose(manager, pk.run.ID, []int64{pk.enrolled.HouseholdID}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Decide(approver, one.ApprovalID, true, ""); err != nil {
		t.Fatal(err)
	}
	prop, err := ps.Propose(manager, pk.run.ID, []int64{eligible[1].HouseholdID}, false)
	if err != nil {
		t.Fatal(err)
	}
	pk.ids["enrollment"] = prop.ApprovalID
	pk.want["enrollment"] = [2]string{"تشغيل الاستهداف " + id64(pk.run.ID) + " لبرنامج " + iso(child.NameAR), "/programs/" + id64(child.ID) + "/enrollments?approval=" + id64(prop.ApprovalID)}

	p, err := ps.ByCode(sys, jo.ID, "CASH-ELDERLY")
	if err != nil {
		t.Fatal(err)
	}
	paid, err := ps.Enrollments(sys, program.EnrollmentFilter{ProgramID: p.ID, Status: program.Enrolled, Limit: 1})
	if err != nil || len(paid) == 0 {
		t.Fatalf("demo enrollments of %s: %d, %v", p.Code, len(paid), err)
	}

	// A change of the program's rules.
	v, err := ps.Version(sys, p.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	sp := p.Spec(v)
	sp.Eligibility = `household.size > 1000`
	a, err := ps.Apply(manager, jo.ID, sp)
	if err != nil || a.Proposal == nil {
		t.Fatalf("rule change: %+v, %v", a, err)
	}
	pk.ids["program_version"] = a.Proposal.ApprovalID
	pk.want["program_version"] = [2]string{"الإصدار " + strconv.Itoa(a.Proposal.Version) + " من قواعد برنامج " + iso(p.NameAR), "/programs/" + id64(p.ID) + "/proposal"}

	// A new program's activation.
	csp.Code, csp.NameAR, csp.NameEN, csp.Status = "WINTER-AID", "معونة الشتاء", "Winter aid", program.Active
	na, err := ps.Apply(manager, jo.ID, csp)
	if err != nil || !na.ActivationProposed {
		t.Fatalf("new program: %+v, %v", na, err)
	}
	pk.ids["program_activation"] = na.ApprovalID
	pk.want["program_activation"] = [2]string{"تفعيل برنامج " + iso("معونة الشتاء"), "/programs/" + id64(na.Program.ID) + "/proposal"}

	// A payment cycle, two months ahead of the demo's.
	now := d.Now().UTC()
	first := time.Date(now.Year(), now.Month()+2, 1, 0, 0, 0, 0, time.UTC)
	c, err := pays.Prepare(finance, payment.ProgramSource(ps), payment.CycleRequest{MemberID: jo.ID, ProgramID: p.ID, PeriodStart: first, PeriodEnd: first.AddDate(0, 1, -1)})
	if err != nil {
		t.Fatal(err)
	}
	pk.ids["payment_cycle"] = c.ApprovalID
	pk.want["payment_cycle"] = [2]string{"دورة صرف برنامج " + iso(p.NameAR) + " للفترة من " + iso(first.Format(time.DateOnly)) + " إلى " + iso(first.AddDate(0, 1, -1).Format(time.DateOnly)), "/payments/cycles/" + id64(c.ID)}

	// A new payment instrument for an enrolled household.
	in, err := pays.ProposeInstrument(finance, payment.Instrument{MemberID: jo.ID, HouseholdID: paid[0].HouseholdID, HouseholdRef: paid[0].HouseholdRef,
		RecipientName: "هالة المومني", Kind: payment.Cash, Provider: "JOPOST"})
	if err != nil {
		t.Fatal(err)
	}
	pk.ids["instrument_change"] = in.ApprovalID
	pk.want["instrument_change"] = [2]string{"وسيلة دفع جديدة للأسرة " + iso(paid[0].HouseholdRef) + " باسم " + iso("هالة المومني"), "/payments/households/" + id64(paid[0].HouseholdID)}

	// A sealed role for a new user: union administrators decide it.
	u, err := auth.New(d).CreateUser(joAdmin, auth.NewUser{MemberID: jo.ID, Username: "jo.integrity2", DisplayName: "سلمى النزيهة", Password: "a long enough password 1", Roles: []actor.Role{actor.IntegrityOfficer}})
	if err != nil || len(u.PendingGrants) != 1 {
		t.Fatalf("sealed role: %+v, %v", u, err)
	}
	pk.ids[auth.RoleGrantKind] = u.PendingGrants[0].Approval.ID
	pk.want[auth.RoleGrantKind] = [2]string{"منح الدور «" + iso("مسؤول النزاهة") + "» للمستخدم " + iso("سلمى النزيهة (jo.integrity2)"), "/users/" + id64(u.ID) + "#pending-grants"}
	return pk
}

func ptrTo[T any](v T) *T { return &v }

// iso is how a subject's names read in a page the test client fetched: the
// client drops the bidi isolates (stripBidi), so the words alone.
func iso(s string) string { return s }

// rowOf returns the table row of approval id on an inbox page.
func rowOf(page string, id int64) string {
	page = html.UnescapeString(page)
	i := strings.Index(page, `value="`+id64(id)+`" id="ap-`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(page[:i], "<tr")
	end := strings.Index(page[i:], "</tr>")
	return page[start : i+end]
}

// TestInboxNamesEveryKindOfSubject: the one inbox lists a pending approval
// of every kind with the maker's name, the subject in words with a link to
// it, its kind, how long it has waited in words, and counts by kind.
func TestInboxNamesEveryKindOfSubject(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			pk := makePending(t, dl)
			// Three days later.
			pk.d.SetClock(calendar.Fixed(pk.d.Now().Add(3*24*time.Hour + time.Hour)))
			admin := newBrowser(t, pk.url)
			admin.login("admin")
			resp, page := admin.do("GET", "/approvals", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("inbox: status %d", resp.StatusCode)
			}
			makers := map[string]string{"enrollment": "jo.programs", "program_version": "jo.programs", "program_activation": "jo.programs",
				"payment_cycle": "jo.finance", "instrument_change": "jo.finance", auth.RoleGrantKind: "jo.admin"}
			for kind, id := range pk.ids {
				row := rowOf(page, id)
				if row == "" {
					t.Errorf("%s: approval %d is not a decidable row of the union administrator's inbox", kind, id)
					continue
				}
				w := pk.want[kind]
				if !strings.Contains(row, w[0]) || !strings.Contains(row, `href="`+w[1]+`"`) {
					t.Errorf("%s: row does not name %q linking %s:\n%s", kind, w[0], w[1], row)
				}
				maker, err := auth.New(pk.d).UserByUsername(actor.System(context.Background()), makers[kind])
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(row, "<bdi>"+maker.DisplayName+"</bdi>") || maker.DisplayName == "" {
					t.Errorf("%s: the maker %q is not shown:\n%s", kind, maker.DisplayName, row)
				}
				if !strings.Contains(row, "3 أيام") {
					t.Errorf("%s: the age is not «3 أيام»:\n%s", kind, row)
				}
				if strings.Contains(row, "program_run") || strings.Contains(row, "payment_instrument") {
					t.Errorf("%s: a table name shows:\n%s", kind, row)
				}
			}
			for _, k := range []string{"تسجيل أسر في برنامج", "تغيير قواعد برنامج", "تفعيل برنامج", "دورة صرف", "تغيير وسيلة الدفع"} {
				if !regexp.MustCompile(regexp.QuoteMeta(k) + ` <span class="badge">1</span>`).MatchString(page) {
					t.Errorf("no count of 1 for kind %q", k)
				}
			}
			// Oldest first: the enrollment was proposed first, the role last.
			if a, b := strings.Index(page, `value="`+id64(pk.ids["enrollment"])+`"`), strings.Index(page, `value="`+id64(pk.ids[auth.RoleGrantKind])+`"`); a > b {
				t.Error("the inbox is not oldest first")
			}

			t.Run("filtered by kind, in English", func(t *testing.T) {
				u, _ := url.Parse(pk.url)
				admin.c.Jar.SetCookies(u, []*http.Cookie{{Name: "tdm_lang", Value: "en", Path: "/"}})
				_, page := admin.do("GET", "/approvals?kind=enrollment", nil)
				if !strings.Contains(page, "Targeting run "+id64(pk.run.ID)+" of the "+iso(pk.program.NameEN)+" program") || !strings.Contains(page, "3 days") {
					t.Error("the English inbox does not name the run with its program, or the age in words")
				}
				if strings.Contains(page, `value="`+id64(pk.ids["payment_cycle"])+`"`) {
					t.Error("the kind filter shows other kinds")
				}
			})
			t.Run("the approver sees the kinds they decide", func(t *testing.T) {
				approver := newBrowser(t, pk.url)
				approver.login("jo.approver")
				_, page := approver.do("GET", "/approvals", nil)
				for kind, id := range pk.ids {
					if got, want := rowOf(page, id) != "", kind != auth.RoleGrantKind; got != want {
						t.Errorf("%s: decidable row shown %v, want %v", kind, got, want)
					}
				}
			})
		})
	}
}

// decideForm is the inbox form deciding ids.
func decideForm(csrf, decision, reason string, confirm bool, ids ...int64) url.Values {
	f := url.Values{"csrf": {csrf}, "decision": {decision}, "reason": {reason}}
	for _, id := range ids {
		f.Add("id", id64(id))
	}
	if confirm {
		f.Set("confirm", "1")
	}
	return f
}

// TestInboxBulkDecisions: ticking several approvals and deciding them with
// one comment asks for a confirmation, then decides each through its own
// service (each audited), and the result page says which succeeded and
// which failed and why; the maker's own row is shown but not decidable.
func TestInboxBulkDecisions(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			pk := makePending(t, dl)
			as := auth.New(pk.d)
			sys := actor.System(context.Background())
			status := func(id int64) auth.Approval {
				t.Helper()
				aps, err := as.Approvals(sys, "", "")
				if err != nil {
					t.Fatal(err)
				}
				for _, ap := range aps {
					if ap.ID == id {
						return ap
					}
				}
				t.Fatalf("approval %d not found", id)
				return auth.Approval{}
			}

			// The manager sees their own proposals, not decidable, with the reason.
			manager := newBrowser(t, pk.url)
			manager.login("jo.programs")
			_, page := manager.do("GET", "/approvals", nil)
			if !strings.Contains(page, html.EscapeString(pk.want["enrollment"][0])) || !strings.Contains(html.UnescapeString(page), "لا يجوز أن يعتمد الشخص ما أعدّه بنفسه") {
				t.Error("the maker's inbox does not show their own proposal with the reason they cannot decide it")
			}
			if strings.Contains(page, `name="id"`) {
				t.Error("the maker is offered a box to decide their own proposal")
			}

			approver := newBrowser(t, pk.url)
			approver.login("jo.approver")
			tok := approver.csrf("/approvals")
			t.Run("rejecting needs a comment", func(t *testing.T) {
				resp, page := approver.do("POST", "/approvals/decisions", decideForm(tok, "reject", "", false, pk.ids["payment_cycle"]))
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "اذكر سبب الرفض") {
					t.Errorf("status %d, want 422 asking for the reason", resp.StatusCode)
				}
			})
			approve := []int64{pk.ids["enrollment"], pk.ids["instrument_change"], pk.ids[auth.RoleGrantKind]}
			resp, page := approver.do("POST", "/approvals/decisions", decideForm(tok, "approve", "checked against the files", false, approve...))
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="confirm" value="1"`) || !strings.Contains(html.UnescapeString(page), pk.want["enrollment"][0]) {
				t.Fatalf("no confirmation page listing the chosen (status %d)", resp.StatusCode)
			}
			if st := status(pk.ids["enrollment"]).Status; st != auth.Pending {
				t.Fatalf("the confirmation page decided already: %s", st)
			}
			resp, page = approver.do("POST", "/approvals/decisions", decideForm(tok, "approve", "checked against the files", true, approve...))
			page = html.UnescapeString(page)
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, "اعتُمدت الطلبات الناجحة (عددها 2)") || !strings.Contains(page, "لم يُبتّ في بعض الطلبات (عددها 1)") {
				t.Fatalf("result page (status %d) does not count 2 approved and 1 failed:\n%.2000s", resp.StatusCode, page)
			}
			// The role grant is not the approver's to decide: reported, not silent.
			if !strings.Contains(page, "طلب الاعتماد غير موجود") && !strings.Contains(page, "ليست لديك صلاحية") {
				t.Errorf("the failed row does not say why")
			}
			for _, id := range approve[:2] {
				if ap := status(id); ap.Status != auth.Approved || ap.Reason != "checked against the files" {
					t.Errorf("approval %d: %s with %q, want approved with the comment", id, ap.Status, ap.Reason)
				}
			}
			if ap := status(pk.ids[auth.RoleGrantKind]); ap.Status != auth.Pending {
				t.Errorf("the role grant was decided by an approver: %s", ap.Status)
			}
			var audited int
			if err := pk.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = 'approval.approved' AND entity_type = 'approval' AND entity_id IN (?, ?)`, id64(approve[0]), id64(approve[1])).Scan(&audited); err != nil {
				t.Fatal(err)
			}
			if audited != 2 {
				t.Errorf("%d audit records of the two approvals, want 2", audited)
			}

			t.Run("bulk reject with a comment", func(t *testing.T) {
				reject := []int64{pk.ids["payment_cycle"], pk.ids["program_version"], pk.ids["enrollment"]}
				resp, page := approver.do("POST", "/approvals/decisions", decideForm(tok, "reject", "wrong period", true, reject...))
				page = html.UnescapeString(page)
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, "رُفضت الطلبات الناجحة (عددها 2)") || !strings.Contains(page, "سبق البت في هذا الطلب") {
					t.Errorf("result page (status %d) does not say 2 rejected and the decided one failed as already decided", resp.StatusCode)
				}
				for _, id := range reject[:2] {
					if ap := status(id); ap.Status != auth.Rejected || ap.Reason != "wrong period" {
						t.Errorf("approval %d: %s with %q, want rejected with the comment", id, ap.Status, ap.Reason)
					}
				}
			})
		})
	}
}

// TestOldApprovalMenusRedirect: the enrollment approvals' old page leads
// to the one inbox, filtered, and the menu has one entry for it.
func TestOldApprovalMenusRedirect(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.approver")
	resp, _ := b.do("GET", "/enrollment-approvals", nil)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/approvals?kind=enrollment" {
		t.Errorf("old enrollment approvals: status %d to %q, want 301 to /approvals?kind=enrollment", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := b.do("GET", "/", nil)
	if n := strings.Count(page, `href="/approvals"`); n < 1 || strings.Contains(page, `href="/enrollment-approvals"`) || strings.Contains(page, "اعتماد التسجيل") {
		t.Errorf("the menu does not have one approvals entry (%d links to /approvals)", n)
	}
}

// TestRunPageDisablesOpenHouseholds: on a run's page, households already
// enrolled in the program cannot be ticked and say why; a proposal naming
// one of them still proposes the others.
func TestRunPageDisablesOpenHouseholds(t *testing.T) {
	pk := makePending(t, db.SQLite)
	manager := newBrowser(t, pk.url)
	manager.login("jo.programs")
	path := "/runs/" + id64(pk.run.ID)
	_, page := manager.do("GET", path+"?show=eligible", nil)
	if strings.Contains(page, `name="household" value="`+id64(pk.enrolled.HouseholdID)+`"`) {
		t.Error("an enrolled household can be ticked on the run page")
	}
	if !strings.Contains(page, `<input type="checkbox" disabled aria-label="`+pk.enrolled.HouseholdRef+`: مسجلة في البرنامج">`) {
		t.Error("the enrolled household's box is not disabled with the reason")
	}
	if !strings.Contains(page, `name="household" value="`+id64(pk.free.HouseholdID)+`"`) {
		t.Error("a household not enrolled cannot be ticked")
	}
	f := url.Values{"csrf": {manager.csrf(path)}, "household": {id64(pk.enrolled.HouseholdID), id64(pk.free.HouseholdID)}}
	resp, body := manager.do("POST", path+"/proposals", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("proposing with an enrolled household: status %d, want 303: %.300s", resp.StatusCode, body)
	}
	es, err := program.New(pk.d).Enrollments(actor.System(context.Background()), program.EnrollmentFilter{ProgramID: pk.program.ID, Status: program.Proposed, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range es {
		found = found || e.HouseholdID == pk.free.HouseholdID
	}
	if !found {
		t.Error("the household not enrolled was not proposed")
	}
}

// TestWaitingCountsWhatTheUserDecides: the dashboard's figure counts, by
// kind, the pending approvals the user may decide — not their own, not the
// kinds they do not decide — with the one that has waited longest.
func TestWaitingCountsWhatTheUserDecides(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			pk := makePending(t, dl)
			fx := &fixture{t: t, d: pk.d}
			as := auth.New(pk.d)
			cases := []struct {
				user  string
				total int
				kinds map[string]int
			}{
				// The demo's own case waiting for its supervisor (made before the
				// approvals below, so the oldest) is the union administrator's too.
				{"admin", 7, map[string]int{"enrollment": 1, "program_version": 1, "program_activation": 1, "payment_cycle": 1, "instrument_change": 1, auth.RoleGrantKind: 1, "case_step": 1}},
				{"jo.approver", 5, map[string]int{"enrollment": 1, "program_version": 1, "program_activation": 1, "payment_cycle": 1, "instrument_change": 1}},
				{"jo.programs", 0, map[string]int{}},
				{"eg.admin", 0, map[string]int{}},
			}
			for _, c := range cases {
				w, err := as.Waiting(fx.as(c.user))
				if err != nil {
					t.Fatal(err)
				}
				if w.Total != c.total || len(w.ByKind) != len(c.kinds) {
					t.Errorf("%s: got %d waiting %v, want %d %v", c.user, w.Total, w.ByKind, c.total, c.kinds)
				}
				for k, n := range c.kinds {
					if w.ByKind[k] != n {
						t.Errorf("%s: %s: got %d, want %d", c.user, k, w.ByKind[k], n)
					}
				}
				switch {
				case c.total == 0 && w.Oldest != nil:
					t.Errorf("%s: an oldest with nothing waiting", c.user)
				case c.kinds["case_step"] > 0 && (w.Oldest == nil || w.Oldest.Kind != "case_step" || w.Oldest.MakerName == ""):
					t.Errorf("%s: oldest %+v, want the demo's case step with its maker", c.user, w.Oldest)
				case c.kinds["case_step"] == 0 && c.total > 0 && (w.Oldest == nil || w.Oldest.ID != pk.ids["enrollment"] || w.Oldest.MakerName == ""):
					t.Errorf("%s: oldest %+v, want approval %d with its maker", c.user, w.Oldest, pk.ids["enrollment"])
				}
			}
		})
	}
}

// TestInboxAPI: the API lists the inbox with the page's fields and decides
// in bulk, reporting each failure by row.
func TestInboxAPI(t *testing.T) {
	pk := makePending(t, db.SQLite)
	sys := actor.System(context.Background())
	as := auth.New(pk.d)
	u, err := as.UserByUsername(sys, "jo.approver")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := as.CreateToken(sys, u.ID, "inbox test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body, lang string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, pk.url+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, out := call("GET", "/approvals/inbox", "", "en")
	items, _ := out["items"].([]any)
	if status != http.StatusOK || len(items) != 5 {
		t.Fatalf("inbox: status %d, %d items, want 200 and 5: %v", status, len(items), out)
	}
	first := items[0].(map[string]any)
	for _, f := range []string{"maker_name", "subject", "link", "age", "kind_name", "status_name"} {
		if s, _ := first[f].(string); s == "" {
			t.Errorf("the first item has no %s: %v", f, first)
		}
	}
	if first["decidable"] != true || first["age_seconds"] == nil || !strings.HasPrefix(first["subject"].(string), "Targeting run ") {
		t.Errorf("the first item is not the decidable enrollment proposal named in English: %v", first)
	}
	if kinds, _ := out["kinds"].([]any); len(kinds) != 5 {
		t.Errorf("kinds: got %v, want 5 kinds", out["kinds"])
	}

	body := `{"ids":[` + id64(pk.ids["payment_cycle"]) + `,` + id64(pk.ids[auth.RoleGrantKind]) + `],"approve":false,"reason":"wrong period"}`
	status, out = call("POST", "/approvals/decisions", body, "ar")
	rs, _ := out["results"].([]any)
	if status != http.StatusOK || out["rejected"] != 1.0 || out["failed"] != 1.0 || len(rs) != 2 {
		t.Fatalf("bulk: status %d, %v; want 200 with 1 rejected and 1 failed", status, out)
	}
	if r := rs[1].(map[string]any); r["ok"] != false || r["code"] != "not_found" || r["message"] != "طلب الاعتماد غير موجود." {
		t.Errorf("the failed row does not say why in Arabic: %v", r)
	}
	status, out = call("POST", "/approvals/decisions", body, "en")
	if status != http.StatusConflict || len(out["error"].(map[string]any)["fields"].([]any)) != 2 {
		t.Errorf("nothing decided: status %d, %v; want 409 naming both rows", status, out)
	}
}
