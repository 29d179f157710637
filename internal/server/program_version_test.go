package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// programEditForm is the program editor's form for program p with its
// eligibility rule replaced by eligibility, as a person would submit it.
func programEditForm(p program.Program, v program.Version, eligibility, csrf string) url.Values {
	sp := p.Spec(v)
	f := url.Values{"csrf": {csrf}, "program_id": {strconv.FormatInt(p.ID, 10)}, "code": {sp.Code}, "name_ar": {sp.NameAR}, "name_en": {sp.NameEN},
		"kind": {sp.Kind}, "target_groups": sp.TargetGroups, "frequency": {sp.Frequency}, "start_date": {sp.StartDate}, "end_date": {sp.EndDate},
		"budget": {sp.Budget}, "eligibility": {eligibility}, "score": {sp.Score}, "score_order": {sp.ScoreOrder}, "benefit": {sp.Benefit},
		"note": {"stricter income line"}}
	if sp.Cap != nil {
		if sp.Cap.Households != nil {
			f.Set("cap_households", strconv.FormatInt(*sp.Cap.Households, 10))
		}
		f.Set("cap_budget", sp.Cap.Budget)
	}
	if sp.FairnessThreshold != nil {
		f.Set("fairness_threshold", strconv.FormatFloat(*sp.FairnessThreshold, 'f', -1, 64))
	}
	return f
}

// ruleChange is the demo's active program CASH-ELDERLY whose eligibility
// jo.programs has just changed in the web editor, to a rule nobody meets.
type ruleChange struct {
	d        *db.DB
	ps       *program.Service
	url      string
	program  program.Program // before the change
	old      string          // the eligibility in force
	new      string          // the proposed eligibility
	manager  *browser        // jo.programs, signed in
	managerC context.Context
}

func proposeRuleChange(t *testing.T, dl db.Dialect) ruleChange {
	t.Helper()
	d := demoDB(t, dl)
	ts := newServer(t, d)
	sys := actor.System(context.Background())
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	ps := program.New(d)
	p, err := ps.ByCode(sys, jo.ID, "CASH-ELDERLY")
	if err != nil || p.Status != program.Active {
		t.Fatalf("demo program: %+v, %v", p, err)
	}
	v, err := ps.Version(sys, p.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	rc := ruleChange{d: d, ps: ps, url: ts.URL, program: p, old: v.Rules.Eligibility, new: `household.size > 1000`,
		manager: newBrowser(t, ts.URL), managerC: (&fixture{t: t, d: d}).as("jo.programs")}
	rc.manager.login("jo.programs")
	edit := "/programs/" + strconv.FormatInt(p.ID, 10) + "/edit"
	resp, body := rc.manager.do("POST", "/programs", programEditForm(p, v, rc.new, rc.manager.csrf(edit)))
	if want := "/programs/" + strconv.FormatInt(p.ID, 10) + "/proposal"; resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("saving the edited rules: status %d, location %q, want 303 to %s: %.400s", resp.StatusCode, resp.Header.Get("Location"), want, body)
	}
	return rc
}

func (rc ruleChange) portal(t *testing.T) string {
	t.Helper()
	resp, page := newBrowser(t, rc.url).do("GET", "/portal/programs", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("portal: status %d", resp.StatusCode)
	}
	return html.UnescapeString(page)
}

