package volunteer

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Volunteer is a person who gives their time.
type Volunteer struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone"` // international digits, no "+"
	Email     string    `json:"email,omitempty"`
	Areas     []string  `json:"areas"`
	Skills    []string  `json:"skills"`
	Languages []string  `json:"languages"`
	Days      []string  `json:"days"`
	Times     []string  `json:"times"`
	Lang      string    `json:"lang"`
	Status    string    `json:"status"`
	Source    string    `json:"source"` // portal or staff
	Note      string    `json:"note,omitempty"`
	Version   int64     `json:"version"`
	ConsentAt time.Time `json:"consent_at"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Minutes   int64     `json:"minutes"` // confirmed hours, in minutes
}

// Profile is what a volunteer tells about themselves.
type Profile struct {
	MemberID  int64    `json:"-"`
	Name      string   `json:"name"`
	Phone     string   `json:"phone"`
	Email     string   `json:"email,omitempty"`
	Areas     []string `json:"areas,omitempty"`
	Skills    []string `json:"skills,omitempty"`
	Languages []string `json:"languages,omitempty"`
	Days      []string `json:"days,omitempty"`
	Times     []string `json:"times,omitempty"`
	Lang      string   `json:"lang,omitempty"` // the language of messages: ar or en
	Consent   bool     `json:"consent"`        // agreed to the terms
	Note      string   `json:"note,omitempty"` // staff only

	// The portal form only.
	IP              string `json:"-"` // the sender's address, for the rate limit
	ChallengeToken  string `json:"challenge_token,omitempty"`
	ChallengeAnswer string `json:"challenge_answer,omitempty"`
}

// SignUpResult is what the portal shows after a sign-up: the personal link's
// secret, shown once, and whether an earlier pending sign-up with the same
// phone was updated instead of a new one made.
type SignUpResult struct {
	ID     int64  `json:"id"`
	Token  string `json:"token"`
	Merged bool   `json:"merged"`
	Status string `json:"status"`
}

// validate checks a profile and normalizes its phone with the member's
// calling code.
func (s *Service) validate(ctx context.Context, p *Profile) error {
	p.Name = strings.Join(strings.Fields(p.Name), " ")
	p.Email = strings.TrimSpace(p.Email)
	p.Note = strings.TrimSpace(p.Note)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if p.MemberID <= 0 {
		e.WithField("member", "volunteer.member_required")
	}
	switch {
	case p.Name == "":
		e.WithField("name", "volunteer.name_required")
	case runes(p.Name) > maxName:
		e.WithField("name", "volunteer.too_long", "max", maxName)
	}
	raw := strings.TrimSpace(p.Phone)
	calling, known := "", false
	if p.MemberID > 0 {
		m, err := s.members.ByID(actor.System(ctx), p.MemberID)
		if err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				e.WithField("member", "volunteer.member_required")
			} else {
				return err
			}
		}
		calling, known = m.CallingCode, err == nil
	}
	p.Phone = arabic.PhoneKey(raw, calling)
	if runes(raw) > 40 || len(p.Phone) < 7 || len(p.Phone) > 15 {
		e.WithField("phone", "volunteer.phone_invalid")
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || runes(p.Email) > maxEmail {
			e.WithField("email", "volunteer.email_invalid")
		}
	}
	p.Areas = codes(e, "areas", p.Areas, nil)
	p.Skills = codes(e, "skills", p.Skills, Skills)
	p.Languages = codes(e, "languages", p.Languages, Languages)
	p.Days = codes(e, "days", p.Days, Days)
	p.Times = codes(e, "times", p.Times, Times)
	if p.Lang != "en" {
		p.Lang = "ar"
	}
	if runes(p.Note) > maxText {
		e.WithField("note", "volunteer.too_long", "max", maxText)
	}
	if !p.Consent {
		e.WithField("consent", "volunteer.consent_required")
	}
	if known {
		if err := s.checkAreas(ctx, e, "areas", p.MemberID, p.Areas); err != nil {
			return err
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// SignUp records a sign-up from the portal, after the challenge. A sign-up
// with the phone of a pending volunteer of the same member updates that
// record (Merged) and gives a new personal link, the old one stopping; one
// with the phone of an approved or inactive volunteer is refused, naming
// the coordinator, so that nobody can change an approved volunteer's
// record from the public form.
func (s *Service) SignUp(ctx context.Context, p Profile) (SignUpResult, error) {
	if s.o.Challenges == nil {
		return SignUpResult{}, errs.E(errs.Invalid, "volunteer.signup_closed")
	}
	if p.IP != "" && !s.limit.Allow(p.IP) {
		return SignUpResult{}, errs.E(errs.TooMany, "volunteer.too_many_signups")
	}
	if err := s.o.Challenges.Verify(p.ChallengeToken, p.ChallengeAnswer); err != nil {
		return SignUpResult{}, err
	}
	if err := s.validate(ctx, &p); err != nil {
		return SignUpResult{}, err
	}
	p.Note = ""
	return s.save(ctx, p, "portal", Pending)
}

// Register adds a volunteer as a coordinator (volunteer.manage), active at
// once; the same phone of the member is refused as a duplicate naming the
// existing volunteer, unless that one is pending, which is then updated
// and approved.
func (s *Service) Register(ctx context.Context, p Profile) (SignUpResult, error) {
	if err := auth.RequireMember(ctx, auth.VolunteerManage, p.MemberID); err != nil {
		return SignUpResult{}, err
	}
	p.Consent = true // the coordinator records the consent given to them
	if err := s.validate(ctx, &p); err != nil {
		return SignUpResult{}, err
	}
	return s.save(ctx, p, "staff", Active)
}

func (s *Service) save(ctx context.Context, p Profile, source, status string) (SignUpResult, error) {
	var res SignUpResult
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		res = SignUpResult{}
		now := s.now()
		token, hash := newSecret()
		var id, version int64
		var st string
		err := tx.QueryRow(ctx, `SELECT id, status, version FROM volunteers WHERE member_id = ? AND phone = ?`, p.MemberID, p.Phone).Scan(&id, &st, &version)
		switch {
		case noRows(err):
			id, err = tx.InsertID(ctx, `INSERT INTO volunteers (member_id, name, phone, email, areas, skills, languages, days, times, lang, status, token_hash, consent_at, source, note, version, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
				p.MemberID, p.Name, p.Phone, p.Email, joinCodes(p.Areas), joinCodes(p.Skills), joinCodes(p.Languages), joinCodes(p.Days), joinCodes(p.Times), p.Lang, status, hash, now, source, p.Note, now, now)
			if db.IsUnique(err) {
				return errs.E(errs.Conflict, "volunteer.duplicate_phone")
			}
			if err != nil {
				return errs.Wrapf(err, "volunteer: sign up")
			}
			res = SignUpResult{ID: id, Token: token, Status: status}
			action := "volunteer.signup"
			if source == "staff" {
				action = "volunteer.register"
			}
			return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: action,
				EntityType: "volunteer", EntityID: idStr(id), State: map[string]any{"status": status, "source": source, "skills": p.Skills, "areas": p.Areas}})
		case err != nil:
			return errs.Wrapf(err, "volunteer: sign up")
		case st != Pending:
			if source == "staff" {
				return errs.E(errs.Conflict, "volunteer.duplicate_staff", "id", id).WithField("phone", "volunteer.duplicate_staff", "id", id)
			}
			return errs.E(errs.Conflict, "volunteer.already_registered").WithField("phone", "volunteer.already_registered")
		}
		// A pending sign-up with the same phone: the newer one replaces it.
		r, err := tx.Exec(ctx, `UPDATE volunteers SET name = ?, email = ?, areas = ?, skills = ?, languages = ?, days = ?, times = ?, lang = ?, status = ?, token_hash = ?, consent_at = ?, note = CASE WHEN ? = '' THEN note ELSE ? END, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND status = 'pending'`,
			p.Name, p.Email, joinCodes(p.Areas), joinCodes(p.Skills), joinCodes(p.Languages), joinCodes(p.Days), joinCodes(p.Times), p.Lang, status, hash, now, p.Note, p.Note, now, id, version)
		if err != nil {
			return errs.Wrapf(err, "volunteer: merge sign-up %d", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "volunteer.changed")
		}
		res = SignUpResult{ID: id, Token: token, Merged: true, Status: status}
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "volunteer.merge", EntityType: "volunteer", EntityID: idStr(id),
			State: map[string]any{"status": status, "source": source, "skills": p.Skills, "areas": p.Areas}})
	})
	return res, err
}

