package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

func requireRead(ctx context.Context, memberID int64) error {
	return auth.RequireMember(ctx, auth.RegistryRead, memberID)
}

// Query selects persons for Search. Zero fields do not filter.
type Query struct {
	// MemberID is the member searched; 0 means the actor's own member
	// (union-level actors must name one).
	MemberID int64
	// Text is what a person types in the search box: name words in Arabic
	// or Latin script (every word must match some part of the name,
	// normalized, so أحمد finds احمد and Mohammed finds محمد), or a
	// national ID, phone number (any digit form) or person or household
	// reference.
	Text         string
	NationalID   string
	Phone        string
	HouseholdRef string
	Governorate  string
	District     string
	Locality     string
	Sex          string
	Relationship string
	Orphan       string
	Disabled     *bool
	Pregnant     *bool
	AgeMin       *int // in whole years today
	AgeMax       *int
	// Sort is one of id, name, birth_date, member_ref, household_ref,
	// optionally prefixed "-" for descending. Default: id (registration order).
	Sort   string
	Limit  int // default 50, at most 1000
	Offset int
}

// searchHook, when set by a test, sees every search statement.
var searchHook func(sql string, args []any)

// Page is one page of search results.
type Page struct {
	Persons []Person `json:"persons"`
	More    bool     `json:"more"` // another page follows
	Limit   int      `json:"limit"`
	Offset  int      `json:"offset"`
}

var sorts = map[string]string{
	"id": "p.id", "name": "p.name_key", "birth_date": "p.birth_date", "member_ref": "p.member_ref", "household_ref": "h.household_ref",
}

// scopeMember resolves the member a read is about.
func scopeMember(ctx context.Context, memberID int64) (int64, error) {
	if memberID == 0 {
		if id, all := auth.MemberScope(ctx); !all {
			memberID = id
		} else {
			return 0, errs.E(errs.Invalid, "error.invalid_input").WithField("member", "error.required")
		}
	}
	return memberID, requireRead(ctx, memberID)
}

