package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

// The social workers' pages of case management (issue 16): the inbox, the
// case list, a new case (consent first), the case page with its workflow,
// notes, attachments, transfers and access log.
func init() {
	Register(Module{
		Name: "casework",
		Menu: []MenuItem{{Path: "/casework/inbox", Key: "casework.menu", Perm: auth.CaseRead, Order: 45}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /casework", auth.CaseRead, func(w http.ResponseWriter, r *http.Request) error {
				http.Redirect(w, r, "/casework/inbox", http.StatusSeeOther)
				return nil
			})
			s.Handle(mux, "GET /casework/inbox", auth.CaseRead, s.caseInbox)
			s.Handle(mux, "GET /casework/cases", auth.CaseRead, s.caseList)
			s.Handle(mux, "GET /casework/cases/new", auth.CaseWrite, s.caseNew)
			s.Handle(mux, "POST /casework/cases", auth.CaseWrite, s.caseCreate)
			s.Handle(mux, "GET /casework/cases/{id}", auth.CaseRead, s.caseShow)
			s.Handle(mux, "GET /casework/cases/{id}/attachments/{att}", auth.CaseRead, s.caseAttachment)
			for _, a := range []string{"move", "decide", "reopen", "note", "attach", "edit", "transfer", "assign"} {
				s.Handle(mux, "POST /casework/cases/{id}/"+a, auth.CaseWrite, s.caseAct(a))
			}
			s.Handle(mux, "POST /casework/transfers/{id}", auth.CaseWrite, s.caseTransferAnswer)
		},
	})
}

// caseMember is the member whose cases the page shows: the actor's, or,
// for a union-level user, the one ?member= names (the first member when
// none), whose cases they see without names or narratives.
func (s *Server) caseMember(r *http.Request) (int64, error) {
	a := actor.From(r.Context())
	if !a.Union() {
		return a.MemberID, nil
	}
	if code := r.URL.Query().Get("member"); code != "" {
		m, err := s.Members.Get(r.Context(), code)
		if err != nil {
			return 0, err
		}
		return m.ID, nil
	}
	ms, err := s.Members.List(r.Context())
	if err != nil {
		return 0, err
	}
	if len(ms) == 0 {
		return 0, errs.E(errs.NotFound, "member.not_found", "code", "")
	}
	return ms[0].ID, nil
}

// staffNames names the member's care staff by user id.
func (s *Server) staffNames(r *http.Request, member int64) (map[int64]string, []casework.Staff, error) {
	staff, err := s.Cases.StaffOf(r.Context(), member)
	if err != nil {
		return nil, nil, err
	}
	names := map[int64]string{}
	for _, st := range staff {
		names[st.UserID] = st.Name
	}
	return names, staff, nil
}

// typeNames names the member's case types by code.
func (s *Server) typeNames(r *http.Request, member int64) (map[string]string, []casework.Type, error) {
	ts, err := s.Cases.Types(r.Context(), member)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, t := range ts {
		names[t.Code] = t.NameAR
		if Lang(r) == i18n.EN && t.NameEN != "" {
			names[t.Code] = t.NameEN
		}
	}
	return names, ts, nil
}

func officeNames(r *http.Request, os []casework.Office) map[int64]string {
	names := map[int64]string{}
	for _, o := range os {
		names[o.ID] = o.NameAR
		if Lang(r) == i18n.EN && o.NameEN != "" {
			names[o.ID] = o.NameEN
		}
	}
	return names
}

type caseInboxPage struct {
	In      casework.Inbox
	Users   map[int64]string
	Types   map[string]string
	Numbers map[int64]string
	Now     time.Time
	Super   bool
}

func (s *Server) caseInbox(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	member, err := s.caseMember(r)
	if err != nil {
		return err
	}
	a := actor.From(ctx)
	if !auth.Can(a, auth.CaseWrite) {
		http.Redirect(w, r, "/casework/cases", http.StatusSeeOther)
		return nil
	}
	in, err := s.Cases.InboxOf(ctx, member)
	if err != nil {
		return err
	}
	users, _, err := s.staffNames(r, member)
	if err != nil {
		return err
	}
	types, _, err := s.typeNames(r, member)
	if err != nil {
		return err
	}
	p := caseInboxPage{In: in, Users: users, Types: types, Numbers: map[int64]string{}, Now: s.Clock.Now(), Super: auth.Can(a, auth.CaseSupervise)}
	for _, c := range slices.Concat(in.Cases, in.Waiting) {
		p.Numbers[c.ID] = c.Number
	}
	return s.Render(w, r, "casework/inbox", View{Title: "casework.page_inbox", Data: p})
}