const volunteerCols = `v.id, v.member_id, v.name, v.phone, v.email, v.areas, v.skills, v.languages, v.days, v.times, v.lang, v.status, v.source, v.note, v.version, v.consent_at, v.created_at, v.updated_at,
	COALESCE((SELECT SUM(g.minutes) FROM volunteer_signups g WHERE g.volunteer_id = v.id AND g.attendance = 'present'), 0)`

type scanner interface{ Scan(...any) error }

func scanVolunteer(r scanner) (Volunteer, error) {
	var v Volunteer
	var areas, skills, langs, days, times string
	err := r.Scan(&v.ID, &v.MemberID, &v.Name, &v.Phone, &v.Email, &areas, &skills, &langs, &days, &times, &v.Lang, &v.Status, &v.Source, &v.Note, &v.Version, &v.ConsentAt, &v.CreatedAt, &v.UpdatedAt, &v.Minutes)
	v.Areas, v.Skills, v.Languages, v.Days, v.Times = splitCodes(areas), splitCodes(skills), splitCodes(langs), splitCodes(days), splitCodes(times)
	return v, err
}

func (s *Service) load(ctx context.Context, q querier, id int64) (Volunteer, error) {
	v, err := scanVolunteer(q.QueryRow(ctx, `SELECT `+volunteerCols+` FROM volunteers v WHERE v.id = ?`, id))
	if noRows(err) {
		return v, notFound("volunteer.not_found")
	}
	return v, errs.Wrapf(err, "volunteer: %d", id)
}

