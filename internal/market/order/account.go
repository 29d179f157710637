package order

import (
	"context"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Account is a light account of the market: a buyer, who places orders and
// writes to the families, or a seller, the family of one shop, made by a
// moderator. Neither is a user of the staff side: an account holds no
// permission, only its own orders (a buyer) or its shop's (a seller).
type Account struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"` // a buyer's country, a seller's member
	Kind      string    `json:"kind"`      // buyer or seller
	ShopID    int64     `json:"shop_id,omitempty"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone"` // international digits
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// Seller reports whether a is a shop's account.
func (a *Account) Seller() bool { return a != nil && a.Kind == SellerKind }

// Buyer reports whether a is a buyer's account.
func (a *Account) Buyer() bool { return a != nil && a.Kind == BuyerKind }

// SignUpInput is a buyer's sign-up, or a seller's account as a moderator
// makes it.
type SignUpInput struct {
	MemberID int64  `json:"-"`     // the country whose calling code a local phone takes
	Name     string `json:"name"`  // as the buyer wants to be called
	Phone    string `json:"phone"` // any digits; local numbers take the member's calling code
	Password string `json:"password,omitempty"`
	IP       string `json:"-"` // the sign-up's address, for the rate limit
}

const accountCols = `id, member_id, kind, shop_id, name, phone, active, created_at`

func scanAccount(r interface{ Scan(...any) error }) (Account, error) {
	var a Account
	err := r.Scan(&a.ID, &a.MemberID, &a.Kind, &a.ShopID, &a.Name, &a.Phone, &a.Active, &a.CreatedAt)
	return a, err
}

// phoneKey normalizes a phone with member's calling code; "" when it is not
// a phone.
func (s *Service) phoneKey(ctx context.Context, memberID int64, raw string) string {
	calling := ""
	if m, err := s.member(ctx, memberID); err == nil {
		calling = m.CallingCode
	}
	raw = strings.TrimSpace(raw)
	p := arabic.PhoneKey(raw, calling)
	if runes(raw) > 40 || len(p) < 7 || len(p) > 15 {
		return ""
	}
	return p
}

func (s *Service) checkAccount(ctx context.Context, in *SignUpInput, password bool) error {
	in.Name = oneLine(in.Name)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if _, err := s.member(ctx, in.MemberID); err != nil {
		if errs.CodeOf(err) != errs.NotFound {
			return err
		}
		e.WithField("member", "order.country_required")
	}
	switch {
	case in.Name == "":
		e.WithField("name", "order.name_required")
	case runes(in.Name) > maxName:
		e.WithField("name", "order.too_long", "max", maxName)
	}
	raw := in.Phone
	if in.Phone = s.phoneKey(ctx, in.MemberID, raw); in.Phone == "" {
		e.WithField("phone", "order.phone_invalid")
	}
	if password {
		if n := runes(in.Password); n < auth.MinPasswordLength || n > 200 {
			e.WithField("password", "order.password_short", "min", auth.MinPasswordLength)
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// SignUp makes a buyer's account and signs it in: it returns the session's
// secret for the cookie. A phone that has an account already is refused.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (string, Account, error) {
	if in.IP != "" && !s.signup.Allow(in.IP) {
		return "", Account{}, errs.E(errs.TooMany, "order.too_many_attempts")
	}
	if err := s.checkAccount(ctx, &in, true); err != nil {
		return "", Account{}, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return "", Account{}, err
	}
	var a Account
	var token string
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		id, err := tx.InsertID(ctx, `INSERT INTO market_order_accounts (member_id, kind, shop_id, name, phone, password_hash, active, created_by, created_at)
			VALUES (?, 'buyer', 0, ?, ?, ?, ?, 0, ?) RETURNING id`, in.MemberID, in.Name, in.Phone, hash, true, now)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "order.phone_taken").WithField("phone", "order.phone_taken")
		}
		if err != nil {
			return errs.Wrapf(err, "order: sign up")
		}
		a = Account{ID: id, MemberID: in.MemberID, Kind: BuyerKind, Name: in.Name, Phone: in.Phone, Active: true, CreatedAt: now}
		if token, err = s.openSession(ctx, tx, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: in.MemberID, Action: "market_order.buyer_signup", EntityType: "market_account", EntityID: idStr(id),
			State: map[string]any{"kind": BuyerKind}})
	})
	return token, a, err
}

func (s *Service) openSession(ctx context.Context, tx *db.Tx, account int64) (string, error) {
	token, hash := newSecret()
	now := s.now()
	_, err := tx.Exec(ctx, `INSERT INTO market_order_sessions (token_hash, account_id, expires_at, created_at) VALUES (?, ?, ?, ?)`, hash, account, now.Add(sessionTTL), now)
	return token, errs.Wrapf(err, "order: session")
}

// dummy is checked when no account has the phone, so that both answers
// take as long.
var dummy, _ = auth.HashPassword("tadamun-market-dummy")

