package casework

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
	"github.com/tadamun/tadamun/internal/seal"
)

// The interfaces of internal/care that the other care packages call.
var (
	_ care.Cases     = (*Service)(nil)
	_ care.Notes     = (*Service)(nil)
	_ care.CaseFacts = (*Service)(nil)
)

// StepCheck lets another care package refuse that a case leave a step
// before its work there is done (an assessment not submitted, a plan
// without goals). Ready returns nil when the case may leave step, or an
// errs.Error saying why not in the user's language.
type StepCheck interface {
	Ready(ctx context.Context, caseID int64, step string) error
}

// Options configure a Service. The zero value works: services it needs are
// built over the database, the clock is the database's, and the sealing
// key is tadamun-case.key in the working directory.
type Options struct {
	// Registry looks up the household or person a case concerns and
	// registers a person on the spot through its duplicate gate.
	Registry *registry.Service
	// Members gives a member's code (case numbers) and time zone.
	Members *member.Service
	// Auth names staff and holds the approvals of a case's steps.
	Auth *auth.Service
	// Audit lists a case's access log; nil leaves the log empty.
	Audit *audit.Log
	// Jobs runs long work (imports).
	Jobs *jobs.Runner
	// Clock dates cases, notes and visits; nil means the database's.
	Clock calendar.Clock
	// KeyFile holds the AES-256 key that seals the narrative notes and
	// attachments of sensitive cases, created on first use; empty means
	// tadamun-case.key.
	KeyFile string
	// Limits bound attachments and imports; zero fields are the defaults.
	Limits limits.Limits
	// Due are the other sources of what is due on a case (referral
	// follow-ups, plan actions); the inbox lists their items beside the
	// visits this package schedules.
	Due []care.Due
	// Steps, when set, is asked before a case leaves a step (nil: no check).
	Steps StepCheck
}

// Service keeps cases. Build it with New; it is safe for concurrent use.
type Service struct {
	db       *db.DB
	registry *registry.Service
	members  *member.Service
	auth     *auth.Service
	audit    *audit.Log
	jobs     *jobs.Runner
	limits   limits.Limits
	due      []care.Due
	steps    StepCheck
	keyFile  string
	now      calendar.Clock

	boxMu sync.Mutex
	box   *seal.Sealer
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	s := &Service{db: d, registry: o.Registry, members: o.Members, auth: o.Auth, audit: o.Audit, jobs: o.Jobs,
		limits: o.Limits.Or(), due: o.Due, steps: o.Steps, keyFile: o.KeyFile}
	s.now = func() time.Time { return o.Clock.Or(d.Clock()).Now() }
	if s.registry == nil {
		s.registry = registry.NewWith(d, registry.Options{Clock: o.Clock})
	}
	if s.members == nil {
		s.members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if s.auth == nil {
		s.auth = auth.NewWith(d, auth.Options{Clock: o.Clock})
	}
	if s.keyFile == "" {
		s.keyFile = "tadamun-case.key"
	}
	return s
}

// sealer returns the sealing key, loading (or creating) it on first use.
func (s *Service) sealer() (*seal.Sealer, error) {
	s.boxMu.Lock()
	defer s.boxMu.Unlock()
	if s.box != nil {
		return s.box, nil
	}
	key, err := seal.LoadKey(s.keyFile)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: sealing key")
	}
	b, err := seal.New(key)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: sealing key")
	}
	s.box = b
	return b, nil
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

func actorMember(ctx context.Context) int64 { return actor.From(ctx).MemberID }
