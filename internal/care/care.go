// Package care holds what the case-management packages share: a case as
// the others see it (Ref), the inputs a social worker sends from the field
// (possibly offline, so every write carries a client-generated id and is
// idempotent on it), and the facts the quality system counts. It is a pure
// building block: types and interfaces, no I/O.
//
// internal/casework (cases, workflow, notes, visits) implements Cases,
// Notes, CaseFacts; internal/casework/referral (plans, referrals, the
// service directory) implements FollowUps, Due and ReferralFacts;
// internal/casework/assess (forms, assessments, risk) implements
// Assessments. app.New wires them together, so none imports another.
package care

import (
	"context"
	"time"
)

// Workflow steps of a case, in order. A case type may switch steps off.
const (
	StepNew        = "new"
	StepAssessment = "assessment"
	StepPlan       = "plan"
	StepServices   = "services"
	StepFollowUp   = "followup"
	StepClosed     = "closed"
)

// Steps lists the workflow steps in order.
var Steps = []string{StepNew, StepAssessment, StepPlan, StepServices, StepFollowUp, StepClosed}

// Risk levels an assessment sets; the level sets the follow-up frequency.
const (
	RiskNone     = ""
	RiskLow      = "low"
	RiskMedium   = "medium"
	RiskHigh     = "high"
	RiskCritical = "critical"
)

// RiskLevels lists the levels, lowest first.
var RiskLevels = []string{RiskLow, RiskMedium, RiskHigh, RiskCritical}

// Services are the basic services the charter names; referrals go to one.
var Services = []string{"health", "education", "water_sanitation", "housing", "psychosocial", "legal_aid", "employment_training"}

// Ref is a case as other packages see it: enough to check access, route
// work and link records, never the narrative.
type Ref struct {
	ID           int64
	MemberID     int64
	Number       string // the case number people quote, unique per member
	TypeCode     string
	Sensitive    bool
	Status       string // one of Steps
	OwnerID      int64  // the social worker (a user)
	SupervisorID int64
	OfficeID     int64
	HouseholdID  int64 // 0 when the case concerns a person only
	PersonID     int64 // 0 when the case concerns a household
	AreaCode     string
	RiskLevel    string // one of RiskLevels, or RiskNone before an assessment
	Version      int64  // grows with every change to the case
}

// Cases gives other packages a case they may see. Ref fails with a
// not-found error for a case the caller may not see (its existence is not
// revealed) and a forbidden error when write is true and the caller may
// only read; reading a sensitive case is audited by the implementation.
type Cases interface {
	Ref(ctx context.Context, caseID int64, write bool) (Ref, error)
	// SetRisk records on the case the score (0–100) and level an approved
	// or submitted assessment computed, which sets the follow-up frequency.
	SetRisk(ctx context.Context, caseID int64, score int, level string, assessmentID int64) error
}

// NoteInput is a narrative note or a home-visit note. ClientID is made by
// the client (a UUID); a second call with the same ClientID stores nothing
// and returns the first call's id with dup true.
type NoteInput struct {
	ClientID    string
	CaseID      int64
	BaseVersion int64     // the case version the worker saw; 0 when unknown
	Kind        string    // "note" or "visit"
	Text        string    // the narrative; sealed at rest for sensitive case types
	At          time.Time // when the visit happened (visit notes)
}

// AttachmentInput is a document or photo attached to a case. Its content
// must be what its name and content type say (checked by decoding).
type AttachmentInput struct {
	ClientID    string
	CaseID      int64
	BaseVersion int64
	Name        string
	ContentType string
	Data        []byte
}

// Notes stores notes and attachments (internal/casework).
type Notes interface {
	AddNote(ctx context.Context, in NoteInput) (id int64, dup bool, err error)
	AddAttachment(ctx context.Context, in AttachmentInput) (id int64, dup bool, err error)
}

// AssessmentInput is an assessment form filled for a case. Answers are
// keyed by the form's question names; values are text as XLSForm writes
// them (multiple choices separated by spaces, dates as YYYY-MM-DD).
type AssessmentInput struct {
	ClientID    string
	CaseID      int64
	BaseVersion int64
	FormID      int64
	FormVersion int
	Answers     map[string]string
}

// Assessments stores filled assessments (internal/casework/assess). A
// submission for a form version other than the one the case is being
// assessed with is a conflict.
type Assessments interface {
	SubmitAssessment(ctx context.Context, in AssessmentInput) (id int64, dup bool, err error)
}

// FollowUpInput records the outcome of a referral's follow-up.
type FollowUpInput struct {
	ClientID    string
	CaseID      int64
	BaseVersion int64
	ReferralID  int64
	Outcome     string // required: a follow-up cannot be closed without one
	Note        string
	At          time.Time
}

// FollowUps records follow-up outcomes (internal/casework/referral). When
// the referral changed since BaseVersion in a way that makes the outcome
// stale, the error is a conflict and nothing is written.
type FollowUps interface {
	RecordFollowUp(ctx context.Context, in FollowUpInput) (id int64, dup bool, err error)
}

// DueItem is something a worker must do by a date: a referral's follow-up,
// an action of the case plan, a scheduled visit.
type DueItem struct {
	CaseID    int64
	Kind      string // "referral", "action", "visit"
	RefID     int64  // the referral, action or case id
	Title     string // in the caller's language
	DueAt     time.Time
	Overdue   bool
	Escalated bool // escalated to the supervisor
	Link      string
}

// Due lists what is due for the given open cases, up to until.
type Due interface {
	Due(ctx context.Context, memberID int64, caseIDs []int64, until time.Time) ([]DueItem, error)
}

// CaseFact is one case as the quality system counts it: no name, no
// narrative.
type CaseFact struct {
	ID, MemberID, OfficeID, DepartmentID, OwnerID int64
	TypeCode, RiskLevel, Status, Outcome          string
	SubjectKey                                    string // the household or person, to find repeat cases
	AreaCode, Sex                                 string
	AgeYears                                      int // -1 when unknown
	OpenedAt, FirstContactAt, ClosedAt            time.Time
	StepEntered                                   map[string]time.Time // when the case first entered each step
	StepTime                                      map[string]time.Duration
	Reopened                                      bool
	OpenFollowUps, OverdueFollowUps               int
}

// ReferralFact is one referral as the quality system counts it.
type ReferralFact struct {
	ID, CaseID, MemberID, OfficeID int64
	Service, Status, Outcome       string
	External                       bool
	SentAt, ClosedAt, FollowUpDue  time.Time
	Overdue, Escalated             bool
}

// CaseFacts streams the cases of a member opened before to and not closed
// before from (internal/casework).
type CaseFacts interface {
	CaseFacts(ctx context.Context, memberID int64, from, to time.Time, fn func(CaseFact) error) error
}

// ReferralFacts streams the referrals of a member sent before to and not
// closed before from (internal/casework/referral).
type ReferralFacts interface {
	ReferralFacts(ctx context.Context, memberID int64, from, to time.Time, fn func(ReferralFact) error) error
}
