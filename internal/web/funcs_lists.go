package web

import (
	"fmt"
	"html/template"
	"net/url"
)

// listsFuncs are the template functions of the lists and their exports.
func listsFuncs(variant) template.FuncMap {
	return template.FuncMap{
		// dict builds a map from name, value pairs: the argument of a
		// partial that needs more than one value.
		// exports returns the export links of the list at next, the
		// page's own path and query (Page.Next).
		"exports": func(next string) exportLinks {
			u, err := url.Parse(next)
			if err != nil {
				return exportLinks{}
			}
			return exportLinksFor(u)
		},
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}
