package market

import (
	"context"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
)

// The storefront's search. Every product the storefront may show is held
// in memory as one small document: its normalized text (arabic.Normalize
// of its names and descriptions and of its shop's names, each word also
// without a leading article, so that "حقيبه" finds "الحقيبة"), its member,
// shop, category, governorate and price. Every write that changes what
// the index holds stamps the products it changes with the next value of
// market_search_state.seq, in its transaction; a search first reads that
// one row and, when it moved, loads only the products stamped after what
// the index last saw. A query's words must each begin a word of the text;
// filters and sorting run over the matches. 100,000 products take a few
// tens of megabytes and a scan of a few milliseconds
// (bench/market/run.sh measures it).

// Sort orders of a search.
const (
	SortRelevance = "relevance" // names matching first, then newest
	SortNewest    = "newest"
	SortPriceLow  = "price_asc"
	SortPriceHigh = "price_desc"
)

// Sorts lists the sort orders.
var Sorts = []string{SortRelevance, SortNewest, SortPriceLow, SortPriceHigh}

// Query is a storefront search.
type Query struct {
	Text        string `json:"q"`
	MemberID    int64  `json:"member_id,omitempty"`
	Governorate string `json:"governorate,omitempty"` // an area code of MemberID
	CategoryID  int64  `json:"category_id,omitempty"`
	ShopID      int64  `json:"shop_id,omitempty"`
	MinPrice    int64  `json:"min_price,omitempty"` // minor units; 0 none
	MaxPrice    int64  `json:"max_price,omitempty"` // minor units; 0 none
	Sort        string `json:"sort,omitempty"`
	Offset      int    `json:"offset,omitempty"`
	Limit       int    `json:"limit,omitempty"` // at most 60; 0 is 24
}

// Listing is a product as the storefront lists it.
type Listing struct {
	ID          int64  `json:"id"`
	MemberID    int64  `json:"member_id"`
	ShopID      int64  `json:"shop_id"`
	CategoryID  int64  `json:"category_id,omitempty"`
	NameAR      string `json:"name_ar"`
	NameEN      string `json:"name_en"`
	ShopAR      string `json:"shop_name_ar"`
	ShopEN      string `json:"shop_name_en"`
	Governorate string `json:"governorate"`
	Price       int64  `json:"price"`
	Currency    string `json:"currency"`
	Stock       int    `json:"stock"`
	PhotoID     int64  `json:"photo_id,omitempty"`
}

// Result is a page of a search.
type Result struct {
	Total int       `json:"total"`
	Items []Listing `json:"items"`
}

type doc struct {
	id, member, shop, category int64
	price                      int64
	gov                        string
	text                       string // " word word … "
	names                      string // " word … " of the product's names
	visible                    bool
}

type index struct {
	mu     sync.RWMutex
	seq    int64
	loaded bool
	docs   []doc // by id
	pos    map[int64]int
}

func newIndex() *index { return &index{seq: -1, pos: map[int64]int{}} }

