package payment

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/payment/iban"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// Provider pays households of one instrument kind: a bank, a wallet
// provider or a cash agent (post office, exchange house). A bank's batches
// are pain.001 files in PainVersion, paid from the debtor account; wallet and
// cash batches are CSV.
type Provider struct {
	ID          int64            `json:"id"`
	MemberID    int64            `json:"member_id"`
	Code        string           `json:"code"` // A-Z 0-9 _ -, unique within the member
	Kind        string           `json:"kind"`
	Name        string           `json:"name"`
	PainVersion iso20022.Version `json:"pain_version,omitempty"`
	DebtorName  string           `json:"debtor_name,omitempty"`
	DebtorIBAN  string           `json:"debtor_iban,omitempty"`
	DebtorBIC   string           `json:"debtor_bic,omitempty"`
	// Charset is what a bank's files may carry in names and remittance:
	// "latin", the ISO 20022 Latin character set (Arabic names romanized),
	// which SWIFT and most banks' upload channels require and new bank
	// providers get, or "utf8", names as entered.
	Charset string `json:"charset,omitempty"`
	// UTF8Remittance, for a latin bank that accepts UTF-8 in the
	// remittance information, keeps the holder's name as entered (in
	// Arabic) there beside the program reference.
	UTF8Remittance bool      `json:"utf8_remittance,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// The character sets of a bank provider's files.
const (
	CharsetLatin = "latin"
	CharsetUTF8  = "utf8"
)

var providerCode = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{0,29}$`)

// AddProvider records a provider. Bank providers need a pain.001 version and
// the debtor account (a valid IBAN) their files are paid from. The actor needs
// payment.approve: a provider's debtor account is where money leaves from.
func (s *Service) AddProvider(ctx context.Context, p Provider) (Provider, error) {
	if err := auth.RequireMember(ctx, auth.PaymentApprove, p.MemberID); err != nil {
		return Provider{}, err
	}
	p.Code = strings.ToUpper(strings.TrimSpace(p.Code))
	p.Name = strings.TrimSpace(p.Name)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !providerCode.MatchString(p.Code) {
		e.WithField("code", "payment.provider.bad_code")
	}
	if p.Name == "" {
		e.WithField("name", "error.required")
	}
	switch p.Kind {
	case Bank:
		if p.PainVersion == "" {
			p.PainVersion = iso20022.Pain001V09
		}
		if p.PainVersion != iso20022.Pain001V03 && p.PainVersion != iso20022.Pain001V09 {
			e.WithField("pain_version", "payment.pain001.bad_version", "version", string(p.PainVersion))
		}
		p.DebtorBIC = strings.ToUpper(strings.TrimSpace(p.DebtorBIC))
		if v, err := iban.Validate(p.DebtorIBAN); err != nil {
			fe := errs.As(err)
			e.WithField("debtor_iban", fe.Key, argList(fe.Args)...)
		} else if err := iban.CheckBank(v, p.DebtorBIC); err != nil {
			// The account must be at the bank whose BIC pays from it.
			fe := errs.As(err)
			e.WithField("debtor_iban", fe.Key, argList(fe.Args)...)
		} else {
			p.DebtorIBAN = v
		}
		if strings.TrimSpace(p.DebtorName) == "" {
			e.WithField("debtor_name", "error.required")
		}
		switch p.Charset {
		case "":
			p.Charset = CharsetLatin
		case CharsetLatin, CharsetUTF8:
		default:
			e.WithField("charset", "payment.provider.bad_charset", "charset", p.Charset, "choices", CharsetLatin+", "+CharsetUTF8)
		}
	case Wallet, Cash:
		p.PainVersion, p.DebtorIBAN, p.DebtorBIC, p.Charset, p.UTF8Remittance = "", "", "", "", false
	default:
		e.WithField("kind", "payment.bad_kind", "kind", p.Kind)
	}
	if len(e.Fields) > 0 {
		return Provider{}, e
	}
	p.CreatedAt = s.now().UTC()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		p.ID, err = tx.InsertID(ctx, `INSERT INTO payment_providers (member_id, code, kind, name, pain_version, debtor_name, debtor_iban, debtor_bic, charset, utf8_remittance, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.MemberID, p.Code, p.Kind, p.Name, string(p.PainVersion), p.DebtorName, p.DebtorIBAN, p.DebtorBIC, p.Charset, p.UTF8Remittance, p.CreatedAt)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "payment.provider.exists", "code", p.Code).WithField("code", "payment.provider.exists", "code", p.Code)
		}
		if err != nil {
			return internal(err, "add provider %s", p.Code)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "payment.provider.add", EntityType: "payment_provider", EntityID: idString(p.ID), State: p})
	})
	if err != nil {
		return Provider{}, err
	}
	return p, nil
}

func argList(m map[string]any) []any {
	out := make([]any, 0, 2*len(m))
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

const providerCols = `id, member_id, code, kind, name, pain_version, debtor_name, debtor_iban, debtor_bic, charset, utf8_remittance, created_at`

func scanProvider(row interface{ Scan(...any) error }) (Provider, error) {
	var p Provider
	var v string
	err := row.Scan(&p.ID, &p.MemberID, &p.Code, &p.Kind, &p.Name, &v, &p.DebtorName, &p.DebtorIBAN, &p.DebtorBIC, &p.Charset, &p.UTF8Remittance, &p.CreatedAt)
	p.PainVersion = iso20022.Version(v)
	return p, err
}

func provider(ctx context.Context, q func(context.Context, string, ...any) *sql.Row, memberID int64, code string) (Provider, error) {
	p, err := scanProvider(q(ctx, `SELECT `+providerCols+` FROM payment_providers WHERE member_id = ? AND code = ?`, memberID, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Provider{}, errs.E(errs.NotFound, "payment.provider.not_found", "code", code)
	}
	return p, internal(err, "provider %s", code)
}

// Providers lists the member's providers by code.
func (s *Service) Providers(ctx context.Context, memberID int64) ([]Provider, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+providerCols+` FROM payment_providers WHERE member_id = ? ORDER BY code`, memberID)
	if err != nil {
		return nil, internal(err, "providers")
	}
	defer rows.Close()
	var out []Provider
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			return nil, internal(err, "providers")
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
