package donor

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment/iban"
)

var _ fund.Donors = (*Service)(nil)

// Limits of a donor's fields.
const (
	maxName    = 200
	maxEmail   = 254
	maxAddress = 500
	maxNotes   = 2000
	maxRegNo   = 40
	maxRef     = 64
	maxList    = 5  // phones, IBANs
	maxRefs    = 10 // references
	maxReason  = 1000
)

// Options configure a Service. The zero value works: the member service is
// built over the database and the clock is the database's.
type Options struct {
	// Audit reads the log of a donor's changes; nil leaves it empty.
	Audit *audit.Log
	// Members gives a member's calling code (phone keys).
	Members *member.Service
	// Clock dates donors, consents and merges; nil means the database's.
	Clock calendar.Clock
}

// Service keeps donors. Build it with New; it is safe for concurrent use.
type Service struct {
	db      *db.DB
	audit   *audit.Log
	members *member.Service
	now     func() time.Time
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	s := &Service{db: d, audit: o.Audit, members: o.Members}
	s.now = func() time.Time { return o.Clock.Or(d.Clock()).Now() }
	if s.members == nil {
		s.members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	return s
}

// Donor is a donor as the fund's staff see it. Phones are as entered,
// IBANs in electronic form (upper case, no spaces). ConsentAt is when the
// donor agreed to be named publicly and ConsentWithdrawnAt when they took
// it back (zero: never). A merged donor has MergedInto set; Get never
// returns one but the donor it was merged into, with Merged saying so.
type Donor struct {
	ID                 int64      `json:"id"`
	MemberID           int64      `json:"member_id"`
	Kind               string     `json:"kind"`
	Name               string     `json:"name"`
	NameKey            string     `json:"name_key"`
	PublicName         string     `json:"public_name,omitempty"`
	ConsentPublic      bool       `json:"consent_public"`
	ConsentAt          time.Time  `json:"consent_at,omitzero"`
	ConsentWithdrawnAt time.Time  `json:"consent_withdrawn_at,omitzero"`
	Language           string     `json:"language"`
	Phones             []string   `json:"phones"`
	Email              string     `json:"email,omitempty"`
	Address            string     `json:"address,omitempty"`
	RegNo              string     `json:"reg_no,omitempty"`
	IBANs              []string   `json:"ibans"`
	Refs               []string   `json:"refs"`
	Notes              string     `json:"notes,omitempty"`
	MergedInto         int64      `json:"merged_into,omitempty"`
	MergedAt           time.Time  `json:"merged_at,omitzero"`
	MergeReason        string     `json:"merge_reason,omitempty"`
	Version            int64      `json:"version"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	Merged             *MergeNote `json:"merged,omitempty"`
}

// MergeNote says that the donor asked for was merged into the one
// returned.
type MergeNote struct {
	From   int64     `json:"from"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Ref returns d as the fund's other packages see it.
func (d Donor) Ref() fund.DonorRef {
	r := fund.DonorRef{ID: d.ID, MemberID: d.MemberID, Kind: d.Kind, Name: d.Name, Language: d.Language, MergedInto: d.MergedInto}
	if d.ConsentPublic {
		r.PublicName = d.PublicName
	}
	return r
}

// Input is a donor to create or the new state of one to edit. Phones,
// IBANs and Refs replace the donor's. ConsentAt is when consent to be
// named was given (zero: now); it is kept only when consent is new.
// Version is the version the editor read (Update).
type Input struct {
	MemberID      int64     `json:"-"`
	Kind          string    `json:"kind"`
	Name          string    `json:"name"`
	PublicName    string    `json:"public_name,omitempty"`
	ConsentPublic bool      `json:"consent_public"`
	ConsentAt     time.Time `json:"consent_at,omitzero"`
	Language      string    `json:"language,omitempty"`
	Phones        []string  `json:"phones,omitempty"`
	Email         string    `json:"email,omitempty"`
	Address       string    `json:"address,omitempty"`
	RegNo         string    `json:"reg_no,omitempty"`
	IBANs         []string  `json:"ibans,omitempty"`
	Refs          []string  `json:"refs,omitempty"`
	Notes         string    `json:"notes,omitempty"`
	Version       int64     `json:"version,omitempty"`
}

// Result is a saved donor and the duplicates the check found: the likely
// ones the caller confirmed, and the possible ones to show. On a refusal
// for a likely duplicate, Duplicates lists them.
type Result struct {
	Donor      Donor       `json:"donor"`
	Duplicates []Duplicate `json:"duplicates"`
}

// keys are a donor's normalized keys.
type keys struct {
	nameKey  string
	phon     []string // phonetic name words
	phones   []keyed
	ibans    []string
	refs     []keyed
	emailKey string
	regKey   string
	addrKey  string
}

type keyed struct{ value, norm string }

// clean checks in and returns it trimmed with its keys. Field errors name
// the form's fields: kind, name, public_name, language, phones, email,
// address, reg_no, ibans, refs, notes, consent_at.
func (s *Service) clean(in Input, callingCode string, now time.Time) (Input, keys, error) {
	e := errs.E(errs.Invalid, "fund_donor.invalid")
	var k keys
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.PublicName = strings.Join(strings.Fields(in.PublicName), " ")
	in.Email = strings.TrimSpace(in.Email)
	in.Address = strings.TrimSpace(in.Address)
	in.RegNo = strings.TrimSpace(in.RegNo)
	in.Notes = strings.TrimSpace(in.Notes)
	if !slices.Contains(fund.DonorKinds, in.Kind) {
		e = e.WithField("kind", "fund_donor.kind_invalid")
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		e = e.WithField("name", "fund_donor.name_required")
	case n > maxName:
		e = e.WithField("name", "fund_donor.too_long", "max", maxName)
	}
	if utf8.RuneCountInString(in.PublicName) > maxName {
		e = e.WithField("public_name", "fund_donor.too_long", "max", maxName)
	}
	if in.ConsentPublic && in.PublicName == "" {
		in.PublicName = in.Name
	}
	if !in.ConsentAt.IsZero() && in.ConsentAt.After(now) {
		e = e.WithField("consent_at", "fund_donor.consent_future")
	}
	if in.Language == "" {
		in.Language = "ar"
	}
	if in.Language != "ar" && in.Language != "en" {
		e = e.WithField("language", "fund_donor.language_invalid")
	}
	if in.Email != "" {
		a, err := mail.ParseAddress(in.Email)
		if err != nil || a.Address != in.Email || len(in.Email) > maxEmail || !strings.Contains(in.Email[strings.LastIndexByte(in.Email, '@'):], ".") {
			e = e.WithField("email", "fund_donor.email_invalid")
		} else {
			k.emailKey = strings.ToLower(in.Email)
		}
	}
	if utf8.RuneCountInString(in.Address) > maxAddress {
		e = e.WithField("address", "fund_donor.too_long", "max", maxAddress)
	}
	if utf8.RuneCountInString(in.Notes) > maxNotes {
		e = e.WithField("notes", "fund_donor.too_long", "max", maxNotes)
	}
	if in.RegNo != "" {
		switch {
		case in.Kind != fund.DonorCompany && in.Kind != fund.DonorOrganization:
			e = e.WithField("reg_no", "fund_donor.reg_no_kind")
		case utf8.RuneCountInString(in.RegNo) > maxRegNo:
			e = e.WithField("reg_no", "fund_donor.too_long", "max", maxRegNo)
		default:
			k.regKey = refKey(in.RegNo)
		}
	}
	// Phones: as entered, keyed as the registry keys a person's phone.
	in.Phones = nonEmpty(in.Phones)
	if len(in.Phones) > maxList {
		e = e.WithField("phones", "fund_donor.too_many", "max", maxList)
	}
	for _, p := range in.Phones {
		pk := arabic.PhoneKey(p, callingCode)
		rest := strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) || strings.ContainsRune("+-() .", r) {
				return -1
			}
			return r
		}, p)
		if rest != "" || len(pk) < 7 || len(pk) > 15 {
			e = e.WithField("phones", "fund_donor.phone_invalid", "phone", p)
			continue
		}
		if !slices.ContainsFunc(k.phones, func(x keyed) bool { return x.norm == pk }) {
			k.phones = append(k.phones, keyed{p, pk})
		}
	}
	in.IBANs = nonEmpty(in.IBANs)
	if len(in.IBANs) > maxList {
		e = e.WithField("ibans", "fund_donor.too_many", "max", maxList)
	}
	var ibans []string
	for _, v := range in.IBANs {
		el, err := iban.Validate(v)
		if err != nil {
			if fe := errs.As(err); fe != nil {
				var kv []any
				for k, v := range fe.Args {
					kv = append(kv, k, v)
				}
				e = e.WithField("ibans", fe.Key, kv...)
				continue
			}
			return in, k, err
		}
		if !slices.Contains(ibans, el) {
			ibans = append(ibans, el)
		}
	}
	in.IBANs, k.ibans = ibans, ibans
	in.Refs = nonEmpty(in.Refs)
	if len(in.Refs) > maxRefs {
		e = e.WithField("refs", "fund_donor.too_many", "max", maxRefs)
	}
	for _, r := range in.Refs {
		if utf8.RuneCountInString(r) > maxRef {
			e = e.WithField("refs", "fund_donor.too_long", "max", maxRef)
			continue
		}
		rk := refKey(r)
		if rk != "" && !slices.ContainsFunc(k.refs, func(x keyed) bool { return x.norm == rk }) {
			k.refs = append(k.refs, keyed{r, rk})
		}
	}
	if len(e.Fields) > 0 {
		return in, k, e
	}
	k.nameKey = arabic.NameKey(in.Name)
	k.phon = nameWords(in.Name)
	k.addrKey = arabic.Normalize(in.Address)
	return in, k, nil
}

