package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// planRow is one line of the plan form: a goal or an action.
type planRow struct {
	Text, Status, Due, Outcome string
	Owner                      int64
	Done                       bool
}

type casePlanPage struct {
	CaseID     int64
	Plan       referral.Plan
	Goals      []planRow // the form's goals, with blank lines to add
	Actions    []planRow
	Version    int64
	Conflict   *referral.PlanConflict
	Owners     []Option
	GoalStates []Option
	Names      map[int64]string
	Referrals  []referralRow
	Loc        *time.Location
}

func (s *Server) casePlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Referrals.Plan(r.Context(), id)
	if err != nil {
		return err
	}
	pg := casePlanPage{CaseID: id, Plan: p, Version: p.Version}
	for _, g := range p.Goals {
		pg.Goals = append(pg.Goals, planRow{Text: g.Text, Status: g.Status})
	}
	for _, a := range p.Actions {
		pg.Actions = append(pg.Actions, planRow{Text: a.Text, Owner: a.OwnerID, Due: a.Due, Done: a.Done, Outcome: a.Outcome})
	}
	return s.renderPlan(w, r, pg, nil, http.StatusOK)
}

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, pg casePlanPage, f *Form, status int) error {
	l := Lang(r)
	ctx := r.Context()
	pg.Loc = s.memberZone(ctx, pg.Plan.MemberID)
	for range 2 {
		pg.Goals = append(pg.Goals, planRow{Status: "open"})
		pg.Actions = append(pg.Actions, planRow{})
	}
	cs, err := s.Referrals.Colleagues(ctx, pg.Plan.MemberID)
	if err != nil {
		return err
	}
	pg.Owners = []Option{{"", tr(l, "referral.nobody")}}
	pg.Names = map[int64]string{}
	for _, c := range cs {
		pg.Owners = append(pg.Owners, Option{strconv.FormatInt(c.ID, 10), c.Name})
		pg.Names[c.ID] = c.Name
	}
	for _, st := range referral.GoalStatuses {
		pg.GoalStates = append(pg.GoalStates, Option{st, tr(l, "referral.goal_status."+st)})
	}
	rs, err := s.Referrals.CaseReferrals(ctx, pg.CaseID)
	if err != nil {
		return err
	}
	if pg.Referrals, err = s.referralRows(r, rs); err != nil {
		return err
	}
	return s.Render(w, r, "casework/referral/plan", View{Title: "referral.plan_title", Data: pg, Form: f, Status: status})
}

func (s *Server) casePlanSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	version, _ := strconv.ParseInt(v.Get("version"), 10, 64)
	in := referral.PlanInput{BaseVersion: version}
	var goals, actions []planRow
	gs := v["goal_text"]
	for i, t := range gs {
		row := planRow{Text: t, Status: at(v["goal_status"], i)}
		goals = append(goals, row)
		in.Goals = append(in.Goals, referral.Goal{Text: row.Text, Status: row.Status})
	}
	for i, t := range v["action_text"] {
		owner, _ := strconv.ParseInt(at(v["action_owner"], i), 10, 64)
		row := planRow{Text: t, Owner: owner, Due: strings.TrimSpace(at(v["action_due"], i)), Done: at(v["action_done"], i) == "done", Outcome: at(v["action_outcome"], i)}
		actions = append(actions, row)
		in.Actions = append(in.Actions, referral.Action{Text: row.Text, OwnerID: row.Owner, Due: row.Due, Done: row.Done, Outcome: row.Outcome})
	}
	p, err := s.Referrals.SavePlan(r.Context(), id, in)
	if err == nil {
		Flash(w, "referral.plan_saved")
		http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(id, 10)+"/plan", http.StatusSeeOther)
		return nil
	}
	code := errs.CodeOf(err)
	if code != errs.Invalid && code != errs.Conflict {
		return err
	}
	f.Fail(Lang(r), err)
	cur, gerr := s.Referrals.Plan(r.Context(), id)
	if gerr != nil {
		return gerr
	}
	_ = p
	// What the worker wrote stays in the form; on a conflict the form now
	// saves over the version shown beside it, once they have merged.
	pg := casePlanPage{CaseID: id, Plan: cur, Goals: goals, Actions: actions, Version: version}
	if c, ok := referral.ConflictOf(err); ok {
		pg.Conflict, pg.Version = c, c.Current.Version
		return s.renderPlan(w, r, pg, f, http.StatusConflict)
	}
	return s.renderPlan(w, r, pg, f, http.StatusUnprocessableEntity)
}

