package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// TestEveryAuditActionHasAName reads every audit.Entry the code writes and
// checks that its action and table have names in both languages, so a new
// action cannot reach the audit pages as a raw code. An action built as
// "payment.cycle." + state needs the subject's name with {state}.
func TestEveryAuditActionHasAName(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if sel, ok := cl.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Entry" {
				return true
			}
			for _, e := range cl.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				key, _ := kv.Key.(*ast.Ident)
				if key == nil || (key.Name != "Action" && key.Name != "EntityType") {
					continue
				}
				kind := map[string]string{"Action": "action", "EntityType": "entity"}[key.Name]
				switch v := kv.Value.(type) {
				case *ast.BasicLit:
					s, _ := strconv.Unquote(v.Value)
					if s == "" || strings.HasPrefix(s, "test.") {
						continue
					}
					checked++
					for _, l := range i18n.Langs {
						if _, ok := Label(l, kind, s); !ok {
							t.Errorf("%s: %s %q has no name in %s (add names.%s.%s to names.json)", fset.Position(v.Pos()), kind, s, l, kind, s)
						}
					}
				case *ast.BinaryExpr:
					lit, ok := v.X.(*ast.BasicLit)
					if !ok {
						continue
					}
					prefix, _ := strconv.Unquote(lit.Value)
					if !strings.HasSuffix(prefix, ".") && !strings.HasSuffix(prefix, "_") {
						continue
					}
					checked++
					wild := "names.action." + strings.TrimRight(prefix, "._") + ".*"
					if strings.HasSuffix(prefix, "_") {
						continue // "program.run_" + status: each state is listed by its full name
					}
					if _, ok := i18n.Catalog(i18n.AR)[wild]; !ok {
						t.Errorf("%s: actions %q… have no name (add %s to names.json)", fset.Position(v.Pos()), prefix, wild)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("checked %d audit entries, want the code's many: did the walk find the sources?", checked)
	}
}

// TestLabel checks the names of codes and that a code without a name
// stays visible as a code and is remembered for the page tests.
func TestLabel(t *testing.T) {
	tests := []struct {
		lang        i18n.Lang
		kind, value string
		want        string
		ok          bool
	}{
		{i18n.AR, "action", "auth.login", "تسجيل الدخول", true},
		{i18n.EN, "action", "payment.cycle.approved", "Payment cycle approved", true},
		{i18n.AR, "entity", "program_run", "تشغيل استهداف", true},
		{i18n.AR, "sex", "female", "أنثى", true},
		{i18n.EN, "source", "form", "form", true},
		{i18n.AR, "bool", "true", "نعم", true},
		{i18n.AR, "role", "union_admin", i18n.T(i18n.AR, "role.union_admin", nil), true},
		{i18n.AR, "action", "no.such_action", "no.such_action", false},
	}
	for _, tc := range tests {
		got, ok := Label(tc.lang, tc.kind, tc.value)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Label(%s, %s, %s) = %q, %v; want %q, %v", tc.lang, tc.kind, tc.value, got, ok, tc.want, tc.ok)
		}
	}
	found := false
	for _, m := range MissingLabels() {
		found = found || m == "action.no.such_action"
	}
	if !found {
		t.Errorf("MissingLabels() = %v, want it to hold action.no.such_action", MissingLabels())
	}
}

// TestFieldValueNamesHistoryValues checks the values a household's history
// shows: codes by their words, yes/no for booleans, levels of difficulty.
func TestFieldValueNamesHistoryValues(t *testing.T) {
	tests := []struct {
		lang               i18n.Lang
		field, value, want string
	}{
		{i18n.AR, "sanitation", "sewer", "شبكة"},
		{i18n.AR, "assets", "tv;fridge", "تلفاز، ثلاجة"},
		{i18n.AR, "electricity", "true", "نعم"},
		{i18n.EN, "pregnant", "false", "No"},
		{i18n.AR, "sex", "female", "أنثى"},
		{i18n.EN, "disability_walking", "3", "A lot of difficulty"},
		{i18n.AR, "rooms", "3", "3"},
	}
	for _, tc := range tests {
		if got := fieldValue(tc.lang, tc.field, tc.value); got != tc.want {
			t.Errorf("fieldValue(%s, %s, %s) = %q, want %q", tc.lang, tc.field, tc.value, got, tc.want)
		}
	}
}

// TestFormErrorNamesRole checks that an error about a role names the role
// ("الدور «مسجّل» …"), not its code.
func TestFormErrorNamesRole(t *testing.T) {
	for _, l := range i18n.Langs {
		f := &Form{}
		f.Fail(l, errs.E(errs.Invalid, "user.role_needs_member", "role", "registrar"))
		want := i18n.T(l, "role.registrar", nil)
		if strings.Contains(f.Message, "registrar") && l == i18n.AR || !strings.Contains(f.Message, want) {
			t.Errorf("%s: message %q, want the role named %q", l, f.Message, want)
		}
	}
}
