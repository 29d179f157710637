package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// The deduplication review queue: candidate pairs, one pair side by side
// with its differences and explanation, and the registrar's decision.
func init() {
	Register(Module{
		Name: "dedup",
		Menu: []MenuItem{{Path: "/dedup", Key: "dedup.page_menu", Perm: auth.RegistryRead, Order: 40}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /dedup", auth.RegistryRead, s.dedupQueue)
			s.Handle(mux, "GET /dedup/pairs/{id}", auth.RegistryRead, s.dedupPair)
			s.Handle(mux, "POST /dedup/pairs/{id}", auth.RegistryWrite, s.dedupDecide)
		},
	})
}

// dedupMember is the member a page is about: the user's own, or for
// union-level users the one named by ?member= (0 when none is chosen).
func dedupMember(r *http.Request) int64 {
	a := actor.From(r.Context())
	if !a.Union() {
		return a.MemberID
	}
	n, _ := strconv.ParseInt(r.URL.Query().Get("member"), 10, 64)
	return n
}

// queueRow is one pair of the queue with the two names.
type queueRow struct {
	Pair         dedup.StoredPair
	NameA, NameB string
	Percent      string
	Vetoes       []string
	Merged       bool // a record of the pair was merged since the run
}

type dedupQueuePage struct {
	Member   int64
	MemberQ  int64           // the member for links: set for union-level users only
	Members  []member.Member // to choose from, union level
	Run      *dedup.RunInfo
	Rows     []queueRow
	Status   string
	Class    string
	Offset   int
	Next     int // offset of the next page, 0 for none
	Statuses []Option
	Classes  []Option
}

const queuePageSize = 50

func personName(p *registry.Person) string {
	if p == nil {
		return ""
	}
	return dedup.Record{First: p.FirstName, Father: p.FatherName, Grandfather: p.GrandfatherName, Family: p.FamilyName, Latin: p.NameLatin}.Name()
}

func (s *Server) dedupQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	q := r.URL.Query()
	p := dedupQueuePage{Member: dedupMember(r), Status: q.Get("status"), Class: q.Get("class"),
		Statuses: []Option{{"open", tr(l, "dedup.page_status_open")}, {"confirmed", tr(l, "dedup.page_status_confirmed")}, {"rejected", tr(l, "dedup.page_status_rejected")}, {"all", tr(l, "dedup.page_any")}},
		Classes:  []Option{{"", tr(l, "dedup.page_any")}, {"likely", tr(l, "dedup.page_class_likely")}, {"possible", tr(l, "dedup.page_class_possible")}}}
	if actor.From(ctx).Union() {
		p.MemberQ = p.Member
	}
	p.Offset, _ = strconv.Atoi(q.Get("offset"))
	p.Offset = max(p.Offset, 0)
	if p.Member == 0 {
		ms, err := s.Members.List(ctx)
		if err != nil {
			return err
		}
		p.Members = ms
		return s.Render(w, r, "dedup/queue", View{Title: "dedup.page_queue", Data: p})
	}
	st := s.Dedup
	run, err := st.LatestRun(ctx, p.Member)
	switch {
	case err == nil:
		p.Run = &run
	case errs.Is(err, errs.NotFound) && errs.As(err).Key == "dedup.no_run":
	default:
		return err
	}
	pairs, err := st.Pairs(ctx, p.Member, dedup.PairFilter{Status: p.Status, Class: p.Class, Limit: queuePageSize + 1, Offset: p.Offset})
	if err != nil {
		return err
	}
	if len(pairs) > queuePageSize {
		pairs, p.Next = pairs[:queuePageSize], p.Offset+queuePageSize
	}
	reg := s.Registry
	var ids []int64
	for _, pr := range pairs {
		ids = append(ids, pr.PersonA, pr.PersonB)
	}
	merged, err := reg.MergedInto(ctx, ids...)
	if err != nil {
		return err
	}
	for _, pr := range pairs {
		row := queueRow{Pair: pr, Percent: percent(pr.Probability)}
		_, ma := merged[pr.PersonA]
		_, mb := merged[pr.PersonB]
		row.Merged = ma || mb
		for _, v := range pr.Explanation.Vetoes {
			row.Vetoes = append(row.Vetoes, tr(l, "dedup.veto_"+v))
		}
		if a, err := reg.Person(ctx, pr.PersonA); err == nil {
			row.NameA = personName(&a)
		}
		if b, err := reg.Person(ctx, pr.PersonB); err == nil {
			row.NameB = personName(&b)
		}
		p.Rows = append(p.Rows, row)
	}
	fm := &Form{Values: q, Errors: map[string]string{}}
	return s.Render(w, r, "dedup/queue", View{Title: "dedup.page_queue", Form: fm, Data: p})
}

