package api

import (
	"context"
	"net/http"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

// DedupPair is a candidate pair with both persons as registered now (a
// person merged or removed since the run is absent).
type DedupPair struct {
	Pair    dedup.StoredPair `json:"pair"`
	PersonA *registry.Person `json:"person_a,omitempty"`
	PersonB *registry.Person `json:"person_b,omitempty"`
}

// DedupDecision is a registrar's review of a pair.
type DedupDecision struct {
	Decision string `json:"decision"` // confirm or reject
	// Keep is the person id a confirmation keeps (person_a or person_b of
	// the pair); the other is merged into it. Absent: the older record,
	// unless only the newer one heads its household.
	Keep   int64  `json:"keep,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// DedupCheck is a registration to check before saving it.
type DedupCheck struct {
	Member int64        `json:"member,omitempty"` // member id; the caller's own member when absent
	Person dedup.Record `json:"person"`
}

var memberParam = Param{Name: "member", Type: "integer", Description: "member id (union-level callers); the caller's own member when absent"}

// dedupMember is the member a dedup request is about.
func dedupMember(r *http.Request) (int64, error) {
	return QueryInt(r, "member", actor.From(r.Context()).MemberID)
}

// pairPersons loads the two persons of a pair; a missing one stays nil.
func pairPersons(ctx context.Context, a *API, p dedup.StoredPair) (DedupPair, error) {
	out := DedupPair{Pair: p}
	reg := a.Registry
	for _, x := range []struct {
		id  int64
		dst **registry.Person
	}{{p.PersonA, &out.PersonA}, {p.PersonB, &out.PersonB}} {
		q, err := reg.Person(ctx, x.id)
		switch {
		case err == nil:
			*x.dst = &q
		case errs.Is(err, errs.NotFound):
		default:
			return DedupPair{}, err
		}
	}
	return out, nil
}

func init() {
	Register(
		Route{Method: "GET", Path: "/dedup/pairs", Tag: "dedup", Summary: "The review queue: candidate duplicate pairs, most likely first",
			Query: []Param{memberParam,
				{Name: "status", Description: "open (default), confirmed, rejected or all"},
				{Name: "class", Description: "likely or possible; both when absent"},
				{Name: "limit", Type: "integer", Description: "at most 500 (default 50)"},
				{Name: "offset", Type: "integer", Description: "pairs to skip"}},
			Response: List[dedup.StoredPair]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := dedupMember(r)
				if err != nil {
					return nil, err
				}
				limit, err := QueryInt(r, "limit", 50)
				if err != nil {
					return nil, err
				}
				offset, err := QueryInt(r, "offset", 0)
				if err != nil {
					return nil, err
				}
				q := r.URL.Query()
				ps, err := a.Dedup.Pairs(r.Context(), member, dedup.PairFilter{Status: q.Get("status"), Class: q.Get("class"), Limit: int(limit), Offset: int(offset)})
				return List[dedup.StoredPair]{nonNil(ps)}, err
			}},
		Route{Method: "GET", Path: "/dedup/pairs/{id}", Tag: "dedup", Summary: "One candidate pair with its explanation and both persons",
			Query: []Param{memberParam}, Response: DedupPair{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := dedupMember(r)
				if err != nil {
					return nil, err
				}
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				p, err := a.Dedup.Pair(r.Context(), member, id)
				if err != nil {
					return nil, err
				}
				return pairPersons(r.Context(), a, p)
			}},
		Route{Method: "POST", Path: "/dedup/pairs/{id}/decision", Tag: "dedup", Summary: "Confirm (the same person: the two records are merged) or reject (two persons, never proposed again) a pair",
			Description: "Confirming records the decision and, in the same transaction, merges the two persons: `keep` (default the older record) stays as it is, taking only the fields it lacks from the other; the other stays in the database with its whole history, marked as merged into it, and leaves search and its household's member list. A household's head cannot be merged away (422: make another person head first, or keep the head). A pair one of whose persons is already merged cannot be decided (409). A rejected pair is remembered across runs.",
			Query:       []Param{memberParam}, Body: DedupDecision{}, Response: source.Decision{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := dedupMember(r)
				if err != nil {
					return nil, err
				}
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				// Permission and member before the body: a caller who may
				// not decide learns nothing from input errors.
				if _, err := a.Dedup.Pair(r.Context(), member, id); err != nil {
					return nil, err
				}
				in, err := Decode[DedupDecision](r)
				if err != nil {
					return nil, err
				}
				if in.Decision != "confirm" && in.Decision != "reject" {
					return nil, errs.E(errs.Invalid, "dedup.bad_decision", "decision", in.Decision).WithField("decision", "dedup.bad_decision", "decision", in.Decision)
				}
				return a.Duplicates.Decide(r.Context(), member, id, in.Decision == "confirm", in.Keep, in.Reason)
			}},
		Route{Method: "POST", Path: "/dedup/check", Tag: "dedup", Summary: "Real-time check: registered persons a new registration may duplicate",
			Description: "Send the person as entered (names, birth date, national ID, phone); likely and possible matches come back with their explanations, most likely first. Nothing is saved.",
			Body:        DedupCheck{}, Response: List[dedup.Match]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[DedupCheck](r)
				if err != nil {
					return nil, err
				}
				if in.Member == 0 {
					in.Member = actor.From(r.Context()).MemberID
				}
				ms, err := a.Duplicates.Check(r.Context(), in.Member, in.Person)
				return List[dedup.Match]{nonNil(ms)}, err
			}},
		Route{Method: "GET", Path: "/dedup/clusters", Tag: "dedup", Summary: "The groups of the latest run: member_ref and cluster_id of every grouped person",
			Query: []Param{memberParam}, Response: List[dedup.ClusterMember]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := dedupMember(r)
				if err != nil {
					return nil, err
				}
				cs, err := a.Dedup.Clusters(r.Context(), member)
				return List[dedup.ClusterMember]{nonNil(cs)}, err
			}},
		Route{Method: "GET", Path: "/dedup/runs/latest", Tag: "dedup", Summary: "The latest deduplication run of a member: counts and times",
			Query: []Param{memberParam}, Response: dedup.RunInfo{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := dedupMember(r)
				if err != nil {
					return nil, err
				}
				return a.Dedup.LatestRun(r.Context(), member)
			}},
	)
}
