package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

func init() {
	Register(Module{
		Name: "registry",
		Menu: []MenuItem{{Path: "/households", Key: "registry.menu", Perm: auth.RegistryRead, Order: 10}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /households", auth.RegistryRead, s.householdList)
			s.Handle(mux, "GET /households/new", auth.RegistryWrite, s.householdNew)
			s.Handle(mux, "POST /households", auth.RegistryWrite, s.householdCreate)
			s.Handle(mux, "GET /households/{id}", auth.RegistryRead, s.householdShow)
			s.Handle(mux, "POST /households/{id}", auth.RegistryWrite, s.householdUpdate)
			s.Handle(mux, "POST /households/{id}/persons", auth.RegistryWrite, s.personAdd)
			s.Handle(mux, "POST /persons/{id}/move", auth.RegistryWrite, s.personMove)
			s.Handle(mux, "GET /registry/upload", auth.RegistryWrite, s.registryUpload)
			s.Handle(mux, "POST /registry/upload", auth.RegistryWrite, s.registryImport)
			s.Handle(mux, "GET /registry/template/{file}", auth.RegistryRead, s.registryTemplate)
		},
	})
}

// codeOptions turns a vocabulary into select options in the user's
// language, with an empty choice first unless required.
func regCodeOptions(l i18n.Lang, v *registry.Vocab, required bool) []Option {
	var o []Option
	if !required {
		o = append(o, Option{"", "—"})
	}
	for _, c := range v.Codes {
		label := c.EN
		if l == i18n.AR {
			label = c.AR
		}
		o = append(o, Option{c.Code, label})
	}
	return o
}

type registryFormChoices struct {
	Relationships, Sexes, Dwellings, Waters, Sanitations, YesNo, Maritals, Educations, Employments, Orphans []Option
	ContactLangs                                                                                            []Option
}

func registryFormOptions(r *http.Request) registryFormChoices {
	l := Lang(r)
	return registryFormChoices{
		Relationships: regCodeOptions(l, registry.Relationships, true), Sexes: regCodeOptions(l, registry.Sexes, true),
		Dwellings: regCodeOptions(l, registry.DwellingTypes, false), Waters: regCodeOptions(l, registry.WaterSources, false),
		Sanitations: regCodeOptions(l, registry.Sanitations, false),
		YesNo:       []Option{{"", "—"}, {"yes", tr(l, "registry.yes")}, {"no", tr(l, "registry.no")}},
		Maritals:    regCodeOptions(l, registry.MaritalStatuses, false), Educations: regCodeOptions(l, registry.Educations, false),
		Employments: regCodeOptions(l, registry.EmploymentStatuses, false), Orphans: regCodeOptions(l, registry.Orphanhoods, false),
		ContactLangs: []Option{{"", tr(l, "registry.contact_lang_default")}, {"ar", tr(l, "notify.lang.ar")}, {"en", tr(l, "notify.lang.en")}},
	}
}

type registryNewData struct {
	Options registryFormChoices
	Person  PersonFields
	Areas   areaPicker
}

// PersonFields is what the registry-person partial draws: a form and the
// choices of its coded fields.
type PersonFields struct {
	Form    *Form
	Options registryFormChoices
	// Duplicates are registered persons the person being saved may be,
	// shown with a "save anyway" confirmation (registryDuplicates).
	Duplicates []registryDuplicateRow
}

func (s *Server) registryNewPage(r *http.Request, f *Form) (registryNewData, error) {
	o := registryFormOptions(r)
	id, _ := auth.MemberScope(r.Context())
	a, err := s.staffAreaPicker(r, id, f, false)
	return registryNewData{o, PersonFields{Form: f, Options: o}, a}, err
}

func (s *Server) householdNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: url.Values{"relationship": {"head"}}, Errors: map[string]string{}}
	data, err := s.registryNewPage(r, f)
	if err != nil {
		return err
	}
	return s.Render(w, r, "registry/new", View{Title: "registry.new", Form: f, Data: data})
}

func regFormInt(v url.Values, name string) *int {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(regDigits(s))
	if err != nil {
		n = -1 // out of range: the registry reports it beside the field
	}
	return &n
}

func regFormBool(v url.Values, name string) *bool {
	switch v.Get(name) {
	case "yes":
		b := true
		return &b
	case "no":
		b := false
		return &b
	}
	return nil
}

// arabicDigits folds Arabic-Indic digits for strconv.
func regDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + r - '٠'
		case r >= '۰' && r <= '۹':
			return '0' + r - '۰'
		}
		return r
	}, s)
}

