package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/partner"
)

// The forms of a partner's agreements (with their documents), pledges and
// deliveries.

type agreementFormPage struct {
	Partner   partner.Partner
	Agreement partner.Agreement
	Form      *Form
	Statuses  []Option
}

// agreementTarget reads the route: /partners/{id}/agreements/new names the
// partner, /partner-agreements/{id} the agreement.
func (s *Server) agreementTarget(r *http.Request) (partner.Partner, partner.Agreement, error) {
	ctx := r.Context()
	var a partner.Agreement
	pid, err := partnerPathID(r, "partner.not_found")
	if err != nil {
		return partner.Partner{}, a, err
	}
	if strings.HasPrefix(r.URL.Path, "/partner-agreements/") {
		if a, err = s.Partners.Agreement(ctx, pid); err != nil {
			return partner.Partner{}, a, err
		}
		pid = a.PartnerID
	}
	p, err := s.Partners.Get(ctx, pid)
	return p, a, err
}

func (s *Server) agreementForm(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.agreementTarget(r)
	if err != nil {
		return err
	}
	v := url.Values{"status": {partner.Draft}}
	if a.ID != 0 {
		v = url.Values{"title": {a.Title}, "signed_on": {a.SignedOn}, "starts_on": {a.StartsOn}, "ends_on": {a.EndsOn}, "status": {a.Status},
			"scope": {a.Scope}, "version": {strconv.FormatInt(a.Version, 10)}}
	}
	return s.renderAgreementForm(w, r, p, a, &Form{Values: v, Errors: map[string]string{}})
}

func (s *Server) renderAgreementForm(w http.ResponseWriter, r *http.Request, p partner.Partner, a partner.Agreement, f *Form) error {
	l := Lang(r)
	pg := agreementFormPage{Partner: p, Agreement: a, Form: f,
		Statuses: []Option{{partner.Draft, tr(l, "partner.agreement_state.draft")}, {partner.Signed, tr(l, "partner.agreement_state.active")}}}
	title := "partner.agreement_new"
	if a.ID != 0 {
		title = "partner.agreement_edit"
	}
	return s.Render(w, r, "partner/agreement", View{Title: title, Data: pg, Form: f, Status: formStatus(f)})
}

func (s *Server) agreementSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, a, err := s.agreementTarget(r)
	if err != nil {
		return err
	}
	f, err := s.multipartForm(r)
	if err != nil {
		return err
	}
	v := f.Values
	in := partner.Agreement{ID: a.ID, PartnerID: p.ID, Title: v.Get("title"), SignedOn: v.Get("signed_on"), StartsOn: v.Get("starts_on"), EndsOn: v.Get("ends_on"),
		Status: v.Get("status"), Scope: v.Get("scope"), Version: intField(v.Get("version"))}
	saved, err := s.Partners.SaveAgreement(ctx, in)
	if err == nil {
		file, done := formFile(r, "document")
		defer done()
		if file != nil {
			if _, derr := s.Partners.AddDocument(ctx, saved.ID, *file); derr != nil {
				// The agreement is saved; the document is refused: say why
				// on the agreement's own form.
				if !userError(derr) {
					return derr
				}
				f.Fail(Lang(r), derr)
				f.Message = tr(Lang(r), "partner.agreement_saved_document_refused")
				v.Set("version", strconv.FormatInt(saved.Version, 10))
				return s.renderAgreementForm(w, r, p, saved, f)
			}
		}
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderAgreementForm(w, r, p, a, f)
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(p.ID, 10)+"#agreements", http.StatusSeeOther)
	return nil
}

func (s *Server) agreementUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.agreement_not_found")
	if err != nil {
		return err
	}
	a, err := s.Partners.Agreement(r.Context(), id)
	if err != nil {
		return err
	}
	f, err := s.multipartForm(r)
	if err != nil {
		return err
	}
	file, done := formFile(r, "document")
	defer done()
	if file == nil {
		err = errs.E(errs.Invalid, "partner.file_empty").WithField("file", "partner.file_empty")
	} else {
		_, err = s.Partners.AddDocument(r.Context(), id, *file)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		r.SetPathValue("id", strconv.FormatInt(a.PartnerID, 10))
		return s.renderPartnerPage(w, r, f, "document_"+strconv.FormatInt(id, 10))
	}
	Flash(w, "partner.document_saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(a.PartnerID, 10)+"#agreements", http.StatusSeeOther)
	return nil
}

