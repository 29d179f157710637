package assess

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// The bounds of an uploaded XLSForm: a form is a few hundred rows, so these
// are far below a registry import's.
const (
	MaxUpload       = 2 << 20  // bytes of the workbook
	MaxUncompressed = 32 << 20 // bytes of its parts unpacked
	MaxRows         = 2000     // rows of the survey or choices sheet
	maxCell         = 4000     // characters of one cell
)

// Limits returns the bounds of an XLSForm upload within l.
func Limits(l limits.Limits) limits.Limits {
	l = l.Or()
	l.Upload = min(l.Upload, MaxUpload)
	l.Uncompressed = min(l.Uncompressed, MaxUncompressed)
	l.Rows = min(l.Rows, MaxRows)
	l.Cell = min(l.Cell, maxCell)
	return l
}

// Parsed is an XLSForm read from a workbook.
type Parsed struct {
	Def      Definition
	TypeCode string // the settings sheet's case_type, when it has one
}

// sheetRows is one sheet read as rows of cells, with its header.
type sheetRows struct {
	name   string
	header map[string]int // lower-case header → column index
	heads  []string
	rows   [][]string
}

// cell returns row r's cell of the first header among names that exists.
func (s *sheetRows) cell(r []string, names ...string) string {
	for _, n := range names {
		if i, ok := s.header[n]; ok && i < len(r) {
			return strings.TrimSpace(r[i])
		}
	}
	return ""
}

// col returns the column letter and header of the first header among names
// that exists, for messages.
func (s *sheetRows) col(names ...string) string {
	for _, n := range names {
		if i, ok := s.header[n]; ok {
			l, _ := excelize.ColumnNumberToName(i + 1)
			return l + " (" + s.heads[i] + ")"
		}
	}
	return names[0]
}

// langs lists the header names of a translatable column in Arabic and in
// English: "label::Arabic (ar)", "label::ar", "label" (for both).
func langs(base string) (ar, en []string) {
	return []string{base + "::arabic (ar)", base + "::ar", base + "::arabic", base},
		[]string{base + "::english (en)", base + "::en", base + "::english", base}
}

// ParseXLSForm reads an XLSForm workbook from r within l (see Limits). It
// is all or nothing: every problem found is in one errs.Invalid, each with
// its sheet, row and column.
func ParseXLSForm(ctx context.Context, l limits.Limits, file string, r io.Reader) (Parsed, error) {
	l = Limits(l)
	f, _, err := l.ReadXLSX(ctx, file, r)
	if err != nil {
		if limits.Is(err) {
			return Parsed{}, err
		}
		return Parsed{}, errs.E(errs.Invalid, "assess.not_xlsx", "file", file).Cause(err)
	}
	defer f.Close()
	read := func(name string, need bool) (*sheetRows, error) {
		var sheet string
		for _, n := range f.GetSheetList() {
			if strings.EqualFold(strings.TrimSpace(n), name) {
				sheet = n
			}
		}
		if sheet == "" {
			if need {
				return nil, errs.E(errs.Invalid, "assess.sheet_missing", "sheet", name)
			}
			return nil, nil
		}
		rows, err := f.Rows(sheet)
		if err != nil {
			return nil, errs.E(errs.Invalid, "assess.not_xlsx", "file", file).Cause(err)
		}
		defer rows.Close()
		s := &sheetRows{name: name, header: map[string]int{}}
		n := 0
		for rows.Next() {
			n++
			if n > l.Rows+1 {
				return nil, limits.TooManyRows(file+" ("+name+")", l.Rows)
			}
			cells, err := rows.Columns()
			if err != nil {
				return nil, errs.E(errs.Invalid, "assess.not_xlsx", "file", file).Cause(err)
			}
			if len(cells) > l.Columns {
				return nil, limits.TooManyColumns(file+" ("+name+")", n, len(cells), l.Columns)
			}
			for i, c := range cells {
				if utf8.RuneCountInString(c) > l.Cell {
					letter, _ := excelize.ColumnNumberToName(i + 1)
					return nil, limits.CellTooLong(file+" ("+name+")", n, letter, l.Cell)
				}
			}
			if n == 1 {
				for i, h := range cells {
					h = strings.TrimSpace(h)
					s.heads = append(s.heads, h)
					k := strings.ToLower(h)
					if _, dup := s.header[k]; !dup && k != "" {
						s.header[k] = i
					}
				}
				continue
			}
			s.rows = append(s.rows, cells)
		}
		return s, rows.Error()
	}
	survey, err := read("survey", true)
	if err != nil {
		return Parsed{}, err
	}
	choices, err := read("choices", false)
	if err != nil {
		return Parsed{}, err
	}
	settings, err := read("settings", false)
	if err != nil {
		return Parsed{}, err
	}
	return fromSheets(survey, choices, settings)
}

