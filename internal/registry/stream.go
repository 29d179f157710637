package registry

import (
	"bytes"
	"context"
	"database/sql"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
)

// streamSpan is how many household ids one segment of EachHousehold
// covers; tests make it small.
var streamSpan int64 = 16384

// EachHousehold calls fn with every household of member memberID and its
// members, in id order, as the rule engine reads them. Incomes are in the
// currency's major unit. fn's error stops the walk and is returned. fn must
// not keep h.Members past its call.
//
// The households are read in segments of consecutive ids, each with two
// ordered queries (households, persons by household) merged, by several
// readers at once on their own connections, and handed to fn in order: a
// bounded number of segments is held at any time, so memory does not grow
// with the registry. Each row comes back as a few columns, the rest joined
// by the database into one text (unit separator between fields): on the
// embedded SQLite every column fetched is a call into the engine, which
// costs more than the joining.
func (s *Service) EachHousehold(ctx context.Context, memberID int64, fn func(id int64, h profile.Household) error) error {
	if err := requireRead(ctx, memberID); err != nil {
		return err
	}
	m, err := s.members.ByID(ctx, memberID)
	if err != nil {
		return err
	}
	unit := int64(1)
	for range m.Exponent() {
		unit *= 10
	}
	var lo, hi int64
	err = s.db.QueryRow(ctx, `SELECT COALESCE((SELECT id FROM households WHERE member_id = ? ORDER BY id LIMIT 1), 0),
		COALESCE((SELECT id FROM households WHERE member_id = ? ORDER BY id DESC LIMIT 1), -1)`, memberID, memberID).Scan(&lo, &hi)
	if err != nil {
		return errs.Wrapf(err, "registry: stream households")
	}
	if hi < lo {
		return nil
	}
	span := streamSpan
	n := int((hi-lo)/span + 1)
	readers := min(max(runtime.GOMAXPROCS(0), 1), 4, n)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan *segment, n)
	for i := range results {
		results[i] = make(chan *segment, 1)
	}
	// A reader takes a slot before it takes the next segment, and the
	// walk frees it once fn has seen the segment: segments are taken in
	// order, so the one the walk waits for always holds a slot.
	slots := make(chan struct{}, 2*readers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			r := streamReader{s: s, member: memberID, unit: unit, intern: map[string]string{}}
			for {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				k := next.Add(1) - 1
				if k >= int64(n) {
					return
				}
				from := lo + k*span
				results[k] <- r.segment(ctx, from, min(from+span, hi+1))
			}
		})
	}
	defer func() {
		cancel()
		wg.Wait() // no query outlives the walk
	}()
	for k := range n {
		var seg *segment
		select {
		case seg = <-results[k]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if seg.err != nil {
			return errs.Wrapf(seg.err, "registry: stream households")
		}
		for i := range seg.hs {
			if err := fn(seg.ids[i], seg.hs[i]); err != nil {
				return err
			}
		}
		<-slots
	}
	return nil
}

// segment is the households of one range of ids with their members.
type segment struct {
	ids []int64
	hs  []profile.Household
	err error
}

// streamReader reads segments for EachHousehold on one goroutine. intern
// keeps one copy of each code and area string it has seen.
type streamReader struct {
	s      *Service
	member int64
	unit   int64 // minor units in a major unit of the member's currency
	intern map[string]string
}

// The fields joined after the id (and household_ref): '\x1f' never occurs
// in codes, dates or numbers, and JSON escapes it in attrs.
const (
	streamHouseholds = `SELECT id, household_ref, concat_ws(?, governorate, district, locality, dwelling_type, water_source, sanitation,
		COALESCE(CAST(rooms AS TEXT), ''), COALESCE(CAST(electricity AS TEXT), ''), assets, COALESCE(CAST(monthly_income AS TEXT), ''), attrs)
		FROM households WHERE member_id = ? AND id >= ? AND id < ? ORDER BY id`
	streamPersons = `SELECT household_id, concat_ws(?, relationship, sex, birth_date,
		CAST(wg_seeing AS TEXT), CAST(wg_hearing AS TEXT), CAST(wg_walking AS TEXT), CAST(wg_remembering AS TEXT), CAST(wg_selfcare AS TEXT), CAST(wg_communicating AS TEXT),
		employment_status, education, marital_status, orphan, COALESCE(CAST(monthly_income AS TEXT), ''), CAST(pregnant AS TEXT), attrs, placed_on)
		FROM persons WHERE member_id = ? AND household_id >= ? AND household_id < ? AND merged_into IS NULL ORDER BY household_id, id`
)

