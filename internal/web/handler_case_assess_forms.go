package web

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/casework/assess"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// The forms admin pages of the care manager: every version of the
// member's assessment forms, an XLSForm upload, a version's preview (its
// questions with their conditions, and the form itself to try), publish,
// download as XLSForm and compare two versions.

type assessFormsPage struct {
	Forms    []assess.Form
	Upload   *Form
	Examples []string
}

func (s *Server) assessFormsPage(w http.ResponseWriter, r *http.Request, upload *Form, err error) error {
	a := actorOf(r)
	forms, ferr := s.Assessments.Forms(r.Context(), a.MemberID)
	if ferr != nil {
		return ferr
	}
	if upload == nil {
		upload = &Form{Errors: map[string]string{}}
	}
	v := View{Title: "assess.forms_title", Data: assessFormsPage{Forms: forms, Upload: upload, Examples: assess.ExampleTypes}}
	if err != nil {
		v.Status = Status(errs.CodeOf(err))
	}
	return s.Render(w, r, "casework/assess/forms", v)
}

func (s *Server) assessForms(w http.ResponseWriter, r *http.Request) error {
	if ex := r.URL.Query().Get("example"); ex != "" {
		b, ok := assess.Example(ex)
		if !ok {
			return errs.E(errs.NotFound, "assess.form_not_found")
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+ex+`.xlsx"`)
		_, err := w.Write(b)
		return err
	}
	return s.assessFormsPage(w, r, nil, nil)
}

func (s *Server) assessUpload(w http.ResponseWriter, r *http.Request) error {
	l := Lang(r)
	f := &Form{Errors: map[string]string{}, Values: map[string][]string{}, arabic: variantOf(r).arabic}
	file, hdr, err := r.FormFile("file")
	if big := uploadTooLarge(err); big != nil {
		f.Fail(l, big)
		return s.assessFormsPage(w, r, f, big)
	}
	f.Values.Set("type", r.FormValue("type"))
	if err != nil {
		e := errs.E(errs.Invalid, "error.invalid_input").WithField("file", "error.required")
		f.Fail(l, e)
		return s.assessFormsPage(w, r, f, e)
	}
	defer file.Close()
	form, err := s.Assessments.Upload(r.Context(), actorOf(r).MemberID, r.FormValue("type"), hdr.Filename, file)
	if err != nil {
		// A form's problems name their sheet, row and column themselves.
		opts := i18n.Options{Arabic: f.arabic, ArgsAsGiven: true, Isolate: true}
		if e := errs.As(err); e != nil && e.Code != errs.Internal {
			f.Message = i18n.Render(l, e.Key, nameArgs(l, e.Args), opts)
			for _, fe := range e.Fields {
				f.Problems = append(f.Problems, i18n.Render(l, fe.Key, nameArgs(l, fe.Args), opts))
			}
		} else {
			f.Fail(l, err)
		}
		return s.assessFormsPage(w, r, f, err)
	}
	Flash(w, "assess.uploaded")
	http.Redirect(w, r, "/casework/forms/"+strconv.FormatInt(form.ID, 10), http.StatusSeeOther)
	return nil
}

// assessQuestionRow is a question in the preview's table.
type assessQuestionRow struct {
	assess.Question
	Section               string
	Label, Hint           string
	RelevantCEL, CheckCEL string
	Choices               []string
}

type assessFormPage struct {
	Form      assess.Form
	Title     string
	Rows      []assessQuestionRow
	Versions  []assess.Form // the other versions of the same case type, to compare with
	Fill      assessFillPage
	Published *assess.Form
}

func (s *Server) assessForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Assessments.Form(r.Context(), id)
	if err != nil {
		return err
	}
	l := Lang(r)
	p := assessFormPage{Form: f, Title: assessText(l, f.Def.TitleAR, f.Def.TitleEN)}
	cel := assess.Expressions(&f.Def)
	for _, sec := range f.Def.Sections {
		for _, q := range sec.Items {
			row := assessQuestionRow{Question: q, Section: assessText(l, sec.LabelAR, sec.LabelEN), Label: assessText(l, q.LabelAR, q.LabelEN),
				Hint: assessText(l, q.HintAR, q.HintEN), RelevantCEL: cel["relevant:"+q.Name], CheckCEL: cel["constraint:"+q.Name]}
			for _, c := range q.Choices {
				row.Choices = append(row.Choices, assessText(l, c.LabelAR, c.LabelEN))
			}
			p.Rows = append(p.Rows, row)
		}
	}
	all, err := s.Assessments.Forms(r.Context(), f.MemberID)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.TypeCode == f.TypeCode && o.ID != f.ID {
			p.Versions = append(p.Versions, o)
		}
	}
	// The preview: the form as a worker fills it; trying answers checks
	// them and shows the score they give, storing nothing.
	fill := assessFillPage{Action: "/casework/forms/" + strconv.FormatInt(id, 10) + "#try", Form: f, Title: p.Title, Preview: true}
	answers := map[string]string{}
	var checkErr error
	if r.Method == http.MethodPost {
		answers = answersOf(r, f)
		_, x, err := s.Assessments.Check(r.Context(), f, answers)
		if err == nil {
			fill.Result = &x
			for _, u := range x.Used {
				fill.Used = append(fill.Used, assessUsed{Name: u.Name, Label: assessText(l, u.LabelAR, u.LabelEN), Value: answerText(l, &f.Def, u.Name, u.Value), Shown: u.Shown})
			}
		}
		checkErr = err
	}
	fill.Sections, fill.Problems, fill.Message = s.fillSections(r, f, answers, checkErr)
	p.Fill = fill
	return s.Render(w, r, "casework/assess/form", View{Title: "assess.form_title", Data: p})
}

func (s *Server) assessPublish(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Assessments.Publish(r.Context(), id); err != nil {
		return err
	}
	Flash(w, "assess.published")
	http.Redirect(w, r, "/casework/forms/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) assessDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Assessments.Form(r.Context(), id)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := assess.WriteXLSForm(&b, &f.Def, f.TypeCode); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.TypeCode+"-v"+strconv.Itoa(f.Version)+`.xlsx"`)
	_, err = w.Write(b.Bytes())
	return err
}

type assessComparePage struct {
	A, B    assess.Form
	Changes []assess.Change
}

func (s *Server) assessCompare(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	with, err := strconv.ParseInt(r.URL.Query().Get("with"), 10, 64)
	if err != nil {
		return errs.E(errs.NotFound, "assess.form_not_found")
	}
	a, err := s.Assessments.Form(r.Context(), with)
	if err != nil {
		return err
	}
	b, err := s.Assessments.Form(r.Context(), id)
	if err != nil {
		return err
	}
	if a.Version > b.Version {
		a, b = b, a
	}
	return s.Render(w, r, "casework/assess/compare", View{Title: "assess.compare_title", Data: assessComparePage{A: a, B: b, Changes: assess.Compare(&a.Def, &b.Def)}})
}
