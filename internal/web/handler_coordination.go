package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/coordination"
	"github.com/tadamun/tadamun/internal/errs"
)

// The coordination requests' pages: the list (incoming, outgoing, by
// state and type, overdue), a request's page with its messages,
// attachments and timeline and the forms that move it on, the form of a
// new request, and the request types (union administrators). Templates
// are under templates/coordination/.
func init() {
	Register(Module{
		Name: "coordination",
		Menu: []MenuItem{{Path: "/coordination", Key: "coordination.menu", Perm: auth.CoordinationRead, Order: 66}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /coordination", auth.CoordinationRead, s.coordList)
			s.Handle(mux, "GET /coordination/new", auth.CoordinationWrite, s.coordNew)
			s.Handle(mux, "POST /coordination/new", auth.CoordinationWrite, s.coordCreate)
			s.Handle(mux, "GET /coordination/types", auth.CoordinationRead, s.coordTypes)
			s.Handle(mux, "POST /coordination/types", auth.MemberManage, s.coordTypeSave)
			s.Handle(mux, "GET /coordination/{id}", auth.CoordinationRead, s.coordPage)
			s.Handle(mux, "POST /coordination/{id}/{action}", auth.CoordinationRead, s.coordAction)
			s.Handle(mux, "GET /coordination/attachments/{id}", auth.CoordinationRead, s.coordAttachment)
		},
	})
}

type coordRow struct {
	coordination.Request
	TypeName string
	Other    string // the other side's name
}

type coordListPage struct {
	Query    url.Values
	Boxes    []Option
	States   []Option
	Types    []Option
	Rows     []coordRow
	Overdue  int
	CanWrite bool
	CanTypes bool
}

// sideName names side id (0: the union) in language l.
func (s *Server) sideName(r *http.Request, id int64) string {
	l := Lang(r)
	if id == 0 {
		return tr(l, "coordination.the_union")
	}
	m, err := s.Members.ByID(actor.System(r.Context()), id)
	if err != nil {
		return "#" + strconv.FormatInt(id, 10)
	}
	return pickerName(l, m.NameAR, m.NameEN)
}

func (s *Server) coordList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	q := r.URL.Query()
	a := actor.From(ctx)
	pg := coordListPage{Query: q, CanWrite: auth.Can(a, auth.CoordinationWrite) && a.MemberID != 0, CanTypes: auth.Can(a, auth.MemberManage)}
	pg.Boxes = []Option{{"", tr(l, "coordination.box_all")}, {"in", tr(l, "coordination.box_in")}, {"out", tr(l, "coordination.box_out")}}
	pg.States = []Option{{"", tr(l, "coordination.all")}}
	for _, st := range coordination.States {
		pg.States = append(pg.States, Option{st, tr(l, "coordination.state."+st)})
	}
	ts, err := s.Coordination.Types(ctx)
	if err != nil {
		return err
	}
	pg.Types = []Option{{"", tr(l, "coordination.all")}}
	names := map[int64]string{}
	for _, t := range ts {
		names[t.ID] = t.Name(string(l))
		pg.Types = append(pg.Types, Option{strconv.FormatInt(t.ID, 10), t.Name(string(l))})
	}
	f := coordination.Filter{Box: q.Get("box"), State: q.Get("state"), TypeID: intField(q.Get("type")), Overdue: q.Get("overdue") == "1"}
	rs, err := s.Coordination.List(ctx, f)
	if err != nil {
		return err
	}
	for _, x := range rs {
		other := x.ToMemberID
		if x.Incoming {
			other = x.FromMemberID
		}
		pg.Rows = append(pg.Rows, coordRow{Request: x, TypeName: names[x.TypeID], Other: s.sideName(r, other)})
	}
	if pg.Overdue, err = s.Coordination.Overdue(ctx); err != nil {
		return err
	}
	return s.Render(w, r, "coordination/list", View{Title: "coordination.list_title", Data: pg})
}

type coordNewPage struct {
	To    []Option
	Types []coordTypeOpt
}

