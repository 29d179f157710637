package notify

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Settings are a member's channels. The SMS gateway is one HTTP request:
// SMSURL and each line "name=value" of SMSParams may hold the placeholders
// {phone} (E.164 without "+"), {phone_plus} (with it), {text}, {sender}
// and {api_key}; GET sends the parameters in the query, POST as a form. The
// gateway accepted the message when it answers 2xx and its body matches
// SMSSuccess (a regular expression; empty: any body).
//
// SMSAPIKey and SMTPPassword are write-only: reads leave them empty and
// say whether one is stored (SMSAPIKeySet, SMTPPasswordSet); a save with
// an empty one keeps the stored secret.
type Settings struct {
	MemberID        int64     `json:"member_id"`
	SMSEnabled      bool      `json:"sms_enabled"`
	SMSURL          string    `json:"sms_url"`
	SMSMethod       string    `json:"sms_method"` // GET or POST
	SMSParams       string    `json:"sms_params"`
	SMSSender       string    `json:"sms_sender"`
	SMSAPIKey       string    `json:"sms_api_key,omitempty"`
	SMSAPIKeySet    bool      `json:"sms_api_key_set"`
	ClearSMSAPIKey  bool      `json:"clear_sms_api_key,omitempty"`
	SMSSuccess      string    `json:"sms_success"`
	EmailEnabled    bool      `json:"email_enabled"`
	SMTPHost        string    `json:"smtp_host"`
	SMTPPort        int       `json:"smtp_port"`
	SMTPSecurity    string    `json:"smtp_security"` // starttls, tls or none
	SMTPUser        string    `json:"smtp_user"`
	SMTPPassword    string    `json:"smtp_password,omitempty"`
	SMTPPasswordSet bool      `json:"smtp_password_set"`
	ClearSMTPPass   bool      `json:"clear_smtp_password,omitempty"`
	SMTPFrom        string    `json:"smtp_from"`
	MaxAttempts     int       `json:"max_attempts"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// defaults are the settings of a member that saved none: both channels off.
func defaults(memberID int64) Settings {
	return Settings{MemberID: memberID, SMSMethod: "POST", SMTPPort: 587, SMTPSecurity: "starttls", MaxAttempts: DefaultMaxAttempts}
}

const settingsCols = `member_id, sms_enabled, sms_url, sms_method, sms_params, sms_sender, sms_api_key, sms_success,
	email_enabled, smtp_host, smtp_port, smtp_security, smtp_user, smtp_password, smtp_from, max_attempts, updated_at`

type queryRower interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// settings reads member's settings with their secrets.
func settings(ctx context.Context, q queryRower, memberID int64) (Settings, error) {
	st := defaults(memberID)
	err := q.QueryRow(ctx, `SELECT `+settingsCols+` FROM notify_settings WHERE member_id = ?`, memberID).Scan(
		&st.MemberID, &st.SMSEnabled, &st.SMSURL, &st.SMSMethod, &st.SMSParams, &st.SMSSender, &st.SMSAPIKey, &st.SMSSuccess,
		&st.EmailEnabled, &st.SMTPHost, &st.SMTPPort, &st.SMTPSecurity, &st.SMTPUser, &st.SMTPPassword, &st.SMTPFrom, &st.MaxAttempts, &st.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return defaults(memberID), nil
	}
	if err != nil {
		return st, errs.Wrapf(err, "notify: settings of member %d", memberID)
	}
	st.UpdatedAt = st.UpdatedAt.UTC()
	return st, nil
}

// masked is st as anyone outside the service sees it: no secret.
func (st Settings) masked() Settings {
	st.SMSAPIKeySet, st.SMTPPasswordSet = st.SMSAPIKey != "", st.SMTPPassword != ""
	st.SMSAPIKey, st.SMTPPassword = "", ""
	st.ClearSMSAPIKey, st.ClearSMTPPass = false, false
	return st
}

// Settings returns member's settings without their secrets. The actor
// needs auth.NotifyRead for the member.
func (s *Service) Settings(ctx context.Context, memberID int64) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.NotifyRead, memberID); err != nil {
		return Settings{}, err
	}
	st, err := settings(ctx, s.db, memberID)
	return st.masked(), err
}

// Limits of the settings' fields.
const (
	maxURL    = 1000
	maxParams = 4000
	maxField  = 200
	maxSecret = 500
)

var paramName = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]]{1,100}$`)

