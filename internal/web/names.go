package web

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/program/rule"
	"github.com/tadamun/tadamun/internal/registry"
)

// Codes a person reads (an audit action, a table, a role, a field's value)
// are shown by their names, in the page's language, through one function:
// label kind value. A kind says where a code's names are:
// catalog keys with a prefix, or a registry vocabulary (which carries its
// own Arabic and English words). A code without a name is shown as it is,
// inside <code>, and remembered so the page tests fail on it.

// labelKinds maps a kind to the catalog prefix of its names.
var labelKinds = map[string]string{
	"action":   "names.action.",
	"entity":   "names.entity.",
	"field":    "names.field.",
	"bool":     "names.bool.",
	"state":    "names.state.",
	"role":     "role.",
	"wg":       "names.wg.",
	"category": "grievance.category.",
}

// vocabs are the registry's coded fields, by field name.
var vocabs = func() map[string]*registry.Vocab {
	m := map[string]*registry.Vocab{}
	for _, v := range []*registry.Vocab{registry.Relationships, registry.Sexes, registry.MaritalStatuses, registry.Educations,
		registry.EmploymentStatuses, registry.Orphanhoods, registry.DwellingTypes, registry.WaterSources, registry.Sanitations,
		registry.Assets, registry.IDTypes, registry.Sources} {
		m[v.Field] = v
	}
	return m
}()

// registryKeys are the catalog prefixes of the coded fields the household
// page names from the catalogs.
var registryKeys = map[string]string{
	"dwelling_type": "registry.code_", "water_source": "registry.code_", "sanitation": "registry.code_", "assets": "registry.code_",
	"relationship": "registry.rel_", "sex": "registry.sex_", "orphan": "registry.orphan_",
}

var missing sync.Map // kind.value → true

// MissingLabels returns the codes shown without a name since the start,
// as kind.value, sorted. Page tests fail when it is not empty.
func MissingLabels() []string {
	var out []string
	missing.Range(func(k, _ any) bool { out = append(out, k.(string)); return true })
	slices.Sort(out)
	return out
}

// Label names code value of kind in l. The second result is false when
// there is no name, and the code itself is returned.
func Label(l i18n.Lang, kind, value string) (string, bool) {
	if value == "" {
		return "", true
	}
	if v, ok := vocabs[kind]; ok {
		// The words the registry's pages use, then the vocabulary's own.
		if prefix, ok := registryKeys[kind]; ok {
			if s, ok := i18n.Catalog(l)[prefix+value]; ok {
				return s, true
			}
		}
		for _, c := range v.Codes {
			if c.Code == value {
				if l == i18n.EN {
					return c.EN, true
				}
				return c.AR, true
			}
		}
	} else if prefix, ok := labelKinds[kind]; ok {
		if s, ok := i18n.Catalog(l)[prefix+value]; ok {
			return s, true
		}
		// "payment.cycle.approved": the action's subject and its new state.
		if kind == "action" {
			if i := strings.LastIndexByte(value, '.'); i > 0 {
				subject, ok1 := i18n.Catalog(l)["names.action."+value[:i]+".*"]
				state, ok2 := i18n.Catalog(l)["names.state."+value[i+1:]]
				if ok1 && ok2 {
					return strings.ReplaceAll(subject, "{state}", state), true
				}
			}
		}
	}
	missing.Store(kind+"."+value, true)
	return value, false
}

// labelHTML is Label for templates: a code without a name stays visibly a code.
func labelHTML(l i18n.Lang, kind string, value any) template.HTML {
	s, ok := Label(l, kind, fmt.Sprint(value))
	if !ok {
		return template.HTML("<code>" + template.HTMLEscapeString(s) + "</code>")
	}
	return template.HTML(template.HTMLEscapeString(s))
}

// fieldValue names a registry field's stored value: a coded field by its
// vocabulary (a list of codes joined by ";" one by one), a yes/no field by
// yes or no, a disability domain by its level.
func fieldValue(l i18n.Lang, field, value string) string {
	if value == "" {
		return ""
	}
	switch {
	case vocabs[field] != nil:
		var out []string
		for _, c := range strings.Split(value, ";") {
			s, _ := Label(l, field, c)
			out = append(out, s)
		}
		return strings.Join(out, "، ")
	case value == "true" || value == "false":
		s, _ := Label(l, "bool", value)
		return s
	case strings.HasPrefix(field, "disability_"):
		if _, err := strconv.Atoi(value); err == nil {
			s, _ := Label(l, "wg", value)
			return s
		}
	}
	return value
}

func namesFuncs(v variant) template.FuncMap {
	return template.FuncMap{
		// label names a code: label "action" "auth.login".
		"label": func(kind string, value any) template.HTML { return labelHTML(v.lang, kind, value) },
		// subjectLink is the page of an audit record's or approval's subject.
		"subjectLink": SubjectLink,
		// plain writes a rule's value in words (yes/no, lists element by element).
		"plain": func(x any) string { return rule.PlainValue(v.lang, x) },
		// yesno names a boolean.
		"yesno": func(b bool) string { s, _ := Label(v.lang, "bool", strconv.FormatBool(b)); return s },
	}
}

// subjectPaths are the pages of the things a record can be about, by table.
var subjectPaths = map[string]string{
	"household": "/households/", "program": "/programs/", "program_run": "/runs/", "program_enrollment": "/enrollments/",
	"payment_cycle": "/payments/cycles/", "grievance": "/grievances/", "user": "/users/", "dci_sender": "/dci/senders/",
	"whistle_report": "/integrity/", "duplicate_pair": "/dedup/pairs/",
}

// SubjectLink returns the page of the thing table/id names (an audit
// record's entity, an approval's subject), or "" when it has none.
func SubjectLink(table, id string) string {
	p, ok := subjectPaths[table]
	if !ok || id == "" || strings.ContainsAny(id, "/?#") {
		return ""
	}
	return p + id
}

// SubjectName names the thing table/id names in l, as "برنامج 3": the
// table by its name, the id as it is.
func SubjectName(l i18n.Lang, table, id string) string {
	s, _ := Label(l, "entity", table)
	if id == "" {
		return s
	}
	return s + " " + id
}

// nameArgs names the codes among a message's arguments (a role's code in
// "the role «{role}» …"), leaving the rest as they are.
func nameArgs(l i18n.Lang, args map[string]any) map[string]any {
	r, ok := args["role"].(string)
	if !ok {
		return args
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		out[k] = v
	}
	if s, ok := i18n.Catalog(l)["role."+r]; ok { // an unknown role stays as typed
		out["role"] = s
	}
	return out
}
