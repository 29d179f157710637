package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/registry"
	"github.com/tadamun/tadamun/internal/training"
)

// trainingHistory is one person's or user's training as the household and
// user pages show it (the "training-history" partial).
type trainingHistory struct {
	Name string
	Lang string
	H    training.History
}

// personTraining returns the training of the persons of a household who
// have any, when the reader may read training; nil otherwise.
func (s *Server) personTraining(r *http.Request, memberID int64, ps []registry.Person) ([]trainingHistory, error) {
	ctx := r.Context()
	if s.Training == nil || !auth.Can(actor.From(ctx), auth.TrainingRead) {
		return nil, nil
	}
	var out []trainingHistory
	for _, p := range ps {
		h, err := s.Training.History(ctx, memberID, p.ID, 0)
		if err != nil {
			return nil, err
		}
		if len(h.Enrollments) > 0 {
			out = append(out, trainingHistory{Name: p.FullName(), Lang: string(Lang(r)), H: h})
		}
	}
	return out, nil
}

// userTraining returns user u's training when the reader may read
// training in u's member and u has any; nil otherwise.
func (s *Server) userTraining(r *http.Request, u auth.User) (*trainingHistory, error) {
	ctx := r.Context()
	if s.Training == nil || u.MemberID == 0 || auth.RequireMember(ctx, auth.TrainingRead, u.MemberID) != nil {
		return nil, nil
	}
	h, err := s.Training.History(ctx, u.MemberID, 0, u.ID)
	if err != nil || len(h.Enrollments) == 0 {
		return nil, err
	}
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	return &trainingHistory{Name: name, Lang: string(Lang(r)), H: h}, nil
}
