package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/market"
)

// ShopBody opens a shop for a consenting household.
type ShopBody struct {
	Member string `json:"member,omitempty"` // member code; the caller's own member when empty
	market.ShopInput
}

// ShopUpdate changes a shop's details; version is the one read.
type ShopUpdate struct {
	Version int64 `json:"version"`
	market.ShopInput
}

// ShopStatusInput opens, pauses or closes a shop.
type ShopStatusInput struct {
	Status  string `json:"status"` // open, paused or closed
	Version int64  `json:"version"`
}

// ProductUpdate changes a product; version is the one read.
type ProductUpdate struct {
	Version int64 `json:"version"`
	market.ProductInput
}

// HideInput hides a product from the storefront with a reason, or shows
// it again.
type HideInput struct {
	Hide    bool   `json:"hide"`
	Reason  string `json:"reason"`
	Version int64  `json:"version"`
}

// PhotoInput is a product photo: a JPEG or PNG, base64 in JSON, at most
// market.MaxPhotoBytes (and the JSON body limit).
type PhotoInput struct {
	Name    string `json:"name"`
	Content []byte `json:"content"`
}

// CategoryBody adds a category.
type CategoryBody struct {
	Member string `json:"member,omitempty"`
	market.Category
}

func init() {
	svc := func(a *API) *market.Service { return a.Market }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	pathID := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	Register(
		Route{Method: "GET", Path: "/market/search", Tag: "market", Public: true, Summary: "Search the crafts market's storefront (Arabic-aware; only what the storefront shows)",
			Query: []Param{{Name: "q", Description: "words; each must begin a word of a product's or its shop's names or descriptions"},
				{Name: "member", Description: "member code"}, {Name: "governorate", Description: "a governorate code of the member"},
				{Name: "category", Type: "integer", Description: "a category id"}, {Name: "shop", Type: "integer", Description: "a shop id"},
				{Name: "min_price", Type: "integer", Description: "minor units"}, {Name: "max_price", Type: "integer", Description: "minor units"},
				{Name: "sort", Description: "relevance, newest, price_asc or price_desc"}, {Name: "offset", Type: "integer"}, {Name: "limit", Type: "integer", Description: "at most 60"}},
			Response: market.Result{},
			Handle: func(a *API, r *http.Request) (any, error) {
				v := r.URL.Query()
				n := func(k string) int64 { x, _ := strconv.ParseInt(v.Get(k), 10, 64); return x }
				q := market.Query{Text: v.Get("q"), Governorate: v.Get("governorate"), CategoryID: n("category"), ShopID: n("shop"), MinPrice: n("min_price"),
					MaxPrice: n("max_price"), Sort: v.Get("sort"), Offset: int(min(n("offset"), 100_000)), Limit: int(min(n("limit"), 60))}
				if code := v.Get("member"); code != "" {
					ms, err := a.Members.List(actor.System(r.Context()))
					if err != nil {
						return nil, err
					}
					q.MemberID = -1
					for _, m := range ms {
						if m.Code == code {
							q.MemberID = m.ID
						}
					}
				}
				return svc(a).Search(r.Context(), q)
			}},
		Route{Method: "GET", Path: "/market/shops", Tag: "market", Summary: "List a member's shops",
			Query:    []Param{memberParam, {Name: "status", Description: "draft, open, paused or closed"}, {Name: "q", Description: "part of a name or craft"}},
			Response: List[market.Shop]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				hs, err := svc(a).Shops(r.Context(), market.ShopFilter{MemberID: m, Status: q.Get("status"), Query: q.Get("q")})
				return List[market.Shop]{nonNil(hs)}, err
			}},
		Route{Method: "POST", Path: "/market/shops", Tag: "market", Summary: "Open a shop (a draft) for a registry household with the family's recorded consent",
			Body: ShopBody{}, Response: market.Shop{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[ShopBody](r)
				if err != nil {
					return nil, err
				}
				if in.MemberID, err = a.memberOf(r, in.Member); err != nil {
					return nil, err
				}
				return svc(a).OpenShop(r.Context(), in.ShopInput)
			}},
		Route{Method: "GET", Path: "/market/shops/{id}", Tag: "market", Summary: "Get a shop", Response: market.Shop{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Shop(r.Context(), id)
			}},
		Route{Method: "PATCH", Path: "/market/shops/{id}", Tag: "market", Summary: "Change a shop's details (its household and consent stay)",
			Body: ShopUpdate{}, Response: market.Shop{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[ShopUpdate](r)
				if err != nil {
					return nil, err
				}
				return svc(a).UpdateShop(r.Context(), id, in.ShopInput, in.Version)
			}},
		Route{Method: "POST", Path: "/market/shops/{id}/status", Tag: "market", Summary: "Open, pause, reopen or close a shop",
			Body: ShopStatusInput{}, Response: market.Shop{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[ShopStatusInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SetStatus(r.Context(), id, in.Status, in.Version)
			}},
		Route{Method: "GET", Path: "/market/products", Tag: "market", Summary: "List a member's products, newest first",
			Query:    []Param{memberParam, {Name: "shop", Type: "integer", Description: "a shop id"}, {Name: "hidden", Type: "boolean", Description: "only hidden ones"}},
			Response: List[market.Product]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				shop, _ := strconv.ParseInt(q.Get("shop"), 10, 64)
				ps, err := svc(a).Products(r.Context(), market.ProductFilter{MemberID: m, ShopID: shop, Hidden: q.Get("hidden") == "true"})
				return List[market.Product]{nonNil(ps)}, err
			}},
		Route{Method: "POST", Path: "/market/products", Tag: "market", Summary: "Add a product to a shop (price in minor units of the member's currency)",
			Body: market.ProductInput{}, Response: market.Product{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[market.ProductInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AddProduct(r.Context(), in)
			}},
		Route{Method: "GET", Path: "/market/products/{id}", Tag: "market", Summary: "Get a product with its photos", Response: market.Product{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Product(r.Context(), id)
			}},
		Route{Method: "PATCH", Path: "/market/products/{id}", Tag: "market", Summary: "Change a product (its shop stays)",
			Body: ProductUpdate{}, Response: market.Product{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[ProductUpdate](r)
				if err != nil {
					return nil, err
				}
				return svc(a).UpdateProduct(r.Context(), id, in.ProductInput, in.Version)
			}},
		Route{Method: "POST", Path: "/market/products/{id}/hide", Tag: "market", Summary: "Hide a product from the storefront with a reason, or show it again",
			Body: HideInput{}, Response: market.Product{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[HideInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Hide(r.Context(), id, in.Hide, in.Reason, in.Version)
			}},
		Route{Method: "POST", Path: "/market/products/{id}/photos", Tag: "market",
			Summary:     "Add a photo to a product",
			Description: "A JPEG or PNG (base64 in content), checked by decoding, at most 8 MiB and 40 megapixels; stored at 1200, 600 and 240 px on the long side, re-encoded as JPEG without metadata.",
			Body:        PhotoInput{}, Response: market.Photo{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[PhotoInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AddPhoto(r.Context(), id, market.File{Name: in.Name, Body: bytes.NewReader(in.Content)})
			}},
		Route{Method: "GET", Path: "/market/categories", Tag: "market", Summary: "A member's product categories", Query: []Param{memberParam},
			Response: List[market.Category]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				cs, err := svc(a).Categories(r.Context(), m)
				return List[market.Category]{nonNil(cs)}, err
			}},
		Route{Method: "POST", Path: "/market/categories", Tag: "market", Summary: "Add a product category",
			Body: CategoryBody{}, Response: market.Category{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[CategoryBody](r)
				if err != nil {
					return nil, err
				}
				if in.MemberID, err = a.memberOf(r, in.Member); err != nil {
					return nil, err
				}
				return svc(a).AddCategory(r.Context(), in.Category)
			}},
	)
}
