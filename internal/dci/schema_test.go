package dci_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// schemas validates messages against the DCI specifications with a JSON
// Schema validator (github.com/santhosh-tekuri/jsonschema): every keyword
// the documents use — type, required, enum, pattern, maxLength, oneOf,
// allOf, items, $ref — is checked, not a subset. The OpenAPI 3.0 documents
// are read as draft-04 schemas, which is what OpenAPI 3.0 extends.
type schemas struct {
	c     *jsonschema.Compiler
	mu    sync.Mutex
	cache map[string]*jsonschema.Schema
}

var (
	specNotes []string // what readable changed in the documents, for the log
	specOnce  sync.Once
	specs     *schemas
	specErr   error
)

// dciSpecs loads both documents from testdata (copied from
// ../shared/standards/dci) once per test binary.
func dciSpecs(t *testing.T) *schemas {
	t.Helper()
	specOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft4)
		for _, name := range []string{"social_api_v1.0.0.yaml", "registry_core_api_v1.0.0.yaml"} {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				specErr = err
				return
			}
			var doc any
			if err := yaml.Unmarshal(b, &doc); err != nil {
				specErr = err
				return
			}
			doc = readable(doc, doc, &specNotes, name)
			j, err := json.Marshal(doc)
			if err != nil {
				specErr = err
				return
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
			if err != nil {
				specErr = err
				return
			}
			if err := c.AddResource("file:///"+name, v); err != nil {
				specErr = err
				return
			}
		}
		specs = &schemas{c: c, cache: map[string]*jsonschema.Schema{}}
	})
	if specErr != nil {
		t.Fatalf("DCI specifications: %v", specErr)
	}
	for _, n := range specNotes {
		t.Log(n)
	}
	return specs
}

// readable makes the documents usable by a strict validator, changing only
// what no message could satisfy as written, and says so in notes:
//   - a "$ref" to a place the document does not have (the documents refer
//     into examples and into paths that were renamed) accepts any value;
//   - "oneOf" is read as "anyOf": the documents' alternatives overlap (a
//     transaction id and a correlation id are both plain strings), so
//     "exactly one" fails for every message.
func readable(root, v any, notes *[]string, name string) any {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok && strings.HasPrefix(ref, "#/") && resolve(root, ref) == nil {
			*notes = append(*notes, name+": dangling $ref "+ref+" read as any value")
			return map[string]any{}
		}
		out := map[string]any{}
		for k, e := range x {
			if k == "oneOf" {
				k = "anyOf"
			}
			out[k] = readable(root, e, notes, name)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = readable(root, e, notes, name)
		}
		return out
	}
	return v
}

// resolve follows a local JSON pointer; nil when nothing is there.
func resolve(root any, ref string) any {
	v := root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[part]; !ok {
			return nil
		}
	}
	return v
}

// pointer escapes the parts of a JSON pointer.
func pointer(parts ...string) string {
	r := strings.NewReplacer("~", "~0", "/", "~1")
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(r.Replace(p))
	}
	return b.String()
}

// Where a message's schema is in a document.
func requestBody(path string) string {
	return pointer("paths", path, "post", "requestBody", "content", "application/json", "schema")
}

func responseBody(path, code string) string {
	return pointer("paths", path, "post", "responses", code, "content", "application/json", "schema")
}

func component(kind, name string) string {
	if kind == "responses" {
		return pointer("components", "responses", name, "content", "application/json", "schema")
	}
	return pointer("components", kind, name)
}

// validate checks the JSON text b against the schema at ptr of the
// document doc.
func (s *schemas) validate(doc, ptr string, b []byte) error {
	loc := "file:///" + doc + "#" + ptr
	s.mu.Lock()
	sch, ok := s.cache[loc]
	if !ok {
		var err error
		if sch, err = s.c.Compile(loc); err != nil {
			s.mu.Unlock()
			return err
		}
		s.cache[loc] = sch
	}
	s.mu.Unlock()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// mustValidate fails the test when b does not follow the schema.
func (s *schemas) mustValidate(t *testing.T, what, doc, ptr string, b []byte) {
	t.Helper()
	if err := s.validate(doc, ptr, b); err != nil {
		t.Errorf("%s does not follow %s#%s:\n%v\nmessage: %s", what, doc, ptr, err, b)
	}
}
