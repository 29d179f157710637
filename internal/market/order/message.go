package order

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Message is a message between a buyer (or an inquirer) and a family, on
// an order or an inquiry. Its body is plain text and is always shown
// escaped; text with markup is refused when written.
type Message struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	ShopID    int64     `json:"shop_id"`
	OrderID   int64     `json:"order_id,omitempty"`
	InquiryID int64     `json:"inquiry_id,omitempty"`
	Sender    string    `json:"sender"` // buyer, seller or moderator
	Body      string    `json:"body"`
	Status    string    `json:"status"`          // visible, held or rejected
	Flags     []string  `json:"flags,omitempty"` // contact details found: phone, email, url, handle
	CreatedAt time.Time `json:"created_at"`
}

// Contact kinds a message may carry.
const (
	FlagPhone  = "phone"
	FlagEmail  = "email"
	FlagURL    = "url"
	FlagHandle = "handle"
)

var (
	tagRE   = regexp.MustCompile(`<\s*[\p{L}!/?]|&#|&[a-zA-Z]+;`)
	phoneRE = regexp.MustCompile(`\d(?:[\s\-.()/]{0,3}\d){6,}`)
	emailRE = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+\s*(?:@|\(at\)|\[at\])\s*[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`)
	urlRE   = regexp.MustCompile(`(?i)(?:https?://|www\.)\S+|\b[\p{L}\p{N}\-]+\s?\.\s?(?:com|net|org|info|io|me|co|shop|store|site|online|link|ly|jo|eg|sa|ae|ma|tn|dz|iq|sy|lb|ps|ye|om|qa|kw|bh|sd)\b`)
	handRE  = regexp.MustCompile(`(?i)(?:^|[\s(:،,])@[\p{L}\p{N}_.]{3,}|\b(?:whats\s?app|wa\.me|telegram|t\.me|instagram|insta|facebook|fb|snapchat|snap|tiktok|signal|viber|imo)\b|واتس|وتساب|واتساب|تلغرام|تليجرام|تيليجرام|انستغرام|انستقرام|إنستغرام|انستا|فيسبوك|فيس\s?بوك|سناب|تيك\s?توك|فايبر`)
)

// markup reports whether text holds an HTML tag, comment or entity: such
// text is refused, not stored and not "cleaned".
func markup(text string) bool { return tagRE.MatchString(text) }

// Contacts returns the kinds of contact details text carries: phone
// numbers (in Western, Arabic-Indic or Eastern Arabic-Indic digits, with
// spaces or dashes between), e-mail addresses, web addresses and social
// handles or the names of messaging apps.
func Contacts(text string) []string {
	t := arabic.Digits(text)
	var out []string
	if phoneRE.MatchString(t) {
		out = append(out, FlagPhone)
	}
	if emailRE.MatchString(t) {
		out = append(out, FlagEmail)
	}
	if urlRE.MatchString(emailRE.ReplaceAllString(t, " ")) {
		out = append(out, FlagURL)
	}
	if handRE.MatchString(emailRE.ReplaceAllString(t, " ")) {
		out = append(out, FlagHandle)
	}
	return out
}

// CheckBody checks a message's text: not empty, not too long, no markup.
func CheckBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch {
	case body == "":
		return "", errs.E(errs.Invalid, "order.message_required").WithField("body", "order.message_required")
	case runes(body) > maxMessage:
		return "", errs.E(errs.Invalid, "order.too_long", "max", maxMessage).WithField("body", "order.too_long", "max", maxMessage)
	case markup(body):
		return "", errs.E(errs.Invalid, "order.markup").WithField("body", "order.markup")
	}
	return body, nil
}

// Settings are a member's settings of the market's messages.
type Settings struct {
	MemberID int64 `json:"member_id"`
	// ModerateContacts holds every message that carries contact details
	// for a moderator, who releases or rejects it; without it messages are
	// shown at once.
	ModerateContacts bool `json:"moderate_contacts"`
}

func (s *Service) settings(ctx context.Context, q querier, memberID int64) (Settings, error) {
	st := Settings{MemberID: memberID}
	err := q.QueryRow(ctx, `SELECT moderate_contacts FROM market_order_settings WHERE member_id = ?`, memberID).Scan(&st.ModerateContacts)
	if noRows(err) {
		err = nil
	}
	return st, errs.Wrapf(err, "order: settings")
}

// Settings returns memberID's settings (market.read).
func (s *Service) Settings(ctx context.Context, memberID int64) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.MarketRead, memberID); err != nil {
		return Settings{}, err
	}
	return s.settings(ctx, s.db, memberID)
}

