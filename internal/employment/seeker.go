package employment

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// Seeker statuses: only active seekers are matched.
const (
	Active   = "active"
	Inactive = "inactive"
)

// Seeker is a job seeker: a registry person of the member looking for
// work.
type Seeker struct {
	ID          int64  `json:"id"`
	MemberID    int64  `json:"member_id"`
	PersonID    int64  `json:"person_id"`
	HouseholdID int64  `json:"household_id"`
	Name        string `json:"name"` // the registry name when the profile was last saved
	Sex         string `json:"sex,omitempty"`
	BirthDate   string `json:"birth_date,omitempty"`
	Disability  bool   `json:"disability"`
	SeekerInput
	ConsentBy int64      `json:"consent_by,omitempty"`
	ConsentAt *time.Time `json:"consent_at,omitempty"`
	Status    string     `json:"status"`
	Version   int64      `json:"version"`
	CreatedBy int64      `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// SeekerInput is what a case worker or officer records of a seeker.
type SeekerInput struct {
	PersonID int64 `json:"person_id,omitempty"`
	// Skills are codes of the member's skills list.
	Skills []string `json:"skills"`
	// Education is a registry education code; empty takes the person's.
	Education        string   `json:"education"`
	ExperienceMonths int      `json:"experience_months"`
	Experience       string   `json:"experience,omitempty"` // in the seeker's words
	Languages        []string `json:"languages"`
	// Accommodations are codes of Accommodations; nil (not an empty list)
	// takes those SuggestAccommodations reads in the person's answers.
	Accommodations    []string `json:"accommodations"`
	AccommodationNote string   `json:"accommodation_note,omitempty"` // the person's own words
	Areas             []string `json:"areas"`                        // member area codes, where the seeker lives first
	Hours             string   `json:"hours"`                        // full, part, any
	Consent           bool     `json:"consent"`                      // to share the profile with employers
}

// SuggestAccommodations reads what p may need at work in p's Washington
// Group answers (a lot of difficulty or cannot do at all): walking ⇒
// step-free access, an accessible toilet and transport; seeing ⇒ a screen
// reader and adapted tools; hearing ⇒ sign language; remembering ⇒ a
// quiet space and flexible hours; self-care ⇒ an accessible toilet and
// flexible hours; communicating ⇒ a quiet space and sign language.
func SuggestAccommodations(p registry.Person) []string {
	need := [6][]string{
		{"screen_reader", "adapted_tools"},
		{"sign_language"},
		{"step_free", "accessible_toilet", "transport"},
		{"quiet_space", "flexible_hours"},
		{"accessible_toilet", "flexible_hours"},
		{"quiet_space", "sign_language"},
	}
	out := []string{}
	for i, d := range p.Disability {
		if d >= 3 {
			for _, c := range need[i] {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	// In the list's order.
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Accommodations, a) - slices.Index(Accommodations, b) })
	return out
}

// person reads the registry person id of memberID, as the system (the
// caller checked the actor's employment permission); a person of another
// member, or merged into another record, is not found.
func (s *Service) person(ctx context.Context, memberID, id int64) (registry.Person, error) {
	if s.o.Registry == nil {
		return registry.Person{}, errs.E(errs.Invalid, "employment.registry_unavailable")
	}
	p, err := s.o.Registry.Person(actor.System(ctx), id)
	if errs.CodeOf(err) == errs.NotFound || (err == nil && (p.MemberID != memberID || p.MergedInto != 0)) {
		return registry.Person{}, errs.E(errs.NotFound, "employment.person_not_found").WithField("person_id", "employment.person_not_found")
	}
	return p, err
}

func (s *Service) checkSeeker(ctx context.Context, memberID int64, in *SeekerInput) error {
	e := errs.E(errs.Invalid, "error.invalid_input")
	skills, err := s.skillSet(ctx, memberID)
	if err != nil {
		return err
	}
	in.Skills = codes(e, "skills", 0, in.Skills, skills)
	in.Languages = codes(e, "languages", 0, in.Languages, in_(Languages))
	if in.Accommodations != nil {
		in.Accommodations = codes(e, "accommodations", 0, in.Accommodations, in_(Accommodations))
	}
	areas, err := s.areaMap(ctx, memberID)
	if err != nil {
		return err
	}
	in.Areas = codes(e, "areas", 0, in.Areas, func(c string) bool { _, ok := areas[c]; return ok })
	in.Education = strings.TrimSpace(in.Education)
	if in.Education != "" {
		if c, ok := registry.Educations.Lookup(in.Education); ok {
			in.Education = c
		} else {
			e.WithField("education", "employment.education_invalid")
		}
	}
	if in.ExperienceMonths < 0 || in.ExperienceMonths > maxMonths {
		e.WithField("experience_months", "employment.months_range", "max", maxMonths)
	}
	in.Experience = strings.TrimSpace(in.Experience)
	in.AccommodationNote = strings.TrimSpace(in.AccommodationNote)
	if runes(in.Experience) > maxText {
		e.WithField("experience", "employment.too_long", "max", maxText)
	}
	if runes(in.AccommodationNote) > maxShort {
		e.WithField("accommodation_note", "employment.too_long", "max", maxShort)
	}
	if in.Hours == "" {
		in.Hours = "any"
	}
	if !slices.Contains(SeekerHours, in.Hours) {
		e.WithField("hours", "employment.hours_invalid")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

func in_(list []string) func(string) bool { return in(list) }

// CreateSeeker registers registry person in.PersonID of memberID as a job
// seeker (employment.apply). A person is a seeker once per member.
func (s *Service) CreateSeeker(ctx context.Context, memberID int64, in SeekerInput) (Seeker, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentApply, memberID); err != nil {
		return Seeker{}, err
	}
	p, err := s.person(ctx, memberID, in.PersonID)
	if err != nil {
		return Seeker{}, err
	}
	if in.Education == "" {
		in.Education = p.Education
	}
	if in.Accommodations == nil {
		in.Accommodations = SuggestAccommodations(p)
	}
	if err := s.checkSeeker(ctx, memberID, &in); err != nil {
		return Seeker{}, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var dup int64
		if err := tx.QueryRow(ctx, `SELECT id FROM employment_seekers WHERE member_id = ? AND person_id = ?`, memberID, p.ID).Scan(&dup); err == nil {
			return errs.E(errs.Conflict, "employment.seeker_exists", "id", dup).WithField("person_id", "employment.seeker_exists", "id", dup)
		} else if !noRows(err) {
			return err
		}
		now := s.now()
		var consentAt any
		var consentBy int64
		if in.Consent {
			consentAt, consentBy = now, actorID(ctx)
		}
		id, err = tx.InsertID(ctx, `INSERT INTO employment_seekers (member_id, person_id, household_id, name, sex, birth_date, disability, skills, education, experience_months, experience,
			languages, accommodations, accommodation_note, areas, hours, consent, consent_by, consent_at, status, version, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 1, ?, ?, ?) RETURNING id`,
			memberID, p.ID, p.HouseholdID, p.FullName(), p.Sex, p.BirthDate, b2i(p.Disabled()), joinCodes(in.Skills), in.Education, in.ExperienceMonths, in.Experience,
			joinCodes(in.Languages), joinCodes(in.Accommodations), in.AccommodationNote, joinCodes(in.Areas), in.Hours, b2i(in.Consent), consentBy, consentAt, actorID(ctx), now, now)
		if err != nil {
			return errs.Wrapf(err, "employment: seeker")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "employment.seeker_create", EntityType: "employment_seeker", EntityID: idStr(id), State: in})
	})
	if err != nil {
		return Seeker{}, err
	}
	s.changed(memberID)
	return s.seeker(ctx, s.db, id)
}

// UpdateSeeker changes seeker id's profile, at version (employment.apply).
// Giving consent records who and when; taking it back clears them.
func (s *Service) UpdateSeeker(ctx context.Context, id, version int64, in SeekerInput) (Seeker, error) {
	old, err := s.seeker(ctx, s.db, id)
	if err != nil {
		return Seeker{}, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentApply, old.MemberID); err != nil {
		return Seeker{}, err
	}
	p, err := s.person(ctx, old.MemberID, old.PersonID)
	if err != nil {
		return Seeker{}, err
	}
	if in.Education == "" {
		in.Education = p.Education
	}
	if in.Accommodations == nil {
		in.Accommodations = old.Accommodations
	}
	if err := s.checkSeeker(ctx, old.MemberID, &in); err != nil {
		return Seeker{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		consentAt, consentBy := any(old.ConsentAt), old.ConsentBy
		switch {
		case in.Consent && !old.Consent:
			consentAt, consentBy = now, actorID(ctx)
		case !in.Consent:
			consentAt, consentBy = nil, 0
		}
		r, err := tx.Exec(ctx, `UPDATE employment_seekers SET name = ?, sex = ?, birth_date = ?, disability = ?, skills = ?, education = ?, experience_months = ?, experience = ?,
			languages = ?, accommodations = ?, accommodation_note = ?, areas = ?, hours = ?, consent = ?, consent_by = ?, consent_at = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			p.FullName(), p.Sex, p.BirthDate, b2i(p.Disabled()), joinCodes(in.Skills), in.Education, in.ExperienceMonths, in.Experience,
			joinCodes(in.Languages), joinCodes(in.Accommodations), in.AccommodationNote, joinCodes(in.Areas), in.Hours, b2i(in.Consent), consentBy, consentAt, now, id, version)
		if err != nil {
			return errs.Wrapf(err, "employment: update seeker")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "employment.stale")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: old.MemberID, Action: "employment.seeker_update", EntityType: "employment_seeker", EntityID: idStr(id), State: in})
	})
	if err != nil {
		return Seeker{}, err
	}
	s.changed(old.MemberID)
	return s.seeker(ctx, s.db, id)
}

