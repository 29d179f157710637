package dci

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/registry"
)

// rejection is a search-level refusal: a spec reason code and an i18n key.
type rejection struct {
	code, key string
	args      map[string]any
}

func (r *rejection) Error() string { return r.code }

func reject(code, key string, kv ...any) *rejection {
	r := &rejection{code: code, key: key}
	if len(kv) > 0 {
		r.args = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			r.args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return r
}

// cond is one attribute condition of a query.
type cond struct {
	attr, op string
	value    any
}

// idTypes maps idtype-value identifier types to query attributes.
var idTypes = map[string]string{
	"uin": "national_id", "nationalid": "national_id", "national_id": "national_id", "nid": "national_id",
	"mobile": "phone", "phone": "phone", "phone_number": "phone",
	"member_ref": "member_ref", "memberid": "member_ref", "member_id": "member_ref",
	"household_ref": "household_ref", "groupid": "household_ref", "group_id": "household_ref",
}

// attrs maps the queryable attribute names (with their DCI spellings) to
// ours.
var attrs = map[string]string{
	"national_id": "national_id", "uin": "national_id", "nationalid": "national_id",
	"phone": "phone", "mobile": "phone", "phone_number": "phone",
	"member_ref": "member_ref", "household_ref": "household_ref", "group_id": "household_ref",
	"sex": "sex", "gender": "sex", "relationship": "relationship", "relationship_type": "relationship",
	"governorate": "governorate", "district": "district", "locality": "locality",
	"orphan": "orphan", "is_disabled": "disabled", "disabled": "disabled", "pregnant": "pregnant",
	"age": "age", "name": "name",
}

// parseConds reads the query of criteria as a list of conditions, all of
// which must hold.
func parseConds(c SearchCriteria) ([]cond, error) {
	bad := func(why string) error { return reject("rjct.search_criteria.invalid", "dci.bad_query", "why", why) }
	if len(c.Query) == 0 || string(c.Query) == "null" {
		return nil, bad("query")
	}
	switch c.QueryType {
	case "idtype-value":
		var q struct {
			Type  string `json:"type"`
			Value any    `json:"value"`
		}
		if err := json.Unmarshal(c.Query, &q); err != nil {
			return nil, bad("query")
		}
		a, ok := idTypes[strings.ToLower(q.Type)]
		if !ok {
			return nil, reject("rjct.search_criteria.invalid", "dci.bad_id_type", "type", q.Type)
		}
		return []cond{{a, "eq", q.Value}}, nil
	case "predicate":
		type expr struct {
			Name  string `json:"attribute_name"`
			Op    string `json:"operator"`
			Value any    `json:"attribute_value"`
		}
		var ps []struct {
			Expression1 *expr  `json:"expression1"`
			Condition   string `json:"condition"`
			Expression2 *expr  `json:"expression2"`
		}
		if err := json.Unmarshal(c.Query, &ps); err != nil || len(ps) == 0 {
			return nil, bad("query")
		}
		var out []cond
		for _, p := range ps {
			if p.Condition != "" && p.Condition != "and" {
				return nil, reject("rjct.search_criteria.invalid", "dci.bad_condition", "condition", p.Condition)
			}
			for _, e := range []*expr{p.Expression1, p.Expression2} {
				if e == nil {
					continue
				}
				a, ok := attrs[strings.ToLower(e.Name)]
				if !ok {
					return nil, reject("rjct.filter.invalid", "dci.bad_attribute", "name", e.Name)
				}
				out = append(out, cond{a, e.Op, e.Value})
			}
			if p.Expression1 == nil {
				return nil, bad("expression1")
			}
		}
		return out, nil
	case "expression":
		var q struct {
			Type  string `json:"type"`
			Value struct {
				Expression struct {
					Collection string         `json:"collection"`
					Query      map[string]any `json:"query"`
				} `json:"expression"`
			} `json:"value"`
		}
		if err := json.Unmarshal(c.Query, &q); err != nil || q.Value.Expression.Query == nil {
			return nil, bad("query")
		}
		var out []cond
		var walk func(m map[string]any) error
		walk = func(m map[string]any) error {
			for k, v := range m {
				if k == "$and" {
					list, ok := v.([]any)
					if !ok {
						return bad("$and")
					}
					for _, x := range list {
						sub, ok := x.(map[string]any)
						if !ok {
							return bad("$and")
						}
						if err := walk(sub); err != nil {
							return err
						}
					}
					continue
				}
				if strings.HasPrefix(k, "$") {
					return reject("rjct.search_criteria.invalid", "dci.bad_condition", "condition", k)
				}
				a, ok := attrs[strings.ToLower(k)]
				if !ok {
					return reject("rjct.filter.invalid", "dci.bad_attribute", "name", k)
				}
				ops, ok := v.(map[string]any)
				if !ok {
					out = append(out, cond{a, "eq", v})
					continue
				}
				for op, val := range ops {
					o := map[string]string{"$eq": "eq", "$lt": "lt", "$gt": "gt", "$lte": "le", "$le": "le", "$gte": "ge", "$ge": "ge"}[op]
					if o == "" {
						return reject("rjct.search_criteria.invalid", "dci.bad_operator", "operator", op)
					}
					out = append(out, cond{a, o, val})
				}
			}
			return nil
		}
		if err := walk(q.Value.Expression.Query); err != nil {
			return nil, err
		}
		if len(out) == 0 {
			return nil, bad("query")
		}
		return out, nil
	}
	return nil, reject("rjct.search_criteria.invalid", "dci.bad_query_type", "type", c.QueryType)
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// buildQuery turns conditions into a registry query. memberRef is set when
// a condition asks for one person reference, which the caller filters on.
func buildQuery(cs []cond) (q registry.Query, memberRef string, err error) {
	for _, c := range cs {
		v := strings.TrimSpace(str(c.value))
		if c.attr != "age" && c.op != "eq" {
			return q, "", reject("rjct.search_criteria.invalid", "dci.bad_operator", "operator", c.op)
		}
		if v == "" {
			return q, "", reject("rjct.search_criteria.invalid", "dci.bad_value", "name", c.attr)
		}
		switch c.attr {
		case "national_id":
			q.NationalID = v
		case "phone":
			q.Phone = v
		case "member_ref":
			q.Text, memberRef = v, v
		case "household_ref":
			q.HouseholdRef = v
		case "name":
			q.Text = v
		case "sex":
			q.Sex = v
		case "relationship":
			q.Relationship = v
		case "governorate":
			q.Governorate = v
		case "district":
			q.District = v
		case "locality":
			q.Locality = v
		case "orphan":
			q.Orphan = v
		case "disabled", "pregnant":
			b, perr := strconv.ParseBool(v)
			if perr != nil {
				return q, "", reject("rjct.search_criteria.invalid", "dci.bad_value", "name", c.attr)
			}
			if c.attr == "disabled" {
				q.Disabled = &b
			} else {
				q.Pregnant = &b
			}
		case "age":
			n, perr := strconv.Atoi(v)
			if perr != nil || n < 0 {
				return q, "", reject("rjct.search_criteria.invalid", "dci.bad_value", "name", c.attr)
			}
			lo, hi := n, n
			switch c.op {
			case "eq":
			case "gt":
				lo, hi = n+1, -1
			case "ge":
				hi = -1
			case "lt":
				lo, hi = -1, n-1
			case "le":
				lo = -1
			default:
				return q, "", reject("rjct.search_criteria.invalid", "dci.bad_operator", "operator", c.op)
			}
			if lo >= 0 {
				q.AgeMin = &lo
			}
			if hi >= 0 {
				q.AgeMax = &hi
			}
		}
	}
	return q, memberRef, nil
}

var sortAttrs = map[string]string{
	"id": "id", "name": "name", "birth_date": "birth_date", "member_ref": "member_ref", "household_ref": "household_ref",
}

// applyPaging sets sort and page of q from the criteria.
func applyPaging(q *registry.Query, c SearchCriteria) (page, size int, err error) {
	if len(c.Sort) > 1 {
		return 0, 0, reject("rjct.sort.invalid", "dci.bad_sort", "name", c.Sort[1].AttributeName)
	}
	for _, s := range c.Sort {
		k, ok := sortAttrs[strings.ToLower(s.AttributeName)]
		if !ok || (s.SortOrder != "" && s.SortOrder != "asc" && s.SortOrder != "desc") {
			return 0, 0, reject("rjct.sort.invalid", "dci.bad_sort", "name", s.AttributeName)
		}
		if s.SortOrder == "desc" {
			k = "-" + k
		}
		q.Sort = k
	}
	page, size = 1, 50
	if p := c.Pagination; p != nil {
		if p.PageSize < 1 || p.PageSize > 1000 || p.PageNumber < 0 {
			return 0, 0, reject("rjct.pagination.invalid", "dci.bad_pagination")
		}
		size = p.PageSize
		if p.PageNumber > 0 {
			page = p.PageNumber
		}
	}
	q.Limit, q.Offset = size, (page-1)*size
	return page, size, nil
}

// record maps a person to a DCI member record. Only identifiers,
// name, sex, birth date, relationship, disability and the household's
// reference and area codes leave the registry; phone, income and address
// do not.
func record(p registry.Person, hh *registry.Household) Record {
	ids := []map[string]any{{"@type": "Identifier", "identifier_type": "member_ref", "identifier_value": p.Ref}}
	demo := map[string]any{
		"@type": "SRPerson",
		"name": map[string]any{
			"@type": "Name", "given_name": p.FirstName, "second_name": p.FatherName,
			"third_name": p.GrandfatherName, "surname": p.FamilyName,
		},
	}
	if p.NameLatin != "" {
		demo["name"].(map[string]any)["latin_name"] = p.NameLatin
	}
	if p.NationalID != "" {
		typ := p.NationalIDType
		if typ == "" {
			typ = "NationalID"
		}
		demo["identifier"] = []map[string]any{{"@type": "Identifier", "identifier_type": typ, "identifier_value": p.NationalID}}
	}
	if p.Sex != "" {
		demo["sex"] = p.Sex
	}
	if p.BirthDate != "" {
		demo["birth_date"] = p.BirthDate
	}
	r := Record{
		"@type":             "spdci:Member",
		"member_identifier": ids,
		"demographic_info":  demo,
		"is_disabled":       p.Disabled(),
		"relationship_type": p.Relationship,
		"group": map[string]any{
			"@type":            "spdci:Group",
			"group_identifier": []map[string]any{{"@type": "Identifier", "identifier_type": "household_ref", "identifier_value": p.HouseholdRef}},
		},
	}
	if hh != nil {
		g := r["group"].(map[string]any)
		g["group_size"] = hh.Size
		g["place"] = map[string]any{"governorate": hh.Governorate, "district": hh.District, "locality": hh.Locality}
		if hh.RegisteredOn != "" {
			r["registration_date"] = hh.RegisteredOn
		}
	}
	return r
}
