package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/printer"
)

// QualityTargets is the body that sets a member's service-level targets:
// the targets to change; the others keep their value.
type QualityTargets struct {
	Targets []quality.Target `json:"targets"`
}

const qualityHelp = "Counts only: no names, no narratives. Needs case.quality in the member. Codes (case types, risk levels, steps, services, outcomes) are left as codes; offices, departments and workers are ids."

// qualityMember is the member a quality request is about: ?member= (a
// member-scoped caller may name only its own; another member answers 404
// from the service), else the caller's.
func qualityMember(a *API, r *http.Request) (member.Member, error) {
	id, err := notifyMember(a, r)
	if err != nil {
		return member.Member{}, err
	}
	return a.Members.ByID(r.Context(), id)
}

// qualityQuery reads the period: ?month=YYYY-MM, or ?from= and ?to=
// (YYYY-MM-DD, to excluded) in the member's zone; this month by default.
func qualityQuery(a *API, r *http.Request, m member.Member) (quality.Query, error) {
	q := quality.Query{MemberID: m.ID}
	v := r.URL.Query()
	loc := m.Location()
	if v.Get("from") != "" || v.Get("to") != "" {
		e := errs.E(errs.Invalid, "error.invalid_input")
		from, err1 := time.ParseInLocation("2006-01-02", v.Get("from"), loc)
		to, err2 := time.ParseInLocation("2006-01-02", v.Get("to"), loc)
		if err1 != nil {
			e.WithField("from", "casework_quality.period_invalid")
		}
		if err2 != nil {
			e.WithField("to", "casework_quality.period_invalid")
		}
		if len(e.Fields) > 0 {
			return q, e
		}
		q.From, q.To = from.UTC(), to.UTC()
	} else {
		month := v.Get("month")
		if month == "" {
			month = a.Clock.Now().In(loc).Format("2006-01")
		}
		from, to, err := quality.Month(month, loc)
		if err != nil {
			return q, err
		}
		q.From, q.To = from, to
	}
	var err error
	if q.OfficeID, err = QueryInt(r, "office", 0); err != nil {
		return q, err
	}
	if q.DepartmentID, err = QueryInt(r, "department", 0); err != nil {
		return q, err
	}
	trend, err := QueryInt(r, "trend", 0)
	if err != nil {
		return q, err
	}
	if trend < 0 || trend > 11 {
		return q, errs.E(errs.Invalid, "error.invalid_input").WithField("trend", "casework_quality.period_too_long")
	}
	if trend > 0 {
		q.TrendFrom = q.From.In(loc).AddDate(0, -int(trend), 0).UTC()
	}
	return q, nil
}

func init() {
	memberParam := Param{Name: "member", Description: "member code (union-level callers must give one; others may give only their own)"}
	Register(
		Route{Method: "GET", Path: "/casework/quality", Tag: "casework", Summary: "A member's care quality figures for a period",
			Description: "Caseload per worker, overdue follow-ups and referrals, time in each step (median, 90th percentile), the share of cases meeting each service-level target, referral completion, closure outcomes, repeat cases within twelve months, by case type, risk level, office and department, and by month. " + qualityHelp,
			Query: []Param{memberParam, {Name: "month", Description: "YYYY-MM (default: this month)"}, {Name: "from", Description: "YYYY-MM-DD, instead of month"},
				{Name: "to", Description: "YYYY-MM-DD, excluded"}, {Name: "office", Type: "integer", Description: "only this office's cases"},
				{Name: "department", Type: "integer", Description: "only this department's cases"},
				{Name: "trend", Type: "integer", Description: "months of trend before the period in months (0 to 11): months then counts them too"}},
			Response: quality.Figures{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := qualityMember(a, r)
				if err != nil {
					return nil, err
				}
				q, err := qualityQuery(a, r, m)
				if err != nil {
					return nil, err
				}
				return a.Quality.Figures(r.Context(), q)
			}},
		Route{Method: "GET", Path: "/casework/quality/targets", Tag: "casework", Summary: "A member's care service-level targets",
			Description: "One target for every step (first_contact, assessment, plan, referral_followup) and risk level (low, medium, high, critical): an amount of hours or working_days. default is true while the member keeps the union's defaults. Needs case.quality or case.manage.",
			Query:       []Param{memberParam}, Response: quality.Targets{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := qualityMember(a, r)
				if err != nil {
					return nil, err
				}
				return a.Quality.Targets(r.Context(), m.ID)
			}},
		Route{Method: "PUT", Path: "/casework/quality/targets", Tag: "casework", Summary: "Set a member's care service-level targets",
			Description: "The targets given replace the member's; the others keep their value. Hours from 1 to 720, working days from 1 to 120. Needs case.manage; audited.",
			Query:       []Param{memberParam}, Body: QualityTargets{}, Response: quality.Targets{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := qualityMember(a, r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[QualityTargets](r)
				if err != nil {
					return nil, err
				}
				return a.Quality.SetTargets(r.Context(), m.ID, in.Targets)
			}},
		Route{Method: "GET", Path: "/casework/quality/report", Tag: "casework", Summary: "A member's monthly care quality report as an A4 PDF",
			Description: "The month's figures and the twelve months' trend, in Arabic or English. 409 casework_quality.report_unavailable when the server has no Chromium. " + qualityHelp,
			Query: []Param{memberParam, {Name: "month", Description: "YYYY-MM (default: this month)"}, {Name: "lang", Description: "ar or en (default: Accept-Language, else ar)"},
				{Name: "digits", Description: "arab for Arabic-Indic digits"}},
			Response: Raw{ContentType: "application/pdf"},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := qualityMember(a, r)
				if err != nil {
					return nil, err
				}
				st := printStyle(r)
				month := r.URL.Query().Get("month")
				if month == "" {
					month = a.Clock.Now().In(m.Location()).Format("2006-01")
				}
				pdf, _, err := a.Quality.ReportPDF(r.Context(), m.ID, month, quality.ReportStyle{Lang: st.Lang, ArabicDigits: st.ArabicDigits && st.Lang == i18n.AR})
				if errors.Is(err, printer.ErrUnavailable) {
					return nil, errs.E(errs.Conflict, "casework_quality.report_unavailable")
				}
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: "application/pdf", Body: pdf}, nil
			}},
	)
}