// SetSettings changes memberID's settings (market.moderate).
func (s *Service) SetSettings(ctx context.Context, st Settings) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.MarketModerate, st.MemberID); err != nil {
		return Settings{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		_, err := tx.Exec(ctx, `INSERT INTO market_order_settings (member_id, moderate_contacts, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET moderate_contacts = excluded.moderate_contacts, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			st.MemberID, st.ModerateContacts, actorID(ctx), now)
		if err != nil {
			return errs.Wrapf(err, "order: settings")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: st.MemberID, Action: "market_order.settings", EntityType: "market_settings", EntityID: idStr(st.MemberID),
			State: map[string]any{"moderate_contacts": st.ModerateContacts}})
	})
	return st, err
}

const messageCols = `id, member_id, shop_id, order_id, inquiry_id, sender, body, status, flags, created_at`

func scanMessage(r interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var flags string
	err := r.Scan(&m.ID, &m.MemberID, &m.ShopID, &m.OrderID, &m.InquiryID, &m.Sender, &m.Body, &m.Status, &flags, &m.CreatedAt)
	m.Flags = strings.Fields(flags)
	return m, err
}

// write stores a message in tx: held when the member moderates contacts,
// the text carries some and the sender is not a moderator.
func (s *Service) write(ctx context.Context, tx *db.Tx, m Message) (Message, error) {
	st, err := s.settings(ctx, tx, m.MemberID)
	if err != nil {
		return Message{}, err
	}
	m.Status = Visible
	if m.Sender != Moderator {
		m.Flags = Contacts(m.Body)
		if len(m.Flags) > 0 && st.ModerateContacts {
			m.Status = Held
		}
	}
	m.CreatedAt = s.now()
	m.ID, err = tx.InsertID(ctx, `INSERT INTO market_order_messages (member_id, shop_id, order_id, inquiry_id, sender, body, status, flags, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.MemberID, m.ShopID, m.OrderID, m.InquiryID, m.Sender, m.Body, m.Status, strings.Join(m.Flags, " "), m.CreatedAt)
	if err != nil {
		return Message{}, errs.Wrapf(err, "order: message")
	}
	return m, audit.Append(ctx, tx, audit.Entry{MemberID: m.MemberID, Action: "market_order.message", EntityType: "market_message", EntityID: idStr(m.ID),
		State: map[string]any{"order_id": m.OrderID, "inquiry_id": m.InquiryID, "sender": m.Sender, "status": m.Status, "flags": m.Flags}})
}

func side(who *Account) string {
	if who == nil {
		return Moderator
	}
	return who.Kind
}

// PostOnOrder writes a message on order id: from its buyer, its shop's
// seller, or a moderator (who == nil, market.moderate).
func (s *Service) PostOnOrder(ctx context.Context, who *Account, id int64, body string) (Message, error) {
	body, err := CheckBody(body)
	if err != nil {
		return Message{}, err
	}
	o, err := s.get(ctx, s.db, id)
	if err != nil {
		return Message{}, err
	}
	if err := access(ctx, who, o, auth.MarketModerate); err != nil {
		return Message{}, err
	}
	var m Message
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		m, err = s.write(ctx, tx, Message{MemberID: o.MemberID, ShopID: o.ShopID, OrderID: o.ID, Sender: side(who), Body: body})
		return err
	})
	return m, err
}

// shown reports whether viewer (buyer, seller or moderator) sees m: every
// visible message, and the held or rejected ones to their sender and to
// moderators.
func shown(m Message, viewer string) bool {
	return m.Status == Visible || viewer == Moderator || viewer == m.Sender
}

func (s *Service) messages(ctx context.Context, col string, id int64, viewer string) ([]Message, error) {
	rows, err := s.db.Query(ctx, `SELECT `+messageCols+` FROM market_order_messages WHERE `+col+` = ? ORDER BY id LIMIT ?`, id, maxPage)
	if err != nil {
		return nil, errs.Wrapf(err, "order: messages")
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		if shown(m, viewer) {
			out = append(out, m)
		}
	}
	return out, rows.Err()
}

// OrderMessages lists the messages of order id as who sees them.
func (s *Service) OrderMessages(ctx context.Context, who *Account, id int64) ([]Message, error) {
	if _, err := s.Order(ctx, who, id); err != nil {
		return nil, err
	}
	return s.messages(ctx, "order_id", id, side(who))
}

// Held lists memberID's messages waiting for a moderator (market.moderate),
// oldest first.
func (s *Service) Held(ctx context.Context, memberID int64) ([]Message, error) {
	if err := auth.RequireMember(ctx, auth.MarketModerate, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+messageCols+` FROM market_order_messages WHERE member_id = ? AND status = 'held' ORDER BY id LIMIT ?`, memberID, maxPage)
	if err != nil {
		return nil, errs.Wrapf(err, "order: held")
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Moderate releases (release) or rejects a held message (market.moderate).
// Of two moderators deciding at once, one does; the other is told it
// changed.
func (s *Service) Moderate(ctx context.Context, id int64, release bool) (Message, error) {
	var m Message
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		m, err = scanMessage(tx.QueryRow(ctx, `SELECT `+messageCols+` FROM market_order_messages WHERE id = ?`, id))
		if noRows(err) {
			return notFound("order.message_not_found")
		}
		if err != nil {
			return errs.Wrapf(err, "order: message")
		}
		if err := auth.RequireMember(ctx, auth.MarketModerate, m.MemberID); err != nil {
			return err
		}
		if m.Status != Held {
			return errs.E(errs.Conflict, "order.message_not_held")
		}
		to := Rejected
		if release {
			to = Visible
		}
		now := s.now()
		res, err := tx.Exec(ctx, `UPDATE market_order_messages SET status = ?, moderated_by = ?, moderated_at = ? WHERE id = ? AND status = 'held'`, to, actorID(ctx), now, id)
		if err != nil {
			return errs.Wrapf(err, "order: moderate")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "order.message_not_held")
		}
		m.Status = to
		return audit.Append(ctx, tx, audit.Entry{MemberID: m.MemberID, Action: "market_order.message_" + to, EntityType: "market_message", EntityID: idStr(id),
			State: map[string]any{"status": to}})
	})
	return m, err
}

// flagged reports whether m carries contact kind f (for templates).
func (m Message) Flagged(f string) bool { return slices.Contains(m.Flags, f) }
