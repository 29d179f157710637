package volunteer

import (
	"context"
	"database/sql"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Signup is a volunteer's place on a shift.
type Signup struct {
	ID            int64      `json:"id"`
	MemberID      int64      `json:"member_id"`
	ShiftID       int64      `json:"shift_id"`
	VolunteerID   int64      `json:"volunteer_id"`
	VolunteerName string     `json:"volunteer_name"`
	Phone         string     `json:"phone,omitempty"`
	Status        string     `json:"status"`
	StartsAt      time.Time  `json:"starts_at"`
	EndsAt        time.Time  `json:"ends_at"`
	SignedBy      int64      `json:"signed_by"` // the coordinator; 0 for the volunteer
	CreatedAt     time.Time  `json:"created_at"`
	Attendance    string     `json:"attendance,omitempty"` // present, absent, or "" before it is recorded
	Minutes       int        `json:"minutes"`
	AttendedAt    *time.Time `json:"attended_at,omitempty"`
	// The opportunity, for a volunteer's own list.
	OpportunityID int64  `json:"opportunity_id"`
	Title         string `json:"title"`
	Place         string `json:"place,omitempty"`
}

const signupCols = `g.id, g.member_id, g.shift_id, g.volunteer_id, v.name, v.phone, g.status, g.starts_at, g.ends_at, g.signed_by, g.created_at, g.attendance, g.minutes, g.attended_at, o.id, o.title, h.place`

const signupFrom = ` FROM volunteer_signups g JOIN volunteers v ON v.id = g.volunteer_id JOIN volunteer_shifts h ON h.id = g.shift_id JOIN volunteer_opportunities o ON o.id = h.opportunity_id`

func scanSignup(r scanner) (Signup, error) {
	var g Signup
	var at sql.NullTime
	err := r.Scan(&g.ID, &g.MemberID, &g.ShiftID, &g.VolunteerID, &g.VolunteerName, &g.Phone, &g.Status, &g.StartsAt, &g.EndsAt, &g.SignedBy, &g.CreatedAt, &g.Attendance, &g.Minutes, &at, &g.OpportunityID, &g.Title, &g.Place)
	if at.Valid {
		t := at.Time.UTC()
		g.AttendedAt = &t
	}
	g.StartsAt, g.EndsAt = g.StartsAt.UTC(), g.EndsAt.UTC()
	return g, err
}

func (s *Service) signups(ctx context.Context, q querier, where string, args ...any) ([]Signup, error) {
	rows, err := q.Query(ctx, `SELECT `+signupCols+signupFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "volunteer: sign-ups")
	}
	defer rows.Close()
	var out []Signup
	for rows.Next() {
		g, err := scanSignup(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "volunteer: sign-ups")
		}
		out = append(out, g)
	}
	return out, errs.Wrapf(rows.Err(), "volunteer: sign-ups")
}

func (s *Service) signup(ctx context.Context, q querier, id int64) (Signup, error) {
	gs, err := s.signups(ctx, q, `g.id = ?`, id)
	if err != nil {
		return Signup{}, err
	}
	if len(gs) == 0 {
		return Signup{}, notFound("volunteer.signup_not_found")
	}
	return gs[0], nil
}

// Roster lists shift id's places: confirmed, then the waitlist in order,
// then those cancelled (volunteer.read).
func (s *Service) Roster(ctx context.Context, shiftID int64) ([]Signup, error) {
	if _, err := s.Shift(ctx, shiftID); err != nil {
		return nil, err
	}
	return s.signups(ctx, s.db, `g.shift_id = ? ORDER BY CASE g.status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, g.id`, shiftID)
}

// SignupsOf lists volunteer id's places, the latest shift first
// (volunteer.read).
func (s *Service) SignupsOf(ctx context.Context, volunteerID int64) ([]Signup, error) {
	if _, err := s.Get(ctx, volunteerID); err != nil {
		return nil, err
	}
	return s.signups(ctx, s.db, `g.volunteer_id = ? ORDER BY g.starts_at DESC, g.id DESC LIMIT 500`, volunteerID)
}

// MySignups lists the places of the volunteer whose link is token.
func (s *Service) MySignups(ctx context.Context, token string) ([]Signup, error) {
	v, err := s.ByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.signups(ctx, s.db, `g.volunteer_id = ? ORDER BY g.starts_at DESC, g.id DESC LIMIT 500`, v.ID)
}

