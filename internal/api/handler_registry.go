package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
	"github.com/tadamun/tadamun/internal/sheet"
)

// HouseholdDetail is a household with its persons.
type HouseholdDetail struct {
	Household registry.Household `json:"household"`
	Persons   []registry.Person  `json:"persons"`
}

// NewHousehold registers a household with its persons, exactly one of whom
// has relationship "head".
type NewHousehold struct {
	Household registry.Household `json:"household"`
	Persons   []registry.Person  `json:"persons"`
}

// MovePerson moves a person to another household of the same member.
type MovePerson struct {
	HouseholdID  int64  `json:"household_id"`
	Relationship string `json:"relationship"`
	// NewHeadID names who becomes head of the household the person leaves,
	// when the person is its head.
	NewHeadID int64 `json:"new_head_id,omitempty"`
}

// ChangeHead makes a person the head of its household.
type ChangeHead struct {
	// FormerRelationship is what the present head becomes (spouse, parent, …).
	FormerRelationship string `json:"former_relationship"`
}

// registryMember reads the "member" query parameter (a member code or id);
// absent, it is the caller's own member.
func registryMember(a *API, r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.URL.Query().Get("member"))
	if v == "" {
		return 0, nil
	}
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		m, err := a.Members.ByID(r.Context(), id)
		if err != nil {
			return 0, err
		}
		v = m.Code
	}
	m, err := a.Members.Get(r.Context(), v)
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

func optBool(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, errs.E(errs.Invalid, "error.invalid_input").WithField(name, "error.bad_id", "value", v)
	}
	return &b, nil
}

func optInt(r *http.Request, name string) (*int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, errs.E(errs.Invalid, "error.invalid_input").WithField(name, "error.bad_id", "value", v)
	}
	return &n, nil
}

// personQuery reads a person search from the query string.
func personQuery(a *API, r *http.Request) (registry.Query, error) {
	q := r.URL.Query()
	member, err := registryMember(a, r)
	if err != nil {
		return registry.Query{}, err
	}
	limit, err := QueryInt(r, "limit", 50)
	if err != nil {
		return registry.Query{}, err
	}
	offset, err := QueryInt(r, "offset", 0)
	if err != nil {
		return registry.Query{}, err
	}
	out := registry.Query{MemberID: member, Text: q.Get("q"), NationalID: q.Get("national_id"), Phone: q.Get("phone"),
		HouseholdRef: q.Get("household_ref"), Governorate: q.Get("governorate"), District: q.Get("district"), Locality: q.Get("locality"),
		Sex: q.Get("sex"), Relationship: q.Get("relationship"), Orphan: q.Get("orphan"), Sort: q.Get("sort"), Limit: int(limit), Offset: int(offset)}
	if out.Disabled, err = optBool(r, "disabled"); err != nil {
		return out, err
	}
	if out.Pregnant, err = optBool(r, "pregnant"); err != nil {
		return out, err
	}
	if out.AgeMin, err = optInt(r, "age_min"); err != nil {
		return out, err
	}
	if out.AgeMax, err = optInt(r, "age_max"); err != nil {
		return out, err
	}
	return out, nil
}

var personParams = []Param{
	{Name: "member", Description: "member code or id; default the caller's member (union-level callers must name one)"},
	{Name: "q", Description: "name words in Arabic or Latin (each must match a part of the name), or a national ID, phone or reference"},
	{Name: "national_id", Description: "national ID, any digit form"},
	{Name: "phone", Description: "phone number, any digit form"},
	{Name: "household_ref", Description: "household reference"},
	{Name: "governorate", Description: "admin area code"},
	{Name: "district", Description: "admin area code"},
	{Name: "locality", Description: "admin area code"},
	{Name: "sex", Description: "male or female"},
	{Name: "relationship", Description: "relationship to the head, e.g. head"},
	{Name: "orphan", Description: "none, paternal, maternal or double"},
	{Name: "disabled", Type: "boolean", Description: "any Washington Group domain at 3 or 4"},
	{Name: "pregnant", Type: "boolean"},
	{Name: "age_min", Type: "integer", Description: "age in whole years today, at least"},
	{Name: "age_max", Type: "integer", Description: "age in whole years today, at most"},
	{Name: "sort", Description: "id, name, birth_date, member_ref or household_ref; prefix - for descending"},
	{Name: "limit", Type: "integer", Description: "page size, default 50, at most 1000"},
	{Name: "offset", Type: "integer", Description: "rows to skip"},
}

