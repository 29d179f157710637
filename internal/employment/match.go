package employment

import (
	"context"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// The service is the matcher's source of seekers and vacancies.
var _ develop.Seekers = (*Service)(nil)

func devSeeker(k Seeker, areas map[string]member.Area) develop.Seeker {
	out := develop.Seeker{ID: k.ID, MemberID: k.MemberID, PersonID: k.PersonID, Skills: k.Skills, Education: k.Education, ExperienceMonths: k.ExperienceMonths,
		Languages: k.Languages, Accommodations: k.Accommodations, Areas: make([]develop.Area, 0, len(k.Areas)), Hours: k.Hours, Disability: k.Disability,
		Consent: k.Consent, Active: k.Status == Active}
	for _, a := range k.Areas {
		out.Areas = append(out.Areas, devArea(areas, a))
	}
	return out
}

func devVacancy(v Vacancy, areas map[string]member.Area, today string) develop.Vacancy {
	return develop.Vacancy{ID: v.ID, MemberID: v.MemberID, EmployerID: v.EmployerID, Skills: v.Skills, Education: v.Education, ExperienceMonths: v.ExperienceMonths,
		Languages: v.Languages, Area: devArea(areas, v.AreaCode), Hours: v.Hours, Accommodations: v.Accommodations, Inclusive: v.Inclusive, Open: v.Accepting(today)}
}

// EachSeeker calls fn for every active seeker of memberID who consented
// to share the profile, in id order (develop.Seekers; employment.read).
func (s *Service) EachSeeker(ctx context.Context, memberID int64, fn func(develop.Seeker) error) error {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return err
	}
	areas, err := s.areaMap(ctx, memberID)
	if err != nil {
		return err
	}
	var after int64
	for {
		rows, err := s.db.Query(ctx, `SELECT `+seekerCols+` FROM employment_seekers WHERE member_id = ? AND status = 'active' AND consent = 1 AND id > ? ORDER BY id LIMIT 5000`, memberID, after)
		if err != nil {
			return errs.Wrapf(err, "employment: each seeker")
		}
		var batch []Seeker
		for rows.Next() {
			k, err := scanSeeker(rows)
			if err != nil {
				rows.Close()
				return errs.Wrapf(err, "employment: each seeker")
			}
			batch = append(batch, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrapf(err, "employment: each seeker")
		}
		for _, k := range batch {
			if err := fn(devSeeker(k, areas)); err != nil {
				return err
			}
			after = k.ID
		}
		if len(batch) < 5000 {
			return nil
		}
	}
}

// EachVacancy calls fn for every open vacancy of memberID whose employer
// is verified and whose deadline has not passed (develop.Seekers;
// employment.read).
func (s *Service) EachVacancy(ctx context.Context, memberID int64, fn func(develop.Vacancy) error) error {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return err
	}
	areas, err := s.areaMap(ctx, memberID)
	if err != nil {
		return err
	}
	today, err := s.today(ctx, memberID)
	if err != nil {
		return err
	}
	vs, err := s.vacancies(ctx, `SELECT `+vacancyCols+vacancyFrom+` WHERE v.member_id = ? AND v.status = 'open' AND e.status = 'verified' AND (v.deadline = '' OR v.deadline >= ?) ORDER BY v.id`, memberID, today)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if err := fn(devVacancy(v, areas, today)); err != nil {
			return err
		}
	}
	return nil
}

// MatchSeeker returns seeker id as matching reads it (employment.read).
func (s *Service) MatchSeeker(ctx context.Context, id int64) (develop.Seeker, error) {
	k, err := s.Seeker(ctx, id)
	if err != nil {
		return develop.Seeker{}, err
	}
	areas, err := s.areaMap(ctx, k.MemberID)
	if err != nil {
		return develop.Seeker{}, err
	}
	return devSeeker(k, areas), nil
}

// MatchVacancy returns vacancy id as matching reads it (employment.read).
func (s *Service) MatchVacancy(ctx context.Context, id int64) (develop.Vacancy, error) {
	v, err := s.Vacancy(ctx, id)
	if err != nil {
		return develop.Vacancy{}, err
	}
	areas, err := s.areaMap(ctx, v.MemberID)
	if err != nil {
		return develop.Vacancy{}, err
	}
	today, err := s.today(ctx, v.MemberID)
	if err != nil {
		return develop.Vacancy{}, err
	}
	return devVacancy(v, areas, today), nil
}