// coordTypeOpt is a request type as the form offers it: with what it may
// carry and its deadline.
type coordTypeOpt struct {
	ID          int64
	Name, Level string
	Days        int
}

func (s *Server) coordNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderCoordNew(w, r, &Form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) renderCoordNew(w http.ResponseWriter, r *http.Request, f *Form) error {
	ctx := r.Context()
	l := Lang(r)
	a := actor.From(ctx)
	if a.MemberID == 0 {
		return errs.E(errs.Forbidden, "coordination.member_only")
	}
	pg := coordNewPage{To: []Option{{"UNION", tr(l, "coordination.the_union")}}}
	ms, err := s.Members.List(actor.System(ctx))
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.ID != a.MemberID && m.Kind == "state" {
			pg.To = append(pg.To, Option{m.Code, pickerName(l, m.NameAR, m.NameEN)})
		}
	}
	ts, err := s.Coordination.Types(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Active {
			pg.Types = append(pg.Types, coordTypeOpt{t.ID, t.Name(string(l)), tr(l, "coordination.level."+t.Personal), t.DeadlineDays})
		}
	}
	return s.Render(w, r, "coordination/new", View{Title: "coordination.new_title", Data: pg, Form: f})
}

func (s *Server) coordCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	refs := strings.FieldsFunc(v.Get("households"), func(c rune) bool { return c == ',' || c == '،' || c == '\n' || c == ' ' })
	days, _ := strconv.Atoi(strings.TrimSpace(v.Get("deadline_days")))
	req, err := s.Coordination.Create(r.Context(), coordination.NewRequest{To: v.Get("to"), TypeID: intField(v.Get("type_id")), Subject: v.Get("subject"), Body: v.Get("body"),
		DeadlineDays: days, Households: refs, Full: v.Get("full") == "1", Send: v.Get("send") == "1"})
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderCoordNew(w, r, f)
	}
	Flash(w, "coordination.saved")
	http.Redirect(w, r, "/coordination/"+strconv.FormatInt(req.ID, 10), http.StatusSeeOther)
	return nil
}

type coordPage struct {
	coordination.Detail
	TypeName  string
	From, To  string
	Level     string
	Incoming  bool
	Outgoing  bool
	CanWrite  bool
	CanDecide bool
	Assignees []coordination.Assignee
	Forms     map[string]*Form
	Me        int64
	Writable  bool
}

func (s *Server) coordPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCoordPage(w, r, nil, "")
}

func (s *Server) renderCoordPage(w http.ResponseWriter, r *http.Request, f *Form, which string) error {
	ctx := r.Context()
	l := Lang(r)
	id, err := partnerPathID(r, "coordination.not_found")
	if err != nil {
		return err
	}
	d, err := s.Coordination.Detail(ctx, id)
	if err != nil {
		return err
	}
	a := actor.From(ctx)
	rq := d.Request
	pg := coordPage{Detail: d, TypeName: rq.Type.Name(string(l)), From: s.sideName(r, rq.FromMemberID), To: s.sideName(r, rq.ToMemberID),
		Level: tr(l, "coordination.level."+rq.Type.Personal), Incoming: rq.Incoming, Outgoing: a.MemberID == rq.FromMemberID,
		CanWrite: auth.Can(a, auth.CoordinationWrite), CanDecide: auth.Can(a, auth.CoordinationApprove), Forms: map[string]*Form{}, Me: a.UserID}
	pg.Writable = rq.State != coordination.Closed && rq.State != coordination.Declined && rq.State != coordination.Withdrawn
	if pg.Incoming && pg.CanWrite {
		if pg.Assignees, err = s.Coordination.Assignees(ctx); err != nil {
			return err
		}
	}
	if f != nil {
		pg.Forms[which] = f
	}
	status := 0
	if f != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.Render(w, r, "coordination/page", View{Title: "coordination.page_title", Data: pg, Status: status})
}

