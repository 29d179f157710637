package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/member"
)

// MemberPatch changes a member; absent fields stay. The code, kind and
// currency never change.
type MemberPatch struct {
	NameAR      *string `json:"name_ar,omitempty"`
	NameEN      *string `json:"name_en,omitempty"`
	Timezone    *string `json:"timezone,omitempty"`
	CallingCode *string `json:"calling_code,omitempty"`
	IDLabelAR   *string `json:"id_label_ar,omitempty"`
	IDLabelEN   *string `json:"id_label_en,omitempty"`
}

// List is a page of items.
type List[T any] struct {
	Items []T `json:"items"`
}

func init() {
	Register(
		Route{Method: "GET", Path: "/members", Tag: "members", Summary: "List the members the caller may see", Response: List[member.Member]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				ms, err := a.Members.List(r.Context())
				return List[member.Member]{nonNil(ms)}, err
			}},
		Route{Method: "POST", Path: "/members", Tag: "members", Summary: "Create a member state or organization (union administrators)", Body: member.Member{}, Response: member.Member{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := Decode[member.Member](r)
				if err != nil {
					return nil, err
				}
				return a.Members.Create(r.Context(), m)
			}},
		Route{Method: "GET", Path: "/members/{code}", Tag: "members", Summary: "Get a member by code", Response: member.Member{},
			Handle: func(a *API, r *http.Request) (any, error) {
				return a.Members.Get(r.Context(), r.PathValue("code"))
			}},
		Route{Method: "PATCH", Path: "/members/{code}", Tag: "members", Summary: "Change a member's names, time zone, calling code or ID labels", Body: MemberPatch{}, Response: member.Member{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.Members.Get(r.Context(), r.PathValue("code"))
				if err != nil {
					return nil, err
				}
				p, err := Decode[MemberPatch](r)
				if err != nil {
					return nil, err
				}
				set(&m.NameAR, p.NameAR)
				set(&m.NameEN, p.NameEN)
				set(&m.Timezone, p.Timezone)
				set(&m.CallingCode, p.CallingCode)
				set(&m.IDLabelAR, p.IDLabelAR)
				set(&m.IDLabelEN, p.IDLabelEN)
				return a.Members.Update(r.Context(), m.Code, m)
			}},
		Route{Method: "GET", Path: "/members/{code}/areas", Tag: "members", Summary: "List a member's administrative areas", Response: List[member.Area]{},
			Description: areaQueryHelp, Query: areaQuery, Handle: listAreas},
		Route{Method: "GET", Path: "/members/{code}/areas/{area}", Tag: "members", Summary: "Get one administrative area by its code", Response: member.Area{},
			Handle: func(a *API, r *http.Request) (any, error) {
				return a.Members.Area(r.Context(), r.PathValue("code"), r.PathValue("area"))
			}},
		Route{Method: "POST", Path: "/members/{code}/areas", Tag: "members", Summary: "Add or change administrative areas, all or nothing", Description: "Each area names its level (governorate, district, locality), code, parent_code and names. If any is wrong nothing is saved and every problem is listed with its row (1-based position in the list).",
			Body: List[member.Area]{}, Response: List[member.Area]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[List[member.Area]](r)
				if err != nil {
					return nil, err
				}
				out, err := a.Members.SaveAreas(r.Context(), r.PathValue("code"), in.Items)
				return List[member.Area]{nonNil(out)}, err
			}},
	)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
