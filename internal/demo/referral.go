package demo

import (
	"context"
	"fmt"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// The referral demo: JO's care manager (jo.caremanager) and a small
// service directory of Amman, Irbid, Zarqa and the whole country.
func init() {
	AddStep(Step{Name: "service directory", Run: loadDirectory})
}

var demoProviders = []referral.Provider{
	{NameAR: "مركز صحي عمّان الشامل", NameEN: "Amman Comprehensive Health Centre", Kind: referral.Government, Contact: "+962 6 000 0000",
		Address: "جبل الحسين، شارع خالد بن الوليد", Hours: "الأحد – الخميس، الثامنة صباحًا – الثالثة عصرًا", Areas: []string{"AM-QS"}, Services: []string{"health"}},
	{NameAR: "جمعية الأسرة البيضاء", NameEN: "White Family Society", Kind: referral.NGO, Contact: "info@example.org",
		Address: "ماركا الشمالية", Hours: "الأحد – الخميس", Areas: []string{"AM"}, Services: []string{"psychosocial", "education"}},
	{NameAR: "مركز إربد للتدريب المهني", NameEN: "Irbid Vocational Training Centre", Kind: referral.Government,
		Address: "إربد، الحصن", Areas: []string{"IR"}, Services: []string{"employment_training"}},
	{NameAR: "عيادة العون القانوني", NameEN: "Legal Aid Clinic", Kind: referral.NGO, Contact: "+962 6 111 1111",
		Hours: "يوميًا عدا الجمعة", Services: []string{"legal_aid"}},
	{NameAR: "مكتب المفوضية في الزرقاء", NameEN: "UNHCR Zarqa office", Kind: referral.UN,
		Areas: []string{"ZA", "MA"}, Services: []string{"housing", "water_sanitation", "psychosocial"}},
}

func loadDirectory(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		return err
	}
	as := auth.New(d)
	if _, err := as.UserByUsername(ctx, "jo.caremanager"); errs.Is(err, errs.NotFound) {
		if _, err := as.CreateUser(ctx, auth.NewUser{MemberID: jo.ID, Username: "jo.caremanager", DisplayName: "مديرة الرعاية — الأردن", Password: Password, Roles: []actor.Role{actor.CareManager}}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	s := referral.New(d, referral.Options{})
	for _, p := range demoProviders {
		p.Active = true
		if _, err := s.SaveProvider(ctx, jo.ID, p); err != nil {
			return fmt.Errorf("demo: provider %s: %w", p.NameEN, err)
		}
	}
	progress(fmt.Sprintf("service directory: %d providers", len(demoProviders)))
	return nil
}