func regHouseholdFromForm(v url.Values) registry.Household {
	h := registry.Household{Ref: v.Get("household_ref"), Governorate: v.Get("governorate"), District: v.Get("district"), Locality: v.Get("locality"),
		Address: v.Get("address"), DwellingType: v.Get("dwelling_type"), Rooms: regFormInt(v, "rooms"), WaterSource: v.Get("water_source"),
		Sanitation: v.Get("sanitation"), Electricity: regFormBool(v, "electricity"), Consent: regFormBool(v, "consent"),
		ContactConsent: regFormBool(v, "contact_consent"), ContactLang: v.Get("contact_lang"), ContactEmail: v.Get("contact_email")}
	if a := strings.TrimSpace(v.Get("assets")); a != "" {
		h.Assets = strings.FieldsFunc(a, func(r rune) bool { return r == ';' || r == ',' || r == '،' || r == '؛' })
	}
	h.Version, _ = strconv.Atoi(v.Get("version"))
	return h
}

func regPersonFromForm(v url.Values) registry.Person {
	p := registry.Person{Ref: v.Get("member_ref"), Relationship: v.Get("relationship"), FirstName: v.Get("first_name"), FatherName: v.Get("father_name"),
		GrandfatherName: v.Get("grandfather_name"), FamilyName: v.Get("family_name"), NameLatin: v.Get("name_latin"), Sex: v.Get("sex"),
		BirthDate: v.Get("birth_date"), NationalID: v.Get("national_id"), Phone: v.Get("phone"), MaritalStatus: v.Get("marital_status"),
		Education: v.Get("education"), EmploymentStatus: v.Get("employment_status"), Orphan: v.Get("orphan"), Pregnant: v.Get("pregnant") == "yes"}
	for i, d := range registry.WGDomains {
		if n := regFormInt(v, d); n != nil {
			p.Disability[i] = int8(*n)
		}
	}
	return p
}

// personFieldsUnprefixed moves a person's field errors (Row 1 from
// CreateHousehold) beside the form's fields.
func regPersonFieldsUnprefixed(err error) error {
	if e := errs.As(err); e != nil {
		for i := range e.Fields {
			e.Fields[i].Row = 0
		}
	}
	return err
}

func (s *Server) householdCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	ctx := r.Context()
	member, all := auth.MemberScope(ctx)
	if all {
		return errs.E(errs.Forbidden, "registry.union_cannot_register")
	}
	if areaRefreshed(f.Values) {
		// The no-JavaScript picker asked for the lists below its choice.
		data, err := s.registryNewPage(r, f)
		if err != nil {
			return err
		}
		return s.Render(w, r, "registry/new", View{Title: "registry.new", Form: f, Data: data})
	}
	if err := s.resolveAreaValues(ctx, member, f.Values); err != nil {
		if c := errs.CodeOf(err); c == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		data, derr := s.registryNewPage(r, f)
		if derr != nil {
			return derr
		}
		return s.Render(w, r, "registry/new", View{Title: "registry.new", Form: f, Data: data, Status: Status(errs.CodeOf(err))})
	}
	head := regPersonFromForm(f.Values)
	pol := registryPolicy(f.Values)
	reg, err := s.Registry.Register(ctx, member, regHouseholdFromForm(f.Values), []registry.Person{head}, pol)
	if registryRefused(err) {
		data, derr := s.registryNewPage(r, f)
		if derr != nil {
			return derr
		}
		if data.Person.Duplicates, err = s.registryDuplicates(ctx, reg.Duplicates); err != nil {
			return err
		}
		// The list sits beside the save button; say so at the top.
		f.Message = tr(Lang(r), "registry.dup_see_below")
		return s.Render(w, r, "registry/new", View{Title: "registry.new", Form: f, Data: data, Status: http.StatusConflict})
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		f.Fail(Lang(r), regPersonFieldsUnprefixed(err))
		data, derr := s.registryNewPage(r, f)
		if derr != nil {
			return derr
		}
		return s.Render(w, r, "registry/new", View{Title: "registry.new", Form: f, Data: data, Status: Status(errs.CodeOf(err))})
	}
	if len(reg.Duplicates) > 0 && !pol.Confirmed {
		return s.registrySavedWithWarnings(w, r, reg.Household.ID, reg.Duplicates)
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(reg.Household.ID, 10), http.StatusSeeOther)
	return nil
}

