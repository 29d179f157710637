package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/market"
)

// marketHousehold inserts a household of member for a shop.
func marketHousehold(t testing.TB, d *db.DB, memberID int64, ref string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		now := d.Now()
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO households (member_id, household_ref, governorate, registered_on, created_at, updated_at) VALUES (?, ?, '', '2026-01-01', ?, ?) RETURNING id`,
			memberID, ref, now, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// marketShop opens an open shop with one product for household hh.
func marketShop(t testing.TB, svc *market.Service, ctx context.Context, memberID, hh int64) (market.Shop, market.Product) {
	t.Helper()
	h, err := svc.OpenShop(ctx, market.ShopInput{MemberID: memberID, HouseholdID: hh, NameAR: "متجر تجريبي", Pickup: true,
		Consent: market.Consent{GivenBy: "ربة الأسرة", GivenOn: "2026-01-01", Scope: market.ConsentScope}})
	if err != nil {
		t.Fatal(err)
	}
	if h, err = svc.SetStatus(ctx, h.ID, market.Open, h.Version); err != nil {
		t.Fatal(err)
	}
	p, err := svc.AddProduct(ctx, market.ProductInput{ShopID: h.ID, NameAR: "منتج", Price: 1000, Stock: 2, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// marketDB is the crossRefs' database, for bodies that carry the version
// just read.
var marketDB atomic.Pointer[db.DB]

func marketVersion(table string, id string) string {
	var v int64
	_ = marketDB.Load().QueryRow(context.Background(), `SELECT version FROM `+table+` WHERE id = ?`, id).Scan(&v)
	return strconv.FormatInt(v, 10)
}

var marketHH atomic.Int64

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		svc := servicesOf(t, fx.d).Market
		eg, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`), 10, 64)
		hh := marketHousehold(t, fx.d, eg, "EG-MKT-1")
		h, p := marketShop(t, svc, ctx, eg, hh)
		c, err := svc.AddCategory(ctx, market.Category{MemberID: eg, Code: "eg-crafts", NameAR: "حرف", NameEN: "Crafts"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_member_id"] = strconv.FormatInt(eg, 10)
		fx.vals["eg_market_hh"] = strconv.FormatInt(hh, 10)
		fx.vals["eg_shop"] = strconv.FormatInt(h.ID, 10)
		fx.vals["eg_product"] = strconv.FormatInt(p.ID, 10)
		fx.vals["eg_market_category"] = strconv.FormatInt(c.ID, 10)
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		marketDB.Store(fx.d)
		ctx := fx.as("jo.market")
		svc := servicesOf(t, fx.d).Market
		jo, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`), 10, 64)
		for i := range 6 {
			fx.vals[fmt.Sprintf("jo_market_hh%d", i)] = strconv.FormatInt(marketHousehold(t, fx.d, jo, fmt.Sprintf("JO-MKT-%d", i)), 10)
		}
		h, p := marketShop(t, svc, ctx, jo, marketHousehold(t, fx.d, jo, "JO-MKT-SHOP"))
		c, err := svc.AddCategory(ctx, market.Category{MemberID: jo, Code: "jo-crafts-x", NameAR: "حرف", NameEN: "Crafts"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_shop"] = strconv.FormatInt(h.ID, 10)
		fx.vals["jo_product"] = strconv.FormatInt(p.ID, 10)
		fx.vals["jo_market_category"] = strconv.FormatInt(c.ID, 10)
	})
	v1 := api.Prefix
	const mod = "jo.market"
	path := func(key, prefix, suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + prefix + v[key] + suffix }
	}
	write := func(method, key, prefix, suffix, body string) crossCase {
		return crossWriteAs(mod, method, func(v map[string]string) (string, string) { return v1 + prefix + v[key] + suffix, body })
	}
	shopBody := func(hh string) string {
		return `{"household_id":` + hh + `,"name_ar":"متجر","pickup":true,"consent":{"given_by":"ربة الأسرة","given_on":"2026-01-01","scope":"publish_shop_products"}}`
	}
	crossCases["GET /market/shops"] = crossListAs(mod, v1+"/market/shops")
	crossCases["POST /market/shops"] = crossWriteAs(mod, "POST", func(v map[string]string) (string, string) {
		return v1 + "/market/shops", `{"member":"EG",` + shopBody(v["eg_market_hh"])[1:]
	})
	crossCases["GET /market/shops/{id}"] = crossGetAs(mod, path("eg_shop", "/market/shops/", ""))
	crossCases["PATCH /market/shops/{id}"] = write("PATCH", "eg_shop", "/market/shops/", "", `{"version":2,"name_ar":"دخيل","pickup":true}`)
	crossCases["POST /market/shops/{id}/status"] = write("POST", "eg_shop", "/market/shops/", "/status", `{"status":"paused","version":2}`)
	crossCases["GET /market/products"] = crossListAs(mod, v1+"/market/products")
	crossCases["POST /market/products"] = crossWriteAs(mod, "POST", func(v map[string]string) (string, string) {
		return v1 + "/market/products", `{"shop_id":` + v["eg_shop"] + `,"name_ar":"دخيل","price":100,"stock":1,"active":true}`
	})
	crossCases["GET /market/products/{id}"] = crossGetAs(mod, path("eg_product", "/market/products/", ""))
	crossCases["PATCH /market/products/{id}"] = write("PATCH", "eg_product", "/market/products/", "", `{"version":1,"name_ar":"دخيل","price":100,"stock":1,"active":true}`)
	crossCases["POST /market/products/{id}/hide"] = write("POST", "eg_product", "/market/products/", "/hide", `{"hide":true,"reason":"دخيل","version":1}`)
	crossCases["POST /market/products/{id}/photos"] = write("POST", "eg_product", "/market/products/", "/photos", `{"name":"a.png","content":"iVBORw0KGgo="}`)
	crossCases["GET /market/categories"] = crossListAs(mod, v1+"/market/categories")
	crossCases["POST /market/categories"] = crossWriteAs(mod, "POST", func(map[string]string) (string, string) {
		return v1 + "/market/categories", `{"member":"EG","code":"intruder","name_ar":"دخيل","name_en":"Intruder"}`
	})

	crossRefs["POST /market/shops"] = crossRef{As: mod,
		Path: func(map[string]string) string { return v1 + "/market/shops" },
		Body: func(v map[string]string, eg string) string {
			hh := v[fmt.Sprintf("jo_market_hh%d", marketHH.Add(1)%6)]
			switch eg {
			case "household_id":
				hh = v["eg_market_hh"]
			case "member_id":
				return `{"member_id":` + v["eg_member_id"] + `,` + shopBody(hh)[1:]
			case "consent.recorded_by":
				return strings.Replace(shopBody(hh), `"scope":"publish_shop_products"`, `"scope":"publish_shop_products","recorded_by":1`, 1)
			}
			return shopBody(hh)
		},
		IDs: []string{"household_id"}, Ignored: []string{"member_id", "consent.recorded_by"}}
	crossRefs["PATCH /market/shops/{id}"] = crossRef{As: mod,
		Path: func(v map[string]string) string { return v1 + "/market/shops/" + v["jo_shop"] },
		Body: func(v map[string]string, eg string) string {
			b := `{"version":` + marketVersion("market_shops", v["jo_shop"]) + `,"name_ar":"متجر معدل","pickup":true`
			switch eg {
			case "member_id", "household_id":
				b += `,"` + eg + `":` + v["eg_market_hh"]
			case "consent.recorded_by":
				b += `,"consent":{"recorded_by":1}`
			}
			return b + `}`
		},
		Ignored: []string{"member_id", "household_id", "consent.recorded_by"}, NotIDs: []string{"version"}}
	crossRefs["POST /market/shops/{id}/status"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /market/products"] = crossRef{As: mod,
		Path: func(map[string]string) string { return v1 + "/market/products" },
		Body: func(v map[string]string, eg string) string {
			return `{"shop_id":` + pick(v, eg, "shop_id", "jo_shop", "eg_shop") + `,"category_id":` + pick(v, eg, "category_id", "jo_market_category", "eg_market_category") +
				`,"name_ar":"منتج","price":500,"stock":2,"active":true}`
		},
		IDs: []string{"shop_id", "category_id"}, NotIDs: []string{"price", "stock"}}
	crossRefs["PATCH /market/products/{id}"] = crossRef{As: mod,
		Path: func(v map[string]string) string { return v1 + "/market/products/" + v["jo_product"] },
		Body: func(v map[string]string, eg string) string {
			return `{"version":` + marketVersion("market_products", v["jo_product"]) + `,"shop_id":` + pick(v, eg, "shop_id", "jo_shop", "eg_shop") +
				`,"category_id":` + pick(v, eg, "category_id", "jo_market_category", "eg_market_category") + `,"name_ar":"منتج","price":700,"stock":3,"active":true}`
		},
		IDs: []string{"category_id"}, Ignored: []string{"shop_id"}, NotIDs: []string{"version", "price", "stock"}}
	crossRefs["POST /market/products/{id}/hide"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /market/products/{id}/photos"] = crossRef{NotIDs: []string{"content"}}
	crossRefs["POST /market/categories"] = crossRef{As: mod,
		Path: func(map[string]string) string { return v1 + "/market/categories" },
		Body: func(v map[string]string, eg string) string {
			b := fmt.Sprintf(`{"code":"c%d","name_ar":"فئة","name_en":"Category"`, uniq())
			switch eg {
			case "id":
				b += `,"id":` + v["eg_market_category"]
			case "member_id":
				b += `,"member_id":` + v["eg_member_id"]
			}
			return b + `}`
		},
		Ignored: []string{"id", "member_id"}}
}
