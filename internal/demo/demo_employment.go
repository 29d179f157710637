package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/employment"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// The employment demo (issue 18): JO's skills list; about fifteen job
// seekers from JO's registry persons, persons with disabilities among
// them; three employers — the telecom partner, a bakery verified by the
// officer and a garment factory waiting for verification; five vacancies;
// applications at every stage; one placement with its registry change
// request waiting for a registrar and its three-month follow-up overdue.
// jo.jobs keeps them. It runs late: it builds on the registry and the
// partners.
func init() {
	AddStep(Step{Name: "employment", Run: loadEmployment, Late: true})
}

var demoSkills = []employment.Skill{
	{Code: "cashier", NameAR: "أمين صندوق", NameEN: "Cashier", Group: "retail"},
	{Code: "sales", NameAR: "مبيعات", NameEN: "Sales", Group: "retail"},
	{Code: "baking", NameAR: "خبز وحلويات", NameEN: "Baking", Group: "food"},
	{Code: "cooking", NameAR: "طهي", NameEN: "Cooking", Group: "food"},
	{Code: "sewing", NameAR: "خياطة", NameEN: "Sewing", Group: "crafts"},
	{Code: "embroidery", NameAR: "تطريز", NameEN: "Embroidery", Group: "crafts"},
	{Code: "driving", NameAR: "قيادة مركبات", NameEN: "Driving", Group: "transport"},
	{Code: "data_entry", NameAR: "إدخال بيانات", NameEN: "Data entry", Group: "office"},
	{Code: "call_center", NameAR: "خدمة العملاء بالهاتف", NameEN: "Call centre", Group: "office"},
	{Code: "computer", NameAR: "استخدام الحاسوب", NameEN: "Computer use", Group: "office"},
	{Code: "cleaning", NameAR: "تنظيف", NameEN: "Cleaning", Group: "services"},
	{Code: "electrical", NameAR: "تمديدات كهربائية", NameEN: "Electrical work", Group: "trades"},
}

// demoSeekerSkills are the skills the seekers have, in turn.
var demoSeekerSkills = [][]string{
	{"cashier", "sales"}, {"sewing", "embroidery"}, {"data_entry", "computer"}, {"baking", "cooking"}, {"driving"},
	{"call_center", "computer"}, {"cleaning"}, {"electrical"}, {"sales", "computer"}, {"sewing"},
	{"cashier", "data_entry"}, {"cooking"}, {"call_center"}, {"driving", "sales"}, {"baking"},
}