type registryHouseholdPage struct {
	Household registry.Household
	Persons   []registry.Person
	History   []historyRow
	Names     map[int64]string // person id → member ref, for history
	CanWrite  bool
	Edit      *Form
	Add       *Form
	AddDups   []registryDuplicateRow // what the add-person form may duplicate
	// Warnings are the possible duplicates of a person just saved.
	Warnings []registryDuplicateRow
	Move     *Form
	Options  registryFormChoices
	Others   []Option // persons who can become head when the head moves
	// Programs: the latest decision of each program on the household, in
	// words, and its enrollments; shown to those who may read programs.
	Decisions   []regDecision
	Enrollments []program.Enrollment
	CanPrograms bool
	CanPayments bool
	// MemberCode is the household's member, which the program and payment
	// pages of a household need for a union-level user.
	MemberCode string
	// AreaNames are the governorate's, district's and locality's names in
	// the reader's language; Areas is the edit form's picker.
	AreaNames []string
	Areas     areaPicker

	// Training is the training history of the household's persons who
	// have one, for readers of training (handler_training_history.go).
	Training []trainingHistory
}

// regDecision is one program's latest decision with its words.
type regDecision struct {
	program.HouseholdDecision
	Why []string
}

// Rooms is the household's number of rooms, or nil when unknown (a
// template prints a *int as an address).
func (p registryHouseholdPage) Rooms() any {
	if p.Household.Rooms == nil {
		return nil
	}
	return *p.Household.Rooms
}

// ElectricityKey and ConsentKey are the message keys of the household's
// answers, "" when unknown.
func (p registryHouseholdPage) ElectricityKey() string {
	return answerKey(p.Household.Electricity, "registry.yes", "registry.no")
}

func (p registryHouseholdPage) ConsentKey() string {
	return answerKey(p.Household.Consent, "pages.consent_given", "pages.consent_not_given")
}

// ContactConsentKey is the message key of the household's consent to be
// contacted, "" when not recorded.
func (p registryHouseholdPage) ContactConsentKey() string {
	return answerKey(p.Household.ContactConsent, "registry.yes", "registry.no")
}

func answerKey(b *bool, yes, no string) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return yes
	}
	return no
}

// AddFields is the add-person form for the registry-person partial.
func (p registryHouseholdPage) AddFields() PersonFields {
	return PersonFields{p.Add, p.Options, p.AddDups}
}

func (s *Server) registryHouseholdPage(r *http.Request) (registryHouseholdPage, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return registryHouseholdPage{}, errs.E(errs.NotFound, "registry.household_not_found")
	}
	ctx := r.Context()
	reg := s.Registry
	h, err := reg.Household(ctx, id)
	if err != nil {
		return registryHouseholdPage{}, err
	}
	ps, err := reg.Persons(ctx, id)
	if err != nil {
		return registryHouseholdPage{}, err
	}
	hist, err := reg.History(ctx, id, 0, 200)
	if err != nil {
		return registryHouseholdPage{}, err
	}
	a := actor.From(ctx)
	p := registryHouseholdPage{Household: h, Persons: ps, History: s.historyRows(r, h.MemberID, hist), CanWrite: auth.Can(a, auth.RegistryWrite), Options: registryFormOptions(r),
		CanPrograms: auth.Can(a, auth.ProgramRead), CanPayments: auth.Can(a, auth.PaymentRead)}
	if m, err := s.Members.ByID(ctx, h.MemberID); err == nil {
		p.MemberCode = m.Code
	}
	if p.Training, err = s.personTraining(r, h.MemberID, ps); err != nil {
		return registryHouseholdPage{}, err
	}
	if p.CanPrograms {
		progs := s.Programs
		ds, err := progs.LatestDecisions(ctx, h.MemberID, h.ID)
		if err != nil {
			return registryHouseholdPage{}, err
		}
		for _, d := range ds {
			p.Decisions = append(p.Decisions, regDecision{d, d.Decision.Plain(Lang(r))})
		}
		if p.Enrollments, err = progs.Enrollments(ctx, program.EnrollmentFilter{HouseholdID: h.ID}); err != nil {
			return registryHouseholdPage{}, err
		}
	}
	p.Edit = &Form{Values: url.Values{
		"governorate": {h.Governorate}, "district": {h.District}, "locality": {h.Locality}, "address": {h.Address},
		"dwelling_type": {h.DwellingType}, "water_source": {h.WaterSource}, "sanitation": {h.Sanitation},
		"assets": {strings.Join(h.Assets, ";")}, "version": {strconv.Itoa(h.Version)},
		"contact_lang": {h.ContactLang}, "contact_email": {h.ContactEmail},
	}, Errors: map[string]string{}}
	if h.Rooms != nil {
		p.Edit.Values.Set("rooms", strconv.Itoa(*h.Rooms))
	}
	for name, b := range map[string]*bool{"electricity": h.Electricity, "consent": h.Consent, "contact_consent": h.ContactConsent} {
		if b != nil {
			p.Edit.Values.Set(name, map[bool]string{true: "yes", false: "no"}[*b])
		}
	}
	if err := s.householdAreas(r, &p); err != nil {
		return registryHouseholdPage{}, err
	}
	p.Add = &Form{Values: url.Values{}, Errors: map[string]string{}}
	p.Move = &Form{Values: url.Values{}, Errors: map[string]string{}}
	p.Others = []Option{{"", "—"}}
	for _, q := range ps {
		if q.Relationship != "head" {
			p.Others = append(p.Others, Option{strconv.FormatInt(q.ID, 10), q.FullName()})
		}
	}
	return p, nil
}

