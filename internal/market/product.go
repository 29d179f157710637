package market

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
)

// Category is one of a member's product categories.
type Category struct {
	ID       int64  `json:"id"`
	MemberID int64  `json:"member_id"`
	Code     string `json:"code"`
	NameAR   string `json:"name_ar"`
	NameEN   string `json:"name_en"`
}

var codeRE = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)

// AddCategory adds a category to member (market.moderate).
func (s *Service) AddCategory(ctx context.Context, c Category) (Category, error) {
	if err := auth.RequireMember(ctx, auth.MarketModerate, c.MemberID); err != nil {
		return Category{}, err
	}
	e := errs.E(errs.Invalid, "market.invalid")
	c.Code = strings.ToLower(strings.TrimSpace(c.Code))
	if !codeRE.MatchString(c.Code) {
		e.WithField("code", "market.code_invalid")
	}
	c.NameAR = text(e, "name_ar", c.NameAR, true, maxName)
	c.NameEN = text(e, "name_en", c.NameEN, true, maxName)
	if err := failed(e); err != nil {
		return Category{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		c.ID, err = tx.InsertID(ctx, `INSERT INTO market_categories (member_id, code, name_ar, name_en, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			c.MemberID, c.Code, c.NameAR, c.NameEN, s.now())
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "market.category_exists").WithField("code", "market.category_exists")
		}
		if err != nil {
			return errs.Wrapf(err, "market: category")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "market.category_add", EntityType: "market_category", EntityID: id(c.ID), State: c})
	})
	return c, err
}

// Categories lists member's categories by code; anyone may read them
// (they are on the storefront).
func (s *Service) Categories(ctx context.Context, memberID int64) ([]Category, error) {
	q := `SELECT id, member_id, code, name_ar, name_en FROM market_categories`
	var args []any
	if memberID != 0 {
		q += ` WHERE member_id = ?`
		args = append(args, memberID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY member_id, code`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "market: categories")
	}
	defer rows.Close()
	var out []Category
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.ID, &c.MemberID, &c.Code, &c.NameAR, &c.NameEN); err != nil {
			return nil, errs.Wrapf(err, "market: categories")
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ProductInput is a product as the moderator enters it for a shop.
type ProductInput struct {
	ShopID        int64  `json:"shop_id"`
	CategoryID    int64  `json:"category_id,omitempty"`
	NameAR        string `json:"name_ar"`
	NameEN        string `json:"name_en"`
	DescriptionAR string `json:"description_ar"`
	DescriptionEN string `json:"description_en"`
	Price         int64  `json:"price"` // minor units of the member's currency
	Stock         int    `json:"stock"`
	Active        bool   `json:"active"`
}

// Product is a shop's product.
type Product struct {
	ProductInput
	ID           int64     `json:"id"`
	MemberID     int64     `json:"member_id"`
	Currency     string    `json:"currency"`
	Hidden       bool      `json:"hidden"`
	HiddenReason string    `json:"hidden_reason,omitempty"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Photos       []Photo   `json:"photos"`
}

const productCols = `id, member_id, shop_id, COALESCE(category_id, 0), name_ar, name_en, description_ar, description_en, price, currency, stock, active, hidden, hidden_reason, version, created_at, updated_at`

func scanProduct(r scanner) (Product, error) {
	var p Product
	err := r.Scan(&p.ID, &p.MemberID, &p.ShopID, &p.CategoryID, &p.NameAR, &p.NameEN, &p.DescriptionAR, &p.DescriptionEN, &p.Price, &p.Currency, &p.Stock,
		&p.Active, &p.Hidden, &p.HiddenReason, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// searchText is what the index matches a product's words against.
func (in *ProductInput) searchText() string {
	return arabic.Normalize(in.NameAR + " " + in.NameEN + " " + in.DescriptionAR + " " + in.DescriptionEN)
}

func (in *ProductInput) check(e *errs.Error, row int) {
	field := func(f, key string, kv ...any) {
		fe := errs.FieldError{Field: f, Row: row, Key: key}
		if len(kv) > 0 {
			fe.Args = map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				fe.Args[kv[i].(string)] = kv[i+1]
			}
		}
		e.Fields = append(e.Fields, fe)
	}
	t := func(f string, v *string, required bool, max int) {
		*v = strings.TrimSpace(*v)
		switch {
		case required && *v == "":
			field(f, "market.required")
		case runes(*v) > max:
			field(f, "market.too_long", "max", max)
		}
	}
	t("name_ar", &in.NameAR, true, maxName)
	t("name_en", &in.NameEN, false, maxName)
	t("description_ar", &in.DescriptionAR, false, maxText)
	t("description_en", &in.DescriptionEN, false, maxText)
	if in.Price < 0 || in.Price > maxPrice {
		field("price", "market.price_invalid")
	}
	if in.Stock < 0 || in.Stock > maxStock {
		field("stock", "market.stock_invalid", "max", maxStock)
	}
}

// checkCategory refuses a category of another member.
func checkCategory(ctx context.Context, q querier, memberID, cid int64) error {
	if cid == 0 {
		return nil
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM market_categories WHERE id = ? AND member_id = ?`, cid, memberID).Scan(&n); err != nil {
		return errs.Wrapf(err, "market: category")
	}
	if n == 0 {
		return errs.E(errs.Invalid, "market.invalid").WithField("category_id", "market.category_not_found")
	}
	return nil
}

// AddProduct adds a product to shop in.ShopID (market.moderate), priced
// in the member's currency.
func (s *Service) AddProduct(ctx context.Context, in ProductInput) (Product, error) {
	h, err := s.Shop(ctx, in.ShopID)
	if err != nil {
		return Product{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketModerate, h.MemberID); err != nil {
		return Product{}, err
	}
	if h.Status == Closed {
		return Product{}, errs.E(errs.Conflict, "market.shop_closed")
	}
	e := errs.E(errs.Invalid, "market.invalid")
	in.check(e, 0)
	if err := failed(e); err != nil {
		return Product{}, err
	}
	m, err := s.o.Members.ByID(ctx, h.MemberID)
	if err != nil {
		return Product{}, err
	}
	var p Product
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		p, err = s.insertProduct(ctx, tx, h, m.Currency, in)
		return err
	})
	return p, err
}