// Named is a match with the names a page shows.
type Named struct {
	develop.Match
	SeekerName   string `json:"seeker_name,omitempty"`
	Disability   bool   `json:"disability,omitempty"`
	VacancyTitle string `json:"vacancy_title,omitempty"`
	EmployerName string `json:"employer_name,omitempty"`
	// Applied is the application's id when the seeker already applied.
	Applied int64 `json:"applied,omitempty"`
}

// officer reports whether the actor works the seekers' files of memberID
// (employment.apply: officers and case workers), who may see seekers who
// did not consent to share their profile; others see only those who did.
func officer(ctx context.Context, memberID int64) bool {
	return auth.RequireMember(ctx, auth.EmploymentApply, memberID) == nil
}

func unavailable() error { return errs.E(errs.Invalid, "employment.matching_unavailable") }

// MatchesForVacancy ranks the seekers for vacancy id, best first, at most
// n (employment.read of its member): with their names, never a seeker who
// did not consent to share the profile unless the actor is an officer.
func (s *Service) MatchesForVacancy(ctx context.Context, id int64, n int) ([]Named, error) {
	v, err := s.Vacancy(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.o.Matcher == nil {
		return nil, unavailable()
	}
	n = min(max(n, 1), 200)
	ms, err := s.o.Matcher.ForVacancy(actor.System(ctx), id, n)
	if err != nil {
		return nil, err
	}
	all := officer(ctx, v.MemberID)
	applied, err := s.appliedMap(ctx, v.MemberID, 0, id)
	if err != nil {
		return nil, err
	}
	out := []Named{}
	for _, m := range ms {
		k, err := s.seeker(ctx, s.db, m.SeekerID)
		if err != nil || k.MemberID != v.MemberID || (!k.Consent && !all) {
			continue
		}
		out = append(out, Named{Match: m, SeekerName: k.Name, Disability: k.Disability, VacancyTitle: v.Title, EmployerName: v.EmployerName, Applied: applied[[2]int64{k.ID, id}]})
	}
	return out, nil
}

// MatchesForSeeker ranks the vacancies for seeker id, best first, at most
// n (employment.read of its member; a seeker who did not consent only for
// an officer).
func (s *Service) MatchesForSeeker(ctx context.Context, id int64, n int) ([]Named, error) {
	k, err := s.Seeker(ctx, id)
	if err != nil {
		return nil, err
	}
	if !k.Consent && !officer(ctx, k.MemberID) {
		return nil, notFound("employment.seeker_not_found")
	}
	if s.o.Matcher == nil {
		return nil, unavailable()
	}
	n = min(max(n, 1), 200)
	ms, err := s.o.Matcher.ForSeeker(actor.System(ctx), id, n)
	if err != nil {
		return nil, err
	}
	applied, err := s.appliedMap(ctx, k.MemberID, id, 0)
	if err != nil {
		return nil, err
	}
	out := []Named{}
	for _, m := range ms {
		v, err := s.vacancy(ctx, s.db, m.VacancyID)
		if err != nil || v.MemberID != k.MemberID {
			continue
		}
		out = append(out, Named{Match: m, SeekerName: k.Name, Disability: k.Disability, VacancyTitle: v.Title, EmployerName: v.EmployerName, Applied: applied[[2]int64{id, v.ID}]})
	}
	return out, nil
}

func (s *Service) appliedMap(ctx context.Context, memberID, seekerID, vacancyID int64) (map[[2]int64]int64, error) {
	q, args := `SELECT id, seeker_id, vacancy_id FROM employment_applications WHERE member_id = ?`, []any{memberID}
	if seekerID != 0 {
		q += ` AND seeker_id = ?`
		args = append(args, seekerID)
	}
	if vacancyID != 0 {
		q += ` AND vacancy_id = ?`
		args = append(args, vacancyID)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: applied")
	}
	defer rows.Close()
	out := map[[2]int64]int64{}
	for rows.Next() {
		var id, k, v int64
		if err := rows.Scan(&id, &k, &v); err != nil {
			return nil, errs.Wrapf(err, "employment: applied")
		}
		out[[2]int64{k, v}] = id
	}
	return out, errs.Wrapf(rows.Err(), "employment: applied")
}
