package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/partner"
)

// The partner manager's pages: the list of a member's private-sector
// partners (search, filters, export), a partner's page with its
// agreements, pledges and deliveries, and the forms that record them.
// Templates are under templates/partner/.
func init() {
	Register(Module{
		Name: "partner",
		Menu: []MenuItem{{Path: "/partners", Key: "partner.menu", Perm: auth.PartnerRead, Order: 65}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /partners", auth.PartnerRead, s.partnerList)
			s.Handle(mux, "GET /partners/new", auth.PartnerManage, s.partnerNew)
			s.Handle(mux, "POST /partners/new", auth.PartnerManage, s.partnerSave)
			s.Handle(mux, "GET /partners/{id}", auth.PartnerRead, s.partnerPage)
			s.Handle(mux, "GET /partners/{id}/edit", auth.PartnerManage, s.partnerEdit)
			s.Handle(mux, "POST /partners/{id}/edit", auth.PartnerManage, s.partnerSave)
			s.Handle(mux, "POST /partners/{id}/consent", auth.PartnerManage, s.partnerConsent)
			s.Handle(mux, "POST /partners/{id}/logo", auth.PartnerManage, s.partnerLogoSave)
			s.Handle(mux, "GET /partners/{id}/logo", auth.PartnerRead, s.partnerLogo)
			s.Handle(mux, "GET /partners/{id}/agreements/new", auth.PartnerManage, s.agreementForm)
			s.Handle(mux, "POST /partners/{id}/agreements/new", auth.PartnerManage, s.agreementSave)
			s.Handle(mux, "GET /partner-agreements/{id}", auth.PartnerManage, s.agreementForm)
			s.Handle(mux, "POST /partner-agreements/{id}", auth.PartnerManage, s.agreementSave)
			s.Handle(mux, "POST /partner-agreements/{id}/documents", auth.PartnerManage, s.agreementUpload)
			s.Handle(mux, "POST /partner-agreements/{id}/terminate", auth.PartnerManage, s.agreementTerminate)
			s.Handle(mux, "GET /partner-documents/{id}", auth.PartnerRead, s.partnerDocument)
			s.Handle(mux, "GET /partners/{id}/pledges/new", auth.PartnerManage, s.pledgeForm)
			s.Handle(mux, "POST /partners/{id}/pledges/new", auth.PartnerManage, s.pledgeSave)
			s.Handle(mux, "GET /partner-pledges/{id}/deliver", auth.PartnerManage, s.deliveryForm)
			s.Handle(mux, "POST /partner-pledges/{id}/deliver", auth.PartnerManage, s.deliverySave)
			s.Handle(mux, "POST /partner-pledges/{id}/cancel", auth.PartnerManage, s.pledgeCancel)
		},
	})
}

// partnerMember is the member whose partners the page shows: the actor's,
// or for a union-level user the one named by ?member=CODE (the first
// member when none is named).
func (s *Server) partnerMember(r *http.Request) (member.Member, error) {
	a := actor.From(r.Context())
	if a.MemberID != 0 {
		return s.Members.ByID(r.Context(), a.MemberID)
	}
	if code := r.URL.Query().Get("member"); code != "" {
		return s.Members.Get(r.Context(), code)
	}
	ms, err := s.Members.List(r.Context())
	if err != nil {
		return member.Member{}, err
	}
	if len(ms) == 0 {
		return member.Member{}, errs.E(errs.NotFound, "member.not_found", "code", "")
	}
	return ms[0], nil
}

func partnerPathID(r *http.Request, key string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.NotFound, key)
	}
	return id, nil
}

// userError reports whether err is one a form shows beside its fields.
func userError(err error) bool {
	c := errs.CodeOf(err)
	return c == errs.Invalid || c == errs.Conflict
}