// Get returns volunteer id (volunteer.read in its member).
func (s *Service) Get(ctx context.Context, id int64) (Volunteer, error) {
	v, err := s.load(ctx, s.db, id)
	if err != nil {
		return v, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerRead, v.MemberID); err != nil {
		return Volunteer{}, err
	}
	return v, nil
}

// ByToken returns the volunteer whose personal link has secret token; an
// unknown secret is not found.
func (s *Service) ByToken(ctx context.Context, token string) (Volunteer, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 100 {
		return Volunteer{}, notFound("volunteer.link_invalid")
	}
	v, err := scanVolunteer(s.db.QueryRow(ctx, `SELECT `+volunteerCols+` FROM volunteers v WHERE v.token_hash = ?`, hashSecret(token)))
	if noRows(err) {
		return v, notFound("volunteer.link_invalid")
	}
	return v, errs.Wrapf(err, "volunteer: by link")
}

// Filter narrows a list of volunteers.
type Filter struct {
	MemberID int64
	Status   string
	Skill    string
	Area     string
	Query    string // part of the name or phone
	AfterID  int64  // paging: ids after this one
	Limit    int    // at most maxPage; 0 for maxPage
}

// List returns volunteers of f.MemberID by id (volunteer.read).
func (s *Service) List(ctx context.Context, f Filter) ([]Volunteer, error) {
	var out []Volunteer
	err := s.Each(ctx, f, func(v Volunteer) error { out = append(out, v); return nil })
	return out, err
}

