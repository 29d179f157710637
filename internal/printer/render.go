package printer

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/fonts"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
)

//go:embed templates/*.html templates/*.css
var templateFS embed.FS

// Style is how a document is rendered: its language and digits, and
// whether it stands alone (for the PDF) or links its stylesheet and
// script (the print view a browser shows).
type Style struct {
	Lang         i18n.Lang
	ArabicDigits bool // Arabic-Indic digits (the user's preference)
	// Embed puts the stylesheet and the fonts in the document itself, as
	// the PDF needs. Otherwise the page links CSSURL and ScriptURL.
	Embed     bool
	CSSURL    string // the print stylesheet (Stylesheet with linked fonts)
	ScriptURL string // the print view's script (its Print button)
	Back      string // the page the print view returns to
	PDFURL    string // the same document as PDF; "" when printing to PDF is unavailable
}

func (s Style) digits(x string) string {
	if s.ArabicDigits {
		return arabic.ToArabicIndic(x)
	}
	return x
}

var (
	cssOnce     sync.Once
	cssTemplate string
	embedCSS    string
	pages       = map[string]*template.Template{}
	pagesMu     sync.Mutex
)

func loadCSS() {
	b, _ := templateFS.ReadFile("templates/print.css")
	cssTemplate = string(b)
	reg, _ := fonts.FS.ReadFile(fonts.Regular)
	bold, _ := fonts.FS.ReadFile(fonts.Bold)
	embedCSS = strings.NewReplacer(
		"{{REGULAR}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(reg),
		"{{BOLD}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(bold)).Replace(cssTemplate)
}

// Stylesheet returns the print stylesheet with its fonts at fontBase
// (for example "/static/fonts/"), for the print view to link.
func Stylesheet(fontBase string) []byte {
	cssOnce.Do(loadCSS)
	return []byte(strings.NewReplacer("{{REGULAR}}", fontBase+fonts.Regular, "{{BOLD}}", fontBase+fonts.Bold).Replace(cssTemplate))
}

func funcs(s Style) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, kv ...any) string {
			var args map[string]any
			if len(kv) > 1 {
				args = map[string]any{}
				for i := 0; i+1 < len(kv); i += 2 {
					args[fmt.Sprint(kv[i])] = s.digits(fmt.Sprint(kv[i+1]))
				}
			}
			return i18n.T(s.Lang, key, args)
		},
		"digits": func(x any) string { return s.digits(fmt.Sprint(x)) },
		"num":    func(n any) string { return s.digits(group(fmt.Sprint(n))) },
	}
}

// page returns the parsed template name, with money formatting in currency.
func parsed(name string) (*template.Template, error) {
	pagesMu.Lock()
	defer pagesMu.Unlock()
	if t, ok := pages[name]; ok {
		return t, nil
	}
	// Funcs that depend on the style are replaced at execution.
	t, err := template.New(name).Funcs(funcs(Style{})).Funcs(template.FuncMap{"money": func(int64) string { return "" }}).
		ParseFS(templateFS, "templates/_base.html", "templates/"+name+".html")
	if err != nil {
		return nil, fmt.Errorf("printer: parse %s: %w", name, err)
	}
	pages[name] = t
	return t, nil
}

// frame is what every document template gets.
type frame struct {
	Style
	Title string
	Dir   string
	CSS   template.CSS
}

// render executes document name with data, in style s, formatting money
// in currency.
func render(name string, s Style, currency, title string, data func(frame) any) ([]byte, error) {
	t, err := parsed(name)
	if err != nil {
		return nil, err
	}
	t, err = t.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(funcs(s)).Funcs(template.FuncMap{"money": func(minor int64) string { return formatMoney(s, minor, currency) }})
	f := frame{Style: s, Title: title, Dir: s.Lang.Dir()}
	if s.Embed {
		cssOnce.Do(loadCSS)
		f.CSS = template.CSS(embedCSS)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name+".html", data(f)); err != nil {
		return nil, fmt.Errorf("printer: render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

func formatMoney(s Style, minor int64, currency string) string {
	c, ok := money.Lookup(currency)
	if !ok {
		return s.digits(group(strconv.FormatInt(minor, 10))) + " " + currency
	}
	name := c.NameEN
	if s.Lang == i18n.AR {
		name = c.NameAR
	}
	str := money.Format(minor, c.Exponent)
	whole, frac, _ := strings.Cut(str, ".")
	str = group(whole)
	if frac != "" {
		str += "." + frac
	}
	return s.digits(str) + " " + name
}

// group puts thousands separators in a run of ASCII digits.
func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= 3 || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		if neg {
			return "-" + s
		}
		return s
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	pre := len(s) % 3
	b.WriteString(s[:pre])
	for i := pre; i < len(s); i += 3 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
