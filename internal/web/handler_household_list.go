package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// The household list: /households with filters by area, program, program
// state and name, sortable, paged both ways, with its exports.

const householdPageSize = 50

// householdRow is one household as the list shows it: area names in the
// reader's language, and the programs it is in.
type householdRow struct {
	registry.Household
	GovernorateName, DistrictName, LocalityName string
	Programs                                    []program.HouseholdProgram
}

// sortColumn is one sortable column header: its link and the order shown.
type sortColumn struct {
	Link string
	Dir  string // "ascending", "descending" or "" (aria-sort)
}

type registryListPage struct {
	Members []member.Member // the members a union-level user may choose from
	Member  string          // the chosen member's code, for union-level users
	Query   url.Values
	Persons *registry.Page
	Rows    []householdRow
	Total   int
	From    int // the first row's position, from 1
	To      int
	Sorts   map[string]sortColumn
	// The filter's choices: the member's programs and the enrollment
	// states.
	Programs, States []Option
	CanPrograms      bool // the reader may see programs
	Next, Prev       string
	Export           exportLinks
	CanWrite         bool
	Areas            areaPicker // the area filter
}

// householdFilter is the household list's request, parsed.
type householdFilter struct {
	memberID   int64
	memberCode string
	memberLoc  *time.Location
	q          registry.HouseholdQuery
	programID  int64
	state      string
}

func (s *Server) householdFilterOf(r *http.Request, p *registryListPage) (householdFilter, error) {
	ctx := r.Context()
	q := r.URL.Query()
	a := actor.From(ctx)
	var f householdFilter
	// A union-level user reads one member's registry at a time: the one
	// named by ?member=, else the first.
	if a.Union() {
		ms, err := s.Members.List(ctx)
		if err != nil {
			return f, err
		}
		p.Members = ms
		for _, m := range ms {
			if m.Code == q.Get("member") || (q.Get("member") == "" && f.memberID == 0) {
				f.memberID, f.memberCode, f.memberLoc = m.ID, m.Code, m.Location()
			}
		}
		if f.memberID == 0 {
			return f, errs.E(errs.NotFound, "member.not_found", "code", q.Get("member"))
		}
		p.Member = f.memberCode
	} else {
		m, err := s.Members.ByID(ctx, a.MemberID)
		if err != nil {
			return f, err
		}
		f.memberID, f.memberCode, f.memberLoc = m.ID, m.Code, m.Location()
	}
	f.q = registry.HouseholdQuery{MemberID: f.memberID, Governorate: q.Get("governorate"), District: q.Get("district"), Locality: q.Get("locality"),
		Ref: q.Get("ref"), Sort: q.Get("sort")}
	if f.q.Sort == "" {
		f.q.Sort = "-id"
	}
	p.CanPrograms = auth.Can(a, auth.ProgramRead)
	if v := q.Get("program"); v != "" || q.Get("state") != "" {
		if !p.CanPrograms {
			return f, errs.E(errs.Forbidden, "auth.forbidden", "permission", string(auth.ProgramRead))
		}
		if v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return f, errs.E(errs.Invalid, "error.invalid_input").WithField("program", "error.invalid_input")
			}
			f.programID = id
		}
		f.state = q.Get("state")
		ids, err := s.Programs.HouseholdsIn(ctx, f.memberID, f.programID, f.state)
		if err != nil {
			return f, err
		}
		f.q.IDs = ids
	}
	return f, nil
}