type caseListPage struct {
	Items                          []casework.Case
	Total, Page, Pages             int
	Prev, NextPage                 int
	Users                          map[int64]string
	Types                          map[string]string
	Offices                        map[int64]string
	TypeOpts, StatusOpts, RiskOpts []Option
	OwnerOpts, OfficeOpts          []Option
	Now                            time.Time
	Query                          template.URL // the filters, encoded, for the paging links (a plain string would be query-escaped whole)
	CanWrite                       bool
}

func anyOption(l i18n.Lang) Option { return Option{"", tr(l, "casework.page_any")} }

func stepOpts(l i18n.Lang) []Option {
	var o []Option
	for _, st := range care.Steps {
		o = append(o, Option{st, tr(l, "casework.step."+st)})
	}
	return o
}

func riskOpts(l i18n.Lang) []Option {
	var o []Option
	for _, r := range care.RiskLevels {
		o = append(o, Option{r, tr(l, "casework.risk."+r)})
	}
	return o
}

func (s *Server) caseList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	member, err := s.caseMember(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := casework.Filter{MemberID: member, TypeCode: q.Get("type"), Status: q.Get("status"), Risk: q.Get("risk"), OwnerID: intField(q.Get("owner")), OfficeID: intField(q.Get("office"))}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	items, total, err := s.Cases.List(ctx, f)
	fm := &Form{Values: q, Errors: map[string]string{}}
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		fm.Fail(Lang(r), err)
	}
	l := Lang(r)
	users, staff, err := s.staffNames(r, member)
	if err != nil {
		return err
	}
	types, ts, err := s.typeNames(r, member)
	if err != nil {
		return err
	}
	os, err := s.Cases.Offices(ctx, member)
	if err != nil {
		return err
	}
	p := caseListPage{Items: items, Total: total, Page: f.Page, Pages: (total + casework.PageSize - 1) / casework.PageSize, Users: users, Types: types,
		Offices: officeNames(r, os), Now: s.Clock.Now(), CanWrite: auth.Can(actor.From(ctx), auth.CaseWrite)}
	p.TypeOpts = []Option{anyOption(l)}
	for _, t := range ts {
		p.TypeOpts = append(p.TypeOpts, Option{t.Code, types[t.Code]})
	}
	p.StatusOpts = append([]Option{anyOption(l), {"open", tr(l, "casework.page_open_cases")}}, stepOpts(l)...)
	p.RiskOpts = append([]Option{anyOption(l)}, riskOpts(l)...)
	p.OwnerOpts = []Option{anyOption(l)}
	for _, st := range staff {
		p.OwnerOpts = append(p.OwnerOpts, Option{strconv.FormatInt(st.UserID, 10), st.Name})
	}
	p.OfficeOpts = []Option{anyOption(l)}
	for _, o := range os {
		p.OfficeOpts = append(p.OfficeOpts, Option{strconv.FormatInt(o.ID, 10), p.Offices[o.ID]})
	}
	keep := url.Values{}
	for _, k := range []string{"type", "status", "risk", "owner", "office"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	p.Query = template.URL(keep.Encode())
	p.Prev, p.NextPage = p.Page-1, p.Page+1
	return s.Render(w, r, "casework/list", View{Title: "casework.page_list", Form: fm, Data: p})
}

type caseNewPage struct {
	Types, Grounds, Scopes, Sexes []Option
	Duplicates                    []registry.Duplicate
	Today                         string
}

func (s *Server) caseNewData(r *http.Request) (caseNewPage, error) {
	l := Lang(r)
	member, err := s.caseMember(r)
	if err != nil {
		return caseNewPage{}, err
	}
	names, ts, err := s.typeNames(r, member)
	if err != nil {
		return caseNewPage{}, err
	}
	p := caseNewPage{Today: s.Clock.Now().In(s.memberZone(r.Context(), member)).Format(time.DateOnly)}
	for _, t := range ts {
		if t.Active {
			p.Types = append(p.Types, Option{t.Code, names[t.Code]})
		}
	}
	p.Grounds = []Option{{"", tr(l, "casework.page_choose")}}
	for _, g := range casework.LegalGrounds {
		p.Grounds = append(p.Grounds, Option{g, tr(l, "casework.ground."+g)})
	}
	for _, sc := range casework.ConsentScopes {
		p.Scopes = append(p.Scopes, Option{sc, tr(l, "casework.scope."+sc)})
	}
	p.Sexes = []Option{{"female", tr(l, "casework.page_female")}, {"male", tr(l, "casework.page_male")}}
	return p, nil
}