func loadEmployment(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	ms := member.New(d)
	jo, err := ms.Get(sys, "JO")
	if err != nil {
		return err
	}
	u, err := auth.New(d).UserByUsername(sys, "jo.jobs")
	if err != nil {
		return err
	}
	officer := actor.With(ctx, u.Actor())
	reg := registry.NewWith(d, registry.Options{Members: ms})
	partners := partner.New(d, partner.Options{Members: ms})
	s := employment.New(d, employment.Options{Members: ms, Registry: reg, Programs: program.NewWith(d, program.Options{Members: ms}), Partners: partners, Changes: reg})
	for _, k := range demoSkills {
		if _, err := s.SaveSkill(officer, jo.ID, k); err != nil {
			return fmt.Errorf("skill %s: %w", k.Code, err)
		}
	}
	if _, err := s.SaveSettings(officer, employment.Settings{MemberID: jo.ID, QuotaBP: 400, QuotaFrom: 50, EscalateDays: 5}); err != nil {
		return err
	}
	// Seekers: persons of working age, those with a disability first.
	now := d.Now().In(jo.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, jo.Location())
	var disabled, others []registry.Person
	for off := 0; off < 5000 && len(disabled)+len(others) < 200; off += 200 {
		page, err := reg.ListHouseholds(sys, registry.HouseholdQuery{MemberID: jo.ID, Limit: 200, Offset: off})
		if err != nil {
			return err
		}
		for _, h := range page.Households {
			ps, err := reg.Persons(sys, h.ID)
			if err != nil {
				return err
			}
			for _, p := range ps {
				b, err := time.Parse(time.DateOnly, p.BirthDate)
				if err != nil {
					continue
				}
				age := today.Year() - b.Year()
				if age < 17 || age > 58 || p.EmploymentStatus == "student" || p.EmploymentStatus == "retired" {
					continue
				}
				if p.Disabled() {
					disabled = append(disabled, p)
				} else {
					others = append(others, p)
				}
			}
		}
		if !page.More {
			break
		}
	}
	chosen := append(disabled[:min(5, len(disabled))], others[:min(15-min(5, len(disabled)), len(others))]...)
	if len(chosen) < 8 {
		return fmt.Errorf("only %d persons of working age in JO's registry", len(chosen))
	}
	areas := []string{"AM-QS-01", "AM-QS-02", "AM", "IR-QS-01", "ZA-RS"}
	var seekers []employment.Seeker
	for i, p := range chosen {
		in := employment.SeekerInput{PersonID: p.ID, Skills: demoSeekerSkills[i%len(demoSeekerSkills)], ExperienceMonths: (i * 7) % 60,
			Languages: []string{"ar"}, Areas: []string{areas[i%len(areas)]}, Hours: []string{"full", "part", "any"}[i%3], Consent: i%6 != 5}
		if i%4 == 0 {
			in.Languages = append(in.Languages, "en")
		}
		if p.Disabled() {
			in.AccommodationNote = "يحتاج إلى مكان عمل قريب من المواصلات العامة"
		}
		k, err := s.CreateSeeker(officer, jo.ID, in)
		if err != nil {
			return fmt.Errorf("seeker %s: %w", p.Ref, err)
		}
		seekers = append(seekers, k)
	}
	// Employers: the telecom partner, a verified bakery, a factory waiting.
	var tel partner.Partner
	ps, err := partners.List(sys, jo.ID, partner.Filter{})
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Sector == "telecom" {
			tel = p
		}
	}
	var employers []employment.Employer
	if tel.ID != 0 {
		e, err := s.CreateEmployer(officer, jo.ID, employment.EmployerInput{PartnerID: tel.ID, ContactName: "عمر الزعبي", ContactPhone: "+962 6 500 0002", Headcount: 150, DisabledEmployees: 3, Inclusive: true})
		if err != nil {
			return fmt.Errorf("partner employer: %w", err)
		}
		employers = append(employers, e)
	}
	bakery, err := s.CreateEmployer(officer, jo.ID, employment.EmployerInput{Name: "مخابز الرحمة", RegNo: "JO-CR-88120", Sector: "صناعات غذائية", ContactName: "سعاد الحمود", ContactPhone: "0795550101",
		AreaCode: "AM-QS", Headcount: 60, DisabledEmployees: 3})
	if err != nil {
		return err
	}
	if bakery, err = s.VerifyEmployer(officer, bakery.ID, true, ""); err != nil {
		return err
	}
	employers = append(employers, bakery)
	factory, err := s.CreateEmployer(officer, jo.ID, employment.EmployerInput{Name: "مصنع الأمل للملابس", RegNo: "JO-CR-90411", Sector: "صناعة الملابس", ContactName: "خالد النمر",
		ContactEmail: "hr@alamal.example", AreaCode: "ZA-RS", Headcount: 80})
	if err != nil {
		return err
	}
	// Vacancies.
	pledges, err := s.JobPledges(officer, jo.ID)
	if err != nil {
		return err
	}
	var pledge int64
	for _, p := range pledges {
		if p.PartnerID == tel.ID {
			pledge = p.ID
		}
	}
	first := employers[0]
	deadline := today.AddDate(0, 2, 0).Format(time.DateOnly)
	vin := []employment.VacancyInput{
		{EmployerID: first.ID, PledgeID: pledge, Title: "موظف خدمة عملاء (مركز الاتصال)", Description: "الرد على مكالمات المشتركين وتسجيل طلباتهم.", Skills: []string{"call_center", "computer"},
			Education: "secondary", Languages: []string{"ar"}, AreaCode: "AM-QS-02", Hours: "full", Pay: 380000, PayPeriod: "month", Positions: 4, Accommodations: []string{"step_free", "screen_reader", "accessible_toilet"}, Deadline: deadline},
		{EmployerID: first.ID, Title: "مدخل بيانات", Skills: []string{"data_entry", "computer"}, Education: "secondary", AreaCode: "AM", Hours: "part", Pay: 2500, PayPeriod: "hour", Positions: 2,
			Accommodations: []string{"flexible_hours", "quiet_space"}},
		{EmployerID: bakery.ID, Title: "خبّاز", Skills: []string{"baking"}, ExperienceMonths: 6, AreaCode: "AM-QS-01", Hours: "full", Pay: 320000, PayPeriod: "month", Positions: 2},
		{EmployerID: bakery.ID, Title: "أمين صندوق", Skills: []string{"cashier", "sales"}, Education: "secondary", AreaCode: "AM-QS-01", Hours: "full", Pay: 300000, PayPeriod: "month", Positions: 1,
			Accommodations: []string{"step_free"}},
		{EmployerID: factory.ID, Title: "خيّاطة على ماكينة صناعية", Skills: []string{"sewing"}, AreaCode: "ZA-RS", Hours: "full", Pay: 290000, PayPeriod: "month", Positions: 10, Accommodations: []string{"transport"}},
	}
	var vs []employment.Vacancy
	for _, in := range vin {
		v, err := s.CreateVacancy(officer, jo.ID, in)
		if err != nil {
			return fmt.Errorf("vacancy %s: %w", in.Title, err)
		}
		vs = append(vs, v)
	}
	// Applications at every stage; the first is placed a little more than
	// three months ago, so that its first follow-up is due.
	apply := func(k employment.Seeker, v employment.Vacancy) (employment.Application, error) {
		a, err := s.Apply(officer, k.ID, v.ID)
		if err != nil {
			return a, fmt.Errorf("apply %d for %d: %w", k.ID, v.ID, err)
		}
		return a, nil
	}
	wall := func(t time.Time) string { return t.Format("2006-01-02T15:04") }
	started := today.AddDate(0, -3, -12)
	a, err := apply(seekers[0], vs[0])
	if err != nil {
		return err
	}
	if a, err = s.ScheduleInterview(officer, a.ID, wall(started.AddDate(0, 0, -20).Add(11*time.Hour)), "مقر الشركة، العبدلي"); err != nil {
		return err
	}
	if a, err = s.MakeOffer(officer, a.ID, 380000, started.Format(time.DateOnly)); err != nil {
		return err
	}
	if _, err = s.Place(officer, a.ID, ""); err != nil {
		return fmt.Errorf("placement: %w", err)
	}
	steps := []struct {
		seeker, vacancy int
		to              string
	}{
		{1, 0, employment.Applied}, {2, 1, employment.Interview}, {3, 2, employment.Offer}, {4, 3, employment.Applied},
		{5, 0, employment.Interview}, {6, 2, employment.RejectedA}, {7, 1, employment.Withdrawn},
	}
	for _, st := range steps {
		if st.seeker >= len(seekers) {
			continue
		}
		a, err := apply(seekers[st.seeker], vs[st.vacancy])
		if err != nil {
			return err
		}
		switch st.to {
		case employment.Interview, employment.Offer:
			if a, err = s.ScheduleInterview(officer, a.ID, wall(today.AddDate(0, 0, 3).Add(10*time.Hour)), "مكتب التشغيل، جبل الحسين"); err != nil {
				return err
			}
			if st.to == employment.Offer {
				if _, err = s.MakeOffer(officer, a.ID, 330000, today.AddDate(0, 0, 14).Format(time.DateOnly)); err != nil {
					return err
				}
			}
		case employment.RejectedA:
			if _, err = s.CloseApplication(officer, a.ID, employment.RejectedA, "لا تتوفر الخبرة المطلوبة في الخبز الآلي"); err != nil {
				return err
			}
		case employment.Withdrawn:
			if _, err = s.CloseApplication(officer, a.ID, employment.Withdrawn, "وجد عملًا أقرب إلى سكنه"); err != nil {
				return err
			}
		}
	}
	// The overdue follow-up is escalated, as the server's sweep would.
	if _, err := s.Sweep(officer); err != nil {
		return err
	}
	progress(fmt.Sprintf("employment: %d skills, %d job seekers, %d employers, %d vacancies", len(demoSkills), len(seekers), len(employers)+1, len(vs)))
	return nil
}
