package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/errs"
)

type referralPageData struct {
	R          referralRow
	History    []referral.Event
	FollowUps  []referral.FollowUp
	Names      map[int64]string
	Next       []string
	Outcomes   []Option
	FollowOuts []Option
	ClientID   string
	CanWrite   bool
	Move       *Form
	Follow     *Form
	Loc        *time.Location
	Service    string
}

func (s *Server) referralPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderReferral(w, r, nil, nil, http.StatusOK)
}

func (s *Server) renderReferral(w http.ResponseWriter, r *http.Request, move, follow *Form, status int) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	l := Lang(r)
	x, evs, err := s.Referrals.Referral(ctx, id)
	if err != nil {
		return err
	}
	fs, err := s.Referrals.FollowUps(ctx, id)
	if err != nil {
		return err
	}
	ids := []int64{x.SentBy, x.ToUserID, x.EscalatedTo, x.OwnerID, x.SupervisorID}
	for _, e := range evs {
		ids = append(ids, e.ActorID)
	}
	names, err := s.Auth.UserNames(ctx, ids)
	if err != nil {
		return err
	}
	rows, err := s.referralRows(r, []referral.Referral{x})
	if err != nil {
		return err
	}
	d := referralPageData{R: rows[0], History: evs, FollowUps: fs, Names: names, CanWrite: auth.Can(actor.From(ctx), auth.CaseWrite) && x.Open(),
		Move: move, Follow: follow, Loc: s.memberZone(ctx, x.MemberID), ClientID: newClientID()}
	for _, to := range referral.Statuses {
		if referral.CanMove(x.Status, to) {
			d.Next = append(d.Next, to)
		}
	}
	d.Outcomes = []Option{{"", tr(l, "referral.choose")}}
	for _, o := range referral.Outcomes {
		d.Outcomes = append(d.Outcomes, Option{o, tr(l, "referral.outcome."+o)})
	}
	d.FollowOuts = []Option{{"", tr(l, "referral.choose")}}
	for _, o := range referral.FollowUpOutcomes {
		if o == referral.FollowCompleted && x.Status != referral.Delivered {
			continue
		}
		d.FollowOuts = append(d.FollowOuts, Option{o, tr(l, "referral.followup_outcome."+o)})
	}
	if d.Move == nil {
		d.Move = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	if d.Follow == nil {
		d.Follow = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "casework/referral/referral", View{Title: "referral.referral_title", Data: d, Status: status})
}

func (s *Server) referralMove(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	version, _ := strconv.ParseInt(v.Get("version"), 10, 64)
	_, err = s.Referrals.Move(r.Context(), id, referral.Change{To: v.Get("to"), BaseVersion: version, Note: v.Get("note"), Outcome: v.Get("outcome"), OutcomeNote: v.Get("outcome_note"), FollowUpDue: v.Get("follow_up_due")})
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Invalid && code != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderReferral(w, r, f, nil, http.StatusUnprocessableEntity)
	}
	Flash(w, "referral.moved")
	http.Redirect(w, r, "/casework/referrals/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) referralFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	version, _ := strconv.ParseInt(v.Get("version"), 10, 64)
	_, dup, err := s.Referrals.RecordFollowUp(r.Context(), care.FollowUpInput{ClientID: v.Get("client_id"), ReferralID: id, BaseVersion: version, Outcome: v.Get("outcome"), Note: v.Get("note")})
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Invalid && code != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderReferral(w, r, nil, f, http.StatusUnprocessableEntity)
	}
	if dup {
		Flash(w, "referral.followup_duplicate")
	} else {
		Flash(w, "referral.followup_saved")
	}
	http.Redirect(w, r, "/casework/referrals/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type followUpListPage struct {
	View    string // "mine", "team", "all"
	CanTeam bool
	CanAll  bool
	List    referral.FollowUpList
	Rows    []referralRow
	Loc     *time.Location
}

func (s *Server) followUpList(w http.ResponseWriter, r *http.Request) error {
	a := actor.From(r.Context())
	pg := followUpListPage{View: r.URL.Query().Get("view"), CanTeam: auth.Can(a, auth.CaseSupervise), CanAll: auth.Can(a, auth.CaseManage)}
	f := referral.FollowUpFilter{}
	switch {
	case pg.View == "received":
		f.Received = true
	case pg.View == "team" && pg.CanTeam:
		f.Team = true
	case pg.View == "all" && pg.CanAll:
		f.All = true
	default:
		pg.View = "mine"
	}
	list, err := s.Referrals.OpenFollowUps(r.Context(), f)
	if err != nil {
		return err
	}
	pg.List = list
	if pg.Rows, err = s.referralRows(r, list.Items); err != nil {
		return err
	}
	pg.Loc = s.memberZone(r.Context(), a.MemberID)
	return s.Render(w, r, "casework/referral/followups", View{Title: "referral.followups_title", Data: pg})
}