// check normalizes st and returns the problems of its fields.
func (st *Settings) check() error {
	type problem struct {
		field, key string
		args       []any
	}
	var fields []problem
	bad := func(field, key string, args ...any) { fields = append(fields, problem{field, key, args}) }
	st.SMSURL, st.SMSParams, st.SMSSender = strings.TrimSpace(st.SMSURL), strings.TrimSpace(st.SMSParams), strings.TrimSpace(st.SMSSender)
	st.SMSMethod = strings.ToUpper(strings.TrimSpace(st.SMSMethod))
	if st.SMSMethod == "" {
		st.SMSMethod = "POST"
	}
	if st.SMSMethod != "GET" && st.SMSMethod != "POST" {
		bad("sms_method", "notify.settings.bad_method")
	}
	if st.SMSURL != "" || st.SMSEnabled {
		u, err := url.Parse(st.SMSURL)
		if err != nil || len(st.SMSURL) > maxURL || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("sms_url", "notify.settings.bad_url")
		}
	}
	if len(st.SMSParams) > maxParams {
		bad("sms_params", "notify.settings.too_long")
	} else if _, err := parseParams(st.SMSParams); err != nil {
		bad("sms_params", "notify.settings.bad_params")
	}
	if _, err := regexp.Compile(st.SMSSuccess); err != nil || len(st.SMSSuccess) > maxField {
		bad("sms_success", "notify.settings.bad_pattern")
	}
	if len(st.SMSSender) > maxField || len(st.SMSAPIKey) > maxSecret || len(st.SMTPPassword) > maxSecret || len(st.SMTPUser) > maxField {
		bad("sms_sender", "notify.settings.too_long")
	}
	st.SMTPHost, st.SMTPFrom, st.SMTPUser = strings.TrimSpace(st.SMTPHost), strings.TrimSpace(st.SMTPFrom), strings.TrimSpace(st.SMTPUser)
	if st.SMTPHost != "" || st.EmailEnabled {
		if st.SMTPHost == "" || len(st.SMTPHost) > maxField || strings.ContainsAny(st.SMTPHost, " /:@") {
			bad("smtp_host", "notify.settings.bad_host")
		}
		if a, err := mail.ParseAddress(st.SMTPFrom); err != nil || len(st.SMTPFrom) > maxField {
			bad("smtp_from", "notify.settings.bad_from")
		} else {
			st.SMTPFrom = a.String()
		}
	}
	if st.SMTPPort == 0 {
		st.SMTPPort = 587
	}
	if st.SMTPPort < 1 || st.SMTPPort > 65535 {
		bad("smtp_port", "notify.settings.bad_port", "min", 1, "max", 65535)
	}
	st.SMTPSecurity = strings.ToLower(strings.TrimSpace(st.SMTPSecurity))
	if st.SMTPSecurity == "" {
		st.SMTPSecurity = "starttls"
	}
	if st.SMTPSecurity != "starttls" && st.SMTPSecurity != "tls" && st.SMTPSecurity != "none" {
		bad("smtp_security", "notify.settings.bad_security")
	}
	if st.MaxAttempts == 0 {
		st.MaxAttempts = DefaultMaxAttempts
	}
	if st.MaxAttempts < 1 || st.MaxAttempts > 20 {
		bad("max_attempts", "notify.settings.bad_attempts", "min", 1, "max", 20)
	}
	if len(fields) == 0 {
		return nil
	}
	e := errs.E(errs.Invalid, fields[0].key, fields[0].args...)
	for _, f := range fields {
		e = e.WithField(f.field, f.key, f.args...)
	}
	return e
}

// settingsAudit is what the audit log keeps of a save: the settings
// without secrets, and whether each secret changed.
type settingsAudit struct {
	Settings
	APIKeyChanged   bool `json:"sms_api_key_changed"`
	PasswordChanged bool `json:"smtp_password_changed"`
}

// SaveSettings stores member's settings. An empty secret keeps the stored
// one (ClearSMSAPIKey, ClearSMTPPass remove it). The actor needs
// auth.NotifyManage for the member. The audit record says whether a
// secret changed, never what it is.
func (s *Service) SaveSettings(ctx context.Context, memberID int64, st Settings) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.NotifyManage, memberID); err != nil {
		return Settings{}, err
	}
	st.MemberID = memberID
	if err := st.check(); err != nil {
		return Settings{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		old, err := settings(ctx, tx, memberID)
		if err != nil {
			return err
		}
		a := settingsAudit{}
		switch {
		case st.ClearSMSAPIKey:
			st.SMSAPIKey = ""
		case st.SMSAPIKey == "":
			st.SMSAPIKey = old.SMSAPIKey
		}
		switch {
		case st.ClearSMTPPass:
			st.SMTPPassword = ""
		case st.SMTPPassword == "":
			st.SMTPPassword = old.SMTPPassword
		}
		a.APIKeyChanged, a.PasswordChanged = st.SMSAPIKey != old.SMSAPIKey, st.SMTPPassword != old.SMTPPassword
		st.UpdatedAt = s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO notify_settings (`+settingsCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET sms_enabled = excluded.sms_enabled, sms_url = excluded.sms_url, sms_method = excluded.sms_method,
			sms_params = excluded.sms_params, sms_sender = excluded.sms_sender, sms_api_key = excluded.sms_api_key, sms_success = excluded.sms_success,
			email_enabled = excluded.email_enabled, smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port, smtp_security = excluded.smtp_security,
			smtp_user = excluded.smtp_user, smtp_password = excluded.smtp_password, smtp_from = excluded.smtp_from, max_attempts = excluded.max_attempts,
			updated_at = excluded.updated_at`,
			memberID, st.SMSEnabled, st.SMSURL, st.SMSMethod, st.SMSParams, st.SMSSender, st.SMSAPIKey, st.SMSSuccess,
			st.EmailEnabled, st.SMTPHost, st.SMTPPort, st.SMTPSecurity, st.SMTPUser, st.SMTPPassword, st.SMTPFrom, st.MaxAttempts, st.UpdatedAt); err != nil {
			return errs.Wrapf(err, "notify: save settings of member %d", memberID)
		}
		a.Settings = st.masked()
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "notify.settings.save", EntityType: "notify_settings", EntityID: strconv.FormatInt(memberID, 10), State: a})
	})
	if err != nil {
		return Settings{}, err
	}
	return st.masked(), nil
}