// areaPathOf names the areas of codes from the top, skipping empty ones.
func areaPathOf(l i18n.Lang, areas []member.Area, codes ...string) []string {
	var keep []string
	for _, c := range codes {
		if c != "" {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return areaNames(l, areas, keep...)
}

func sectorOptions(l i18n.Lang, blank string) []Option {
	var out []Option
	if blank != "" {
		out = append(out, Option{"", tr(l, blank)})
	}
	for _, v := range partner.Sectors {
		out = append(out, Option{v, tr(l, "partner.sector."+v)})
	}
	return out
}

type partnerRow struct {
	partner.Partner
	Name      string
	AreaNames []string
}

type partnerListPage struct {
	Member    member.Member
	Members   []Option
	Query     url.Values
	Sectors   []Option
	Statuses  []Option
	Consents  []Option
	Areas     areaPicker
	Rows      []partnerRow
	CanManage bool
	Export    exportLinks
}

func (s *Server) partnerList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	q := r.URL.Query()
	m, err := s.partnerMember(r)
	if err != nil {
		return err
	}
	pg := partnerListPage{Member: m, Query: q, Sectors: sectorOptions(l, "partner.all"), CanManage: auth.Can(actor.From(ctx), auth.PartnerManage), Export: exportLinksOf(r)}
	pg.Statuses = []Option{{"", tr(l, "partner.all")}, {partner.Active, tr(l, "partner.status.active")}, {partner.Inactive, tr(l, "partner.status.inactive")}}
	pg.Consents = []Option{{"", tr(l, "partner.all")}, {"yes", tr(l, "partner.consent_yes")}, {"no", tr(l, "partner.consent_no")}}
	if actor.From(ctx).MemberID == 0 {
		ms, err := s.Members.List(ctx)
		if err != nil {
			return err
		}
		for _, x := range ms {
			pg.Members = append(pg.Members, Option{x.Code, pickerName(l, x.NameAR, x.NameEN)})
		}
	}
	f := &Form{Values: q, Errors: map[string]string{}}
	if err := s.resolveAreaValues(ctx, m.ID, q); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(l, err)
	}
	if pg.Areas, err = s.staffAreaPicker(r, m.ID, f, true); err != nil {
		return err
	}
	filter := partner.Filter{Query: q.Get("q"), Sector: q.Get("sector"), Status: q.Get("status"), Consent: q.Get("consent"), Area: deepestArea(q)}
	ps, err := s.Partners.List(ctx, m.ID, filter)
	if err != nil {
		return err
	}
	_, areas, err := s.memberAreas(ctx, m.ID)
	if err != nil {
		return err
	}
	if exportFormat(r) != "" {
		return s.partnerExport(w, r, m, ps, areas, filter)
	}
	for _, p := range ps {
		pg.Rows = append(pg.Rows, partnerRow{Partner: p, Name: pick(l, p.NameAR, p.NameEN), AreaNames: areaPathOf(l, areas, p.Governorate, p.District, p.Locality)})
	}
	return s.Render(w, r, "partner/list", View{Title: "partner.list_title", Data: pg})
}

func (s *Server) partnerExport(w http.ResponseWriter, r *http.Request, m member.Member, ps []partner.Partner, areas []member.Area, f partner.Filter) error {
	l := Lang(r)
	var filters []exportFilter
	if f.Query != "" {
		filters = append(filters, exportFilter{"partner.search", f.Query})
	}
	if f.Sector != "" {
		filters = append(filters, exportFilter{"partner.sector", tr(l, "partner.sector."+f.Sector)})
	}
	if f.Status != "" {
		filters = append(filters, exportFilter{"partner.status", tr(l, "partner.status."+f.Status)})
	}
	if f.Area != "" {
		filters = append(filters, exportFilter{"partner.area", strings.Join(areaNames(l, areas, f.Area), "، ")})
	}
	x, err := s.startExport(w, r, "partners", "partner.list_title", m.ID, s.memberZone(r.Context(), m.ID), filters,
		[]string{"partner.name_ar", "partner.name_en", "partner.sector", "partner.reg_no", "partner.area", "partner.website", "partner.consent", "partner.status"})
	if err != nil {
		return err
	}
	for i, p := range ps {
		if i >= x.Limit() {
			break
		}
		if err := x.Row(p.NameAR, p.NameEN, tr(l, "partner.sector."+p.Sector), rawCell(p.RegNo), strings.Join(areaPathOf(l, areas, p.Governorate, p.District, p.Locality), " › "),
			rawCell(p.Website), yesNo(l, p.Consent), tr(l, "partner.status."+p.Status)); err != nil {
			return x.Close(err)
		}
	}
	return x.Close(nil)
}

