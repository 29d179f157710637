package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/market"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
)

// The crafts market's public storefront (no sign-in): the home page with
// categories and the search (Arabic-aware, with filters by country, area,
// category and price, sorting and paging), a product's page, a shop's
// page, and the photos at their standard sizes with long cache headers.
// The order capability serves /market/products/{id}/inquiry and
// /market/products/{id}/order, which the product page links to.
func init() {
	Register(Module{
		Name: "market-public",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /market", s.marketHome)
			s.Public(mux, "GET /market/products/{id}", func(w http.ResponseWriter, r *http.Request) error { return s.marketProductPage(w, r, mux) })
			s.Public(mux, "GET /market/shops/{id}", s.marketShopPage)
			s.Public(mux, "GET /market/photos/{id}/{size}", s.marketPhoto)
		},
	})
}

// marketPageSize is the products of one storefront page.
const marketPageSize = 24

// marketMembers are the members and their governorates as the storefront
// names them.
type marketMembers struct {
	list  []member.Member
	byID  map[int64]member.Member
	areas map[int64][]member.Area
}

func (s *Server) marketMembers(ctx context.Context) (marketMembers, error) {
	sys := actor.System(ctx)
	ms, err := s.Members.List(sys)
	if err != nil {
		return marketMembers{}, err
	}
	out := marketMembers{list: ms, byID: map[int64]member.Member{}, areas: map[int64][]member.Area{}}
	for _, m := range ms {
		out.byID[m.ID] = m
	}
	return out, nil
}

// areaName names governorate code of member id ("" when unknown).
func (mm marketMembers) areaName(ctx context.Context, s *Server, l i18n.Lang, memberID int64, code string) string {
	if code == "" {
		return ""
	}
	as, ok := mm.areas[memberID]
	if !ok {
		as, _ = s.Members.AreasOf(actor.System(ctx), memberID)
		mm.areas[memberID] = as
	}
	if n := areaNames(l, as, code); len(n) > 0 {
		return n[0]
	}
	return code
}

type marketCard struct {
	market.Listing
	Area string
}

type marketHomePage struct {
	Text, Member, Area, Category, Min, Max, Sort string
	Members, Areas, Categories, Sorts            []Option
	CategoryLinks                                []marketLink
	Searched                                     bool
	Total                                        int
	Cards                                        []marketCard
	Prev, Next                                   template.URL
	PriceError                                   string
}

type marketLink struct {
	Label string
	URL   template.URL
}

func (s *Server) marketCards(ctx context.Context, l i18n.Lang, mm marketMembers, ls []market.Listing) []marketCard {
	out := make([]marketCard, 0, len(ls))
	for _, x := range ls {
		out = append(out, marketCard{Listing: x, Area: mm.areaName(ctx, s, l, x.MemberID, x.Governorate)})
	}
	return out
}

