package api

import (
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/registry"
)

// CaseOpen is a new case. Consent (or the legal ground) comes first; the
// case concerns a registry household (and one of its persons), or a
// person registered on the spot (new_person), refused when likely a
// duplicate unless confirm_duplicates is true.
type CaseOpen struct {
	Member            string           `json:"member,omitempty"` // member code; the caller's own when empty
	TypeCode          string           `json:"type_code"`
	Consent           casework.Consent `json:"consent"`
	HouseholdID       int64            `json:"household_id,omitempty"`
	PersonID          int64            `json:"person_id,omitempty"`
	NewPerson         *CasePerson      `json:"new_person,omitempty"`
	AreaCode          string           `json:"area_code,omitempty"`
	ConfirmDuplicates bool             `json:"confirm_duplicates,omitempty"`
	OwnerID           int64            `json:"owner_id,omitempty"`
	OfficeID          int64            `json:"office_id,omitempty"`
	Team              []int64          `json:"team,omitempty"`
}

// CasePerson is a person registered on the spot when a case is opened.
type CasePerson struct {
	FirstName       string `json:"first_name"`
	FatherName      string `json:"father_name,omitempty"`
	GrandfatherName string `json:"grandfather_name,omitempty"`
	FamilyName      string `json:"family_name,omitempty"`
	Sex             string `json:"sex"`
	BirthDate       string `json:"birth_date,omitempty"`
	NationalID      string `json:"national_id,omitempty"`
	Phone           string `json:"phone,omitempty"`
}

// Person is p as the registry takes it, the head of a new household.
func (p CasePerson) Person() registry.Person {
	return registry.Person{Relationship: "head", FirstName: p.FirstName, FatherName: p.FatherName, GrandfatherName: p.GrandfatherName,
		FamilyName: p.FamilyName, Sex: p.Sex, BirthDate: p.BirthDate, NationalID: p.NationalID, Phone: p.Phone}
}

// CaseEdit changes a case's team and office from the version seen.
type CaseEdit struct {
	Version  int64   `json:"version"`
	OfficeID int64   `json:"office_id,omitempty"`
	Team     []int64 `json:"team"`
}

