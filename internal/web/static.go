package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/fonts"
)

//go:embed static
var staticFS embed.FS

// asset is one static file with the content hash that its URL carries, so
// that it can be cached for good and replaced by a new URL when it changes.
type asset struct {
	body []byte
	hash string
	mime string
}

var (
	assetsOnce sync.Once
	assets     map[string]asset // by name under static/
)

func loadAssets() {
	assets = map[string]asset{}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		typ := mime.TypeByExtension(path.Ext(name))
		if typ == "" {
			typ = "application/octet-stream"
		}
		assets[name] = asset{body: b, hash: hex.EncodeToString(sum[:])[:12], mime: typ}
		return nil
	})
	// The fonts live in package fonts, which the printed documents embed
	// too; pages find them under fonts/ as before.
	for _, name := range []string{fonts.Regular, fonts.Bold} {
		b, err := fonts.FS.ReadFile(name)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		assets["fonts/"+name] = asset{body: b, hash: hex.EncodeToString(sum[:])[:12], mime: "font/ttf"}
	}
}

// staticPath returns the URL of static file name, with its content hash:
// "app.css" → "/static/app.1a2b3c4d5e6f.css".
func staticPath(name string) string {
	assetsOnce.Do(loadAssets)
	a, ok := assets[name]
	if !ok {
		return "/static/" + name
	}
	ext := path.Ext(name)
	return "/static/" + strings.TrimSuffix(name, ext) + "." + a.hash + ext
}

// staticHandler serves the embedded files by hashed or plain name.
func staticHandler() http.Handler {
	assetsOnce.Do(loadAssets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path
		a, ok := assets[name]
		hashed := false
		if !ok {
			ext := path.Ext(name)
			base := strings.TrimSuffix(name, ext)
			if i := strings.LastIndexByte(base, '.'); i > 0 {
				if b, found := assets[base[:i]+ext]; found && b.hash == base[i+1:] {
					a, ok, hashed = b, true, true
				}
			}
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", a.mime)
		if hashed {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		w.Header().Set("ETag", `"`+a.hash+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}
