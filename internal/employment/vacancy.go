package employment

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/registry"
)

// Vacancy statuses.
const (
	Open   = "open"
	Closed = "closed"
)

// Vacancy is a job an employer offers.
type Vacancy struct {
	ID       int64 `json:"id"`
	MemberID int64 `json:"member_id"`
	VacancyInput
	Currency  string    `json:"currency"`
	Status    string    `json:"status"`
	Version   int64     `json:"version"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Employer's name and status, and how many applications it has and
	// how many placed, filled by reads.
	EmployerName   string `json:"employer_name"`
	EmployerStatus string `json:"employer_status"`
	Inclusive      bool   `json:"inclusive"`
	Applications   int    `json:"applications"`
	Placed         int    `json:"placed"`
}

// Accepting reports whether seekers may apply now: the vacancy is open,
// its employer verified, and its deadline (a day, in the member's zone)
// not past on today.
func (v Vacancy) Accepting(today string) bool {
	return v.Status == Open && v.EmployerStatus == Verified && (v.Deadline == "" || v.Deadline >= today)
}

// VacancyInput is what an officer records of a vacancy.
type VacancyInput struct {
	EmployerID       int64    `json:"employer_id"`
	PledgeID         int64    `json:"pledge_id,omitempty"` // a partner's jobs pledge it fills
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Skills           []string `json:"skills"`
	Education        string   `json:"education,omitempty"` // the least, "" none
	ExperienceMonths int      `json:"experience_months"`
	Languages        []string `json:"languages"`
	AreaCode         string   `json:"area_code,omitempty"`
	Hours            string   `json:"hours"` // full or part
	Pay              int64    `json:"pay"`   // minor units of the member's currency
	PayPeriod        string   `json:"pay_period"`
	Positions        int      `json:"positions"`
	Accommodations   []string `json:"accommodations"` // what the workplace offers
	Deadline         string   `json:"deadline,omitempty"`
}

// vacancyCheck holds what checking vacancies needs, read once for an
// import.
type vacancyCheck struct {
	skills    func(string) bool
	areas     map[string]member.Area
	employers map[int64]Employer
	pledges   map[int64]bool
}

func (s *Service) vacancyCheck(ctx context.Context, memberID int64) (*vacancyCheck, error) {
	c := &vacancyCheck{employers: map[int64]Employer{}, pledges: map[int64]bool{}}
	var err error
	if c.skills, err = s.skillSet(ctx, memberID); err != nil {
		return nil, err
	}
	if c.areas, err = s.areaMap(ctx, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+employerCols+` FROM employment_employers e WHERE e.member_id = ?`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: employers")
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanEmployer(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "employment: employers")
		}
		c.employers[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ps, err := s.JobPledges(ctx, memberID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		c.pledges[p.ID] = true
	}
	return c, nil
}

func (c *vacancyCheck) check(e *errs.Error, row int, in *VacancyInput) {
	m, ok := c.employers[in.EmployerID]
	if !ok {
		fieldErr(e, "employer", row, "employment.employer_not_found")
	} else if m.Status == Rejected {
		fieldErr(e, "employer", row, "employment.employer_rejected")
	}
	if in.PledgeID != 0 && !c.pledges[in.PledgeID] {
		fieldErr(e, "pledge_id", row, "employment.pledge_unknown")
	}
	in.Title, in.Description, in.AreaCode = oneLine(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.AreaCode)
	switch {
	case in.Title == "":
		fieldErr(e, "title", row, "employment.title_required")
	case runes(in.Title) > maxName:
		fieldErr(e, "title", row, "employment.too_long", "max", maxName)
	}
	if runes(in.Description) > maxText {
		fieldErr(e, "description", row, "employment.too_long", "max", maxText)
	}
	in.Skills = codes(e, "skills", row, in.Skills, c.skills)
	in.Languages = codes(e, "languages", row, in.Languages, in_(Languages))
	in.Accommodations = codes(e, "accommodations", row, in.Accommodations, in_(Accommodations))
	if in.Education = strings.TrimSpace(in.Education); in.Education != "" {
		if code, ok := registry.Educations.Lookup(in.Education); ok {
			in.Education = code
		} else {
			fieldErr(e, "education", row, "employment.education_invalid")
		}
	}
	if in.ExperienceMonths < 0 || in.ExperienceMonths > maxMonths {
		fieldErr(e, "experience_months", row, "employment.months_range", "max", maxMonths)
	}
	if in.AreaCode != "" {
		if _, ok := c.areas[in.AreaCode]; !ok {
			fieldErr(e, "area", row, "employment.area_unknown", "area", in.AreaCode)
		}
	}
	if !slices.Contains(VacancyHours, in.Hours) {
		fieldErr(e, "hours", row, "employment.hours_invalid")
	}
	if in.PayPeriod == "" {
		in.PayPeriod = "month"
	}
	if !slices.Contains(PayPeriods, in.PayPeriod) {
		fieldErr(e, "pay_period", row, "employment.period_invalid")
	}
	if in.Pay < 0 || in.Pay > 1e12 {
		fieldErr(e, "pay", row, "employment.pay_invalid")
	}
	if in.Positions < 1 || in.Positions > maxPositions {
		fieldErr(e, "positions", row, "employment.positions_invalid", "max", maxPositions)
	}
	if in.Deadline = strings.TrimSpace(in.Deadline); in.Deadline != "" {
		if d, ok := parseDay(in.Deadline); ok {
			in.Deadline = d.Format(time.DateOnly)
		} else {
			fieldErr(e, "deadline", row, "employment.date_invalid")
		}
	}
}

// CreateVacancy records a vacancy of memberID (employment.manage), open.
func (s *Service) CreateVacancy(ctx context.Context, memberID int64, in VacancyInput) (Vacancy, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentManage, memberID); err != nil {
		return Vacancy{}, err
	}
	c, err := s.vacancyCheck(ctx, memberID)
	if err != nil {
		return Vacancy{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	c.check(e, 0, &in)
	if len(e.Fields) > 0 {
		return Vacancy{}, e
	}
	m, err := s.memberOf(ctx, memberID)
	if err != nil {
		return Vacancy{}, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.insertVacancy(ctx, tx, memberID, m.Currency, in)
		return err
	})
	if err != nil {
		return Vacancy{}, err
	}
	s.changed(memberID)
	return s.vacancy(ctx, s.db, id)
}

func (s *Service) insertVacancy(ctx context.Context, tx *db.Tx, memberID int64, currency string, in VacancyInput) (int64, error) {
	now := s.now()
	id, err := tx.InsertID(ctx, `INSERT INTO employment_vacancies (member_id, employer_id, pledge_id, title, description, skills, education, experience_months, languages, area_code,
		hours, pay, currency, pay_period, positions, accommodations, status, deadline, version, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, 1, ?, ?, ?) RETURNING id`,
		memberID, in.EmployerID, in.PledgeID, in.Title, in.Description, joinCodes(in.Skills), in.Education, in.ExperienceMonths, joinCodes(in.Languages), in.AreaCode,
		in.Hours, in.Pay, currency, in.PayPeriod, in.Positions, joinCodes(in.Accommodations), in.Deadline, actorID(ctx), now, now)
	if err != nil {
		return 0, errs.Wrapf(err, "employment: vacancy")
	}
	return id, audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "employment.vacancy_create", EntityType: "employment_vacancy", EntityID: idStr(id), State: in})
}

// UpdateVacancy changes vacancy id at version (employment.manage).
func (s *Service) UpdateVacancy(ctx context.Context, id, version int64, in VacancyInput) (Vacancy, error) {
	old, err := s.vacancy(ctx, s.db, id)
	if err != nil {
		return Vacancy{}, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentManage, old.MemberID); err != nil {
		return Vacancy{}, err
	}
	c, err := s.vacancyCheck(ctx, old.MemberID)
	if err != nil {
		return Vacancy{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	c.check(e, 0, &in)
	if len(e.Fields) > 0 {
		return Vacancy{}, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE employment_vacancies SET employer_id = ?, pledge_id = ?, title = ?, description = ?, skills = ?, education = ?, experience_months = ?, languages = ?,
			area_code = ?, hours = ?, pay = ?, pay_period = ?, positions = ?, accommodations = ?, deadline = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.EmployerID, in.PledgeID, in.Title, in.Description, joinCodes(in.Skills), in.Education, in.ExperienceMonths, joinCodes(in.Languages),
			in.AreaCode, in.Hours, in.Pay, in.PayPeriod, in.Positions, joinCodes(in.Accommodations), in.Deadline, s.now(), id, version)
		if err != nil {
			return errs.Wrapf(err, "employment: update vacancy")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "employment.stale")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: old.MemberID, Action: "employment.vacancy_update", EntityType: "employment_vacancy", EntityID: idStr(id), State: in})
	})
	if err != nil {
		return Vacancy{}, err
	}
	s.changed(old.MemberID)
	return s.vacancy(ctx, s.db, id)
}

// SetVacancyStatus opens or closes vacancy id (employment.manage); it
// refuses what is already so.
func (s *Service) SetVacancyStatus(ctx context.Context, id int64, status string) (Vacancy, error) {
	old, err := s.vacancy(ctx, s.db, id)
	if err != nil {
		return Vacancy{}, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentManage, old.MemberID); err != nil {
		return Vacancy{}, err
	}
	from := Open
	switch status {
	case Open:
		from = Closed
	case Closed:
	default:
		return Vacancy{}, errs.E(errs.Invalid, "employment.status_invalid").WithField("status", "employment.status_invalid")
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE employment_vacancies SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = ?`, status, s.now(), id, from)
		if err != nil {
			return errs.Wrapf(err, "employment: vacancy status")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "employment.vacancy_already", "status", status)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: old.MemberID, Action: "employment.vacancy_" + status, EntityType: "employment_vacancy", EntityID: idStr(id), State: map[string]any{"status": status}})
	})
	if err != nil {
		return Vacancy{}, err
	}
	s.changed(old.MemberID)
	return s.vacancy(ctx, s.db, id)
}