// metadata are XLSForm types that collect device facts; a form on paper
// or on this server has none, so they are passed over.
var metadata = map[string]bool{"start": true, "end": true, "today": true, "deviceid": true, "username": true, "audit": true,
	"simserial": true, "subscriberid": true, "phonenumber": true, "email": true, "start-geopoint": true}

func fromSheets(survey, choices, settings *sheetRows) (Parsed, error) {
	e := invalidForm()
	var p Parsed
	if _, ok := survey.header["type"]; !ok {
		problem(e, "survey", 1, "type", "assess.column_missing", "name", "type")
	}
	if _, ok := survey.header["name"]; !ok {
		problem(e, "survey", 1, "name", "assess.column_missing", "name", "name")
	}
	if err := done(e); err != nil {
		return p, err
	}
	labAR, labEN := langs("label")
	hintAR, hintEN := langs("hint")
	msgAR, msgEN := langs("constraint_message")

	// Choices by list.
	lists := map[string][]Choice{}
	if choices != nil {
		for i, r := range choices.rows {
			row := i + 2
			list := choices.cell(r, "list_name", "list name")
			name := choices.cell(r, "name", "value")
			if list == "" && name == "" {
				continue
			}
			if list == "" {
				problem(e, "choices", row, choices.col("list_name"), "assess.choice_list_missing")
				continue
			}
			if name == "" || strings.ContainsAny(name, " \t") {
				problem(e, "choices", row, choices.col("name"), "assess.choice_name_invalid", "name", name)
				continue
			}
			for _, c := range lists[list] {
				if c.Name == name {
					problem(e, "choices", row, choices.col("name"), "assess.choice_twice", "name", name, "list", list)
				}
			}
			lists[list] = append(lists[list], Choice{Name: name, LabelAR: choices.cell(r, labAR...), LabelEN: choices.cell(r, labEN...)})
		}
	}

	def := &p.Def
	formulaRow := 0 // the survey row of the risk_score calculation
	cur := -1       // the section questions go to; -1: none yet
	var stack []int
	var relStack []string
	newSection := func(name, ar, en, rel string, row int) {
		def.Sections = append(def.Sections, Section{Name: name, LabelAR: ar, LabelEN: en, Relevant: rel, Row: row})
		cur = len(def.Sections) - 1
	}
	for i, r := range survey.rows {
		row := i + 2
		typ := strings.Join(strings.Fields(survey.cell(r, "type")), " ")
		name := survey.cell(r, "name")
		if typ == "" {
			if name != "" {
				problem(e, "survey", row, survey.col("type"), "assess.type_missing", "name", name)
			}
			continue
		}
		kind, arg, _ := strings.Cut(typ, " ")
		kind = strings.ToLower(kind)
		rel := survey.cell(r, "relevant")
		if (kind == "begin" || kind == "end") && strings.EqualFold(arg, "group") {
			kind += "_group"
		}
		switch kind {
		case "begin_group":
			// A group inside a group becomes its own section, shown only
			// when the outer group is.
			if len(relStack) > 0 && relStack[len(relStack)-1] != "" {
				outer := relStack[len(relStack)-1]
				if rel == "" {
					rel = outer
				} else {
					rel = "(" + outer + ") and (" + rel + ")"
				}
			}
			stack = append(stack, len(def.Sections))
			relStack = append(relStack, rel)
			newSection(name, survey.cell(r, labAR...), survey.cell(r, labEN...), rel, row)
			continue
		case "end_group":
			if len(stack) == 0 {
				problem(e, "survey", row, survey.col("type"), "assess.group_unopened")
				continue
			}
			stack, relStack = stack[:len(stack)-1], relStack[:len(relStack)-1]
			// Questions after an inner group belong to the outer one again:
			// a section of their own with the outer condition.
			cur = -1
			if len(stack) > 0 {
				cur = -3 - stack[len(stack)-1]
			}
			continue
		case "calculate":
			if name == "risk_score" && def.Formula == "" {
				calc := survey.cell(r, "calculation")
				p.Def.Formula = "\x00" + calc // translated after every question is known
				formulaRow = row
			}
			continue
		}
		if metadata[kind] {
			continue
		}
		q := Question{Name: name, Row: row, LabelAR: survey.cell(r, labAR...), LabelEN: survey.cell(r, labEN...),
			HintAR: survey.cell(r, hintAR...), HintEN: survey.cell(r, hintEN...), Relevant: rel,
			Constraint: survey.cell(r, "constraint"), ConstraintAR: survey.cell(r, msgAR...), ConstraintEN: survey.cell(r, msgEN...)}
		switch strings.ToLower(survey.cell(r, "required")) {
		case "yes", "true", "true()", "1", "نعم":
			q.Required = true
		case "", "no", "false", "false()", "0", "لا":
		default:
			problem(e, "survey", row, survey.col("required"), "assess.required_value", "value", survey.cell(r, "required"))
		}
		switch kind {
		case "text", "integer", "decimal", "date", "note":
			q.Kind = Kind(kind)
		case "int":
			q.Kind = Integer
		case "yes_no", "acknowledge":
			q.Kind = YesNo
		case "range":
			q.Kind = Scale
			q.Min, q.Max = 0, 10
			for _, kv := range strings.Fields(survey.cell(r, "parameters")) {
				k, v, _ := strings.Cut(kv, "=")
				n, err := strconv.Atoi(v)
				if err != nil {
					problem(e, "survey", row, survey.col("parameters"), "assess.parameters", "value", kv)
					continue
				}
				switch k {
				case "start":
					q.Min = n
				case "end":
					q.Max = n
				}
			}
		case "select_one", "select_multiple":
			q.Kind, q.List = Kind(kind), arg
			if arg == "" {
				problem(e, "survey", row, survey.col("type"), "assess.list_missing", "type", typ)
				continue
			}
			cs, ok := lists[arg]
			if !ok {
				problem(e, "survey", row, survey.col("type"), "assess.list_unknown", "list", arg)
				continue
			}
			q.Choices = cs
			if kind == "select_one" && isYesNo(cs) {
				q.Kind = YesNo
			}
		default:
			problem(e, "survey", row, survey.col("type"), "assess.type_unsupported", "type", typ)
			continue
		}
		if name == "" {
			problem(e, "survey", row, survey.col("name"), "assess.name_missing")
			continue
		}
		if cur < 0 {
			// Questions outside any group, or after an inner group ended.
			ar, en, rel2 := "", "", ""
			if cur <= -3 {
				o := def.Sections[-3-cur]
				ar, en, rel2 = o.LabelAR, o.LabelEN, o.Relevant
			}
			newSection("", ar, en, rel2, row)
		}
		def.Sections[cur].Items = append(def.Sections[cur].Items, q)
	}
	if len(stack) > 0 {
		problem(e, "survey", def.Sections[stack[len(stack)-1]].Row, survey.col("type"), "assess.group_unclosed")
	}
	// Sections without questions (an empty group) are dropped.
	var secs []Section
	for _, s := range def.Sections {
		if len(s.Items) > 0 {
			secs = append(secs, s)
		}
	}
	def.Sections = secs

	def.Thresholds = DefaultThresholds
	if settings != nil && len(settings.rows) > 0 {
		r := settings.rows[0]
		tAR, tEN := langs("form_title")
		def.TitleAR, def.TitleEN = settings.cell(r, tAR...), settings.cell(r, tEN...)
		p.TypeCode = settings.cell(r, "case_type")
		if f := settings.cell(r, "risk_formula"); f != "" {
			def.Formula = f
		}
		for _, t := range []struct {
			col string
			to  *int
		}{{"risk_medium", &def.Thresholds.Medium}, {"risk_high", &def.Thresholds.High}, {"risk_critical", &def.Thresholds.Critical}} {
			v := settings.cell(r, t.col)
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				problem(e, "settings", 2, settings.col(t.col), "assess.threshold_number", "value", v)
				continue
			}
			*t.to = n
		}
	}
	if strings.HasPrefix(def.Formula, "\x00") {
		def.Formula = translateFormula(e, def, strings.TrimPrefix(def.Formula, "\x00"), survey, formulaRow)
	}
	if err := done(e); err != nil {
		return p, err
	}
	if _, err := compile(def); err != nil {
		return p, err
	}
	return p, nil
}