func init() {
	Register(
		Route{Method: "GET", Path: "/households", Tag: "registry", Summary: "List households, by area and reference",
			Query: []Param{{Name: "member", Description: "member code or id; default the caller's member"}, {Name: "ref", Description: "household reference"},
				{Name: "governorate"}, {Name: "district"}, {Name: "locality"},
				{Name: "sort", Description: "id, household_ref, registered_on, area or head_name; prefix - for descending"},
				{Name: "limit", Type: "integer"}, {Name: "offset", Type: "integer"}},
			Response: registry.HouseholdPage{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := registryMember(a, r)
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
				p, err := a.Registry.ListHouseholds(r.Context(), registry.HouseholdQuery{MemberID: member, Ref: q.Get("ref"),
					Governorate: q.Get("governorate"), District: q.Get("district"), Locality: q.Get("locality"), Sort: q.Get("sort"), Limit: int(limit), Offset: int(offset)})
				p.Households = nonNil(p.Households)
				return p, err
			}},
		Route{Method: "POST", Path: "/households", Tag: "registry", Summary: "Register a household with its persons (409 when a person is likely registered already, unless force=true)",
			Description: "Exactly one person is the head. Validation problems come back per field; a person's problems carry its 1-based position as row. Every person is then checked against the registry: one likely registered already refuses the request with 409, one problem per match naming the registered person, household and probability (row: the person's position); send force=true to register anyway (recorded in the audit log). Possible matches, and likely ones confirmed, come back in duplicates. POST /dedup/check gives the matches as data.",
			Query:       []Param{{Name: "member", Description: "member code or id; default the caller's member"}, forceParam},
			Body:        NewHousehold{}, Response: registry.Registration{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := registryMember(a, r)
				if err != nil {
					return nil, err
				}
				if member == 0 {
					if member, err = ownMember(r); err != nil {
						return nil, err
					}
				}
				in, err := Decode[NewHousehold](r)
				if err != nil {
					return nil, err
				}
				reg, err := a.Registry.Register(r.Context(), member, in.Household, in.Persons, duplicatePolicy(r))
				if err != nil {
					return nil, err
				}
				return reg, nil
			}},
		Route{Method: "GET", Path: "/households/{id}", Tag: "registry", Summary: "Get a household with its persons", Response: HouseholdDetail{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				s := a.Registry
				h, err := s.Household(r.Context(), id)
				if err != nil {
					return nil, err
				}
				ps, err := s.Persons(r.Context(), id)
				return HouseholdDetail{h, nonNil(ps)}, err
			}},
		Route{Method: "PUT", Path: "/households/{id}", Tag: "registry", Summary: "Change a household's fields",
			Description: "Send every field (what the GET gave, changed). The reference never changes. A version other than 0 must be the stored one, or the answer is 409.",
			Body:        registry.Household{}, Response: registry.Household{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				h, err := Decode[registry.Household](r)
				if err != nil {
					return nil, err
				}
				return a.Registry.UpdateHousehold(r.Context(), id, h)
			}},
		Route{Method: "GET", Path: "/households/{id}/history", Tag: "registry", Summary: "Every change of a household and its persons, newest first",
			Query:    []Param{{Name: "before", Type: "integer", Description: "changes older than this change id"}, {Name: "limit", Type: "integer"}},
			Response: List[registry.Change]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				before, err := QueryInt(r, "before", 0)
				if err != nil {
					return nil, err
				}
				limit, err := QueryInt(r, "limit", 200)
				if err != nil {
					return nil, err
				}
				cs, err := a.Registry.History(r.Context(), id, before, int(limit))
				return List[registry.Change]{nonNil(cs)}, err
			}},
		Route{Method: "POST", Path: "/households/{id}/persons", Tag: "registry", Summary: "Add a person to a household (409 when likely registered already, unless force=true)",
			Description: "The person is checked against the registry: if likely registered already, the answer is 409 with one problem per match naming the registered person, household and probability; send force=true to register anyway (recorded in the audit log). Possible matches, and likely ones confirmed, come back in duplicates. POST /dedup/check gives the matches as data.",
			Query:       []Param{forceParam}, Body: registry.Person{}, Response: RegisteredPerson{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				p, err := Decode[registry.Person](r)
				if err != nil {
					return nil, err
				}
				q, ds, err := a.Registry.RegisterPerson(r.Context(), id, p, duplicatePolicy(r))
				if err != nil {
					return nil, err
				}
				return RegisteredPerson{q, ds}, nil
			}},
		Route{Method: "GET", Path: "/persons", Tag: "registry", Summary: "Search persons by name (Arabic or Latin), ID, phone, reference, area and attributes",
			Query: personParams, Response: registry.Page{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q, err := personQuery(a, r)
				if err != nil {
					return nil, err
				}
				p, err := a.Registry.Search(r.Context(), q)
				p.Persons = nonNil(p.Persons)
				return p, err
			}},
		Route{Method: "GET", Path: "/persons/export.csv", Tag: "registry", Summary: "Export a person search as CSV (up to 100,000 rows)",
			Query: personParams, Response: Raw{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q, err := personQuery(a, r)
				if err != nil {
					return nil, err
				}
				b, err := exportPersons(a, r, q)
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: "text/csv; charset=utf-8", Body: b}, nil
			}},
		Route{Method: "GET", Path: "/persons/{id}", Tag: "registry", Summary: "Get a person", Response: registry.Person{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Registry.Person(r.Context(), id)
			}},
		Route{Method: "PUT", Path: "/persons/{id}", Tag: "registry", Summary: "Change a person's fields",
			Description: "Send every field. The reference and household stay (move a person with /persons/{id}/move); a version other than 0 must be the stored one.",
			Body:        registry.Person{}, Response: registry.Person{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				p, err := Decode[registry.Person](r)
				if err != nil {
					return nil, err
				}
				return a.Registry.UpdatePerson(r.Context(), id, p)
			}},
		Route{Method: "POST", Path: "/persons/{id}/move", Tag: "registry", Summary: "Move a person to another household",
			Body: MovePerson{}, Response: registry.Person{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				m, err := Decode[MovePerson](r)
				if err != nil {
					return nil, err
				}
				return a.Registry.MovePerson(r.Context(), id, m.HouseholdID, m.Relationship, m.NewHeadID)
			}},
		Route{Method: "POST", Path: "/persons/{id}/head", Tag: "registry", Summary: "Make a person the head of its household",
			Body: ChangeHead{}, Response: registry.Person{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				c, err := Decode[ChangeHead](r)
				if err != nil {
					return nil, err
				}
				s := a.Registry
				if err := s.ChangeHead(r.Context(), id, c.FormerRelationship); err != nil {
					return nil, err
				}
				return s.Person(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/registry/template.xlsx", Tag: "registry", Summary: "The import template: households and members sheets, and the codes", Response: Raw{},
			Handle: func(a *API, r *http.Request) (any, error) {
				var b bytes.Buffer
				if err := registry.WriteTemplateXLSX(&b); err != nil {
					return nil, err
				}
				return Raw{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Body: b.Bytes()}, nil
			}},
	)
}