func at(vs []string, i int) string {
	if i < len(vs) {
		return vs[i]
	}
	return ""
}

// referralRow is a referral as the lists show it: whom it went to, by name.
type referralRow struct {
	referral.Referral
	To string
}

func (s *Server) referralRows(r *http.Request, rs []referral.Referral) ([]referralRow, error) {
	l := Lang(r)
	var ids []int64
	for _, x := range rs {
		if x.ToUserID != 0 {
			ids = append(ids, x.ToUserID)
		}
	}
	names, err := s.Auth.UserNames(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]referralRow, 0, len(rs))
	for _, x := range rs {
		out = append(out, referralRow{Referral: x, To: referralTo(l, x, names)})
	}
	return out, nil
}

func referralTo(l i18n.Lang, x referral.Referral, names map[int64]string) string {
	if x.Target == referral.External {
		return x.ProviderName
	}
	var parts []string
	if x.ToUserID != 0 {
		parts = append(parts, names[x.ToUserID])
	}
	if x.ToOfficeID != 0 {
		parts = append(parts, i18n.T(l, "referral.office_n", map[string]any{"n": i18n.Isolate(strconv.FormatInt(x.ToOfficeID, 10))}))
	}
	return strings.Join(parts, " — ")
}

type referralNewPage struct {
	CaseID    int64
	Services  []Option
	Providers []Option
	Users     []Option
	Warn      string // the area warning to confirm
}

func (s *Server) referralNew(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	f.Values.Set("target", referral.External)
	f.Values.Set("follow_up_due", s.Clock.Now().AddDate(0, 0, 7).Format(time.DateOnly))
	if sv := r.URL.Query().Get("service"); sv != "" {
		f.Values.Set("service", sv)
	}
	return s.renderReferralNew(w, r, id, f, "", http.StatusOK)
}

func (s *Server) renderReferralNew(w http.ResponseWriter, r *http.Request, caseID int64, f *Form, warn string, status int) error {
	l := Lang(r)
	ctx := r.Context()
	p, err := s.Referrals.Plan(ctx, caseID) // checks the case and gives its member
	if err != nil {
		return err
	}
	pg := referralNewPage{CaseID: caseID, Services: serviceOptions(l, "referral.choose"), Warn: warn}
	ps, err := s.Referrals.Providers(ctx, p.MemberID, referral.ProviderFilter{Active: true, Service: f.Values.Get("service")})
	if err != nil {
		return err
	}
	pg.Providers = []Option{{"", tr(l, "referral.choose")}}
	for _, x := range ps {
		pg.Providers = append(pg.Providers, Option{strconv.FormatInt(x.ID, 10), pickerName(l, x.NameAR, x.NameEN)})
	}
	cs, err := s.Referrals.Colleagues(ctx, p.MemberID)
	if err != nil {
		return err
	}
	pg.Users = []Option{{"", tr(l, "referral.nobody")}}
	for _, c := range cs {
		pg.Users = append(pg.Users, Option{strconv.FormatInt(c.ID, 10), c.Name})
	}
	return s.Render(w, r, "casework/referral/new", View{Title: "referral.new_title", Data: pg, Form: f, Status: status})
}

func (s *Server) referralSend(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	num := func(k string) int64 { n, _ := strconv.ParseInt(strings.TrimSpace(v.Get(k)), 10, 64); return n }
	in := referral.SendInput{CaseID: id, Service: v.Get("service"), Target: v.Get("target"), ToUserID: num("to_user_id"), ToOfficeID: num("to_office_id"),
		ProviderID: num("provider_id"), Reason: v.Get("reason"), FollowUpDue: v.Get("follow_up_due"), ConfirmArea: v.Get("confirm_area") != ""}
	if v.Get("refresh") != "" {
		return s.renderReferralNew(w, r, id, f, "", http.StatusOK)
	}
	ref, err := s.Referrals.Send(r.Context(), in)
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Invalid && code != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		warn := ""
		if e := errs.As(err); e.Key == referral.ErrAreaNotCovered {
			warn, f.Message = f.Errors["confirm_area"], ""
			delete(f.Errors, "confirm_area")
		}
		return s.renderReferralNew(w, r, id, f, warn, http.StatusUnprocessableEntity)
	}
	Flash(w, "referral.sent")
	http.Redirect(w, r, "/casework/referrals/"+strconv.FormatInt(ref.ID, 10), http.StatusSeeOther)
	return nil
}
