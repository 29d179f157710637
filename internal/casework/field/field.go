// Package field is the server side of home visits offline (issue 16 item
// 7): a social worker's phone fills visit notes, assessments, follow-up
// outcomes and photos of documents with no network, keeps them in a queue
// with an id it made for each (a UUID), and sends the queue when the
// network returns. Sync takes such a batch and hands every item to the
// capability that stores it (care.Notes, care.Assessments, care.FollowUps),
// which is idempotent on the item's client id; Sync logs each item once per
// member, so that an item sent twice is stored once and its second answer
// is the first one's.
//
// An item the case changed under (the target answers with a conflict) is
// kept whole, with the reason, until the worker applies it on the case as
// it is now or discards it: nothing the worker wrote is lost.
//
// The package reaches the case packages only through the interfaces of
// internal/care; app.New wires them. A nil target refuses clearly.
package field

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
)

// The kinds of item a phone sends.
const (
	KindNote       = "note"
	KindVisit      = "visit"
	KindAssessment = "assessment"
	KindFollowUp   = "followup"
	KindAttachment = "attachment"
)

// Kinds lists the kinds of item.
var Kinds = []string{KindNote, KindVisit, KindAssessment, KindFollowUp, KindAttachment}

// The statuses of an item in the sync log, and of an item's answer.
const (
	// StatusStored: the target stored it; ID is what it stored.
	StatusStored = "stored"
	// StatusConflict: the case changed since the worker saw it; the item
	// is kept (ConflictID) until the worker applies or discards it.
	StatusConflict = "conflict"
	// StatusRefused: the target refused it (Message says why); nothing
	// was stored. Sending it again tries again.
	StatusRefused = "refused"
	// StatusDiscarded: the worker discarded it after a conflict; it is
	// still kept, and sending it again stores nothing.
	StatusDiscarded = "discarded"
)

// Default bounds of a batch.
const (
	// DefaultMaxItems is the most items of one batch: a phone sends its
	// queue in batches of at most this many.
	DefaultMaxItems = 500
	// DefaultMaxItemBytes is the most bytes of one item as JSON: a photo
	// of a document resized on the phone (about 1,600 pixels wide, JPEG)
	// is a few hundred kilobytes, base64 included.
	DefaultMaxItemBytes = 4 << 20
	// MaxText is the most characters of a note, an outcome or an answer.
	MaxText = 20000
)

// Caseload lists the cases a social worker takes to the field: what the
// phone keeps for offline use. internal/casework implements it (with the
// referral and assessment packages' data); app.New wires it.
type Caseload interface {
	FieldCases(ctx context.Context) ([]Case, error)
}

// Case is one case as the field app keeps it on the phone: only what the
// worker may see of it.
type Case struct {
	ID        int64      `json:"id"`
	MemberID  int64      `json:"member_id"`
	Number    string     `json:"number"`
	Version   int64      `json:"version"`
	Household string     `json:"household"` // the household's or person's name as the worker may see it
	Address   string     `json:"address"`
	Area      string     `json:"area"` // the area's name
	Risk      string     `json:"risk"` // one of care.RiskLevels, or ""
	Due       []Due      `json:"due"`
	Referrals []Referral `json:"referrals"`
	Form      *Form      `json:"form,omitempty"` // the assessment form the case is assessed with, if any
}

// Due is something due on a case.
type Due struct {
	Kind    string    `json:"kind"` // "referral", "action", "visit"
	Title   string    `json:"title"`
	DueAt   time.Time `json:"due_at"`
	Overdue bool      `json:"overdue"`
}

// Referral is an open referral of a case whose follow-up outcome the
// worker may record.
type Referral struct {
	ID      int64  `json:"id"`
	Service string `json:"service"` // one of care.Services
	Title   string `json:"title"`   // the provider or the office, in the caller's language
	Status  string `json:"status"`
	Version int64  `json:"version"` // the referral's version: a follow-up outcome's base
}

// Form is an assessment form as the field app renders it: a flat list of
// questions (the conditions and the risk formula stay on the server).
type Form struct {
	ID        int64      `json:"id"`
	Version   int        `json:"version"`
	Title     string     `json:"title"`
	Questions []Question `json:"questions"`
}

// Question is one question of a form. Kind is text, number, date, select_one,
// select_multiple, yes_no or scale (XLSForm's names).
type Question struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Label    string   `json:"label"`
	Required bool     `json:"required"`
	Choices  []Choice `json:"choices,omitempty"`
}

// Choice is one choice of a question.
type Choice struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// Options is what a Service is built with. Every target may be nil: Sync
// then refuses the items that need it, clearly, and stores nothing.
type Options struct {
	Cases       care.Cases
	Notes       care.Notes
	Assessments care.Assessments
	FollowUps   care.FollowUps
	Caseload    Caseload
	// ReferralCase, when set, returns the case of a referral the caller
	// may see, and FormMember the member whose form an id names: the
	// batch check refuses, before anything is stored, a follow-up naming
	// a referral of another case and an item naming another member's
	// form, as it refuses a hidden case.
	ReferralCase func(ctx context.Context, referralID int64) (caseID int64, err error)
	FormMember   func(ctx context.Context, formID int64) (memberID int64, err error)
	Clock        calendar.Clock
	// MaxItems and MaxItemBytes bound a batch; zero means the defaults.
	MaxItems     int
	MaxItemBytes int
}

// Service syncs the field app's queues. It is safe for concurrent use.
type Service struct {
	d *db.DB
	o Options
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Clock == nil {
		o.Clock = d.Now
	}
	if o.MaxItems <= 0 {
		o.MaxItems = DefaultMaxItems
	}
	if o.MaxItemBytes <= 0 {
		o.MaxItemBytes = DefaultMaxItemBytes
	}
	return &Service{d: d, o: o}
}

// MaxItems is the most items of one batch.
func (s *Service) MaxItems() int { return s.o.MaxItems }
