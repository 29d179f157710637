package notify

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// Template is the text of one event on one channel in one language: the
// member's own when Custom, the catalog's otherwise. Subject is for e-mail.
type Template struct {
	Event     string     `json:"event"`
	Channel   string     `json:"channel"`
	Lang      string     `json:"lang"`
	Subject   string     `json:"subject,omitempty"`
	Body      string     `json:"body"`
	Custom    bool       `json:"custom"`
	Default   string     `json:"default"`              // the catalog's body
	Fields    []string   `json:"fields"`               // the placeholders the text may use
	UpdatedAt *time.Time `json:"updated_at,omitempty"` // of the member's text
}

// Langs are the languages texts are written in.
var Langs = []string{string(i18n.AR), string(i18n.EN)}

// key is the catalog key of an event's text on a channel; part is "" for
// the body, "subject" for an e-mail's subject.
func key(event, channel, part string) string {
	switch {
	case channel == Email && part == "subject":
		return "notify.tpl." + event + ".email_subject"
	case channel == Email:
		return "notify.tpl." + event + ".email"
	}
	return "notify.tpl." + event + ".sms"
}

func catalogText(lang, k string) string { return i18n.Catalog(i18n.Parse(lang))[k] }

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// fields lists the placeholders of the catalog's texts of event on channel.
func fields(event, channel string) []string {
	var out []string
	for _, l := range Langs {
		for _, part := range []string{"", "subject"} {
			for _, m := range placeholder.FindAllStringSubmatch(catalogText(l, key(event, channel, part)), -1) {
				if !slices.Contains(out, m[1]) {
					out = append(out, m[1])
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// fill replaces each {name} of text by args[name]; a placeholder without
// a value stays as written.
func fill(text string, args map[string]string) string {
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := args[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// text returns the subject and body of event on channel in lang for
// member: the member's own, or the catalog's.
func text(ctx context.Context, q queryRower, memberID int64, event, channel, lang string) (string, string, error) {
	var subject, body string
	err := q.QueryRow(ctx, `SELECT subject, body FROM notify_templates WHERE member_id = ? AND event = ? AND channel = ? AND lang = ?`,
		memberID, event, channel, lang).Scan(&subject, &body)
	if err == nil {
		return subject, body, nil
	}
	if !isNoRows(err) {
		return "", "", errs.Wrapf(err, "notify: template")
	}
	if channel == Email {
		subject = catalogText(lang, key(event, channel, "subject"))
	}
	return subject, catalogText(lang, key(event, channel, "")), nil
}

// Templates returns every event's text on every channel in both languages
// for member. The actor needs auth.NotifyRead for the member.
func (s *Service) Templates(ctx context.Context, memberID int64) ([]Template, error) {
	if err := auth.RequireMember(ctx, auth.NotifyRead, memberID); err != nil {
		return nil, err
	}
	own := map[string]Template{}
	rows, err := s.db.Query(ctx, `SELECT event, channel, lang, subject, body, updated_at FROM notify_templates WHERE member_id = ?`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "notify: templates")
	}
	for rows.Next() {
		var t Template
		var at time.Time
		if err := rows.Scan(&t.Event, &t.Channel, &t.Lang, &t.Subject, &t.Body, &at); err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "notify: templates")
		}
		at = at.UTC()
		t.UpdatedAt, t.Custom = &at, true
		own[t.Event+"/"+t.Channel+"/"+t.Lang] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "notify: templates")
	}
	var out []Template
	for _, e := range Events {
		for _, c := range Channels {
			fs := fields(e, c)
			for _, l := range Langs {
				t, ok := own[e+"/"+c+"/"+l]
				if !ok {
					t = Template{Event: e, Channel: c, Lang: l, Body: catalogText(l, key(e, c, ""))}
					if c == Email {
						t.Subject = catalogText(l, key(e, c, "subject"))
					}
				}
				t.Default, t.Fields = catalogText(l, key(e, c, "")), fs
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// maxTemplate bounds a member's text.
const maxTemplate = 2000

// SaveTemplate stores member's own text of t.Event on t.Channel in t.Lang;
// an empty body goes back to the catalog's. The text may use only the
// placeholders of the catalog's. The actor needs auth.NotifyManage.
func (s *Service) SaveTemplate(ctx context.Context, memberID int64, t Template) (Template, error) {
	if err := auth.RequireMember(ctx, auth.NotifyManage, memberID); err != nil {
		return Template{}, err
	}
	if !slices.Contains(Events, t.Event) || !slices.Contains(Channels, t.Channel) || !slices.Contains(Langs, t.Lang) {
		return Template{}, errs.E(errs.Invalid, "notify.template.unknown")
	}
	t.Subject, t.Body = strings.TrimSpace(t.Subject), strings.TrimSpace(t.Body)
	if t.Channel != Email {
		t.Subject = ""
	}
	if len(t.Body) > maxTemplate || len(t.Subject) > maxField {
		return Template{}, errs.E(errs.Invalid, "notify.template.too_long", "max", maxTemplate).WithField("body", "notify.template.too_long", "max", maxTemplate)
	}
	allowed := fields(t.Event, t.Channel)
	for _, m := range placeholder.FindAllStringSubmatch(t.Subject+" "+t.Body, -1) {
		if !slices.Contains(allowed, m[1]) {
			return Template{}, errs.E(errs.Invalid, "notify.template.bad_field", "field", "{"+m[1]+"}", "fields", braces(allowed)).
				WithField("body", "notify.template.bad_field", "field", "{"+m[1]+"}", "fields", braces(allowed))
		}
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		action := "notify.template.save"
		if t.Body == "" {
			action = "notify.template.reset"
			if _, err := tx.Exec(ctx, `DELETE FROM notify_templates WHERE member_id = ? AND event = ? AND channel = ? AND lang = ?`, memberID, t.Event, t.Channel, t.Lang); err != nil {
				return errs.Wrapf(err, "notify: reset template")
			}
			t.Custom, t.UpdatedAt = false, nil
		} else {
			if _, err := tx.Exec(ctx, `INSERT INTO notify_templates (member_id, event, channel, lang, subject, body, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (member_id, event, channel, lang) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at`,
				memberID, t.Event, t.Channel, t.Lang, t.Subject, t.Body, now); err != nil {
				return errs.Wrapf(err, "notify: save template")
			}
			t.Custom, t.UpdatedAt = true, &now
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: action, EntityType: "notify_template",
			EntityID: fmt.Sprintf("%d/%s/%s/%s", memberID, t.Event, t.Channel, t.Lang), State: t})
	})
	if err != nil {
		return Template{}, err
	}
	if !t.Custom {
		t.Body = catalogText(t.Lang, key(t.Event, t.Channel, ""))
		if t.Channel == Email {
			t.Subject = catalogText(t.Lang, key(t.Event, t.Channel, "subject"))
		}
	}
	t.Default, t.Fields = catalogText(t.Lang, key(t.Event, t.Channel, "")), allowed
	return t, nil
}

func braces(fs []string) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = "{" + f + "}"
	}
	return strings.Join(out, " ")
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