func (rc ruleChange) run(t *testing.T) program.Run {
	t.Helper()
	r, err := rc.ps.Run(rc.managerC, rc.program.ID, registry.New(rc.d).EachHousehold, program.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestActiveProgramRuleChangeNeedsApproval: editing an active program's
// eligibility makes a proposal; until a second person approves it, the
// public portal and new targeting runs keep the rule in force, and the
// person who proposed it cannot approve it.
func TestActiveProgramRuleChangeNeedsApproval(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			rc := proposeRuleChange(t, dl)
			id := strconv.FormatInt(rc.program.ID, 10)

			p, err := rc.ps.Get(rc.managerC, rc.program.ID)
			if err != nil || p.Version != rc.program.Version || p.Proposed != rc.program.Version+1 || p.ProposalApprovalID == 0 {
				t.Fatalf("after the edit: version %d in force, %d proposed (approval %d), %v; want %d in force, %d proposed",
					p.Version, p.Proposed, p.ProposalApprovalID, err, rc.program.Version, rc.program.Version+1)
			}
			if page := rc.portal(t); !strings.Contains(page, rc.old) || strings.Contains(page, rc.new) {
				t.Error("the public portal shows the proposed rule, or not the rule in force, before approval")
			}
			before := rc.run(t)
			if before.Version != rc.program.Version || before.Eligible == 0 {
				t.Fatalf("a run before approval used version %d (%d eligible), want version %d in force with its eligible households", before.Version, before.Eligible, rc.program.Version)
			}

			// The maker cannot approve: not on the page, not through it.
			resp, _ := rc.manager.do("POST", "/programs/"+id+"/proposal", url.Values{"csrf": {rc.manager.csrf("/programs/" + id)},
				"approval": {strconv.FormatInt(p.ProposalApprovalID, 10)}, "decision": {"approve"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("jo.programs approving their own proposal: status %d, want 403", resp.StatusCode)
			}
			if _, err := rc.ps.DecideChange(rc.managerC, p.ProposalApprovalID, true, ""); err == nil {
				t.Error("jo.programs approved their own proposal through the service")
			}
			if page := rc.portal(t); strings.Contains(page, rc.new) {
				t.Error("the proposed rule is public after the maker's refused approval")
			}

			approver := newBrowser(t, rc.url)
			approver.login("jo.approver")
			resp, body := approver.do("POST", "/programs/"+id+"/proposal", url.Values{"csrf": {approver.csrf("/programs/" + id + "/proposal")},
				"approval": {strconv.FormatInt(p.ProposalApprovalID, 10)}, "decision": {"approve"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("jo.approver approving: status %d, want 303: %.400s", resp.StatusCode, body)
			}
			if page := rc.portal(t); !strings.Contains(page, rc.new) || strings.Contains(page, rc.old) {
				t.Error("after approval the public portal does not show the new rule in place of the old one")
			}
			after := rc.run(t)
			if after.Version != rc.program.Version+1 || after.Eligible != 0 {
				t.Errorf("a run after approval used version %d with %d eligible, want version %d with nobody eligible", after.Version, after.Eligible, rc.program.Version+1)
			}
			for _, action := range []string{"program.version.propose", "approval.propose", "approval.approved", "program.version.approved"} {
				var n int
				if err := rc.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = ? AND member_id = ?`, action, rc.program.MemberID).Scan(&n); err != nil || n == 0 {
					t.Errorf("no audit record %s (%v)", action, err)
				}
			}
		})
	}
}

// TestProposalPageOffersComparison: the approver sees the proposal beside
// the rules in force, is offered the what-if over the registry, and gets
// the households that would lose selection; the program page and the
// approvals list lead to it.
func TestProposalPageOffersComparison(t *testing.T) {
	rc := proposeRuleChange(t, db.SQLite)
	id := strconv.FormatInt(rc.program.ID, 10)
	approver := newBrowser(t, rc.url)
	approver.login("jo.approver")

	_, page := approver.do("GET", "/programs/"+id, nil)
	if page = html.UnescapeString(page); !strings.Contains(page, `href="/programs/`+id+`/proposal"`) || !strings.Contains(page, rc.new) {
		t.Error("the program page does not show the pending proposal with its rule and a link to it")
	}
	_, page = approver.do("GET", "/approvals", nil)
	if !strings.Contains(page, `href="/programs/`+id+`/proposal"`) || !strings.Contains(page, "تغيير قواعد برنامج") {
		t.Error("the approvals list does not link the rule change to its proposal page")
	}
	resp, page := approver.do("GET", "/programs/"+id+"/proposal", nil)
	page = html.UnescapeString(page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, rc.old) || !strings.Contains(page, rc.new) {
		t.Fatalf("the proposal page (status %d) does not show both rules side by side", resp.StatusCode)
	}
	if !strings.Contains(page, `name="whatif"`) || !strings.Contains(page, `name="decision" value="approve"`) {
		t.Error("the proposal page does not offer the what-if comparison and the decision")
	}
	c, err := rc.ps.Compare(rc.managerC, rc.program.ID, rc.program.Version, rc.program.Version+1, registry.New(rc.d).EachHousehold, time.Time{})
	if err != nil || c.Lose == 0 || c.Gain != 0 {
		t.Fatalf("comparison: %+v, %v; want households that lose and none that gain", c, err)
	}
	resp, page = approver.do("GET", "/programs/"+id+"/proposal?whatif=1&as_of="+c.AsOf, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "أسر تخرج من الاختيار") || !strings.Contains(page, c.Lost[0]) {
		t.Errorf("the what-if (status %d) does not list the households that would lose selection, e.g. %s", resp.StatusCode, c.Lost[0])
	}
	_, page = rc.manager.do("GET", "/programs/"+id+"/proposal", nil)
	if strings.Contains(page, `name="decision"`) {
		t.Error("the maker is offered the decision on their own proposal")
	}
}
