package web

import (
	"html/template"

	"github.com/tadamun/tadamun/internal/registry"
)

// infileFuncs are the template functions of the duplicates an import finds.
func infileFuncs(v variant) template.FuncMap {
	return template.FuncMap{
		// dupWhy says in words why a duplicate was found: the fields that
		// agree and how, then the vetoes.
		"dupWhy": func(rs []registry.DuplicateReason) string { return registry.DuplicateWhy(v.lang, rs) },
	}
}
