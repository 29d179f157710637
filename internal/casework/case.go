package casework

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

// Consent kinds: the person's consent, or a legal ground when consent is
// impossible.
const (
	ConsentGiven = "consent"
	ConsentLegal = "legal"
)

// LegalGrounds are the grounds on which a case may be opened without
// consent.
var LegalGrounds = []string{"child_at_risk", "court_order", "imminent_danger", "lacks_capacity"}

// ConsentScopes are what a person may consent to.
var ConsentScopes = []string{"case_management", "referrals", "information_sharing"}

// Consent is what a case is opened on: recorded before anything else.
type Consent struct {
	Kind   string    `json:"kind"`             // ConsentGiven or ConsentLegal
	By     string    `json:"by,omitempty"`     // who gave it (name and relation)
	Scope  []string  `json:"scope,omitempty"`  // of ConsentScopes
	Ground string    `json:"ground,omitempty"` // of LegalGrounds
	At     time.Time `json:"at"`
}

// check validates c against now: the first problem of a case.
func (c Consent) check(now time.Time) error {
	switch c.Kind {
	case ConsentGiven:
		e := errs.E(errs.Invalid, "casework.consent_incomplete")
		if strings.TrimSpace(c.By) == "" || utf8.RuneCountInString(c.By) > maxName {
			e = e.WithField("consent_by", "casework.consent_by_required")
		}
		if len(c.Scope) == 0 {
			e = e.WithField("consent_scope", "casework.consent_scope_required")
		}
		for _, sc := range c.Scope {
			if !slices.Contains(ConsentScopes, sc) {
				e = e.WithField("consent_scope", "casework.consent_scope_required")
			}
		}
		if c.At.IsZero() || c.At.After(now) {
			e = e.WithField("consent_at", "casework.consent_at_invalid")
		}
		if len(e.Fields) > 0 {
			return e
		}
	case ConsentLegal:
		if !slices.Contains(LegalGrounds, c.Ground) {
			return errs.E(errs.Invalid, "casework.legal_ground_required").WithField("legal_ground", "casework.legal_ground_required")
		}
	default:
		return errs.E(errs.Invalid, "casework.consent_required").WithField("consent_kind", "casework.consent_required")
	}
	return nil
}

// Access is how much of a case its reader may see.
type Access int

// The levels, least first.
const (
	// AccessNone: the case is not shown; asking for it is not found.
	AccessNone Access = iota
	// AccessExists: its number, type and step only.
	AccessExists
	// AccessLimited: also its age, sex, area, risk, owner and office;
	// no name, no notes, no attachments.
	AccessLimited
	// AccessFull: everything, notes and attachments included.
	AccessFull
)

// String names the level for templates and JSON.
func (a Access) String() string {
	return [...]string{"none", "exists", "limited", "full"}[a]
}

