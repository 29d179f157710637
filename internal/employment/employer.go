package employment

import (
	"context"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/partner"
)

// Employer statuses. An employer registered directly is pending until a
// member officer verifies or rejects it; a partner company is verified
// (the partnership vetted it). Vacancies of an employer not verified are
// not open to seekers.
const (
	Pending  = "pending"
	Verified = "verified"
	Rejected = "rejected"
)

// Employer is a company that offers vacancies.
type Employer struct {
	ID        int64 `json:"id"`
	MemberID  int64 `json:"member_id"`
	PartnerID int64 `json:"partner_id,omitempty"`
	EmployerInput
	Status       string     `json:"status"`
	RejectReason string     `json:"reject_reason,omitempty"`
	DecidedBy    int64      `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Vacancies    int        `json:"open_vacancies"`
}

// EmployerInput is what an officer records of an employer.
type EmployerInput struct {
	// PartnerID links a partner company of the member; its name, sector
	// and registration number are then the partner's.
	PartnerID    int64  `json:"partner_id,omitempty"`
	Name         string `json:"name"`
	RegNo        string `json:"reg_no,omitempty"`
	Sector       string `json:"sector,omitempty"`
	ContactName  string `json:"contact_name,omitempty"`
	ContactPhone string `json:"contact_phone,omitempty"`
	ContactEmail string `json:"contact_email,omitempty"`
	AreaCode     string `json:"area_code,omitempty"`
	Inclusive    bool   `json:"inclusive"`
	// Headcount and DisabledEmployees are the employer's workforce, for
	// the disability quota.
	Headcount         int `json:"headcount"`
	DisabledEmployees int `json:"disabled_employees"`
}

func (s *Service) checkEmployer(ctx context.Context, memberID int64, in *EmployerInput) (*partner.Partner, error) {
	e := errs.E(errs.Invalid, "error.invalid_input")
	var p *partner.Partner
	if in.PartnerID != 0 {
		if s.o.Partners == nil {
			e.WithField("partner_id", "employment.partner_unknown")
		} else if got, err := s.o.Partners.Get(actor.System(ctx), in.PartnerID); err != nil || got.MemberID != memberID {
			e.WithField("partner_id", "employment.partner_unknown")
		} else {
			p = &got
			in.Name, in.RegNo, in.Sector = got.NameAR, got.RegNo, got.Sector
			if in.AreaCode == "" {
				in.AreaCode = got.Area()
			}
		}
	}
	for _, f := range []*string{&in.Name, &in.RegNo, &in.Sector, &in.ContactName, &in.ContactPhone, &in.ContactEmail, &in.AreaCode} {
		*f = oneLine(*f)
	}
	if in.Name == "" {
		e.WithField("name", "employment.name_required")
	}
	for f, v := range map[string]string{"name": in.Name, "reg_no": in.RegNo, "sector": in.Sector, "contact_name": in.ContactName, "contact_phone": in.ContactPhone, "contact_email": in.ContactEmail} {
		if runes(v) > maxName {
			e.WithField(f, "employment.too_long", "max", maxName)
		}
	}
	if in.ContactEmail != "" && !strings.Contains(in.ContactEmail, "@") {
		e.WithField("contact_email", "employment.email_invalid")
	}
	if in.AreaCode != "" {
		areas, err := s.areaMap(ctx, memberID)
		if err != nil {
			return nil, err
		}
		if _, ok := areas[in.AreaCode]; !ok {
			e.WithField("area_code", "employment.area_unknown", "area", in.AreaCode)
		}
	}
	if in.Headcount < 0 || in.Headcount > maxHeadcount {
		e.WithField("headcount", "employment.count_invalid")
	}
	if in.DisabledEmployees < 0 || in.DisabledEmployees > in.Headcount {
		e.WithField("disabled_employees", "employment.disabled_over_headcount")
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	return p, nil
}

// CreateEmployer records an employer of memberID (employment.manage): a
// partner company (in.PartnerID) is verified at once; one registered
// directly waits for a member officer's verification.
func (s *Service) CreateEmployer(ctx context.Context, memberID int64, in EmployerInput) (Employer, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentManage, memberID); err != nil {
		return Employer{}, err
	}
	p, err := s.checkEmployer(ctx, memberID, &in)
	if err != nil {
		return Employer{}, err
	}
	status := Pending
	if p != nil {
		status = Verified
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if p != nil {
			var dup int64
			if err := tx.QueryRow(ctx, `SELECT id FROM employment_employers WHERE member_id = ? AND partner_id = ?`, memberID, p.ID).Scan(&dup); err == nil {
				return errs.E(errs.Conflict, "employment.employer_exists", "id", dup).WithField("partner_id", "employment.employer_exists", "id", dup)
			} else if !noRows(err) {
				return err
			}
		}
		now := s.now()
		var decidedAt any
		if p != nil {
			decidedAt = now
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO employment_employers (member_id, partner_id, name, reg_no, sector, contact_name, contact_phone, contact_email, area_code, status,
			decided_by, decided_at, inclusive, headcount, disabled_employees, version, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			memberID, in.PartnerID, in.Name, in.RegNo, in.Sector, in.ContactName, in.ContactPhone, in.ContactEmail, in.AreaCode, status,
			actorID(ctx)*int64(b2i(p != nil)), decidedAt, b2i(in.Inclusive), in.Headcount, in.DisabledEmployees, actorID(ctx), now, now)
		if err != nil {
			return errs.Wrapf(err, "employment: employer")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "employment.employer_create", EntityType: "employment_employer", EntityID: idStr(id),
			State: map[string]any{"employer": in, "status": status}})
	})
	if err != nil {
		return Employer{}, err
	}
	return s.employer(ctx, s.db, id)
}

// UpdateEmployer changes employer id at version (employment.manage); its
// status stays.
func (s *Service) UpdateEmployer(ctx context.Context, id, version int64, in EmployerInput) (Employer, error) {
	old, err := s.employer(ctx, s.db, id)
	if err != nil {
		return Employer{}, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentManage, old.MemberID); err != nil {
		return Employer{}, err
	}
	in.PartnerID = old.PartnerID
	if _, err := s.checkEmployer(ctx, old.MemberID, &in); err != nil {
		return Employer{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE employment_employers SET name = ?, reg_no = ?, sector = ?, contact_name = ?, contact_phone = ?, contact_email = ?, area_code = ?,
			inclusive = ?, headcount = ?, disabled_employees = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.Name, in.RegNo, in.Sector, in.ContactName, in.ContactPhone, in.ContactEmail, in.AreaCode, b2i(in.Inclusive), in.Headcount, in.DisabledEmployees, s.now(), id, version)
		if err != nil {
			return errs.Wrapf(err, "employment: update employer")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "employment.stale")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: old.MemberID, Action: "employment.employer_update", EntityType: "employment_employer", EntityID: idStr(id), State: in})
	})
	if err != nil {
		return Employer{}, err
	}
	s.changed(old.MemberID)
	return s.employer(ctx, s.db, id)
}

// MaxReason bounds a rejection's or a decision's reason.
const MaxReason = 1000

// VerifyEmployer decides pending employer id (employment.manage): verified,
// or rejected with a reason. Two officers deciding at once: exactly one
// wins, the other is told it was decided.
func (s *Service) VerifyEmployer(ctx context.Context, id int64, verify bool, reason string) (Employer, error) {
	old, err := s.employer(ctx, s.db, id)
	if err != nil {
		return Employer{}, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentManage, old.MemberID); err != nil {
		return Employer{}, err
	}
	reason = strings.TrimSpace(reason)
	status := Verified
	if !verify {
		status = Rejected
		if reason == "" {
			return Employer{}, errs.E(errs.Invalid, "employment.reason_required").WithField("reason", "employment.reason_required")
		}
	}
	if runes(reason) > MaxReason {
		return Employer{}, errs.E(errs.Invalid, "employment.too_long", "max", MaxReason).WithField("reason", "employment.too_long", "max", MaxReason)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		r, err := tx.Exec(ctx, `UPDATE employment_employers SET status = ?, reject_reason = ?, decided_by = ?, decided_at = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND status = 'pending'`, status, reason, actorID(ctx), now, now, id)
		if err != nil {
			return errs.Wrapf(err, "employment: verify employer")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "employment.employer_decided")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: old.MemberID, Action: "employment.employer_" + status, EntityType: "employment_employer", EntityID: idStr(id),
			State: map[string]any{"status": status, "reason": reason}})
	})
	if err != nil {
		return Employer{}, err
	}
	s.changed(old.MemberID)
	return s.employer(ctx, s.db, id)
}

const employerCols = `e.id, e.member_id, e.partner_id, e.name, e.reg_no, e.sector, e.contact_name, e.contact_phone, e.contact_email, e.area_code, e.status, e.reject_reason,
	e.decided_by, e.decided_at, e.inclusive, e.headcount, e.disabled_employees, e.version, e.created_at, e.updated_at,
	(SELECT COUNT(*) FROM employment_vacancies v WHERE v.employer_id = e.id AND v.status = 'open')`

func scanEmployer(r scanner) (Employer, error) {
	var m Employer
	var inclusive int
	err := r.Scan(&m.ID, &m.MemberID, &m.PartnerID, &m.Name, &m.RegNo, &m.Sector, &m.ContactName, &m.ContactPhone, &m.ContactEmail, &m.AreaCode, &m.Status, &m.RejectReason,
		&m.DecidedBy, &m.DecidedAt, &inclusive, &m.Headcount, &m.DisabledEmployees, &m.Version, &m.CreatedAt, &m.UpdatedAt, &m.Vacancies)
	m.Inclusive = inclusive == 1
	m.EmployerInput.PartnerID = m.PartnerID
	return m, err
}

func (s *Service) employer(ctx context.Context, q querier, id int64) (Employer, error) {
	m, err := scanEmployer(q.QueryRow(ctx, `SELECT `+employerCols+` FROM employment_employers e WHERE e.id = ?`, id))
	if noRows(err) {
		return m, notFound("employment.employer_not_found")
	}
	return m, errs.Wrapf(err, "employment: employer %d", id)
}

// Employer returns employer id (employment.read).
func (s *Service) Employer(ctx context.Context, id int64) (Employer, error) {
	m, err := s.employer(ctx, s.db, id)
	if err != nil {
		return m, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentRead, m.MemberID); err != nil {
		return Employer{}, notFound("employment.employer_not_found")
	}
	return m, nil
}

// Employers lists memberID's employers, pending first, then by name
// (employment.read); status filters when not empty.
func (s *Service) Employers(ctx context.Context, memberID int64, status string) ([]Employer, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return nil, err
	}
	q, args := `SELECT `+employerCols+` FROM employment_employers e WHERE e.member_id = ?`, []any{memberID}
	if status != "" {
		q += ` AND e.status = ?`
		args = append(args, status)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY CASE e.status WHEN 'pending' THEN 0 ELSE 1 END, e.name, e.id LIMIT 1000`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: employers")
	}
	defer rows.Close()
	out := []Employer{}
	for rows.Next() {
		m, err := scanEmployer(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "employment: employers")
		}
		out = append(out, m)
	}
	return out, errs.Wrapf(rows.Err(), "employment: employers")
}

