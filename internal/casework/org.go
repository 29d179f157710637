package casework

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// The care organization lives here, not in member: it is the care
// departments' structure (which office a social worker works in, who
// supervises them), and the capabilities that will need it (volunteers,
// training) ask this package through Offices and StaffOf.

// Department is a care department of a member (family protection, elderly
// care …). Offices belong to one.
type Department struct {
	ID       int64  `json:"id"`
	MemberID int64  `json:"member_id"`
	Code     string `json:"code"`
	NameAR   string `json:"name_ar"`
	NameEN   string `json:"name_en"`
}

// Office is a place social workers work from, in one department and one
// area.
type Office struct {
	ID           int64  `json:"id"`
	MemberID     int64  `json:"member_id"`
	DepartmentID int64  `json:"department_id"`
	Code         string `json:"code"`
	NameAR       string `json:"name_ar"`
	NameEN       string `json:"name_en"`
	AreaCode     string `json:"area_code"`
}

// Staff is a user of the care departments: their office and supervisor.
type Staff struct {
	UserID       int64        `json:"user_id"`
	MemberID     int64        `json:"member_id"`
	Username     string       `json:"username"`
	Name         string       `json:"name"`
	Roles        []actor.Role `json:"roles"`
	OfficeID     int64        `json:"office_id"`
	SupervisorID int64        `json:"supervisor_id"`
}

const maxName = 200

func checkCodeName(code, nameAR, nameEN string) error {
	e := errs.E(errs.Invalid, "casework.invalid")
	if code == "" || len(code) > 40 || strings.ContainsAny(code, " \t\n/") {
		e = e.WithField("code", "casework.code_invalid")
	}
	if strings.TrimSpace(nameAR) == "" || utf8.RuneCountInString(nameAR) > maxName {
		e = e.WithField("name_ar", "casework.name_required")
	}
	if utf8.RuneCountInString(nameEN) > maxName {
		e = e.WithField("name_en", "casework.too_long")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Departments lists member's care departments by code.
func (s *Service) Departments(ctx context.Context, memberID int64) ([]Department, error) {
	if err := s.requireAny(ctx, memberID, auth.CaseRead, auth.CaseManage, auth.CaseQuality); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, member_id, code, name_ar, name_en FROM case_departments WHERE member_id = ? ORDER BY code`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: departments")
	}
	defer rows.Close()
	var out []Department
	for rows.Next() {
		var d Department
		if err := rows.Scan(&d.ID, &d.MemberID, &d.Code, &d.NameAR, &d.NameEN); err != nil {
			return nil, errs.Wrapf(err, "casework: departments")
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveDepartment creates a department, or renames the one with the same
// code.
func (s *Service) SaveDepartment(ctx context.Context, d Department) (Department, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, d.MemberID); err != nil {
		return Department{}, err
	}
	d.Code, d.NameAR, d.NameEN = strings.TrimSpace(d.Code), strings.TrimSpace(d.NameAR), strings.TrimSpace(d.NameEN)
	if err := checkCodeName(d.Code, d.NameAR, d.NameEN); err != nil {
		return Department{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now().UTC()
		err := tx.QueryRow(ctx, `SELECT id FROM case_departments WHERE member_id = ? AND code = ?`, d.MemberID, d.Code).Scan(&d.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if d.ID, err = tx.InsertID(ctx, `INSERT INTO case_departments (member_id, code, name_ar, name_en, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
				d.MemberID, d.Code, d.NameAR, d.NameEN, now); err != nil {
				return errs.Wrapf(err, "casework: save department")
			}
		case err != nil:
			return errs.Wrapf(err, "casework: save department")
		default:
			if _, err := tx.Exec(ctx, `UPDATE case_departments SET name_ar = ?, name_en = ? WHERE id = ?`, d.NameAR, d.NameEN, d.ID); err != nil {
				return errs.Wrapf(err, "casework: save department")
			}
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: d.MemberID, Action: "case_department.save", EntityType: "case_department", EntityID: id(d.ID), State: d})
	})
	return d, err
}

// Offices lists member's offices by code.
func (s *Service) Offices(ctx context.Context, memberID int64) ([]Office, error) {
	if err := s.requireAny(ctx, memberID, auth.CaseRead, auth.CaseManage, auth.CaseQuality); err != nil {
		return nil, err
	}
	return s.offices(ctx, s.db, memberID)
}

type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Service) offices(ctx context.Context, q querier, memberID int64) ([]Office, error) {
	rows, err := q.Query(ctx, `SELECT id, member_id, department_id, code, name_ar, name_en, area_code FROM case_offices WHERE member_id = ? ORDER BY code`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: offices")
	}
	defer rows.Close()
	var out []Office
	for rows.Next() {
		var o Office
		if err := rows.Scan(&o.ID, &o.MemberID, &o.DepartmentID, &o.Code, &o.NameAR, &o.NameEN, &o.AreaCode); err != nil {
			return nil, errs.Wrapf(err, "casework: offices")
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SaveOffice creates an office, or changes the one with the same code. Its
// department must be one of the member's.
func (s *Service) SaveOffice(ctx context.Context, o Office) (Office, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, o.MemberID); err != nil {
		return Office{}, err
	}
	o.Code, o.NameAR, o.NameEN, o.AreaCode = strings.TrimSpace(o.Code), strings.TrimSpace(o.NameAR), strings.TrimSpace(o.NameEN), strings.TrimSpace(o.AreaCode)
	if err := checkCodeName(o.Code, o.NameAR, o.NameEN); err != nil {
		return Office{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_departments WHERE id = ? AND member_id = ?`, o.DepartmentID, o.MemberID).Scan(&n); err != nil {
			return errs.Wrapf(err, "casework: save office")
		}
		if n == 0 {
			return errs.E(errs.Invalid, "casework.department_not_found").WithField("department_id", "casework.department_not_found")
		}
		now := s.now().UTC()
		err := tx.QueryRow(ctx, `SELECT id FROM case_offices WHERE member_id = ? AND code = ?`, o.MemberID, o.Code).Scan(&o.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if o.ID, err = tx.InsertID(ctx, `INSERT INTO case_offices (member_id, department_id, code, name_ar, name_en, area_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				o.MemberID, o.DepartmentID, o.Code, o.NameAR, o.NameEN, o.AreaCode, now); err != nil {
				return errs.Wrapf(err, "casework: save office")
			}
		case err != nil:
			return errs.Wrapf(err, "casework: save office")
		default:
			if _, err := tx.Exec(ctx, `UPDATE case_offices SET department_id = ?, name_ar = ?, name_en = ?, area_code = ? WHERE id = ?`,
				o.DepartmentID, o.NameAR, o.NameEN, o.AreaCode, o.ID); err != nil {
				return errs.Wrapf(err, "casework: save office")
			}
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: o.MemberID, Action: "case_office.save", EntityType: "case_office", EntityID: id(o.ID), State: o})
	})
	return o, err
}

