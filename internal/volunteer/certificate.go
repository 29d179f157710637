package volunteer

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/base64"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fonts"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// codeAlphabet has no letters or digits that read alike (0/O/D/Q, 1/I/L,
// 2/Z, 5/S, 6/G, 8/B).
const codeAlphabet = "ACEFHJKMNPRTUVWXY3479"

const codeLen = 10

// newCode returns a fresh certificate code.
func newCode() string {
	b := make([]byte, codeLen)
	if _, err := rand.Read(b); err != nil {
		panic("volunteer: no randomness: " + err.Error())
	}
	out := make([]byte, codeLen)
	for i, x := range b {
		out[i] = codeAlphabet[int(x)%len(codeAlphabet)]
	}
	return string(out)
}

// NormalizeCode reads a code as a person may type it: any case, any
// digits, with spaces or dashes.
func NormalizeCode(c string) string {
	c = strings.ToUpper(arabic.Digits(c))
	var b strings.Builder
	for _, r := range c {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// GroupCode writes a code in two groups for reading ("ACEFH-JKMNP").
func GroupCode(c string) string {
	if len(c) != codeLen {
		return c
	}
	return c[:5] + "-" + c[5:]
}

// Certificate is a certificate of hours.
type Certificate struct {
	ID           int64      `json:"id"`
	MemberID     int64      `json:"member_id"`
	VolunteerID  int64      `json:"volunteer_id"`
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	From         string     `json:"from"` // YYYY-MM-DD
	To           string     `json:"to"`
	Minutes      int64      `json:"minutes"`
	Shifts       int        `json:"shifts"`
	IssuedBy     int64      `json:"issued_by"`
	IssuedAt     time.Time  `json:"issued_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
}

// Valid reports whether the certificate is not revoked.
func (c Certificate) Valid() bool { return c.RevokedAt == nil }

// Issue issues a certificate of the hours volunteer id gave in shifts that
// started between from and to (YYYY-MM-DD, both included, in the member's
// zone), volunteer.manage. A period without hours is refused.
func (s *Service) Issue(ctx context.Context, volunteerID int64, from, to string) (Certificate, error) {
	v, err := s.load(ctx, s.db, volunteerID)
	if err != nil {
		return Certificate{}, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, v.MemberID); err != nil {
		return Certificate{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	f, ok1 := parseDay(from)
	t, ok2 := parseDay(to)
	if !ok1 {
		e.WithField("from", "volunteer.date_invalid")
	}
	if !ok2 {
		e.WithField("to", "volunteer.date_invalid")
	}
	if ok1 && ok2 && (t.Before(f) || t.Sub(f) > 10*366*24*time.Hour) {
		e.WithField("to", "volunteer.period_invalid")
	}
	if len(e.Fields) > 0 {
		return Certificate{}, e
	}
	loc, err := s.zone(ctx, v.MemberID)
	if err != nil {
		return Certificate{}, err
	}
	lo := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc).UTC()
	hi := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc).UTC()
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var minutes int64
		var shifts int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(minutes), 0), COUNT(*) FROM volunteer_signups WHERE volunteer_id = ? AND attendance = 'present' AND starts_at >= ? AND starts_at < ?`,
			v.ID, lo, hi).Scan(&minutes, &shifts); err != nil {
			return errs.Wrapf(err, "volunteer: hours")
		}
		if minutes == 0 {
			return errs.E(errs.Invalid, "volunteer.no_hours").WithField("from", "volunteer.no_hours")
		}
		code := newCode()
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM volunteer_certificates WHERE code = ?`, code).Scan(&n); err != nil {
			return errs.Wrapf(err, "volunteer: code")
		}
		if n > 0 {
			code = newCode() // one in 10^13: once more is plenty; the unique index guards
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO volunteer_certificates (member_id, volunteer_id, code, name, period_from, period_to, minutes, shifts, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			v.MemberID, v.ID, code, v.Name, f.Format(time.DateOnly), t.Format(time.DateOnly), minutes, shifts, actorID(ctx), s.now())
		if err != nil {
			return errs.Wrapf(err, "volunteer: certificate")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: v.MemberID, Action: "volunteer.certificate_issue", EntityType: "volunteer_certificate", EntityID: idStr(id),
			State: map[string]any{"volunteer": v.ID, "code": code, "from": from, "to": to, "minutes": minutes}})
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.certificate(ctx, s.db, `c.id = ?`, id)
}

const certificateCols = `c.id, c.member_id, c.volunteer_id, c.code, c.name, c.period_from, c.period_to, c.minutes, c.shifts, c.issued_by, c.issued_at, c.revoked_at, c.revoke_reason`

func scanCertificate(r scanner) (Certificate, error) {
	var c Certificate
	var rev sql.NullTime
	err := r.Scan(&c.ID, &c.MemberID, &c.VolunteerID, &c.Code, &c.Name, &c.From, &c.To, &c.Minutes, &c.Shifts, &c.IssuedBy, &c.IssuedAt, &rev, &c.RevokeReason)
	if rev.Valid {
		t := rev.Time.UTC()
		c.RevokedAt = &t
	}
	c.IssuedAt = c.IssuedAt.UTC()
	return c, err
}

func (s *Service) certificate(ctx context.Context, q querier, where string, args ...any) (Certificate, error) {
	c, err := scanCertificate(q.QueryRow(ctx, `SELECT `+certificateCols+` FROM volunteer_certificates c WHERE `+where, args...))
	if noRows(err) {
		return c, notFound("volunteer.certificate_not_found")
	}
	return c, errs.Wrapf(err, "volunteer: certificate")
}

func (s *Service) certificates(ctx context.Context, where string, args ...any) ([]Certificate, error) {
	rows, err := s.db.Query(ctx, `SELECT `+certificateCols+` FROM volunteer_certificates c WHERE `+where+` ORDER BY c.issued_at DESC, c.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "volunteer: certificates")
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "volunteer: certificates")
		}
		out = append(out, c)
	}
	return out, errs.Wrapf(rows.Err(), "volunteer: certificates")
}