func (s *Server) householdList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	l := Lang(r)
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(offset, 0)
	p := registryListPage{Query: q, CanWrite: auth.Can(actor.From(ctx), auth.RegistryWrite), Export: exportLinksOf(r)}
	if actor.From(ctx).Union() {
		p.CanWrite = false // registering belongs to the member's own registrars
	}
	f, err := s.householdFilterOf(r, &p)
	if err != nil {
		return err
	}
	// The area picker: its choices, and area names typed in the query
	// resolved to codes.
	if err := s.householdListAreas(r, f.memberID, &p); err != nil {
		return err
	}
	f.q.Governorate, f.q.District, f.q.Locality = p.Query.Get("governorate"), p.Query.Get("district"), p.Query.Get("locality")
	areas, err := s.Members.Areas(ctx, f.memberCode)
	if err != nil {
		return err
	}
	names := areaNameMapOf(l, areas)
	// A locality names its district and governorate: the list is read
	// from the area index by all three.
	parents := map[string]string{}
	for _, a := range areas {
		parents[a.Code] = a.ParentCode
	}
	if f.q.Locality != "" && f.q.District == "" {
		f.q.District = parents[f.q.Locality]
	}
	if f.q.District != "" && f.q.Governorate == "" {
		f.q.Governorate = parents[f.q.District]
	}
	if format := exportFormat(r); format != "" {
		if q.Get("q") != "" || q.Get("sex") != "" {
			return s.personSearchExport(w, r, f, names)
		}
		if q.Get("what") == "persons" {
			return s.householdPersonsExport(w, r, f, names)
		}
		return s.householdExport(w, r, f, names)
	}
	if p.CanPrograms {
		ps, err := s.Programs.List(ctx, f.memberID)
		if err != nil {
			return err
		}
		p.Programs = []Option{{"", tr(l, "households.any_program")}}
		for _, pr := range ps {
			p.Programs = append(p.Programs, Option{strconv.FormatInt(pr.ID, 10), pick(l, pr.NameAR, pr.NameEN)})
		}
		p.States = []Option{{"", tr(l, "households.any_state")}}
		for _, st := range program.States {
			p.States = append(p.States, Option{st, tr(l, "enrollment.status."+st)})
		}
	}
	more := false
	if q.Get("q") != "" || q.Get("sex") != "" {
		// The name search finds persons, each with its household.
		page, err := s.Registry.Search(ctx, registry.Query{MemberID: f.memberID, Text: q.Get("q"), Governorate: f.q.Governorate, District: f.q.District,
			Locality: f.q.Locality, Sex: q.Get("sex"), Limit: householdPageSize, Offset: offset})
		if err != nil {
			return err
		}
		p.Persons, more = &page, page.More
		p.From, p.To = offset+1, offset+len(page.Persons)
	} else {
		f.q.Limit, f.q.Offset = householdPageSize, offset
		page, err := s.Registry.ListHouseholds(ctx, f.q)
		if err != nil {
			return err
		}
		if p.Total, err = s.Registry.CountHouseholds(ctx, f.q); err != nil {
			return err
		}
		more = page.More
		ids := make([]int64, len(page.Households))
		for i, h := range page.Households {
			ids[i] = h.ID
		}
		var progs map[int64][]program.HouseholdProgram
		if p.CanPrograms {
			if progs, err = s.Programs.ProgramsOf(ctx, f.memberID, ids); err != nil {
				return err
			}
		}
		for _, h := range page.Households {
			p.Rows = append(p.Rows, householdRow{Household: h, GovernorateName: names.of(h.Governorate), DistrictName: names.of(h.District),
				LocalityName: names.of(h.Locality), Programs: progs[h.ID]})
		}
		p.From, p.To = offset+1, offset+len(page.Households)
		p.Sorts = sortLinks(r, f.q.Sort)
	}
	link := func(off int) string {
		v := url.Values{}
		for k, x := range q {
			v[k] = x
		}
		v.Set("offset", strconv.Itoa(off))
		return "/households?" + v.Encode()
	}
	if more {
		p.Next = link(offset + householdPageSize)
	}
	if offset > 0 {
		p.Prev = link(max(0, offset-householdPageSize))
	}
	return s.Render(w, r, "registry/households", View{Title: "registry.households", Data: p})
}

// sortLinks gives each sortable column the link that sorts by it: the
// other way round when it is the order in force, ascending otherwise; the
// filters stay, the paging restarts.
func sortLinks(r *http.Request, cur string) map[string]sortColumn {
	out := map[string]sortColumn{}
	key, desc := strings.CutPrefix(cur, "-")
	for _, k := range registry.HouseholdSorts {
		v := url.Values{}
		for name, x := range r.URL.Query() {
			if name != "offset" && name != "sort" {
				v[name] = x
			}
		}
		c := sortColumn{}
		next := k
		if k == key {
			c.Dir = "ascending"
			if desc {
				c.Dir = "descending"
			} else {
				next = "-" + k
			}
		}
		v.Set("sort", next)
		c.Link = "/households?" + v.Encode()
		out[k] = c
	}
	return out
}

// areaNameMap names a member's areas by code in one language.
type areaNameMap map[string]string

// of returns the name of area code, the code itself when the member has
// no such area (codes kept as imported before the areas were loaded).
func (m areaNameMap) of(code string) string {
	if n, ok := m[code]; ok {
		return n
	}
	return code
}

func areaNameMapOf(l i18n.Lang, areas []member.Area) areaNameMap {
	m := make(areaNameMap, len(areas))
	for _, a := range areas {
		m[a.Code] = pick(l, a.NameAR, a.NameEN)
	}
	return m
}

// householdFilters names the filters of the household list for an
// export's header rows.
func (s *Server) householdFilters(ctx context.Context, r *http.Request, f householdFilter, names areaNameMap) []exportFilter {
	l := Lang(r)
	q := r.URL.Query()
	var out []exportFilter
	if f.memberCode != "" && actor.From(ctx).Union() {
		out = append(out, exportFilter{"web.member", f.memberCode})
	}
	for _, a := range []struct{ key, code string }{{"registry.governorate", f.q.Governorate}, {"registry.district", f.q.District}, {"registry.locality", f.q.Locality}} {
		if a.code != "" {
			out = append(out, exportFilter{a.key, names.of(a.code)})
		}
	}
	if f.programID != 0 {
		name := strconv.FormatInt(f.programID, 10)
		if pr, err := s.Programs.Get(ctx, f.programID); err == nil {
			name = pick(l, pr.NameAR, pr.NameEN)
		}
		out = append(out, exportFilter{"households.program", name})
	}
	if f.state != "" {
		out = append(out, exportFilter{"households.state", tr(l, "enrollment.status."+f.state)})
	}
	if v := q.Get("q"); v != "" {
		out = append(out, exportFilter{"registry.search", v})
	}
	if v := q.Get("sex"); v != "" {
		out = append(out, exportFilter{"registry.sex", tr(l, "registry.sex_"+v)})
	}
	if v := q.Get("sort"); v != "" {
		out = append(out, exportFilter{"households.sort", tr(l, "households.sort_"+strings.TrimPrefix(v, "-"))})
	}
	return out
}

