package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/registry"
	"github.com/tadamun/tadamun/internal/training"
	"github.com/tadamun/tadamun/internal/training/certificate"
)

// The training demo (JO, officer jo.training): a strengths-based case
// management course for social workers with JO's staff enrolled; a youth
// course in digital skills against Jordan Telecom's pledge of training
// places, full, with a waiting list; a food-processing course for
// productive families given by the Mills and Food Industries Co.; and a
// job-readiness course finished six weeks ago, with attendance, two
// assessments and most of its trainees completed.
func init() {
	AddStep(Step{Name: "training", Run: loadTraining, Late: true})
}

func loadTraining(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		return err
	}
	loc := jo.Location()
	now := d.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	// The clock walks back to the finished course's weeks, then to today.
	clock := calendar.NewManual(today.AddDate(0, 0, -75))
	reg := registry.New(d)
	ps := partner.New(d, partner.Options{Clock: clock.Clock()})
	// Completions issue their certificates, as in the server.
	s := training.New(d, training.Options{Registry: reg, Auth: auth.New(d), Partners: ps, Certifier: certificate.New(d, certificate.Options{Clock: clock.Clock()}), Clock: clock.Clock()})
	at := func(day time.Time, hour int) string {
		return day.Add(time.Duration(hour) * time.Hour).Format("2006-01-02T15:04")
	}
	weekly := func(c training.Course, from time.Time, n, hour int) error {
		for i := range n {
			day := from.AddDate(0, 0, 7*i)
			if _, err := s.AddSession(sys, c.ID, training.SessionInput{Start: at(day, hour), End: at(day, hour+3)}); err != nil {
				return fmt.Errorf("training session: %w", err)
			}
		}
		return nil
	}
	people := func(q registry.Query) ([]registry.Person, error) {
		q.MemberID, q.Limit = jo.ID, 40
		p, err := reg.Search(sys, q)
		return p.Persons, err
	}
	ages := func(lo, hi int) (*int, *int) { return &lo, &hi }

	// The finished course, first: its weeks are past.
	past := today.AddDate(0, 0, -75)
	ready, err := s.CreateCourse(sys, training.CourseInput{MemberID: jo.ID, Audience: "job_seekers", TitleAR: "الاستعداد لسوق العمل: السيرة الذاتية والمقابلة",
		TitleEN: "Job readiness: CV and interview", DescriptionAR: "كتابة السيرة الذاتية، والبحث عن الوظائف، والتدرّب على المقابلات، وحقوق العامل.",
		DescriptionEN: "Writing a CV, looking for work, practising interviews, and workers' rights.", ProviderKind: "office", Provider: "مكتب التشغيل — عمّان",
		Hours: 18, Capacity: 25, Place: "مركز تدريب ماركا", MinAttendance: 75, PassRule: training.PassAll, Status: training.Open})
	if err != nil {
		return fmt.Errorf("training course: %w", err)
	}
	if err := weekly(ready, past.AddDate(0, 0, 2), 6, 9); err != nil {
		return err
	}
	lo, hi := ages(20, 55)
	seekers, err := people(registry.Query{AgeMin: lo, AgeMax: hi, Sort: "-birth_date"})
	if err != nil {
		return err
	}
	var enrolled []training.Enrollment
	for _, p := range seekers {
		if len(enrolled) == 16 {
			break
		}
		e, err := s.Enroll(sys, ready.ID, training.EnrollInput{PersonID: p.ID})
		if err != nil {
			continue // a prerequisite unmet or already enrolled: the next one
		}
		enrolled = append(enrolled, e)
	}
	if ready, err = s.Course(sys, ready.ID); err != nil {
		return err
	}
	if ready, err = s.SetStatus(sys, ready.ID, training.Running, ready.Version); err != nil {
		return err
	}
	cv, err := s.AddAssessment(sys, ready.ID, training.AssessmentInput{NameAR: "السيرة الذاتية", NameEN: "The CV", MaxScore: 20, PassScore: 12})
	if err != nil {
		return err
	}
	interview, err := s.AddAssessment(sys, ready.ID, training.AssessmentInput{NameAR: "المقابلة التجريبية", NameEN: "Mock interview", MaxScore: 100, PassScore: 60})
	if err != nil {
		return err
	}
	clock.Set(past.AddDate(0, 0, 40))
	sessions, err := s.Sessions(sys, ready.ID)
	if err != nil {
		return err
	}
	for j, t := range sessions {
		var marks []training.Mark
		for i, e := range enrolled {
			m := training.Present
			switch {
			case i%7 == 3 && j%2 == 0: // misses half the weeks
				m = training.Absent
			case i%5 == 1 && j == 2:
				m = training.Excused
			}
			marks = append(marks, training.Mark{EnrollmentID: e.ID, Mark: m})
		}
		if _, err := s.RecordAttendance(sys, t.ID, marks); err != nil {
			return fmt.Errorf("training attendance: %w", err)
		}
	}
	var cvs, ivs []training.Score
	for i, e := range enrolled {
		cvs = append(cvs, training.Score{EnrollmentID: e.ID, Score: 11 + (i*3)%10})
		ivs = append(ivs, training.Score{EnrollmentID: e.ID, Score: 55 + (i*11)%45})
	}
	if err := s.RecordScores(sys, cv.ID, cvs); err != nil {
		return err
	}
	if err := s.RecordScores(sys, interview.ID, ivs); err != nil {
		return err
	}
	if _, err := s.CompleteAll(sys, ready.ID); err != nil {
		return fmt.Errorf("training completion: %w", err)
	}
	for _, e := range enrolled {
		if cur, err := s.Enrollment(sys, e.ID); err == nil && cur.Status == training.Enrolled {
			if _, err := s.Fail(sys, e.ID, "لم يستوفِ نسبة الحضور أو درجة النجاح"); err != nil {
				return err
			}
		}
	}
	if ready, err = s.Course(sys, ready.ID); err != nil {
		return err
	}
	if _, err := s.SetStatus(sys, ready.ID, training.Finished, ready.Version); err != nil {
		return err
	}
	clock.Set(today.Add(8 * time.Hour))

	// Social workers: JO's staff.
	sw, err := s.CreateCourse(sys, training.CourseInput{MemberID: jo.ID, Audience: "social_workers", TitleAR: "إدارة الحالة المبنية على نقاط القوة",
		TitleEN: "Strengths-based case management", DescriptionAR: "التقييم الشامل، وخطط الحالة، والإحالة، والسرية، ورعاية الأخصائي لنفسه.",
		DescriptionEN: "Assessment, case plans, referrals, confidentiality, and self-care for social workers.", ProviderKind: "office", Provider: "مديرية التنمية الاجتماعية — عمّان",
		Hours: 24, Capacity: 20, Place: "قاعة الوزارة — العبدلي", OnlineURL: "https://meet.example.org/tadamun-case", MinAttendance: 80, Status: training.Open})
	if err != nil {
		return err
	}
	if err := weekly(sw, today.AddDate(0, 0, 5), 4, 10); err != nil {
		return err
	}
	if _, err := s.AddAssessment(sys, sw.ID, training.AssessmentInput{NameAR: "دراسة حالة", NameEN: "Case study", MaxScore: 50, PassScore: 30}); err != nil {
		return err
	}
	users, err := auth.New(d).ListUsers(sys, auth.UserFilter{MemberID: jo.ID})
	if err != nil {
		return err
	}
	for _, u := range users {
		switch u.Username {
		case "jo.caseworker", "jo.supervisor", "jo.registrar", "jo.volunteers":
			if _, err := s.Enroll(sys, sw.ID, training.EnrollInput{UserID: u.ID}); err != nil {
				return fmt.Errorf("training enroll %s: %w", u.Username, err)
			}
		}
	}

	// Youth: Jordan Telecom's pledge of training places; full, with a
	// waiting list.
	pledges, err := ps.OpenPledges(sys, jo.ID, partner.Training)
	if err != nil {
		return err
	}
	youth := training.CourseInput{MemberID: jo.ID, Audience: "youth", TitleAR: "مهارات البرمجة والدعم الفني", TitleEN: "Programming and IT support skills",
		DescriptionAR: "أساسيات البرمجة وصيانة الحواسيب ودعم المستخدمين، مع تدريب عملي في الشركة.", DescriptionEN: "Programming basics, computer repair and user support, with practice at the company.",
		ProviderKind: "partner", Hours: 40, Capacity: 6, Place: "مركز شباب إربد", MinAge: 18, MaxAge: 29, MinAttendance: 80, Status: training.Open}
	for _, p := range pledges {
		if p.Course != "" {
			youth.PledgeID = p.ID
			break
		}
	}
	list, err := ps.List(sys, jo.ID, partner.Filter{})
	if err != nil {
		return err
	}
	var food int64
	for _, p := range list {
		if p.NameEN == "Mills and Food Industries Co." {
			food = p.ID
		}
		if youth.PledgeID == 0 && p.NameEN == "Jordan Telecom" {
			youth.PartnerID = p.ID
		}
	}
	yc, err := s.CreateCourse(sys, youth)
	if err != nil {
		return fmt.Errorf("training youth course: %w", err)
	}
	if err := weekly(yc, today.AddDate(0, 0, 3), 8, 16); err != nil {
		return err
	}
	lo, hi = ages(18, 29)
	young, err := people(registry.Query{AgeMin: lo, AgeMax: hi})
	if err != nil {
		return err
	}
	n := 0
	for _, p := range young {
		if n == 8 {
			break
		}
		if _, err := s.Enroll(sys, yc.ID, training.EnrollInput{PersonID: p.ID}); err == nil {
			n++
		}
	}

	// Productive families: the food company.
	fam := training.CourseInput{MemberID: jo.ID, Audience: "families", TitleAR: "تصنيع الأغذية المنزلية وسلامة الغذاء", TitleEN: "Home food processing and food safety",
		DescriptionAR: "المخللات والمربيات والألبان، وشروط السلامة والتغليف والتسعير للبيع في السوق.", DescriptionEN: "Pickles, jams and dairy; safety, packaging and pricing for the market.",
		ProviderKind: "partner", PartnerID: food, Hours: 30, Capacity: 15, Place: "مطبخ الجمعية — الزرقاء", MinAttendance: 70, Status: training.Open}
	if food == 0 {
		fam.ProviderKind, fam.Provider = "office", "مديرية التنمية الاجتماعية — الزرقاء"
	}
	fc, err := s.CreateCourse(sys, fam)
	if err != nil {
		return fmt.Errorf("training families course: %w", err)
	}
	if err := weekly(fc, today.AddDate(0, 0, 6), 5, 10); err != nil {
		return err
	}
	women, err := people(registry.Query{Sex: "female", Relationship: "head"})
	if err != nil {
		return err
	}
	for i, p := range women {
		if i == 5 {
			break
		}
		if _, err := s.Enroll(sys, fc.ID, training.EnrollInput{PersonID: p.ID}); err != nil {
			return fmt.Errorf("training enroll: %w", err)
		}
	}
	progress(fmt.Sprintf("training: 4 courses, %d trainees in the finished one", len(enrolled)))
	return nil
}