// SignIn checks a phone and password (buyer or seller) and opens a
// session; it returns the session's secret for the cookie. Attempts are
// limited per phone and per address; a wrong phone and a wrong password get
// the same answer.
func (s *Service) SignIn(ctx context.Context, memberID int64, phone, password, ip string) (string, Account, error) {
	key := s.phoneKey(ctx, memberID, phone)
	if !s.signin.Allow("p:"+key) || (ip != "" && !s.signin.Allow("a:"+ip)) {
		return "", Account{}, errs.E(errs.TooMany, "order.too_many_attempts")
	}
	var hash string
	row := s.db.QueryRow(ctx, `SELECT `+accountCols+`, password_hash FROM market_order_accounts WHERE phone = ?`, key)
	var a Account
	err := row.Scan(&a.ID, &a.MemberID, &a.Kind, &a.ShopID, &a.Name, &a.Phone, &a.Active, &a.CreatedAt, &hash)
	if noRows(err) || key == "" {
		auth.CheckPassword(dummy, password)
		return "", Account{}, errs.E(errs.Unauthenticated, "order.bad_credentials")
	}
	if err != nil {
		return "", Account{}, errs.Wrapf(err, "order: sign in")
	}
	if !auth.CheckPassword(hash, password) || !a.Active {
		return "", Account{}, errs.E(errs.Unauthenticated, "order.bad_credentials")
	}
	var token string
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		token, err = s.openSession(ctx, tx, a.ID)
		return err
	})
	return token, a, err
}

// Session returns the account of a session's secret, or Unauthenticated
// when it is unknown or has expired.
func (s *Service) Session(ctx context.Context, token string) (Account, error) {
	if token == "" || len(token) > 100 {
		return Account{}, errs.E(errs.Unauthenticated, "order.signin_required")
	}
	row := s.db.QueryRow(ctx, `SELECT a.id, a.member_id, a.kind, a.shop_id, a.name, a.phone, a.active, a.created_at
		FROM market_order_sessions x JOIN market_order_accounts a ON a.id = x.account_id
		WHERE x.token_hash = ? AND x.expires_at > ?`, hashSecret(token), s.now())
	a, err := scanAccount(row)
	if noRows(err) || (err == nil && !a.Active) {
		return Account{}, errs.E(errs.Unauthenticated, "order.signin_required")
	}
	return a, errs.Wrapf(err, "order: session")
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM market_order_sessions WHERE token_hash = ?`, hashSecret(token))
		return errs.Wrapf(err, "order: sign out")
	})
}

// SellerAccount is a new seller's account with its first password, shown
// once to the moderator who gives it to the family.
type SellerAccount struct {
	Account  Account `json:"account"`
	Password string  `json:"password"`
}

// CreateSeller makes the light account of shop shopID's family
// (market.moderate for the shop's member). Its password is made here and
// shown once, unless in gives one (the demo data).
func (s *Service) CreateSeller(ctx context.Context, shopID int64, in SignUpInput) (SellerAccount, error) {
	sh, err := s.shop(ctx, shopID)
	if err != nil {
		return SellerAccount{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketModerate, sh.MemberID); err != nil {
		return SellerAccount{}, err
	}
	in.MemberID = sh.MemberID
	if err := s.checkAccount(ctx, &in, false); err != nil {
		return SellerAccount{}, err
	}
	pw := in.Password
	if pw == "" {
		pw, _ = newSecret()
		pw = pw[:16]
	} else if runes(pw) < auth.MinPasswordLength {
		return SellerAccount{}, errs.E(errs.Invalid, "order.password_short", "min", auth.MinPasswordLength).WithField("password", "order.password_short", "min", auth.MinPasswordLength)
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return SellerAccount{}, err
	}
	var out SellerAccount
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		id, err := tx.InsertID(ctx, `INSERT INTO market_order_accounts (member_id, kind, shop_id, name, phone, password_hash, active, created_by, created_at)
			VALUES (?, 'seller', ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sh.MemberID, shopID, in.Name, in.Phone, hash, true, actor.From(ctx).UserID, now)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "order.phone_taken").WithField("phone", "order.phone_taken")
		}
		if err != nil {
			return errs.Wrapf(err, "order: seller")
		}
		out = SellerAccount{Account: Account{ID: id, MemberID: sh.MemberID, Kind: SellerKind, ShopID: shopID, Name: in.Name, Phone: in.Phone, Active: true, CreatedAt: now}, Password: pw}
		return audit.Append(ctx, tx, audit.Entry{MemberID: sh.MemberID, Action: "market_order.seller_create", EntityType: "market_account", EntityID: idStr(id),
			State: map[string]any{"kind": SellerKind, "shop_id": shopID}})
	})
	return out, err
}

// Sellers lists the seller accounts of memberID (market.read).
func (s *Service) Sellers(ctx context.Context, memberID int64) ([]Account, error) {
	if err := auth.RequireMember(ctx, auth.MarketRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+accountCols+` FROM market_order_accounts WHERE member_id = ? AND kind = 'seller' ORDER BY id LIMIT ?`, memberID, maxPage)
	if err != nil {
		return nil, errs.Wrapf(err, "order: sellers")
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
