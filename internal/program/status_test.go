package program

import (
	"slices"
	"testing"
)

// TestProgramNextStatuses checks that the statuses a page offers are
// exactly those SetStatus accepts, from every status, and that a proposed
// activation is not offered again.
func TestProgramNextStatuses(t *testing.T) {
	all := []string{Draft, Active, Closed, Archived}
	for _, from := range all {
		next := NextStatuses(Program{Status: from})
		for _, to := range all {
			if offered, allowed := slices.Contains(next, to), checkTransition(from, to) == nil; offered != allowed {
				t.Errorf("%s → %s: offered %v, SetStatus allows %v", from, to, offered, allowed)
			}
		}
	}
	if got := NextStatuses(Program{Status: Draft, ActivationApprovalID: 7}); !slices.Equal(got, []string{Archived}) {
		t.Errorf("draft with a proposed activation: got %v, want [archived]", got)
	}
	if got := NextStatuses(Program{Status: Draft}); !slices.Equal(got, []string{Active, Archived}) {
		t.Errorf("draft: got %v, want [active archived]", got)
	}
}
