package volunteer

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Opportunity is work a member or one of its offices asks volunteers for.
type Opportunity struct {
	ID          int64     `json:"id"`
	MemberID    int64     `json:"member_id"`
	OfficeID    int64     `json:"office_id,omitempty"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	AreaCode    string    `json:"area_code,omitempty"`
	Skills      []string  `json:"skills"`
	StartsOn    string    `json:"starts_on"` // YYYY-MM-DD
	EndsOn      string    `json:"ends_on"`
	Status      string    `json:"status"` // open or closed
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	Shifts      int       `json:"shifts"` // how many shifts it has
}

// OpportunityInput is a new opportunity.
type OpportunityInput struct {
	MemberID    int64    `json:"-"`
	OfficeID    int64    `json:"office_id,omitempty"`
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	AreaCode    string   `json:"area_code,omitempty"`
	Skills      []string `json:"skills,omitempty"`
	StartsOn    string   `json:"starts_on"`
	EndsOn      string   `json:"ends_on"`
}

// CreateOpportunity posts an opportunity (volunteer.manage in its member).
func (s *Service) CreateOpportunity(ctx context.Context, in OpportunityInput) (Opportunity, error) {
	if err := auth.RequireMember(ctx, auth.VolunteerManage, in.MemberID); err != nil {
		return Opportunity{}, err
	}
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	in.Description = strings.TrimSpace(in.Description)
	in.AreaCode = strings.TrimSpace(in.AreaCode)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !slices.Contains(Kinds, in.Kind) {
		e.WithField("kind", "volunteer.kind_invalid")
	}
	switch {
	case in.Title == "":
		e.WithField("title", "volunteer.title_required")
	case runes(in.Title) > maxTitle:
		e.WithField("title", "volunteer.too_long", "max", maxTitle)
	}
	if runes(in.Description) > maxText {
		e.WithField("description", "volunteer.too_long", "max", maxText)
	}
	in.Skills = codes(e, "skills", in.Skills, Skills)
	from, ok1 := parseDay(in.StartsOn)
	to, ok2 := parseDay(in.EndsOn)
	if !ok1 {
		e.WithField("starts_on", "volunteer.date_invalid")
	}
	if !ok2 {
		e.WithField("ends_on", "volunteer.date_invalid")
	}
	if ok1 && ok2 && (to.Before(from) || to.Sub(from) > 366*24*time.Hour) {
		e.WithField("ends_on", "volunteer.period_invalid")
	}
	if in.AreaCode != "" {
		if err := s.checkAreas(ctx, e, "area_code", in.MemberID, []string{in.AreaCode}); err != nil {
			return Opportunity{}, err
		}
	}
	if in.OfficeID != 0 {
		os, err := s.Offices(ctx, in.MemberID)
		if err != nil {
			return Opportunity{}, err
		}
		if !slices.ContainsFunc(os, func(o Office) bool { return o.ID == in.OfficeID }) {
			e.WithField("office_id", "volunteer.office_unknown")
		}
	}
	if len(e.Fields) > 0 {
		return Opportunity{}, e
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO volunteer_opportunities (member_id, office_id, kind, title, description, area_code, skills, starts_on, ends_on, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id`,
			in.MemberID, in.OfficeID, in.Kind, in.Title, in.Description, in.AreaCode, joinCodes(in.Skills), from.Format(time.DateOnly), to.Format(time.DateOnly), actorID(ctx), now, now)
		if err != nil {
			return errs.Wrapf(err, "volunteer: opportunity")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: in.MemberID, Action: "volunteer.opportunity_create", EntityType: "volunteer_opportunity", EntityID: idStr(id), State: in})
	})
	if err != nil {
		return Opportunity{}, err
	}
	return s.opportunity(ctx, s.db, id)
}

const opportunityCols = `o.id, o.member_id, o.office_id, o.kind, o.title, o.description, o.area_code, o.skills, o.starts_on, o.ends_on, o.status, o.created_by, o.created_at,
	(SELECT COUNT(*) FROM volunteer_shifts h WHERE h.opportunity_id = o.id AND h.status = 'open')`

func scanOpportunity(r scanner) (Opportunity, error) {
	var o Opportunity
	var skills string
	err := r.Scan(&o.ID, &o.MemberID, &o.OfficeID, &o.Kind, &o.Title, &o.Description, &o.AreaCode, &skills, &o.StartsOn, &o.EndsOn, &o.Status, &o.CreatedBy, &o.CreatedAt, &o.Shifts)
	o.Skills = splitCodes(skills)
	return o, err
}