// pledgeRow is a pledge as the partner page shows it.
type pledgeRow struct {
	partner.Pledge
	Agreement string
	AreaName  string
}

// partnerQty is an amount or a count of a pledge's kind, for the
// "partner-qty" partial.
type partnerQty struct {
	Kind, Currency, Unit string
	N                    int64
}

// Qty is n in the pledge's units.
func (p pledgeRow) Qty(n int64) partnerQty {
	return partnerQty{Kind: p.Kind, Currency: p.Currency, Unit: p.Unit, N: n}
}

// QtyOf is n in the units of pledge id.
func (pg partnerPage) QtyOf(id, n int64) partnerQty {
	return pledgeRow{Pledge: pg.Pledged[id]}.Qty(n)
}

type partnerPage struct {
	Partner    partner.Partner
	Name       string
	AreaNames  []string
	Agreements []partner.Agreement
	Pledges    []pledgeRow
	Deliveries []partner.Delivery
	Pledged    map[int64]partner.Pledge
	History    []audit.Record
	CanManage  bool
	Forms      map[string]*Form
}

func (s *Server) partnerPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPartnerPage(w, r, nil, "")
}

// renderPartnerPage draws a partner's page; a form that failed (f, named
// which) is shown with its errors.
func (s *Server) renderPartnerPage(w http.ResponseWriter, r *http.Request, f *Form, which string) error {
	ctx := r.Context()
	l := Lang(r)
	id, err := partnerPathID(r, "partner.not_found")
	if err != nil {
		return err
	}
	p, err := s.Partners.Get(ctx, id)
	if err != nil {
		return err
	}
	pg := partnerPage{Partner: p, Name: pick(l, p.NameAR, p.NameEN), CanManage: auth.Can(actor.From(ctx), auth.PartnerManage), Forms: map[string]*Form{}, Pledged: map[int64]partner.Pledge{}}
	_, areas, err := s.memberAreas(ctx, p.MemberID)
	if err != nil {
		return err
	}
	pg.AreaNames = areaPathOf(l, areas, p.Governorate, p.District, p.Locality)
	if pg.Agreements, err = s.Partners.Agreements(ctx, id); err != nil {
		return err
	}
	titles := map[int64]string{}
	for _, a := range pg.Agreements {
		titles[a.ID] = a.Title
	}
	ps, err := s.Partners.Pledges(ctx, id)
	if err != nil {
		return err
	}
	for _, x := range ps {
		row := pledgeRow{Pledge: x, Agreement: titles[x.AgreementID]}
		if x.AreaCode != "" {
			row.AreaName = strings.Join(areaNames(l, areas, x.AreaCode), "")
		}
		pg.Pledges = append(pg.Pledges, row)
		pg.Pledged[x.ID] = x
	}
	if pg.Deliveries, err = s.Partners.Deliveries(ctx, id); err != nil {
		return err
	}
	if pg.History, err = s.Partners.History(ctx, id); err != nil {
		return err
	}
	status := 0
	if f != nil {
		pg.Forms[which] = f
		status = Status(errs.CodeOf(errs.E(errs.Invalid, "")))
	}
	return s.Render(w, r, "partner/page", View{Title: "partner.page_title", Data: pg, Status: status})
}

type partnerFormPage struct {
	Member    member.Member
	Partner   partner.Partner
	Form      *Form
	Sectors   []Option
	Statuses  []Option
	Areas     areaPicker
	Contacts  []partner.Contact
	MemberQry string
}

