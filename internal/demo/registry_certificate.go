package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
	"github.com/tadamun/tadamun/internal/training/certificate"
)

// The training certificates demo: JO's training officer (jo.training)
// issued certificates of three courses — a sewing and embroidery cohort
// of productive families two months ago, a case-management course for
// social workers last month, a digital skills course for young job
// seekers this month — one of them revoked. The training courses do not
// exist yet on this branch: the certificates name enrollment ids from
// demoEnrollmentBase up, which the lead connects to demo enrollments.
// (The file is named registry_… because demo steps run in file order and
// this one needs the registry's households.)
func init() {
	AddStep(Step{Name: "certificates", Run: loadCertificates})
}

// demoEnrollmentBase is far above any enrollment id the demo's training
// will make, so that none of these certificates answers for another
// enrollment.
const demoEnrollmentBase = 9_000_000

func loadCertificates(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		return err
	}
	as := auth.New(d)
	officer, err := as.UserByUsername(ctx, "jo.training")
	if err != nil {
		return fmt.Errorf("user jo.training: %w", err)
	}
	loc := jo.Location()
	now := d.Now().In(loc)
	month := func(back int, day int) time.Time {
		return time.Date(now.Year(), now.Month()-time.Month(back), day, 10, 0, 0, 0, loc)
	}
	clock := calendar.NewManual(month(2, 12))
	s := certificate.New(d, certificate.Options{Clock: clock.Clock()})
	as1 := actor.With(context.Background(), actor.Actor{UserID: officer.ID, Username: officer.Username, Name: officer.DisplayName, MemberID: jo.ID,
		Roles: []actor.Role{actor.TrainingOfficer}, Lang: i18n.AR})
	if cs, err := s.List(as1, certificate.Filter{MemberID: jo.ID}); err != nil || len(cs) > 0 {
		return err // loaded already
	}
	// Registry persons of JO: the first person of each of the first
	// households found.
	reg := registry.New(d)
	type holder struct {
		id          int64
		name, latin string
	}
	var persons []holder
	for i := 1; i <= 80 && len(persons) < 16; i++ {
		h, err := reg.HouseholdByRef(ctx, jo.ID, fmt.Sprintf("JO-H%04d", i))
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		ps, err := reg.Persons(ctx, h.ID)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			continue
		}
		p := ps[0]
		name := strings.Join(strings.Fields(strings.Join([]string{p.FirstName, p.FatherName, p.GrandfatherName, p.FamilyName}, " ")), " ")
		persons = append(persons, holder{p.ID, name, p.NameLatin})
	}
	if len(persons) < 15 {
		return fmt.Errorf("demo certificates: %d JO persons found, want 15", len(persons))
	}
	n := int64(demoEnrollmentBase)
	issue := func(in develop.CertificateInput) (certificate.Certificate, error) {
		n++
		in.MemberID, in.EnrollmentID = jo.ID, n
		return s.Issue(as1, in)
	}
	// Two months ago: a cohort of twelve productive families.
	for _, p := range persons[:12] {
		if _, err := issue(develop.CertificateInput{PersonID: p.id, Holder: p.name, HolderLatin: p.latin, CourseAR: "مهارات الخياطة والتطريز للأسر المنتجة",
			CourseEN: "Sewing and embroidery for productive families", Provider: "مركز التدريب المهني - ماركا", Hours: 60,
			Completed: month(2, 10).Format(time.DateOnly), Result: "ناجح"}); err != nil {
			return err
		}
	}
	// Last month: social workers' case management course.
	clock.Set(month(1, 20))
	for _, name := range []string{"jo.caseworker", "jo.supervisor", "jo.registrar", "jo.grievance"} {
		u, err := as.UserByUsername(ctx, name)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := issue(develop.CertificateInput{UserID: u.ID, Holder: u.DisplayName, CourseAR: "إدارة الحالة والإحالة للأخصائيين الاجتماعيين",
			CourseEN: "Case management and referral for social workers", Provider: "الاتحاد العربي للتضامن الاجتماعي", Hours: 24,
			Completed: month(1, 18).Format(time.DateOnly), Result: "ممتاز"}); err != nil {
			return err
		}
	}
	// This month: young job seekers' digital skills; one issued in error
	// and revoked.
	clock.Set(now.Add(-time.Hour))
	var last certificate.Certificate
	for _, p := range persons[12:15] {
		if last, err = issue(develop.CertificateInput{PersonID: p.id, Holder: p.name, HolderLatin: p.latin, CourseAR: "المهارات الرقمية للباحثين عن عمل",
			CourseEN: "Digital skills for job seekers", Provider: "مؤسسة التدريب المهني", Hours: 30,
			Completed: now.Add(-time.Hour).Format(time.DateOnly), Result: "ناجح"}); err != nil {
			return err
		}
	}
	if _, err := s.Revoke(as1, last.ID, "أُصدرت قبل اكتمال ساعات الحضور المطلوبة، وستصدر من جديد بعد الإتمام."); err != nil {
		return err
	}
	progress("certificates: training certificates (one revoked)")
	return nil
}
