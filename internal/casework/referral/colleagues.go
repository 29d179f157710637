package referral

import (
	"context"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
)

// Colleague is a user a plan action or an internal referral may name: an
// active user of the member who works on cases. Only the id and the name.
type Colleague struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Colleagues lists the active users of memberID who may read cases, by
// name, for the actor (case.read on memberID) to choose an action's owner
// or an internal referral's receiver. Case workers may not list users;
// they learn only these names and ids.
func (s *Service) Colleagues(ctx context.Context, memberID int64) ([]Colleague, error) {
	if err := auth.RequireMember(ctx, auth.CaseRead, memberID); err != nil {
		return nil, err
	}
	us, err := s.auth.ListUsers(actor.System(ctx), auth.UserFilter{MemberID: memberID})
	if err != nil {
		return nil, err
	}
	out := []Colleague{}
	for _, u := range us {
		if u.MemberID == memberID && u.Active && auth.Can(u.Actor(), auth.CaseRead) {
			out = append(out, Colleague{ID: u.ID, Name: u.DisplayName})
		}
	}
	return out, nil
}