// nameWords are the distinct phonetic words of a name: the dedup engine's
// blocking key (arabic.Phonetic), so that محمد and محمود, or a Latin and
// an Arabic spelling, meet as candidates.
func nameWords(name string) []string {
	var out []string
	for _, w := range strings.Fields(arabic.Phonetic(name)) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// refKey is a reference or registration number as matched: ASCII digits,
// upper case, without spaces, dashes, dots or slashes.
func refKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == '\u00a0':
			return -1
		}
		return unicode.ToUpper(r)
	}, arabic.Digits(strings.TrimSpace(s)))
}

func nonEmpty(list []string) []string {
	var out []string
	for _, v := range list {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

// lockKey names the lock that serializes a member's donor writes from the
// duplicate check to the commit.
func lockKey(member int64) int64 { return 0x646f6e6f72<<20 ^ member } // "donor"

type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

const donorCols = `id, member_id, kind, name, name_key, public_name, consent_public, consent_at, consent_withdrawn_at, language, email, address, reg_no, notes,
	COALESCE(merged_into, 0), merged_at, merge_reason, version, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanDonor(r scanner) (Donor, error) {
	var d Donor
	var consentAt, withdrawnAt, mergedAt sql.NullTime
	err := r.Scan(&d.ID, &d.MemberID, &d.Kind, &d.Name, &d.NameKey, &d.PublicName, &d.ConsentPublic, &consentAt, &withdrawnAt, &d.Language,
		&d.Email, &d.Address, &d.RegNo, &d.Notes, &d.MergedInto, &mergedAt, &d.MergeReason, &d.Version, &d.CreatedAt, &d.UpdatedAt)
	d.ConsentAt, d.ConsentWithdrawnAt, d.MergedAt = consentAt.Time.UTC(), withdrawnAt.Time.UTC(), mergedAt.Time.UTC()
	if !consentAt.Valid {
		d.ConsentAt = time.Time{}
	}
	if !withdrawnAt.Valid {
		d.ConsentWithdrawnAt = time.Time{}
	}
	if !mergedAt.Valid {
		d.MergedAt = time.Time{}
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	d.Phones, d.IBANs, d.Refs = []string{}, []string{}, []string{}
	return d, err
}

// load reads donor id of any member, with its keys; NotFound when there
// is none.
func (s *Service) load(ctx context.Context, q querier, donorID int64) (Donor, error) {
	d, err := scanDonor(q.QueryRow(ctx, `SELECT `+donorCols+` FROM fund_donors WHERE id = ?`, donorID))
	if errors.Is(err, sql.ErrNoRows) {
		return Donor{}, errs.E(errs.NotFound, "fund_donor.not_found")
	}
	if err != nil {
		return Donor{}, errs.Wrapf(err, "donor: read %d", donorID)
	}
	rows, err := q.Query(ctx, `SELECT kind, value FROM fund_donor_keys WHERE donor_id = ? AND kind <> 'name' ORDER BY kind, value`, donorID)
	if err != nil {
		return Donor{}, errs.Wrapf(err, "donor: read %d keys", donorID)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, v string
		if err := rows.Scan(&kind, &v); err != nil {
			return Donor{}, errs.Wrapf(err, "donor: read %d keys", donorID)
		}
		switch kind {
		case "phone":
			d.Phones = append(d.Phones, v)
		case "iban":
			d.IBANs = append(d.IBANs, v)
		case "ref":
			d.Refs = append(d.Refs, v)
		}
	}
	return d, rows.Err()
}

// Get returns donor id. A merged donor's id gives the donor it was merged
// into (at the end of the chain), with Merged naming the one asked for.
func (s *Service) Get(ctx context.Context, donorID int64) (Donor, error) {
	d, err := s.load(ctx, s.db, donorID)
	if err != nil {
		return Donor{}, err
	}
	if err := auth.RequireMember(ctx, auth.FundRead, d.MemberID); err != nil {
		return Donor{}, errs.E(errs.NotFound, "fund_donor.not_found")
	}
	if d.MergedInto == 0 {
		return d, nil
	}
	note := &MergeNote{From: d.ID, At: d.MergedAt, Reason: d.MergeReason}
	for range 20 {
		if d.MergedInto == 0 {
			d.Merged = note
			return d, nil
		}
		if d, err = s.load(ctx, s.db, d.MergedInto); err != nil {
			return Donor{}, err
		}
	}
	return Donor{}, errs.E(errs.Internal, "fund_donor.merge_loop")
}

// Exact returns donor id itself, even when it was merged (the merge
// form's preview, the audit).
func (s *Service) Exact(ctx context.Context, donorID int64) (Donor, error) {
	d, err := s.load(ctx, s.db, donorID)
	if err != nil {
		return Donor{}, err
	}
	if err := auth.RequireMember(ctx, auth.FundRead, d.MemberID); err != nil {
		return Donor{}, errs.E(errs.NotFound, "fund_donor.not_found")
	}
	return d, nil
}

// Donor returns donor id of member as the fund's other packages see it:
// a merged donor's ref has MergedInto naming the live donor at the end of
// its chain. It implements fund.Donors.
func (s *Service) Donor(ctx context.Context, memberID, donorID int64) (fund.DonorRef, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return fund.DonorRef{}, err
	}
	d, err := s.load(ctx, s.db, donorID)
	if err != nil {
		return fund.DonorRef{}, err
	}
	if d.MemberID != memberID {
		return fund.DonorRef{}, errs.E(errs.NotFound, "fund_donor.not_found")
	}
	ref := d.Ref()
	if d.MergedInto != 0 {
		live, err := s.Get(ctx, donorID)
		if err != nil {
			return fund.DonorRef{}, err
		}
		ref.MergedInto = live.ID
	}
	return ref, nil
}

// callingCode returns the member's calling code ("962"), for phone keys.
func (s *Service) callingCode(ctx context.Context, memberID int64) (string, error) {
	m, err := s.members.ByID(ctx, memberID)
	if err != nil {
		return "", err
	}
	return m.CallingCode, nil
}

// Create records a new donor of in.MemberID after the duplicate check. A
// likely duplicate refuses it (errs.Conflict, with the duplicates in the
// result) unless confirm is set; possible ones are returned.
func (s *Service) Create(ctx context.Context, in Input, confirm bool) (Result, error) {
	if err := auth.RequireMember(ctx, auth.FundWrite, in.MemberID); err != nil {
		return Result{}, err
	}
	cc, err := s.callingCode(ctx, in.MemberID)
	if err != nil {
		return Result{}, err
	}
	now := s.now().UTC()
	in, k, err := s.clean(in, cc, now)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res = Result{}
		if err := tx.LockKey(ctx, lockKey(in.MemberID)); err != nil {
			return err
		}
		dups, err := s.duplicates(ctx, tx, in.MemberID, 0, k)
		if err != nil {
			return err
		}
		res.Duplicates = dups
		if err := refuseLikely(dups, confirm); err != nil {
			return err
		}
		var consentAt any
		if in.ConsentPublic {
			consentAt = now
			if !in.ConsentAt.IsZero() {
				consentAt = in.ConsentAt.UTC()
			}
		}
		var uid any
		if u := actor.From(ctx).UserID; u != 0 {
			uid = u
		}
		newID, err := tx.InsertID(ctx, `INSERT INTO fund_donors (member_id, kind, name, name_key, public_name, consent_public, consent_at, language, email, email_key, address,
			reg_no, reg_key, notes, version, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			in.MemberID, in.Kind, in.Name, k.nameKey, in.PublicName, in.ConsentPublic, consentAt, in.Language, in.Email, k.emailKey, in.Address,
			in.RegNo, k.regKey, in.Notes, uid, now, now)
		if err != nil {
			return errs.Wrapf(err, "donor: create")
		}
		if err := writeKeys(ctx, tx, in.MemberID, newID, k); err != nil {
			return err
		}
		if res.Donor, err = s.load(ctx, tx, newID); err != nil {
			return err
		}
		entries := []audit.Entry{{MemberID: in.MemberID, Action: "fund_donor.create", EntityType: "fund_donor", EntityID: id(newID), State: res.Donor}}
		if c := confirmed(dups); c != nil {
			entries = append(entries, audit.Entry{MemberID: in.MemberID, Action: "fund_donor.duplicate_confirmed", EntityType: "fund_donor", EntityID: id(newID),
				State: map[string]any{"donor": newID, "duplicates": c}})
		}
		return audit.Append(ctx, tx, entries...)
	})
	return res, err
}

