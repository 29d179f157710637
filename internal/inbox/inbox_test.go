package inbox

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// A bulk decision is bounded before anything is decided.
func TestDecideRefusesWhatIsOutOfBounds(t *testing.T) {
	s := New(Options{})
	many := make([]int64, MaxBulk+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	cases := []struct {
		name   string
		ids    []int64
		reason string
		key    string
	}{
		{"none chosen", nil, "", "inbox.none_chosen"},
		{"too many", many, "", "inbox.too_many"},
		{"comment too long", []int64{1}, strings.Repeat("ب", MaxReason+1), "inbox.reason_too_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := s.Decide(context.Background(), i18n.AR, c.ids, true, c.reason)
			if e := errs.As(err); !errs.Is(err, errs.Invalid) || e.Key != c.key || len(rs) != 0 {
				t.Errorf("got %v, %v; want invalid %s and no result", rs, err, c.key)
			}
		})
	}
}