func (s *Server) partnerNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: url.Values{"status": {partner.Active}}, Errors: map[string]string{}}
	return s.renderPartnerForm(w, r, partner.Partner{}, f)
}

func (s *Server) partnerEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.not_found")
	if err != nil {
		return err
	}
	p, err := s.Partners.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v := url.Values{}
	v.Set("name_ar", p.NameAR)
	v.Set("name_en", p.NameEN)
	v.Set("sector", p.Sector)
	v.Set("reg_no", p.RegNo)
	v.Set("governorate", p.Governorate)
	v.Set("district", p.District)
	v.Set("locality", p.Locality)
	v.Set("address", p.Address)
	v.Set("website", p.Website)
	v.Set("status", p.Status)
	v.Set("version", strconv.FormatInt(p.Version, 10))
	for i, c := range p.Contacts {
		n := strconv.Itoa(i)
		v.Set("contact_name_"+n, c.Name)
		v.Set("contact_role_"+n, c.Role)
		v.Set("contact_phone_"+n, c.Phone)
		v.Set("contact_email_"+n, c.Email)
	}
	return s.renderPartnerForm(w, r, p, &Form{Values: v, Errors: map[string]string{}})
}

// contactSlots is how many contact persons the form offers at once.
const contactSlots = 3

func (s *Server) renderPartnerForm(w http.ResponseWriter, r *http.Request, p partner.Partner, f *Form) error {
	l := Lang(r)
	mid := p.MemberID
	var m member.Member
	var err error
	if mid == 0 {
		m, err = s.partnerMember(r)
	} else {
		m, err = s.Members.ByID(r.Context(), mid)
	}
	if err != nil {
		return err
	}
	pg := partnerFormPage{Member: m, Partner: p, Form: f, Sectors: sectorOptions(l, ""),
		Statuses: []Option{{partner.Active, tr(l, "partner.status.active")}, {partner.Inactive, tr(l, "partner.status.inactive")}}}
	if actor.From(r.Context()).MemberID == 0 && p.ID == 0 {
		pg.MemberQry = "?member=" + url.QueryEscape(m.Code)
	}
	picker := &Form{Values: url.Values{}, Errors: f.Errors}
	for _, k := range areaFields {
		picker.Values.Set(k, f.Values.Get(k))
	}
	if pg.Areas, err = s.staffAreaPicker(r, m.ID, picker, false); err != nil {
		return err
	}
	n := contactSlots
	for i := 0; ; i++ {
		if f.Values.Get("contact_name_"+strconv.Itoa(i)) == "" && i >= contactSlots {
			break
		}
		n = i + 1
	}
	for i := range n + boolInt(n >= contactSlots) {
		k := strconv.Itoa(i)
		pg.Contacts = append(pg.Contacts, partner.Contact{Name: f.Values.Get("contact_name_" + k), Role: f.Values.Get("contact_role_" + k),
			Phone: f.Values.Get("contact_phone_" + k), Email: f.Values.Get("contact_email_" + k)})
	}
	title := "partner.new_title"
	if p.ID != 0 {
		title = "partner.edit_title"
	}
	return s.Render(w, r, "partner/edit", View{Title: title, Data: pg, Form: f, Status: formStatus(f)})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// formStatus is 422 for a form drawn again with errors.
func formStatus(f *Form) int {
	if f != nil && (len(f.Errors) > 0 || f.Message != "") {
		return http.StatusUnprocessableEntity
	}
	return 0
}

func (s *Server) partnerSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	f := NewForm(r)
	v := f.Values
	var p partner.Partner
	if r.PathValue("id") != "" {
		id, err := partnerPathID(r, "partner.not_found")
		if err != nil {
			return err
		}
		if p, err = s.Partners.Get(ctx, id); err != nil {
			return err
		}
	}
	mid := p.MemberID
	if mid == 0 {
		m, err := s.partnerMember(r)
		if err != nil {
			return err
		}
		mid = m.ID
	}
	if err := s.resolveAreaValues(ctx, mid, v); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(l, err)
		return s.renderPartnerForm(w, r, p, f)
	}
	if areaRefreshed(v) {
		return s.renderPartnerForm(w, r, p, f)
	}
	in := partner.Partner{ID: p.ID, NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), Sector: v.Get("sector"), RegNo: v.Get("reg_no"),
		Governorate: v.Get("governorate"), District: v.Get("district"), Locality: v.Get("locality"), Address: v.Get("address"), Website: v.Get("website"),
		Status: v.Get("status"), Version: intField(v.Get("version"))}
	for i := 0; i < partner.MaxContacts; i++ {
		k := strconv.Itoa(i)
		if !v.Has("contact_name_" + k) {
			break
		}
		in.Contacts = append(in.Contacts, partner.Contact{Name: v.Get("contact_name_" + k), Role: v.Get("contact_role_" + k), Phone: v.Get("contact_phone_" + k), Email: v.Get("contact_email_" + k)})
	}
	saved, err := s.Partners.Save(ctx, mid, in)
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(l, err)
		return s.renderPartnerForm(w, r, p, f)
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(saved.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) partnerConsent(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	if _, err := s.Partners.SetConsent(r.Context(), id, f.Values.Get("consent") == "give"); err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderPartnerPage(w, r, f, "consent")
	}
	Flash(w, "partner.consent_saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// multipartForm parses an upload form; a form bigger than the upload
// limit is refused with the limit's message.
func (s *Server) multipartForm(r *http.Request) (*Form, error) {
	if big := uploadTooLarge(r.ParseMultipartForm(1 << 20)); big != nil {
		return nil, big
	}
	if r.MultipartForm == nil {
		return &Form{Values: url.Values{}, Errors: map[string]string{}}, nil
	}
	return &Form{Values: r.MultipartForm.Value, Errors: map[string]string{}, arabic: variantOf(r).arabic}, nil
}

// formFile is the file of field name, or nil when none was sent; close
// what it returns.
func formFile(r *http.Request, name string) (*partner.File, func()) {
	file, hdr, err := r.FormFile(name)
	if err != nil || hdr.Size == 0 {
		if err == nil {
			file.Close()
		}
		return nil, func() {}
	}
	return &partner.File{Name: hdr.Filename, Body: file}, func() { file.Close() }
}

func (s *Server) partnerLogoSave(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.not_found")
	if err != nil {
		return err
	}
	f, err := s.multipartForm(r)
	if err != nil {
		return err
	}
	file, done := formFile(r, "logo")
	defer done()
	if file == nil {
		err = errs.E(errs.Invalid, "partner.file_empty").WithField("logo", "partner.file_empty")
	} else {
		err = s.Partners.SetLogo(r.Context(), id, *file)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderPartnerPage(w, r, f, "logo")
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) partnerLogo(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.not_found")
	if err != nil {
		return err
	}
	ct, data, err := s.Partners.Logo(r.Context(), id, false)
	if err != nil {
		return err
	}
	return writeImage(w, ct, data)
}

func writeImage(w http.ResponseWriter, ct string, data []byte) error {
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, err := w.Write(data)
	return err
}

func (s *Server) partnerDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.document_not_found")
	if err != nil {
		return err
	}
	d, data, err := s.Partners.DocumentContent(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(d.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(data)
	return err
}

// parseAmount reads a quantity: a decimal amount of currency (money), or
// a whole count; digits of any script.
func parseAmount(v, currency string, isMoney bool) (int64, bool) {
	v = strings.TrimSpace(arabic.Digits(v))
	v = strings.ReplaceAll(strings.ReplaceAll(v, ",", ""), "٬", "")
	v = strings.ReplaceAll(v, "٫", ".")
	if v == "" {
		return 0, false
	}
	if !isMoney {
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	c, ok := money.Lookup(currency)
	if !ok {
		return 0, false
	}
	n, err := money.Parse(v, c.Exponent)
	return n, err == nil
}
