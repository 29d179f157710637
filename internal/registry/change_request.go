package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
)

// ChangeApprovalKind is the kind of the auth approvals that registry
// corrections create; a registrar (auth.RegistryApprove) decides them.
const ChangeApprovalKind = "registry_change"

// The states of a change request.
const (
	ChangePending  = "pending"
	ChangeApproved = "approved"
	ChangeRejected = "rejected"
)

// MaxChangeReason bounds a change request's reason and a decision's note.
const MaxChangeReason = 2000

// CorrectableFields are the household fields a change request may correct,
// in form order. Each is written as the household form writes it.
var CorrectableFields = []string{"governorate", "district", "locality", "address", "dwelling_type", "rooms", "water_source", "sanitation", "contact_email", "monthly_income"}

// PersonCorrectableFields are the person fields a change request may
// correct (ProposePersonChange), in form order: what work and income
// change, as the employment service and the crafts market propose it.
// monthly_income is written as the forms write money ("250.000"), placed_on
// as YYYY-MM-DD.
var PersonCorrectableFields = []string{"employment_status", "monthly_income", "placed_on"}

// FieldChange is one field of a change request: its value when the
// request was made and the value asked.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// ChangeRequest is a correction of a household's registry record that
// waits for, or had, a registrar's decision.
type ChangeRequest struct {
	ID           int64  `json:"id"`
	MemberID     int64  `json:"member_id"`
	HouseholdID  int64  `json:"household_id"`
	HouseholdRef string `json:"household_ref"`
	// PersonID is the person whose fields the request corrects, 0 for a
	// correction of the household; PersonName is that person's full name.
	PersonID   int64         `json:"person_id,omitempty"`
	PersonName string        `json:"person_name,omitempty"`
	Fields     []FieldChange `json:"fields"`
	Reason     string        `json:"reason"`
	Status     string        `json:"status"`
	ApprovalID int64         `json:"approval_id"`
	ProposedBy int64         `json:"proposed_by"`
	DecidedBy  int64         `json:"decided_by,omitempty"`
	DecidedAt  *time.Time    `json:"decided_at,omitempty"`
	Note       string        `json:"note,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
}

// setField writes value v into field f of h, as the household form does;
// exp is the member currency's exponent.
func setField(h *Household, f, v string, exp int) error {
	v = strings.TrimSpace(v)
	switch f {
	case "monthly_income":
		n, err := parseIncome(f, v, exp)
		if err != nil {
			return err
		}
		h.MonthlyIncome = n
	case "governorate":
		h.Governorate = v
	case "district":
		h.District = v
	case "locality":
		h.Locality = v
	case "address":
		h.Address = v
	case "dwelling_type":
		h.DwellingType = v
	case "rooms":
		if v == "" {
			h.Rooms = nil
			break
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return errs.E(errs.Invalid, "registry_change.value_invalid", "field", f).WithField("value_"+f, "registry_change.value_invalid")
		}
		h.Rooms = &n
	case "water_source":
		h.WaterSource = v
	case "sanitation":
		h.Sanitation = v
	case "contact_email":
		h.ContactEmail = v
	default:
		return errs.E(errs.Invalid, "registry_change.field_invalid", "field", f)
	}
	return nil
}

// parseIncome reads money text v (major units, "" unknown) of field f.
func parseIncome(f, v string, exp int) (*int64, error) {
	if v == "" {
		return nil, nil
	}
	n, err := money.Parse(v, exp)
	if err != nil || n < 0 {
		return nil, errs.E(errs.Invalid, "registry_change.value_invalid", "field", f).WithField("value_"+f, "registry_change.value_invalid")
	}
	return &n, nil
}

// setPersonField writes value v into person field f of q.
func setPersonField(q *Person, f, v string, exp int) error {
	v = strings.TrimSpace(v)
	switch f {
	case "employment_status":
		q.EmploymentStatus = v
	case "monthly_income":
		n, err := parseIncome(f, v, exp)
		if err != nil {
			return err
		}
		q.MonthlyIncome = n
	case "placed_on":
		if v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return errs.E(errs.Invalid, "registry_change.value_invalid", "field", f).WithField("value_"+f, "registry_change.value_invalid")
			}
		}
		q.PlacedOn = v
	default:
		return errs.E(errs.Invalid, "registry_change.field_invalid", "field", f)
	}
	return nil
}

// personFieldValue is person field f of q as history writes it.
func personFieldValue(q *Person, exp int, f string) string {
	for _, kv := range q.fields(exp) {
		if kv[0] == f {
			return kv[1]
		}
	}
	return ""
}

// fieldValue is field f of h as history writes it.
func fieldValue(h *Household, exp int, f string) string {
	for _, kv := range h.fields(exp) {
		if kv[0] == f {
			return kv[1]
		}
	}
	return ""
}

// ProposeChange asks to correct fields of household householdID (field →
// new value), for reason: one approval that a registrar other than the
// proposer decides with DecideChange. The actor needs registry.read for
// the household's member; the new values are checked as the household
// form checks them, and nothing is written when one is wrong.
func (s *Service) ProposeChange(ctx context.Context, householdID int64, values map[string]string, reason string) (ChangeRequest, error) {
	h, err := s.Household(ctx, householdID)
	if err != nil {
		return ChangeRequest{}, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryRead, h.MemberID); err != nil {
		return ChangeRequest{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.reason_required").WithField("reason", "registry_change.reason_required")
	}
	if utf8.RuneCountInString(reason) > MaxChangeReason {
		return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.reason_too_long").WithField("reason", "registry_change.reason_too_long")
	}
	mi, err := s.memberInfo(ctx, h.MemberID)
	if err != nil {
		return ChangeRequest{}, err
	}
	next := h
	var fields []FieldChange
	for _, f := range CorrectableFields {
		v, ok := values[f]
		if !ok {
			continue
		}
		if err := setField(&next, f, v, mi.Exponent); err != nil {
			return ChangeRequest{}, err
		}
	}
	for f := range values {
		if !slices.Contains(CorrectableFields, f) {
			return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.field_invalid", "field", f)
		}
	}
	var p problems
	next.normalize(&p, mi, s.today())
	if err := p.err(); err != nil {
		return ChangeRequest{}, err
	}
	for _, f := range CorrectableFields {
		if _, ok := values[f]; !ok {
			continue
		}
		if o, n := fieldValue(&h, mi.Exponent, f), fieldValue(&next, mi.Exponent, f); o != n {
			fields = append(fields, FieldChange{Field: f, Old: o, New: n})
		}
	}
	if len(fields) == 0 {
		return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.nothing_changes")
	}
	cr := ChangeRequest{MemberID: h.MemberID, HouseholdID: h.ID, HouseholdRef: h.Ref, Fields: fields, Reason: reason, Status: ChangePending,
		ProposedBy: actorID(ctx), CreatedAt: s.now().UTC()}
	fj, _ := json.Marshal(fields)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		payload, _ := json.Marshal(map[string]any{"household": h.Ref, "household_id": h.ID, "fields": len(fields)})
		ap, err := auth.Propose(ctx, tx, h.MemberID, ChangeApprovalKind, "household", strconv.FormatInt(h.ID, 10), string(payload))
		if err != nil {
			return err
		}
		cr.ApprovalID = ap.ID
		if cr.ID, err = tx.InsertID(ctx, `INSERT INTO registry_change_requests (member_id, household_id, fields, reason, status, approval_id, proposed_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, cr.MemberID, cr.HouseholdID, string(fj), cr.Reason, cr.Status, cr.ApprovalID, cr.ProposedBy, cr.CreatedAt); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: cr.MemberID, Action: "registry.change.propose", EntityType: "registry_change", EntityID: strconv.FormatInt(cr.ID, 10), State: cr})
	})
	if err != nil {
		return ChangeRequest{}, errs.Wrapf(err, "registry: propose a correction of household %d", householdID)
	}
	return cr, nil
}