// careRoles are the roles that work on cases.
var careRoles = []actor.Role{actor.CaseWorker, actor.CaseSupervisor, actor.CareManager}

// StaffOf lists the member's users who hold a care role, with their office
// and supervisor, by name.
func (s *Service) StaffOf(ctx context.Context, memberID int64) ([]Staff, error) {
	if err := s.requireAny(ctx, memberID, auth.CaseRead, auth.CaseManage, auth.CaseQuality); err != nil {
		return nil, err
	}
	placed := map[int64][2]int64{}
	rows, err := s.db.Query(ctx, `SELECT user_id, COALESCE(office_id, 0), COALESCE(supervisor_id, 0) FROM case_staff WHERE member_id = ?`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: staff")
	}
	for rows.Next() {
		var u, o, sup int64
		if err := rows.Scan(&u, &o, &sup); err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "casework: staff")
		}
		placed[u] = [2]int64{o, sup}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "casework: staff")
	}
	// The names come from auth, read as the system: a worker needs to name
	// a colleague to transfer a case without the right to manage users.
	users, err := s.auth.ListUsers(actor.System(ctx), auth.UserFilter{MemberID: memberID})
	if err != nil {
		return nil, err
	}
	var out []Staff
	for _, u := range users {
		care := false
		for _, r := range u.Roles {
			for _, c := range careRoles {
				care = care || r == c
			}
		}
		if !care || !u.Active || u.MemberID != memberID {
			continue
		}
		p := placed[u.ID]
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		out = append(out, Staff{UserID: u.ID, MemberID: u.MemberID, Username: u.Username, Name: name, Roles: u.Roles, OfficeID: p[0], SupervisorID: p[1]})
	}
	return out, nil
}

// Place sets user's office and supervisor (0: none). Both must be of the
// user's member, and the supervisor must hold case.supervise.
func (s *Service) Place(ctx context.Context, memberID, userID, officeID, supervisorID int64) error {
	if err := auth.RequireMember(ctx, auth.CaseManage, memberID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		u, err := auth.Scope(ctx, tx, userID)
		if err != nil || u.MemberID != memberID {
			return errs.E(errs.Invalid, "casework.user_not_found").WithField("user_id", "casework.user_not_found")
		}
		if supervisorID != 0 {
			sup, err := auth.Scope(ctx, tx, supervisorID)
			if err != nil || sup.MemberID != memberID || !auth.Can(actor.Actor{UserID: sup.UserID, Roles: sup.Roles}, auth.CaseSupervise) {
				return errs.E(errs.Invalid, "casework.supervisor_invalid").WithField("supervisor_id", "casework.supervisor_invalid")
			}
		}
		if officeID != 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_offices WHERE id = ? AND member_id = ?`, officeID, memberID).Scan(&n); err != nil {
				return errs.Wrapf(err, "casework: place")
			}
			if n == 0 {
				return errs.E(errs.Invalid, "casework.office_not_found").WithField("office_id", "casework.office_not_found")
			}
		}
		now := s.now().UTC()
		if _, err := tx.Exec(ctx, `INSERT INTO case_staff (user_id, member_id, office_id, supervisor_id, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET office_id = excluded.office_id, supervisor_id = excluded.supervisor_id, updated_at = excluded.updated_at`,
			userID, memberID, nullID(officeID), nullID(supervisorID), now); err != nil {
			return errs.Wrapf(err, "casework: place")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "case_staff.place", EntityType: "user", EntityID: id(userID),
			State: map[string]int64{"office_id": officeID, "supervisor_id": supervisorID}})
	})
}

// placement returns user's office and supervisor as tx sees them.
func placement(ctx context.Context, q querier, userID int64) (office, supervisor int64, err error) {
	err = q.QueryRow(ctx, `SELECT COALESCE(office_id, 0), COALESCE(supervisor_id, 0) FROM case_staff WHERE user_id = ?`, userID).Scan(&office, &supervisor)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, errs.Wrapf(err, "casework: placement of %d", userID)
	}
	return office, supervisor, nil
}

func nullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// requireAny checks that the actor holds one of perms for memberID.
func (s *Service) requireAny(ctx context.Context, memberID int64, perms ...auth.Permission) error {
	var first error
	for _, p := range perms {
		err := auth.RequireMember(ctx, p, memberID)
		if err == nil {
			return nil
		}
		if first == nil || errs.Is(err, errs.NotFound) {
			first = err
		}
	}
	return first
}