func (s *Server) caseNew(w http.ResponseWriter, r *http.Request) error {
	p, err := s.caseNewData(r)
	if err != nil {
		return err
	}
	f := &Form{Values: url.Values{"consent_kind": {casework.ConsentGiven}, "consent_at": {p.Today}, "subject": {"registry"}}, Errors: map[string]string{}}
	if ref := r.URL.Query().Get("household"); ref != "" {
		f.Values.Set("household_ref", ref)
	}
	return s.Render(w, r, "casework/new", View{Title: "casework.page_new", Form: f, Data: p})
}

func (s *Server) caseCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	member, err := s.caseMember(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	in := casework.OpenInput{MemberID: member, TypeCode: v.Get("type_code"), Duplicates: registry.DuplicatePolicy{Confirmed: v.Get("confirm_duplicates") != ""}}
	in.Consent = casework.Consent{Kind: v.Get("consent_kind"), By: v.Get("consent_by"), Scope: v["consent_scope"], Ground: v.Get("legal_ground")}
	if in.Consent.Kind == casework.ConsentGiven {
		if d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v.Get("consent_at")), s.memberZone(ctx, member)); err == nil {
			in.Consent.At = d
		}
	}
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		f.Fail(Lang(r), err)
		p, perr := s.caseNewData(r)
		if perr != nil {
			return perr
		}
		return s.Render(w, r, "casework/new", View{Title: "casework.page_new", Form: f, Data: p, Status: Status(errs.CodeOf(err))})
	}
	// Consent first: a case without it is refused before the registry is
	// asked anything.
	if in.Consent.Kind == "" {
		return fail(errs.E(errs.Invalid, "casework.consent_required").WithField("consent_kind", "casework.consent_required"))
	}
	switch v.Get("subject") {
	case "new":
		in.NewPerson = &registry.Person{Relationship: "head", FirstName: strings.TrimSpace(v.Get("first_name")), FatherName: strings.TrimSpace(v.Get("father_name")),
			GrandfatherName: strings.TrimSpace(v.Get("grandfather_name")), FamilyName: strings.TrimSpace(v.Get("family_name")), Sex: v.Get("sex"),
			BirthDate: strings.TrimSpace(v.Get("birth_date")), NationalID: strings.TrimSpace(v.Get("national_id")), Phone: strings.TrimSpace(v.Get("phone"))}
		in.AreaCode = strings.TrimSpace(v.Get("area_code"))
	default:
		ref := strings.TrimSpace(v.Get("household_ref"))
		if ref == "" {
			return fail(errs.E(errs.Invalid, "casework.subject_required").WithField("household_ref", "casework.subject_required"))
		}
		h, err := s.Registry.HouseholdByRef(ctx, member, ref)
		if err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return fail(errs.E(errs.Invalid, "registry.household_not_found").WithField("household_ref", "registry.household_not_found"))
			}
			return fail(err)
		}
		in.HouseholdID = h.ID
		if pref := strings.TrimSpace(v.Get("person_ref")); pref != "" {
			p, err := s.Registry.PersonByRef(ctx, member, pref)
			if err != nil || p.HouseholdID != h.ID {
				return fail(errs.E(errs.Invalid, "registry.person_not_found").WithField("person_ref", "registry.person_not_found"))
			}
			in.PersonID = p.ID
		} else if ps, err := s.Registry.Persons(ctx, h.ID); err == nil {
			for _, p := range ps {
				if p.Relationship == "head" {
					in.PersonID = p.ID
				}
			}
		}
	}
	o, err := s.Cases.Open(ctx, in)
	if err != nil {
		if len(o.Duplicates) > 0 {
			f.Fail(Lang(r), err)
			p, perr := s.caseNewData(r)
			if perr != nil {
				return perr
			}
			p.Duplicates = o.Duplicates
			return s.Render(w, r, "casework/new", View{Title: "casework.page_new", Form: f, Data: p, Status: Status(errs.CodeOf(err))})
		}
		return fail(err)
	}
	Flash(w, "casework.page_opened")
	http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(o.Case.ID, 10), http.StatusSeeOther)
	return nil
}