func (s *Server) householdShow(w http.ResponseWriter, r *http.Request) error {
	p, err := s.registryHouseholdPage(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "registry/household", View{Title: "registry.household", Data: p})
}

func (s *Server) householdFailed(w http.ResponseWriter, r *http.Request, p registryHouseholdPage, err error) error {
	if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
		return err
	}
	return s.Render(w, r, "registry/household", View{Title: "registry.household", Data: p, Status: Status(errs.CodeOf(err))})
}

func (s *Server) householdUpdate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.registryHouseholdPage(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	status := http.StatusOK
	if !areaRefreshed(f.Values) {
		if err := s.resolveAreaValues(r.Context(), p.Household.MemberID, f.Values); err != nil {
			if errs.CodeOf(err) == errs.Internal {
				return err
			}
			f.Fail(Lang(r), err)
			status = Status(errs.CodeOf(err))
		}
	}
	if areaRefreshed(f.Values) || status != http.StatusOK {
		// The no-JavaScript picker asked for the lists below its choice,
		// or a typed area name is unknown: the form again, nothing saved.
		p.Edit = f
		if p.Areas, err = s.staffAreaPicker(r, p.Household.MemberID, f, false); err != nil {
			return err
		}
		return s.Render(w, r, "registry/household", View{Title: "registry.household", Data: p, Status: status})
	}
	h := regHouseholdFromForm(f.Values)
	h.Source, h.RegisteredOn, h.Attrs, h.MonthlyIncome = p.Household.Source, p.Household.RegisteredOn, p.Household.Attrs, p.Household.MonthlyIncome
	if _, uerr := s.Registry.UpdateHousehold(r.Context(), p.Household.ID, h); uerr != nil {
		f.Fail(Lang(r), uerr)
		p.Edit = f
		if p.Areas, err = s.staffAreaPicker(r, p.Household.MemberID, f, false); err != nil {
			return err
		}
		return s.householdFailed(w, r, p, uerr)
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(p.Household.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) personAdd(w http.ResponseWriter, r *http.Request) error {
	p, err := s.registryHouseholdPage(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	q := regPersonFromForm(f.Values)
	pol := registryPolicy(f.Values)
	_, ds, err := s.Registry.RegisterPerson(r.Context(), p.Household.ID, q, pol)
	if registryRefused(err) {
		if p.AddDups, err = s.registryDuplicates(r.Context(), ds); err != nil {
			return err
		}
		f.Message = tr(Lang(r), "registry.dup_see_below")
		p.Add = f
		return s.Render(w, r, "registry/household", View{Title: "registry.household", Data: p, Status: http.StatusConflict})
	}
	if err != nil {
		f.Fail(Lang(r), err)
		p.Add = f
		return s.householdFailed(w, r, p, err)
	}
	if len(ds) > 0 && !pol.Confirmed {
		return s.registrySavedWithWarnings(w, r, p.Household.ID, ds)
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(p.Household.ID, 10)+"#persons", http.StatusSeeOther)
	return nil
}

func (s *Server) personMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reg := s.Registry
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E(errs.NotFound, "registry.person_not_found")
	}
	q, err := reg.Person(ctx, id)
	if err != nil {
		return err
	}
	f := NewForm(r)
	to, err := reg.HouseholdByRef(ctx, q.MemberID, strings.TrimSpace(f.Values.Get("to")))
	if err == nil {
		newHead, _ := strconv.ParseInt(f.Values.Get("new_head"), 10, 64)
		_, err = reg.MovePerson(ctx, id, to.ID, f.Values.Get("relationship"), newHead)
	} else if errs.CodeOf(err) == errs.NotFound {
		err = errs.E(errs.Invalid, "error.invalid_input").WithField("to", "registry.household_not_found")
	}
	if err != nil {
		r.SetPathValue("id", strconv.FormatInt(q.HouseholdID, 10))
		p, perr := s.registryHouseholdPage(r)
		if perr != nil {
			return perr
		}
		f.Fail(Lang(r), err)
		p.Move = f
		return s.householdFailed(w, r, p, err)
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(to.ID, 10), http.StatusSeeOther)
	return nil
}

type registryUploadPage struct {
	Batch *registry.ImportBatch
}

func (s *Server) registryUpload(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, "registry/upload", View{Title: "registry.upload", Form: &Form{Errors: map[string]string{}}})
}

