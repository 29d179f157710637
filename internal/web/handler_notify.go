package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/notify"
)

// The notifications page: what was sent to which household (the address
// masked), its state, every attempt and what the provider answered, with a
// button to send a failed message again; and the member administrator's
// page of channels (SMS gateway, SMTP server) and texts.
func init() {
	Register(Module{
		Name: "notify",
		Menu: []MenuItem{{Path: "/notifications", Key: "notify.menu", Perm: auth.NotifyRead, Order: 86}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /notifications", auth.NotifyRead, s.notifyList)
			s.Handle(mux, "GET /notifications/settings", auth.NotifyRead, s.notifySettings)
			s.Handle(mux, "POST /notifications/settings", auth.NotifyManage, s.notifySaveSettings)
			s.Handle(mux, "POST /notifications/templates", auth.NotifyManage, s.notifySaveTemplate)
			s.Handle(mux, "GET /notifications/{id}", auth.NotifyRead, s.notifyShow)
			s.Handle(mux, "POST /notifications/{id}/retry", auth.NotifyRetry, s.notifyRetry)
		},
	})
}

type notifyRow struct {
	notify.Notification
	Member string
}

type notifyListPage struct {
	Rows                           []notifyRow
	Status, Event, Channel         string
	StatusOpts, EventOpts, ChanOpt []Option
	Union, CanManage               bool
	Next, Prev                     string
}

// notifyOpts gives the filter's options: all, then each value's name.
func notifyOpts(l i18n.Lang, prefix string, values []string) []Option {
	out := []Option{{"", tr(l, "notify.any")}}
	for _, v := range values {
		out = append(out, Option{v, tr(l, prefix+v)})
	}
	return out
}

func (s *Server) notifyList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	l := Lang(r)
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(offset, 0)
	const size = 50
	f := notify.Filter{Status: q.Get("status"), Event: q.Get("event"), Channel: q.Get("channel"), Limit: size + 1, Offset: offset}
	ns, err := s.Notify.List(r.Context(), f)
	if err != nil {
		return err
	}
	a := actor.From(r.Context())
	p := notifyListPage{Status: f.Status, Event: f.Event, Channel: f.Channel, Union: a.Union(), CanManage: auth.Can(a, auth.NotifyManage),
		StatusOpts: notifyOpts(l, "notify.status.", notify.States), EventOpts: notifyOpts(l, "notify.event.", notify.Events),
		ChanOpt: notifyOpts(l, "notify.channel.", notify.Channels)}
	codes := map[int64]string{}
	if p.Union {
		for id, m := range s.membersByID(r) {
			codes[id] = m.Code
		}
	}
	if len(ns) > size {
		ns = ns[:size]
		p.Next = notifyPage(q, offset+size)
	}
	if offset > 0 {
		p.Prev = notifyPage(q, max(offset-size, 0))
	}
	for _, n := range ns {
		p.Rows = append(p.Rows, notifyRow{Notification: n, Member: codes[n.MemberID]})
	}
	return s.Render(w, r, "notify/list", View{Title: "notify.title", Data: p})
}

func notifyPage(q url.Values, offset int) string {
	v := url.Values{}
	for _, k := range []string{"status", "event", "channel"} {
		if q.Get(k) != "" {
			v.Set(k, q.Get(k))
		}
	}
	v.Set("offset", strconv.Itoa(offset))
	return "/notifications?" + v.Encode()
}

type notifyShowPage struct {
	N        notify.Notification
	Lines    []string // the text's lines, empty ones kept as paragraph breaks
	Member   member.Member
	CanRetry bool
}

func (s *Server) notifyShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.Notify.Get(r.Context(), id)
	if err != nil {
		return err
	}
	p := notifyShowPage{N: n, CanRetry: (n.Status == notify.Failed || n.Status == notify.Unknown) && auth.Can(actor.From(r.Context()), auth.NotifyRetry)}
	p.Member, _ = s.Members.ByID(r.Context(), n.MemberID)
	for _, para := range strings.Split(n.Body, "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			p.Lines = append(p.Lines, para)
		}
	}
	return s.Render(w, r, "notify/show", View{Title: "notify.title", Data: p})
}