// Each streams the volunteers of f (volunteer.read), for lists and exports.
func (s *Service) Each(ctx context.Context, f Filter, fn func(Volunteer) error) error {
	if err := auth.RequireMember(ctx, auth.VolunteerRead, f.MemberID); err != nil {
		return err
	}
	q := `SELECT ` + volunteerCols + ` FROM volunteers v WHERE v.member_id = ? AND v.id > ?`
	args := []any{f.MemberID, f.AfterID}
	if f.Status != "" {
		q += ` AND v.status = ?`
		args = append(args, f.Status)
	}
	if f.Skill = strings.TrimSpace(f.Skill); f.Skill != "" {
		q += ` AND v.skills LIKE ?`
		args = append(args, "% "+strings.ReplaceAll(f.Skill, "%", "")+" %")
	}
	if f.Area = strings.TrimSpace(f.Area); f.Area != "" {
		// A volunteer of the area, of an area in it, or of an area it is
		// in (who offered the whole governorate serves its districts).
		near, err := s.nearAreas(ctx, f.MemberID, f.Area)
		if err != nil {
			return err
		}
		ors := make([]string, len(near))
		for i, c := range near {
			ors[i] = `v.areas LIKE ?`
			args = append(args, "% "+strings.ReplaceAll(c, "%", "")+" %")
		}
		q += ` AND (` + strings.Join(ors, " OR ") + `)`
	}
	if f.Query = strings.TrimSpace(f.Query); f.Query != "" {
		like := "%" + strings.ReplaceAll(arabic.Digits(f.Query), "%", "") + "%"
		q += ` AND (v.name LIKE ? OR v.phone LIKE ?)`
		args = append(args, like, like)
	}
	q += ` ORDER BY v.id`
	if f.Limit > 0 {
		q += ` LIMIT ` + idStr(int64(min(f.Limit, 1_000_000)))
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return errs.Wrapf(err, "volunteer: list")
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVolunteer(rows)
		if err != nil {
			return errs.Wrapf(err, "volunteer: list")
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return errs.Wrapf(rows.Err(), "volunteer: list")
}

// SetStatus approves, deactivates or reactivates volunteer id
// (volunteer.manage). version is the one read; a volunteer changed since
// is a conflict. Setting a volunteer inactive leaves their bookings: the
// coordinator cancels them on the roster.
func (s *Service) SetStatus(ctx context.Context, id int64, status string, version int64) (Volunteer, error) {
	v, err := s.load(ctx, s.db, id)
	if err != nil {
		return v, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, v.MemberID); err != nil {
		return Volunteer{}, err
	}
	if !slices.Contains(Statuses, status) || status == Pending {
		return Volunteer{}, errs.E(errs.Invalid, "error.invalid_input").WithField("status", "volunteer.status_invalid")
	}
	if status == v.Status {
		return v, nil
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE volunteers SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND status = ?`,
			status, s.now(), id, version, v.Status)
		if err != nil {
			return errs.Wrapf(err, "volunteer: status %d", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "volunteer.changed")
		}
		action := "volunteer.status." + status // named in full in the catalogs
		return audit.Append(ctx, tx, audit.Entry{MemberID: v.MemberID, Action: action, EntityType: "volunteer", EntityID: idStr(id),
			State: map[string]any{"from": v.Status, "to": status}})
	})
	if err != nil {
		return Volunteer{}, err
	}
	return s.load(ctx, s.db, id)
}

// NewLink gives volunteer id a new personal link (volunteer.manage) and
// returns its secret, shown once; the old link stops working.
func (s *Service) NewLink(ctx context.Context, id int64) (string, error) {
	v, err := s.load(ctx, s.db, id)
	if err != nil {
		return "", err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, v.MemberID); err != nil {
		return "", err
	}
	token, hash := newSecret()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE volunteers SET token_hash = ?, updated_at = ? WHERE id = ?`, hash, s.now(), id); err != nil {
			return errs.Wrapf(err, "volunteer: link %d", id)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: v.MemberID, Action: "volunteer.link", EntityType: "volunteer", EntityID: idStr(id), State: map[string]any{"link": "renewed"}})
	})
	return token, err
}

// nearAreas returns code, the areas under it and the areas above it, of
// member's areas (at most maxNear); an unknown code is itself alone.
func (s *Service) nearAreas(ctx context.Context, memberID int64, code string) ([]string, error) {
	const maxNear = 500
	as, err := s.members.AreasOf(ctx, memberID)
	if err != nil {
		return nil, err
	}
	parent := map[string]string{}
	for _, a := range as {
		parent[a.Code] = a.ParentCode
	}
	out := []string{code}
	for c := parent[code]; c != "" && len(out) < 10; c = parent[c] {
		out = append(out, c)
	}
	for _, a := range as {
		if len(out) >= maxNear {
			break
		}
		for c := a.ParentCode; c != ""; c = parent[c] {
			if c == code {
				out = append(out, a.Code)
				break
			}
		}
	}
	return out, nil
}

// Update changes volunteer id's details as a coordinator (volunteer.manage);
// version is the one read. The phone stays unique within the member.
func (s *Service) Update(ctx context.Context, id int64, p Profile, version int64) (Volunteer, error) {
	v, err := s.load(ctx, s.db, id)
	if err != nil {
		return v, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, v.MemberID); err != nil {
		return Volunteer{}, err
	}
	p.MemberID, p.Consent = v.MemberID, true
	if err := s.validate(ctx, &p); err != nil {
		return Volunteer{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE volunteers SET name = ?, phone = ?, email = ?, areas = ?, skills = ?, languages = ?, days = ?, times = ?, lang = ?, note = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			p.Name, p.Phone, p.Email, joinCodes(p.Areas), joinCodes(p.Skills), joinCodes(p.Languages), joinCodes(p.Days), joinCodes(p.Times), p.Lang, p.Note, s.now(), id, version)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "volunteer.duplicate_phone").WithField("phone", "volunteer.duplicate_phone")
		}
		if err != nil {
			return errs.Wrapf(err, "volunteer: update %d", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "volunteer.changed")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: v.MemberID, Action: "volunteer.update", EntityType: "volunteer", EntityID: idStr(id),
			State: map[string]any{"skills": p.Skills, "areas": p.Areas, "languages": p.Languages}})
	})
	if err != nil {
		return Volunteer{}, err
	}
	return s.load(ctx, s.db, id)
}
