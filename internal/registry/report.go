package registry

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/sheet"
)

// WriteReportCSV writes the problems of a failed import as CSV — file, row,
// column, message in lang — for the person who fixes the files. It writes
// a UTF-8 BOM so that Excel shows the Arabic.
func WriteReportCSV(w io.Writer, lang i18n.Lang, err error) error {
	if _, werr := w.Write([]byte{0xEF, 0xBB, 0xBF}); werr != nil {
		return werr
	}
	cw := csv.NewWriter(w)
	head := []string{"file", "row", "column", "message"}
	if lang == i18n.AR {
		head = []string{"الملف", "الصف", "العمود", "المشكلة"}
	}
	cw.Write(head)
	for _, f := range Failures(err) {
		// The file, column and message repeat what the files said.
		cw.Write([]string{sheet.Text(f.File), strconv.Itoa(f.Row), sheet.Text(f.Column), sheet.Text(i18n.T(lang, f.Key, f.Args))})
	}
	cw.Flush()
	return cw.Error()
}
