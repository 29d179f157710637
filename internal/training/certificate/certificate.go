// Package certificate issues the certificates of training (issue 18 item
// 7): one per completed enrollment, issued in the training service's own
// transaction (develop.Certifier), with a short code that is easy to type
// and a token signed with the member's certificate key (package token)
// that the printed certificate carries in its QR code. Anyone verifies a
// certificate on the portal by its code or its token, or offline with the
// member's published public key (tadamun certificate verify); a revoked
// certificate verifies as revoked, with its reason and date.
//
// The token is computed from the row whenever it is shown: the row and the
// key are the truth, and nothing signed is stored that could disagree with
// them. It owns the training_certificates table.
package certificate

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/training/certificate/token"
)

// VerifyPath is the portal page that verifies a certificate; the QR code
// carries its address with the code as ?code= and the token as ?t=.
const VerifyPath = "/portal/certificates"

// codeAlphabet has no letters or digits that read alike (0/O/D/Q, 1/I/L,
// 2/Z, 5/S, 6/G, 8/B): the volunteer certificates' alphabet.
const codeAlphabet = "ACEFHJKMNPRTUVWXY3479"

// CodeLen is the length of a code: 21^10, about 1.7 × 10^13 codes, so
// that one cannot be guessed.
const CodeLen = 10

// Bounds of what a certificate says.
const (
	maxName     = 200
	maxCourse   = 300
	maxProvider = 200
	maxResult   = 60
	maxReason   = 500
	maxHours    = 10000
	maxList     = 500
	// maxSigned bounds the bytes of the texts a token carries, so that the
	// QR code stays one a phone reads (about 1,400 bytes of token).
	maxSigned = 1000
)

// Results of a verification.
const (
	Valid    = "valid"
	Revoked  = "revoked"
	NotFound = "not_found"
	Invalid  = "invalid" // a token whose signature does not match, or not a token
)

// newCode returns a fresh code.
func newCode() string {
	b := make([]byte, CodeLen)
	if _, err := rand.Read(b); err != nil {
		panic("certificate: no randomness: " + err.Error())
	}
	out := make([]byte, CodeLen)
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
	if len(c) != CodeLen {
		return c
	}
	return c[:5] + "-" + c[5:]
}

// PDF prints standalone HTML to PDF (printer.Chrome).
type PDF interface {
	Available() bool
	PDF(ctx context.Context, html []byte) ([]byte, error)
}

// Options are what a Service is built with.
type Options struct {
	// Members gives members' codes, names and zones; nil builds one over
	// the database.
	Members *member.Service
	// Keys sign the tokens (token.FromCards of the card key file); the
	// zero Keys issue certificates but print none and verify no token.
	Keys token.Keys
	// Printer prints certificates to PDF; nil or one without a Chromium
	// leaves the print view.
	Printer PDF
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
}

// Service issues, lists, revokes, prints and verifies training
// certificates. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	members *member.Service
	o       Options
}

var _ develop.Certifier = (*Service)(nil)

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	return &Service{db: d, members: o.Members, o: o}
}

func (s *Service) now() time.Time {
	return s.o.Clock.Or(s.db.Clock()).Now().UTC().Truncate(time.Microsecond)
}

// Signs reports whether the service has a key, and so prints certificates
// and verifies tokens.
func (s *Service) Signs() bool { return s.o.Keys.Usable() }

// PrintsPDF reports whether certificates print to PDF.
func (s *Service) PrintsPDF() bool { return s.o.Printer != nil && s.o.Printer.Available() }

// PublicKey returns the certificate verification key of member code.
func (s *Service) PublicKey(code string) token.PublicKey { return s.o.Keys.Public(code) }

// PublicKeys returns every member's certificate verification key, for
// anyone to check certificates with: they are public.
func (s *Service) PublicKeys(ctx context.Context) ([]token.PublicKey, []member.Member, error) {
	if !s.Signs() {
		return nil, nil, nil
	}
	ms, err := s.members.List(actor.System(ctx))
	if err != nil {
		return nil, nil, err
	}
	out := make([]token.PublicKey, 0, len(ms))
	for _, m := range ms {
		out = append(out, s.PublicKey(m.Code))
	}
	return out, ms, nil
}

