package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/volunteer"
)

// The volunteer demo: JO's volunteers (most approved, two waiting for the
// coordinator jo.volunteers), a distribution day in Marka with morning and
// afternoon shifts (one full, with a waiting list), weekly tutoring in
// Irbid, attendance of the past shifts and one certificate of hours.
func init() {
	AddStep(Step{Name: "volunteers", Run: loadVolunteers})
}

// acceptAll stands for the portal's challenge: demo sign-ups are typed by
// no one.
type acceptAll struct{}

func (acceptAll) Verify(string, string) error { return nil }

var demoVolunteers = []struct {
	name, phone   string
	skills, areas []string
	langs         []string
	days, times   []string
	pending       bool
}{
	{"ليلى الخطيب", "0791100201", []string{"first_aid", "logistics"}, []string{"AM"}, []string{"ar", "en"}, []string{"fri", "sat"}, []string{"morning"}, false},
	{"عمر الزعبي", "0791100202", []string{"driving", "logistics"}, []string{"AM-QS"}, []string{"ar"}, []string{"thu", "fri", "sat"}, []string{"morning", "afternoon"}, false},
	{"رنا العمري", "0791100203", []string{"teaching", "psychosocial"}, []string{"IR"}, []string{"ar", "en"}, []string{"sun", "tue"}, []string{"afternoon"}, false},
	{"محمد الشريف", "0791100204", []string{"data_entry", "it"}, []string{"AM"}, []string{"ar", "en"}, []string{"sat"}, []string{"morning"}, false},
	{"هالة المومني", "0791100205", []string{"teaching", "sign_language"}, []string{"IR-QS"}, []string{"ar", "sign"}, []string{"sun", "mon", "tue"}, []string{"afternoon", "evening"}, false},
	{"يوسف العبادي", "0791100206", []string{"logistics", "cooking"}, []string{"AM"}, []string{"ar"}, []string{"fri"}, []string{"morning"}, false},
	{"نور الحياري", "0791100207", []string{"first_aid", "nursing"}, []string{"AM-QS"}, []string{"ar", "en"}, []string{"sat"}, []string{"morning"}, true},
	{"طارق السعدي", "0791100208", []string{"driving"}, []string{"ZA"}, []string{"ar"}, []string{"fri", "sat"}, []string{"morning", "afternoon"}, true},
}

func loadVolunteers(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		return err
	}
	loc := jo.Location()
	now := d.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	// The clock walks back to the past shifts to book them, then on to
	// today for their attendance.
	clock := calendar.NewManual(today.AddDate(0, 0, -30))
	s := volunteer.New(d, volunteer.Options{Challenges: acceptAll{}, Clock: clock.Clock()})
	ids := make([]int64, len(demoVolunteers))
	for i, v := range demoVolunteers {
		p := volunteer.Profile{MemberID: jo.ID, Name: v.name, Phone: v.phone, Skills: v.skills, Areas: v.areas, Languages: v.langs, Days: v.days, Times: v.times, Consent: true}
		if v.pending {
			r, err := s.SignUp(ctx, p)
			if err != nil {
				return fmt.Errorf("volunteer %s: %w", v.name, err)
			}
			ids[i] = r.ID
			continue
		}
		r, err := s.Register(ctx, p)
		if err != nil {
			return fmt.Errorf("volunteer %s: %w", v.name, err)
		}
		ids[i] = r.ID
	}
	at := func(day time.Time, hour int) string {
		return day.Add(time.Duration(hour) * time.Hour).Format("2006-01-02T15:04")
	}
	dist, err := s.CreateOpportunity(ctx, volunteer.OpportunityInput{MemberID: jo.ID, Kind: "distribution", Title: "يوم توزيع الطرود الغذائية — ماركا",
		Description: "تجهيز الطرود في المستودع وتوزيعها على الأسر المسجلة في برنامج الدعم النقدي، مع مراعاة الخصوصية.", AreaCode: "AM",
		Skills: []string{"logistics", "driving"}, StartsOn: today.AddDate(0, 0, -7).Format(time.DateOnly), EndsOn: today.AddDate(0, 0, 14).Format(time.DateOnly)})
	if err != nil {
		return err
	}
	tutor, err := s.CreateOpportunity(ctx, volunteer.OpportunityInput{MemberID: jo.ID, Kind: "tutoring", Title: "تقوية في الرياضيات لطلاب الصف السادس",
		Description: "حصص تقوية أسبوعية لأبناء الأسر المستفيدة في مركز الحصن المجتمعي.", AreaCode: "IR", Skills: []string{"teaching"},
		StartsOn: today.AddDate(0, 0, -14).Format(time.DateOnly), EndsOn: today.AddDate(0, 0, 60).Format(time.DateOnly)})
	if err != nil {
		return err
	}
	type shiftPlan struct {
		opp      int64
		day      time.Time
		from, to int
		place    string
		capacity int
		people   []int
	}
	plans := []shiftPlan{
		{dist.ID, today.AddDate(0, 0, -7), 9, 13, "مستودع ماركا الشمالية", 4, []int{0, 1, 3, 5}},
		{tutor.ID, today.AddDate(0, 0, -14), 16, 18, "مركز الحصن المجتمعي", 3, []int{2, 4}},
		{tutor.ID, today.AddDate(0, 0, -7), 16, 18, "مركز الحصن المجتمعي", 3, []int{2}},
		{dist.ID, today.AddDate(0, 0, 5), 9, 13, "مستودع ماركا الشمالية", 3, []int{0, 1, 5, 3}},
		{dist.ID, today.AddDate(0, 0, 5), 13, 17, "مستودع ماركا الشمالية", 4, nil},
		{tutor.ID, today.AddDate(0, 0, 3), 16, 18, "مركز الحصن المجتمعي", 3, []int{4}},
	}
	var past [][]volunteer.Signup
	var pastShifts []volunteer.Shift
	for _, p := range plans {
		h, err := s.AddShift(ctx, p.opp, volunteer.ShiftInput{Start: at(p.day, p.from), End: at(p.day, p.to), Place: p.place, Capacity: p.capacity})
		if err != nil {
			return err
		}
		var gs []volunteer.Signup
		for _, i := range p.people {
			g, err := s.Book(ctx, h.ID, ids[i])
			if err != nil {
				return fmt.Errorf("booking %s: %w", demoVolunteers[i].name, err)
			}
			gs = append(gs, g)
		}
		if p.day.Before(today) {
			past, pastShifts = append(past, gs), append(pastShifts, h)
		}
	}
	clock.Set(now)
	for i, h := range pastShifts {
		var marks []volunteer.Mark
		for j, g := range past[i] {
			m := volunteer.Mark{SignupID: g.ID, Present: true}
			if i == 0 && j == 3 {
				m.Present = false // one did not come
			}
			if i == 0 && j == 1 {
				m.Minutes = 180 // left an hour early
			}
			marks = append(marks, m)
		}
		if _, err := s.RecordAttendance(ctx, h.ID, marks); err != nil {
			return err
		}
	}
	if _, err := s.Issue(ctx, ids[2], today.AddDate(0, 0, -30).Format(time.DateOnly), today.Format(time.DateOnly)); err != nil {
		return err
	}
	progress(fmt.Sprintf("volunteers: %d, two opportunities with %d shifts, one certificate of hours", len(ids), len(plans)))
	return nil
}
