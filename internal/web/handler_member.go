package web

import (
	"net/http"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
)

func init() {
	Register(Module{
		Name: "members",
		Menu: []MenuItem{{Path: "/members", Key: "web.members", Perm: auth.MemberRead, Order: 80}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /members", auth.MemberRead, s.memberList)
			s.Handle(mux, "GET /members/new", auth.MemberManage, s.memberNew)
			s.Handle(mux, "POST /members", auth.MemberManage, s.memberCreate)
			s.Handle(mux, "GET /members/{code}", auth.MemberRead, s.memberShow)
			s.Handle(mux, "POST /members/{code}", auth.AreaManage, s.memberUpdate)
			s.Handle(mux, "POST /members/{code}/areas", auth.AreaManage, s.areaAdd)
			s.Handle(mux, "POST /members/{code}/areas/import", auth.AreaManage, s.areaImport)
		},
	})
}

func (s *Server) memberList(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.Members.List(r.Context())
	if err != nil {
		return err
	}
	return s.Render(w, r, "members", View{Title: "web.members", Data: struct {
		Members   []member.Member
		CanCreate bool
	}{ms, auth.Can(actor.From(r.Context()), auth.MemberManage)}})
}

// currencyOptions names each currency by its code and its name in the
// page's language.
func currencyOptions(r *http.Request) []Option {
	var o []Option
	for _, c := range money.Currencies() {
		name := c.NameAR
		if Lang(r) == i18n.EN {
			name = c.NameEN
		}
		o = append(o, Option{Value: c.Code, Label: c.Code + " — " + name})
	}
	return o
}

func kindOptions(r *http.Request) []Option {
	l := Lang(r)
	return []Option{{member.State, tr(l, "web.member_state")}, {member.Organization, tr(l, "web.member_org")}}
}

type memberForm struct {
	Currencies, Kinds []Option
}

func (s *Server) memberNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: map[string][]string{"timezone": {"UTC"}}}
	return s.Render(w, r, "member_new", View{Title: "web.member_new", Form: f, Data: memberForm{currencyOptions(r), kindOptions(r)}})
}

func (s *Server) memberCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	m, err := s.Members.Create(r.Context(), member.Member{
		Code: v.Get("code"), Kind: v.Get("kind"), NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"),
		Currency: v.Get("currency"), Timezone: v.Get("timezone"), CallingCode: v.Get("calling_code"),
		IDLabelAR: v.Get("id_label_ar"), IDLabelEN: v.Get("id_label_en"),
	})
	if err != nil {
		if errs.CodeOf(err) == errs.Internal || errs.CodeOf(err) == errs.Forbidden {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "member_new", View{Title: "web.member_new", Form: f, Data: memberForm{currencyOptions(r), kindOptions(r)}, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/members/"+m.Code, http.StatusSeeOther)
	return nil
}

type memberPage struct {
	Member   member.Member
	Areas    []member.Area
	Names    map[string]member.Area // by code, to show parents' names
	CanEdit  bool
	Edit     *Form
	AreaForm *Form
	Levels   []Option
	Import   *Form
}

func (s *Server) memberPage(r *http.Request, code string) (memberPage, error) {
	ctx := r.Context()
	m, err := s.Members.Get(ctx, code)
	if err != nil {
		return memberPage{}, err
	}
	areas, err := s.Members.Areas(ctx, m.Code)
	if err != nil {
		return memberPage{}, err
	}
	p := memberPage{Member: m, Areas: areas, Names: map[string]member.Area{}, CanEdit: auth.Can(actor.From(ctx), auth.AreaManage)}
	for _, a := range areas {
		p.Names[a.Code] = a
	}
	p.Edit = &Form{Values: map[string][]string{
		"name_ar": {m.NameAR}, "name_en": {m.NameEN}, "timezone": {m.Timezone}, "calling_code": {m.CallingCode},
		"id_label_ar": {m.IDLabelAR}, "id_label_en": {m.IDLabelEN},
	}, Errors: map[string]string{}}
	p.AreaForm = &Form{Values: map[string][]string{}, Errors: map[string]string{}}
	p.Import = &Form{Errors: map[string]string{}}
	l := Lang(r)
	p.Levels = []Option{{member.Governorate, tr(l, "web.level_governorate")}, {member.District, tr(l, "web.level_district")}, {member.Locality, tr(l, "web.level_locality")}}
	return p, nil
}

func (s *Server) memberShow(w http.ResponseWriter, r *http.Request) error {
	p, err := s.memberPage(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	return s.Render(w, r, "member", View{Title: "web.member", Data: p})
}

// formFailed renders the member page again with the failing form filled.
func (s *Server) memberFailed(w http.ResponseWriter, r *http.Request, p memberPage, err error) error {
	if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
		return err
	}
	return s.Render(w, r, "member", View{Title: "web.member", Data: p, Status: Status(errs.CodeOf(err))})
}

func (s *Server) memberUpdate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.memberPage(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	_, err = s.Members.Update(r.Context(), p.Member.Code, member.Member{
		NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), Timezone: v.Get("timezone"), CallingCode: v.Get("calling_code"),
		IDLabelAR: v.Get("id_label_ar"), IDLabelEN: v.Get("id_label_en"),
	})
	if err != nil {
		f.Fail(Lang(r), err)
		p.Edit = f
		return s.memberFailed(w, r, p, err)
	}
	s.zones.Delete(p.Member.ID)
	Flash(w, "web.saved")
	http.Redirect(w, r, "/members/"+p.Member.Code, http.StatusSeeOther)
	return nil
}

func (s *Server) areaAdd(w http.ResponseWriter, r *http.Request) error {
	p, err := s.memberPage(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	_, err = s.Members.SaveArea(r.Context(), p.Member.Code, member.Area{
		Level: v.Get("level"), Code: strings.TrimSpace(v.Get("code")), ParentCode: strings.TrimSpace(v.Get("parent_code")),
		NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"),
	})
	if err != nil {
		f.Fail(Lang(r), err)
		p.AreaForm = f
		return s.memberFailed(w, r, p, err)
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/members/"+p.Member.Code+"#areas", http.StatusSeeOther)
	return nil
}

func (s *Server) areaImport(w http.ResponseWriter, r *http.Request) error {
	p, err := s.memberPage(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	f := &Form{Errors: map[string]string{}}
	file, hdr, err := r.FormFile("file")
	if big := uploadTooLarge(err); big != nil {
		return big
	}
	if err != nil {
		f.Fail(Lang(r), errs.E(errs.Invalid, "error.invalid_input").WithField("file", "error.required"))
		p.Import = f
		return s.memberFailed(w, r, p, errs.E(errs.Invalid, "error.required"))
	}
	defer file.Close()
	if _, err := s.Members.ImportAreasCSV(r.Context(), p.Member.Code, hdr.Filename, file); err != nil {
		f.Fail(Lang(r), err)
		p.Import = f
		return s.memberFailed(w, r, p, err)
	}
	Flash(w, "web.imported")
	http.Redirect(w, r, "/members/"+p.Member.Code+"#areas", http.StatusSeeOther)
	return nil
}