func (s *Server) agreementTerminate(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.agreement_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	a, err := s.Partners.Terminate(r.Context(), id, intField(f.Values.Get("version")), f.Values.Get("reason"))
	if err != nil {
		if !userError(err) {
			return err
		}
		cur, gerr := s.Partners.Agreement(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		f.Fail(Lang(r), err)
		r.SetPathValue("id", strconv.FormatInt(cur.PartnerID, 10))
		return s.renderPartnerPage(w, r, f, "terminate_"+strconv.FormatInt(id, 10))
	}
	Flash(w, "partner.agreement_terminated_ok")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(a.PartnerID, 10)+"#agreements", http.StatusSeeOther)
	return nil
}

type pledgeFormPage struct {
	Partner    partner.Partner
	Form       *Form
	Kinds      []Option
	Agreements []Option
	Groups     []Option
	Currencies []Option
	Areas      areaPicker
}

func (s *Server) pledgeForm(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.not_found")
	if err != nil {
		return err
	}
	p, err := s.Partners.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v := url.Values{"kind": {r.URL.Query().Get("kind")}}
	if m, err := s.Members.ByID(r.Context(), p.MemberID); err == nil {
		v.Set("currency", m.Currency)
	}
	return s.renderPledgeForm(w, r, p, &Form{Values: v, Errors: map[string]string{}})
}

func (s *Server) renderPledgeForm(w http.ResponseWriter, r *http.Request, p partner.Partner, f *Form) error {
	l := Lang(r)
	pg := pledgeFormPage{Partner: p, Form: f, Agreements: []Option{{"", tr(l, "partner.standalone")}}}
	for _, k := range partner.Kinds {
		pg.Kinds = append(pg.Kinds, Option{k, tr(l, "partner.kind."+k)})
	}
	for _, g := range partner.Groups {
		pg.Groups = append(pg.Groups, Option{g, tr(l, "partner.group."+g)})
	}
	as, err := s.Partners.Agreements(r.Context(), p.ID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.Open() {
			pg.Agreements = append(pg.Agreements, Option{strconv.FormatInt(a.ID, 10), a.Title})
		}
	}
	for _, c := range money.Currencies() {
		pg.Currencies = append(pg.Currencies, Option{c.Code, pick(l, c.NameAR, c.NameEN)})
	}
	picker := &Form{Values: url.Values{}, Errors: f.Errors}
	for _, k := range areaFields {
		picker.Values.Set(k, f.Values.Get(k))
	}
	if pg.Areas, err = s.staffAreaPicker(r, p.MemberID, picker, false); err != nil {
		return err
	}
	return s.Render(w, r, "partner/pledge", View{Title: "partner.pledge_new", Data: pg, Form: f, Status: formStatus(f)})
}

func (s *Server) pledgeSave(w http.ResponseWriter, r *http.Request) error {
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
	f := NewForm(r)
	v := f.Values
	if err := s.resolveAreaValues(ctx, p.MemberID, v); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(l, err)
		return s.renderPledgeForm(w, r, p, f)
	}
	if areaRefreshed(v) {
		return s.renderPledgeForm(w, r, p, f)
	}
	kind := v.Get("kind")
	in := partner.Pledge{PartnerID: p.ID, AgreementID: intField(v.Get("agreement_id")), Kind: kind, Currency: v.Get("currency"), Description: v.Get("description"),
		Unit: v.Get("unit"), Role: v.Get("role"), AreaCode: deepestArea(v), Groups: v["groups"], Course: v.Get("course"), DueOn: v.Get("due_on")}
	bad := errs.E(errs.Invalid, "error.invalid_input")
	if kind == partner.Money {
		n, ok := parseAmount(v.Get("amount"), in.Currency, true)
		if !ok {
			bad.WithField("amount", "partner.amount_invalid")
		}
		in.Target = n
	} else {
		n, ok := parseAmount(v.Get("quantity"), "", false)
		if !ok {
			bad.WithField("quantity", "partner.quantity_positive")
		}
		in.Target = n
	}
	if kind == partner.Goods && v.Get("value") != "" {
		n, ok := parseAmount(v.Get("value"), in.Currency, true)
		if !ok {
			bad.WithField("value", "partner.amount_invalid")
		}
		in.Value = n
	}
	if len(bad.Fields) == 0 {
		_, err = s.Partners.AddPledge(ctx, in)
	} else {
		err = bad
	}
	if err != nil {
		if !userError(err) && errs.CodeOf(err) != errs.NotFound {
			return err
		}
		f.Fail(l, err)
		return s.renderPledgeForm(w, r, p, f)
	}
	Flash(w, "partner.pledge_saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(p.ID, 10)+"#pledges", http.StatusSeeOther)
	return nil
}