func (s *Server) notifyRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Notify.Retry(r.Context(), id); err != nil {
		return err
	}
	Flash(w, "notify.retried")
	http.Redirect(w, r, "/notifications/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// notifyMember is the member whose settings the page shows: the actor's,
// or for a union user the one named by ?member= (the first otherwise).
func (s *Server) notifyMember(r *http.Request) (member.Member, []Option, error) {
	a := actor.From(r.Context())
	if !a.Union() {
		m, err := s.Members.ByID(r.Context(), a.MemberID)
		return m, nil, err
	}
	ms, err := s.Members.List(r.Context())
	if err != nil {
		return member.Member{}, nil, err
	}
	if len(ms) == 0 {
		return member.Member{}, nil, errs.E(errs.NotFound, "error.not_found")
	}
	code := r.FormValue("member")
	pick := ms[0]
	var opts []Option
	for _, m := range ms {
		opts = append(opts, Option{m.Code, m.Code + " — " + m.NameAR})
		if Lang(r) == i18n.EN {
			opts[len(opts)-1].Label = m.Code + " — " + m.NameEN
		}
		if m.Code == code {
			pick = m
		}
	}
	return pick, opts, nil
}

// notifyTemplate is a text with the placeholders it may use, written out.
type notifyTemplate struct {
	notify.Template
	FieldList string
}

// notifyGroup is the texts of one event, shown folded.
type notifyGroup struct {
	Event     string
	Custom    int // how many are the member's own
	Templates []notifyTemplate
}

type notifySettingsPage struct {
	Member     member.Member
	Members    []Option
	Settings   notify.Settings
	Groups     []notifyGroup
	CanManage  bool
	Methods    []Option
	Securities []Option
	Enabled    []Option
	Clear      []Option
}

func (s *Server) renderNotifySettings(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	ctx := r.Context()
	l := Lang(r)
	m, opts, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	st, err := s.Notify.Settings(ctx, m.ID)
	if err != nil {
		return err
	}
	ts, err := s.Notify.Templates(ctx, m.ID)
	if err != nil {
		return err
	}
	if f == nil {
		f = &Form{Errors: map[string]string{}}
	}
	if _, ok := f.Values["sms_method"]; !ok {
		f.Values = url.Values{"sms_url": {st.SMSURL}, "sms_method": {st.SMSMethod}, "sms_params": {st.SMSParams}, "sms_sender": {st.SMSSender},
			"sms_success": {st.SMSSuccess}, "smtp_host": {st.SMTPHost}, "smtp_port": {strconv.Itoa(st.SMTPPort)}, "smtp_security": {st.SMTPSecurity},
			"smtp_user": {st.SMTPUser}, "smtp_from": {st.SMTPFrom}, "max_attempts": {strconv.Itoa(st.MaxAttempts)}}
		if st.SMSEnabled {
			f.Values.Set("sms_enabled", "1")
		}
		if st.EmailEnabled {
			f.Values.Set("email_enabled", "1")
		}
	}
	var groups []notifyGroup
	for _, t := range ts {
		row := notifyTemplate{Template: t}
		for i, f := range t.Fields {
			if i > 0 {
				row.FieldList += " "
			}
			row.FieldList += "{" + f + "}"
		}
		if len(groups) == 0 || groups[len(groups)-1].Event != t.Event {
			groups = append(groups, notifyGroup{Event: t.Event})
		}
		g := &groups[len(groups)-1]
		g.Templates = append(g.Templates, row)
		if t.Custom {
			g.Custom++
		}
	}
	p := notifySettingsPage{Member: m, Members: opts, Settings: st, Groups: groups, CanManage: auth.Can(actor.From(ctx), auth.NotifyManage),
		Methods:    []Option{{"POST", "POST"}, {"GET", "GET"}},
		Securities: []Option{{"starttls", tr(l, "notify.security.starttls")}, {"tls", tr(l, "notify.security.tls")}, {"none", tr(l, "notify.security.none")}},
		Enabled:    []Option{{"1", tr(l, "web.active")}},
		Clear:      []Option{{"1", tr(l, "notify.secret_clear")}}}
	return s.Render(w, r, "notify/settings", View{Title: "notify.settings_title", Form: f, Data: p, Status: status})
}

func (s *Server) notifySettings(w http.ResponseWriter, r *http.Request) error {
	return s.renderNotifySettings(w, r, nil, 0)
}

func (s *Server) notifySaveSettings(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	m, _, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	port, _ := strconv.Atoi(v.Get("smtp_port"))
	attempts, _ := strconv.Atoi(v.Get("max_attempts"))
	in := notify.Settings{SMSEnabled: v.Get("sms_enabled") == "1", SMSURL: v.Get("sms_url"), SMSMethod: v.Get("sms_method"), SMSParams: v.Get("sms_params"),
		SMSSender: v.Get("sms_sender"), SMSAPIKey: v.Get("sms_api_key"), ClearSMSAPIKey: v.Get("clear_sms_api_key") == "1", SMSSuccess: v.Get("sms_success"),
		EmailEnabled: v.Get("email_enabled") == "1", SMTPHost: v.Get("smtp_host"), SMTPPort: port, SMTPSecurity: v.Get("smtp_security"),
		SMTPUser: v.Get("smtp_user"), SMTPPassword: v.Get("smtp_password"), ClearSMTPPass: v.Get("clear_smtp_password") == "1", SMTPFrom: v.Get("smtp_from"),
		MaxAttempts: attempts}
	if _, err := s.Notify.SaveSettings(r.Context(), m.ID, in); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid {
			return err
		}
		// Secrets typed are not sent back into the page.
		v.Del("sms_api_key")
		v.Del("smtp_password")
		f.Fail(Lang(r), err)
		return s.renderNotifySettings(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "notify.saved")
	http.Redirect(w, r, "/notifications/settings?member="+url.QueryEscape(m.Code), http.StatusSeeOther)
	return nil
}

func (s *Server) notifySaveTemplate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	m, _, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	t := notify.Template{Event: v.Get("event"), Channel: v.Get("channel"), Lang: v.Get("lang"), Subject: v.Get("subject"), Body: v.Get("body")}
	if _, err := s.Notify.SaveTemplate(r.Context(), m.ID, t); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderNotifySettings(w, r, &Form{Errors: f.Errors, Message: f.Message}, Status(errs.CodeOf(err)))
	}
	Flash(w, "notify.saved")
	http.Redirect(w, r, "/notifications/settings?member="+url.QueryEscape(m.Code)+"#e-"+t.Event, http.StatusSeeOther)
	return nil
}