// CaseMove moves a case to its next step, or closes it.
type CaseMove struct {
	Version     int64  `json:"version"`
	To          string `json:"to"`
	Outcome     string `json:"outcome,omitempty"`
	OutcomeText string `json:"outcome_text,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// CaseDecision approves, or sends back with a comment, what a case waits for.
type CaseDecision struct {
	Approve bool   `json:"approve"`
	Comment string `json:"comment,omitempty"`
}

// CaseReopen reopens a closed case.
type CaseReopen struct {
	Version int64  `json:"version"`
	Reason  string `json:"reason"`
}

// CaseNote is a note or visit note, idempotent on client_id.
type CaseNote struct {
	ClientID string    `json:"client_id"`
	Version  int64     `json:"version,omitempty"`
	Kind     string    `json:"kind"`
	Text     string    `json:"text"`
	At       time.Time `json:"at,omitzero"`
}

// CaseAttachment is a document or photo, its bytes in base64,
// idempotent on client_id.
type CaseAttachment struct {
	ClientID string `json:"client_id"`
	Version  int64  `json:"version,omitempty"`
	Name     string `json:"name"`
	Content  []byte `json:"content"`
}

// Stored is the id of what a write stored, and whether an earlier send of
// the same client id had stored it.
type Stored struct {
	ID        int64 `json:"id"`
	Duplicate bool  `json:"duplicate"`
}

// CaseTransfer assigns, transfers or asks to transfer a case.
type CaseTransfer struct {
	Version  int64  `json:"version,omitempty"`
	ToUser   int64  `json:"to_user,omitempty"`
	ToOffice int64  `json:"to_office,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// TransferAnswer accepts or declines a transfer.
type TransferAnswer struct {
	Accept bool   `json:"accept"`
	Answer string `json:"answer,omitempty"`
}

// CaseType is a case type as an administrator saves it.
type CaseType struct {
	Member           string   `json:"member,omitempty"`
	Code             string   `json:"code"`
	NameAR           string   `json:"name_ar"`
	NameEN           string   `json:"name_en,omitempty"`
	Sensitive        bool     `json:"sensitive"`
	Steps            []string `json:"steps"`
	Approvals        []string `json:"approvals"`
	ExistenceVisible bool     `json:"existence_visible"`
	Active           bool     `json:"active"`
}

// CareDepartment is a care department as an administrator saves it.
type CareDepartment struct {
	Member string `json:"member,omitempty"`
	Code   string `json:"code"`
	NameAR string `json:"name_ar"`
	NameEN string `json:"name_en,omitempty"`
}

// CareOffice is an office as an administrator saves it.
type CareOffice struct {
	Member       string `json:"member,omitempty"`
	DepartmentID int64  `json:"department_id"`
	Code         string `json:"code"`
	NameAR       string `json:"name_ar"`
	NameEN       string `json:"name_en,omitempty"`
	AreaCode     string `json:"area_code,omitempty"`
}

// StaffPlace sets a user's office and supervisor.
type StaffPlace struct {
	OfficeID     int64 `json:"office_id,omitempty"`
	SupervisorID int64 `json:"supervisor_id,omitempty"`
}

// CaseSettings are a member's visit intervals, in days by risk level.
type CaseSettings struct {
	Member    string         `json:"member,omitempty"`
	VisitDays map[string]int `json:"visit_days"`
}

// CaseList is a page of cases and how many match in all.
type CaseList struct {
	Items []casework.Case `json:"items"`
	Total int             `json:"total"`
	Page  int             `json:"page"`
}

// caseMember is the member code names, or the caller's own.
func (a *API) caseMember(r *http.Request, code string) (int64, error) {
	if code == "" {
		code = r.URL.Query().Get("member")
	}
	if code == "" {
		return actor.From(r.Context()).MemberID, nil
	}
	m, err := a.Members.Get(r.Context(), code)
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

var caseMemberParam = Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}

func init() {
	caseID := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	Register(
		Route{Method: "GET", Path: "/casework/cases", Tag: "casework", Summary: "Cases the caller may see, newest first, masked to what they may see",
			Description: "Sensitive cases appear only to their owner, supervisor and team, or by number only where the type lets their existence be seen. Lists never name a person.",
			Query: []Param{caseMemberParam, {Name: "type", Description: "case type code"}, {Name: "status", Description: "a step, or open"},
				{Name: "risk", Description: "low, medium, high or critical"}, {Name: "owner", Type: "integer", Description: "the worker's user id"},
				{Name: "office", Type: "integer", Description: "office id"}, {Name: "page", Type: "integer", Description: "from 1; fifty cases a page"}},
			Response: CaseList{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				f := casework.Filter{TypeCode: q.Get("type"), Status: q.Get("status"), Risk: q.Get("risk")}
				var err error
				if f.MemberID, err = a.caseMember(r, ""); err != nil {
					return nil, err
				}
				if f.OwnerID, err = QueryInt(r, "owner", 0); err != nil {
					return nil, err
				}
				if f.OfficeID, err = QueryInt(r, "office", 0); err != nil {
					return nil, err
				}
				page, err := QueryInt(r, "page", 1)
				if err != nil {
					return nil, err
				}
				f.Page = int(page)
				cs, total, err := a.Cases.List(r.Context(), f)
				return CaseList{Items: nonNil(cs), Total: total, Page: f.Page}, err
			}},
		Route{Method: "POST", Path: "/casework/cases", Tag: "casework", Summary: "Open a case on recorded consent or a legal ground",
			Body: CaseOpen{}, Response: casework.Opened{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[CaseOpen](r)
				if err != nil {
					return nil, err
				}
				member, err := a.caseMember(r, in.Member)
				if err != nil {
					return nil, err
				}
				o := casework.OpenInput{MemberID: member, TypeCode: in.TypeCode, Consent: in.Consent, HouseholdID: in.HouseholdID, PersonID: in.PersonID,
					AreaCode: in.AreaCode, Duplicates: registry.DuplicatePolicy{Confirmed: in.ConfirmDuplicates}, OwnerID: in.OwnerID, OfficeID: in.OfficeID, Team: in.Team}
				if in.NewPerson != nil {
					p := in.NewPerson.Person()
					o.NewPerson = &p
				}
				return a.Cases.Open(r.Context(), o)
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}", Tag: "casework", Summary: "A case, as the caller may see it (a read of a sensitive case is audited)",
			Response: casework.Case{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				return a.Cases.Get(r.Context(), id)
			}},
		Route{Method: "PATCH", Path: "/casework/cases/{id}", Tag: "casework", Summary: "Change a case's team and office from the version seen",
			Description: "A case changed since the version given answers 409 and nothing is written.",
			Body:        CaseEdit{}, Response: casework.Case{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseEdit](r)
				if err != nil {
					return nil, err
				}
				return a.Cases.Edit(r.Context(), casework.EditInput{CaseID: id, Version: in.Version, OfficeID: in.OfficeID, Team: in.Team})
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/move", Tag: "casework", Summary: "Move a case to its next step or close it (proposed to the supervisor where the type requires approval)",
			Body: CaseMove{}, Response: casework.Case{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseMove](r)
				if err != nil {
					return nil, err
				}
				return a.Cases.Move(r.Context(), casework.MoveInput{CaseID: id, Version: in.Version, To: in.To, Outcome: in.Outcome, OutcomeText: in.OutcomeText, Comment: in.Comment})
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/decide", Tag: "casework", Summary: "Approve, or send back with a comment, the step a case waits for",
			Description: "The supervisor decides; whoever proposed the step cannot.",
			Body:        CaseDecision{}, Response: casework.Case{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseDecision](r)
				if err != nil {
					return nil, err
				}
				return a.Cases.Decide(r.Context(), id, in.Approve, in.Comment)
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/reopen", Tag: "casework", Summary: "Reopen a closed case",
			Body: CaseReopen{}, Response: casework.Case{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseReopen](r)
				if err != nil {
					return nil, err
				}
				return a.Cases.Reopen(r.Context(), id, in.Version, in.Reason)
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/notes", Tag: "casework", Summary: "A case's notes, newest first (full access only; audited for sensitive cases)",
			Response: List[casework.Note]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				ns, err := a.Cases.Notes(r.Context(), id)
				return List[casework.Note]{nonNil(ns)}, err
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/notes", Tag: "casework", Summary: "Add a note or a visit note, exactly once per client_id",
			Body: CaseNote{}, Response: Stored{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseNote](r)
				if err != nil {
					return nil, err
				}
				nid, dup, err := a.Cases.AddNote(r.Context(), care.NoteInput{ClientID: in.ClientID, CaseID: id, BaseVersion: in.Version, Kind: in.Kind, Text: in.Text, At: in.At})
				return Stored{ID: nid, Duplicate: dup}, err
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/attachments", Tag: "casework", Summary: "A case's attachments (full access only)",
			Response: List[casework.Attachment]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				as, err := a.Cases.Attachments(r.Context(), id)
				return List[casework.Attachment]{nonNil(as)}, err
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/attachments", Tag: "casework", Summary: "Attach a document or photo, exactly once per client_id",
			Description: "The bytes must be what the name's extension says (PDF, JPEG, PNG, WebP, GIF); anything else is refused.",
			Body:        CaseAttachment{}, Response: Stored{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseAttachment](r)
				if err != nil {
					return nil, err
				}
				aid, dup, err := a.Cases.AddAttachment(r.Context(), care.AttachmentInput{ClientID: in.ClientID, CaseID: id, BaseVersion: in.Version, Name: in.Name, Data: in.Content})
				return Stored{ID: aid, Duplicate: dup}, err
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/attachments/{att}", Tag: "casework", Summary: "An attachment's content (audited for sensitive cases)",
			Response: Raw{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				att, err := PathInt(r, "att")
				if err != nil {
					return nil, err
				}
				at, data, err := a.Cases.Content(r.Context(), id, att)
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: at.ContentType, Body: data}, nil
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/history", Tag: "casework", Summary: "A case's steps, approvals, transfers and visits, oldest first",
			Response: List[casework.Event]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				es, err := a.Cases.History(r.Context(), id)
				return List[casework.Event]{nonNil(es)}, err
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/access", Tag: "casework", Summary: "A case's access log: who read or changed it (its supervisor)",
			Response: List[audit.Record]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				rs, err := a.Cases.AccessLog(r.Context(), id)
				return List[audit.Record]{nonNil(rs)}, err
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/transfers", Tag: "casework", Summary: "A case's transfers, newest first",
			Response: List[casework.Transfer]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				ts, err := a.Cases.CaseTransfers(r.Context(), id)
				return List[casework.Transfer]{nonNil(ts)}, err
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/assign", Tag: "casework", Summary: "Assign a case to a worker at once (a supervisor)",
			Body: CaseTransfer{}, Response: casework.Case{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseTransfer](r)
				if err != nil {
					return nil, err
				}
				return a.Cases.Assign(r.Context(), casework.TransferInput{CaseID: id, Version: in.Version, ToUser: in.ToUser, ToOffice: in.ToOffice, Reason: in.Reason})
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/transfers", Tag: "casework", Summary: "Propose that another worker of the member take a case over (they accept or decline)",
			Body: CaseTransfer{}, Response: casework.Transfer{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseTransfer](r)
				if err != nil {
					return nil, err
				}
				return a.Cases.Transfer(r.Context(), casework.TransferInput{CaseID: id, Version: in.Version, ToUser: in.ToUser, ToOffice: in.ToOffice, Reason: in.Reason})
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/transfer-requests", Tag: "casework", Summary: "Ask the supervisor to transfer a case",
			Body: CaseTransfer{}, Response: casework.Transfer{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := caseID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseTransfer](r)
				if err != nil {
					return nil, err
				}
				return a.Cases.RequestTransfer(r.Context(), casework.TransferInput{CaseID: id, Version: in.Version, ToUser: in.ToUser, ToOffice: in.ToOffice, Reason: in.Reason})
			}},
		Route{Method: "GET", Path: "/casework/transfers", Tag: "casework", Summary: "Transfers waiting for the caller: to them, or requests of the cases they supervise",
			Query: []Param{caseMemberParam}, Response: List[casework.Transfer]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				ts, err := a.Cases.Transfers(r.Context(), m)
				return List[casework.Transfer]{nonNil(ts)}, err
			}},
		Route{Method: "POST", Path: "/casework/transfers/{id}/answer", Tag: "casework", Summary: "Accept or decline a transfer (its receiver), or decline a request (the supervisor)",
			Body: TransferAnswer{}, Response: casework.Transfer{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[TransferAnswer](r)
				if err != nil {
					return nil, err
				}
				return a.Cases.Answer(r.Context(), id, in.Accept, in.Answer)
			}},
		Route{Method: "GET", Path: "/casework/inbox", Tag: "casework", Summary: "The caller's work: open cases, what is due or overdue, transfers, approvals sent back; the team for a supervisor",
			Query: []Param{caseMemberParam}, Response: casework.Inbox{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				return a.Cases.InboxOf(r.Context(), m)
			}},
		Route{Method: "GET", Path: "/casework/types", Tag: "casework", Summary: "A member's case types",
			Query: []Param{caseMemberParam}, Response: List[casework.Type]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				ts, err := a.Cases.Types(r.Context(), m)
				return List[casework.Type]{nonNil(ts)}, err
			}},
		Route{Method: "PUT", Path: "/casework/types", Tag: "casework", Summary: "Create a case type, or change the one with the same code",
			Body: CaseType{}, Response: casework.Type{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[CaseType](r)
				if err != nil {
					return nil, err
				}
				m, err := a.caseMember(r, in.Member)
				if err != nil {
					return nil, err
				}
				return a.Cases.SaveType(r.Context(), casework.Type{MemberID: m, Code: in.Code, NameAR: in.NameAR, NameEN: in.NameEN, Sensitive: in.Sensitive,
					Steps: in.Steps, Approvals: in.Approvals, ExistenceVisible: in.ExistenceVisible, Active: in.Active})
			}},
		Route{Method: "GET", Path: "/casework/departments", Tag: "casework", Summary: "A member's care departments",
			Query: []Param{caseMemberParam}, Response: List[casework.Department]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				ds, err := a.Cases.Departments(r.Context(), m)
				return List[casework.Department]{nonNil(ds)}, err
			}},
		Route{Method: "PUT", Path: "/casework/departments", Tag: "casework", Summary: "Create a care department, or rename the one with the same code",
			Body: CareDepartment{}, Response: casework.Department{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[CareDepartment](r)
				if err != nil {
					return nil, err
				}
				m, err := a.caseMember(r, in.Member)
				if err != nil {
					return nil, err
				}
				return a.Cases.SaveDepartment(r.Context(), casework.Department{MemberID: m, Code: in.Code, NameAR: in.NameAR, NameEN: in.NameEN})
			}},
		Route{Method: "GET", Path: "/casework/offices", Tag: "casework", Summary: "A member's offices",
			Query: []Param{caseMemberParam}, Response: List[casework.Office]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				os, err := a.Cases.Offices(r.Context(), m)
				return List[casework.Office]{nonNil(os)}, err
			}},
		Route{Method: "PUT", Path: "/casework/offices", Tag: "casework", Summary: "Create an office, or change the one with the same code",
			Body: CareOffice{}, Response: casework.Office{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[CareOffice](r)
				if err != nil {
					return nil, err
				}
				m, err := a.caseMember(r, in.Member)
				if err != nil {
					return nil, err
				}
				return a.Cases.SaveOffice(r.Context(), casework.Office{MemberID: m, DepartmentID: in.DepartmentID, Code: in.Code, NameAR: in.NameAR, NameEN: in.NameEN, AreaCode: in.AreaCode})
			}},
		Route{Method: "GET", Path: "/casework/staff", Tag: "casework", Summary: "A member's care staff with their office and supervisor",
			Query: []Param{caseMemberParam}, Response: List[casework.Staff]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				ss, err := a.Cases.StaffOf(r.Context(), m)
				return List[casework.Staff]{nonNil(ss)}, err
			}},
		Route{Method: "PUT", Path: "/casework/staff/{user}", Tag: "casework", Summary: "Set a user's office and supervisor",
			Query: []Param{caseMemberParam}, Body: StaffPlace{}, Response: StaffPlace{},
			Handle: func(a *API, r *http.Request) (any, error) {
				user, err := PathInt(r, "user")
				if err != nil {
					return nil, err
				}
				in, err := Decode[StaffPlace](r)
				if err != nil {
					return nil, err
				}
				m, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				return in, a.Cases.Place(r.Context(), m, user, in.OfficeID, in.SupervisorID)
			}},
		Route{Method: "GET", Path: "/casework/visit-settings", Tag: "casework", Summary: "A member's visit intervals by risk level",
			Query: []Param{caseMemberParam}, Response: casework.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				return a.Cases.SettingsOf(r.Context(), m)
			}},
		Route{Method: "PUT", Path: "/casework/visit-settings", Tag: "casework", Summary: "Set a member's visit intervals (days, shorter for higher risk)",
			Body: CaseSettings{}, Response: casework.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[CaseSettings](r)
				if err != nil {
					return nil, err
				}
				m, err := a.caseMember(r, in.Member)
				if err != nil {
					return nil, err
				}
				st := casework.Settings{MemberID: m, VisitDays: in.VisitDays}
				return st, a.Cases.SaveSettings(r.Context(), st)
			}},
	)
}