// Certificate returns certificate id (volunteer.read).
func (s *Service) Certificate(ctx context.Context, id int64) (Certificate, error) {
	c, err := s.certificate(ctx, s.db, `c.id = ?`, id)
	if err != nil {
		return c, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerRead, c.MemberID); err != nil {
		return Certificate{}, err
	}
	return c, nil
}

// Certificates lists member's certificates, the newest first; of one
// volunteer when volunteerID is not 0 (volunteer.read).
func (s *Service) Certificates(ctx context.Context, memberID, volunteerID int64) ([]Certificate, error) {
	if err := auth.RequireMember(ctx, auth.VolunteerRead, memberID); err != nil {
		return nil, err
	}
	if volunteerID != 0 {
		return s.certificates(ctx, `c.member_id = ? AND c.volunteer_id = ?`, memberID, volunteerID)
	}
	return s.certificates(ctx, `c.member_id = ?`, memberID)
}

// MyCertificates lists the certificates of the volunteer whose link is token.
func (s *Service) MyCertificates(ctx context.Context, token string) ([]Certificate, error) {
	v, err := s.ByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.certificates(ctx, `c.volunteer_id = ?`, v.ID)
}

// Revoke revokes certificate id with a reason (volunteer.manage); its code
// then verifies as revoked.
func (s *Service) Revoke(ctx context.Context, id int64, reason string) (Certificate, error) {
	c, err := s.certificate(ctx, s.db, `c.id = ?`, id)
	if err != nil {
		return c, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, c.MemberID); err != nil {
		return Certificate{}, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Certificate{}, errs.E(errs.Invalid, "error.invalid_input").WithField("reason", "volunteer.reason_required")
	case runes(reason) > maxReason:
		return Certificate{}, errs.E(errs.Invalid, "error.invalid_input").WithField("reason", "volunteer.too_long", "max", maxReason)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE volunteer_certificates SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL`, s.now(), actorID(ctx), reason, id)
		if err != nil {
			return errs.Wrapf(err, "volunteer: revoke %d", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "volunteer.already_revoked")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "volunteer.certificate_revoke", EntityType: "volunteer_certificate", EntityID: idStr(id), State: map[string]any{"reason": reason}})
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.certificate(ctx, s.db, `c.id = ?`, id)
}

// Verified is what anyone learns from a certificate's code: no full name,
// no phone.
type Verified struct {
	Code      string     `json:"code"`
	Initials  string     `json:"initials"`
	Minutes   int64      `json:"minutes"`
	From      string     `json:"from"`
	To        string     `json:"to"`
	IssuedAt  time.Time  `json:"issued_at"`
	MemberID  int64      `json:"-"`
	Member    string     `json:"member"` // the member's code
	Valid     bool       `json:"valid"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Verify looks a certificate up by its code, for anyone.
func (s *Service) Verify(ctx context.Context, code string) (Verified, error) {
	code = NormalizeCode(code)
	if len(code) != codeLen {
		return Verified{}, notFound("volunteer.certificate_not_found")
	}
	c, err := s.certificate(ctx, s.db, `c.code = ?`, code)
	if err != nil {
		return Verified{}, err
	}
	m, err := s.members.ByID(actor.System(ctx), c.MemberID)
	if err != nil {
		return Verified{}, err
	}
	return Verified{Code: c.Code, Initials: Initials(c.Name), Minutes: c.Minutes, From: c.From, To: c.To, IssuedAt: c.IssuedAt,
		MemberID: c.MemberID, Member: m.Code, Valid: c.Valid(), RevokedAt: c.RevokedAt}, nil
}

// Initials gives the first letter of each part of a name: "س. ع. ح.".
func Initials(name string) string {
	var parts []string
	for _, w := range strings.Fields(name) {
		r := []rune(w)
		if len(r) > 1 && (string(r[:2]) == "ال") && len(r) > 2 {
			r = r[2:] // "العلي": the family's letter, not the article's
		}
		parts = append(parts, string(r[0])+".")
		if len(parts) == 4 {
			break
		}
	}
	return strings.Join(parts, " ")
}

// Style is how a certificate is printed.
type Style struct {
	Lang         i18n.Lang
	ArabicDigits bool
}

//go:embed templates/certificate.html templates/certificate.css
var certFS embed.FS

var (
	certOnce sync.Once
	certTmpl *template.Template
	certCSS  string
)

func loadCert() {
	certTmpl = template.Must(template.ParseFS(certFS, "templates/certificate.html"))
	css, _ := certFS.ReadFile("templates/certificate.css")
	reg, _ := fonts.FS.ReadFile(fonts.Regular)
	bold, _ := fonts.FS.ReadFile(fonts.Bold)
	certCSS = strings.NewReplacer(
		"{{REGULAR}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(reg),
		"{{BOLD}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(bold)).Replace(string(css))
}

type certView struct {
	Lang, Dir, Title, Member, Certifies, Name, Gave, Hours, Period, Shifts, Issued, CodeLabel, Code, Verify, Revoked string
	CSS                                                                                                              template.CSS
}

// FormatMinutes says a number of minutes as hours and minutes in l.
func FormatMinutes(l i18n.Lang, arabicDigits bool, minutes int64) string {
	h, m := minutes/60, minutes%60
	num := func(n int64) string {
		return i18n.IsolateLTR(i18n.FormatNumber(strconv.FormatInt(n, 10), arabicDigits))
	}
	out := i18n.TN(l, "volunteer.hours_n", h, map[string]any{"n": num(h)})
	if m != 0 {
		out = i18n.T(l, "volunteer.hours_minutes", map[string]any{"hours": out, "minutes": i18n.TN(l, "volunteer.minutes_n", m, map[string]any{"n": num(m)})})
	}
	return out
}

func (st Style) digits(x string) string {
	if st.ArabicDigits {
		x = i18n.ArabicDigits(x)
	}
	return i18n.IsolateLTR(x)
}

func renderCertificate(c Certificate, m member.Member, st Style, now time.Time) ([]byte, error) {
	certOnce.Do(loadCert)
	t := func(key string, kv ...string) string {
		args := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[kv[i]] = kv[i+1]
		}
		return i18n.T(st.Lang, key, args)
	}
	mname := m.NameAR
	if st.Lang == i18n.EN && m.NameEN != "" {
		mname = m.NameEN
	}
	v := certView{Lang: string(st.Lang), Dir: st.Lang.Dir(), CSS: template.CSS(certCSS),
		Title: t("volunteer.cert_title"), Member: mname, Certifies: t("volunteer.cert_certifies"), Name: c.Name,
		Gave:      t("volunteer.cert_gave", "member", mname),
		Hours:     FormatMinutes(st.Lang, st.ArabicDigits, c.Minutes),
		Period:    t("volunteer.cert_period", "from", st.digits(c.From), "to", st.digits(c.To)),
		Shifts:    i18n.TN(st.Lang, "volunteer.cert_shifts", int64(c.Shifts), map[string]any{"n": st.digits(strconv.Itoa(c.Shifts))}),
		Issued:    t("volunteer.cert_issued", "date", st.digits(c.IssuedAt.In(m.Location()).Format(time.DateOnly))),
		CodeLabel: t("volunteer.cert_code"), Code: GroupCode(c.Code),
		Verify: t("volunteer.cert_verify", "path", i18n.IsolateLTR("/portal/volunteer/verify"))}
	if !c.Valid() {
		v.Revoked = t("volunteer.cert_revoked")
	}
	_ = now
	var b bytes.Buffer
	if err := certTmpl.Execute(&b, v); err != nil {
		return nil, errs.Wrapf(err, "volunteer: render certificate")
	}
	return b.Bytes(), nil
}

// Document is a printed certificate: its file name (without extension) and
// its standalone HTML.
type Document struct {
	Name string
	HTML []byte
}

// Print renders certificate id (volunteer.read) and records the print.
func (s *Service) Print(ctx context.Context, id int64, st Style) (Document, error) {
	c, err := s.Certificate(ctx, id)
	if err != nil {
		return Document{}, err
	}
	return s.print(ctx, c, st)
}

// PrintByToken renders a certificate of the volunteer whose link is token.
func (s *Service) PrintByToken(ctx context.Context, token string, id int64, st Style) (Document, error) {
	v, err := s.ByToken(ctx, token)
	if err != nil {
		return Document{}, err
	}
	c, err := s.certificate(ctx, s.db, `c.id = ?`, id)
	if err != nil || c.VolunteerID != v.ID {
		return Document{}, notFound("volunteer.certificate_not_found")
	}
	return s.print(ctx, c, st)
}

func (s *Service) print(ctx context.Context, c Certificate, st Style) (Document, error) {
	m, err := s.members.ByID(actor.System(ctx), c.MemberID)
	if err != nil {
		return Document{}, err
	}
	html, err := renderCertificate(c, m, st, s.now())
	if err != nil {
		return Document{}, err
	}
	err = s.db.Tx(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "volunteer.certificate_print", EntityType: "volunteer_certificate", EntityID: idStr(c.ID), State: map[string]any{"lang": string(st.Lang)}})
	})
	return Document{Name: "certificate-" + c.Code, HTML: html}, err
}

// PDF prints a rendered certificate through Chromium; without one the
// error is a clear "printing is unavailable".
func (s *Service) PDF(ctx context.Context, doc Document) ([]byte, error) {
	if !s.PrintsPDF() {
		return nil, errs.E(errs.Invalid, "volunteer.pdf_unavailable")
	}
	return s.o.Printer.PDF(ctx, doc.HTML)
}