func (s *Service) opportunity(ctx context.Context, q querier, id int64) (Opportunity, error) {
	o, err := scanOpportunity(q.QueryRow(ctx, `SELECT `+opportunityCols+` FROM volunteer_opportunities o WHERE o.id = ?`, id))
	if noRows(err) {
		return o, notFound("volunteer.opportunity_not_found")
	}
	return o, errs.Wrapf(err, "volunteer: opportunity %d", id)
}

// Opportunity returns opportunity id (volunteer.read).
func (s *Service) Opportunity(ctx context.Context, id int64) (Opportunity, error) {
	o, err := s.opportunity(ctx, s.db, id)
	if err != nil {
		return o, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerRead, o.MemberID); err != nil {
		return Opportunity{}, err
	}
	return o, nil
}

// Opportunities lists member's opportunities, the newest first
// (volunteer.read); open only when openOnly.
func (s *Service) Opportunities(ctx context.Context, memberID int64, openOnly bool) ([]Opportunity, error) {
	if err := auth.RequireMember(ctx, auth.VolunteerRead, memberID); err != nil {
		return nil, err
	}
	return s.opportunities(ctx, memberID, openOnly)
}

func (s *Service) opportunities(ctx context.Context, memberID int64, openOnly bool) ([]Opportunity, error) {
	q := `SELECT ` + opportunityCols + ` FROM volunteer_opportunities o WHERE o.member_id = ?`
	if openOnly {
		q += ` AND o.status = 'open'`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY o.starts_on DESC, o.id DESC LIMIT 500`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "volunteer: opportunities")
	}
	defer rows.Close()
	var out []Opportunity
	for rows.Next() {
		o, err := scanOpportunity(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "volunteer: opportunities")
		}
		out = append(out, o)
	}
	return out, errs.Wrapf(rows.Err(), "volunteer: opportunities")
}

// CloseOpportunity closes opportunity id to new bookings (volunteer.manage);
// booked places stay, and attendance can still be recorded.
func (s *Service) CloseOpportunity(ctx context.Context, id int64) error {
	o, err := s.opportunity(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, o.MemberID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE volunteer_opportunities SET status = 'closed', updated_at = ? WHERE id = ? AND status = 'open'`, s.now(), id)
		if err != nil {
			return errs.Wrapf(err, "volunteer: close %d", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "volunteer.opportunity_closed")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: o.MemberID, Action: "volunteer.opportunity_close", EntityType: "volunteer_opportunity", EntityID: idStr(id), State: map[string]any{"status": "closed"}})
	})
}

// Shift is a time slot of an opportunity with its places.
type Shift struct {
	ID            int64     `json:"id"`
	MemberID      int64     `json:"member_id"`
	OpportunityID int64     `json:"opportunity_id"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	Place         string    `json:"place,omitempty"`
	Capacity      int       `json:"capacity"`
	Status        string    `json:"status"`
	Confirmed     int       `json:"confirmed"`
	Waitlisted    int       `json:"waitlisted"`
}

// Minutes is the shift's length in minutes.
func (h Shift) Minutes() int { return int(h.EndsAt.Sub(h.StartsAt) / time.Minute) }

// Free is the number of places left.
func (h Shift) Free() int { return max(0, h.Capacity-h.Confirmed) }

// ShiftInput is a new shift. Start and end are wall times in the member's
// zone ("2027-03-04T09:00"), or times with an offset.
type ShiftInput struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Place    string `json:"place,omitempty"`
	Capacity int    `json:"capacity"`
}

// parseWall reads a local time in loc.
func parseWall(x string, loc *time.Location) (time.Time, bool) {
	x = strings.TrimSpace(x)
	if t, err := time.Parse(time.RFC3339, x); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, x, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// AddShift adds a shift to opportunity id (volunteer.manage).
func (s *Service) AddShift(ctx context.Context, opportunityID int64, in ShiftInput) (Shift, error) {
	o, err := s.opportunity(ctx, s.db, opportunityID)
	if err != nil {
		return Shift{}, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerManage, o.MemberID); err != nil {
		return Shift{}, err
	}
	loc, err := s.zone(ctx, o.MemberID)
	if err != nil {
		return Shift{}, err
	}
	in.Place = strings.TrimSpace(in.Place)
	e := errs.E(errs.Invalid, "error.invalid_input")
	start, ok1 := parseWall(in.Start, loc)
	end, ok2 := parseWall(in.End, loc)
	if !ok1 {
		e.WithField("start", "volunteer.time_invalid")
	}
	if !ok2 {
		e.WithField("end", "volunteer.time_invalid")
	}
	if ok1 && ok2 && (!end.After(start) || end.Sub(start) > maxShift) {
		e.WithField("end", "volunteer.shift_length")
	}
	if in.Capacity < 1 || in.Capacity > maxCapacity {
		e.WithField("capacity", "volunteer.capacity_invalid", "max", maxCapacity)
	}
	if runes(in.Place) > maxPlace {
		e.WithField("place", "volunteer.too_long", "max", maxPlace)
	}
	if o.Status != "open" {
		e.WithField("start", "volunteer.opportunity_closed")
	}
	if len(e.Fields) > 0 {
		return Shift{}, e
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO volunteer_shifts (member_id, opportunity_id, starts_at, ends_at, place, capacity, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?) RETURNING id`,
			o.MemberID, o.ID, start, end, in.Place, in.Capacity, s.now())
		if err != nil {
			return errs.Wrapf(err, "volunteer: shift")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: o.MemberID, Action: "volunteer.shift_create", EntityType: "volunteer_shift", EntityID: idStr(id),
			State: map[string]any{"opportunity": o.ID, "start": start, "end": end, "capacity": in.Capacity, "place": in.Place}})
	})
	if err != nil {
		return Shift{}, err
	}
	return s.shift(ctx, s.db, id)
}