// SetSeekerStatus makes seeker id active or inactive, at version
// (employment.apply).
func (s *Service) SetSeekerStatus(ctx context.Context, id, version int64, status string) (Seeker, error) {
	old, err := s.seeker(ctx, s.db, id)
	if err != nil {
		return Seeker{}, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentApply, old.MemberID); err != nil {
		return Seeker{}, err
	}
	if status != Active && status != Inactive {
		return Seeker{}, errs.E(errs.Invalid, "employment.status_invalid").WithField("status", "employment.status_invalid")
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE employment_seekers SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, status, s.now(), id, version)
		if err != nil {
			return errs.Wrapf(err, "employment: seeker status")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "employment.stale")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: old.MemberID, Action: "employment.seeker_status", EntityType: "employment_seeker", EntityID: idStr(id), State: map[string]any{"status": status}})
	})
	if err != nil {
		return Seeker{}, err
	}
	s.changed(old.MemberID)
	return s.seeker(ctx, s.db, id)
}

const seekerCols = `id, member_id, person_id, household_id, name, sex, birth_date, disability, skills, education, experience_months, experience, languages,
	accommodations, accommodation_note, areas, hours, consent, consent_by, consent_at, status, version, created_by, created_at, updated_at`

func scanSeeker(r scanner) (Seeker, error) {
	var k Seeker
	var dis, consent int
	var skills, langs, accs, areas string
	err := r.Scan(&k.ID, &k.MemberID, &k.PersonID, &k.HouseholdID, &k.Name, &k.Sex, &k.BirthDate, &dis, &skills, &k.Education, &k.ExperienceMonths, &k.Experience, &langs,
		&accs, &k.AccommodationNote, &areas, &k.Hours, &consent, &k.ConsentBy, &k.ConsentAt, &k.Status, &k.Version, &k.CreatedBy, &k.CreatedAt, &k.UpdatedAt)
	k.Disability, k.Consent = dis == 1, consent == 1
	k.Skills, k.Languages, k.Accommodations, k.Areas = splitCodes(skills), splitCodes(langs), splitCodes(accs), splitCodes(areas)
	k.SeekerInput.PersonID = k.PersonID
	if k.ConsentAt != nil {
		t := k.ConsentAt.UTC()
		k.ConsentAt = &t
	}
	return k, err
}