// Search returns the persons matching q, scoped to the member.
func (s *Service) Search(ctx context.Context, q Query) (Page, error) {
	member, err := scopeMember(ctx, q.MemberID)
	if err != nil {
		return Page{}, err
	}
	mi, err := s.members.ByID(ctx, member)
	if err != nil {
		return Page{}, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 1000)
	q.Offset = max(q.Offset, 0)
	sortKey, desc := strings.CutPrefix(q.Sort, "-")
	if sortKey == "" {
		sortKey = "id"
	}
	order, ok := sorts[sortKey]
	if !ok {
		return Page{}, errs.E(errs.Invalid, "error.invalid_input").WithField("sort", "registry.bad_sort", "value", q.Sort)
	}
	from := `persons p JOIN households h ON h.id = p.household_id`
	var fromArgs []any
	// Records merged into another one are found through the one kept.
	where := []string{"p.member_id = ?", "p.merged_into IS NULL"}
	args := []any{member}
	// driven says the rows come from a key lookup in from (c), not from
	// persons: SQLite must not be tempted to walk persons in id order to
	// find a page, so the member test is made unindexable (+) and the
	// default order follows c. (PostgreSQL plans from statistics, which
	// the + would only blur: it estimated 0.5% of persons for it and
	// chose to scan them all.)
	driven := func(id string) {
		where[0] = s.db.Unindexed("p.member_id") + " = ?"
		if order == "p.id" {
			order = id
		}
	}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	var v problems
	// retry, when set, turns the statement into the one to run when the
	// first gives less than a page.
	var retry func()
	text := strings.TrimSpace(q.Text)
	if d := idKey(text); text != "" && len(d) >= 5 && len(d) == len(strings.Map(dropPhoneSeparators, arabic.Digits(text))) && strings.IndexFunc(d, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		// A number: a national ID, a phone, or a reference.
		ref := arabic.Digits(text)
		// Each key has its own index; a UNION uses all four where an OR
		// would scan.
		from = `(SELECT id FROM persons WHERE member_id = ? AND id_key = ? AND id_key <> ''
			UNION SELECT id FROM persons WHERE member_id = ? AND phone_key = ? AND phone_key <> ''
			UNION SELECT id FROM persons WHERE member_id = ? AND member_ref = ?
			UNION SELECT p2.id FROM households h2 JOIN persons p2 ON p2.member_id = h2.member_id AND p2.household_id = h2.id
				WHERE h2.member_id = ? AND h2.household_ref = ?) c
			JOIN persons p ON p.id = c.id JOIN households h ON h.id = p.household_id`
		fromArgs = []any{member, d, member, arabic.PhoneKey(text, mi.CallingCode), member, ref, member, ref}
		driven("c.id")
	} else if text != "" {
		isRef := false
		if !strings.ContainsAny(text, " \t") {
			// One word may be a reference such as "HH-0012".
			ref := arabic.Digits(text)
			var n int
			err := s.db.QueryRowPlanned(ctx, `SELECT (SELECT COUNT(*) FROM persons WHERE member_id = ? AND member_ref = ?) +
				(SELECT COUNT(*) FROM households WHERE member_id = ? AND household_ref = ?)`, member, ref, member, ref).Scan(&n)
			if err != nil {
				return Page{}, errs.Wrapf(err, "registry: search")
			}
			if isRef = n > 0; isRef {
				from = `(SELECT id FROM persons WHERE member_id = ? AND member_ref = ?
					UNION SELECT p2.id FROM households h2 JOIN persons p2 ON p2.member_id = h2.member_id AND p2.household_id = h2.id
						WHERE h2.member_id = ? AND h2.household_ref = ?) c
					JOIN persons p ON p.id = c.id JOIN households h ON h.id = p.household_id`
				fromArgs = []any{member, ref, member, ref}
				driven("c.id")
			}
		}
		if !isRef {
			type word struct {
				cands []string
				n     int
			}
			var ws []word
			toks := arabic.Tokens(text)
			// Count from the last word, usually the family name and the
			// rarest; each later count stops at the smallest so far, so
			// that a common first name costs no more than the rare one.
			limit := 50000
			for i := len(toks) - 1; i >= 0; i-- {
				cands := tokenCandidates(toks[i])
				n, err := s.tokenCount(ctx, member, cands, limit+1)
				if err != nil {
					return Page{}, err
				}
				limit = min(limit, n)
				ws = append(ws, word{cands, n})
			}
			// The rarest word drives the lookup from the token index, in
			// person id order, so that a page stops the walk. The others
			// are tested first on the row's signature of its person's
			// tokens (in the index: no probe), then, for the rows whose
			// signature has their bits, probed in the index.
			slices.SortStableFunc(ws, func(a, b word) int { return a.n - b.n })
			// fenced: the words alone filter, in the default order, so the
			// first matches in person id order are the page: they are
			// found among the postings, and only they read persons. Then,
			// on PostgreSQL, a driver of more than searchBudget postings
			// is walked that far only: a page found there is the page; if
			// none is, few persons have every word, and GIN intersects the
			// words' lists instead (retry).
			fenced := order == "p.id" && !desc && q.onlyText()
			budget := s.db.Dialect == db.Postgres && fenced && len(ws) > 0 && ws[0].n > searchBudget
			var driver string
			var inner []string
			var innerArgs []any
			limited := func(sub string) string {
				if !budget {
					return `(` + sub + `)`
				}
				fromArgs = append(fromArgs, searchBudget)
				return `(SELECT * FROM (` + sub + `) d ORDER BY person_id LIMIT ?)`
			}
			var gin []string
			var ginArgs []any
			if budget {
				gin = append(gin, `t.member_id = ?`)
				ginArgs = append(ginArgs, member)
				var all []string
				for _, w := range ws {
					if len(w.cands) > 1 {
						gin = append(gin, `t.tokens && ?`)
						ginArgs = append(ginArgs, w.cands)
					} else {
						all = append(all, w.cands[0])
					}
				}
				if len(all) > 0 {
					gin = append(gin, `t.tokens @> ?`)
					ginArgs = append(ginArgs, all)
				}
			}
			for i, w := range ws {
				switch {
				case i == 0 && len(w.cands) == 1:
					// One token: its index entries are in person id order,
					// so the default sort reads them in order and stops at
					// the page's end.
					fromArgs = append(fromArgs, member, w.cands[0])
					driver = limited(`SELECT person_id, sig FROM person_names WHERE member_id = ? AND token = ?`)
					continue
				case i == 0:
					// Several tokens (a Latin word and its skeleton): each
					// one's entries in person id order, merged — a person
					// with two of them comes from the first only — so
					// that the walk still stops at the page's end.
					var union []string
					for j, t := range w.cands {
						branch := `SELECT person_id, sig FROM person_names b` + strconv.Itoa(j) + ` WHERE member_id = ? AND token = ?`
						fromArgs = append(fromArgs, member, t)
						for k, e := range w.cands[:j] {
							x := "b" + strconv.Itoa(j)
							branch += ` AND NOT ((` + x + `.sig = 0 OR (` + x + `.sig & ?) = ?) AND EXISTS (SELECT 1 FROM person_names e` + strconv.Itoa(k) +
								` WHERE e` + strconv.Itoa(k) + `.member_id = ? AND e` + strconv.Itoa(k) + `.token = ? AND e` + strconv.Itoa(k) + `.person_id = ` + x + `.person_id))`
							bits := tokenBits(e)
							fromArgs = append(fromArgs, bits, bits, member, e)
						}
						union = append(union, branch)
					}
					driver = limited(strings.Join(union, ` UNION ALL `))
					continue
				}
				sig := make([]string, 0, len(w.cands))
				a := []any{}
				for _, t := range w.cands {
					sig = append(sig, `(c.sig & ?) = ?`)
					bits := tokenBits(t)
					a = append(a, bits, bits)
				}
				inner = append(inner, `(c.sig = 0 OR `+strings.Join(sig, ` OR `)+`)`)
				innerArgs = append(innerArgs, a...)
				in := `token IN (?` + strings.Repeat(", ?", len(w.cands)-1) + `)`
				a = []any{member}
				for _, c := range w.cands {
					a = append(a, c)
				}
				inner = append(inner, `EXISTS (SELECT 1 FROM person_names n WHERE n.member_id = ? AND n.`+in+` AND n.person_id = c.person_id)`)
				innerArgs = append(innerArgs, a...)
			}
			// The driver's rows with every other word, then persons.
			if len(ws) == 0 {
				// No word (punctuation alone): no name filter.
			} else if len(inner) > 0 || fenced {
				sub := `SELECT c.person_id FROM ` + driver + ` c`
				if len(inner) > 0 {
					sub += ` WHERE ` + strings.Join(inner, ` AND `)
				}
				fromArgs = append(fromArgs, innerArgs...)
				if fenced {
					sub += ` ORDER BY c.person_id LIMIT ?`
					fromArgs = append(fromArgs, q.Limit+1+q.Offset)
				}
				driver = `(` + sub + `)`
			}
			if len(ws) > 0 {
				from = driver + ` c JOIN persons p ON p.id = c.person_id JOIN households h ON h.id = p.household_id`
				driven("c.person_id")
			}
			if budget {
				wordsAt, wordArgsAt := len(where), len(args)
				retry = func() {
					where = slices.Concat(where[:wordsAt], gin, where[wordsAt:])
					args = slices.Concat(args[:wordArgsAt], ginArgs, args[wordArgsAt:])
					from = `person_tokens t JOIN persons p ON p.id = t.person_id JOIN households h ON h.id = p.household_id`
					fromArgs = nil
					order = "t.person_id"
				}
			}
		}
	}
	if q.NationalID != "" {
		add(`p.id_key = ? AND p.id_key <> ''`, idKey(q.NationalID))
	}
	if q.Phone != "" {
		add(`p.phone_key = ? AND p.phone_key <> ''`, arabic.PhoneKey(q.Phone, mi.CallingCode))
	}
	if q.HouseholdRef != "" {
		add(`h.household_ref = ?`, arabic.Digits(strings.TrimSpace(q.HouseholdRef)))
	}
	for _, f := range []struct{ col, val string }{{"h.governorate", q.Governorate}, {"h.district", q.District}, {"h.locality", q.Locality}} {
		if f.val != "" {
			add(f.col+` = ?`, arabic.Digits(strings.TrimSpace(f.val)))
		}
	}
	for _, f := range []struct {
		col string
		v   *Vocab
		val string
	}{{"p.sex", Sexes, q.Sex}, {"p.relationship", Relationships, q.Relationship}, {"p.orphan", Orphanhoods, q.Orphan}} {
		if f.val != "" {
			val := f.val
			checkCode(&v, f.v, &val, false)
			add(f.col+` = ?`, val)
		}
	}
	if q.Disabled != nil {
		add(`p.disabled = ?`, b2i(*q.Disabled))
	}
	if q.Pregnant != nil {
		add(`p.pregnant = ?`, b2i(*q.Pregnant))
	}
	now := s.now()
	if q.AgeMin != nil {
		add(`p.birth_date <> '' AND p.birth_date <= ?`, calendar.BornBy(now, *q.AgeMin).String())
	}
	if q.AgeMax != nil {
		add(`p.birth_date <> '' AND p.birth_date > ?`, calendar.BornBy(now, *q.AgeMax+1).String())
	}
	if err := v.err(); err != nil {
		return Page{}, err
	}
	dir := ""
	if desc {
		dir = " DESC"
	}
	for {
		tiebreak := ", p.id" + dir
		if order == "c.person_id" || order == "c.id" || order == "t.person_id" || order == "p.id" {
			tiebreak = ""
		}
		stmt := `SELECT ` + personCols + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
			` ORDER BY ` + order + dir + tiebreak + ` LIMIT ? OFFSET ?`
		page, err := s.searchPage(ctx, stmt, append(append(slices.Clone(fromArgs), args...), q.Limit+1, q.Offset), q)
		if err != nil || page.More || retry == nil {
			return page, err
		}
		retry()
		retry = nil
	}
}