func (s *Server) marketHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	qv := r.URL.Query()
	p := marketHomePage{Text: strings.TrimSpace(qv.Get("q")), Member: qv.Get("member"), Area: qv.Get("area"), Category: qv.Get("category"),
		Min: qv.Get("min"), Max: qv.Get("max"), Sort: qv.Get("sort")}
	mm, err := s.marketMembers(ctx)
	if err != nil {
		return err
	}
	q := market.Query{Text: p.Text, Sort: p.Sort, Limit: marketPageSize}
	if off, err := strconv.Atoi(qv.Get("from")); err == nil && off > 0 && off < 100_000 {
		q.Offset = off
	}
	var chosen member.Member
	if p.Member != "" {
		if id := memberByCode(mm.list, p.Member); id != 0 {
			chosen = mm.byID[id]
		}
	}
	if code, gov, ok := strings.Cut(p.Area, ":"); ok {
		if id := memberByCode(mm.list, code); id != 0 && (chosen.ID == 0 || chosen.ID == id) {
			chosen, q.Governorate = mm.byID[id], gov
		}
	}
	q.MemberID = chosen.ID
	if c, err := strconv.ParseInt(p.Category, 10, 64); err == nil {
		q.CategoryID = c
	}
	if p.Min != "" || p.Max != "" {
		if chosen.ID == 0 {
			p.PriceError = tr(l, "market.price_needs_country")
		} else if c, ok := money.Lookup(chosen.Currency); ok {
			if p.Min != "" {
				if q.MinPrice, err = parseMoney(p.Min, c.Exponent); err != nil {
					p.PriceError = tr(l, "market.price_invalid")
				}
			}
			if p.Max != "" {
				if q.MaxPrice, err = parseMoney(p.Max, c.Exponent); err != nil {
					p.PriceError = tr(l, "market.price_invalid")
				}
			}
		}
	}
	res, err := s.Market.Search(ctx, q)
	if err != nil {
		return err
	}
	p.Total, p.Cards = res.Total, s.marketCards(ctx, l, mm, res.Items)
	p.Searched = p.Text != "" || p.Area != "" || p.Category != "" || p.Min != "" || p.Max != "" || p.Member != ""
	page := func(from int) template.URL {
		v := url.Values{}
		for k, x := range map[string]string{"q": p.Text, "member": p.Member, "area": p.Area, "category": p.Category, "min": p.Min, "max": p.Max, "sort": p.Sort} {
			if x != "" {
				v.Set(k, x)
			}
		}
		if from > 0 {
			v.Set("from", strconv.Itoa(from))
		}
		if len(v) == 0 {
			return template.URL("/market")
		}
		return template.URL("/market?" + v.Encode())
	}
	if q.Offset > 0 {
		p.Prev = page(max(q.Offset-marketPageSize, 0))
	}
	if q.Offset+marketPageSize < res.Total {
		p.Next = page(q.Offset + marketPageSize)
	}
	// the choices
	p.Members = []Option{{"", tr(l, "market.all_countries")}}
	areas, err := s.Market.OpenShopAreas(ctx)
	if err != nil {
		return err
	}
	p.Areas = []Option{{"", tr(l, "market.all_areas")}}
	seen := map[int64]bool{}
	for _, a := range areas {
		m, ok := mm.byID[a.MemberID]
		if !ok || a.Governorate == "" {
			continue
		}
		if !seen[m.ID] {
			seen[m.ID] = true
			p.Members = append(p.Members, Option{m.Code, pickerName(l, m.NameAR, m.NameEN)})
		}
		p.Areas = append(p.Areas, Option{m.Code + ":" + a.Governorate, mm.areaName(ctx, s, l, m.ID, a.Governorate) + " — " + pickerName(l, m.NameAR, m.NameEN)})
	}
	cats, err := s.Market.Categories(ctx, chosen.ID)
	if err != nil {
		return err
	}
	p.Categories = []Option{{"", tr(l, "market.all_categories")}}
	for _, c := range cats {
		if !seen[c.MemberID] {
			continue
		}
		name := pickerName(l, c.NameAR, c.NameEN)
		p.Categories = append(p.Categories, Option{strconv.FormatInt(c.ID, 10), name})
		p.CategoryLinks = append(p.CategoryLinks, marketLink{name, template.URL("/market?" + url.Values{"category": {strconv.FormatInt(c.ID, 10)}, "member": {mm.byID[c.MemberID].Code}}.Encode())})
	}
	for _, c := range market.Sorts {
		p.Sorts = append(p.Sorts, Option{c, tr(l, "market.sort."+c)})
	}
	return s.Render(w, r, "market/home", View{Title: "market.title_home", Data: p})
}

func marketPathID(r *http.Request, key string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, key)
	}
	return id, nil
}

type marketProductPage struct {
	// Inquiry and Order say the order capability serves the product's
	// inquiry and order pages (its module is mounted on the same mux).
	Inquiry, Order bool
	P              market.Product
	Shop           market.Shop
	Area           string
	District       string
	Category       string
	More           []marketCard
}

// served reports whether mux has a page for GET path other than the
// not-found catch-all.
func served(mux *http.ServeMux, path string) bool {
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return false
	}
	_, pattern := mux.Handler(req)
	return pattern != "" && pattern != "/"
}

