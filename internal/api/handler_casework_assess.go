package api

import (
	"bytes"
	"net/http"

	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/assess"
)

// AssessForm is one version of an assessment form, with the CEL its
// XLSForm conditions and constraints are translated to.
type AssessForm struct {
	assess.Form
	CEL map[string]string `json:"cel"` // "relevant:<name>", "constraint:<name>", "section:<name>" → CEL
}

// AssessFormSummary is a form version in a list.
type AssessFormSummary struct {
	ID          int64  `json:"id"`
	MemberID    int64  `json:"member_id"`
	TypeCode    string `json:"type_code"`
	Version     int    `json:"version"`
	Status      string `json:"status"`
	TitleAR     string `json:"title_ar"`
	TitleEN     string `json:"title_en"`
	Questions   int    `json:"questions"`
	PublishedAt string `json:"published_at,omitempty"`
}

// AssessmentAnswers is a filled form sent for a case: the form version the
// case is assessed with and the answers by question name.
type AssessmentAnswers struct {
	ClientID    string            `json:"client_id,omitempty"` // made by the client (a UUID); required to submit
	BaseVersion int64             `json:"base_version,omitempty"`
	FormID      int64             `json:"form_id"`
	FormVersion int               `json:"form_version"`
	Answers     map[string]string `json:"answers"`
}

// AssessmentView is a case's assessment with its form version.
type AssessmentView struct {
	Assessment assess.Assessment `json:"assessment"`
	Form       assess.Form       `json:"form"`
}

// Submitted is the answer to a submission: the assessment's id, and
// duplicate true when the same client id was stored before.
type Submitted struct {
	ID        int64  `json:"id"`
	Duplicate bool   `json:"duplicate"`
	Score     int    `json:"score"`
	Level     string `json:"level"`
}

const assessFormsHelp = "Assessment forms are defined per member and case type and versioned: every upload is a new draft version; publishing a version makes it the one new assessments start with and retires the one before. A case keeps the version its assessment started with."

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func summary(f assess.Form) AssessFormSummary {
	s := AssessFormSummary{ID: f.ID, MemberID: f.MemberID, TypeCode: f.TypeCode, Version: f.Version, Status: f.Status, TitleAR: f.Def.TitleAR, TitleEN: f.Def.TitleEN}
	for _, q := range f.Def.Questions() {
		if q.Kind != assess.Note {
			s.Questions++
		}
	}
	if !f.PublishedAt.IsZero() {
		s.PublishedAt = f.PublishedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return s
}

func assessmentInput(r *http.Request) (care.AssessmentInput, error) {
	id, err := PathInt(r, "id")
	if err != nil {
		return care.AssessmentInput{}, err
	}
	b, err := Decode[AssessmentAnswers](r)
	if err != nil {
		return care.AssessmentInput{}, err
	}
	return care.AssessmentInput{ClientID: b.ClientID, CaseID: id, BaseVersion: b.BaseVersion, FormID: b.FormID, FormVersion: b.FormVersion, Answers: b.Answers}, nil
}

func init() {
	Register(
		Route{Method: "GET", Path: "/casework/forms", Tag: "casework", Summary: "List a member's assessment forms, every version", Description: assessFormsHelp,
			Query: []Param{notifyMemberParam}, Response: []AssessFormSummary{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := notifyMember(a, r)
				if err != nil {
					return nil, err
				}
				fs, err := a.Assessments.Forms(r.Context(), m)
				if err != nil {
					return nil, err
				}
				out := []AssessFormSummary{}
				for _, f := range fs {
					out = append(out, summary(f))
				}
				return out, nil
			}},
		Route{Method: "POST", Path: "/casework/forms", Tag: "casework", Summary: "Upload an XLSForm workbook as the next draft version of a case type's form",
			Description: assessFormsHelp + " The body is the workbook itself (" + xlsxType + ") with the survey, choices and settings sheets; type is the case type code (or the settings sheet's case_type). All or nothing: every problem is returned with its sheet, row and column.",
			Query:       []Param{notifyMemberParam, {Name: "type", Description: "case type code, e.g. child_protection"}}, Response: AssessForm{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := notifyMember(a, r)
				if err != nil {
					return nil, err
				}
				f, err := a.Assessments.Upload(r.Context(), m, r.URL.Query().Get("type"), "form.xlsx", r.Body)
				if err != nil {
					return nil, err
				}
				return AssessForm{Form: f, CEL: assess.Expressions(&f.Def)}, nil
			}},
		Route{Method: "GET", Path: "/casework/forms/{id}", Tag: "casework", Summary: "Get one version of an assessment form", Response: AssessForm{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				f, err := a.Assessments.Form(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return AssessForm{Form: f, CEL: assess.Expressions(&f.Def)}, nil
			}},
		Route{Method: "GET", Path: "/casework/forms/{id}/xlsform", Tag: "casework", Summary: "Download one version of an assessment form as an XLSForm workbook", Response: Raw{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				f, err := a.Assessments.Form(r.Context(), id)
				if err != nil {
					return nil, err
				}
				var b bytes.Buffer
				if err := assess.WriteXLSForm(&b, &f.Def, f.TypeCode); err != nil {
					return nil, err
				}
				return Raw{ContentType: xlsxType, Body: b.Bytes()}, nil
			}},
		Route{Method: "POST", Path: "/casework/forms/{id}/publish", Tag: "casework", Summary: "Publish a draft version of an assessment form", Description: assessFormsHelp, Response: AssessForm{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				f, err := a.Assessments.Publish(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return AssessForm{Form: f, CEL: assess.Expressions(&f.Def)}, nil
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/assessment", Tag: "casework", Summary: "Get a case's open assessment, or its last one, with its form version", Response: AssessmentView{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				as, f, err := a.Assessments.Latest(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return AssessmentView{Assessment: as, Form: f}, nil
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/assessment/draft", Tag: "casework", Summary: "Save answers of a case's open assessment (started with the published form when none is open)",
			Description: "Answers are not checked for completeness. A form version other than the one the case is assessed with is a conflict (409).",
			Body:        AssessmentAnswers{}, Response: AssessmentView{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := assessmentInput(r)
				if err != nil {
					return nil, err
				}
				as, err := a.Assessments.SaveDraft(r.Context(), in)
				if err != nil {
					return nil, err
				}
				_, f, err := a.Assessments.Assessment(r.Context(), as.ID)
				return AssessmentView{Assessment: as, Form: f}, err
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/assessment/submit", Tag: "casework", Summary: "Submit a case's assessment: checked, scored, and its risk level set on the case",
			Description: "Idempotent on client_id: sending the same submission again (a form filled offline) stores nothing and answers duplicate true with the first id. A form version other than the one the case is assessed with is a conflict (409); bad answers are 422 with a problem per question.",
			Body:        AssessmentAnswers{}, Response: Submitted{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := assessmentInput(r)
				if err != nil {
					return nil, err
				}
				id, dup, err := a.Assessments.SubmitAssessment(r.Context(), in)
				if err != nil {
					return nil, err
				}
				as, _, err := a.Assessments.Assessment(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return Submitted{ID: id, Duplicate: dup, Score: as.Score, Level: as.Level}, nil
			}},
	)
}
