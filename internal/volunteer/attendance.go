package volunteer

import (
	"context"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Mark is the attendance of one confirmed place. Minutes are the hours
// actually given; 0 for a present volunteer means the shift's length.
type Mark struct {
	SignupID int64 `json:"signup_id"`
	Present  bool  `json:"present"`
	Minutes  int   `json:"minutes,omitempty"`
}

// RecordAttendance records who came to shift shiftID and for how long
// (volunteer.manage), once the shift has started; marks may be corrected
// later. Every mark names a confirmed place of the shift, or nothing is
// written.
func (s *Service) RecordAttendance(ctx context.Context, shiftID int64, marks []Mark) ([]Signup, error) {
	h, err := s.shift(ctx, s.db, shiftID)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, h.MemberID); err != nil {
		return nil, err
	}
	if s.now().Before(h.StartsAt) {
		return nil, errs.E(errs.Conflict, "volunteer.attendance_early")
	}
	if len(marks) == 0 || len(marks) > maxCapacity {
		return nil, errs.E(errs.Invalid, "error.invalid_input").WithField("marks", "volunteer.marks_required")
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	seen := map[int64]bool{}
	for i := range marks {
		m := &marks[i]
		switch {
		case seen[m.SignupID]:
			e.WithField("marks", "volunteer.mark_twice")
		case m.Minutes < 0 || m.Minutes > maxMinutes:
			e.WithField("minutes", "volunteer.minutes_invalid", "max", maxMinutes)
		}
		seen[m.SignupID] = true
		if !m.Present {
			m.Minutes = 0
		} else if m.Minutes == 0 {
			m.Minutes = h.Minutes()
		}
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		for _, m := range marks {
			mark := Absent
			if m.Present {
				mark = Present
			}
			r, err := tx.Exec(ctx, `UPDATE volunteer_signups SET attendance = ?, minutes = ?, attended_by = ?, attended_at = ?, updated_at = ? WHERE id = ? AND shift_id = ? AND status = 'confirmed'`,
				mark, m.Minutes, actorID(ctx), now, now, m.SignupID, shiftID)
			if err != nil {
				return errs.Wrapf(err, "volunteer: attendance %d", m.SignupID)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("marks", "volunteer.mark_not_confirmed")
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: h.MemberID, Action: "volunteer.attendance", EntityType: "volunteer_signup", EntityID: idStr(m.SignupID),
				State: map[string]any{"shift": shiftID, "attendance": mark, "minutes": m.Minutes}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Roster(ctx, shiftID)
}

// Hours returns the minutes volunteer id gave in shifts marked present,
// and how many such shifts (volunteer.read).
func (s *Service) Hours(ctx context.Context, volunteerID int64) (minutes int64, shifts int, err error) {
	if _, err := s.Get(ctx, volunteerID); err != nil {
		return 0, 0, err
	}
	err = s.db.QueryRow(ctx, `SELECT COALESCE(SUM(minutes), 0), COUNT(*) FROM volunteer_signups WHERE volunteer_id = ? AND attendance = 'present'`, volunteerID).Scan(&minutes, &shifts)
	return minutes, shifts, errs.Wrapf(err, "volunteer: hours %d", volunteerID)
}
