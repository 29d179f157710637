package assess

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

func parseSheets(tb testing.TB, data sheetData) (Parsed, error) {
	tb.Helper()
	order := []string{"survey", "choices", "settings"}
	var have []string
	for _, s := range order {
		if _, ok := data[s]; ok {
			have = append(have, s)
		}
	}
	return ParseXLSForm(context.Background(), limits.Default(), "form.xlsx", bytes.NewReader(xlsx(tb, data, have...)))
}

func mustExample(tb testing.TB, code string) Definition {
	tb.Helper()
	def, ok, err := ExampleDefinition(context.Background(), code)
	if err != nil || !ok {
		tb.Fatalf("example %s: %v %v", code, ok, err)
	}
	return def
}

func TestExamplesParse(t *testing.T) {
	def := mustExample(t, "child_protection")
	if def.TitleAR != "تقييم حماية الطفل" || def.TitleEN != "Child protection assessment" {
		t.Errorf("titles %q %q", def.TitleAR, def.TitleEN)
	}
	if len(def.Sections) != 2 || def.Sections[0].Name != "child" || def.Sections[1].LabelEN != "Safety" {
		t.Fatalf("sections %+v", def.Sections)
	}
	want := map[string]Kind{"child_age": Integer, "child_sex": SelectOne, "in_school": YesNo, "weekly_income": Decimal, "harm": SelectMultiple,
		"last_incident": Date, "distress": Scale, "safety_note": Note, "worker_notes": Text}
	for name, k := range want {
		q, ok := def.Question(name)
		if !ok || q.Kind != k {
			t.Errorf("%s: got %v %q, want %q", name, ok, q.Kind, k)
		}
	}
	if _, ok := def.Question("start"); ok {
		t.Error("metadata row start became a question")
	}
	if q, _ := def.Question("distress"); q.Min != 0 || q.Max != 10 || !q.Required {
		t.Errorf("distress %+v", q)
	}
	fc := mustExample(t, "family_conflict")
	if !strings.Contains(fc.Formula, `((violence == "yes") ? 40 : 0)`) {
		t.Errorf("family conflict formula not translated to CEL: %s", fc.Formula)
	}
	if fc.Thresholds != DefaultThresholds {
		t.Errorf("thresholds %+v", fc.Thresholds)
	}
}

func TestXLSFormRoundTrip(t *testing.T) {
	def := mustExample(t, "child_protection")
	var b bytes.Buffer
	if err := WriteXLSForm(&b, &def, "child_protection"); err != nil {
		t.Fatal(err)
	}
	p, err := ParseXLSForm(context.Background(), limits.Default(), "back.xlsx", &b)
	if err != nil {
		t.Fatal(err)
	}
	if p.TypeCode != "child_protection" {
		t.Errorf("type code %q", p.TypeCode)
	}
	strip := func(d Definition) Definition {
		for i := range d.Sections {
			d.Sections[i].Row = 0
			for j := range d.Sections[i].Items {
				d.Sections[i].Items[j].Row = 0
				if d.Sections[i].Items[j].Kind == YesNo {
					d.Sections[i].Items[j].List = ""
				}
			}
		}
		return d
	}
	got, want := strip(p.Def), strip(def)
	if gb, wb := mustJSON(t, got), mustJSON(t, want); gb != wb {
		t.Errorf("round trip changed the form:\n got %s\nwant %s", gb, wb)
	}
}

// problems returns the form problems of err as "sheet row column key".
func problems(tb testing.TB, err error) []string {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		tb.Fatalf("got %v, want an invalid form", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, strings.Join([]string{f.Args["sheet"].(string), itoa(f.Row), f.Args["column"].(string), f.Key}, " "))
	}
	return out
}