type casePageData struct {
	C          casework.Case
	TypeName   string
	AreaName   string
	Type       casework.Type
	Steps      []casework.StepMark
	Next       string
	Notes      []casework.Note
	Files      []casework.Attachment
	History    []casework.Event
	Transfers  []casework.Transfer
	Access     []audit.Record
	Users      map[int64]string
	Offices    map[int64]string
	Workers    []Option
	OfficeOpts []Option
	Outcomes   []Option
	TeamOpts   []Option
	Now        time.Time
	CanWrite   bool
	CanDecide  bool
	Super      bool
	ClientID   string
	Forms      map[string]*Form
	Links      *caseLinksData // the household panel (handler_case_links.go)
}

func caseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.NotFound, "casework.not_found")
	}
	return id, nil
}

func (s *Server) casePageData(r *http.Request) (casePageData, error) {
	ctx := r.Context()
	id, err := caseID(r)
	if err != nil {
		return casePageData{}, err
	}
	c, err := s.Cases.Get(ctx, id)
	if err != nil {
		return casePageData{}, err
	}
	a := actor.From(ctx)
	l := Lang(r)
	p := casePageData{C: c, Now: s.Clock.Now(), Forms: map[string]*Form{}, ClientID: newClientID()}
	for _, k := range []string{"move", "decide", "reopen", "note", "attach", "edit", "transfer", "assign"} {
		p.Forms[k] = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	names, ts, err := s.typeNames(r, c.MemberID)
	if err != nil {
		return casePageData{}, err
	}
	p.TypeName = names[c.TypeCode]
	for _, t := range ts {
		if t.ID == c.TypeID {
			p.Type = t
		}
	}
	p.Steps = casework.StepsOf(p.Type, c)
	if p.AreaName, err = s.areaPathOf(ctx, l, c.MemberID, c.AreaCode); err != nil || p.AreaName == "" {
		p.AreaName = c.AreaCode
	}
	if p.Users, _, err = s.staffNames(r, c.MemberID); err != nil {
		return casePageData{}, err
	}
	os, err := s.Cases.Offices(ctx, c.MemberID)
	if err != nil {
		return casePageData{}, err
	}
	p.Offices = officeNames(r, os)
	if c.Access < casework.AccessFull {
		return p, nil
	}
	p.CanWrite = auth.Can(a, auth.CaseWrite)
	p.Super = auth.Can(a, auth.CaseSupervise)
	p.CanDecide = p.Super && c.WaitingStep != ""
	p.Next = casework.NextStep(p.Type, c.Status)
	for _, o := range casework.Outcomes {
		p.Outcomes = append(p.Outcomes, Option{o, tr(l, "casework.outcome."+o)})
	}
	_, staff, _ := s.staffNames(r, c.MemberID)
	for _, st := range staff {
		opt := Option{strconv.FormatInt(st.UserID, 10), st.Name}
		p.TeamOpts = append(p.TeamOpts, opt)
		if st.UserID != c.OwnerID && slices.ContainsFunc(st.Roles, func(r actor.Role) bool { return r == actor.CaseWorker || r == actor.CaseSupervisor }) {
			p.Workers = append(p.Workers, opt)
		}
	}
	p.OfficeOpts = []Option{{"0", tr(l, "casework.page_same_office")}}
	for _, o := range os {
		p.OfficeOpts = append(p.OfficeOpts, Option{strconv.FormatInt(o.ID, 10), p.Offices[o.ID]})
	}
	team := url.Values{}
	for _, u := range c.Team {
		team.Add("team", strconv.FormatInt(u, 10))
	}
	p.Forms["edit"].Values = team
	if p.Notes, err = s.Cases.Notes(ctx, id); err != nil {
		return casePageData{}, err
	}
	if p.Files, err = s.Cases.Attachments(ctx, id); err != nil {
		return casePageData{}, err
	}
	if p.History, err = s.Cases.History(ctx, id); err != nil {
		return casePageData{}, err
	}
	if p.Transfers, err = s.Cases.CaseTransfers(ctx, id); err != nil {
		return casePageData{}, err
	}
	if p.Super {
		if p.Access, err = s.Cases.AccessLog(ctx, id); err != nil && !errs.Is(err, errs.Forbidden) {
			return casePageData{}, err
		}
	}
	if err := s.fillCaseLinks(r, &p); err != nil {
		return casePageData{}, err
	}
	return p, nil
}

func (s *Server) caseShow(w http.ResponseWriter, r *http.Request) error {
	p, err := s.casePageData(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "casework/case", View{Title: "casework.page_case", Data: p})
}

func (s *Server) caseAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	att, err := strconv.ParseInt(r.PathValue("att"), 10, 64)
	if err != nil {
		return errs.E(errs.NotFound, "casework.attachment_not_found")
	}
	a, data, err := s.Cases.Content(r.Context(), id, att)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(data)
	return err
}

