package market

import (
	"context"
	"math/bits"
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

// index is the storefront's documents and an inverted index of their
// words. A posting list names document positions; it only grows (a
// changed document is appended to the lists of its words again), so a
// candidate is always checked against its document's current text.
type index struct {
	mu      sync.RWMutex
	seq     int64
	docs    []doc // in the order first seen: by id unless ordered is false
	ordered bool
	pos     map[int64]int
	vocab   map[string]int32 // word → token id
	tokens  []string         // by token id
	post    [][]int32        // by token id: positions in docs
	sorted  []int32          // token ids by word, for prefix ranges; nil when stale
	stale   map[int]bool     // positions of documents changed since first seen: their words are checked
}

func newIndex() *index {
	return &index{seq: -1, pos: map[int64]int{}, vocab: map[string]int32{}, ordered: true, stale: map[int]bool{}}
}

// put stores d, replacing the document of the same id.
func (x *index) put(d doc) {
	i, ok := x.pos[d.id]
	if ok {
		x.docs[i] = d
		x.stale[i] = true // its old words stay in their lists
	} else {
		i = len(x.docs)
		if i > 0 && x.docs[i-1].id > d.id {
			x.ordered = false
		}
		x.pos[d.id] = i
		x.docs = append(x.docs, d)
	}
	for _, w := range strings.Fields(d.text) {
		t, ok := x.vocab[w]
		if !ok {
			t = int32(len(x.tokens))
			x.vocab[w] = t
			x.tokens = append(x.tokens, w)
			x.post = append(x.post, nil)
			x.sorted = nil
		}
		if l := x.post[t]; len(l) == 0 || l[len(l)-1] != int32(i) {
			x.post[t] = append(l, int32(i))
		}
	}
}

// sortTokens orders the token ids by word, once after the vocabulary grew.
func (x *index) sortTokens() {
	if x.sorted != nil {
		return
	}
	x.sorted = make([]int32, len(x.tokens))
	for i := range x.sorted {
		x.sorted[i] = int32(i)
	}
	slices.SortFunc(x.sorted, func(a, b int32) int { return strings.Compare(x.tokens[a], x.tokens[b]) })
}

// prefix returns the token ids whose word begins with w and the length of
// their posting lists together.
func (x *index) prefix(w string) ([]int32, int) {
	lo, _ := slices.BinarySearchFunc(x.sorted, w, func(t int32, w string) int { return strings.Compare(x.tokens[t], w) })
	hi, n := lo, 0
	for hi < len(x.sorted) && strings.HasPrefix(x.tokens[x.sorted[hi]], w) {
		n += len(x.post[x.sorted[hi]])
		hi++
	}
	return x.sorted[lo:hi], n
}

// words is the normalized text's words, each also without a leading
// article or conjunction, space-delimited with a space at each end.
func words(s string) string { return normalWords(arabic.Normalize(s)) }

// normalWords is words of text already normalized (search_text).
func normalWords(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/2 + 2)
	b.WriteByte(' ')
	for _, w := range strings.Fields(s) {
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
		d.text = normalWords(text) + sw[1:]
		d.names = words(nameAR + " " + nameEN)
		d.visible = active && !hidden && status == Open
		top = max(top, pseq)
		x.put(d)
	}
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "market: search load")
	}
	x.seq = max(top, seq)
	x.sortTokens()
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
	q.Offset = min(q.Offset, maxOffset)
	x := s.idx
	x.mu.RLock()
	hits := x.match(q, ws, q.Sort == SortRelevance)
	k := min(q.Offset+q.Limit, len(hits))
	switch q.Sort {
	case SortRelevance:
		if len(ws) > 0 {
			// stable by score: the newest first within a score
			slices.SortStableFunc(hits, func(a, b hit) int { return int(b.score) - int(a.score) })
		}
	case SortPriceLow, SortPriceHigh:
		high := q.Sort == SortPriceHigh
		before := func(a, b hit) bool {
			pa, pb := x.docs[a.i].price, x.docs[b.i].price
			if pa != pb {
				return pa < pb != high
			}
			return x.docs[a.i].id > x.docs[b.i].id
		}
		hits = topK(hits, k, before)
	}
	res := Result{Total: len(hits), Items: []Listing{}}
	var ids []int64
	for i := q.Offset; i < k; i++ {
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

// maxOffset is the deepest a search pages: 400 pages of 24.
const maxOffset = 9_600

type hit struct {
	i     int32 // position in docs
	score int8  // query words found in the product's names
}

// match returns the visible documents that pass q's filters and contain
// every word of ws (each a word's beginning), newest first. Each word's
// prefix range of posting lists becomes a bitset of positions; the sets
// are intersected, and only the documents in all of them are filtered. A
// document changed since it was first indexed is checked against its
// text, as its old words stay in their lists.
func (x *index) match(q Query, ws []string, relevance bool) []hit {
	filter := func(d *doc) bool {
		return d.visible && (q.MemberID == 0 || d.member == q.MemberID) && (q.ShopID == 0 || d.shop == q.ShopID) && (q.CategoryID == 0 || d.category == q.CategoryID) &&
			(q.Governorate == "" || d.gov == q.Governorate) && (q.MinPrice <= 0 || d.price >= q.MinPrice) && (q.MaxPrice <= 0 || d.price <= q.MaxPrice)
	}
	var hits []hit
	if len(ws) == 0 {
		for i := len(x.docs) - 1; i >= 0; i-- {
			if filter(&x.docs[i]) {
				hits = append(hits, hit{i: int32(i)})
			}
		}
		if !x.ordered {
			slices.SortStableFunc(hits, func(a, b hit) int { return cmpDesc(x.docs[a.i].id, x.docs[b.i].id) })
		}
		return hits
	}
	n := len(x.docs)/64 + 1
	var all []uint64
	for _, w := range ws {
		ts, _ := x.prefix(w[1:])
		set := make([]uint64, n)
		for _, t := range ts {
			for _, i := range x.post[t] {
				set[i/64] |= 1 << (i % 64)
			}
		}
		if all == nil {
			all = set
			continue
		}
		for k := range all {
			all[k] &= set[k]
		}
	}
	for k := len(all) - 1; k >= 0; k-- {
		for b := all[k]; b != 0; {
			top := 63 - bits.LeadingZeros64(b)
			b &^= 1 << top
			i := k*64 + top
			d := &x.docs[i]
			if !filter(d) {
				continue
			}
			h := hit{i: int32(i)}
			if x.stale[i] {
				ok := true
				for _, w := range ws {
					ok = ok && strings.Contains(d.text, w)
				}
				if !ok {
					continue
				}
			}
			if relevance {
				for _, w := range ws {
					if strings.Contains(d.names, w) {
						h.score++
					}
				}
			}
			hits = append(hits, h)
		}
	}
	if !x.ordered {
		slices.SortStableFunc(hits, func(a, b hit) int { return cmpDesc(x.docs[a.i].id, x.docs[b.i].id) })
	}
	return hits
}

func cmpDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// topK puts the first k hits in before's order at the front of hits, in
// order, and returns hits; a bounded heap when k is much smaller than
// hits.
func topK(hits []hit, k int, before func(a, b hit) bool) []hit {
	if k <= 0 {
		return hits
	}
	if len(hits) <= 4*k || len(hits) < 512 {
		slices.SortStableFunc(hits, func(a, b hit) int {
			if before(a, b) {
				return -1
			}
			if before(b, a) {
				return 1
			}
			return 0
		})
		return hits
	}
	// a max-heap (by before) of the best k seen
	h := make([]hit, 0, k)
	down := func(i int) {
		for {
			l, m := 2*i+1, i
			if l < len(h) && before(h[m], h[l]) {
				m = l
			}
			if r := l + 1; r < len(h) && before(h[m], h[r]) {
				m = r
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for _, x := range hits {
		if len(h) < k {
			h = append(h, x)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !before(h[p], h[i]) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
			continue
		}
		if before(x, h[0]) {
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b hit) int {
		if before(a, b) {
			return -1
		}
		return 1
	})
	return append(h, hits[len(h):]...)[:len(hits)]
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
