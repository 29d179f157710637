// Package notify tells households what the system decided about them: an
// outbox of notifications (SMS through a member's HTTP gateway, e-mail
// through its SMTP server), written in the transaction of the event that
// causes it, sent by a background sender, retried with exponential backoff
// up to a limit, every attempt recorded.
//
// A capability that emits an event calls Enqueue with its own transaction
// (program decisions, payments, grievance steps): if the event rolls back,
// so does its notification. The recipient's phone, e-mail, language and
// consent to be contacted come from the registry (registry.ContactOf), or
// from the event itself for a complainant's own contact. Nothing is sent
// without consent: such a message is stored as skipped, with the reason.
//
// Delivery is at most once. A sender claims a message with a guarded
// update (queued → sending) and records the attempt as "sending" before
// it calls the gateway; only then does it send, and it records the answer
// after. Two senders cannot both claim a message. A sender that stops
// between the claim and the record leaves the message "sending"; Recover
// marks it "unknown" and it is never resent by itself, because the person
// may have received it: a payment message twice is worse than once missed,
// and an officer sees the unknown ones and may retry them by hand.
//
// The texts are the catalogs' (notify.tpl.<event>.<channel>, Arabic and
// English, with {placeholders}), unless the member's administrator wrote its
// own for an event, channel and language.
package notify

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
)

// The events a notification may be about. A new event (a referral, an
// appointment) is a constant here, in Events, and its texts in the
// catalogs (notify.tpl.<event>.sms, .email_subject, .email): the template
// page and Enqueue take it from there.
const (
	EnrollmentEnrolled = "enrollment_enrolled"
	EnrollmentRejected = "enrollment_rejected"
	PaymentSent        = "payment_sent"
	PaymentPaid        = "payment_paid"
	PaymentReturned    = "payment_returned"
	GrievanceReceived  = "grievance_received"
	GrievanceInReview  = "grievance_in_review"
	GrievanceResolved  = "grievance_resolved"
	GrievanceAppeal    = "grievance_appeal"
)

// Events lists every event, in the order the template page shows them.
var Events = []string{EnrollmentEnrolled, EnrollmentRejected, PaymentSent, PaymentPaid, PaymentReturned,
	GrievanceReceived, GrievanceInReview, GrievanceResolved, GrievanceAppeal}

// The channels.
const (
	SMS   = "sms"
	Email = "email"
)

// Channels lists the channels.
var Channels = []string{SMS, Email}

// The states of a notification.
const (
	Queued  = "queued"
	Sending = "sending"
	Sent    = "sent"
	Failed  = "failed"
	Skipped = "skipped"
	Unknown = "unknown"
)

// States lists the states, for filters.
var States = []string{Queued, Sending, Sent, Failed, Skipped, Unknown}

// Why a notification was skipped or failed, as catalog keys
// (notify.reason.<reason>).
const (
	ReasonNoConsent   = "no_consent"
	ReasonNoAddress   = "no_address"
	ReasonBadPhone    = "bad_phone"
	ReasonGateway     = "gateway"      // the gateway answered with an error or without the success pattern
	ReasonUnreachable = "unreachable"  // no answer at all
	ReasonStopped     = "stopped"      // the sender stopped between the claim and the answer
	ReasonOff         = "channel_off"  // the channel was switched off after the message was queued
	ReasonExhausted   = "attempts_out" // the last attempt failed
)

// Defaults.
const (
	DefaultEvery       = 15 * time.Second // how often the sender looks for due messages
	DefaultBackoff     = time.Minute      // the wait after the first failure, doubled after each
	MaxBackoff         = 6 * time.Hour
	DefaultMaxAttempts = 5
	answerMax          = 500 // bytes of a provider's answer kept
)

// Options configure a Service.
type Options struct {
	// Members gives a member's name, calling code and time zone; nil builds
	// one over the database.
	Members *member.Service
	// Clock dates messages and attempts and tells when a retry is due; nil
	// is the database's.
	Clock calendar.Clock
	// Log receives the sender's errors; nil is slog.Default().
	Log *slog.Logger
	// Every is how often Start's loop looks for due messages; 0 is
	// DefaultEvery.
	Every time.Duration
	// Backoff is the wait after a first failed attempt, doubled after each
	// (at most MaxBackoff); 0 is DefaultBackoff.
	Backoff time.Duration
	// HTTP sends SMS gateway requests; nil is a client with a 30-second
	// timeout.
	HTTP *http.Client
}

// Service is the outbox, its sender and the members' settings. It is safe
// for concurrent use; build one per process (Start runs one sender loop).
type Service struct {
	db      *db.DB
	members *member.Service
	clock   calendar.Clock
	log     *slog.Logger
	every   time.Duration
	backoff time.Duration
	http    *http.Client

	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}
	wake chan struct{}
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if o.Clock == nil {
		o.Clock = d.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	return &Service{db: d, members: o.Members, clock: o.Clock, log: o.Log, every: o.Every, backoff: o.Backoff, http: o.HTTP,
		wake: make(chan struct{}, 1)}
}

func (s *Service) now() time.Time { return s.clock.Now().UTC() }

// delay is the wait before the next attempt after the n-th failed one
// since the last retry by hand: Backoff, doubled for each further failure,
// at most MaxBackoff.
func (s *Service) delay(n int) time.Duration {
	d := s.backoff
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// Notification is one message to one person on one channel.
type Notification struct {
	ID          int64      `json:"id"`
	MemberID    int64      `json:"member_id"`
	Event       string     `json:"event"`
	EntityType  string     `json:"entity_type"`
	EntityID    string     `json:"entity_id"`
	HouseholdID int64      `json:"household_id,omitempty"`
	Channel     string     `json:"channel"`
	Recipient   string     `json:"recipient"` // masked outside the service (Mask)
	Lang        string     `json:"lang"`
	Subject     string     `json:"subject,omitempty"`
	Body        string     `json:"body"`
	Status      string     `json:"status"`
	Reason      string     `json:"reason,omitempty"`
	Attempts    int        `json:"attempts"`
	RetryBase   int        `json:"-"`
	NextAt      time.Time  `json:"next_at"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// AttemptList is filled by Get.
	AttemptList []Attempt `json:"attempt_list,omitempty"`
}

// Attempt is one try to send a notification.
type Attempt struct {
	Attempt int       `json:"attempt"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"` // sending, sent, failed, unknown
	Answer  string    `json:"answer"`  // the provider's answer, truncated
}