func percent(p float64) string {
	switch {
	case p >= 0.9999:
		return ">99.99%"
	case p >= 0.99:
		return fmt.Sprintf("%.2f%%", 100*p)
	}
	return fmt.Sprintf("%.1f%%", 100*p)
}

// sideRow is one field of the two persons side by side.
type sideRow struct {
	Label string // message key
	A, B  string
	Same  bool
	Level string // the comparison level, translated, when the field was compared
}

// explainRow is one field's part in the score.
type explainRow struct {
	Field, Level string // translated
	Weight, TF   string
	Positive     bool
	Note         string
}

type dedupPairPage struct {
	Member  int64
	MemberQ int64 // the member for links: set for union-level users only
	Pair    dedup.StoredPair
	Rows    []sideRow
	Explain []explainRow
	Prior   string
	Total   string
	Percent string
	Vetoes  []string
	Missing bool // a person was removed since the run
	// Merged names a record of the pair merged since the run, and the
	// record it went into: the pair can no longer be decided.
	Merged, MergedInto string
	Keep               []keepOption // the two records, for the choice of the one kept
	CanDecide          bool
	Form               *Form
}

// keepOption is one record a confirmation may keep.
type keepOption struct {
	ID      int64
	Ref     string
	Name    string
	Head    string // the household it heads, if it does
	Default bool
}

func signed(x float64) string { return fmt.Sprintf("%+.2f", x) }