// Certificate is an issued certificate as the service keeps it.
type Certificate struct {
	develop.Certificate
	MemberCode string `json:"member_code"`
	Prints     int    `json:"prints"` // PDFs printed; after the first, a print is a copy
	IssuedBy   int64  `json:"issued_by"`
}

// Valid reports whether the certificate is not revoked.
func (c Certificate) Valid() bool { return c.RevokedAt == nil }

// Content is what the certificate's token carries.
func (c Certificate) Content() token.Content {
	return token.Content{Member: c.MemberCode, Code: c.Code, Holder: c.Holder, CourseAR: c.CourseAR, CourseEN: c.CourseEN,
		Hours: c.Hours, Completed: c.Completed, Provider: c.Provider}
}

func runes(x string) int { return utf8.RuneCountInString(x) }

func clean(x string) string { return strings.Join(strings.Fields(x), " ") }

// check validates in, cleaning its texts; it returns the field errors.
func check(in *develop.CertificateInput) error {
	e := errs.E(errs.Invalid, "error.invalid_input")
	in.Holder, in.HolderLatin, in.CourseAR, in.CourseEN = clean(in.Holder), clean(in.HolderLatin), clean(in.CourseAR), clean(in.CourseEN)
	in.Provider, in.Result, in.Completed = clean(in.Provider), clean(in.Result), strings.TrimSpace(arabic.Digits(in.Completed))
	if in.CourseEN == "" {
		in.CourseEN = in.CourseAR
	}
	if in.CourseAR == "" {
		in.CourseAR = in.CourseEN
	}
	text := func(field, v string, max int, required bool) {
		switch {
		case v == "" && required:
			e.WithField(field, "certificate.required")
		case runes(v) > max:
			e.WithField(field, "certificate.too_long", "max", max)
		}
	}
	text("holder", in.Holder, maxName, true)
	text("holder_latin", in.HolderLatin, maxName, false)
	text("course_ar", in.CourseAR, maxCourse, true)
	text("course_en", in.CourseEN, maxCourse, false)
	text("provider", in.Provider, maxProvider, true)
	text("result", in.Result, maxResult, false)
	if in.Hours <= 0 || in.Hours > maxHours {
		e.WithField("hours", "certificate.hours_invalid", "max", maxHours)
	}
	if _, err := time.Parse(time.DateOnly, in.Completed); err != nil {
		e.WithField("completed", "certificate.date_invalid")
	}
	if n := len(in.Holder) + len(in.CourseAR) + len(in.CourseEN) + len(in.Provider); n > maxSigned {
		e.WithField("course_en", "certificate.too_much_text") // the token must fit a QR code a phone reads
	}
	if in.EnrollmentID <= 0 {
		e.WithField("enrollment_id", "certificate.enrollment_required")
	}
	if (in.PersonID > 0) == (in.UserID > 0) || in.PersonID < 0 || in.UserID < 0 {
		e.WithField("holder", "certificate.holder_kind_invalid")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// IssueTx issues the certificate of in.EnrollmentID in the caller's
// transaction (training.manage); issuing again returns the one already
// issued, and two issues at once make one certificate. The certificate's
// token is set when the service has a key.
func (s *Service) IssueTx(ctx context.Context, tx *db.Tx, in develop.CertificateInput) (develop.Certificate, error) {
	if err := auth.RequireMember(ctx, auth.TrainingManage, in.MemberID); err != nil {
		return develop.Certificate{}, err
	}
	if err := check(&in); err != nil {
		return develop.Certificate{}, err
	}
	m, err := s.members.ByID(actor.System(ctx), in.MemberID)
	if err != nil {
		return develop.Certificate{}, err
	}
	c, err := s.certificate(ctx, tx, `c.enrollment_id = ?`, in.EnrollmentID)
	if err == nil {
		return s.issued(c, in.MemberID)
	}
	if errs.CodeOf(err) != errs.NotFound {
		return develop.Certificate{}, err
	}
	key := arabic.Normalize(in.Holder + " " + in.HolderLatin)
	code := newCode()
	var taken int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM training_certificates WHERE code = ?`, code).Scan(&taken); err != nil {
		return develop.Certificate{}, errs.Wrapf(err, "certificate: code")
	}
	if taken > 0 {
		code = newCode() // one in 10^13: once more is plenty; the unique index guards
	}
	id, err := tx.InsertID(ctx, `INSERT INTO training_certificates (member_id, member_code, enrollment_id, person_id, user_id, code, holder, holder_latin, holder_key,
			course_ar, course_en, provider, hours, completed, result, issued_by, issued_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (enrollment_id) DO NOTHING RETURNING id`,
		in.MemberID, m.Code, in.EnrollmentID, in.PersonID, in.UserID, code, in.Holder, in.HolderLatin, key,
		in.CourseAR, in.CourseEN, in.Provider, in.Hours, in.Completed, in.Result, actor.From(ctx).UserID, s.now())
	if errors.Is(err, sql.ErrNoRows) {
		// Another transaction issued it meanwhile (it waited for that
		// one's commit): theirs is the one.
		c, err := s.certificate(ctx, tx, `c.enrollment_id = ?`, in.EnrollmentID)
		if err != nil {
			return develop.Certificate{}, err
		}
		return s.issued(c, in.MemberID)
	}
	if err != nil {
		return develop.Certificate{}, errs.Wrapf(err, "certificate: issue")
	}
	if err := audit.Append(ctx, tx, audit.Entry{MemberID: in.MemberID, Action: "certificate.issue", EntityType: "training_certificate", EntityID: strconv.FormatInt(id, 10),
		State: map[string]any{"code": code, "enrollment": in.EnrollmentID, "person": in.PersonID, "user": in.UserID, "hours": in.Hours, "completed": in.Completed}}); err != nil {
		return develop.Certificate{}, err
	}
	c, err = s.certificate(ctx, tx, `c.id = ?`, id)
	if err != nil {
		return develop.Certificate{}, err
	}
	return c.Certificate, nil
}

// issued is the certificate already issued for an enrollment, refused
// when it is another member's.
func (s *Service) issued(c Certificate, memberID int64) (develop.Certificate, error) {
	if c.MemberID != memberID {
		return develop.Certificate{}, errs.E(errs.Conflict, "certificate.enrollment_taken")
	}
	return c.Certificate, nil
}

// Issue issues the certificate of in in a transaction of its own (for
// tools and the demo; training issues through IssueTx).
func (s *Service) Issue(ctx context.Context, in develop.CertificateInput) (Certificate, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.IssueTx(ctx, tx, in)
		id = c.ID
		return err
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.certificate(ctx, s.db, `c.id = ?`, id)
}

const cols = `c.id, c.member_id, c.member_code, c.enrollment_id, c.person_id, c.user_id, c.code, c.holder, c.holder_latin, c.course_ar, c.course_en,
	c.provider, c.hours, c.completed, c.result, c.issued_by, c.issued_at, c.prints, c.revoked_at, c.revoke_reason`

type scanner interface{ Scan(dest ...any) error }

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Service) scan(r scanner) (Certificate, error) {
	c, err := scanRow(r)
	if err == nil && s.Signs() {
		c.Token, _ = s.o.Keys.Sign(c.Content()) // bounded at issue: it fits
	}
	return c, err
}

// scanRow reads a row without signing its token (the verification needs
// none).
func scanRow(r scanner) (Certificate, error) {
	var c Certificate
	var rev sql.NullTime
	err := r.Scan(&c.ID, &c.MemberID, &c.MemberCode, &c.EnrollmentID, &c.PersonID, &c.UserID, &c.Code, &c.Holder, &c.HolderLatin, &c.CourseAR, &c.CourseEN,
		&c.Provider, &c.Hours, &c.Completed, &c.Result, &c.IssuedBy, &c.IssuedAt, &c.Prints, &rev, &c.RevokeReason)
	if err != nil {
		return c, err
	}
	if rev.Valid {
		t := rev.Time.UTC()
		c.RevokedAt = &t
	}
	c.IssuedAt = c.IssuedAt.UTC()
	return c, nil
}

func (s *Service) certificate(ctx context.Context, q querier, where string, args ...any) (Certificate, error) {
	c, err := s.scan(q.QueryRow(ctx, `SELECT `+cols+` FROM training_certificates c WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.E(errs.NotFound, "certificate.not_found")
	}
	return c, errs.Wrapf(err, "certificate: read")
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]Certificate, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM training_certificates c WHERE `+where+` ORDER BY c.issued_at DESC, c.id DESC LIMIT `+strconv.Itoa(maxList), args...)
	if err != nil {
		return nil, errs.Wrapf(err, "certificate: list")
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "certificate: list")
		}
		out = append(out, c)
	}
	return out, errs.Wrapf(rows.Err(), "certificate: list")
}

// Get returns certificate id (training.read).
func (s *Service) Get(ctx context.Context, id int64) (Certificate, error) {
	c, err := s.certificate(ctx, s.db, `c.id = ?`, id)
	if err != nil {
		return c, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingRead, c.MemberID); err != nil {
		return Certificate{}, err
	}
	return c, nil
}

// Filter selects certificates of a member.
type Filter struct {
	MemberID int64
	// Query is a code (any case, with or without its dash) or part of the
	// holder's name (Arabic-aware: "سارا" finds "سارة" as the registry does).
	Query string
	// Status is "valid", "revoked" or "" for both.
	Status string
}

// List lists member's certificates, newest first, at most 500
// (training.read).
func (s *Service) List(ctx context.Context, f Filter) ([]Certificate, error) {
	if err := auth.RequireMember(ctx, auth.TrainingRead, f.MemberID); err != nil {
		return nil, err
	}
	where, args := `c.member_id = ?`, []any{f.MemberID}
	switch f.Status {
	case Valid:
		where += ` AND c.revoked_at IS NULL`
	case Revoked:
		where += ` AND c.revoked_at IS NOT NULL`
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if runes(q) > maxName {
			return nil, errs.E(errs.Invalid, "error.invalid_input").WithField("q", "certificate.too_long", "max", maxName)
		}
		code, key := NormalizeCode(q), arabic.Normalize(q)
		where += ` AND (c.code = ? OR c.holder_key LIKE ?)`
		args = append(args, code, "%"+strings.NewReplacer("%", "", "_", "").Replace(key)+"%")
	}
	return s.list(ctx, where, args...)
}

// Held lists the certificates of a registry person (personID) or of a
// user (userID) of memberID, newest first: training.read, or the user's
// own.
func (s *Service) Held(ctx context.Context, memberID, personID, userID int64) ([]develop.Certificate, error) {
	a := actor.From(ctx)
	if !(userID != 0 && personID == 0 && a.UserID == userID && a.MemberID == memberID) {
		if err := auth.RequireMember(ctx, auth.TrainingRead, memberID); err != nil {
			return nil, err
		}
	}
	var cs []Certificate
	var err error
	switch {
	case personID > 0:
		cs, err = s.list(ctx, `c.member_id = ? AND c.person_id = ?`, memberID, personID)
	case userID > 0:
		cs, err = s.list(ctx, `c.member_id = ? AND c.user_id = ?`, memberID, userID)
	}
	out := make([]develop.Certificate, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Certificate)
	}
	return out, err
}

// Revoke revokes certificate id with a reason (training.manage); it then
// verifies as revoked, with the reason and the date. Revoking twice, or
// two revocations at once, leaves the first: the other is a conflict.
func (s *Service) Revoke(ctx context.Context, id int64, reason string) (Certificate, error) {
	c, err := s.certificate(ctx, s.db, `c.id = ?`, id)
	if err != nil {
		return c, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, c.MemberID); err != nil {
		return Certificate{}, err
	}
	reason = clean(reason)
	switch {
	case reason == "":
		return Certificate{}, errs.E(errs.Invalid, "error.invalid_input").WithField("reason", "certificate.reason_required")
	case runes(reason) > maxReason:
		return Certificate{}, errs.E(errs.Invalid, "error.invalid_input").WithField("reason", "certificate.too_long", "max", maxReason)
	}
	if !c.Valid() {
		return Certificate{}, errs.E(errs.Conflict, "certificate.already_revoked")
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE training_certificates SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL`,
			s.now(), actor.From(ctx).UserID, reason, id)
		if err != nil {
			return errs.Wrapf(err, "certificate: revoke %d", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "certificate.already_revoked")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "certificate.revoke", EntityType: "training_certificate", EntityID: strconv.FormatInt(id, 10),
			State: map[string]any{"code": c.Code, "reason": reason}})
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.certificate(ctx, s.db, `c.id = ?`, id)
}

