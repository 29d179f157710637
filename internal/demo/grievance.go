package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/member"
)

// The grievance demo: an integrity officer for JO, JO's service-level
// targets with its administrator as supervisor, and some sixty grievances
// received over the last six weeks, at every step, some late.
func init() {
	AddStep(Step{Name: "grievances", Run: loadGrievances})
}

var demoComplaints = []struct {
	cat  grievance.Category
	body string
}{
	{grievance.PaymentProblem, "لم أستلم دفعة الدعم النقدي لهذا الشهر رغم ظهور اسمي في الكشف."},
	{grievance.PaymentProblem, "المبلغ الذي وصل إلى المحفظة أقل من المبلغ المقرر."},
	{grievance.DataCorrection, "اسم الأب مكتوب خطأ في بطاقة الأسرة."},
	{grievance.DataCorrection, "عدد أفراد الأسرة غير صحيح بعد ولادة طفلنا الثالث."},
	{grievance.ServiceQuality, "الانتظار في المكتب استغرق أكثر من أربع ساعات."},
	{grievance.ServiceQuality, "لا يوجد منحدر لكرسي متحرك عند مدخل المكتب."},
	{grievance.Misconduct, "طلب موظف مبلغًا مقابل تسريع المعاملة."},
	{grievance.EligibilityAppeal, "رُفض طلبنا مع أن دخل الأسرة انخفض بعد فقدان العمل."},
	{grievance.Other, "أرجو توضيح مواعيد الصرف في شهر رمضان."},
}

func loadGrievances(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	ms := member.New(d)
	jo, err := ms.Get(ctx, "JO")
	if err != nil {
		return err
	}
	as := auth.New(d)
	if _, err := as.CreateUser(ctx, auth.NewUser{MemberID: jo.ID, Username: "jo.integrity", DisplayName: "مسؤول النزاهة — الأردن", Password: Password, Roles: []actor.Role{actor.IntegrityOfficer},
		// Demo data only: the system grants the sealed role at once. Anywhere
		// else it is proposed and a second person approves it (issue 12).
		SystemGrant: true}); err != nil {
		return err
	}
	admin, err := as.UserByUsername(ctx, "jo.admin")
	if err != nil {
		return err
	}
	officer, err := as.UserByUsername(ctx, "jo.grievance")
	if err != nil {
		return err
	}
	set := grievance.DefaultSettings(jo.ID)
	set.SupervisorID = admin.ID
	now := d.Now().UTC()
	clock := now
	svc := grievance.New(d, grievance.Options{Clock: calendar.Fixed(clock)})
	if _, err := svc.SetSettings(ctx, set); err != nil {
		return err
	}
	off := actor.With(ctx, officer.Actor())
	rng := rand.New(rand.NewPCG(7, 1447))
	members := []member.Member{jo}
	if eg, err := ms.Get(ctx, "EG"); err == nil {
		members = append(members, eg)
	}
	n := 0
	for i := range 60 {
		m := members[0]
		if i%6 == 5 && len(members) > 1 {
			m = members[1]
		}
		c := demoComplaints[rng.IntN(len(demoComplaints))]
		clock = now.Add(-time.Duration(rng.IntN(42*24)) * time.Hour)
		channel := []grievance.Channel{grievance.Staff, grievance.API}[rng.IntN(2)]
		rc, err := svc.Submit(ctx, grievance.Intake{MemberID: m.ID, Channel: channel, Category: c.cat, Body: c.body, Anonymous: rng.IntN(3) == 0,
			Name: "مواطن تجريبي " + fmt.Sprint(i+1), Contact: fmt.Sprintf("07%08d", rng.IntN(1e8)), AreaCode: []string{"AM", "IR", "ZA", "MA"}[rng.IntN(4)]})
		if err != nil {
			return err
		}
		n++
		if m.ID != jo.ID {
			continue
		}
		// Walk the case some way along, a few hours to days per step.
		steps := rng.IntN(7)
		walk := []func() error{
			func() error { _, err := svc.Assign(off, rc.ID, grievance.Assignment{UserID: officer.ID}); return err },
			func() error { _, err := svc.Move(off, rc.ID, grievance.Change{To: grievance.Acknowledged}); return err },
			func() error {
				_, err := svc.Move(off, rc.ID, grievance.Change{To: grievance.Investigating})
				return err
			},
			func() error {
				_, err := svc.Move(off, rc.ID, grievance.Change{To: grievance.Resolved, Answer: "تمت معالجة طلبك، ونعتذر عن التأخير."})
				return err
			},
			func() error {
				_, err := svc.Move(off, rc.ID, grievance.Change{To: grievance.Feedback, Satisfaction: 1 + rng.IntN(5)})
				return err
			},
			func() error { _, err := svc.Move(off, rc.ID, grievance.Change{To: grievance.Closed}); return err },
		}
		for k := 0; k < steps && k < len(walk); k++ {
			clock = clock.Add(time.Duration(2+rng.IntN(40)) * time.Hour)
			if clock.After(now) {
				break
			}
			if err := walk[k](); err != nil {
				return err
			}
		}
	}
	clock = now
	if _, err := svc.Sweep(ctx); err != nil {
		return err
	}
	progress(fmt.Sprintf("%d grievances, user jo.integrity", n))
	return nil
}
