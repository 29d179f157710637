package training

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/errs"
)

// History is a person's or a user's training: every enrollment, the
// latest first, and the certificates held.
type History struct {
	Enrollments  []Enrollment          `json:"enrollments"`
	Certificates []develop.Certificate `json:"certificates"`
	// Certifies is false when completions issue no certificates.
	Certifies bool `json:"certifies"`
}

// History returns the training of registry person personID or of user
// userID of memberID (training.read in memberID).
func (s *Service) History(ctx context.Context, memberID, personID, userID int64) (History, error) {
	if err := auth.RequireMember(ctx, auth.TrainingRead, memberID); err != nil {
		return History{}, err
	}
	if (personID == 0) == (userID == 0) {
		return History{}, invalid().WithField("person_id", "training.holder_required")
	}
	h := History{Enrollments: []Enrollment{}, Certificates: []develop.Certificate{}, Certifies: s.o.Certifier != nil}
	es, err := s.enrollments(ctx, s.db, `e.member_id = ? AND e.person_id = ? AND e.user_id = ? ORDER BY e.id DESC LIMIT 500`, memberID, personID, userID)
	if err != nil {
		return h, err
	}
	if es != nil {
		h.Enrollments = es
	}
	if s.o.Certifier != nil {
		cs, err := s.o.Certifier.Held(ctx, memberID, personID, userID)
		if err != nil {
			return h, err
		}
		if cs != nil {
			h.Certificates = cs
		}
	}
	return h, nil
}

// Public is the portal's training figures: people who completed a course
// in the twelve whole months before this one, by audience and sex,
// protected (small cells hidden, and enough others that they cannot be
// worked out). Sex "unknown" counts users, whose sex is not recorded.
type Public struct {
	From  string          `json:"from"` // YYYY-MM-DD, first day counted
	To    string          `json:"to"`   // YYYY-MM-DD, first day not counted
	Table disclosure.Safe `json:"table"`
}

// PublicSexes are the columns of the public table.
var PublicSexes = []string{"female", "male", "unknown"}

// PublicStats counts memberID's public training figures. It needs no
// permission: only protected counts leave it.
func (s *Service) PublicStats(ctx context.Context, memberID int64) (*Public, error) {
	loc, err := s.zone(ctx, memberID)
	if err != nil {
		return nil, err
	}
	l := s.now().In(loc)
	to := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	from := to.AddDate(-1, 0, 0)
	p := &Public{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	rows, err := s.db.Query(actor.System(ctx), `SELECT c.audience, e.sex, COUNT(*) FROM training_enrollments e JOIN training_courses c ON c.id = e.course_id
		WHERE e.member_id = ? AND e.status = 'completed' AND e.completed_on >= ? AND e.completed_on < ? GROUP BY c.audience, e.sex`, memberID, p.From, p.To)
	if err != nil {
		return nil, errs.Wrapf(err, "training: public figures")
	}
	defer rows.Close()
	t := disclosure.Table{Rows: Audiences, Cols: PublicSexes, Counts: make([][]int64, len(Audiences))}
	for i := range t.Counts {
		t.Counts[i] = make([]int64, len(PublicSexes))
	}
	for rows.Next() {
		var aud, sex string
		var n int64
		if err := rows.Scan(&aud, &sex, &n); err != nil {
			return nil, errs.Wrapf(err, "training: public figures")
		}
		i := indexOf(Audiences, aud)
		j := indexOf(PublicSexes, sex)
		if j < 0 {
			j = len(PublicSexes) - 1
		}
		if i >= 0 {
			t.Counts[i][j] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "training: public figures")
	}
	if p.Table, err = disclosure.Protect(t); err != nil {
		return nil, errs.Wrapf(err, "training: protect")
	}
	return p, nil
}

func indexOf(l []string, x string) int {
	for i, v := range l {
		if v == x {
			return i
		}
	}
	return -1
}