// searchPage runs a search statement.
func (s *Service) searchPage(ctx context.Context, stmt string, args []any, q Query) (Page, error) {
	if searchHook != nil {
		searchHook(stmt, args)
	}
	rows, err := s.db.QueryPlanned(ctx, stmt, args...)
	if err != nil {
		return Page{}, errs.Wrapf(err, "registry: search")
	}
	defer rows.Close()
	page := Page{Limit: q.Limit, Offset: q.Offset}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return Page{}, errs.Wrapf(err, "registry: search")
		}
		page.Persons = append(page.Persons, p)
	}
	if err := rows.Err(); err != nil {
		return Page{}, errs.Wrapf(err, "registry: search")
	}
	if len(page.Persons) > q.Limit {
		page.Persons, page.More = page.Persons[:q.Limit], true
	}
	return page, nil
}

// onlyText says the query filters by its text alone.
func (q *Query) onlyText() bool {
	return q.NationalID == "" && q.Phone == "" && q.HouseholdRef == "" && q.Governorate == "" && q.District == "" && q.Locality == "" &&
		q.Sex == "" && q.Relationship == "" && q.Orphan == "" && q.Disabled == nil && q.Pregnant == nil && q.AgeMin == nil && q.AgeMax == nil
}

// tokenCandidates returns the tokens one NameKey word of a query may be
// stored as: its FamilyKey (al- dropped) and, for a Latin word, its
// Translit key, which meets the Arabic spellings.
func tokenCandidates(w string) []string {
	out := []string{arabic.FamilyKey(w)}
	if arabic.IsLatin(w) {
		if t := strings.ReplaceAll(arabic.Translit(out[0]), " ", ""); t != "" {
			out = append(out, "~"+t)
		}
	}
	return out
}

