package order

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Inquiry is a question about a product from a visitor without an
// account. The visitor follows the answers through a personal link whose
// secret is shown once; only its SHA-256 is kept.
type Inquiry struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	ProductID int64     `json:"product_id"`
	ShopID    int64     `json:"shop_id"`
	ProductAR string    `json:"product_ar"`
	ProductEN string    `json:"product_en"`
	Name      string    `json:"name"`
	Contact   string    `json:"contact,omitempty"` // a phone or an e-mail; hidden from the family when the member moderates contacts
	CreatedAt time.Time `json:"created_at"`
}

// InquiryInput is the public inquiry form.
type InquiryInput struct {
	ProductID int64  `json:"product_id"`
	Name      string `json:"name"`
	Contact   string `json:"contact"` // a phone or an e-mail
	Message   string `json:"message"`

	IP              string `json:"-"`
	ChallengeToken  string `json:"challenge_token"`
	ChallengeAnswer string `json:"challenge_answer"`
}

// Inquire records an inquiry from the public form, after the complaint
// form's challenge and within the per-address limit. It returns the
// inquiry and its personal link's secret.
func (s *Service) Inquire(ctx context.Context, in InquiryInput) (Inquiry, string, error) {
	if s.o.Challenges == nil {
		return Inquiry{}, "", errs.E(errs.Invalid, "order.inquiries_closed")
	}
	if in.IP != "" && !s.inquiry.Allow(in.IP) {
		return Inquiry{}, "", errs.E(errs.TooMany, "order.too_many_inquiries")
	}
	if err := s.o.Challenges.Verify(in.ChallengeToken, in.ChallengeAnswer); err != nil {
		return Inquiry{}, "", err
	}
	p, err := s.product(ctx, in.ProductID)
	if err != nil {
		return Inquiry{}, "", err
	}
	in.Name, in.Contact = oneLine(in.Name), strings.TrimSpace(in.Contact)
	e := errs.E(errs.Invalid, "error.invalid_input")
	switch {
	case in.Name == "":
		e.WithField("name", "order.name_required")
	case runes(in.Name) > maxName || markup(in.Name):
		e.WithField("name", "order.too_long", "max", maxName)
	}
	switch {
	case in.Contact == "":
		e.WithField("contact", "order.contact_required")
	case strings.Contains(in.Contact, "@"):
		if a, err := mail.ParseAddress(in.Contact); err != nil || a.Address != in.Contact || runes(in.Contact) > maxContact {
			e.WithField("contact", "order.contact_invalid")
		}
	default:
		if d := arabic.DigitsOnly(in.Contact); len(d) < 7 || len(d) > 15 || runes(in.Contact) > 40 {
			e.WithField("contact", "order.contact_invalid")
		}
	}
	body, err := CheckBody(in.Message)
	if err != nil {
		for _, f := range errs.As(err).Fields {
			e.WithField("message", f.Key, argsOf(f.Args)...)
		}
	}
	if len(e.Fields) > 0 {
		return Inquiry{}, "", e
	}
	token, hash := newSecret()
	q := Inquiry{MemberID: p.MemberID, ProductID: p.ID, ShopID: p.ShopID, ProductAR: p.NameAR, ProductEN: p.NameEN, Name: in.Name, Contact: in.Contact}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		q.CreatedAt = s.now()
		var err error
		q.ID, err = tx.InsertID(ctx, `INSERT INTO market_order_inquiries (member_id, product_id, shop_id, product_ar, product_en, name, contact, token_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, q.MemberID, q.ProductID, q.ShopID, q.ProductAR, q.ProductEN, q.Name, q.Contact, hash, q.CreatedAt)
		if err != nil {
			return errs.Wrapf(err, "order: inquiry")
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: q.MemberID, Action: "market_order.inquiry", EntityType: "market_inquiry", EntityID: idStr(q.ID),
			State: map[string]any{"product_id": q.ProductID}}); err != nil {
			return err
		}
		_, err = s.write(ctx, tx, Message{MemberID: q.MemberID, ShopID: q.ShopID, InquiryID: q.ID, Sender: BuyerKind, Body: body})
		return err
	})
	if err != nil {
		return Inquiry{}, "", err
	}
	return q, token, nil
}

func argsOf(m map[string]any) []any {
	var out []any
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

const inquiryCols = `id, member_id, product_id, shop_id, product_ar, product_en, name, contact, created_at`

func scanInquiry(r interface{ Scan(...any) error }) (Inquiry, error) {
	var q Inquiry
	err := r.Scan(&q.ID, &q.MemberID, &q.ProductID, &q.ShopID, &q.ProductAR, &q.ProductEN, &q.Name, &q.Contact, &q.CreatedAt)
	return q, err
}

// ByToken returns the inquiry of a personal link's secret with the
// messages its inquirer sees.
func (s *Service) ByToken(ctx context.Context, token string) (Inquiry, []Message, error) {
	if token == "" || len(token) > 100 {
		return Inquiry{}, nil, notFound("order.inquiry_not_found")
	}
	q, err := scanInquiry(s.db.QueryRow(ctx, `SELECT `+inquiryCols+` FROM market_order_inquiries WHERE token_hash = ?`, hashSecret(token)))
	if noRows(err) {
		return Inquiry{}, nil, notFound("order.inquiry_not_found")
	}
	if err != nil {
		return Inquiry{}, nil, errs.Wrapf(err, "order: inquiry")
	}
	ms, err := s.messages(ctx, "inquiry_id", q.ID, BuyerKind)
	return q, ms, err
}

// ReplyByToken writes the inquirer's answer on their inquiry.
func (s *Service) ReplyByToken(ctx context.Context, token, body string) (Message, error) {
	body, err := CheckBody(body)
	if err != nil {
		return Message{}, err
	}
	q, _, err := s.ByToken(ctx, token)
	if err != nil {
		return Message{}, err
	}
	var m Message
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		m, err = s.write(ctx, tx, Message{MemberID: q.MemberID, ShopID: q.ShopID, InquiryID: q.ID, Sender: BuyerKind, Body: body})
		return err
	})
	return m, err
}

// seeInquiry checks who may see inquiry q and hides its contact from the
// family when the member moderates contacts.
func (s *Service) seeInquiry(ctx context.Context, who *Account, q *Inquiry, perm auth.Permission) error {
	switch {
	case who == nil:
		return auth.RequireMember(ctx, perm, q.MemberID)
	case who.Seller() && who.ShopID == q.ShopID && who.MemberID == q.MemberID:
		st, err := s.settings(ctx, s.db, q.MemberID)
		if err != nil {
			return err
		}
		if st.ModerateContacts {
			q.Contact = ""
		}
		return nil
	}
	return notFound("order.inquiry_not_found")
}

// Inquiry returns inquiry id and its messages as who (a seller, or staff
// when nil) sees them.
func (s *Service) Inquiry(ctx context.Context, who *Account, id int64) (Inquiry, []Message, error) {
	q, err := scanInquiry(s.db.QueryRow(ctx, `SELECT `+inquiryCols+` FROM market_order_inquiries WHERE id = ?`, id))
	if noRows(err) {
		return Inquiry{}, nil, notFound("order.inquiry_not_found")
	}
	if err != nil {
		return Inquiry{}, nil, errs.Wrapf(err, "order: inquiry")
	}
	if err := s.seeInquiry(ctx, who, &q, auth.MarketRead); err != nil {
		return Inquiry{}, nil, err
	}
	ms, err := s.messages(ctx, "inquiry_id", q.ID, side(who))
	return q, ms, err
}

// Inquiries lists inquiries newest first: a seller's shop's, or for staff
// (who == nil, market.read) memberID's.
func (s *Service) Inquiries(ctx context.Context, who *Account, memberID int64) ([]Inquiry, error) {
	where, arg := "member_id = ?", []any{memberID}
	switch {
	case who == nil:
		if err := auth.RequireMember(ctx, auth.MarketRead, memberID); err != nil {
			return nil, err
		}
	case who.Seller():
		where, arg = "shop_id = ? AND member_id = ?", []any{who.ShopID, who.MemberID}
	default:
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+inquiryCols+` FROM market_order_inquiries WHERE `+where+` ORDER BY id DESC LIMIT ?`, append(arg, maxPage)...)
	if err != nil {
		return nil, errs.Wrapf(err, "order: inquiries")
	}
	defer rows.Close()
	var out []Inquiry
	for rows.Next() {
		q, err := scanInquiry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.seeInquiry(ctx, who, &out[i], auth.MarketRead); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PostOnInquiry writes the family's (a seller's) or a moderator's (who ==
// nil, market.moderate) answer on inquiry id.
func (s *Service) PostOnInquiry(ctx context.Context, who *Account, id int64, body string) (Message, error) {
	body, err := CheckBody(body)
	if err != nil {
		return Message{}, err
	}
	q, err := scanInquiry(s.db.QueryRow(ctx, `SELECT `+inquiryCols+` FROM market_order_inquiries WHERE id = ?`, id))
	if noRows(err) {
		return Message{}, notFound("order.inquiry_not_found")
	}
	if err != nil {
		return Message{}, errs.Wrapf(err, "order: inquiry")
	}
	if err := s.seeInquiry(ctx, who, &q, auth.MarketModerate); err != nil {
		return Message{}, err
	}
	var m Message
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		m, err = s.write(ctx, tx, Message{MemberID: q.MemberID, ShopID: q.ShopID, InquiryID: q.ID, Sender: side(who), Body: body})
		return err
	})
	return m, err
}