const changeCols = `c.id, c.member_id, c.household_id, h.household_ref, c.person_id, COALESCE(p.first_name, ''), COALESCE(p.father_name, ''),
	COALESCE(p.grandfather_name, ''), COALESCE(p.family_name, ''), c.fields, c.reason, c.status, c.approval_id, c.proposed_by, c.decided_by, c.decided_at, c.note, c.created_at`

const changeFrom = ` FROM registry_change_requests c JOIN households h ON h.id = c.household_id LEFT JOIN persons p ON p.id = c.person_id AND c.person_id <> 0`

func scanChange(row interface{ Scan(...any) error }) (ChangeRequest, error) {
	var cr ChangeRequest
	var fj string
	var decided sql.NullTime
	var who Person
	if err := row.Scan(&cr.ID, &cr.MemberID, &cr.HouseholdID, &cr.HouseholdRef, &cr.PersonID, &who.FirstName, &who.FatherName, &who.GrandfatherName, &who.FamilyName,
		&fj, &cr.Reason, &cr.Status, &cr.ApprovalID, &cr.ProposedBy, &cr.DecidedBy, &decided, &cr.Note, &cr.CreatedAt); err != nil {
		return ChangeRequest{}, err
	}
	if cr.PersonID != 0 {
		cr.PersonName = who.FullName()
	}
	if decided.Valid {
		t := decided.Time.UTC()
		cr.DecidedAt = &t
	}
	cr.CreatedAt = cr.CreatedAt.UTC()
	return cr, json.Unmarshal([]byte(fj), &cr.Fields)
}