func (s *Server) dedupPairPage(r *http.Request) (dedupPairPage, error) {
	ctx := r.Context()
	l := Lang(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return dedupPairPage{}, errs.E(errs.NotFound, "error.not_found")
	}
	p := dedupPairPage{Member: dedupMember(r)}
	if actor.From(ctx).Union() {
		p.MemberQ = p.Member
	}
	if p.Pair, err = s.Dedup.Pair(ctx, p.Member, id); err != nil {
		return p, err
	}
	reg := s.Registry
	var a, b *registry.Person
	if x, err := reg.Person(ctx, p.Pair.PersonA); err == nil {
		a = &x
	} else if !errs.Is(err, errs.NotFound) {
		return p, err
	}
	if x, err := reg.Person(ctx, p.Pair.PersonB); err == nil {
		b = &x
	} else if !errs.Is(err, errs.NotFound) {
		return p, err
	}
	p.Missing = a == nil || b == nil
	if !p.Missing {
		merged, err := reg.MergedInto(ctx, a.ID, b.ID)
		if err != nil {
			return p, err
		}
		for _, x := range []*registry.Person{a, b} {
			if into, ok := merged[x.ID]; ok {
				p.Merged, p.MergedInto = x.Ref, strconv.FormatInt(into, 10)
				if q, err := reg.Person(ctx, into); err == nil {
					p.MergedInto = q.Ref
				}
			}
		}
		def := source.DefaultKeep(*a, *b)
		for _, x := range []*registry.Person{a, b} {
			o := keepOption{ID: x.ID, Ref: x.Ref, Name: personName(x), Default: x.ID == def}
			if x.Relationship == "head" {
				o.Head = x.HouseholdRef
			}
			p.Keep = append(p.Keep, o)
		}
	}
	if a == nil {
		a = &registry.Person{Ref: p.Pair.RefA}
	}
	if b == nil {
		b = &registry.Person{Ref: p.Pair.RefB}
	}
	levels := map[string]string{}
	for _, f := range p.Pair.Explanation.Fields {
		levels[f.Field] = tr(l, "dedup.level_"+f.Level)
		row := explainRow{Field: tr(l, "dedup.field_"+f.Field), Level: tr(l, "dedup.level_"+f.Level),
			Weight: signed(f.Weight), Positive: f.Weight+f.TF > 0}
		if f.TF != 0 {
			row.TF = signed(f.TF)
		}
		if f.Note != "" {
			row.Note = tr(l, "dedup.note_"+f.Note)
		}
		p.Explain = append(p.Explain, row)
	}
	add := func(label, field, x, y string) {
		p.Rows = append(p.Rows, sideRow{Label: label, A: x, B: y, Same: x == y, Level: levels[field]})
	}
	p.Rows = append(p.Rows, sideRow{Label: "dedup.page_ref", A: a.Ref, B: b.Ref, Same: true})
	add("dedup.page_household", "", a.HouseholdRef, b.HouseholdRef)
	add("dedup.field_first", "first", a.FirstName, b.FirstName)
	add("dedup.field_father", "father", a.FatherName, b.FatherName)
	add("dedup.field_grandfather", "grandfather", a.GrandfatherName, b.GrandfatherName)
	add("dedup.field_family", "family", a.FamilyName, b.FamilyName)
	add("dedup.page_latin", "", a.NameLatin, b.NameLatin)
	sexA, _ := Label(l, "sex", a.Sex)
	sexB, _ := Label(l, "sex", b.Sex)
	add("dedup.field_sex", "sex", sexA, sexB)
	add("dedup.field_birth_date", "birth_date", a.BirthDate, b.BirthDate)
	add("dedup.field_national_id", "national_id", a.NationalID, b.NationalID)
	add("dedup.field_phone", "phone", a.Phone, b.Phone)
	e := p.Pair.Explanation
	p.Prior, p.Total, p.Percent = signed(e.Prior), signed(e.Weight), percent(p.Pair.Probability)
	for _, v := range e.Vetoes {
		p.Vetoes = append(p.Vetoes, tr(l, "dedup.veto_"+v))
	}
	p.CanDecide = p.Pair.Status == dedup.StatusOpen && p.Merged == "" && auth.Can(actor.From(ctx), auth.RegistryWrite)
	p.Form = &Form{Values: map[string][]string{}, Errors: map[string]string{}}
	return p, nil
}

func (s *Server) dedupPair(w http.ResponseWriter, r *http.Request) error {
	p, err := s.dedupPairPage(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "dedup/pair", View{Title: "dedup.page_pair", Data: p})
}

func (s *Server) dedupDecide(w http.ResponseWriter, r *http.Request) error {
	p, err := s.dedupPairPage(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	decision := f.Values.Get("decision")
	var out source.Decision
	if decision != "confirm" && decision != "reject" {
		err = errs.E(errs.Invalid, "dedup.bad_decision", "decision", decision).WithField("decision", "dedup.bad_decision", "decision", decision)
	} else {
		// Confirming merges the two records in the same transaction;
		// keep is the one the registrar chose (the suggested one when
		// the form sent none).
		var keep int64
		if v := f.Values.Get("keep"); v != "" {
			if keep, err = strconv.ParseInt(v, 10, 64); err != nil {
				keep = -1
			}
		}
		out, err = s.Duplicates.Decide(r.Context(), p.Member, p.Pair.ID, decision == "confirm", keep, f.Values.Get("reason"))
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		p.Form = f
		return s.Render(w, r, "dedup/pair", View{Title: "dedup.page_pair", Data: p, Form: f, Status: Status(errs.CodeOf(err))})
	}
	if out.Merge != nil {
		Flash(w, "dedup.page_merged_done")
	} else {
		Flash(w, "web.saved")
	}
	next := "/dedup"
	if actor.From(r.Context()).Union() {
		next += "?member=" + strconv.FormatInt(p.Member, 10)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
