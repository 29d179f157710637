package certificate

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"rsc.io/qr"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fonts"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// Style is how a certificate is printed.
type Style struct {
	Lang         i18n.Lang
	ArabicDigits bool
	// Base is the server's address ("https://tadamun.example.jo"): the QR
	// code then carries base+VerifyPath?code=…&t=…, which a phone opens;
	// without it, the token alone.
	Base string
}

// Document is a printed certificate: its file name (without extension)
// and its standalone HTML.
type Document struct {
	Name string
	HTML []byte
}

//go:embed templates/certificate.html templates/certificate.css
var printFS embed.FS

var (
	printOnce sync.Once
	printTmpl *template.Template
	printCSS  string
)

func loadPrint() {
	printTmpl = template.Must(template.ParseFS(printFS, "templates/certificate.html"))
	css, _ := printFS.ReadFile("templates/certificate.css")
	reg, _ := fonts.FS.ReadFile(fonts.Regular)
	bold, _ := fonts.FS.ReadFile(fonts.Bold)
	printCSS = strings.NewReplacer(
		"{{REGULAR}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(reg),
		"{{BOLD}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(bold)).Replace(string(css))
}

// qrSVG draws text as a QR code in SVG (as the beneficiary cards do): one
// path of unit squares with a quiet zone of four modules.
func qrSVG(text string) (template.HTML, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("certificate: QR code: %w", err)
	}
	n := c.Size + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+4, y+4)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

// VerifyURL is the address a certificate's QR code carries.
func VerifyURL(base string, c Certificate) string {
	return strings.TrimRight(base, "/") + VerifyPath + "?code=" + url.QueryEscape(c.Code) + "&t=" + url.QueryEscape(c.Token)
}

type printView struct {
	Lang, Dir, Title, Member, Certifies, Holder, HolderLatin, Completed, Course, Details, Result string
	Issued, Provider, CodeLabel, GroupedCode, Code, Verify, Revoked, Copy                        string
	QR                                                                                           template.HTML
	CSS                                                                                          template.CSS
}

func (st Style) digits(x string) string {
	if st.ArabicDigits {
		x = i18n.ArabicDigits(x)
	}
	return i18n.IsolateLTR(x)
}

func render(c Certificate, m member.Member, st Style, copyNo int) ([]byte, error) {
	printOnce.Do(loadPrint)
	t := func(key string, kv ...any) string {
		args := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[kv[i].(string)] = kv[i+1]
		}
		return i18n.T(st.Lang, key, args)
	}
	mname, course := m.NameAR, c.CourseAR
	if st.Lang == i18n.EN {
		if m.NameEN != "" {
			mname = m.NameEN
		}
		course = c.CourseEN
	}
	text := c.Token
	if st.Base != "" {
		text = VerifyURL(st.Base, c)
	}
	svg, err := qrSVG(text)
	if err != nil {
		return nil, err
	}
	v := printView{Lang: string(st.Lang), Dir: st.Lang.Dir(), CSS: template.CSS(printCSS), QR: svg,
		Title: t("certificate.print_title"), Member: mname, Certifies: t("certificate.print_certifies", "member", mname),
		Holder: c.Holder, Completed: t("certificate.print_completed"), Course: course,
		Details: t("certificate.print_details", "hours", i18n.TN(st.Lang, "certificate.hours_n", int64(c.Hours), map[string]any{"n": st.digits(strconv.Itoa(c.Hours))}),
			"date", st.digits(c.Completed)),
		Issued:    t("certificate.print_issued", "date", st.digits(c.IssuedAt.In(m.Location()).Format(time.DateOnly))),
		Provider:  t("certificate.print_provider", "provider", c.Provider),
		CodeLabel: t("certificate.print_code"), GroupedCode: GroupCode(c.Code), Code: c.Code,
		Verify: t("certificate.print_verify", "path", i18n.IsolateLTR(strings.TrimRight(st.Base, "/")+VerifyPath))}
	if st.Lang == i18n.EN {
		v.HolderLatin = c.HolderLatin
	}
	if c.Result != "" {
		v.Result = t("certificate.print_result", "result", c.Result)
	}
	if !c.Valid() {
		v.Revoked = t("certificate.print_revoked")
	} else if copyNo > 0 {
		v.Copy = t("certificate.print_copy")
	}
	var b bytes.Buffer
	if err := printTmpl.Execute(&b, v); err != nil {
		return nil, errs.Wrapf(err, "certificate: render")
	}
	return b.Bytes(), nil
}

