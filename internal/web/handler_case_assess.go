package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/assess"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// The assessment of a case: the form the case is assessed with, filled on
// one page that shows and hides questions by their conditions (a script
// of its own, static/assess.js; the server checks everything again), saved
// as a draft or submitted; and the result, with the score, the level and
// how the formula reached them.
func init() {
	Register(Module{
		Name: "casework_assess",
		Menu: []MenuItem{{Path: "/casework/forms", Key: "assess.menu", Perm: auth.CaseManage, Order: 62}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /casework/cases/{id}/assessment", auth.CaseRead, s.assessFill)
			s.Handle(mux, "POST /casework/cases/{id}/assessment", auth.CaseWrite, s.assessSave)
			s.Handle(mux, "POST /casework/cases/{id}/assessment/start", auth.CaseWrite, s.assessStart)
			s.Handle(mux, "GET /casework/cases/{id}/assessment/{aid}", auth.CaseRead, s.assessResult)
			s.Handle(mux, "GET /casework/forms", auth.CaseManage, s.assessForms)
			s.Handle(mux, "POST /casework/forms", auth.CaseManage, s.assessUpload)
			s.Handle(mux, "GET /casework/forms/{id}", auth.CaseManage, s.assessForm)
			s.Handle(mux, "POST /casework/forms/{id}", auth.CaseManage, s.assessForm) // preview: check answers
			s.Handle(mux, "POST /casework/forms/{id}/publish", auth.CaseManage, s.assessPublish)
			s.Handle(mux, "GET /casework/forms/{id}/xlsform", auth.CaseManage, s.assessDownload)
			s.Handle(mux, "GET /casework/forms/{id}/compare", auth.CaseManage, s.assessCompare)
		},
	})
}

// assessChoice is one choice as the page draws it.
type assessChoice struct {
	Name, Label string
	Checked     bool
}

// assessQuestion is one question as the page draws it.
type assessQuestion struct {
	Name, Kind, Label, Hint string
	Required                bool
	Value                   string
	Choices                 []assessChoice
	Scale                   []int
	Cond                    string // the condition as the script's JSON tree, "" for none
	Hidden                  bool
	Error                   string
}

type assessSection struct {
	Label     string
	Cond      string
	Hidden    bool
	Questions []assessQuestion
}

// assessFillPage is the form being filled (or previewed).
type assessFillPage struct {
	CaseID     int64
	Action     string // where the form posts
	Title      string
	Form       assess.Form
	Sections   []assessSection
	ClientID   string
	Preview    bool
	Result     *assess.Explanation
	Used       []assessUsed
	Problems   []string
	Message    string
	CanSubmit  bool
	Assessment assess.Assessment
}

// assessText returns the text of the reader's language, or the other's when it
// is empty.
func assessText(l i18n.Lang, ar, en string) string {
	if l == i18n.EN && en != "" || ar == "" {
		return en
	}
	return ar
}

func condJSON(def *assess.Definition, src, self string) string {
	n, err := assess.ClientTree(def, src, self)
	if err != nil || n == nil {
		return ""
	}
	b, _ := json.Marshal(n)
	return string(b)
}