const vacancyCols = `v.id, v.member_id, v.employer_id, v.pledge_id, v.title, v.description, v.skills, v.education, v.experience_months, v.languages, v.area_code, v.hours,
	v.pay, v.currency, v.pay_period, v.positions, v.accommodations, v.status, v.deadline, v.version, v.created_by, v.created_at, v.updated_at,
	e.name, e.status, e.inclusive,
	(SELECT COUNT(*) FROM employment_applications a WHERE a.vacancy_id = v.id),
	(SELECT COUNT(*) FROM employment_applications a WHERE a.vacancy_id = v.id AND a.status = 'placed')`

const vacancyFrom = ` FROM employment_vacancies v JOIN employment_employers e ON e.id = v.employer_id`

func scanVacancy(r scanner) (Vacancy, error) {
	var v Vacancy
	var skills, langs, accs string
	var inclusive int
	err := r.Scan(&v.ID, &v.MemberID, &v.EmployerID, &v.PledgeID, &v.Title, &v.Description, &skills, &v.Education, &v.ExperienceMonths, &langs, &v.AreaCode, &v.Hours,
		&v.Pay, &v.Currency, &v.PayPeriod, &v.Positions, &accs, &v.Status, &v.Deadline, &v.Version, &v.CreatedBy, &v.CreatedAt, &v.UpdatedAt,
		&v.EmployerName, &v.EmployerStatus, &inclusive, &v.Applications, &v.Placed)
	v.Skills, v.Languages, v.Accommodations = splitCodes(skills), splitCodes(langs), splitCodes(accs)
	v.Inclusive = inclusive == 1
	return v, err
}