// coordAction runs one of the forms of a request's page.
func (s *Server) coordAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := partnerPathID(r, "coordination.not_found")
	if err != nil {
		return err
	}
	action := r.PathValue("action")
	var f *Form
	if action == "documents" {
		if f, err = s.multipartForm(r); err != nil {
			return err
		}
	} else {
		f = NewForm(r)
	}
	v := f.Values
	version := intField(v.Get("version"))
	flash := "coordination.saved"
	switch action {
	case "send":
		_, err = s.Coordination.Send(ctx, id, version)
	case "accept":
		_, err = s.Coordination.Accept(ctx, id, version)
	case "assign":
		_, err = s.Coordination.Assign(ctx, id, version, intField(v.Get("user")))
	case "answer":
		_, err = s.Coordination.Answer(ctx, id, version, v.Get("body"))
	case "close":
		_, err = s.Coordination.Close(ctx, id, version)
	case "decline":
		_, err = s.Coordination.Decline(ctx, id, version, v.Get("reason"))
	case "withdraw":
		_, err = s.Coordination.Withdraw(ctx, id, version, v.Get("reason"))
	case "messages":
		_, err = s.Coordination.AddMessage(ctx, id, v.Get("body"))
	case "households":
		_, err = s.Coordination.AttachHousehold(ctx, id, v.Get("household"), v.Get("full") == "1")
		flash = "coordination.attached_pending"
	case "documents":
		file, done := formFile(r, "document")
		defer done()
		if file == nil {
			err = errs.E(errs.Invalid, "error.invalid_input").WithField("file", "coordination.file_empty")
		} else {
			personal := v.Get("personal") == "1"
			_, err = s.Coordination.AddDocument(ctx, id, coordination.File{Name: file.Name, Body: file.Body}, personal)
			if personal {
				flash = "coordination.attached_pending"
			}
		}
	case "decide":
		_, err = s.Coordination.Decide(ctx, intField(v.Get("attachment")), v.Get("decision") == "approve", v.Get("reason"))
	default:
		return errs.E(errs.NotFound, "error.not_found")
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		which := action
		if action == "decide" {
			which = "decide_" + v.Get("attachment")
		}
		return s.renderCoordPage(w, r, f, which)
	}
	Flash(w, flash)
	http.Redirect(w, r, "/coordination/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) coordAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "coordination.attachment_not_found")
	if err != nil {
		return err
	}
	a, data, err := s.Coordination.Content(r.Context(), id)
	if err != nil {
		return err
	}
	name := a.Label
	if a.Kind != coordination.KindDocument {
		name += ".json"
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(data)
	return err
}

type coordTypesPage struct {
	Types  []coordination.Type
	Levels []Option
	Edit   bool
}

func (s *Server) coordTypes(w http.ResponseWriter, r *http.Request) error {
	return s.renderCoordTypes(w, r, nil)
}

func (s *Server) renderCoordTypes(w http.ResponseWriter, r *http.Request, f *Form) error {
	l := Lang(r)
	ts, err := s.Coordination.Types(r.Context())
	if err != nil {
		return err
	}
	pg := coordTypesPage{Types: ts, Edit: auth.Can(actor.From(r.Context()), auth.MemberManage)}
	for _, lv := range coordination.Levels {
		pg.Levels = append(pg.Levels, Option{lv, tr(l, "coordination.level."+lv)})
	}
	v := View{Title: "coordination.types_title", Data: pg, Form: f}
	if f != nil {
		v.Status = http.StatusUnprocessableEntity
	}
	return s.Render(w, r, "coordination/types", v)
}

func (s *Server) coordTypeSave(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	days, _ := strconv.Atoi(strings.TrimSpace(arabic.Digits(v.Get("deadline_days"))))
	t := coordination.Type{ID: intField(v.Get("id")), Code: v.Get("code"), NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), Personal: v.Get("personal"),
		DeadlineDays: days, Active: v.Get("active") == "1" || v.Get("id") == "", Version: intField(v.Get("version"))}
	if _, err := s.Coordination.SaveType(r.Context(), t); err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderCoordTypes(w, r, f)
	}
	Flash(w, "coordination.saved")
	http.Redirect(w, r, "/coordination/types", http.StatusSeeOther)
	return nil
}