// ChangeRequestByID returns change request id, if the actor may read its
// household's registry.
func (s *Service) ChangeRequestByID(ctx context.Context, id int64) (ChangeRequest, error) {
	if err := auth.Require(ctx, auth.RegistryRead); err != nil {
		return ChangeRequest{}, err
	}
	cr, err := scanChange(s.db.QueryRow(ctx, `SELECT `+changeCols+changeFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ChangeRequest{}, errs.E(errs.NotFound, "registry_change.not_found")
	}
	if err != nil {
		return ChangeRequest{}, errs.Wrapf(err, "registry: change request %d", id)
	}
	if m, all := auth.MemberScope(ctx); !all && m != cr.MemberID {
		return ChangeRequest{}, errs.E(errs.NotFound, "registry_change.not_found")
	}
	return cr, nil
}

// ChangeRequestByApproval returns the change request of approval apID.
func (s *Service) ChangeRequestByApproval(ctx context.Context, apID int64) (ChangeRequest, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM registry_change_requests WHERE approval_id = ?`, apID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ChangeRequest{}, errs.E(errs.NotFound, "registry_change.not_found")
	}
	if err != nil {
		return ChangeRequest{}, errs.Wrapf(err, "registry: change request of approval %d", apID)
	}
	return s.ChangeRequestByID(ctx, id)
}

// ChangeRequests lists the change requests of household householdID (0:
// of the member), newest first, with status "" for all.
func (s *Service) ChangeRequests(ctx context.Context, memberID, householdID int64, status string) ([]ChangeRequest, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, memberID); err != nil {
		return nil, err
	}
	q := `SELECT ` + changeCols + changeFrom + ` WHERE c.member_id = ?`
	args := []any{memberID}
	if householdID != 0 {
		q += ` AND c.household_id = ?`
		args = append(args, householdID)
	}
	if status != "" {
		q += ` AND c.status = ?`
		args = append(args, status)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY c.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "registry: change requests")
	}
	defer rows.Close()
	var out []ChangeRequest
	for rows.Next() {
		cr, err := scanChange(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "registry: change requests")
		}
		out = append(out, cr)
	}
	return out, rows.Err()
}

// DecideChange approves or rejects change request id. The actor needs
// registry.approve (a registrar) and may not be its proposer. Approval
// applies the change through the household's usual update, in the same
// transaction, with its history and audit record; a request one of whose
// fields changed since it was made is refused (Conflict) and nothing
// changes. A rejection needs a note.
func (s *Service) DecideChange(ctx context.Context, id int64, approve bool, note string) (ChangeRequest, error) {
	cr, err := s.ChangeRequestByID(ctx, id)
	if err != nil {
		return ChangeRequest{}, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxChangeReason {
		return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.reason_too_long").WithField("reason", "registry_change.reason_too_long")
	}
	mi, err := s.memberInfo(ctx, cr.MemberID)
	if err != nil {
		return ChangeRequest{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := auth.Decide(ctx, tx, cr.ApprovalID, approve, note, auth.RegistryApprove); err != nil {
			return err
		}
		now := s.now().UTC()
		status := ChangeRejected
		if approve {
			status = ChangeApproved
			apply := s.applyChange
			if cr.PersonID != 0 {
				apply = s.applyPersonChange
			}
			if err := apply(ctx, tx, cr, mi, now); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE registry_change_requests SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = ?`,
			status, actorID(ctx), now, note, cr.ID, ChangePending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "approval.already_decided", "status", "?")
		}
		cr.Status, cr.DecidedBy, cr.DecidedAt, cr.Note = status, actorID(ctx), &now, note
		return audit.Append(ctx, tx, audit.Entry{MemberID: cr.MemberID, Action: "registry.change." + status, EntityType: "registry_change", EntityID: strconv.FormatInt(cr.ID, 10), State: cr})
	})
	if err != nil {
		return ChangeRequest{}, errs.Wrapf(err, "registry: decide change request %d", id)
	}
	return cr, nil
}