// householdExport writes the filtered household list as CSV or XLSX.
func (s *Server) householdExport(w http.ResponseWriter, r *http.Request, f householdFilter, names areaNameMap) error {
	ctx := r.Context()
	l := Lang(r)
	x, err := s.startExport(w, r, "households", "registry.households", f.memberID, f.memberLoc, s.householdFilters(ctx, r, f, names),
		[]string{"registry.household_ref", "households.head", "registry.governorate", "registry.district", "registry.locality", "registry.size", "registry.registered_on", "households.programs"})
	if err != nil {
		return err
	}
	canPrograms := auth.Can(actor.From(ctx), auth.ProgramRead)
	// The programs are asked for a batch of households at a time.
	var batch []registry.Household
	flush := func() error {
		var progs map[int64][]program.HouseholdProgram
		if canPrograms && len(batch) > 0 {
			ids := make([]int64, len(batch))
			for i, h := range batch {
				ids[i] = h.ID
			}
			var err error
			if progs, err = s.Programs.ProgramsOf(ctx, f.memberID, ids); err != nil {
				return err
			}
		}
		for _, h := range batch {
			var ps []string
			for _, p := range progs[h.ID] {
				ps = append(ps, pick(l, p.NameAR, p.NameEN)+" ("+tr(l, "enrollment.status."+p.Status)+")")
			}
			if err := x.Row(rawCell(h.Ref), h.Head, names.of(h.Governorate), names.of(h.District), names.of(h.Locality), h.Size, rawCell(h.RegisteredOn), strings.Join(ps, "؛ ")); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	err = s.readRegistry().EachListedHousehold(ctx, f.q, x.Limit(), func(h registry.Household) error {
		batch = append(batch, h)
		if len(batch) == 500 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return x.Close(err)
}

// personColumns are the columns of a persons export.
var personColumns = []string{"registry.member_ref", "registry.household_ref", "registry.name", "registry.relationship", "registry.sex", "registry.birth_date", "registry.national_id", "registry.phone"}

// householdPersonsExport writes the persons of the filtered households.
func (s *Server) householdPersonsExport(w http.ResponseWriter, r *http.Request, f householdFilter, names areaNameMap) error {
	ctx := r.Context()
	x, err := s.startExport(w, r, "persons", "households.persons_export", f.memberID, f.memberLoc, s.householdFilters(ctx, r, f, names), personColumns)
	if err != nil {
		return err
	}
	return x.Close(s.readRegistry().EachListedPerson(ctx, f.q, x.Limit(), func(p registry.Person) error {
		return x.Row(personCells(Lang(r), p)...)
	}))
}

// personSearchExport writes the persons a name search found.
func (s *Server) personSearchExport(w http.ResponseWriter, r *http.Request, f householdFilter, names areaNameMap) error {
	ctx := r.Context()
	q := r.URL.Query()
	x, err := s.startExport(w, r, "persons", "households.persons_export", f.memberID, f.memberLoc, s.householdFilters(ctx, r, f, names), personColumns)
	if err != nil {
		return err
	}
	// Search pages by 1000; the export walks the pages.
	rq := registry.Query{MemberID: f.memberID, Text: q.Get("q"), Governorate: f.q.Governorate, District: f.q.District, Locality: f.q.Locality, Sex: q.Get("sex"), Limit: 1000}
	for n := 0; n < x.Limit(); {
		page, err := s.Registry.Search(ctx, rq)
		if err != nil {
			return x.Close(err)
		}
		for _, p := range page.Persons {
			if err := x.Row(personCells(Lang(r), p)...); err != nil {
				return x.Close(err)
			}
			n++
		}
		if !page.More {
			break
		}
		rq.Offset += len(page.Persons)
	}
	return x.Close(nil)
}

func personCells(l i18n.Lang, p registry.Person) []any {
	rel, sex := "", ""
	if p.Relationship != "" {
		rel = tr(l, "registry.rel_"+p.Relationship)
	}
	if p.Sex != "" {
		sex = tr(l, "registry.sex_"+p.Sex)
	}
	return []any{rawCell(p.Ref), rawCell(p.HouseholdRef), p.FullName(), rel, sex, rawCell(p.BirthDate), p.NationalID, p.Phone}
}

// Status is the message key of the household's standing in the programs:
// enrolled in one at least, else suspended, else proposed, else in none.
func (h householdRow) Status() string {
	best := ""
	for _, p := range h.Programs {
		switch {
		case p.Status == program.Enrolled:
			best = p.Status
		case p.Status == program.Suspended && best != program.Enrolled:
			best = p.Status
		case p.Status == program.Proposed && best == "":
			best = p.Status
		}
	}
	if best == "" {
		return "households.status_none"
	}
	return "enrollment.status." + best
}
