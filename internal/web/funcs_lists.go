package web

import (
	"fmt"
	"html/template"
)

// listsFuncs are the template functions of the lists and their exports.
func listsFuncs(variant) template.FuncMap {
	return template.FuncMap{
		// dict builds a map from name, value pairs: the argument of a
		// partial that needs more than one value.
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}