// applyChange writes cr's new values into its household in tx, as
// UpdateHousehold does (version guard, history, audit), after checking
// that every field still holds the value the request saw.
func (s *Service) applyChange(ctx context.Context, tx *db.Tx, cr ChangeRequest, mi *memberInfo, now time.Time) error {
	var size int
	h, err := scanHousehold(tx.QueryRow(ctx, `SELECT `+householdCols+`, `+householdSize+` FROM households h WHERE h.id = ? AND h.member_id = ?`, cr.HouseholdID, cr.MemberID), &size)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "registry.household_not_found")
	}
	if err != nil {
		return err
	}
	old := h
	for _, f := range cr.Fields {
		if cur := fieldValue(&h, mi.Exponent, f.Field); cur != f.Old {
			return errs.E(errs.Conflict, "registry_change.stale", "field", f.Field)
		}
		if err := setField(&h, f.Field, f.New, mi.Exponent); err != nil {
			return err
		}
	}
	var p problems
	h.normalize(&p, mi, s.today())
	if err := p.err(); err != nil {
		return err
	}
	changes := diff(old.fields(mi.Exponent), h.fields(mi.Exponent))
	h.Version, h.UpdatedAt = old.Version+1, now
	res, err := tx.Exec(ctx, householdUpdate+` AND version = ?`, append(householdUpdateArgs(&h), old.Version)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "registry.stale")
	}
	hist := make([]historyRow, len(changes))
	for i, c := range changes {
		hist[i] = historyRow{household: h.ID, action: "update", c: c}
	}
	if err := writeHistory(ctx, tx, h.MemberID, actorID(ctx), 0, now, hist); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: h.MemberID, Action: "household.update", EntityType: "household", EntityID: strconv.FormatInt(h.ID, 10), State: h})
}