// Update changes donor donorID to in, if its version is still in.Version.
// The duplicate check runs as for Create, against the other donors. A
// merged donor cannot be edited.
func (s *Service) Update(ctx context.Context, donorID int64, in Input, confirm bool) (Result, error) {
	cur, err := s.load(ctx, s.db, donorID)
	if err != nil {
		return Result{}, err
	}
	if err := auth.RequireMember(ctx, auth.FundWrite, cur.MemberID); err != nil {
		return Result{}, err
	}
	in.MemberID = cur.MemberID
	cc, err := s.callingCode(ctx, cur.MemberID)
	if err != nil {
		return Result{}, err
	}
	now := s.now().UTC()
	in, k, err := s.clean(in, cc, now)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res = Result{}
		if err := tx.LockKey(ctx, lockKey(cur.MemberID)); err != nil {
			return err
		}
		old, err := s.load(ctx, tx, donorID)
		if err != nil {
			return err
		}
		if old.MergedInto != 0 {
			return errs.E(errs.Conflict, "fund_donor.merged_readonly", "into", old.MergedInto)
		}
		if old.Version != in.Version {
			return errs.E(errs.Conflict, "fund_donor.stale")
		}
		dups, err := s.duplicates(ctx, tx, cur.MemberID, donorID, k)
		if err != nil {
			return err
		}
		res.Duplicates = dups
		if err := refuseLikely(dups, confirm); err != nil {
			return err
		}
		// Consent: given now when it was not, withdrawn now when it was.
		consentAt, withdrawnAt := nullTime(old.ConsentAt), nullTime(old.ConsentWithdrawnAt)
		switch {
		case in.ConsentPublic && !old.ConsentPublic:
			consentAt, withdrawnAt = now, nil
			if !in.ConsentAt.IsZero() {
				consentAt = in.ConsentAt.UTC()
			}
		case !in.ConsentPublic && old.ConsentPublic:
			withdrawnAt = now
		}
		r, err := tx.Exec(ctx, `UPDATE fund_donors SET kind = ?, name = ?, name_key = ?, public_name = ?, consent_public = ?, consent_at = ?, consent_withdrawn_at = ?,
			language = ?, email = ?, email_key = ?, address = ?, reg_no = ?, reg_key = ?, notes = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND merged_into IS NULL`,
			in.Kind, in.Name, k.nameKey, in.PublicName, in.ConsentPublic, consentAt, withdrawnAt, in.Language, in.Email, k.emailKey, in.Address,
			in.RegNo, k.regKey, in.Notes, now, donorID, in.Version)
		if err != nil {
			return errs.Wrapf(err, "donor: update %d", donorID)
		}
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			return errs.E(errs.Conflict, "fund_donor.stale")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM fund_donor_keys WHERE donor_id = ?`, donorID); err != nil {
			return errs.Wrapf(err, "donor: update %d keys", donorID)
		}
		if err := writeKeys(ctx, tx, cur.MemberID, donorID, k); err != nil {
			return err
		}
		if res.Donor, err = s.load(ctx, tx, donorID); err != nil {
			return err
		}
		entries := []audit.Entry{{MemberID: cur.MemberID, Action: "fund_donor.update", EntityType: "fund_donor", EntityID: id(donorID), State: res.Donor}}
		if old.ConsentPublic != in.ConsentPublic {
			action := "fund_donor.consent_given"
			if !in.ConsentPublic {
				action = "fund_donor.consent_withdrawn"
			}
			entries = append(entries, audit.Entry{MemberID: cur.MemberID, Action: action, EntityType: "fund_donor", EntityID: id(donorID),
				State: map[string]any{"donor": donorID, "public_name": in.PublicName}})
		}
		if c := confirmed(dups); c != nil {
			entries = append(entries, audit.Entry{MemberID: cur.MemberID, Action: "fund_donor.duplicate_confirmed", EntityType: "fund_donor", EntityID: id(donorID),
				State: map[string]any{"donor": donorID, "duplicates": c}})
		}
		return audit.Append(ctx, tx, entries...)
	})
	return res, err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// writeKeys writes a donor's phones, IBANs, references and name words.
func writeKeys(ctx context.Context, tx *db.Tx, memberID, donorID int64, k keys) error {
	var rows [][]any
	add := func(kind, norm, value string) { rows = append(rows, []any{donorID, memberID, kind, norm, value}) }
	for _, p := range k.phones {
		add("phone", p.norm, p.value)
	}
	for _, v := range k.ibans {
		add("iban", v, v)
	}
	for _, r := range k.refs {
		add("ref", r.norm, r.value)
	}
	for _, w := range k.phon {
		add("name", w, "")
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.Insert(ctx, "fund_donor_keys", []string{"donor_id", "member_id", "kind", "norm", "value"}, db.RowsOf(rows)); err != nil {
		return errs.Wrapf(err, "donor: keys of %d", donorID)
	}
	return nil
}