func (s *Service) insertProduct(ctx context.Context, tx *db.Tx, h Shop, currency string, in ProductInput) (Product, error) {
	if err := checkCategory(ctx, tx, h.MemberID, in.CategoryID); err != nil {
		return Product{}, err
	}
	seq, err := nextSeq(ctx, tx)
	if err != nil {
		return Product{}, err
	}
	now := s.now()
	p := Product{ProductInput: in, MemberID: h.MemberID, Currency: currency, Version: 1, CreatedAt: now, UpdatedAt: now}
	p.ID, err = tx.InsertID(ctx, `INSERT INTO market_products (member_id, shop_id, category_id, name_ar, name_en, description_ar, description_en, price, currency, stock,
		active, hidden, hidden_reason, search_text, seq, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, 1, ?, ?) RETURNING id`,
		p.MemberID, p.ShopID, nullID(p.CategoryID), p.NameAR, p.NameEN, p.DescriptionAR, p.DescriptionEN, p.Price, p.Currency, p.Stock, p.Active, false,
		in.searchText(), seq, now, now)
	if err != nil {
		return Product{}, errs.Wrapf(err, "market: add product")
	}
	return p, audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "market.product_add", EntityType: "market_product", EntityID: id(p.ID), State: p})
}

func nullID(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// UpdateProduct changes product pid (market.moderate); version is the one
// read. Its shop stays.
func (s *Service) UpdateProduct(ctx context.Context, pid int64, in ProductInput, version int64) (Product, error) {
	old, err := s.Product(ctx, pid)
	if err != nil {
		return Product{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketModerate, old.MemberID); err != nil {
		return Product{}, err
	}
	e := errs.E(errs.Invalid, "market.invalid")
	in.check(e, 0)
	if err := failed(e); err != nil {
		return Product{}, err
	}
	in.ShopID = old.ShopID
	p := old
	p.ProductInput = in
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := checkCategory(ctx, tx, p.MemberID, in.CategoryID); err != nil {
			return err
		}
		return s.writeProduct(ctx, tx, &p, version, "market.product_update", `category_id = ?, name_ar = ?, name_en = ?, description_ar = ?, description_en = ?,
			price = ?, stock = ?, active = ?, search_text = ?`, nullID(in.CategoryID), in.NameAR, in.NameEN, in.DescriptionAR, in.DescriptionEN, in.Price, in.Stock, in.Active, in.searchText())
	})
	return p, err
}