// ProposePersonChange asks to correct fields of person personID (field →
// new value, among PersonCorrectableFields), for reason: one approval that
// a registrar other than the proposer decides with DecideChange, as
// ProposeChange does for a household. The employment service proposes a
// placement so (employment_status "employed", monthly_income, placed_on).
// The new values are checked as the person form checks them, and nothing
// is written when one is wrong.
func (s *Service) ProposePersonChange(ctx context.Context, personID int64, values map[string]string, reason string) (ChangeRequest, error) {
	q, err := s.Person(ctx, personID)
	if err != nil {
		return ChangeRequest{}, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryRead, q.MemberID); err != nil {
		return ChangeRequest{}, err
	}
	if q.MergedInto != 0 {
		return ChangeRequest{}, errs.E(errs.Conflict, "registry_change.person_merged")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.reason_required").WithField("reason", "registry_change.reason_required")
	}
	if utf8.RuneCountInString(reason) > MaxChangeReason {
		return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.reason_too_long").WithField("reason", "registry_change.reason_too_long")
	}
	for f := range values {
		if !slices.Contains(PersonCorrectableFields, f) {
			return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.field_invalid", "field", f)
		}
	}
	mi, err := s.memberInfo(ctx, q.MemberID)
	if err != nil {
		return ChangeRequest{}, err
	}
	next := q
	for _, f := range PersonCorrectableFields {
		if v, ok := values[f]; ok {
			if err := setPersonField(&next, f, v, mi.Exponent); err != nil {
				return ChangeRequest{}, err
			}
		}
	}
	if err := s.checkPersonChange(&next, mi); err != nil {
		return ChangeRequest{}, err
	}
	var fields []FieldChange
	for _, f := range PersonCorrectableFields {
		if _, ok := values[f]; !ok {
			continue
		}
		if o, n := personFieldValue(&q, mi.Exponent, f), personFieldValue(&next, mi.Exponent, f); o != n {
			fields = append(fields, FieldChange{Field: f, Old: o, New: n})
		}
	}
	if len(fields) == 0 {
		return ChangeRequest{}, errs.E(errs.Invalid, "registry_change.nothing_changes")
	}
	cr := ChangeRequest{MemberID: q.MemberID, HouseholdID: q.HouseholdID, HouseholdRef: q.HouseholdRef, PersonID: q.ID, PersonName: q.FullName(),
		Fields: fields, Reason: reason, Status: ChangePending, ProposedBy: actorID(ctx), CreatedAt: s.now().UTC()}
	fj, _ := json.Marshal(fields)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		payload, _ := json.Marshal(map[string]any{"household": q.HouseholdRef, "household_id": q.HouseholdID, "person": q.Ref, "person_id": q.ID, "fields": len(fields)})
		ap, err := auth.Propose(ctx, tx, q.MemberID, ChangeApprovalKind, "person", strconv.FormatInt(q.ID, 10), string(payload))
		if err != nil {
			return err
		}
		cr.ApprovalID = ap.ID
		if cr.ID, err = tx.InsertID(ctx, `INSERT INTO registry_change_requests (member_id, household_id, person_id, fields, reason, status, approval_id, proposed_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, cr.MemberID, cr.HouseholdID, cr.PersonID, string(fj), cr.Reason, cr.Status, cr.ApprovalID, cr.ProposedBy, cr.CreatedAt); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: cr.MemberID, Action: "registry.change.propose", EntityType: "registry_change", EntityID: strconv.FormatInt(cr.ID, 10), State: cr})
	})
	if err != nil {
		return ChangeRequest{}, errs.Wrapf(err, "registry: propose a correction of person %d", personID)
	}
	return cr, nil
}

// checkPersonChange checks the fields a person change request may set, as
// the person form checks them: a known employment status, an income not
// negative, a placement day not after today.
func (s *Service) checkPersonChange(q *Person, mi *memberInfo) error {
	var p problems
	checkCode(&p, EmploymentStatuses, &q.EmploymentStatus, false)
	if q.MonthlyIncome != nil && *q.MonthlyIncome < 0 {
		p.add("monthly_income", "registry.negative")
	}
	if q.PlacedOn != "" && q.PlacedOn > s.today() {
		p.add("placed_on", "registry_change.placed_future")
	}
	return p.err()
}

// applyPersonChange writes cr's new values into its person in tx (version
// guard, history, audit), after checking that every field still holds the
// value the request saw. Only the corrected columns are written.
func (s *Service) applyPersonChange(ctx context.Context, tx *db.Tx, cr ChangeRequest, mi *memberInfo, now time.Time) error {
	q, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+personFrom+` WHERE p.id = ? AND p.member_id = ?`, cr.PersonID, cr.MemberID))
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "registry.person_not_found")
	}
	if err != nil {
		return err
	}
	if q.MergedInto != 0 {
		return errs.E(errs.Conflict, "registry_change.person_merged")
	}
	old := q
	for _, f := range cr.Fields {
		if cur := personFieldValue(&q, mi.Exponent, f.Field); cur != f.Old {
			return errs.E(errs.Conflict, "registry_change.stale", "field", f.Field)
		}
		if err := setPersonField(&q, f.Field, f.New, mi.Exponent); err != nil {
			return err
		}
	}
	if err := s.checkPersonChange(&q, mi); err != nil {
		return err
	}
	changes := diff(old.fields(mi.Exponent), q.fields(mi.Exponent))
	q.Version, q.UpdatedAt = old.Version+1, now
	res, err := tx.Exec(ctx, `UPDATE persons SET employment_status = ?, monthly_income = ?, placed_on = ?, version = ?, updated_at = ?
		WHERE id = ? AND member_id = ? AND version = ?`, q.EmploymentStatus, int64Arg(q.MonthlyIncome), q.PlacedOn, q.Version, q.UpdatedAt, q.ID, q.MemberID, old.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "registry.stale")
	}
	hist := make([]historyRow, len(changes))
	for i, c := range changes {
		hist[i] = historyRow{household: q.HouseholdID, person: q.ID, action: "update", c: c}
	}
	if err := writeHistory(ctx, tx, q.MemberID, actorID(ctx), 0, now, hist); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: q.MemberID, Action: "person.update", EntityType: "person", EntityID: strconv.FormatInt(q.ID, 10), State: q})
}
