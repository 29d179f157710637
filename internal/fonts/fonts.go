// Package fonts holds the fonts Tadamun ships in its binary: Noto Sans
// Arabic, regular and bold (SIL Open Font License 1.1, see README.txt). The
// web UI serves them under /static/fonts/ and the printed documents embed
// them, so that no page or PDF takes a font from another host.
package fonts

import "embed"

// FS holds the font files at its root: NotoSansArabic-Regular.ttf and
// NotoSansArabic-Bold.ttf.
//
//go:embed *.ttf
var FS embed.FS

// Regular and Bold name the two faces in FS.
const (
	Regular = "NotoSansArabic-Regular.ttf"
	Bold    = "NotoSansArabic-Bold.ttf"
)
