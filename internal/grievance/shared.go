package grievance

import (
	"os"
	"sync"

	"github.com/tadamun/tadamun/internal/db"
)

var (
	sharedMu sync.Mutex
	shared   = map[*db.DB]*Service{}
)

// For returns the process's one service over d, so that the web pages and
// the API share its rate limits and answered challenges. Its whistleblower
// key file is $TADAMUN_WHISTLE_KEY, or tadamun-whistle.key in the working
// directory, created on first use beside the audit key.
func For(d *db.DB) *Service {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if s, ok := shared[d]; ok {
		return s
	}
	key := os.Getenv("TADAMUN_WHISTLE_KEY")
	if key == "" {
		key = "tadamun-whistle.key"
	}
	s := New(d, Options{KeyFile: key})
	shared[d] = s
	return s
}

// SetDecisions gives the service the program decisions that appeals
// explain and re-open. Call it once while wiring, before serving.
func (s *Service) SetDecisions(dec Decisions) { s.decisions = dec }