// tokenCount estimates how many persons a word matches, up to a cap: enough
// to order the words of a query from rarest to commonest. A count of many
// (a common first or family name, the costly ones to count) is kept for a
// while: it changes slowly, and only orders the words.
func (s *Service) tokenCount(ctx context.Context, member int64, cands []string, limit int) (int, error) {
	if n := s.estimate(ctx, cands); n >= countEstimated {
		return n, nil
	}
	key := countKey{member, strings.Join(cands, " ")}
	if n, ok := s.counts.get(key, limit, s.now()); ok {
		return n, nil
	}
	cond := `token IN (?` + strings.Repeat(", ?", len(cands)-1) + `)`
	args := []any{member}
	for _, c := range cands {
		args = append(args, c)
	}
	var n int
	err := s.db.QueryRowPlanned(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM person_names WHERE member_id = ? AND `+cond+` LIMIT ?) t`, append(args, limit)...).Scan(&n)
	if err != nil {
		return 0, errs.Wrapf(err, "registry: search")
	}
	if n >= countKept {
		s.counts.put(key, keptCount{n, n < limit, s.now()})
	}
	return n, nil
}

// countKept is the count from which tokenCount keeps a word's count, and
// countFor how long; countsMax bounds how many it keeps.
const (
	countKept = 2000
	countFor  = 10 * time.Minute
	countsMax = 20000
)

// searchBudget is how many postings of its driving word a search walks on
// PostgreSQL before it asks GIN (a variable: tests make it small).
var searchBudget = 20000

// countEstimated is the estimate from which a word is not counted: on
// PostgreSQL, the planner's statistics of person_names.token (its most
// common values, with their frequencies, from the last ANALYZE) say how
// many postings a common token has, which orders it among the query's
// words as well as a count and costs nothing. The statistics are of all
// members: a word common in the union is common enough in each member not
// to drive a search.
const countEstimated = 50000

// estimate returns the postings the planner's statistics give cands, 0
// when they do not know them (a rare token, SQLite, no ANALYZE yet).
func (s *Service) estimate(ctx context.Context, cands []string) int {
	m := s.counts.common(ctx, s.db, s.now())
	n := 0
	for _, c := range cands {
		n += m[c]
	}
	return n
}

type countKey struct {
	member int64
	cands  string
}

// countCache keeps the counts of common words (at least countKept): the
// exact count, or the cap a count stopped at, which answers a later count
// with the same or a lower cap.
type countCache struct {
	mu sync.Mutex
	m  map[countKey]keptCount
	// The planner's most common tokens with their estimated postings,
	// read at mcvAt (PostgreSQL only).
	mcv   map[string]int
	mcvAt time.Time
}

// common returns the most common tokens the planner's statistics know,
// with their estimated postings, read again after countFor.
func (c *countCache) common(ctx context.Context, d *db.DB, now time.Time) map[string]int {
	if d.Dialect != db.Postgres {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mcv != nil && now.Sub(c.mcvAt) <= countFor {
		return c.mcv
	}
	m := map[string]int{}
	var vals, freqs string
	var rows float64
	err := d.QueryRow(ctx, `SELECT COALESCE(array_to_json(s.most_common_vals::text::text[])::text, '[]'),
		COALESCE(array_to_json(s.most_common_freqs)::text, '[]'), c.reltuples::float8
		FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = to_regnamespace(s.schemaname)
		WHERE s.schemaname = current_schema() AND s.tablename = 'person_names' AND s.attname = 'token'`).Scan(&vals, &freqs, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		// A search cancelled mid-read, a lost connection: no estimate
		// now, and the statistics are read again by the next search.
		return nil
	}
	var vs []string
	var fs []float64
	if err == nil && json.Unmarshal([]byte(vals), &vs) == nil && json.Unmarshal([]byte(freqs), &fs) == nil && len(vs) == len(fs) {
		for i, v := range vs {
			m[v] = int(math.Round(fs[i] * rows))
		}
	}
	// No statistics (no ANALYZE yet) is no estimate: every word is
	// counted, as on SQLite, until they are read again.
	c.mcv, c.mcvAt = m, now
	return m
}

type keptCount struct {
	n     int
	exact bool // else the count stopped at n
	at    time.Time
}

// get returns the count of k capped at limit, if kept.
func (c *countCache) get(k countKey, limit int, now time.Time) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	if !ok || now.Sub(v.at) > countFor || !v.exact && v.n < limit {
		return 0, false
	}
	return min(v.n, limit), true
}

func (c *countCache) put(k countKey, v keptCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= countsMax {
		c.m = map[countKey]keptCount{}
	}
	if old, ok := c.m[k]; ok && !v.exact && old.n > v.n && v.at.Sub(old.at) <= countFor {
		return // a lower cap says less than what is kept
	}
	c.m[k] = v
}