const sep = "\x1f"

// segment reads the households with ids in [from, to) and their members.
func (r *streamReader) segment(ctx context.Context, from, to int64) *segment {
	seg := &segment{}
	seg.err = r.read(ctx, from, to, seg)
	return seg
}

func (r *streamReader) read(ctx context.Context, from, to int64, seg *segment) error {
	hrows, err := r.s.db.Query(ctx, streamHouseholds, sep, r.member, from, to)
	if err != nil {
		return err
	}
	defer hrows.Close()
	for hrows.Next() {
		var id int64
		var ref string
		var rest sql.RawBytes
		if err := hrows.Scan(&id, &ref, &rest); err != nil {
			return err
		}
		h, err := r.household(rest)
		if err != nil {
			return err
		}
		h.Ref = ref
		seg.ids = append(seg.ids, id)
		seg.hs = append(seg.hs, h)
	}
	if err := hrows.Err(); err != nil {
		return err
	}
	hrows.Close()
	if len(seg.ids) == 0 {
		return nil
	}
	prows, err := r.s.db.Query(ctx, streamPersons, sep, r.member, from, to)
	if err != nil {
		return err
	}
	defer prows.Close()
	// One arena for the segment's members; households slice into it once
	// it is complete, so that growing it moves nothing they point at.
	var people []profile.Person
	var owner []int // index in seg.hs of each person
	i := 0
	for prows.Next() {
		var hh int64
		var rest sql.RawBytes
		if err := prows.Scan(&hh, &rest); err != nil {
			return err
		}
		for i < len(seg.ids) && seg.ids[i] < hh {
			i++
		}
		if i == len(seg.ids) || seg.ids[i] != hh {
			continue // a person of a household not in the list: cannot be, as both read the same range
		}
		p, err := r.person(rest)
		if err != nil {
			return err
		}
		people = append(people, p)
		owner = append(owner, i)
	}
	if err := prows.Err(); err != nil {
		return err
	}
	for a := 0; a < len(people); {
		b := a
		for b < len(people) && owner[b] == owner[a] {
			b++
		}
		seg.hs[owner[a]].Members = people[a:b:b]
		a = b
	}
	return nil
}

// fields splits b at sep into dst.
func fields(b []byte, dst [][]byte) ([][]byte, bool) {
	for i := range dst {
		j := bytes.IndexByte(b, sep[0])
		if i == len(dst)-1 {
			if j >= 0 {
				return dst, false
			}
			dst[i] = b
			return dst, true
		}
		if j < 0 {
			return dst, false
		}
		dst[i], b = b[:j], b[j+1:]
	}
	return dst, true
}

// str returns b as a string, one copy per distinct value.
func (r *streamReader) str(b []byte) string {
	if s, ok := r.intern[string(b)]; ok {
		return s
	}
	if len(r.intern) > 100000 {
		return string(b) // not a code: do not keep
	}
	s := string(b)
	r.intern[s] = s
	return s
}

// major parses a whole number of minor units into the major unit; "" is 0.
func (r *streamReader) minor(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return strconv.ParseInt(string(b), 10, 64)
}

var errStreamRow = errs.E(errs.Internal, "error.internal")

func (r *streamReader) household(b []byte) (profile.Household, error) {
	var f [11][]byte
	if _, ok := fields(b, f[:]); !ok {
		return profile.Household{}, errStreamRow
	}
	h := profile.Household{Unit: r.unit, Governorate: r.str(f[0]), District: r.str(f[1]), Locality: r.str(f[2]), DwellingType: r.str(f[3]),
		WaterSource: r.str(f[4]), Sanitation: r.str(f[5])}
	if len(f[6]) > 0 {
		n, err := strconv.Atoi(string(f[6]))
		if err != nil {
			return h, err
		}
		h.Rooms = n
	}
	h.Electricity = len(f[7]) > 0 && string(f[7]) != "0"
	if len(f[8]) > 0 {
		n := bytes.Count(f[8], []byte{';'}) + 1
		h.Assets = make([]string, 0, n)
		for a := range bytes.SplitSeq(f[8], []byte{';'}) {
			h.Assets = append(h.Assets, r.str(a))
		}
	}
	var err error
	if h.MonthlyIncome, err = r.minor(f[9]); err != nil {
		return h, err
	}
	h.Attrs = parseAttrs(string(f[10]))
	return h, nil
}