// readable returns certificate id for printing: training.read, or the
// holder's own (a user's).
func (s *Service) readable(ctx context.Context, id int64) (Certificate, member.Member, error) {
	c, err := s.certificate(ctx, s.db, `c.id = ?`, id)
	if err != nil {
		return c, member.Member{}, err
	}
	if a := actor.From(ctx); !(c.UserID != 0 && a.UserID == c.UserID && a.MemberID == c.MemberID) {
		if err := auth.RequireMember(ctx, auth.TrainingRead, c.MemberID); err != nil {
			return Certificate{}, member.Member{}, err
		}
	}
	if !s.Signs() {
		return Certificate{}, member.Member{}, errs.E(errs.Conflict, "certificate.no_key")
	}
	m, err := s.members.ByID(actor.System(ctx), c.MemberID)
	return c, m, err
}

// Print renders certificate id as the print view (training.read, or the
// holder's own): marked as a copy once a PDF of it was printed, as
// revoked when it is. The view is audited; it counts no print.
func (s *Service) Print(ctx context.Context, id int64, st Style) (Document, error) {
	c, m, err := s.readable(ctx, id)
	if err != nil {
		return Document{}, err
	}
	html, err := render(c, m, st, c.Prints)
	if err != nil {
		return Document{}, err
	}
	err = s.db.Tx(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "certificate.print", EntityType: "training_certificate", EntityID: strconv.FormatInt(c.ID, 10),
			State: map[string]any{"lang": string(st.Lang), "format": "html"}})
	})
	return Document{Name: "certificate-" + c.Code, HTML: html}, err
}

// PDF prints certificate id through Chromium (training.read, or the
// holder's own). The first PDF is the original; every later one is marked
// as a copy and counted, and each is audited with its number. Without a
// Chromium the error is a clear "printing is unavailable".
func (s *Service) PDF(ctx context.Context, id int64, st Style) (Document, []byte, error) {
	if _, _, err := s.readable(ctx, id); err != nil {
		return Document{}, nil, err // who may not read it learns nothing of the printer
	}
	if !s.PrintsPDF() {
		return Document{}, nil, errs.E(errs.Invalid, "certificate.pdf_unavailable")
	}
	for range 3 {
		c, m, err := s.readable(ctx, id)
		if err != nil {
			return Document{}, nil, err
		}
		html, err := render(c, m, st, c.Prints)
		if err != nil {
			return Document{}, nil, err
		}
		pdf, err := s.o.Printer.PDF(ctx, html)
		if err != nil {
			return Document{}, nil, err
		}
		// Guarded on the count read: of two first prints at once, one is
		// the original and the other is drawn again as a copy.
		counted := false
		err = s.db.Tx(context.WithoutCancel(ctx), func(tx *db.Tx) error {
			r, err := tx.Exec(ctx, `UPDATE training_certificates SET prints = prints + 1 WHERE id = ? AND prints = ?`, c.ID, c.Prints)
			if err != nil {
				return errs.Wrapf(err, "certificate: count the print")
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return nil
			}
			counted = true
			return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "certificate.print", EntityType: "training_certificate", EntityID: strconv.FormatInt(c.ID, 10),
				State: map[string]any{"lang": string(st.Lang), "format": "pdf", "print": c.Prints + 1, "copy": c.Prints > 0}})
		})
		if err != nil {
			return Document{}, nil, err
		}
		if counted {
			return Document{Name: "certificate-" + c.Code, HTML: html}, pdf, nil
		}
	}
	return Document{}, nil, errs.E(errs.Conflict, "certificate.changed")
}