func TestXLSFormErrorsHavePositions(t *testing.T) {
	data := sheetData{
		"survey": {
			surveyHead,
			{"integer", "age", "العمر", "Age"},
			{"select_one colours", "colour", "اللون", "Colour"},
			{"geopoint", "where", "المكان", "Where"},
			{"text", "age", "مكرر", "Twice"},
			{"text", "bad-name", "اسم", "Name"},
			{"text", "q2", "سؤال", "Question", "", "", "maybe"},
			{"text", "q3", "سؤال", "Question", "", "", "", "${nobody} = 'x'"},
			{"integer", "q4", "سؤال", "Question", "", "", "", "${age} >", ""},
			{"integer", "q5", "سؤال", "Question", "", "", "", "", ". = 'a' and"},
		},
		"choices":  {choicesHead},
		"settings": {settingsHead, {"", "", "", "", "", "age +", 30, 20, 90}},
	}
	_, err := parseSheets(t, data)
	got := strings.Join(problems(t, err), "\n")
	for _, want := range []string{
		"survey 3 A (type) assess.list_unknown",
		"survey 4 A (type) assess.type_unsupported",
		"survey 7 G (required) assess.required_value",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	// Once the sheet reads, the form's own problems are found with their
	// rows and columns.
	data["survey"] = data["survey"][:2]
	data["survey"] = append(data["survey"],
		[]any{"text", "age", "مكرر", "Twice"},
		[]any{"text", "bad-name", "اسم", "Name"},
		[]any{"text", "q3", "سؤال", "Question", "", "", "", "${nobody} = 'x'"},
		[]any{"integer", "q4", "سؤال", "Question", "", "", "", "${age} >"},
	)
	_, err = parseSheets(t, data)
	got = strings.Join(problems(t, err), "\n")
	for _, want := range []string{"survey 3 name assess.name_twice", "survey 4 name assess.name_invalid"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	data["survey"] = append(data["survey"][:2],
		[]any{"text", "q3", "سؤال", "Question", "", "", "", "${nobody} = 'x'"},
		[]any{"integer", "q4", "سؤال", "Question", "", "", "", "${age} >"},
		[]any{"integer", "q5", "سؤال", "Question", "", "", "", "", ". = 'a'"},
	)
	_, err = parseSheets(t, data)
	var e *errs.Error
	errors.As(err, &e)
	got = strings.Join(problems(t, err), "\n")
	for _, want := range []string{
		"survey 3 relevant assess.expr.unknown_question",
		"survey 4 relevant assess.expr.unexpected_end",
		"survey 5 constraint assess.expr.translated",
		"settings 2 risk_medium assess.thresholds",
		"settings 2 risk_formula assess.expr.cel",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, f := range e.Fields {
		if f.Key == "assess.expr.unknown_question" && (f.Args["col"] != 1 || f.Args["name"] != "nobody") {
			t.Errorf("unknown question at col %v name %v, want 1 nobody", f.Args["col"], f.Args["name"])
		}
		if f.Key == "assess.expr.unexpected_end" && f.Args["col"] != 9 {
			t.Errorf("unexpected end at col %v, want 9", f.Args["col"])
		}
		if f.Args["sheet"] == "settings" && f.Key == "assess.expr.cel" && (f.Args["line"] != 1 || f.Args["col"] == nil) {
			t.Errorf("formula error without its position: %v", f.Args)
		}
	}
}

func TestXLSFormMissingSheetAndLimits(t *testing.T) {
	_, err := parseSheets(t, sheetData{"choices": {choicesHead}})
	if e := errs.As(err); e.Key != "assess.sheet_missing" {
		t.Errorf("got %v, want assess.sheet_missing", err)
	}
	rows := [][]any{surveyHead}
	for i := 0; i <= MaxRows; i++ {
		rows = append(rows, []any{"text", "q" + itoa(i), "سؤال", "Question"})
	}
	_, err = parseSheets(t, sheetData{"survey": rows})
	if !limits.Is(err) {
		t.Errorf("got %v, want a limits refusal", err)
	}
	_, err = ParseXLSForm(context.Background(), limits.Default(), "x.xlsx", strings.NewReader("not a workbook"))
	if e := errs.As(err); e.Key != "assess.not_xlsx" {
		t.Errorf("got %v, want assess.not_xlsx", err)
	}
}