// ownMember is the caller's member, for creating rows.
func ownMember(r *http.Request) (int64, error) {
	id, all := auth.MemberScope(r.Context())
	if all {
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField("member", "error.required")
	}
	return id, nil
}

// exportPersons writes the persons matching q as CSV, page by page.
func exportPersons(a *API, r *http.Request, q registry.Query) ([]byte, error) {
	var b bytes.Buffer
	b.Write([]byte{0xEF, 0xBB, 0xBF})
	w := csv.NewWriter(&b)
	w.Write([]string{"household_ref", "member_ref", "relationship", "first_name", "father_name", "grandfather_name", "family_name", "name_latin",
		"sex", "birth_date", "national_id", "phone", "disabled", "orphan"})
	s := a.Registry
	q.Limit, q.Offset = 1000, 0
	for q.Offset < 100000 {
		page, err := s.Search(r.Context(), q)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Persons {
			w.Write(sheet.Texts(p.HouseholdRef, p.Ref, p.Relationship, p.FirstName, p.FatherName, p.GrandfatherName, p.FamilyName, p.NameLatin,
				p.Sex, p.BirthDate, p.NationalID, p.Phone, strconv.FormatBool(p.Disabled()), p.Orphan))
		}
		if !page.More {
			break
		}
		q.Offset += q.Limit
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
