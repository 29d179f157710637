// Package i18n holds the Arabic and English message catalogs and the
// functions that pick a language and render a message in it.
//
// Catalogs are JSON files under catalog/ar and catalog/en, one file per
// capability (core.json, registry.json, …), flat maps from key to text with
// {name} placeholders. Both languages must define the same keys with the same
// placeholders; a test enforces it. The package is safe for concurrent use.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// Lang is a UI language.
type Lang string

// The languages. Arabic is the default.
const (
	AR Lang = "ar"
	EN Lang = "en"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{AR, EN}

// Dir returns the text direction of l: "rtl" or "ltr".
func (l Lang) Dir() string {
	if l == AR {
		return "rtl"
	}
	return "ltr"
}

// Parse returns the language named by s ("ar", "en", "en-US", …), or AR.
func Parse(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "en") {
		return EN
	}
	return AR
}

// FromAcceptLanguage picks the first supported language in an
// Accept-Language header value, or AR.
func FromAcceptLanguage(h string) Lang {
	for _, part := range strings.Split(h, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ar"):
			return AR
		case strings.HasPrefix(tag, "en"):
			return EN
		}
	}
	return AR
}

//go:embed catalog
var catalogFS embed.FS

var (
	loadOnce sync.Once
	catalogs map[Lang]map[string]string
	loadErr  error
)

func load() {
	catalogs = map[Lang]map[string]string{}
	for _, l := range Langs {
		m := map[string]string{}
		dir := path.Join("catalog", string(l))
		entries, err := fs.ReadDir(catalogFS, dir)
		if err != nil {
			loadErr = err
			return
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			data, err := catalogFS.ReadFile(path.Join(dir, e.Name()))
			if err != nil {
				loadErr = err
				return
			}
			var part map[string]string
			if err := json.Unmarshal(data, &part); err != nil {
				loadErr = fmt.Errorf("i18n: %s/%s: %w", l, e.Name(), err)
				return
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					loadErr = fmt.Errorf("i18n: %s/%s: key %q defined twice", l, e.Name(), k)
					return
				}
				m[k] = v
			}
		}
		catalogs[l] = m
	}
}

// Catalog returns the messages of l. It panics if the embedded catalogs are
// malformed, which the package tests rule out.
func Catalog(l Lang) map[string]string {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(loadErr)
	}
	return catalogs[l]
}

// T renders message key in l with args substituted for {name} placeholders.
// An unknown key renders as the key itself, so a gap shows instead of hiding.
func T(l Lang, key string, args map[string]any) string {
	msg, ok := Catalog(l)[key]
	if !ok {
		return key
	}
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			b.WriteString(msg)
			break
		}
		j := strings.IndexByte(msg[i:], '}')
		if j < 0 {
			b.WriteString(msg)
			break
		}
		name := msg[i+1 : i+j]
		b.WriteString(msg[:i])
		if v, ok := args[name]; ok {
			fmt.Fprint(&b, v)
		} else {
			b.WriteString(msg[i : i+j+1])
		}
		msg = msg[i+j+1:]
	}
	return b.String()
}

// Has reports whether key is in the catalogs.
func Has(key string) bool {
	_, ok := Catalog(AR)[key]
	return ok
}