// caseAct runs one change from the case page and comes back to it; a
// refusal shows the page again with the form's error beside its fields.
func (s *Server) caseAct(action string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		id, err := caseID(r)
		if err != nil {
			return err
		}
		var f *Form
		if action == "attach" {
			if big := uploadTooLarge(r.ParseMultipartForm(s.Limits.Upload)); big != nil {
				return big
			}
			f = &Form{Values: r.MultipartForm.Value, Errors: map[string]string{}}
		} else {
			f = NewForm(r)
		}
		v := f.Values
		version := intField(v.Get("version"))
		switch action {
		case "move":
			_, err = s.Cases.Move(ctx, casework.MoveInput{CaseID: id, Version: version, To: v.Get("to"), Outcome: v.Get("outcome"), OutcomeText: v.Get("outcome_text"), Comment: v.Get("comment")})
		case "decide":
			_, err = s.Cases.Decide(ctx, id, v.Get("decision") == "approve", v.Get("comment"))
		case "reopen":
			_, err = s.Cases.Reopen(ctx, id, version, v.Get("reason"))
		case "note":
			var at time.Time
			if d := strings.TrimSpace(v.Get("at")); d != "" {
				if at, err = time.ParseInLocation("2006-01-02T15:04", d, s.location(r, actor.From(ctx))); err != nil {
					err = errs.E(errs.Invalid, "casework.visit_at_invalid").WithField("at", "casework.visit_at_invalid")
				}
			}
			if err == nil {
				_, _, err = s.Cases.AddNote(ctx, care.NoteInput{ClientID: v.Get("client_id"), CaseID: id, BaseVersion: version, Kind: v.Get("kind"), Text: v.Get("text"), At: at})
			}
		case "attach":
			file, hdr, ferr := r.FormFile("file")
			if ferr != nil {
				err = errs.E(errs.Invalid, "casework.attachment_empty").WithField("file", "casework.attachment_empty")
				break
			}
			data := make([]byte, hdr.Size)
			_, rerr := file.Read(data)
			file.Close()
			if rerr != nil && hdr.Size > 0 {
				return errs.Wrapf(rerr, "web: read attachment")
			}
			_, _, err = s.Cases.AddAttachment(ctx, care.AttachmentInput{ClientID: v.Get("client_id"), CaseID: id, BaseVersion: version, Name: hdr.Filename, Data: data})
		case "edit":
			var team []int64
			for _, u := range v["team"] {
				team = append(team, intField(u))
			}
			_, err = s.Cases.Edit(ctx, casework.EditInput{CaseID: id, Version: version, OfficeID: intField(v.Get("office_id")), Team: team})
		case "transfer":
			in := casework.TransferInput{CaseID: id, Version: version, ToUser: intField(v.Get("to_user")), ToOffice: intField(v.Get("to_office")), Reason: v.Get("reason")}
			if v.Get("kind") == "request" {
				_, err = s.Cases.RequestTransfer(ctx, in)
			} else {
				_, err = s.Cases.Transfer(ctx, in)
			}
		case "assign":
			_, err = s.Cases.Assign(ctx, casework.TransferInput{CaseID: id, Version: version, ToUser: intField(v.Get("to_user")), ToOffice: intField(v.Get("to_office")), Reason: v.Get("reason")})
		}
		if err != nil {
			if c := errs.CodeOf(err); c == errs.Internal || c == errs.NotFound {
				return err
			}
			p, perr := s.casePageData(r)
			if perr != nil {
				return perr
			}
			f.Fail(Lang(r), err)
			p.Forms[action] = f
			return s.Render(w, r, "casework/case", View{Title: "casework.page_case", Data: p, Status: Status(errs.CodeOf(err))})
		}
		Flash(w, "web.saved")
		http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
}

func (s *Server) caseTransferAnswer(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E(errs.NotFound, "casework.transfer_not_found")
	}
	f := NewForm(r)
	t, err := s.Cases.Answer(r.Context(), id, f.Values.Get("decision") == "accept", f.Values.Get("answer"))
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.NotFound {
			return err
		}
		return err
	}
	Flash(w, "web.saved")
	if t.Status == casework.TransferAccepted {
		http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(t.CaseID, 10), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/casework/inbox", http.StatusSeeOther)
	return nil
}