func (s *Server) marketProductPage(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) error {
	ctx := r.Context()
	id, err := marketPathID(r, "market.product_not_found")
	if err != nil {
		return err
	}
	p, h, err := s.Market.PublicProduct(ctx, id)
	if err != nil {
		return err
	}
	l := Lang(r)
	mm, err := s.marketMembers(ctx)
	if err != nil {
		return err
	}
	base := "/market/products/" + strconv.FormatInt(p.ID, 10)
	page := marketProductPage{Inquiry: served(mux, base+"/inquiry"), Order: served(mux, base+"/order"), P: p, Shop: h, Area: mm.areaName(ctx, s, l, h.MemberID, h.Governorate), District: mm.areaName(ctx, s, l, h.MemberID, h.District)}
	if p.CategoryID != 0 {
		cats, err := s.Market.Categories(ctx, p.MemberID)
		if err != nil {
			return err
		}
		for _, c := range cats {
			if c.ID == p.CategoryID {
				page.Category = pickerName(l, c.NameAR, c.NameEN)
			}
		}
	}
	more, err := s.Market.Search(ctx, market.Query{ShopID: h.ID, Sort: market.SortNewest, Limit: 7})
	if err != nil {
		return err
	}
	var others []market.Listing
	for _, x := range more.Items {
		if x.ID != p.ID && len(others) < 6 {
			others = append(others, x)
		}
	}
	page.More = s.marketCards(ctx, l, mm, others)
	return s.Render(w, r, "market/product", View{Title: "market.title_product", Data: page})
}

type marketShopPage struct {
	Shop       market.Shop
	Area       string
	District   string
	Total      int
	Cards      []marketCard
	Prev, Next template.URL
}

func (s *Server) marketShopPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := marketPathID(r, "market.shop_not_found")
	if err != nil {
		return err
	}
	h, err := s.Market.PublicShop(ctx, id)
	if err != nil {
		return err
	}
	l := Lang(r)
	mm, err := s.marketMembers(ctx)
	if err != nil {
		return err
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	from = min(max(from, 0), 100_000)
	res, err := s.Market.Search(ctx, market.Query{ShopID: h.ID, Sort: market.SortNewest, Offset: from, Limit: marketPageSize})
	if err != nil {
		return err
	}
	p := marketShopPage{Shop: h, Area: mm.areaName(ctx, s, l, h.MemberID, h.Governorate), District: mm.areaName(ctx, s, l, h.MemberID, h.District),
		Total: res.Total, Cards: s.marketCards(ctx, l, mm, res.Items)}
	base := "/market/shops/" + strconv.FormatInt(h.ID, 10)
	if from > 0 {
		p.Prev = template.URL(base + "?from=" + strconv.Itoa(max(from-marketPageSize, 0)))
	}
	if from+marketPageSize < res.Total {
		p.Next = template.URL(base + "?from=" + strconv.Itoa(from+marketPageSize))
	}
	return s.Render(w, r, "market/shop", View{Title: "market.title_shop", Data: p})
}

func (s *Server) marketPhoto(w http.ResponseWriter, r *http.Request) error {
	return s.servePhoto(w, r, true)
}

// servePhoto writes a photo's stored size with its ETag; public photos
// are cached for a week by anyone, staff ones privately.
func (s *Server) servePhoto(w http.ResponseWriter, r *http.Request, public bool) error {
	id, err := marketPathID(r, "market.photo_not_found")
	if err != nil {
		return err
	}
	size, err := strconv.Atoi(r.PathValue("size"))
	if err != nil || size <= 0 {
		return errs.E(errs.NotFound, "market.photo_not_found")
	}
	f, err := s.Market.PhotoFile(r.Context(), id, size, public)
	if err != nil {
		return err
	}
	etag := `"` + f.ETag + `"`
	h := w.Header()
	h.Set("ETag", etag)
	if public {
		h.Set("Cache-Control", "public, max-age=604800")
	} else {
		h.Set("Cache-Control", "private, max-age=3600")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "image/jpeg")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(f.Content)))
	_, err = w.Write(f.Content)
	return err
}