func (s *Service) vacancy(ctx context.Context, q querier, id int64) (Vacancy, error) {
	v, err := scanVacancy(q.QueryRow(ctx, `SELECT `+vacancyCols+vacancyFrom+` WHERE v.id = ?`, id))
	if noRows(err) {
		return v, notFound("employment.vacancy_not_found")
	}
	return v, errs.Wrapf(err, "employment: vacancy %d", id)
}

// Vacancy returns vacancy id (employment.read).
func (s *Service) Vacancy(ctx context.Context, id int64) (Vacancy, error) {
	v, err := s.vacancy(ctx, s.db, id)
	if err != nil {
		return v, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentRead, v.MemberID); err != nil {
		return Vacancy{}, notFound("employment.vacancy_not_found")
	}
	return v, nil
}

// VacancyFilter selects vacancies; zero fields do not filter.
type VacancyFilter struct {
	EmployerID int64
	Status     string
	Area       string
	Skill      string
	Limit      int // default and maximum 500
}

// Vacancies lists memberID's vacancies that f selects, the newest first
// (employment.read).
func (s *Service) Vacancies(ctx context.Context, memberID int64, f VacancyFilter) ([]Vacancy, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return nil, err
	}
	q, args := `SELECT `+vacancyCols+vacancyFrom+` WHERE v.member_id = ?`, []any{memberID}
	if f.EmployerID != 0 {
		q += ` AND v.employer_id = ?`
		args = append(args, f.EmployerID)
	}
	if f.Status != "" {
		q += ` AND v.status = ?`
		args = append(args, f.Status)
	}
	if f.Area != "" {
		q += ` AND v.area_code = ?`
		args = append(args, f.Area)
	}
	if f.Skill != "" {
		q += ` AND v.skills LIKE ?`
		args = append(args, "% "+strings.TrimSpace(f.Skill)+" %")
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	return s.vacancies(ctx, q+` ORDER BY v.id DESC LIMIT ?`, append(args, f.Limit)...)
}

