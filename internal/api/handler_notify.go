package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/notify"
)

const notifyHelp = "Notifications are SMS and e-mail messages to households and complainants, written with the event that causes them (an enrollment decision, a payment sent, paid or returned, a grievance step) and sent by the server's sender at most once: a message whose sending was interrupted becomes unknown and is not sent again unless retried. Recipients are masked. A message is queued, sending, sent, failed (its attempts spent), skipped (no consent to be contacted, no address: reason says which) or unknown."

const notifySettingsHelp = "A member's channels: the SMS gateway is one HTTP request (sms_url and the name=value lines of sms_params may hold {phone}, {phone_plus}, {text}, {sender} and {api_key}; success is a 2xx answer whose body matches the regular expression sms_success), and e-mail goes through the member's SMTP server. sms_api_key and smtp_password are write-only: answers never carry them, only sms_api_key_set and smtp_password_set; a body without them keeps the stored ones, clear_sms_api_key and clear_smtp_password remove them."

// notifyMember is the member a notification route is about: ?member=CODE,
// or the caller's own.
func notifyMember(a *API, r *http.Request) (int64, error) {
	if code := r.URL.Query().Get("member"); code != "" {
		m, err := a.Members.Get(r.Context(), code)
		if err != nil {
			return 0, err
		}
		return m.ID, nil
	}
	if ac := actor.From(r.Context()); !ac.Union() {
		return ac.MemberID, nil
	}
	return 0, errs.E(errs.Invalid, "error.invalid_input").WithField("member", "error.required")
}

var notifyMemberParam = Param{Name: "member", Description: "member code (union-level callers must give one; others may give only their own)"}

func init() {
	Register(
		Route{Method: "GET", Path: "/notifications", Tag: "notifications", Summary: "List the notifications sent or to be sent to households, newest first", Description: notifyHelp,
			Query: []Param{{Name: "status", Description: "queued, sending, sent, failed, skipped or unknown"}, {Name: "event", Description: "the event, such as payment_paid"},
				{Name: "channel", Description: "sms or email"}, {Name: "member", Description: "member code (union-level callers)"},
				{Name: "limit", Type: "integer", Description: "at most this many (default 100, at most 1000)"}, {Name: "offset", Type: "integer", Description: "skip this many"}},
			Response: List[notify.Notification]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				limit, err := QueryInt(r, "limit", 100)
				if err != nil {
					return nil, err
				}
				offset, err := QueryInt(r, "offset", 0)
				if err != nil {
					return nil, err
				}
				f := notify.Filter{Status: q.Get("status"), Event: q.Get("event"), Channel: q.Get("channel"), Limit: int(min(max(limit, 1), 1000)), Offset: int(max(offset, 0))}
				if q.Get("member") != "" {
					if f.MemberID, err = notifyMember(a, r); err != nil {
						return nil, err
					}
				}
				ns, err := a.Notify.List(r.Context(), f)
				return List[notify.Notification]{nonNil(ns)}, err
			}},
		Route{Method: "GET", Path: "/notifications/settings", Tag: "notifications", Summary: "Get a member's notification channels, without their secrets", Description: notifySettingsHelp,
			Query: []Param{notifyMemberParam}, Response: notify.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := notifyMember(a, r)
				if err != nil {
					return nil, err
				}
				return a.Notify.Settings(r.Context(), m)
			}},
		Route{Method: "PUT", Path: "/notifications/settings", Tag: "notifications", Summary: "Set a member's notification channels", Description: notifySettingsHelp,
			Query: []Param{notifyMemberParam}, Body: notify.Settings{}, Response: notify.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := notifyMember(a, r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[notify.Settings](r)
				if err != nil {
					return nil, err
				}
				return a.Notify.SaveSettings(r.Context(), m, in)
			}},
		Route{Method: "GET", Path: "/notifications/templates", Tag: "notifications", Summary: "List a member's texts of every event, channel and language",
			Description: "custom is true for the member's own text; default is the catalog's; fields are the placeholders the text may use.",
			Query:       []Param{notifyMemberParam}, Response: List[notify.Template]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := notifyMember(a, r)
				if err != nil {
					return nil, err
				}
				ts, err := a.Notify.Templates(r.Context(), m)
				return List[notify.Template]{nonNil(ts)}, err
			}},
		Route{Method: "PUT", Path: "/notifications/templates", Tag: "notifications", Summary: "Set a member's own text of an event on a channel in a language",
			Description: "An empty body goes back to the catalog's text. The text may use only the placeholders of the catalog's.",
			Query:       []Param{notifyMemberParam}, Body: notify.Template{}, Response: notify.Template{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := notifyMember(a, r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[notify.Template](r)
				if err != nil {
					return nil, err
				}
				return a.Notify.SaveTemplate(r.Context(), m, in)
			}},
		Route{Method: "GET", Path: "/notifications/{id}", Tag: "notifications", Summary: "Get a notification with every attempt to send it", Description: notifyHelp,
			Response: notify.Notification{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Notify.Get(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/notifications/{id}/retry", Tag: "notifications", Summary: "Queue a failed or unknown notification again",
			Description: "The message is sent at the sender's next pass, with a full set of attempts; 409 when it is not failed or unknown.",
			Response:    notify.Notification{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Notify.Retry(r.Context(), id)
			}},
	)
}