// translateFormula turns an XLSForm calculation of risk_score into CEL.
func translateFormula(e *errs.Error, def *Definition, calc string, survey *sheetRows, formulaRow int) string {
	kinds := map[string]Kind{}
	for _, q := range def.Questions() {
		if q.Kind.answers() {
			kinds[q.Name] = q.Kind
		}
	}
	n, err := ParseExpr(calc)
	if err == nil {
		tr := translator{kinds: kinds}
		if err = tr.resolve(n); err == nil {
			return tr.CEL(n)
		}
	}
	exprProblem(e, "survey", formulaRow, survey.col("calculation"), err)
	return ""
}

func isYesNo(cs []Choice) bool {
	if len(cs) != 2 {
		return false
	}
	a, b := cs[0].Name, cs[1].Name
	return a == "yes" && b == "no" || a == "no" && b == "yes"
}

// WriteXLSForm writes def as an XLSForm workbook: what ParseXLSForm reads
// back as the same form.
func WriteXLSForm(w io.Writer, def *Definition, typeCode string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "survey"); err != nil {
		return err
	}
	if _, err := f.NewSheet("choices"); err != nil {
		return err
	}
	if _, err := f.NewSheet("settings"); err != nil {
		return err
	}
	put := func(sheet string, row int, cells ...any) error {
		ref, _ := excelize.CoordinatesToCellName(1, row)
		return f.SetSheetRow(sheet, ref, &cells)
	}
	if err := put("survey", 1, "type", "name", "label::Arabic (ar)", "label::English (en)", "hint::Arabic (ar)", "hint::English (en)",
		"required", "relevant", "constraint", "constraint_message::Arabic (ar)", "constraint_message::English (en)", "parameters"); err != nil {
		return err
	}
	if err := put("choices", 1, "list_name", "name", "label::Arabic (ar)", "label::English (en)"); err != nil {
		return err
	}
	row, crow := 2, 2
	written := map[string]bool{}
	for _, s := range def.Sections {
		grouped := s.Name != "" || s.Relevant != "" || s.LabelAR != "" || s.LabelEN != ""
		if grouped {
			name := s.Name
			if name == "" {
				name = "group_" + strconv.Itoa(row)
			}
			if err := put("survey", row, "begin_group", name, s.LabelAR, s.LabelEN, "", "", "", s.Relevant); err != nil {
				return err
			}
			row++
		}
		for _, q := range s.Items {
			typ := string(q.Kind)
			params := ""
			switch q.Kind {
			case SelectOne, SelectMultiple:
				typ += " " + q.List
			case YesNo:
				q.List = "yes_no"
				if len(q.Choices) == 0 {
					q.Choices = []Choice{{"yes", "نعم", "Yes"}, {"no", "لا", "No"}}
				}
				typ = "select_one yes_no"
			case Scale:
				typ = "range"
				params = "start=" + strconv.Itoa(q.Min) + " end=" + strconv.Itoa(q.Max) + " step=1"
			}
			req := ""
			if q.Required {
				req = "yes"
			}
			if err := put("survey", row, typ, q.Name, q.LabelAR, q.LabelEN, q.HintAR, q.HintEN, req, q.Relevant, q.Constraint, q.ConstraintAR, q.ConstraintEN, params); err != nil {
				return err
			}
			row++
			if q.List != "" && !written[q.List] {
				written[q.List] = true
				for _, c := range q.Choices {
					if err := put("choices", crow, q.List, c.Name, c.LabelAR, c.LabelEN); err != nil {
						return err
					}
					crow++
				}
			}
		}
		if grouped {
			if err := put("survey", row, "end_group"); err != nil {
				return err
			}
			row++
		}
	}
	if err := put("settings", 1, "form_title::Arabic (ar)", "form_title::English (en)", "case_type", "risk_formula", "risk_medium", "risk_high", "risk_critical"); err != nil {
		return err
	}
	t := def.Thresholds
	if err := put("settings", 2, def.TitleAR, def.TitleEN, typeCode, def.Formula, t.Medium, t.High, t.Critical); err != nil {
		return err
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
