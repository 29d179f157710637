// Package fieldtest holds in-memory stand-ins for the case packages the
// field app syncs into (care.Cases, care.Notes, care.Assessments,
// care.FollowUps and field.Caseload), for tests of package field and of
// the server until the case packages are wired. Like the real ones, every
// target is idempotent on the client id, checks the caller's member, and
// answers a conflict for an item based on an older version of the case
// than its current one (follow-ups and assessments; notes only when
// StrictNotes is set).
package fieldtest

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/errs"
)

// Store is the stand-in. The zero value is not useful: use New. It is safe
// for concurrent use.
type Store struct {
	mu          sync.Mutex
	cases       map[int64]*field.Case
	refs        map[int64]care.Ref
	stored      map[string]int64 // client id → id stored
	Notes       []care.NoteInput
	FollowUps   []care.FollowUpInput
	Assessments []care.AssessmentInput
	Attachments []care.AttachmentInput
	next        int64
	// StrictNotes makes a note on an older version of the case a conflict.
	StrictNotes bool
	// Calls counts the calls to the targets, repeats included.
	Calls int
}

// New returns an empty store.
func New() *Store {
	return &Store{cases: map[int64]*field.Case{}, refs: map[int64]care.Ref{}, stored: map[string]int64{}, next: 1000}
}

// AddCase adds a case of member, owned by owner, at version 1, with one
// open referral (id caseID*10+1) and a small assessment form.
func (s *Store) AddCase(id, member, owner int64, number, household string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs[id] = care.Ref{ID: id, MemberID: member, Number: number, OwnerID: owner, Status: care.StepFollowUp, Version: 1, AreaCode: "AM"}
	s.cases[id] = &field.Case{ID: id, MemberID: member, Number: number, Version: 1, Household: household, Address: "حي النزهة، شارع الأمير حسن",
		Area: "عمّان", Risk: care.RiskHigh,
		Due:       []field.Due{{Kind: "referral", Title: "متابعة الإحالة إلى الرعاية الصحية", DueAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Overdue: true}},
		Referrals: []field.Referral{{ID: id*10 + 1, Service: "health", Title: "مركز صحي النزهة", Status: "accepted", Version: 1}},
		Form: &field.Form{ID: 7, Version: 2, Title: "تقييم أولي", Questions: []field.Question{
			{Name: "children", Kind: "number", Label: "عدد الأطفال في البيت", Required: true},
			{Name: "income", Kind: "select_one", Label: "هل للأسرة دخل ثابت؟", Required: true, Choices: []field.Choice{{Name: "yes", Label: "نعم"}, {Name: "no", Label: "لا"}}},
			{Name: "notes", Kind: "text", Label: "ملاحظات"},
		}}}
}

// Touch changes case id and its referral: their versions grow, as when
// someone else edits them. (A follow-up's base version is the referral's,
// which the store keeps equal to the case's.)
func (s *Store) Touch(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.refs[id]
	r.Version++
	s.refs[id] = r
	if c := s.cases[id]; c != nil {
		c.Version = r.Version
		for i := range c.Referrals {
			c.Referrals[i].Version = r.Version
		}
	}
}

// StoredCount returns how many items were stored (each client id once).
func (s *Store) StoredCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.Notes) + len(s.FollowUps) + len(s.Assessments) + len(s.Attachments)
}

// ref checks the caller may see case id.
func (s *Store) ref(ctx context.Context, id int64) (care.Ref, error) {
	r, ok := s.refs[id]
	a := actor.From(ctx)
	if !ok || (!a.Union() && a.MemberID != r.MemberID) {
		return care.Ref{}, errs.E(errs.NotFound, "error.not_found")
	}
	return r, nil
}

// Ref implements care.Cases.
func (s *Store) Ref(ctx context.Context, id int64, write bool) (care.Ref, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ref(ctx, id)
}

// SetRisk implements care.Cases.
func (s *Store) SetRisk(ctx context.Context, id int64, score int, level string, assessmentID int64) error {
	return nil
}

// take stores one item once: a repeat of a client id answers its first id.
func (s *Store) take(ctx context.Context, clientID string, caseID, base int64, strict bool, add func()) (int64, bool, error) {
	s.Calls++
	if id, ok := s.stored[clientID]; ok {
		return id, true, nil
	}
	r, err := s.ref(ctx, caseID)
	if err != nil {
		return 0, false, err
	}
	if strict && base != 0 && base < r.Version {
		return 0, false, errs.E(errs.Conflict, "casework_field.test_changed", "version", strconv.FormatInt(r.Version, 10))
	}
	s.next++
	s.stored[clientID] = s.next
	add()
	return s.next, false, nil
}

// AddNote implements care.Notes.
func (s *Store) AddNote(ctx context.Context, in care.NoteInput) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.take(ctx, in.ClientID, in.CaseID, in.BaseVersion, s.StrictNotes, func() { s.Notes = append(s.Notes, in) })
}

// AddAttachment implements care.Notes. It refuses what is not a JPEG or
// PNG image.
func (s *Store) AddAttachment(ctx context.Context, in care.AttachmentInput) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(in.Data) < 4 || !(in.Data[0] == 0xFF && in.Data[1] == 0xD8 || in.Data[0] == 0x89 && in.Data[1] == 'P') {
		s.Calls++
		return 0, false, errs.E(errs.Invalid, "casework_field.test_not_image")
	}
	return s.take(ctx, in.ClientID, in.CaseID, in.BaseVersion, false, func() { s.Attachments = append(s.Attachments, in) })
}

// RecordFollowUp implements care.FollowUps.
func (s *Store) RecordFollowUp(ctx context.Context, in care.FollowUpInput) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.refs[in.CaseID]; ok && in.ReferralID != in.CaseID*10+1 && r.MemberID != 0 {
		s.Calls++
		return 0, false, errs.E(errs.NotFound, "error.not_found")
	}
	return s.take(ctx, in.ClientID, in.CaseID, in.BaseVersion, true, func() { s.FollowUps = append(s.FollowUps, in) })
}

// SubmitAssessment implements care.Assessments.
func (s *Store) SubmitAssessment(ctx context.Context, in care.AssessmentInput) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.take(ctx, in.ClientID, in.CaseID, in.BaseVersion, true, func() { s.Assessments = append(s.Assessments, in) })
}

// FieldCases implements field.Caseload: the caller's member's cases the
// caller owns.
func (s *Store) FieldCases(ctx context.Context) ([]field.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := actor.From(ctx)
	ids := slices.Sorted(maps.Keys(s.cases))
	var out []field.Case
	for _, id := range ids {
		c := s.cases[id]
		if r := s.refs[id]; r.MemberID == a.MemberID && (r.OwnerID == a.UserID || a.Union()) {
			out = append(out, *c)
		}
	}
	return out, nil
}

// Options returns field options with every target this store.
func (s *Store) Options() field.Options {
	return field.Options{Cases: s, Notes: s, Assessments: s, FollowUps: s, Caseload: s}
}