// registryImport takes one .xlsx or two CSV files (households, members)
// and imports them all or nothing, listing every problem with its file,
// row and column.
func (s *Server) registryImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	member, all := auth.MemberScope(ctx)
	if all {
		return errs.E(errs.Forbidden, "registry.union_cannot_register")
	}
	l := Lang(r)
	f := &Form{Errors: map[string]string{}}
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		e := errs.As(err)
		f.Message = i18n.T(l, e.Key, e.Args)
		for _, p := range registry.Failures(err) {
			f.Problems = append(f.Problems, i18n.T(l, "registry.problem_at", map[string]any{"file": p.File, "row": p.Row, "column": p.Column})+": "+i18n.T(l, p.Key, p.Args))
		}
		return s.Render(w, r, "registry/upload", View{Title: "registry.upload", Form: f, Status: Status(errs.CodeOf(err))})
	}
	if big := uploadTooLarge(r.ParseMultipartForm(32 << 20)); big != nil {
		return fail(big)
	}
	// Every new person is checked against the registry: likely duplicates
	// refuse the import unless the registrar confirms them; they and the
	// possible ones are listed with the result.
	opt := registry.ImportOptions{Encoding: r.FormValue("encoding"), DryRun: r.FormValue("dry_run") == "yes",
		ConfirmDuplicates: r.FormValue("confirm_duplicates") == "yes", Limits: s.Limits}

	var batch registry.ImportBatch
	var work jobs.Func
	if x, hdr, ferr := r.FormFile("workbook"); ferr == nil {
		defer x.Close()
		work = func(ctx context.Context, p *jobs.Progress) (err error) {
			opt.Progress = func(_ string, rows int) { p.Set(int64(rows), 0) }
			batch, err = s.Registry.ImportXLSX(ctx, member, hdr.Filename, x, opt)
			return err
		}
	} else {
		hf, hh, err1 := r.FormFile("households")
		mf, mh, err2 := r.FormFile("members")
		if err1 != nil || err2 != nil {
			return fail(errs.E(errs.Invalid, "registry.upload_files"))
		}
		defer hf.Close()
		defer mf.Close()
		work = func(ctx context.Context, p *jobs.Progress) (err error) {
			opt.Progress = func(_ string, rows int) { p.Set(int64(rows), 0) }
			batch, err = s.Registry.ImportCSV(ctx, member, hh.Filename, hf, mh.Filename, mf, opt)
			return err
		}
	}
	// The import runs in this request, as a job: it is on the jobs page
	// while it goes on, an administrator can cancel it there, and it stops
	// when the server shuts down. The person sees the result here.
	j, err := s.Jobs.Run(ctx, jobs.Spec{Kind: jobs.KindImport, MemberID: member}, work)
	if err != nil && (j.ReasonKey == "jobs.cancelled" || j.ReasonKey == "jobs.server_stopped") {
		// Stopped from the jobs page or by the server: nothing was stored.
		e := errs.E(errs.Conflict, j.ReasonKey)
		e.Args = j.ReasonArgs
		err = e
	}
	if err != nil {
		return fail(err)
	}
	return s.Render(w, r, "registry/upload", View{Title: "registry.upload", Form: &Form{Errors: map[string]string{}}, Data: registryUploadPage{&batch}})
}

func (s *Server) registryTemplate(w http.ResponseWriter, r *http.Request) error {
	var b bytes.Buffer
	var err error
	switch name := r.PathValue("file"); name {
	case "households.csv", "members.csv":
		err = registry.WriteTemplateCSV(&b, strings.TrimSuffix(name, ".csv"))
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	case "template.xlsx":
		err = registry.WriteTemplateXLSX(&b)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	default:
		return errs.E(errs.NotFound, "error.not_found")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("file")+`"`)
	_, err = w.Write(b.Bytes())
	return err
}