// Verification is what anyone learns about a certificate from its code or
// its token: the result, and — unless it was not found or is forged —
// what the certificate says, its member, and when revoked the reason.
type Verification struct {
	Result string `json:"result"` // valid, revoked, not_found, invalid
	// Signed is true when a token was given and its signature is the
	// member's: the content is genuine even when Result is not_found (a
	// database restored from before its issue).
	Signed      bool          `json:"signed"`
	Certificate *Public       `json:"certificate,omitempty"`
	Member      member.Member `json:"-"`
}

// Public is a certificate as the verify page and API show it.
type Public struct {
	Code         string     `json:"code"`
	Member       string     `json:"member"` // the member's code
	Holder       string     `json:"holder"`
	HolderLatin  string     `json:"holder_latin,omitempty"`
	CourseAR     string     `json:"course_ar"`
	CourseEN     string     `json:"course_en"`
	Provider     string     `json:"provider"`
	Hours        int        `json:"hours"`
	Completed    string     `json:"completed"`
	Result       string     `json:"result,omitempty"`
	IssuedAt     *time.Time `json:"issued_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
}

func publicOf(c Certificate) *Public {
	at := c.IssuedAt
	return &Public{Code: c.Code, Member: c.MemberCode, Holder: c.Holder, HolderLatin: c.HolderLatin, CourseAR: c.CourseAR, CourseEN: c.CourseEN,
		Provider: c.Provider, Hours: c.Hours, Completed: c.Completed, Result: c.Result, IssuedAt: &at, RevokedAt: c.RevokedAt, RevokeReason: c.RevokeReason}
}

// Input reads what a person gives the verify page: a code, a token, or
// the address the QR code carries (…/portal/certificates?code=…&t=…). It
// returns the token and the code it finds; a text longer than
// token.MaxInput is refused.
func Input(in string) (tok, code string, err error) {
	if len(in) > token.MaxInput {
		return "", "", errs.E(errs.Invalid, "certificate.input_too_long", "max", token.MaxInput)
	}
	in = strings.TrimSpace(in)
	if tok = token.Find(in); tok != "" {
		return tok, "", nil
	}
	if i := strings.Index(in, "?"); i >= 0 {
		if q, err := url.ParseQuery(in[i+1:]); err == nil {
			if t := token.Find(q.Get("t")); t != "" {
				return t, "", nil
			}
			in = q.Get("code")
		}
	}
	return "", NormalizeCode(in), nil
}

// Verify verifies what a person gives: a code, a token or the QR code's
// address (see Input). It checks no permission: anyone may verify. A
// token is checked with its member's key first — one whose signature does
// not match is invalid whatever the database says — and then looked up by
// its code, so that a revoked certificate is shown revoked.
func (s *Service) Verify(ctx context.Context, in string) (Verification, error) {
	tok, code, err := Input(in)
	if err != nil {
		return Verification{}, err
	}
	ctx = actor.System(ctx)
	v := Verification{Result: NotFound}
	if tok != "" {
		c, err := token.Parse(tok)
		if err != nil {
			if errors.Is(err, token.ErrTooLong) {
				return Verification{}, errs.E(errs.Invalid, "certificate.input_too_long", "max", token.MaxToken)
			}
			return Verification{Result: Invalid}, nil
		}
		m, err := s.members.Get(ctx, c.Member)
		if err != nil || !s.Signs() {
			return Verification{Result: Invalid}, nil
		}
		if c, err = token.Verify(tok, s.PublicKey(m.Code)); err != nil {
			return Verification{Result: Invalid}, nil
		}
		v.Signed, v.Member = true, m
		v.Certificate = &Public{Code: c.Code, Member: c.Member, Holder: c.Holder, CourseAR: c.CourseAR, CourseEN: c.CourseEN, Provider: c.Provider, Hours: c.Hours, Completed: c.Completed}
		code = c.Code
	}
	if len(code) != CodeLen {
		return v, nil
	}
	c, err := scanRow(s.db.QueryRow(ctx, `SELECT `+cols+` FROM training_certificates c WHERE c.code = ?`, code))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, nil
	case err != nil:
		return Verification{}, errs.Wrapf(err, "certificate: verify")
	}
	if v.Signed && c.MemberCode != v.Member.Code {
		return Verification{Result: Invalid}, nil
	}
	if !v.Signed {
		if v.Member, err = s.members.ByID(ctx, c.MemberID); err != nil {
			return Verification{}, err
		}
	}
	v.Certificate, v.Result = publicOf(c), Valid
	if !c.Valid() {
		v.Result = Revoked
	}
	return v, nil
}