// Settings are a member's employment rules: the disability employment
// quota (in hundredths of a percent, 0 for none, applying from a
// headcount) and how many working days a follow-up may be late before it
// is escalated.
type Settings struct {
	MemberID     int64     `json:"member_id"`
	QuotaBP      int       `json:"quota_bp"`   // 200 = 2%
	QuotaFrom    int       `json:"quota_from"` // the headcount from which it applies
	EscalateDays int       `json:"escalate_days"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func (s *Service) settings(ctx context.Context, q querier, memberID int64) (Settings, error) {
	st := Settings{MemberID: memberID, EscalateDays: 5}
	err := q.QueryRow(ctx, `SELECT quota_bp, quota_from, escalate_days, updated_at FROM employment_settings WHERE member_id = ?`, memberID).
		Scan(&st.QuotaBP, &st.QuotaFrom, &st.EscalateDays, &st.UpdatedAt)
	if noRows(err) {
		return st, nil
	}
	return st, errs.Wrapf(err, "employment: settings")
}

// Settings returns memberID's employment rules (employment.read).
func (s *Service) Settings(ctx context.Context, memberID int64) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return Settings{}, err
	}
	return s.settings(ctx, s.db, memberID)
}

// SaveSettings changes memberID's employment rules (employment.manage):
// a quota of 0–50% from a headcount of 1–100,000; 1–60 working days.
func (s *Service) SaveSettings(ctx context.Context, st Settings) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentManage, st.MemberID); err != nil {
		return Settings{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	if st.QuotaBP < 0 || st.QuotaBP > 5000 {
		e.WithField("quota_bp", "employment.quota_invalid")
	}
	if st.QuotaBP > 0 && (st.QuotaFrom < 1 || st.QuotaFrom > 100000) {
		e.WithField("quota_from", "employment.count_invalid")
	}
	if st.EscalateDays < 1 || st.EscalateDays > 60 {
		e.WithField("escalate_days", "employment.days_range", "min", 1, "max", 60)
	}
	if len(e.Fields) > 0 {
		return Settings{}, e
	}
	st.UpdatedAt = s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO employment_settings (member_id, quota_bp, quota_from, escalate_days, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET quota_bp = excluded.quota_bp, quota_from = excluded.quota_from, escalate_days = excluded.escalate_days, updated_at = excluded.updated_at`,
			st.MemberID, st.QuotaBP, st.QuotaFrom, st.EscalateDays, st.UpdatedAt); err != nil {
			return errs.Wrapf(err, "employment: save settings")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: st.MemberID, Action: "employment.settings", EntityType: "employment_settings", EntityID: idStr(st.MemberID), State: st})
	})
	return st, err
}