// fillSections builds the questions of f with answers and, when err holds
// problems of answers, each beside its question.
func (s *Server) fillSections(r *http.Request, f assess.Form, answers map[string]string, err error) ([]assessSection, []string, string) {
	l := Lang(r)
	shown := s.Assessments.Shown(r.Context(), f, answers)
	errors := map[string]string{}
	var problems []string
	message := ""
	if e := errs.As(err); err != nil && e != nil {
		form := &Form{arabic: variantOf(r).arabic}
		form.Fail(l, err)
		message = form.Message
		for k, v := range form.Errors {
			errors[k] = v
		}
		problems = form.Problems
	}
	var out []assessSection
	for _, sec := range f.Def.Sections {
		as := assessSection{Label: assessText(l, sec.LabelAR, sec.LabelEN), Cond: condJSON(&f.Def, sec.Relevant, "")}
		allHidden := true
		for _, q := range sec.Items {
			aq := assessQuestion{Name: q.Name, Kind: string(q.Kind), Label: assessText(l, q.LabelAR, q.LabelEN), Hint: assessText(l, q.HintAR, q.HintEN),
				Required: q.Required, Value: answers[q.Name], Cond: condJSON(&f.Def, q.Relevant, ""), Error: errors[q.Name]}
			aq.Hidden = q.Kind != assess.Note && shown != nil && !shown[q.Name]
			if !aq.Hidden && q.Kind != assess.Note {
				allHidden = false
			}
			picked := strings.Fields(answers[q.Name])
			choices := q.Choices
			if q.Kind == assess.YesNo && len(choices) == 0 {
				choices = []assess.Choice{{Name: "yes", LabelAR: "نعم", LabelEN: "Yes"}, {Name: "no", LabelAR: "لا", LabelEN: "No"}}
			}
			for _, c := range choices {
				checked := false
				for _, p := range picked {
					checked = checked || p == c.Name
				}
				aq.Choices = append(aq.Choices, assessChoice{Name: c.Name, Label: assessText(l, c.LabelAR, c.LabelEN), Checked: checked})
			}
			if q.Kind == assess.Scale {
				for v := q.Min; v <= q.Max; v++ {
					aq.Scale = append(aq.Scale, v)
				}
			}
			as.Questions = append(as.Questions, aq)
		}
		as.Hidden = allHidden && as.Cond != ""
		out = append(out, as)
	}
	return out, problems, message
}

// answersOf reads the answers of f's questions from a posted form:
// multiple choices as one text, names separated by spaces.
func answersOf(r *http.Request, f assess.Form) map[string]string {
	_ = r.ParseForm()
	out := map[string]string{}
	for _, q := range f.Def.Questions() {
		if q.Kind == assess.Note {
			continue
		}
		vs := r.PostForm["q."+q.Name]
		if v := strings.TrimSpace(strings.Join(vs, " ")); v != "" {
			out[q.Name] = v
		}
	}
	return out
}

func (s *Server) assessFill(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, f, err := s.Assessments.Latest(r.Context(), id)
	if errs.Is(err, errs.NotFound) && errs.As(err).Key == "assess.none" && auth.Can(actorOf(r), auth.CaseWrite) {
		a, f, err = s.Assessments.Start(r.Context(), id)
	}
	if err != nil {
		return err
	}
	if a.Status == assess.Submitted {
		http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(id, 10)+"/assessment/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
		return nil
	}
	return s.renderFill(w, r, id, a, f, a.Answers, "", nil)
}

func (s *Server) renderFill(w http.ResponseWriter, r *http.Request, caseID int64, a assess.Assessment, f assess.Form, answers map[string]string, clientID string, err error) error {
	p := assessFillPage{CaseID: caseID, Action: "/casework/cases/" + strconv.FormatInt(caseID, 10) + "/assessment", Form: f, Assessment: a,
		Title: assessText(Lang(r), f.Def.TitleAR, f.Def.TitleEN), CanSubmit: auth.Can(actorOf(r), auth.CaseWrite), ClientID: clientID}
	if p.ClientID == "" {
		p.ClientID = newClientID()
	}
	p.Sections, p.Problems, p.Message = s.fillSections(r, f, answers, err)
	v := View{Title: "assess.fill_title", Data: p}
	if err != nil {
		v.Status = Status(errs.CodeOf(err))
	}
	return s.Render(w, r, "casework/assess/fill", v)
}

