package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// The area pickers (governorate → district → locality) fill their lists
// from these endpoints: the signed-in one for staff forms, the public one
// for the citizen's complaint form.

const areaQueryHelp = "Without parameters, every area. level keeps one level (governorate, district, locality); parent keeps the children of the area with that code; q keeps areas whose Arabic or English name contains the text (hamza, taa marbuta, alef forms, harakat and Latin case do not matter) or whose code starts with it."

var areaQuery = []Param{
	{Name: "level", Description: "governorate, district or locality"},
	{Name: "parent", Description: "code of the area one level up"},
	{Name: "q", Description: "part of a name in Arabic or English, or the start of a code (at most 100 bytes)"},
	{Name: "limit", Type: "integer", Description: "at most this many; absent or 0: every match"},
}

// PublicArea is what anyone may read of an area: its level, code, parent's
// code and names.
type PublicArea struct {
	Level      string `json:"level"`
	Code       string `json:"code"`
	ParentCode string `json:"parent_code,omitempty"`
	NameAR     string `json:"name_ar"`
	NameEN     string `json:"name_en"`
}

func areaFilter(r *http.Request) (member.AreaFilter, error) {
	q := r.URL.Query()
	limit, err := QueryInt(r, "limit", 0)
	if err != nil {
		return member.AreaFilter{}, err
	}
	if limit < 0 || limit > 1<<20 {
		return member.AreaFilter{}, errs.E(errs.Invalid, "api.bad_param", "name", "limit").WithField("limit", "api.bad_param", "name", "limit")
	}
	return member.AreaFilter{Level: q.Get("level"), Parent: q.Get("parent"), Q: q.Get("q"), Limit: int(limit)}, nil
}

func listAreas(a *API, r *http.Request) (any, error) {
	f, err := areaFilter(r)
	if err != nil {
		return nil, err
	}
	as, err := a.Members.FindAreas(r.Context(), r.PathValue("code"), f)
	return List[member.Area]{nonNil(as)}, err
}

func init() {
	Register(Route{Method: "GET", Path: "/public/members/{code}/areas", Tag: "members", Public: true,
		Summary:     "A member's administrative areas by name, for anyone (no sign-in): level, code, parent code and names only",
		Description: areaQueryHelp, Query: areaQuery, Response: List[PublicArea]{},
		Handle: func(a *API, r *http.Request) (any, error) {
			f, err := areaFilter(r)
			if err != nil {
				return nil, err
			}
			as, err := a.Members.PublicAreas(r.Context(), r.PathValue("code"), f)
			if err != nil {
				return nil, err
			}
			out := make([]PublicArea, len(as))
			for i, x := range as {
				out[i] = PublicArea{Level: x.Level, Code: x.Code, ParentCode: x.ParentCode, NameAR: x.NameAR, NameEN: x.NameEN}
			}
			return List[PublicArea]{out}, nil
		}})
}