type deliveryFormPage struct {
	Partner partner.Partner
	Pledge  pledgeRow
	Form    *Form
	Money   bool
}

func (s *Server) deliveryTarget(r *http.Request) (partner.Partner, partner.Pledge, error) {
	id, err := partnerPathID(r, "partner.pledge_not_found")
	if err != nil {
		return partner.Partner{}, partner.Pledge{}, err
	}
	pl, err := s.Partners.Pledge(r.Context(), id)
	if err != nil {
		return partner.Partner{}, pl, err
	}
	p, err := s.Partners.Get(r.Context(), pl.PartnerID)
	return p, pl, err
}

func (s *Server) deliveryForm(w http.ResponseWriter, r *http.Request) error {
	p, pl, err := s.deliveryTarget(r)
	if err != nil {
		return err
	}
	loc := s.memberZone(r.Context(), p.MemberID)
	v := url.Values{"delivered_on": {s.Clock.Now().In(loc).Format("2006-01-02")}, "version": {strconv.FormatInt(pl.Version, 10)},
		"reference": {"D-" + strconv.FormatInt(pl.ID, 10) + "-" + strconv.FormatInt(s.Clock.Now().UnixNano()%1_000_000_000, 36)}}
	return s.renderDeliveryForm(w, r, p, pl, &Form{Values: v, Errors: map[string]string{}})
}

func (s *Server) renderDeliveryForm(w http.ResponseWriter, r *http.Request, p partner.Partner, pl partner.Pledge, f *Form) error {
	pg := deliveryFormPage{Partner: p, Pledge: pledgeRow{Pledge: pl}, Form: f, Money: pl.Kind == partner.Money}
	return s.Render(w, r, "partner/delivery", View{Title: "partner.delivery_new", Data: pg, Form: f, Status: formStatus(f)})
}

func (s *Server) deliverySave(w http.ResponseWriter, r *http.Request) error {
	p, pl, err := s.deliveryTarget(r)
	if err != nil {
		return err
	}
	f, err := s.multipartForm(r)
	if err != nil {
		return err
	}
	v := f.Values
	n, ok := parseAmount(v.Get("quantity"), pl.Currency, pl.Kind == partner.Money)
	if !ok {
		err = errs.E(errs.Invalid, "error.invalid_input").WithField("quantity", "partner.quantity_positive")
	} else {
		file, done := formFile(r, "evidence")
		defer done()
		_, _, err = s.Partners.Deliver(r.Context(), partner.DeliveryInput{PledgeID: pl.ID, Reference: v.Get("reference"), DeliveredOn: v.Get("delivered_on"),
			Quantity: n, Note: v.Get("note"), Version: intField(v.Get("version")), Evidence: file})
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderDeliveryForm(w, r, p, pl, f)
	}
	Flash(w, "partner.delivery_saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(p.ID, 10)+"#deliveries", http.StatusSeeOther)
	return nil
}

func (s *Server) pledgeCancel(w http.ResponseWriter, r *http.Request) error {
	_, pl, err := s.deliveryTarget(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if _, err := s.Partners.CancelPledge(r.Context(), pl.ID, intField(f.Values.Get("version")), f.Values.Get("reason")); err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		r.SetPathValue("id", strconv.FormatInt(pl.PartnerID, 10))
		return s.renderPartnerPage(w, r, f, "cancel_"+strconv.FormatInt(pl.ID, 10))
	}
	Flash(w, "partner.pledge_cancelled_ok")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(pl.PartnerID, 10)+"#pledges", http.StatusSeeOther)
	return nil
}