func (s *Server) assessSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	formID, _ := strconv.ParseInt(r.FormValue("form_id"), 10, 64)
	version, _ := strconv.Atoi(r.FormValue("form_version"))
	a, f, err := s.Assessments.Latest(r.Context(), id)
	if err != nil {
		return err
	}
	if a.Status != assess.Open || a.FormID != formID {
		// The page was for a version the case is no longer assessed
		// with: say so, and show the form the case has now.
		return errs.E(errs.Conflict, "assess.version_conflict", "number", strconv.FormatInt(id, 10), "have", f.Version, "sent", version)
	}
	in := care.AssessmentInput{ClientID: r.FormValue("client_id"), CaseID: id, FormID: formID, FormVersion: version, Answers: answersOf(r, f)}
	if r.FormValue("action") == "draft" {
		if _, err := s.Assessments.SaveDraft(r.Context(), in); err != nil {
			return s.renderFill(w, r, id, a, f, in.Answers, in.ClientID, err)
		}
		Flash(w, "assess.draft_saved")
		http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(id, 10)+"/assessment", http.StatusSeeOther)
		return nil
	}
	aid, _, err := s.Assessments.SubmitAssessment(r.Context(), in)
	if err != nil && aid == 0 {
		return s.renderFill(w, r, id, a, f, in.Answers, in.ClientID, err)
	}
	if err != nil {
		return err
	}
	Flash(w, "assess.submitted")
	http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(id, 10)+"/assessment/"+strconv.FormatInt(aid, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) assessStart(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, _, err := s.Assessments.Start(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(id, 10)+"/assessment", http.StatusSeeOther)
	return nil
}

// assessUsed is one answer the formula read, as the result page shows it.
type assessUsed struct {
	Name, Label, Value string
	Shown              bool
}

type assessResultPage struct {
	CaseID     int64
	Assessment assess.Assessment
	Form       assess.Form
	Title      string
	Used       []assessUsed
	Answers    []assessUsed
	CanStart   bool
}

// answerText shows an answer as its choices' labels.
func answerText(l i18n.Lang, def *assess.Definition, name, value string) string {
	q, ok := def.Question(name)
	if !ok || value == "" {
		return value
	}
	switch q.Kind {
	case assess.SelectOne, assess.SelectMultiple, assess.YesNo:
		var out []string
		for _, v := range strings.Fields(value) {
			label := v
			for _, c := range q.Choices {
				if c.Name == v {
					label = assessText(l, c.LabelAR, c.LabelEN)
				}
			}
			if q.Kind == assess.YesNo && len(q.Choices) == 0 {
				label = tr(l, "assess.yesno."+v)
			}
			out = append(out, label)
		}
		return strings.Join(out, tr(l, "assess.list_sep"))
	}
	return value
}

func (s *Server) assessResult(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		return err
	}
	a, f, err := s.Assessments.Assessment(r.Context(), aid)
	if err != nil {
		return err
	}
	if a.CaseID != id {
		return errs.E(errs.NotFound, "assess.none")
	}
	if a.Status != assess.Submitted {
		http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(id, 10)+"/assessment", http.StatusSeeOther)
		return nil
	}
	l := Lang(r)
	p := assessResultPage{CaseID: id, Assessment: a, Form: f, Title: assessText(l, f.Def.TitleAR, f.Def.TitleEN), CanStart: auth.Can(actorOf(r), auth.CaseWrite)}
	if a.Explanation != nil {
		for _, u := range a.Explanation.Used {
			p.Used = append(p.Used, assessUsed{Name: u.Name, Label: assessText(l, u.LabelAR, u.LabelEN), Value: answerText(l, &f.Def, u.Name, u.Value), Shown: u.Shown})
		}
	}
	for _, q := range f.Def.Questions() {
		if v, ok := a.Answers[q.Name]; ok {
			p.Answers = append(p.Answers, assessUsed{Name: q.Name, Label: assessText(l, q.LabelAR, q.LabelEN), Value: answerText(l, &f.Def, q.Name, v), Shown: true})
		}
	}
	return s.Render(w, r, "casework/assess/result", View{Title: "assess.result_title", Data: p})
}

func actorOf(r *http.Request) actor.Actor { return actor.From(r.Context()) }

// newClientID makes the id a page's submission carries, so that sending
// the page twice (a double click, a reload) stores it once.
func newClientID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "web-" + hex.EncodeToString(b[:])
}
