package notify

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"slices"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/registry"
)

// Event is something a person should hear about: what happened (one of
// Events), to whom, and the values of its text's placeholders.
type Event struct {
	Kind     string
	MemberID int64
	// HouseholdID names the household told; its head's phone, its e-mail,
	// language and consent come from the registry.
	HouseholdID int64
	// To, when HouseholdID is 0, is the person's own contact (a
	// complainant's).
	To *Recipient
	// EntityType and EntityID name what the event is about
	// ("program_enrollment", "12").
	EntityType string
	EntityID   string
	// Args fill the text's placeholders; member, household and name are
	// added. ArgsByLang["en"] and ["ar"] replace some of them in that
	// language (a program's name in each).
	Args       map[string]string
	ArgsByLang map[string]map[string]string
}

// Recipient is a contact given with an event rather than read from the
// registry.
type Recipient struct {
	Phone   string
	Email   string
	Lang    string // "ar", "en", "" the member's default
	Consent bool   // the person asked to be contacted at this address
}

// Sender is what a capability emitting events needs of notify: Enqueue in
// its own transaction. program, payment and grievance take one in their
// options; nil sends nothing.
type Sender interface {
	Enqueue(ctx context.Context, tx *db.Tx, events ...Event) error
}

// Enqueue writes the notifications of events in tx, the transaction of the
// events themselves: on each channel the member has switched on, a queued
// message to the household's head (or the event's recipient) in the
// person's language, or a skipped one saying why (no consent to be
// contacted, no address, a phone that is no number). A member with no
// channel on gets nothing. The sender sends them after tx commits; if tx
// rolls back, they are gone with it.
func (s *Service) Enqueue(ctx context.Context, tx *db.Tx, events ...Event) error {
	now := s.now()
	type memberInfo struct {
		st Settings
		m  member.Member
	}
	ms := map[int64]*memberInfo{}
	for _, e := range events {
		if !slices.Contains(Events, e.Kind) {
			return errs.Wrapf(errors.New("unknown event "+e.Kind), "notify: enqueue")
		}
		mi := ms[e.MemberID]
		if mi == nil {
			st, err := settings(ctx, tx, e.MemberID)
			if err != nil {
				return err
			}
			m, err := s.members.ByID(ctx, e.MemberID)
			if err != nil {
				return err
			}
			mi = &memberInfo{st: st, m: m}
			ms[e.MemberID] = mi
		}
		var chans []string
		if mi.st.SMSEnabled {
			chans = append(chans, SMS)
		}
		if mi.st.EmailEnabled {
			chans = append(chans, Email)
		}
		if len(chans) == 0 {
			continue
		}
		to, name, ref := Recipient{}, "", ""
		var hh any
		if e.HouseholdID != 0 {
			c, err := registry.ContactOf(ctx, tx, e.MemberID, e.HouseholdID)
			if err != nil {
				return err
			}
			to = Recipient{Phone: c.Phone, Email: c.Email, Lang: c.Lang, Consent: c.Consent != nil && *c.Consent}
			name, ref, hh = c.HeadName, c.Ref, e.HouseholdID
		} else if e.To != nil {
			to = *e.To
		}
		lang := to.Lang
		if lang == "" && e.To != nil && e.EntityID != "" {
			// A later step of the same case speaks the language of its
			// first message.
			err := tx.QueryRow(ctx, `SELECT lang FROM notifications WHERE member_id = ? AND entity_type = ? AND entity_id = ? ORDER BY id LIMIT 1`,
				e.MemberID, e.EntityType, e.EntityID).Scan(&lang)
			if err != nil && !isNoRows(err) {
				return errs.Wrapf(err, "notify: language of %s %s", e.EntityType, e.EntityID)
			}
		}
		if lang != "ar" && lang != "en" {
			lang = "ar"
		}
		args := map[string]string{"member": mi.m.NameAR, "household": ref, "name": name}
		if lang == "en" {
			args["member"] = mi.m.NameEN
		}
		for k, v := range e.Args {
			args[k] = v
		}
		for k, v := range e.ArgsByLang[lang] {
			args[k] = v
		}
		for _, ch := range chans {
			addr, reason := address(ch, to, mi.m.CallingCode)
			status := Queued
			if !to.Consent {
				// Consent comes first: without it, whether there is an
				// address does not matter.
				reason = ReasonNoConsent
			}
			if reason != "" {
				status = Skipped
			}
			subject, body, err := text(ctx, tx, e.MemberID, e.Kind, ch, lang)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO notifications (member_id, event, entity_type, entity_id, household_id, channel, recipient, lang,
				subject, body, status, reason, attempts, next_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
				e.MemberID, e.Kind, e.EntityType, e.EntityID, hh, ch, addr, lang, fill(subject, args), fill(body, args), status, reason, now, now, now); err != nil {
				return errs.Wrapf(err, "notify: enqueue %s", e.Kind)
			}
		}
	}
	s.poke()
	return nil
}

// address returns to's address on channel ch — an E.164 phone number by
// the member's calling code, or an e-mail address — or why there is none.
func address(ch string, to Recipient, callingCode string) (string, string) {
	if ch == Email {
		e := strings.TrimSpace(to.Email)
		if e == "" {
			return "", ReasonNoAddress
		}
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			return e, ReasonNoAddress
		}
		return e, ""
	}
	if strings.TrimSpace(to.Phone) == "" {
		return "", ReasonNoAddress
	}
	n, ok := E164(to.Phone, callingCode)
	if !ok {
		return to.Phone, ReasonBadPhone
	}
	return n, ""
}

// E164 writes phone as an E.164 number ("+9627…"): Arabic-Indic digits,
// spaces and signs are read as arabic.PhoneKey reads them, a leading trunk
// 0 gives way to the member's calling code, and "00" or "+" keep the
// number's own. It is false for what is no number: fewer than 8 or more
// than 15 digits, or a local number without a calling code to put before
// it.
func E164(phone, callingCode string) (string, bool) {
	k := arabic.PhoneKey(phone, callingCode)
	if callingCode == "" {
		c := strings.TrimSpace(arabic.Digits(phone))
		if !strings.HasPrefix(c, "+") && !strings.HasPrefix(c, "00") {
			return "", false
		}
	}
	if len(k) < 8 || len(k) > 15 || k[0] == '0' {
		return "", false
	}
	return "+" + k, true
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// poke wakes the sender loop, if it runs, so that a message is sent
// without waiting for the next tick. It may wake it before the event's
// transaction commits; the next tick finds the message then.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Amount writes minor units of currency for a message in lang ("ar",
// "en"): the amount with its minor digits and the currency's name.
func Amount(minor int64, currency, lang string) string {
	c, ok := money.Lookup(currency)
	if !ok {
		return money.Format(minor, 2) + " " + currency
	}
	if lang == "ar" {
		return money.Format(minor, c.Exponent) + " " + c.NameAR
	}
	return money.Format(minor, c.Exponent) + " " + c.NameEN
}
