package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/market"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
)

// The market moderator's pages ("crafts market" in the menu): the shops,
// opening a shop for a consenting household, a shop's page (consent,
// products, pause/reopen/close, adding a product), a product's form with
// its photos and moderation, the moderation queue and the categories.
// Templates are under templates/market/.
func init() {
	Register(Module{
		Name: "market",
		Menu: []MenuItem{{Path: "/crafts", Key: "market.menu", Perm: auth.MarketRead, Order: 74}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /crafts", auth.MarketRead, s.craftsShops)
			s.Handle(mux, "GET /crafts/shops/new", auth.MarketModerate, s.craftsShopNew)
			s.Handle(mux, "POST /crafts/shops/new", auth.MarketModerate, s.craftsShopCreate)
			s.Handle(mux, "GET /crafts/shops/{id}", auth.MarketRead, s.craftsShop)
			s.Handle(mux, "POST /crafts/shops/{id}/status", auth.MarketModerate, s.craftsShopStatus)
			s.Handle(mux, "POST /crafts/shops/{id}/products", auth.MarketModerate, s.craftsProductCreate)
			s.Handle(mux, "GET /crafts/products/{id}", auth.MarketRead, s.craftsProduct)
			s.Handle(mux, "POST /crafts/products/{id}", auth.MarketModerate, s.craftsProductUpdate)
			s.Handle(mux, "POST /crafts/products/{id}/photos", auth.MarketModerate, s.craftsPhotoAdd)
			s.Handle(mux, "POST /crafts/products/{id}/hide", auth.MarketModerate, s.craftsProductHide)
			s.Handle(mux, "GET /crafts/photos/{id}/{size}", auth.MarketRead, s.craftsPhoto)
			s.Handle(mux, "GET /crafts/moderation", auth.MarketRead, s.craftsModeration)
			s.Handle(mux, "GET /crafts/categories", auth.MarketRead, s.craftsCategories)
			s.Handle(mux, "POST /crafts/categories", auth.MarketModerate, s.craftsCategoryCreate)
		},
	})
}

// craftsMember is the member whose market the page shows: the actor's, or
// for a union-level user the one ?member=CODE names (ok false when the
// chooser was drawn).
func (s *Server) craftsMember(w http.ResponseWriter, r *http.Request) (member.Member, bool, error) {
	a := actor.From(r.Context())
	if a.MemberID != 0 {
		m, err := s.Members.ByID(r.Context(), a.MemberID)
		return m, err == nil, err
	}
	code := r.URL.Query().Get("member")
	if code == "" {
		ms, err := s.Members.List(r.Context())
		if err != nil {
			return member.Member{}, false, err
		}
		var o []Option
		for _, m := range ms {
			o = append(o, Option{m.Code, pickerName(Lang(r), m.NameAR, m.NameEN)})
		}
		return member.Member{}, false, s.Render(w, r, "market/choose", View{Title: "market.title_staff", Data: struct {
			Members []Option
			Path    string
		}{o, r.URL.Path}})
	}
	m, err := s.Members.Get(r.Context(), code)
	return m, err == nil, err
}

type craftsShopRow struct {
	market.Shop
	Area string
}

type craftsShopsPage struct {
	Member   member.Member
	MQ       template.URL
	Status   string
	Query    string
	Statuses []Option
	Rows     []craftsShopRow
}

func (s *Server) craftsShops(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.craftsMember(w, r)
	if !ok || err != nil {
		return err
	}
	l := Lang(r)
	q := r.URL.Query()
	p := craftsShopsPage{Member: m, MQ: template.URL(memberQuery(r, m)), Status: q.Get("status"), Query: q.Get("q")}
	p.Statuses = []Option{{"", tr(l, "market.all_statuses")}}
	for _, st := range market.Statuses {
		p.Statuses = append(p.Statuses, Option{st, tr(l, "market.status."+st)})
	}
	shops, err := s.Market.Shops(r.Context(), market.ShopFilter{MemberID: m.ID, Status: p.Status, Query: p.Query})
	if err != nil {
		return err
	}
	areas, _ := s.Members.AreasOf(r.Context(), m.ID)
	for _, h := range shops {
		p.Rows = append(p.Rows, craftsShopRow{Shop: h, Area: strings.Join(areaNames(l, areas, h.Governorate, h.District), " · ")})
	}
	return s.Render(w, r, "market/shops", View{Title: "market.title_shops", Data: p})
}

type craftsShopForm struct {
	Member member.Member
	MQ     template.URL
	Scopes []Option
}

