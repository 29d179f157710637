package dci_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// spec is a loaded OpenAPI document with a small JSON-schema checker:
// type, required, enum, properties, items, allOf, and oneOf/anyOf read as
// "at least one" (the spec's oneOf alternatives overlap).
type spec struct{ doc map[string]any }

func loadSpec(t *testing.T, name string) *spec {
	t.Helper()
	p := filepath.Join("testdata", name) // copied from ../shared/standards/dci
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return &spec{doc: doc}
}

func (s *spec) ref(r string) any {
	var v any = s.doc
	for _, part := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
		part, _ = url.PathUnescape(strings.NewReplacer("~1", "/", "~0", "~").Replace(part))
		m, _ := v.(map[string]any)
		v = m[part]
	}
	return v
}

// at returns the schema at a path of keys from the document root.
func (s *spec) at(path ...string) any {
	var v any = s.doc
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

func (s *spec) check(schema, v any, where string, depth int) error {
	sc, _ := schema.(map[string]any)
	if sc == nil || depth > 40 {
		return nil
	}
	if r, ok := sc["$ref"].(string); ok {
		return s.check(s.ref(r), v, where, depth+1)
	}
	for _, sub := range asList(sc["allOf"]) {
		if err := s.check(sub, v, where, depth+1); err != nil {
			return err
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts := asList(sc[key]); len(alts) > 0 {
			var errs []string
			for _, a := range alts {
				err := s.check(a, v, where, depth+1)
				if err == nil {
					errs = nil
					break
				}
				errs = append(errs, err.Error())
			}
			if errs != nil {
				return fmt.Errorf("%s: no alternative matches: %s", where, strings.Join(errs, " | "))
			}
		}
	}
	if typ, ok := sc["type"].(string); ok && v != nil {
		okType := map[string]bool{
			"object":  isType[map[string]any](v),
			"array":   isType[[]any](v),
			"string":  isType[string](v),
			"boolean": isType[bool](v),
			"number":  isType[float64](v),
			"integer": isType[float64](v) && v.(float64) == float64(int64(v.(float64))),
		}[typ]
		if !okType {
			return fmt.Errorf("%s: %v is not of type %s", where, v, typ)
		}
	}
	if enum := asList(sc["enum"]); len(enum) > 0 && v != nil {
		if !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
			return fmt.Errorf("%s: %v not in %v", where, v, enum)
		}
	}
	if m, ok := v.(map[string]any); ok {
		for _, r := range asList(sc["required"]) {
			if _, ok := m[fmt.Sprint(r)]; !ok {
				return fmt.Errorf("%s: missing required %v", where, r)
			}
		}
		props, _ := sc["properties"].(map[string]any)
		for k, pv := range m {
			if ps, ok := props[k]; ok {
				if err := s.check(ps, pv, where+"."+k, depth+1); err != nil {
					return err
				}
			}
		}
	}
	if a, ok := v.([]any); ok && sc["items"] != nil {
		for i, x := range a {
			if err := s.check(sc["items"], x, fmt.Sprintf("%s[%d]", where, i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func isType[T any](v any) bool { _, ok := v.(T); return ok }

func asList(v any) []any { l, _ := v.([]any); return l }

func requestSchema(s *spec, path string) any {
	return s.at("paths", path, "post", "requestBody", "content", "application/json", "schema")
}

func responseSchema(s *spec, path, code string) any {
	r := s.at("paths", path, "post", "responses", code)
	if m, ok := r.(map[string]any); ok {
		if ref, ok := m["$ref"].(string); ok {
			r = s.ref(ref)
		}
	}
	m, _ := r.(map[string]any)
	c, _ := m["content"].(map[string]any)
	j, _ := c["application/json"].(map[string]any)
	return j["schema"]
}

// TestSpec checks requests built as the tests build them and the
// registry's answers against the OpenAPI documents.
func TestSpec(t *testing.T) {
	social := loadSpec(t, "social_api_v1.0.0.yaml")
	core := loadSpec(t, "registry_core_api_v1.0.0.yaml")
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		decode := func(b []byte) any {
			var v any
			if err := yaml.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			return normalize(v)
		}
		queries := []struct {
			name, typ string
			query     any
		}{
			{"idtype-value", "idtype-value", map[string]any{"type": "UIN", "value": "9801234567"}},
			{"predicate", "predicate", []any{map[string]any{"seq_num": 1, "expression1": map[string]any{"attribute_name": "sex", "operator": "eq", "attribute_value": "female"}}}},
		}
		for _, q := range queries {
			t.Run(q.name, func(t *testing.T) {
				req := envelope("search", "spmis.example.org", "", searchMsg(q.typ, q.query), f.sender)
				if err := social.check(requestSchema(social, "/registry/sync/search"), decode(req), "request", 0); err != nil {
					t.Fatalf("request does not follow the spec: %v", err)
				}
				status, res := f.post("/api/dci/registry/sync/search", req)
				if status != 200 {
					t.Fatalf("status %d: %v", status, res)
				}
				// registry_core_api types reg_records as one object where
				// social_api has an array; the social API is the one followed.
				if err := social.check(responseSchema(social, "/registry/sync/search", "default"), normalize(res), "response", 0); err != nil {
					t.Errorf("response does not follow the spec: %v", err)
				}
			})
		}
		t.Run("error", func(t *testing.T) {
			status, res := f.post("/api/dci/registry/sync/search", []byte("{"))
			if status != 400 {
				t.Fatalf("status %d", status)
			}
			if err := social.check(responseSchema(social, "/registry/sync/search", "401"), normalize(res), "error", 0); err != nil {
				t.Errorf("error does not follow HttpErrorResponse: %v", err)
			}
		})
		t.Run("ack", func(t *testing.T) {
			cb := newCallbacks(t)
			f.allow(t, "spmis.example.org", "", cb.srv.URL)
			msg := searchMsg("idtype-value", map[string]any{"type": "UIN", "value": "9801234567"})
			_, ack := f.post("/api/dci/registry/search", envelope("search", "spmis.example.org", cb.srv.URL, msg, nil))
			resp := social.at("paths", "/registry/search", "post", "responses")
			var schema any
			for _, r := range resp.(map[string]any) {
				if m, ok := r.(map[string]any); ok {
					if ref, ok := m["$ref"].(string); ok && strings.HasSuffix(ref, "/Response") {
						schema = s(social, ref)
					}
				}
			}
			if schema == nil {
				t.Skip("no Ack schema found")
			}
			if err := social.check(schema, normalize(ack), "ack", 0); err != nil {
				t.Errorf("ack does not follow the spec: %v", err)
			}
			got, _ := cb.wait(t, "on-search", 0)
			onSearch := requestSchema(social, "/registry/on-search")
			if err := social.check(onSearch, normalize(got), "on-search", 0); err != nil {
				t.Errorf("on-search does not follow the spec: %v", err)
			}
			f.h.Wait()
		})
		t.Run("subscribe", func(t *testing.T) {
			cb := newCallbacks(t)
			sub := map[string]any{"transaction_id": "t-s", "subscribe_request": []any{map[string]any{
				"reference_id": "r-s", "timestamp": time.Now().UTC().Format(time.RFC3339),
				"subscribe_criteria": map[string]any{"reg_event_type": "UPDATE", "filter_type": "idtype-value", "notify_record_type": "Member",
					"filter": map[string]any{"type": "UIN", "value": "9801234567"}},
			}}}
			f.allow(t, "spmis.example.org", "", cb.srv.URL)
			req := envelope("subscribe", "spmis.example.org", cb.srv.URL, sub, nil)
			if err := core.check(requestSchema(core, "/registry/subscribe"), decode(req), "subscribe", 0); err != nil {
				t.Fatalf("subscribe request does not follow the spec: %v", err)
			}
			f.post("/api/dci/registry/subscribe", req)
			got, _ := cb.wait(t, "on-subscribe", 0)
			if err := core.check(requestSchema(core, "/registry/on-subscribe"), normalize(got), "on-subscribe", 0); err != nil {
				t.Errorf("on-subscribe does not follow the spec: %v", err)
			}
			f.h.Wait()
		})
	})
}

func s(sp *spec, ref string) any {
	m, _ := sp.ref(ref).(map[string]any)
	c, _ := m["content"].(map[string]any)
	j, _ := c["application/json"].(map[string]any)
	return j["schema"]
}

// normalize turns decoded JSON or YAML into map[string]any/[]any/float64.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return v
}