func (s *Service) vacancies(ctx context.Context, q string, args ...any) ([]Vacancy, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: vacancies")
	}
	defer rows.Close()
	out := []Vacancy{}
	for rows.Next() {
		v, err := scanVacancy(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "employment: vacancies")
		}
		out = append(out, v)
	}
	return out, errs.Wrapf(rows.Err(), "employment: vacancies")
}

// VacancyColumns are the columns of a vacancies file (the header names
// them, in any order). employer is the employer's id or its exact name;
// skills, languages and accommodations are codes separated by spaces,
// commas or semicolons; pay is in major units of the member's currency
// ("350.000"); deadline is YYYY-MM-DD.
var VacancyColumns = []string{"employer", "title", "description", "skills", "education", "experience_months", "languages", "area", "hours", "pay", "pay_period", "positions", "accommodations", "deadline"}

// Progress is told how many rows of an import were checked or written of
// how many.
type Progress func(done, total int)

// ImportVacancies reads vacancies from a CSV or XLSX file (by name's
// extension) into memberID (employment.manage), each open. All or
// nothing: any bad row refuses the whole file with every problem by row
// and column (at most 100), and nothing is written. progress, when not
// nil, is told as rows are checked and written.
func (s *Service) ImportVacancies(ctx context.Context, memberID int64, name string, r io.Reader, progress Progress) (ImportResult, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentManage, memberID); err != nil {
		return ImportResult{}, err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	t, err := s.readTable(ctx, name, r, []string{"employer", "title", "hours", "positions"})
	if err != nil {
		return ImportResult{}, err
	}
	c, err := s.vacancyCheck(ctx, memberID)
	if err != nil {
		return ImportResult{}, err
	}
	m, err := s.memberOf(ctx, memberID)
	if err != nil {
		return ImportResult{}, err
	}
	byName := map[string]int64{}
	for _, em := range c.employers {
		byName[em.Name] = em.ID
	}
	e := errs.E(errs.Invalid, "employment.import_refused", "file", name)
	var vs []VacancyInput
	total := len(t.rows)
	for i, rec := range t.rows {
		if i%500 == 0 {
			if err := ctx.Err(); err != nil {
				return ImportResult{}, err
			}
			progress(i, total)
		}
		row := i + 2
		if t.blank(rec) {
			continue
		}
		in := VacancyInput{Title: t.cell(rec, "title"), Description: t.cell(rec, "description"), Skills: []string{t.cell(rec, "skills")},
			Education: t.cell(rec, "education"), Languages: []string{t.cell(rec, "languages")}, AreaCode: t.cell(rec, "area"), Hours: strings.ToLower(t.cell(rec, "hours")),
			PayPeriod: strings.ToLower(t.cell(rec, "pay_period")), Accommodations: []string{t.cell(rec, "accommodations")}, Deadline: t.cell(rec, "deadline")}
		emp := t.cell(rec, "employer")
		if id, err := strconv.ParseInt(emp, 10, 64); err == nil {
			in.EmployerID = id
		} else {
			in.EmployerID = byName[oneLine(emp)]
		}
		intCell := func(col string, dst *int) {
			v := t.cell(rec, col)
			if v == "" {
				return
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				fieldErr(e, col, row, "employment.number_invalid")
				*dst = 0
				return
			}
			*dst = n
		}
		intCell("experience_months", &in.ExperienceMonths)
		in.Positions = -1
		intCell("positions", &in.Positions)
		if v := t.cell(rec, "pay"); v != "" {
			p, err := money.Parse(v, m.Exponent())
			if err != nil {
				fieldErr(e, "pay", row, "employment.pay_invalid")
			}
			in.Pay = p
		}
		c.check(e, row, &in)
		vs = append(vs, in)
		if len(e.Fields) >= 100 {
			break
		}
	}
	if len(e.Fields) > 0 {
		return ImportResult{}, e
	}
	if len(vs) == 0 {
		return ImportResult{}, errs.E(errs.Invalid, "employment.import_empty", "file", name)
	}
	progress(total, total)
	err = s.db.TxOnce(ctx, func(tx *db.Tx) error {
		for i, in := range vs {
			if _, err := s.insertVacancy(ctx, tx, memberID, m.Currency, in); err != nil {
				return err
			}
			if (i+1)%500 == 0 {
				progress(i+1, len(vs))
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	progress(len(vs), len(vs))
	s.changed(memberID)
	return ImportResult{Created: len(vs)}, nil
}