// Book gives volunteer volunteerID a place on shift shiftID as a
// coordinator (volunteer.manage).
func (s *Service) Book(ctx context.Context, shiftID, volunteerID int64) (Signup, error) {
	h, err := s.shift(ctx, s.db, shiftID)
	if err != nil {
		return Signup{}, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, h.MemberID); err != nil {
		return Signup{}, err
	}
	v, err := s.load(ctx, s.db, volunteerID)
	if err != nil || v.MemberID != h.MemberID {
		return Signup{}, notFound("volunteer.not_found")
	}
	return s.book(ctx, v, h, actorID(ctx), false)
}

// BookByToken books a place on shift shiftID for the volunteer whose
// personal link is token.
func (s *Service) BookByToken(ctx context.Context, token string, shiftID int64) (Signup, error) {
	v, err := s.ByToken(ctx, token)
	if err != nil {
		return Signup{}, err
	}
	h, err := s.shift(ctx, s.db, shiftID)
	if err != nil || h.MemberID != v.MemberID {
		return Signup{}, notFound("volunteer.shift_not_found")
	}
	return s.book(ctx, v, h, 0, true)
}

// book places v on h: confirmed while places remain, else on the waitlist.
// The volunteer's row is locked first, then the shift's, so that two
// bookings of one volunteer run one after the other (the overlap check
// sees the other's place) and two bookings of one shift count its places
// one after the other. Waitlisted places count as booked for the overlap
// check, so that promoting one can never double-book a volunteer.
func (s *Service) book(ctx context.Context, v Volunteer, h Shift, by int64, self bool) (Signup, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockRow(ctx, "volunteers", v.ID); err != nil {
			return errs.Wrapf(err, "volunteer: lock %d", v.ID)
		}
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM volunteers WHERE id = ?`, v.ID).Scan(&status); err != nil {
			return errs.Wrapf(err, "volunteer: %d", v.ID)
		}
		if status != Active {
			return errs.E(errs.Conflict, "volunteer.not_active")
		}
		if err := tx.LockRow(ctx, "volunteer_shifts", h.ID); err != nil {
			return errs.Wrapf(err, "volunteer: lock shift %d", h.ID)
		}
		cur, err := s.shift(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		var ostatus string
		if err := tx.QueryRow(ctx, `SELECT status FROM volunteer_opportunities WHERE id = ?`, cur.OpportunityID).Scan(&ostatus); err != nil {
			return errs.Wrapf(err, "volunteer: opportunity %d", cur.OpportunityID)
		}
		now := s.now()
		switch {
		case cur.Status != "open" || ostatus != "open":
			return errs.E(errs.Conflict, "volunteer.shift_closed")
		case self && !now.Before(cur.StartsAt):
			return errs.E(errs.Conflict, "volunteer.shift_started")
		case !self && !now.Before(cur.EndsAt):
			return errs.E(errs.Conflict, "volunteer.shift_over")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM volunteer_signups WHERE shift_id = ? AND volunteer_id = ? AND status <> 'cancelled'`, cur.ID, v.ID).Scan(&n); err != nil {
			return errs.Wrapf(err, "volunteer: booked")
		}
		if n > 0 {
			return errs.E(errs.Conflict, "volunteer.already_booked")
		}
		var otherID int64
		var title string
		var at time.Time
		err = tx.QueryRow(ctx, `SELECT g.shift_id, o.title, g.starts_at FROM volunteer_signups g JOIN volunteer_shifts h ON h.id = g.shift_id JOIN volunteer_opportunities o ON o.id = h.opportunity_id
			WHERE g.volunteer_id = ? AND g.status IN ('confirmed', 'waitlisted') AND g.starts_at < ? AND g.ends_at > ? ORDER BY g.starts_at LIMIT 1`, v.ID, cur.EndsAt, cur.StartsAt).Scan(&otherID, &title, &at)
		if err == nil {
			loc, zerr := s.zone(ctx, v.MemberID)
			if zerr != nil {
				return zerr
			}
			return errs.E(errs.Conflict, "volunteer.overlap", "title", title, "at", at.In(loc).Format("2006-01-02 15:04"), "shift", otherID)
		}
		if !noRows(err) {
			return errs.Wrapf(err, "volunteer: overlap")
		}
		st := Confirmed
		if cur.Confirmed >= cur.Capacity {
			st = Waitlisted
		}
		id, err = tx.InsertID(ctx, `INSERT INTO volunteer_signups (member_id, shift_id, volunteer_id, status, starts_at, ends_at, signed_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			v.MemberID, cur.ID, v.ID, st, cur.StartsAt, cur.EndsAt, by, now, now)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "volunteer.already_booked")
		}
		if err != nil {
			return errs.Wrapf(err, "volunteer: book")
		}
		action := "volunteer.book." + st // named in full in the catalogs
		return audit.Append(ctx, tx, audit.Entry{MemberID: v.MemberID, Action: action, EntityType: "volunteer_signup", EntityID: idStr(id),
			State: map[string]any{"shift": cur.ID, "volunteer": v.ID, "status": st, "by": by}})
	})
	if err != nil {
		return Signup{}, err
	}
	return s.signup(ctx, s.db, id)
}

// Cancel cancels sign-up id as a coordinator (volunteer.manage); the first
// on the waitlist takes a confirmed place that frees.
func (s *Service) Cancel(ctx context.Context, signupID int64) (Signup, error) {
	g, err := s.signup(ctx, s.db, signupID)
	if err != nil {
		return Signup{}, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, g.MemberID); err != nil {
		return Signup{}, err
	}
	return s.cancel(ctx, g, actorID(ctx), false)
}

// CancelByToken cancels sign-up id of the volunteer whose link is token,
// before the shift starts.
func (s *Service) CancelByToken(ctx context.Context, token string, signupID int64) (Signup, error) {
	v, err := s.ByToken(ctx, token)
	if err != nil {
		return Signup{}, err
	}
	g, err := s.signup(ctx, s.db, signupID)
	if err != nil || g.VolunteerID != v.ID {
		return Signup{}, notFound("volunteer.signup_not_found")
	}
	return s.cancel(ctx, g, 0, true)
}

func (s *Service) cancel(ctx context.Context, g Signup, by int64, self bool) (Signup, error) {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockRow(ctx, "volunteers", g.VolunteerID); err != nil {
			return errs.Wrapf(err, "volunteer: lock %d", g.VolunteerID)
		}
		if err := tx.LockRow(ctx, "volunteer_shifts", g.ShiftID); err != nil {
			return errs.Wrapf(err, "volunteer: lock shift %d", g.ShiftID)
		}
		cur, err := s.signup(ctx, tx, g.ID)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case cur.Status == Cancelled:
			return errs.E(errs.Conflict, "volunteer.already_cancelled")
		case cur.Attendance != "":
			return errs.E(errs.Conflict, "volunteer.attendance_recorded")
		case self && !now.Before(cur.StartsAt):
			return errs.E(errs.Conflict, "volunteer.shift_started")
		}
		r, err := tx.Exec(ctx, `UPDATE volunteer_signups SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = ?`, now, g.ID, cur.Status)
		if err != nil {
			return errs.Wrapf(err, "volunteer: cancel %d", g.ID)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "volunteer.changed")
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: g.MemberID, Action: "volunteer.cancel", EntityType: "volunteer_signup", EntityID: idStr(g.ID),
			State: map[string]any{"shift": g.ShiftID, "volunteer": g.VolunteerID, "was": cur.Status, "by": by}}); err != nil {
			return err
		}
		if cur.Status != Confirmed {
			return nil
		}
		return s.promote(ctx, tx, g.MemberID, g.ShiftID)
	})
	if err != nil {
		return Signup{}, err
	}
	return s.signup(ctx, s.db, g.ID)
}

// promote confirms the first on shiftID's waitlist while places remain;
// the caller holds the shift's lock.
func (s *Service) promote(ctx context.Context, tx *db.Tx, memberID, shiftID int64) error {
	h, err := s.shift(ctx, tx, shiftID)
	if err != nil {
		return err
	}
	for free := h.Capacity - h.Confirmed; free > 0; free-- {
		var next int64
		err := tx.QueryRow(ctx, `SELECT id FROM volunteer_signups WHERE shift_id = ? AND status = 'waitlisted' ORDER BY id LIMIT 1`, shiftID).Scan(&next)
		if noRows(err) {
			return nil
		}
		if err != nil {
			return errs.Wrapf(err, "volunteer: waitlist %d", shiftID)
		}
		r, err := tx.Exec(ctx, `UPDATE volunteer_signups SET status = 'confirmed', updated_at = ? WHERE id = ? AND status = 'waitlisted'`, s.now(), next)
		if err != nil {
			return errs.Wrapf(err, "volunteer: promote %d", next)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "volunteer.changed")
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "volunteer.promote", EntityType: "volunteer_signup", EntityID: idStr(next),
			State: map[string]any{"shift": shiftID, "status": Confirmed}}); err != nil {
			return err
		}
	}
	return nil
}