func (r *streamReader) person(b []byte) (profile.Person, error) {
	var f [17][]byte
	if _, ok := fields(b, f[:]); !ok {
		return profile.Person{}, errStreamRow
	}
	p := profile.Person{Relationship: r.str(f[0]), Sex: r.str(f[1]), EmploymentStatus: r.str(f[9]), Education: r.str(f[10]),
		MaritalStatus: r.str(f[11]), Orphan: r.str(f[12])}
	if len(f[2]) > 0 {
		d, ok := day(f[2])
		if !ok {
			return p, errStreamRow
		}
		p.BirthDate = d
	}
	for i := range 6 {
		if len(f[3+i]) != 1 || f[3+i][0] < '0' || f[3+i][0] > '9' {
			return p, errStreamRow
		}
		p.Disability[i] = int8(f[3+i][0] - '0')
	}
	var err error
	if p.MonthlyIncome, err = r.minor(f[13]); err != nil {
		return p, err
	}
	p.Pregnant = len(f[14]) > 0 && string(f[14]) != "0"
	p.Attrs = parseAttrs(string(f[15]))
	if len(f[16]) > 0 {
		d, ok := day(f[16])
		if !ok {
			return p, errStreamRow
		}
		p.PlacedOn = d
	}
	return p, nil
}

// day parses YYYY-MM-DD without time.Parse's generality.
func day(b []byte) (time.Time, bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return time.Time{}, false
	}
	num := func(b []byte) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, d := num(b[:4]), num(b[5:7]), num(b[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// EachPerson calls fn with every person of member memberID (records merged
// into another one left out), in id order,
// with the household reference, names as entered and keys filled, for
// deduplication. fn's error stops the walk and is returned.
func (s *Service) EachPerson(ctx context.Context, memberID int64, fn func(p Person) error) error {
	if err := requireRead(ctx, memberID); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT `+personCols+personFrom+` WHERE p.member_id = ? AND p.merged_into IS NULL ORDER BY p.id`, memberID)
	if err != nil {
		return errs.Wrapf(err, "registry: stream persons")
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return errs.Wrapf(err, "registry: stream persons")
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "registry: stream persons")
	}
	return nil
}

// CountPersons returns how many persons member memberID has (records
// merged into another one left out): what EachPerson and EachPersonKey
// read.
func (s *Service) CountPersons(ctx context.Context, memberID int64) (int, error) {
	if err := requireRead(ctx, memberID); err != nil {
		return 0, err
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM persons WHERE member_id = ? AND merged_into IS NULL`, memberID).Scan(&n); err != nil {
		return 0, errs.Wrapf(err, "registry: count persons")
	}
	return n, nil
}

// PersonKey is what duplicate detection reads of a person: its reference,
// its household's, its names, sex, birth date, national ID and phone, as
// stored. Each field is only valid during the call it is passed to.
type PersonKey struct {
	ID                                                 int64
	Ref, HouseholdRef                                  []byte
	FirstName, FatherName, GrandfatherName, FamilyName []byte
	NameLatin, Sex, BirthDate, NationalID, Phone       []byte
}

// EachPersonKey calls fn with the PersonKey of every person of member
// memberID (records merged into another one left out), in id order: the
// narrow read of EachPerson that a deduplication run over ten million
// persons needs, without a Person built per row. fn must copy what it
// keeps. fn's error stops the walk and is returned.
func (s *Service) EachPersonKey(ctx context.Context, memberID int64, fn func(k *PersonKey) error) error {
	if err := requireRead(ctx, memberID); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.member_ref, h.household_ref, p.first_name, p.father_name, p.grandfather_name,
		p.family_name, p.name_latin, p.sex, p.birth_date, p.national_id, p.phone`+personFrom+`
		WHERE p.member_id = ? AND p.merged_into IS NULL ORDER BY p.id`, memberID)
	if err != nil {
		return errs.Wrapf(err, "registry: stream persons")
	}
	defer rows.Close()
	var k PersonKey
	var raw [11]sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&k.ID, &raw[0], &raw[1], &raw[2], &raw[3], &raw[4], &raw[5], &raw[6], &raw[7], &raw[8], &raw[9], &raw[10]); err != nil {
			return errs.Wrapf(err, "registry: stream persons")
		}
		k.Ref, k.HouseholdRef, k.FirstName, k.FatherName, k.GrandfatherName, k.FamilyName = raw[0], raw[1], raw[2], raw[3], raw[4], raw[5]
		k.NameLatin, k.Sex, k.BirthDate, k.NationalID, k.Phone = raw[6], raw[7], raw[8], raw[9], raw[10]
		if err := fn(&k); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "registry: stream persons")
	}
	return nil
}