func (s *Server) craftsShopNew(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.craftsMember(w, r)
	if !ok || err != nil {
		return err
	}
	f := &Form{Values: url.Values{"consent_scope": {market.ConsentScope}, "pickup": {"on"}}, Errors: map[string]string{}}
	return s.renderShopForm(w, r, m, f, 0)
}

func (s *Server) renderShopForm(w http.ResponseWriter, r *http.Request, m member.Member, f *Form, status int) error {
	l := Lang(r)
	p := craftsShopForm{Member: m, MQ: template.URL(memberQuery(r, m)), Scopes: []Option{{"", tr(l, "market.consent_scope_none")}, {market.ConsentScope, tr(l, "market.consent_scope."+market.ConsentScope)}}}
	return s.Render(w, r, "market/shop_new", View{Title: "market.title_shop_new", Form: f, Data: p, Status: status})
}

func (s *Server) craftsShopCreate(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.craftsMember(w, r)
	if !ok || err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	in := market.ShopInput{MemberID: m.ID, NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), StoryAR: v.Get("story_ar"), StoryEN: v.Get("story_en"),
		Crafts: v.Get("crafts"), Pickup: v.Get("pickup") != "", Delivery: v.Get("delivery") != "", Shipping: v.Get("shipping") != "",
		Consent: market.Consent{GivenBy: v.Get("consent_given_by"), GivenOn: v.Get("consent_given_on"), Scope: v.Get("consent_scope")}}
	var h market.Shop
	hh, err := s.Registry.HouseholdByRef(r.Context(), m.ID, strings.TrimSpace(v.Get("household_ref")))
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		err = errs.E(errs.Invalid, "market.invalid").WithField("household_ref", "market.household_not_found")
	} else {
		in.HouseholdID = hh.ID
		h, err = s.Market.OpenShop(r.Context(), in)
	}
	if err != nil {
		if !userError(err) && errs.CodeOf(err) != errs.NotFound {
			return err
		}
		if e := errs.As(err); e != nil && e.Code == errs.NotFound {
			err = errs.E(errs.Invalid, "market.invalid").WithField("household_ref", "market.household_not_found")
		}
		f.Fail(Lang(r), err)
		return s.renderShopForm(w, r, m, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "market.shop_saved")
	http.Redirect(w, r, "/crafts/shops/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
	return nil
}

type craftsShopPage struct {
	MQ         template.URL // none: the shop names its member
	Shop       market.Shop
	Area       string
	Products   []market.Product
	Next       []string // states the shop may move to
	Categories []Option
	Form       *Form
	MinorHint  string
}

func (s *Server) categoryOptions(r *http.Request, memberID int64) ([]Option, error) {
	cats, err := s.Market.Categories(r.Context(), memberID)
	if err != nil {
		return nil, err
	}
	o := []Option{{"", tr(Lang(r), "market.no_category")}}
	for _, c := range cats {
		o = append(o, Option{strconv.FormatInt(c.ID, 10), pickerName(Lang(r), c.NameAR, c.NameEN)})
	}
	return o, nil
}

func (s *Server) renderShop(w http.ResponseWriter, r *http.Request, id int64, f *Form, status int) error {
	h, err := s.Market.Shop(r.Context(), id)
	if err != nil {
		return err
	}
	l := Lang(r)
	areas, _ := s.Members.AreasOf(r.Context(), h.MemberID)
	p := craftsShopPage{Shop: h, Area: strings.Join(areaNames(l, areas, h.Governorate, h.District), " · "), Form: f}
	if p.Products, err = s.Market.Products(r.Context(), market.ProductFilter{MemberID: h.MemberID, ShopID: h.ID}); err != nil {
		return err
	}
	switch h.Status {
	case market.Draft:
		p.Next = []string{market.Open, market.Closed}
	case market.Open:
		p.Next = []string{market.Paused, market.Closed}
	case market.Paused:
		p.Next = []string{market.Open, market.Closed}
	}
	if p.Categories, err = s.categoryOptions(r, h.MemberID); err != nil {
		return err
	}
	if p.Form == nil {
		p.Form = &Form{Values: url.Values{"active": {"on"}, "stock": {"1"}}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "market/shop_staff", View{Title: "market.title_shop", Data: p, Status: status})
}

func (s *Server) craftsShop(w http.ResponseWriter, r *http.Request) error {
	id, err := marketPathID(r, "market.shop_not_found")
	if err != nil {
		return err
	}
	return s.renderShop(w, r, id, nil, 0)
}

func (s *Server) craftsShopStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := marketPathID(r, "market.shop_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	version, _ := strconv.ParseInt(f.Values.Get("version"), 10, 64)
	if _, err := s.Market.SetStatus(r.Context(), id, f.Values.Get("status"), version); err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderShop(w, r, id, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "market.shop_saved")
	http.Redirect(w, r, "/crafts/shops/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// productInput reads a product form; the price is typed in major units
// of the member's currency.
func (s *Server) productInput(r *http.Request, f *Form, memberID int64) (market.ProductInput, error) {
	v := f.Values
	in := market.ProductInput{NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), DescriptionAR: v.Get("description_ar"), DescriptionEN: v.Get("description_en"),
		Active: v.Get("active") != ""}
	in.CategoryID, _ = strconv.ParseInt(v.Get("category_id"), 10, 64)
	e := errs.E(errs.Invalid, "market.invalid")
	m, err := s.Members.ByID(actor.System(r.Context()), memberID)
	if err != nil {
		return in, err
	}
	c, _ := money.Lookup(m.Currency)
	if in.Price, err = parseMoney(v.Get("price"), c.Exponent); err != nil || in.Price < 0 {
		e.WithField("price", "market.price_invalid")
	}
	stock, err := strconv.Atoi(strings.TrimSpace(arabic.Digits(v.Get("stock"))))
	if err != nil || stock < 0 {
		e.WithField("stock", "market.stock_invalid", "max", 1_000_000)
	}
	in.Stock = stock
	if len(e.Fields) > 0 {
		return in, e
	}
	return in, nil
}

func (s *Server) craftsProductCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := marketPathID(r, "market.shop_not_found")
	if err != nil {
		return err
	}
	h, err := s.Market.Shop(r.Context(), id)
	if err != nil {
		return err
	}
	f := NewForm(r)
	in, err := s.productInput(r, f, h.MemberID)
	var p market.Product
	if err == nil {
		in.ShopID = id
		p, err = s.Market.AddProduct(r.Context(), in)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderShop(w, r, id, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "market.product_saved")
	http.Redirect(w, r, "/crafts/products/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
	return nil
}

type craftsProductPage struct {
	MQ         template.URL
	P          market.Product
	Shop       market.Shop
	Categories []Option
	Form       *Form
	PhotoForm  *Form
	HideForm   *Form
	MaxMiB     int
	MaxMP      int
}

func (s *Server) renderProduct(w http.ResponseWriter, r *http.Request, id int64, forms [3]*Form, status int) error {
	p, err := s.Market.Product(r.Context(), id)
	if err != nil {
		return err
	}
	h, err := s.Market.Shop(r.Context(), p.ShopID)
	if err != nil {
		return err
	}
	page := craftsProductPage{P: p, Shop: h, Form: forms[0], PhotoForm: forms[1], HideForm: forms[2], MaxMiB: market.MaxPhotoBytes >> 20, MaxMP: market.MaxPhotoPixels / 1_000_000}
	if page.Categories, err = s.categoryOptions(r, p.MemberID); err != nil {
		return err
	}
	if page.Form == nil {
		c, _ := money.Lookup(p.Currency)
		v := url.Values{"name_ar": {p.NameAR}, "name_en": {p.NameEN}, "description_ar": {p.DescriptionAR}, "description_en": {p.DescriptionEN},
			"price": {money.Format(p.Price, c.Exponent)}, "stock": {strconv.Itoa(p.Stock)}, "category_id": {strconv.FormatInt(p.CategoryID, 10)}}
		if p.Active {
			v.Set("active", "on")
		}
		page.Form = &Form{Values: v, Errors: map[string]string{}}
	}
	for _, f := range []**Form{&page.PhotoForm, &page.HideForm} {
		if *f == nil {
			*f = &Form{Values: url.Values{}, Errors: map[string]string{}}
		}
	}
	return s.Render(w, r, "market/product_staff", View{Title: "market.title_product", Data: page, Status: status})
}

func (s *Server) craftsProduct(w http.ResponseWriter, r *http.Request) error {
	id, err := marketPathID(r, "market.product_not_found")
	if err != nil {
		return err
	}
	return s.renderProduct(w, r, id, [3]*Form{}, 0)
}

func (s *Server) craftsProductUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := marketPathID(r, "market.product_not_found")
	if err != nil {
		return err
	}
	old, err := s.Market.Product(r.Context(), id)
	if err != nil {
		return err
	}
	f := NewForm(r)
	in, err := s.productInput(r, f, old.MemberID)
	if err == nil {
		version, _ := strconv.ParseInt(f.Values.Get("version"), 10, 64)
		_, err = s.Market.UpdateProduct(r.Context(), id, in, version)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderProduct(w, r, id, [3]*Form{f}, Status(errs.CodeOf(err)))
	}
	Flash(w, "market.product_saved")
	http.Redirect(w, r, "/crafts/products/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) craftsPhotoAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := marketPathID(r, "market.product_not_found")
	if err != nil {
		return err
	}
	f, err := s.multipartForm(r)
	if err != nil {
		if userError(err) {
			f = &Form{Values: url.Values{}, Errors: map[string]string{}}
			f.Fail(Lang(r), err)
			return s.renderProduct(w, r, id, [3]*Form{nil, f}, Status(errs.CodeOf(err)))
		}
		return err
	}
	file, hdr, ferr := r.FormFile("photo")
	if ferr != nil || hdr.Size == 0 {
		if ferr == nil {
			file.Close()
		}
		err = errs.E(errs.Invalid, "market.photo_missing").WithField("photo", "market.photo_missing")
	} else {
		defer file.Close()
		_, err = s.Market.AddPhoto(r.Context(), id, market.File{Name: hdr.Filename, Body: file})
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderProduct(w, r, id, [3]*Form{nil, f}, Status(errs.CodeOf(err)))
	}
	Flash(w, "market.photo_saved")
	http.Redirect(w, r, "/crafts/products/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) craftsProductHide(w http.ResponseWriter, r *http.Request) error {
	id, err := marketPathID(r, "market.product_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	version, _ := strconv.ParseInt(f.Values.Get("version"), 10, 64)
	if _, err := s.Market.Hide(r.Context(), id, f.Values.Get("hide") == "1", f.Values.Get("reason"), version); err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderProduct(w, r, id, [3]*Form{nil, nil, f}, Status(errs.CodeOf(err)))
	}
	Flash(w, "market.product_saved")
	http.Redirect(w, r, "/crafts/products/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) craftsPhoto(w http.ResponseWriter, r *http.Request) error {
	return s.servePhoto(w, r, false)
}

type craftsModerationPage struct {
	Member member.Member
	MQ     template.URL
	Hidden []market.Product
	Recent []market.Product
}

func (s *Server) craftsModeration(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.craftsMember(w, r)
	if !ok || err != nil {
		return err
	}
	p := craftsModerationPage{Member: m, MQ: template.URL(memberQuery(r, m))}
	if p.Hidden, err = s.Market.Products(r.Context(), market.ProductFilter{MemberID: m.ID, Hidden: true, Limit: 100}); err != nil {
		return err
	}
	if p.Recent, err = s.Market.Products(r.Context(), market.ProductFilter{MemberID: m.ID, Limit: 30}); err != nil {
		return err
	}
	return s.Render(w, r, "market/moderation", View{Title: "market.title_moderation", Data: p})
}

type craftsCategoriesPage struct {
	Member     member.Member
	MQ         template.URL
	Categories []market.Category
}

func (s *Server) craftsCategories(w http.ResponseWriter, r *http.Request) error {
	return s.renderCategories(w, r, nil, 0)
}

func (s *Server) renderCategories(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	m, ok, err := s.craftsMember(w, r)
	if !ok || err != nil {
		return err
	}
	if err := auth.RequireMember(r.Context(), auth.MarketRead, m.ID); err != nil {
		return err
	}
	p := craftsCategoriesPage{Member: m, MQ: template.URL(memberQuery(r, m))}
	if p.Categories, err = s.Market.Categories(r.Context(), m.ID); err != nil {
		return err
	}
	return s.Render(w, r, "market/categories", View{Title: "market.title_categories", Form: f, Data: p, Status: status})
}

func (s *Server) craftsCategoryCreate(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.craftsMember(w, r)
	if !ok || err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	if _, err := s.Market.AddCategory(r.Context(), market.Category{MemberID: m.ID, Code: v.Get("code"), NameAR: v.Get("name_ar"), NameEN: v.Get("name_en")}); err != nil {
		if !userError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderCategories(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "market.category_saved")
	http.Redirect(w, r, "/crafts/categories"+memberQuery(r, m), http.StatusSeeOther)
	return nil
}

// parseMoney reads an amount typed in major units, with Western or
// Arabic-Indic digits and '.' or '٫' as the decimal mark.
func parseMoney(v string, exp int) (int64, error) {
	v = strings.NewReplacer("٫", ".", ",", "", "٬", "").Replace(arabic.Digits(strings.TrimSpace(v)))
	return money.Parse(v, exp)
}