const shiftCols = `h.id, h.member_id, h.opportunity_id, h.starts_at, h.ends_at, h.place, h.capacity, h.status,
	(SELECT COUNT(*) FROM volunteer_signups g WHERE g.shift_id = h.id AND g.status = 'confirmed'),
	(SELECT COUNT(*) FROM volunteer_signups g WHERE g.shift_id = h.id AND g.status = 'waitlisted')`

func scanShift(r scanner) (Shift, error) {
	var h Shift
	err := r.Scan(&h.ID, &h.MemberID, &h.OpportunityID, &h.StartsAt, &h.EndsAt, &h.Place, &h.Capacity, &h.Status, &h.Confirmed, &h.Waitlisted)
	h.StartsAt, h.EndsAt = h.StartsAt.UTC(), h.EndsAt.UTC()
	return h, err
}

func (s *Service) shift(ctx context.Context, q querier, id int64) (Shift, error) {
	h, err := scanShift(q.QueryRow(ctx, `SELECT `+shiftCols+` FROM volunteer_shifts h WHERE h.id = ?`, id))
	if noRows(err) {
		return h, notFound("volunteer.shift_not_found")
	}
	return h, errs.Wrapf(err, "volunteer: shift %d", id)
}

// Shift returns shift id (volunteer.read).
func (s *Service) Shift(ctx context.Context, id int64) (Shift, error) {
	h, err := s.shift(ctx, s.db, id)
	if err != nil {
		return h, err
	}
	if err := auth.RequireMember(ctx, auth.VolunteerRead, h.MemberID); err != nil {
		return Shift{}, err
	}
	return h, nil
}

// Shifts lists opportunity id's shifts by start (volunteer.read).
func (s *Service) Shifts(ctx context.Context, opportunityID int64) ([]Shift, error) {
	if _, err := s.Opportunity(ctx, opportunityID); err != nil {
		return nil, err
	}
	return s.shifts(ctx, `h.opportunity_id = ?`, opportunityID)
}

func (s *Service) shifts(ctx context.Context, where string, args ...any) ([]Shift, error) {
	rows, err := s.db.Query(ctx, `SELECT `+shiftCols+` FROM volunteer_shifts h WHERE `+where+` ORDER BY h.starts_at, h.id LIMIT 1000`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "volunteer: shifts")
	}
	defer rows.Close()
	var out []Shift
	for rows.Next() {
		h, err := scanShift(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "volunteer: shifts")
		}
		out = append(out, h)
	}
	return out, errs.Wrapf(rows.Err(), "volunteer: shifts")
}

// OpenShift is a shift a volunteer may book, with its opportunity.
type OpenShift struct {
	Shift
	Opportunity Opportunity `json:"opportunity"`
}

// OpenShiftsFor lists the open opportunities' shifts still to come of the
// volunteer's member, for their personal page.
func (s *Service) OpenShiftsFor(ctx context.Context, v Volunteer) ([]OpenShift, error) {
	os, err := s.opportunities(ctx, v.MemberID, true)
	if err != nil {
		return nil, err
	}
	byID := map[int64]Opportunity{}
	for _, o := range os {
		byID[o.ID] = o
	}
	hs, err := s.shifts(ctx, `h.member_id = ? AND h.status = 'open' AND h.starts_at > ?`, v.MemberID, s.now())
	if err != nil {
		return nil, err
	}
	var out []OpenShift
	for _, h := range hs {
		if o, ok := byID[h.OpportunityID]; ok {
			out = append(out, OpenShift{Shift: h, Opportunity: o})
		}
	}
	return out, nil
}