func (s *Service) seeker(ctx context.Context, q querier, id int64) (Seeker, error) {
	k, err := scanSeeker(q.QueryRow(ctx, `SELECT `+seekerCols+` FROM employment_seekers WHERE id = ?`, id))
	if noRows(err) {
		return k, notFound("employment.seeker_not_found")
	}
	return k, errs.Wrapf(err, "employment: seeker %d", id)
}

// Seeker returns seeker id (employment.read of its member).
func (s *Service) Seeker(ctx context.Context, id int64) (Seeker, error) {
	k, err := s.seeker(ctx, s.db, id)
	if err != nil {
		return k, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentRead, k.MemberID); err != nil {
		return Seeker{}, notFound("employment.seeker_not_found")
	}
	return k, nil
}

// SeekerFilter selects seekers; zero fields do not filter.
type SeekerFilter struct {
	Query      string // part of the name
	Skill      string
	Area       string
	Disability bool   // persons with disability only
	Consent    bool   // who consented to share only
	Status     string // active or inactive
	Limit      int    // default and maximum 500
}

// Seekers lists memberID's seekers that f selects, the newest first
// (employment.read).
func (s *Service) Seekers(ctx context.Context, memberID int64, f SeekerFilter) ([]Seeker, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return nil, err
	}
	q, args := `SELECT `+seekerCols+` FROM employment_seekers WHERE member_id = ?`, []any{memberID}
	if f.Query = oneLine(f.Query); f.Query != "" {
		q += ` AND name LIKE ?`
		args = append(args, "%"+strings.NewReplacer("%", "", "_", "").Replace(f.Query)+"%")
	}
	if f.Skill != "" {
		q += ` AND skills LIKE ?`
		args = append(args, "% "+strings.TrimSpace(f.Skill)+" %")
	}
	if f.Area != "" {
		q += ` AND areas LIKE ?`
		args = append(args, "% "+strings.TrimSpace(f.Area)+" %")
	}
	if f.Disability {
		q += ` AND disability = 1`
	}
	if f.Consent {
		q += ` AND consent = 1`
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: seekers")
	}
	defer rows.Close()
	out := []Seeker{}
	for rows.Next() {
		k, err := scanSeeker(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "employment: seekers")
		}
		out = append(out, k)
	}
	return out, errs.Wrapf(rows.Err(), "employment: seekers")
}

