package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z_][a-zA-Z0-9_]*)(\.\.\.)?\}`)

var (
	docOnce sync.Once
	doc     []byte
)

// OpenAPI returns the OpenAPI 3.1 document of every registered route.
func OpenAPI() []byte {
	docOnce.Do(func() {
		b, err := json.MarshalIndent(buildDoc(Routes()), "", " ")
		if err != nil {
			panic(err) // the document is built from Go values; this cannot fail
		}
		doc = b
	})
	return doc
}

type obj = map[string]any

func buildDoc(rs []Route) obj {
	sg := &schemaGen{defs: obj{}}
	paths := obj{}
	for _, rt := range rs {
		p := Prefix + pathParam.ReplaceAllString(rt.Path, "{$1}")
		item, _ := paths[p].(obj)
		if item == nil {
			item = obj{}
			paths[p] = item
		}
		op := obj{
			"operationId": operationID(rt),
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
		}
		if rt.Description != "" {
			op["description"] = rt.Description
		}
		var params []obj
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": obj{"type": "string"}})
		}
		for _, q := range rt.Query {
			typ := q.Type
			if typ == "" {
				typ = "string"
			}
			params = append(params, obj{"name": q.Name, "in": "query", "required": q.Required, "description": q.Description, "schema": obj{"type": typ}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Body != nil {
			op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": sg.schema(reflect.TypeOf(rt.Body))}}}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		resp := obj{"description": http.StatusText(status)}
		if raw, ok := rt.Response.(Raw); ok {
			resp["content"] = obj{raw.ContentType: obj{"schema": obj{"type": "string"}}}
		} else if rt.Response != nil {
			resp["content"] = obj{"application/json": obj{"schema": sg.schema(reflect.TypeOf(rt.Response))}}
		}
		errResp := obj{"description": "Error, with the message in the language of Accept-Language", "content": obj{"application/json": obj{"schema": sg.schema(reflect.TypeOf(Error{}))}}}
		op["responses"] = obj{itoa(status): resp, "default": errResp}
		if rt.Public {
			op["security"] = []obj{}
		}
		item[strings.ToLower(rt.Method)] = op
	}
	paths[Prefix+"/openapi.json"] = obj{"get": obj{
		"operationId": "getOpenAPI", "summary": "This document", "tags": []string{"meta"}, "security": []obj{},
		"responses": obj{"200": obj{"description": "OK", "content": obj{"application/json": obj{"schema": obj{"type": "object"}}}}},
	}}
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "Tadamun API",
			"version":     "1",
			"description": "The JSON API of Tadamun, the open social-protection platform of the Arab Union for Social Solidarity. Authenticate with an API token (`tadamun token create`) as `Authorization: Bearer tdm_…`, or with the web session cookie. Errors have one shape, `{\"error\":{\"code\",\"message\"}}`, with the message in the language of Accept-Language (ar or en). A member-scoped user sees only their member's rows: another member's rows answer 404.",
		},
		"servers":  []obj{{"url": "/"}},
		"security": []obj{{"bearer": []string{}}, {"session": []string{}}},
		"paths":    paths,
		"components": obj{
			"securitySchemes": obj{
				"bearer":  obj{"type": "http", "scheme": "bearer", "description": "An API token from `tadamun token create`"},
				"session": obj{"type": "apiKey", "in": "cookie", "name": "tdm_session"},
			},
			"schemas": sg.defs,
		},
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.Split(rt.Path, "/") {
		part = strings.Trim(part, "{}.")
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '_' || r == '-' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// schemaGen turns Go types into JSON Schema, named structs into shared
// component schemas.
type schemaGen struct{ defs obj }

var timeType = reflect.TypeOf(time.Time{})

func (g *schemaGen) schema(t reflect.Type) obj {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return obj{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return obj{"type": "string", "contentEncoding": "base64"}
		}
		return obj{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name := strings.ReplaceAll(t.String(), "[", "_")
		name = strings.NewReplacer("]", "", "*", "", "/", "_", " ", "").Replace(name)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = obj{} // placeholder against recursion
			g.defs[name] = g.object(t)
		}
		return obj{"$ref": "#/components/schemas/" + name}
	}
	return obj{}
}

func (g *schemaGen) object(t reflect.Type) obj {
	props := obj{}
	var required []string
	g.fields(t, props, &required)
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		o["required"] = required
	}
	return o
}

func (g *schemaGen) fields(t reflect.Type, props obj, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}