// MarshalText writes the level's name.
func (a Access) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Case is a case as its reader may see it: fields the reader's Access does
// not allow are left empty.
type Case struct {
	ID           int64      `json:"id"`
	MemberID     int64      `json:"member_id"`
	Number       string     `json:"number"`
	TypeID       int64      `json:"type_id"`
	TypeCode     string     `json:"type_code"`
	Sensitive    bool       `json:"sensitive"`
	Status       string     `json:"status"`
	WaitingStep  string     `json:"waiting_step,omitempty"` // the step an approval waits for
	ApprovalID   int64      `json:"approval_id,omitempty"`
	SentBackStep string     `json:"sent_back_step,omitempty"`
	SentBackNote string     `json:"sent_back_note,omitempty"`
	OwnerID      int64      `json:"owner_id,omitempty"`
	SupervisorID int64      `json:"supervisor_id,omitempty"`
	OfficeID     int64      `json:"office_id,omitempty"`
	HouseholdID  int64      `json:"household_id,omitempty"`
	PersonID     int64      `json:"person_id,omitempty"`
	Subject      string     `json:"subject,omitempty"` // the person's or household head's name (full access)
	HouseholdRef string     `json:"household_ref,omitempty"`
	AreaCode     string     `json:"area_code,omitempty"`
	Sex          string     `json:"sex,omitempty"`
	AgeYears     int        `json:"age_years"` // -1 unknown or not shown
	Consent      *Consent   `json:"consent,omitempty"`
	RiskLevel    string     `json:"risk_level,omitempty"`
	RiskScore    int        `json:"risk_score,omitempty"`
	AssessmentID int64      `json:"assessment_id,omitempty"`
	Outcome      string     `json:"outcome,omitempty"`
	OutcomeText  string     `json:"outcome_text,omitempty"`
	Reopened     bool       `json:"reopened"`
	OpenedAt     time.Time  `json:"opened_at"`
	FirstContact *time.Time `json:"first_contact_at,omitempty"`
	LastVisit    *time.Time `json:"last_visit_at,omitempty"`
	NextVisitDue *time.Time `json:"next_visit_due,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Team         []int64    `json:"team,omitempty"`
	Version      int64      `json:"version"`
	Access       Access     `json:"access"`

	birthDate string
	existence bool
}

// Open reports whether the case is not closed.
func (c Case) Open() bool { return c.Status != care.StepClosed }

// Overdue reports whether the case's next visit was due before now.
func (c Case) Overdue(now time.Time) bool {
	return c.Open() && c.NextVisitDue != nil && c.NextVisitDue.Before(now)
}

// ref is the case as care.Ref.
func (c Case) ref() care.Ref {
	return care.Ref{ID: c.ID, MemberID: c.MemberID, Number: c.Number, TypeCode: c.TypeCode, Sensitive: c.Sensitive, Status: c.Status,
		OwnerID: c.OwnerID, SupervisorID: c.SupervisorID, OfficeID: c.OfficeID, HouseholdID: c.HouseholdID, PersonID: c.PersonID,
		AreaCode: c.AreaCode, RiskLevel: c.RiskLevel, Version: c.Version}
}

const caseCols = `c.id, c.member_id, c.number, c.type_id, t.code, t.sensitive, t.existence_visible, c.status, c.waiting_step, c.approval_id, c.sent_back_step, c.sent_back_note,
	c.owner_id, c.supervisor_id, c.office_id, c.household_id, c.person_id, c.area_code, c.sex, c.birth_date,
	c.consent_kind, c.consent_by, c.consent_scope, c.legal_ground, c.consent_at, c.risk_level, c.risk_score, c.assessment_id, c.outcome, c.outcome_text,
	c.reopened, c.opened_at, c.first_contact_at, c.last_visit_at, c.next_visit_due, c.closed_at, c.version`

const caseFrom = ` FROM cases c JOIN case_types t ON t.id = c.type_id`

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var con Consent
	var scope string
	var first, last, next, closed sql.NullTime
	err := row.Scan(&c.ID, &c.MemberID, &c.Number, &c.TypeID, &c.TypeCode, &c.Sensitive, &c.existence, &c.Status, &c.WaitingStep, &c.ApprovalID, &c.SentBackStep, &c.SentBackNote,
		&c.OwnerID, &c.SupervisorID, &c.OfficeID, &c.HouseholdID, &c.PersonID, &c.AreaCode, &c.Sex, &c.birthDate,
		&con.Kind, &con.By, &scope, &con.Ground, &con.At, &c.RiskLevel, &c.RiskScore, &c.AssessmentID, &c.Outcome, &c.OutcomeText,
		&c.Reopened, &c.OpenedAt, &first, &last, &next, &closed, &c.Version)
	con.Scope = strings.Fields(scope)
	c.Consent = &con
	c.FirstContact, c.LastVisit, c.NextVisitDue, c.ClosedAt = timePtr(first), timePtr(last), timePtr(next), timePtr(closed)
	c.AgeYears = -1
	return c, err
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// load reads case caseID with its team, whatever the reader may see.
func load(ctx context.Context, q querier, caseID int64) (Case, error) {
	c, err := scanCase(q.QueryRow(ctx, `SELECT `+caseCols+caseFrom+` WHERE c.id = ?`, caseID))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, errs.E(errs.NotFound, "casework.not_found")
	}
	if err != nil {
		return Case{}, errs.Wrapf(err, "casework: case %d", caseID)
	}
	rows, err := q.Query(ctx, `SELECT user_id FROM case_team WHERE case_id = ? ORDER BY user_id`, caseID)
	if err != nil {
		return Case{}, errs.Wrapf(err, "casework: team of %d", caseID)
	}
	defer rows.Close()
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return Case{}, errs.Wrapf(err, "casework: team of %d", caseID)
		}
		c.Team = append(c.Team, u)
	}
	return c, rows.Err()
}

// accessOf says how much of c actor a may see (c.Team must be loaded).
func accessOf(a actor.Actor, c Case) Access {
	if a.System {
		return AccessFull
	}
	if !a.Union() && a.MemberID != c.MemberID {
		return AccessNone
	}
	reads := auth.Can(a, auth.CaseRead)
	quality := auth.Can(a, auth.CaseQuality)
	if !reads && !quality {
		return AccessNone
	}
	if !a.Union() && reads && (a.UserID == c.OwnerID || a.UserID == c.SupervisorID || slices.Contains(c.Team, a.UserID)) {
		return AccessFull
	}
	if !c.Sensitive {
		if !a.Union() && auth.Can(a, auth.CaseWrite) {
			return AccessFull
		}
		return AccessLimited
	}
	if c.existence {
		return AccessExists
	}
	return AccessNone
}

// mask empties what level does not show.
func mask(c Case, level Access, on time.Time) Case {
	c.Access = level
	if level >= AccessLimited && c.birthDate != "" {
		if b, err := time.Parse(time.DateOnly, c.birthDate); err == nil {
			c.AgeYears = calendar.AgeAt(b, on)
		}
	}
	if level >= AccessFull {
		return c
	}
	c.Consent, c.Subject, c.HouseholdRef, c.HouseholdID, c.PersonID, c.Team = nil, "", "", 0, 0, nil
	c.SentBackNote, c.OutcomeText, c.AssessmentID = "", "", 0
	if level >= AccessLimited {
		return c
	}
	return Case{ID: c.ID, MemberID: c.MemberID, Number: c.Number, TypeID: c.TypeID, TypeCode: c.TypeCode, Sensitive: c.Sensitive,
		Status: c.Status, OpenedAt: c.OpenedAt, AgeYears: -1, Access: level}
}

// see loads case caseID as the actor in ctx may see it, at least at level
// min; a case they may not see is not found.
func (s *Service) see(ctx context.Context, q querier, caseID int64, min Access) (Case, error) {
	c, err := load(ctx, q, caseID)
	if err != nil {
		return Case{}, err
	}
	a := actor.From(ctx)
	if a.Anonymous() {
		return Case{}, errs.E(errs.Unauthenticated, "auth.login_required")
	}
	lvl := accessOf(a, c)
	if lvl == AccessNone || lvl < min {
		return Case{}, errs.E(errs.NotFound, "casework.not_found")
	}
	c.Access = lvl
	return c, nil
}

// writable loads case caseID for a change by the actor in ctx: they must
// hold case.write and see it in full.
func (s *Service) writable(ctx context.Context, tx *db.Tx, caseID int64) (Case, error) {
	c, err := s.see(ctx, tx, caseID, AccessExists)
	if err != nil {
		return Case{}, err
	}
	if err := auth.RequireMember(ctx, auth.CaseWrite, c.MemberID); err != nil {
		return Case{}, err
	}
	if c.Access < AccessFull {
		return Case{}, errs.E(errs.Forbidden, "casework.read_only")
	}
	return c, nil
}

// auditRead records that the actor read sensitive case c.
func auditRead(ctx context.Context, tx *db.Tx, c Case) error {
	if !c.Sensitive {
		return nil
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case.read", EntityType: "case", EntityID: id(c.ID),
		State: map[string]any{"access": c.Access.String()}})
}

// Get returns case caseID as the actor may see it. A read of a sensitive
// case is written to the audit log.
func (s *Service) Get(ctx context.Context, caseID int64) (Case, error) {
	var c Case
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = s.see(ctx, tx, caseID, AccessExists); err != nil {
			return err
		}
		return auditRead(ctx, tx, c)
	})
	if err != nil {
		return Case{}, err
	}
	c = mask(c, c.Access, s.now())
	if c.Access == AccessFull {
		s.fillSubject(ctx, &c)
	}
	return c, nil
}

// fillSubject names the case's person or household head from the
// registry, read as the system: the reader's access was checked here.
func (s *Service) fillSubject(ctx context.Context, c *Case) {
	sys := actor.System(ctx)
	if c.HouseholdID != 0 {
		if ref, err := s.registry.HouseholdRef(sys, c.MemberID, c.HouseholdID); err == nil {
			c.HouseholdRef = ref
		}
	}
	if c.PersonID != 0 {
		if p, err := s.registry.Person(sys, c.PersonID); err == nil && p.MemberID == c.MemberID {
			c.Subject = p.FullName()
		}
		return
	}
	if c.HouseholdID != 0 {
		if h, err := s.registry.Household(sys, c.HouseholdID); err == nil && h.MemberID == c.MemberID {
			c.Subject = h.Head
		}
	}
}

// Ref returns case caseID as the other care packages see it (care.Cases).
func (s *Service) Ref(ctx context.Context, caseID int64, write bool) (care.Ref, error) {
	var c Case
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if write {
			c, err = s.writable(ctx, tx, caseID)
		} else {
			c, err = s.see(ctx, tx, caseID, AccessLimited)
		}
		if err != nil {
			return err
		}
		return auditRead(ctx, tx, c)
	})
	if err != nil {
		return care.Ref{}, err
	}
	return c.ref(), nil
}

// OpenInput is a new case. Consent (or the legal ground) is checked
// before anything else.
type OpenInput struct {
	MemberID int64   `json:"member_id"`
	TypeCode string  `json:"type_code"`
	Consent  Consent `json:"consent"`
	// The case concerns a registry household, or one of its persons, …
	HouseholdID int64 `json:"household_id"`
	PersonID    int64 `json:"person_id"`
	// … or a person registered on the spot as the head of a new household
	// in AreaCode, through the registry's duplicate gate.
	NewPerson  *registry.Person         `json:"new_person,omitempty"`
	AreaCode   string                   `json:"area_code"`
	Duplicates registry.DuplicatePolicy `json:"-"`
	// OwnerID is the social worker (0: the actor); OfficeID the office (0:
	// the owner's); Team the named colleagues who may see the case.
	OwnerID  int64   `json:"owner_id"`
	OfficeID int64   `json:"office_id"`
	Team     []int64 `json:"team"`
}

// Opened is what Open did: the case, and the registered persons the new
// person may duplicate (for the caller to show), or, when Open refused a
// likely duplicate, all it found.
type Opened struct {
	Case       Case                 `json:"case"`
	Duplicates []registry.Duplicate `json:"duplicates,omitempty"`
}

// MaxTeam is how many colleagues a case's team may name.
const MaxTeam = 20

// Open opens a case. Nothing is written unless consent or a legal ground
// is recorded, the type is the member's and active, and the household,
// person, owner, office and team are the member's.
func (s *Service) Open(ctx context.Context, in OpenInput) (Opened, error) {
	if err := auth.RequireMember(ctx, auth.CaseWrite, in.MemberID); err != nil {
		return Opened{}, err
	}
	now := s.now().UTC()
	if err := in.Consent.check(now); err != nil {
		return Opened{}, err
	}
	t, err := typeByCode(ctx, s.db, in.MemberID, in.TypeCode)
	if err != nil || !t.Active {
		return Opened{}, errs.E(errs.Invalid, "casework.type_not_found").WithField("type_code", "casework.type_not_found")
	}
	a := actor.From(ctx)
	if in.OwnerID == 0 {
		in.OwnerID = a.UserID
	}
	if len(in.Team) > MaxTeam {
		return Opened{}, errs.E(errs.Invalid, "casework.team_too_large", "max", MaxTeam).WithField("team", "casework.team_too_large", "max", MaxTeam)
	}
	var out Opened
	subj := subject{household: in.HouseholdID, person: in.PersonID, area: strings.TrimSpace(in.AreaCode)}
	switch {
	case in.NewPerson != nil:
		if in.HouseholdID != 0 || in.PersonID != 0 {
			return Opened{}, errs.E(errs.Invalid, "casework.subject_twice").WithField("household_id", "casework.subject_twice")
		}
		if err := s.checkPeople(ctx, in); err != nil {
			return Opened{}, err
		}
		reg, err := s.registry.Register(ctx, in.MemberID, registry.Household{Governorate: subj.area, Source: "casework"},
			[]registry.Person{*in.NewPerson}, in.Duplicates)
		out.Duplicates = reg.Duplicates
		if err != nil {
			return out, err
		}
		subj.household = reg.Household.ID
		if len(reg.Persons) > 0 {
			subj.person = reg.Persons[0].ID
		}
	case in.HouseholdID != 0:
		if err := s.registry.CheckHousehold(ctx, in.MemberID, in.HouseholdID); err != nil {
			return Opened{}, errs.E(errs.Invalid, "registry.household_not_found").WithField("household_id", "registry.household_not_found")
		}
		if in.PersonID != 0 {
			if err := s.registry.CheckPerson(ctx, in.MemberID, in.HouseholdID, in.PersonID); err != nil {
				return Opened{}, errs.E(errs.Invalid, "registry.person_not_found").WithField("person_id", "registry.person_not_found")
			}
		}
		if err := s.checkPeople(ctx, in); err != nil {
			return Opened{}, err
		}
	default:
		return Opened{}, errs.E(errs.Invalid, "casework.subject_required").WithField("household_id", "casework.subject_required")
	}
	s.describe(ctx, in.MemberID, &subj)
	m, err := s.members.ByID(ctx, in.MemberID)
	if err != nil {
		return out, err
	}
	var caseID int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		office, supervisor, err := placement(ctx, tx, in.OwnerID)
		if err != nil {
			return err
		}
		if in.OfficeID != 0 {
			office = in.OfficeID
			if err := checkOffice(ctx, tx, in.MemberID, office); err != nil {
				return err
			}
		}
		year := now.In(m.Location()).Year()
		var seq int64
		if err := tx.QueryRow(ctx, `INSERT INTO case_counters (member_id, year, last_number) VALUES (?, ?, 1)
			ON CONFLICT (member_id, year) DO UPDATE SET last_number = case_counters.last_number + 1 RETURNING last_number`, in.MemberID, year).Scan(&seq); err != nil {
			return errs.Wrapf(err, "casework: number")
		}
		number := fmt.Sprintf("%s-%d-%05d", m.Code, year, seq)
		c := in.Consent
		if c.At.IsZero() {
			c.At = now
		}
		caseID, err = tx.InsertID(ctx, `INSERT INTO cases (member_id, number, type_id, status, owner_id, supervisor_id, office_id, household_id, person_id, area_code, sex, birth_date,
			consent_kind, consent_by, consent_scope, legal_ground, consent_at, reopened, opened_at, next_visit_due, created_by, version, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.MemberID, number, t.ID, care.StepNew, in.OwnerID, supervisor, office, subj.household, subj.person, subj.area, subj.sex, subj.birth,
			c.Kind, strings.TrimSpace(c.By), strings.Join(c.Scope, " "), c.Ground, c.At.UTC(), false, now, nil, a.UserID, 1, now)
		if err != nil {
			return errs.Wrapf(err, "casework: open")
		}
		// The first visit is due as for a case not yet assessed.
		st, err := settingsOf(ctx, tx, in.MemberID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET next_visit_due = ? WHERE id = ?`, now.Add(st.visitEvery(care.RiskNone)), caseID); err != nil {
			return errs.Wrapf(err, "casework: open")
		}
		for _, u := range uniq(in.Team) {
			if _, err := tx.Exec(ctx, `INSERT INTO case_team (case_id, user_id, member_id) VALUES (?, ?, ?)`, caseID, u, in.MemberID); err != nil {
				return errs.Wrapf(err, "casework: team")
			}
		}
		if err := history(ctx, tx, in.MemberID, caseID, "step", "", care.StepNew, ""); err != nil {
			return err
		}
		opened, err := load(ctx, tx, caseID)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: in.MemberID, Action: "case.open", EntityType: "case", EntityID: id(caseID), State: auditState(opened)})
	})
	if err != nil {
		return out, err
	}
	out.Case, err = s.Get(ctx, caseID)
	return out, err
}

// auditState is what the audit log hashes of a case: no narrative.
func auditState(c Case) any {
	return map[string]any{"number": c.Number, "type": c.TypeCode, "status": c.Status, "waiting": c.WaitingStep, "owner": c.OwnerID,
		"supervisor": c.SupervisorID, "office": c.OfficeID, "household": c.HouseholdID, "person": c.PersonID, "risk": c.RiskLevel,
		"consent": c.Consent, "outcome": c.Outcome, "team": c.Team, "version": c.Version}
}

// subject is who a case concerns, with the facts the quality system
// counts (no name).
type subject struct {
	household, person int64
	area, sex, birth  string
}

// describe fills subj's area, sex and birth date from the registry.
func (s *Service) describe(ctx context.Context, memberID int64, subj *subject) {
	sys := actor.System(ctx)
	if subj.household != 0 {
		if h, err := s.registry.Household(sys, subj.household); err == nil && h.MemberID == memberID && h.Governorate != "" {
			subj.area = h.Governorate
		}
	}
	if subj.person != 0 {
		if p, err := s.registry.Person(sys, subj.person); err == nil && p.MemberID == memberID {
			subj.sex, subj.birth = p.Sex, p.BirthDate
		}
	}
}

// checkPeople checks that the owner holds case.write and the team members
// are users of the member.
func (s *Service) checkPeople(ctx context.Context, in OpenInput) error {
	if err := s.checkWorker(ctx, s.db, in.MemberID, in.OwnerID, "owner_id"); err != nil {
		return err
	}
	for _, u := range in.Team {
		sc, err := auth.Scope(ctx, s.db, u)
		if err != nil || sc.MemberID != in.MemberID || !sc.Active {
			return errs.E(errs.Invalid, "casework.user_not_found").WithField("team", "casework.user_not_found")
		}
	}
	return nil
}

// checkWorker returns an error naming field unless user is an active user
// of member who may work on cases.
func (s *Service) checkWorker(ctx context.Context, q auth.Querier, memberID, user int64, field string) error {
	sc, err := auth.Scope(ctx, q, user)
	if err != nil || sc.MemberID != memberID || !sc.Active {
		return errs.E(errs.Invalid, "casework.worker_not_of_member").WithField(field, "casework.worker_not_of_member")
	}
	if !auth.Can(actor.Actor{UserID: sc.UserID, MemberID: sc.MemberID, Roles: sc.Roles}, auth.CaseWrite) {
		return errs.E(errs.Invalid, "casework.not_a_worker").WithField(field, "casework.not_a_worker")
	}
	return nil
}

func checkOffice(ctx context.Context, q querier, memberID, office int64) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM case_offices WHERE id = ? AND member_id = ?`, office, memberID).Scan(&n); err != nil {
		return errs.Wrapf(err, "casework: office")
	}
	if n == 0 {
		return errs.E(errs.Invalid, "casework.office_not_found").WithField("office_id", "casework.office_not_found")
	}
	return nil
}

func uniq(v []int64) []int64 {
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

// history records an event of a case.
func history(ctx context.Context, tx *db.Tx, memberID, caseID int64, kind, from, to, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_history (member_id, case_id, kind, from_step, to_step, actor_id, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		memberID, caseID, kind, from, to, actor.From(ctx).UserID, note, tx.Now().UTC())
	if err != nil {
		return errs.Wrapf(err, "casework: history of %d", caseID)
	}
	return nil
}

// Event is one entry of a case's history.
type Event struct {
	Kind    string    `json:"kind"` // step, submitted, approved, sent_back, transfer, assign, reopen, risk, visit, edit
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	ActorID int64     `json:"actor_id"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
}

// History lists case caseID's events, oldest first (full access only).
func (s *Service) History(ctx context.Context, caseID int64) ([]Event, error) {
	if _, err := s.see(ctx, s.db, caseID, AccessFull); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT kind, from_step, to_step, actor_id, note, at FROM case_history WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: history")
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Kind, &e.From, &e.To, &e.ActorID, &e.Note, &e.At); err != nil {
			return nil, errs.Wrapf(err, "casework: history")
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