// Priority reasons: why a seeker comes first.
const (
	PriorityUnemployed  = "unemployed"
	PriorityDisability  = "disability"
	PriorityYouth       = "youth"        // aged 15 to 29
	PriorityProgramHead = "program_head" // head of a household enrolled in a program
)

// Priority says why seeker k is a priority, from the registry person now
// and the programs their household is enrolled in (employment.read).
func (s *Service) Priority(ctx context.Context, k Seeker) ([]string, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, k.MemberID); err != nil {
		return nil, err
	}
	out := []string{}
	p, err := s.person(ctx, k.MemberID, k.PersonID)
	if err != nil {
		return nil, err
	}
	if p.EmploymentStatus == "unemployed" {
		out = append(out, PriorityUnemployed)
	}
	if p.Disabled() {
		out = append(out, PriorityDisability)
	}
	if b, ok := parseDay(p.BirthDate); ok {
		m, err := s.memberOf(ctx, k.MemberID)
		if err != nil {
			return nil, err
		}
		if age := ageOn(b, s.now().In(m.Location())); age >= 15 && age <= 29 {
			out = append(out, PriorityYouth)
		}
	}
	if p.Relationship == "head" && s.o.Programs != nil {
		es, err := s.o.Programs.Enrollments(actor.System(ctx), program.EnrollmentFilter{HouseholdID: p.HouseholdID, Status: program.Enrolled, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(es) > 0 {
			out = append(out, PriorityProgramHead)
		}
	}
	return out, nil
}

// ageOn is the age in whole years on day now of a person born on b.
func ageOn(b, now time.Time) int {
	age := now.Year() - b.Year()
	if now.Month() < b.Month() || (now.Month() == b.Month() && now.Day() < b.Day()) {
		age--
	}
	return age
}