// Hide hides product pid from the storefront with a reason, or shows it
// again (hide false) (market.moderate).
func (s *Service) Hide(ctx context.Context, pid int64, hide bool, reason string, version int64) (Product, error) {
	p, err := s.Product(ctx, pid)
	if err != nil {
		return Product{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketModerate, p.MemberID); err != nil {
		return Product{}, err
	}
	reason = strings.TrimSpace(reason)
	if hide && reason == "" || runes(reason) > maxReason {
		return Product{}, errs.E(errs.Invalid, "market.invalid").WithField("reason", "market.reason_required", "max", maxReason)
	}
	if !hide {
		reason = ""
	}
	p.Hidden, p.HiddenReason = hide, reason
	action := "market.product_hide"
	if !hide {
		action = "market.product_show"
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.writeProduct(ctx, tx, &p, version, action, `hidden = ?, hidden_reason = ?`, hide, reason)
	})
	return p, err
}

func (s *Service) writeProduct(ctx context.Context, tx *db.Tx, p *Product, version int64, action, set string, args ...any) error {
	seq, err := nextSeq(ctx, tx)
	if err != nil {
		return err
	}
	now := s.now()
	res, err := tx.Exec(ctx, `UPDATE market_products SET `+set+`, seq = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		append(args, seq, now, p.ID, version)...)
	if err != nil {
		return errs.Wrapf(err, "market: product %d", p.ID)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "market.stale")
	}
	p.Version, p.UpdatedAt = version+1, now
	return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: action, EntityType: "market_product", EntityID: id(p.ID), State: p})
}

// Product returns product pid with its photos (market.read of its member).
func (s *Service) Product(ctx context.Context, pid int64) (Product, error) {
	p, err := s.product(ctx, pid)
	if err != nil {
		return Product{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketRead, p.MemberID); err != nil {
		return Product{}, errs.E(errs.NotFound, "market.product_not_found")
	}
	return p, nil
}

func (s *Service) product(ctx context.Context, pid int64) (Product, error) {
	p, err := scanProduct(s.db.QueryRow(ctx, `SELECT `+productCols+` FROM market_products WHERE id = ?`, pid))
	if errors.Is(err, sql.ErrNoRows) {
		return Product{}, errs.E(errs.NotFound, "market.product_not_found")
	}
	if err != nil {
		return Product{}, errs.Wrapf(err, "market: product %d", pid)
	}
	if p.Photos, err = s.photos(ctx, pid); err != nil {
		return Product{}, err
	}
	return p, nil
}

// PublicProduct returns product pid and its shop if the storefront shows
// it: active, not hidden, of an open shop.
func (s *Service) PublicProduct(ctx context.Context, pid int64) (Product, Shop, error) {
	p, err := s.product(ctx, pid)
	if err != nil {
		return Product{}, Shop{}, err
	}
	h, err := s.PublicShop(ctx, p.ShopID)
	if err != nil || !p.Active || p.Hidden {
		return Product{}, Shop{}, errs.E(errs.NotFound, "market.product_not_found")
	}
	p.HiddenReason = ""
	return p, h, nil
}

// ProductFilter selects products for staff lists.
type ProductFilter struct {
	MemberID int64
	ShopID   int64
	Hidden   bool // only hidden ones (the moderation queue)
	Recent   bool // the newest first, for review
	Limit    int
}

// Products lists products for staff (market.read).
func (s *Service) Products(ctx context.Context, f ProductFilter) ([]Product, error) {
	if err := auth.RequireMember(ctx, auth.MarketRead, f.MemberID); err != nil {
		return nil, err
	}
	q := `SELECT ` + productCols + ` FROM market_products WHERE member_id = ?`
	args := []any{f.MemberID}
	if f.ShopID != 0 {
		q += ` AND shop_id = ?`
		args = append(args, f.ShopID)
	}
	if f.Hidden {
		q += ` AND hidden = ?`
		args = append(args, true)
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "market: products")
	}
	var out []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "market: products")
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "market: products")
	}
	for i := range out {
		if out[i].Photos, err = s.photos(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// The crafts market as orders read it (develop.Catalog).

var _ develop.Catalog = catalog{}

// Catalog is the market as orders read it (develop.Catalog); app.New
// passes it to the order service.
func (s *Service) Catalog() develop.Catalog { return catalog{s} }

func (s *Service) catalogProduct(ctx context.Context, q querier, pid int64) (develop.Product, error) {
	var p develop.Product
	var active, hidden bool
	var status string
	err := q.QueryRow(ctx, `SELECT p.id, p.member_id, p.shop_id, h.household_id, p.name_ar, p.name_en, p.price, p.currency, p.stock, p.active, p.hidden, h.status
		FROM market_products p JOIN market_shops h ON h.id = p.shop_id WHERE p.id = ?`, pid).
		Scan(&p.ID, &p.MemberID, &p.ShopID, &p.HouseholdID, &p.NameAR, &p.NameEN, &p.Price, &p.Currency, &p.Stock, &active, &hidden, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return develop.Product{}, errs.E(errs.NotFound, "market.product_not_found")
	}
	if err != nil {
		return develop.Product{}, errs.Wrapf(err, "market: product %d", pid)
	}
	p.Active = active && !hidden && status == Open
	return p, nil
}

// Product returns product id as an order reads it (develop.Catalog).
// Active is true only when the storefront shows it. It checks no
// permission: the order service decides who may see an order.
func (c catalog) Product(ctx context.Context, pid int64) (develop.Product, error) {
	return c.s.catalogProduct(ctx, c.s.db, pid)
}

type catalog struct{ s *Service }

// ReserveTx takes qty of product pid's stock in tx: a guarded decrement
// (UPDATE … WHERE stock >= qty) that fails with errs.Conflict
// "market.out_of_stock" when fewer are left, so of two buyers racing for
// the last item exactly one wins. The stock is never negative (a CHECK
// constraint too).
func (c catalog) ReserveTx(ctx context.Context, tx *db.Tx, pid int64, qty int) (develop.Product, error) {
	if qty <= 0 || qty > maxStock {
		return develop.Product{}, errs.E(errs.Invalid, "market.quantity_invalid")
	}
	res, err := tx.Exec(ctx, `UPDATE market_products SET stock = stock - ?, version = version + 1 WHERE id = ? AND stock >= ?`, qty, pid, qty)
	if err != nil {
		return develop.Product{}, errs.Wrapf(err, "market: reserve %d", pid)
	}
	p, err := c.s.catalogProduct(ctx, tx, pid)
	if err != nil {
		return develop.Product{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return develop.Product{}, errs.E(errs.Conflict, "market.out_of_stock", "left", p.Stock)
	}
	return p, nil
}

// ReleaseTx puts qty of product pid's stock back in tx.
func (c catalog) ReleaseTx(ctx context.Context, tx *db.Tx, pid int64, qty int) error {
	if qty <= 0 || qty > maxStock {
		return errs.E(errs.Invalid, "market.quantity_invalid")
	}
	res, err := tx.Exec(ctx, `UPDATE market_products SET stock = stock + ?, version = version + 1 WHERE id = ?`, qty, pid)
	if err != nil {
		return errs.Wrapf(err, "market: release %d", pid)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.NotFound, "market.product_not_found")
	}
	return nil
}