// words is the normalized text's words, each also without a leading
// article or conjunction, space-delimited with a space at each end.
func words(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, w := range strings.Fields(arabic.Normalize(s)) {
		b.WriteString(w)
		b.WriteByte(' ')
		if r := stripArticle(w); r != w {
			b.WriteString(r)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// stripArticle is w without a leading article ("ال", "وال", "بال", …)
// when at least two letters remain.
func stripArticle(w string) string {
	for _, p := range []string{"وال", "بال", "فال", "كال", "لل", "ال"} {
		if r := strings.TrimPrefix(w, p); r != w && utf8.RuneCountInString(r) >= 2 {
			return r
		}
	}
	return w
}

// refresh loads what changed since the index last looked.
func (s *Service) refresh(ctx context.Context) error {
	var seq int64
	if err := s.db.QueryRow(ctx, `SELECT seq FROM market_search_state WHERE id = 1`).Scan(&seq); err != nil {
		return errs.Wrapf(err, "market: search sequence")
	}
	x := s.idx
	x.mu.RLock()
	fresh := x.seq >= seq
	x.mu.RUnlock()
	if fresh {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.seq >= seq {
		return nil
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.member_id, p.shop_id, COALESCE(p.category_id, 0), p.price, p.search_text, p.name_ar, p.name_en, p.active, p.hidden,
		p.seq, h.status, h.governorate, h.name_ar, h.name_en
		FROM market_products p JOIN market_shops h ON h.id = p.shop_id WHERE p.seq > ? ORDER BY p.id`, x.seq)
	if err != nil {
		return errs.Wrapf(err, "market: search load")
	}
	defer rows.Close()
	shopWords := map[int64]string{}
	top := x.seq
	for rows.Next() {
		var d doc
		var text, nameAR, nameEN, status, shopAR, shopEN string
		var active, hidden bool
		var pseq int64
		if err := rows.Scan(&d.id, &d.member, &d.shop, &d.category, &d.price, &text, &nameAR, &nameEN, &active, &hidden, &pseq, &status, &d.gov, &shopAR, &shopEN); err != nil {
			return errs.Wrapf(err, "market: search load")
		}
		sw, ok := shopWords[d.shop]
		if !ok {
			sw = words(shopAR + " " + shopEN)
			shopWords[d.shop] = sw
		}
		d.text = words(text) + sw[1:]
		d.names = words(nameAR + " " + nameEN)
		d.visible = active && !hidden && status == Open
		top = max(top, pseq)
		if i, ok := x.pos[d.id]; ok {
			x.docs[i] = d
		} else {
			x.pos[d.id] = len(x.docs)
			if n := len(x.docs); n > 0 && x.docs[n-1].id > d.id {
				// an older product stamped late: keep the slice in id order
				i := slices.IndexFunc(x.docs, func(e doc) bool { return e.id > d.id })
				x.docs = slices.Insert(x.docs, i, d)
				for j := i; j < len(x.docs); j++ {
					x.pos[x.docs[j].id] = j
				}
				continue
			}
			x.docs = append(x.docs, d)
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "market: search load")
	}
	x.seq = max(top, seq)
	return nil
}

// Search answers a storefront search: anyone may ask, and only products
// the storefront shows are found.
func (s *Service) Search(ctx context.Context, q Query) (Result, error) {
	if err := s.refresh(ctx); err != nil {
		return Result{}, err
	}
	if q.Limit <= 0 {
		q.Limit = 24
	}
	q.Limit = min(q.Limit, 60)
	q.Offset = max(q.Offset, 0)
	if !slices.Contains(Sorts, q.Sort) {
		q.Sort = SortRelevance
	}
	var ws []string
	if len(q.Text) > 200 {
		q.Text = q.Text[:200]
	}
	for _, w := range strings.Fields(arabic.Normalize(q.Text)) {
		ws = append(ws, " "+stripArticle(w))
		if len(ws) == 8 {
			break
		}
	}
	x := s.idx
	x.mu.RLock()
	type hit struct {
		i     int32
		score int8
	}
	var hits []hit
	for i := len(x.docs) - 1; i >= 0; i-- { // newest first
		d := &x.docs[i]
		if !d.visible || q.MemberID != 0 && d.member != q.MemberID || q.ShopID != 0 && d.shop != q.ShopID || q.CategoryID != 0 && d.category != q.CategoryID ||
			q.Governorate != "" && d.gov != q.Governorate || q.MinPrice > 0 && d.price < q.MinPrice || q.MaxPrice > 0 && d.price > q.MaxPrice {
			continue
		}
		ok, score := true, int8(0)
		for _, w := range ws {
			if !strings.Contains(d.text, w) {
				ok = false
				break
			}
			if strings.Contains(d.names, w) {
				score++
			}
		}
		if ok {
			hits = append(hits, hit{int32(i), score})
		}
	}
	switch q.Sort {
	case SortRelevance:
		if len(ws) > 0 {
			slices.SortStableFunc(hits, func(a, b hit) int { return int(b.score) - int(a.score) })
		}
	case SortPriceLow, SortPriceHigh:
		slices.SortStableFunc(hits, func(a, b hit) int {
			pa, pb := x.docs[a.i].price, x.docs[b.i].price
			if q.Sort == SortPriceHigh {
				pa, pb = pb, pa
			}
			switch {
			case pa < pb:
				return -1
			case pa > pb:
				return 1
			}
			return 0
		})
	}
	res := Result{Total: len(hits), Items: []Listing{}}
	var ids []int64
	for i := q.Offset; i < len(hits) && i < q.Offset+q.Limit; i++ {
		ids = append(ids, x.docs[hits[i].i].id)
	}
	x.mu.RUnlock()
	if len(ids) == 0 {
		return res, nil
	}
	ls, err := s.listings(ctx, ids)
	if err != nil {
		return Result{}, err
	}
	res.Items = ls
	return res, nil
}

// listings reads products ids as the storefront lists them, in that order.
func (s *Service) listings(ctx context.Context, ids []int64) ([]Listing, error) {
	ph := strings.Repeat("?, ", len(ids))
	args := make([]any, len(ids))
	for i, v := range ids {
		args[i] = v
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.member_id, p.shop_id, COALESCE(p.category_id, 0), p.name_ar, p.name_en, h.name_ar, h.name_en, h.governorate, p.price, p.currency, p.stock,
		COALESCE((SELECT MIN(ph.id) FROM market_photos ph WHERE ph.product_id = p.id), 0)
		FROM market_products p JOIN market_shops h ON h.id = p.shop_id WHERE p.id IN (`+ph[:len(ph)-2]+`)`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "market: listings")
	}
	defer rows.Close()
	by := map[int64]Listing{}
	for rows.Next() {
		var l Listing
		if err := rows.Scan(&l.ID, &l.MemberID, &l.ShopID, &l.CategoryID, &l.NameAR, &l.NameEN, &l.ShopAR, &l.ShopEN, &l.Governorate, &l.Price, &l.Currency, &l.Stock, &l.PhotoID); err != nil {
			return nil, errs.Wrapf(err, "market: listings")
		}
		by[l.ID] = l
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "market: listings")
	}
	out := make([]Listing, 0, len(ids))
	for _, id := range ids {
		if l, ok := by[id]; ok {
			out = append(out, l)
		}
	}
	return out, nil
}