// Quota is an employer's disability quota status.
type Quota struct {
	// Applies is false when the member has no quota or the employer's
	// headcount is under the one it applies from.
	Applies   bool `json:"applies"`
	QuotaBP   int  `json:"quota_bp"`
	From      int  `json:"from"`
	Headcount int  `json:"headcount"`
	Disabled  int  `json:"disabled_employees"`
	// Required is how many employees with disability the quota asks for
	// (rounded up), Missing how many are still missing (0 when it is met).
	Required int  `json:"required"`
	Missing  int  `json:"missing"`
	Meets    bool `json:"meets"`
	// ShareBP is the share of employees with disability, in hundredths of
	// a percent (rounded down).
	ShareBP int `json:"share_bp"`
}

// QuotaOf computes employer m's quota status under st; integers only.
func QuotaOf(st Settings, m Employer) Quota {
	q := Quota{QuotaBP: st.QuotaBP, From: st.QuotaFrom, Headcount: m.Headcount, Disabled: m.DisabledEmployees}
	if m.Headcount > 0 {
		q.ShareBP = int(int64(m.DisabledEmployees) * 10000 / int64(m.Headcount))
	}
	if st.QuotaBP <= 0 || m.Headcount < st.QuotaFrom || m.Headcount == 0 {
		return q
	}
	q.Applies = true
	q.Required = int((int64(m.Headcount)*int64(st.QuotaBP) + 9999) / 10000)
	q.Missing = max(0, q.Required-m.DisabledEmployees)
	q.Meets = q.Missing == 0
	return q
}

// QuotaStatus returns employer id's quota status (employment.read).
func (s *Service) QuotaStatus(ctx context.Context, id int64) (Quota, error) {
	m, err := s.Employer(ctx, id)
	if err != nil {
		return Quota{}, err
	}
	st, err := s.settings(ctx, s.db, m.MemberID)
	if err != nil {
		return Quota{}, err
	}
	return QuotaOf(st, m), nil
}

// JobPledges lists the jobs partners of memberID pledged and have not yet
// filled (employment.read): a vacancy may say which it fills.
func (s *Service) JobPledges(ctx context.Context, memberID int64) ([]partner.Pledge, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return nil, err
	}
	if s.o.Partners == nil {
		return []partner.Pledge{}, nil
	}
	return s.o.Partners.OpenPledges(actor.System(ctx), memberID, partner.Jobs)
}
