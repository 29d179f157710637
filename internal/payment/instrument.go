package payment

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/payment/iban"
	"github.com/tadamun/tadamun/internal/payment/walletcsv"
)

// Instrument statuses. A change is pending until a second person approves
// it; the instrument it replaces then becomes replaced.
const (
	InstrumentPending  = "pending"
	InstrumentActive   = "active"
	InstrumentRejected = "rejected"
	InstrumentReplaced = "replaced"
)

// Instrument says who receives a household's money and how: a bank account
// (IBAN, optional BIC), a mobile wallet (MSISDN) or cash pickup at an agent.
// Provider is the code of the bank, wallet provider or cash agent. Cash
// payments carry a one-time voucher code made for each payment attempt, so
// that a voucher is never valid twice.
type Instrument struct {
	ID                  int64      `json:"id"`
	MemberID            int64      `json:"member_id"`
	HouseholdID         int64      `json:"household_id"`
	HouseholdRef        string     `json:"household_ref,omitempty"`
	RecipientPersonID   int64      `json:"recipient_person_id,omitempty"`
	RecipientName       string     `json:"recipient_name"`
	RecipientNationalID string     `json:"recipient_national_id,omitempty"`
	Kind                string     `json:"kind"`
	Provider            string     `json:"provider"`
	IBAN                string     `json:"iban,omitempty"`
	BIC                 string     `json:"bic,omitempty"`
	MSISDN              string     `json:"msisdn,omitempty"`
	Status              string     `json:"status"`
	ApprovalID          int64      `json:"approval_id,omitempty"`
	CreatedBy           int64      `json:"created_by"`
	CreatedAt           time.Time  `json:"created_at"`
	DecidedAt           *time.Time `json:"decided_at,omitempty"`
}

// ProposeInstrument validates in and records it as a pending change of the
// household's instrument, with an approval that someone else must give. The
// actor needs payment.prepare. A household has at most one pending change.
func (s *Service) ProposeInstrument(ctx context.Context, in Instrument) (Instrument, error) {
	if err := auth.RequireMember(ctx, auth.PaymentPrepare, in.MemberID); err != nil {
		return Instrument{}, err
	}
	in.RecipientName = strings.TrimSpace(in.RecipientName)
	in.RecipientNationalID = strings.TrimSpace(in.RecipientNationalID)
	in.Provider = strings.ToUpper(strings.TrimSpace(in.Provider))
	in.BIC = strings.ToUpper(strings.TrimSpace(in.BIC))
	e := errs.E(errs.Invalid, "error.invalid_input")
	if in.HouseholdID <= 0 {
		e.WithField("household_id", "error.required")
	}
	if in.RecipientName == "" && in.RecipientPersonID == 0 {
		// The account holder's name as the bank knows it; without one it
		// is filled from the recipient person below.
		e.WithField("recipient_name", "error.required")
	}
	switch in.Kind {
	case Bank:
		v, err := iban.Validate(in.IBAN)
		if err == nil {
			err = iban.CheckBank(v, in.BIC) // a BIC given must be the account's bank
		}
		if err != nil {
			fe := errs.As(err)
			e.WithField("iban", fe.Key, argList(fe.Args)...)
		}
		in.IBAN, in.MSISDN = v, ""
	case Wallet:
		v, err := walletcsv.NormalizeMSISDN(in.MSISDN)
		if err != nil {
			fe := errs.As(err)
			e.WithField("msisdn", fe.Key, argList(fe.Args)...)
		}
		in.MSISDN, in.IBAN, in.BIC = v, "", ""
	case Cash:
		in.IBAN, in.BIC, in.MSISDN = "", "", ""
	default:
		e.WithField("kind", "payment.bad_kind", "kind", in.Kind)
	}
	if in.Provider == "" {
		e.WithField("provider", "error.required")
	}
	if len(e.Fields) > 0 {
		return Instrument{}, e
	}
	// The household and the recipient must be the member's: another
	// member's ids get the words an unknown id gets. The reference stored
	// is the registry's, whatever the request said.
	ref, err := s.households.HouseholdRef(ctx, in.MemberID, in.HouseholdID)
	if errs.Is(err, errs.NotFound) {
		return Instrument{}, errs.E(errs.Invalid, "error.invalid_input").WithField("household_id", "registry.household_not_found")
	} else if err != nil {
		return Instrument{}, err
	}
	in.HouseholdRef = ref
	if in.RecipientPersonID != 0 {
		name, err := s.households.PersonName(ctx, in.MemberID, in.HouseholdID, in.RecipientPersonID)
		if errs.Is(err, errs.NotFound) {
			return Instrument{}, errs.E(errs.Invalid, "error.invalid_input").WithField("recipient_person_id", "registry.person_not_found")
		} else if err != nil {
			return Instrument{}, err
		}
		if in.RecipientName == "" {
			in.RecipientName = name
		}
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		p, err := provider(ctx, tx.QueryRow, in.MemberID, in.Provider)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("provider", "payment.provider.not_found", "code", in.Provider)
			}
			return err
		}
		if p.Kind != in.Kind {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("provider", "payment.provider.wrong_kind", "code", p.Code, "kind", p.Kind)
		}
		in.Status, in.CreatedAt, in.CreatedBy = InstrumentPending, s.now().UTC(), actorID(ctx)
		var person any
		if in.RecipientPersonID != 0 {
			person = in.RecipientPersonID
		}
		in.ID, err = tx.InsertID(ctx, `INSERT INTO payment_instruments (member_id, household_id, household_ref, recipient_person_id, recipient_name, recipient_national_id, kind, provider, iban, bic, msisdn, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.MemberID, in.HouseholdID, in.HouseholdRef, person, in.RecipientName, in.RecipientNationalID, in.Kind, in.Provider, in.IBAN, in.BIC, in.MSISDN, in.Status, in.CreatedBy, in.CreatedAt)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "payment.instrument.change_pending")
		}
		if err != nil {
			return internal(err, "propose instrument")
		}
		ap, err := auth.Propose(ctx, tx, in.MemberID, "instrument_change", "payment_instrument", idString(in.ID), "")
		if err != nil {
			return err
		}
		in.ApprovalID = ap.ID
		if _, err := tx.Exec(ctx, `UPDATE payment_instruments SET approval_id = ? WHERE id = ?`, ap.ID, in.ID); err != nil {
			return internal(err, "propose instrument")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: in.MemberID, Action: "payment.instrument.propose", EntityType: "payment_instrument", EntityID: idString(in.ID), State: in})
	})
	if err != nil {
		return Instrument{}, err
	}
	return in, nil
}

// DecideInstrument approves or rejects the pending instrument change id. The
// actor needs payment.approve and must not be who proposed it. On approval
// the household's active instrument is replaced.
func (s *Service) DecideInstrument(ctx context.Context, memberID, id int64, approve bool, reason string) (Instrument, error) {
	if err := auth.RequireMember(ctx, auth.PaymentApprove, memberID); err != nil {
		return Instrument{}, err
	}
	var in Instrument
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		in, err = scanInstrument(tx.QueryRow(ctx, `SELECT `+instrumentCols+` FROM payment_instruments WHERE member_id = ? AND id = ?`, memberID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "payment.instrument.not_found")
		}
		if err != nil {
			return internal(err, "instrument %d", id)
		}
		if in.Status != InstrumentPending {
			return errs.E(errs.Conflict, "approval.already_decided", "status", in.Status)
		}
		if _, err := auth.Decide(ctx, tx, in.ApprovalID, approve, reason, auth.PaymentApprove); err != nil {
			return err
		}
		now := s.now().UTC()
		in.DecidedAt = &now
		in.Status = InstrumentRejected
		if approve {
			in.Status = InstrumentActive
			if _, err := tx.Exec(ctx, `UPDATE payment_instruments SET status = ?, decided_at = ? WHERE member_id = ? AND household_id = ? AND status = ?`,
				InstrumentReplaced, now, memberID, in.HouseholdID, InstrumentActive); err != nil {
				return internal(err, "replace instrument")
			}
		}
		res, err := tx.Exec(ctx, `UPDATE payment_instruments SET status = ?, decided_at = ? WHERE id = ? AND status = ?`, in.Status, now, id, InstrumentPending)
		if err != nil {
			return internal(err, "decide instrument %d", id)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "approval.already_decided", "status", "?")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "payment.instrument." + in.Status, EntityType: "payment_instrument", EntityID: idString(id), State: in})
	})
	if err != nil {
		return Instrument{}, err
	}
	return in, nil
}

const instrumentCols = `id, member_id, household_id, household_ref, COALESCE(recipient_person_id, 0), recipient_name, recipient_national_id, kind, provider, iban, bic, msisdn, status, COALESCE(approval_id, 0), created_by, created_at, decided_at`

func scanInstrument(row interface{ Scan(...any) error }) (Instrument, error) {
	var in Instrument
	var decided sql.NullTime
	err := row.Scan(&in.ID, &in.MemberID, &in.HouseholdID, &in.HouseholdRef, &in.RecipientPersonID, &in.RecipientName, &in.RecipientNationalID, &in.Kind, &in.Provider, &in.IBAN, &in.BIC, &in.MSISDN, &in.Status, &in.ApprovalID, &in.CreatedBy, &in.CreatedAt, &decided)
	if decided.Valid {
		t := decided.Time
		in.DecidedAt = &t
	}
	return in, err
}

// Instruments returns a household's instruments, the newest first: the
// active one, pending changes and the history of replaced and rejected ones.
func (s *Service) Instruments(ctx context.Context, memberID, household int64) ([]Instrument, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+instrumentCols+` FROM payment_instruments WHERE member_id = ? AND household_id = ? ORDER BY id DESC`, memberID, household)
	if err != nil {
		return nil, internal(err, "instruments")
	}
	defer rows.Close()
	var out []Instrument
	for rows.Next() {
		in, err := scanInstrument(rows)
		if err != nil {
			return nil, internal(err, "instruments")
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// InstrumentByID returns instrument id of whichever member it belongs to,
// when the actor may read that member's payments; another member's is
// NotFound.
func (s *Service) InstrumentByID(ctx context.Context, id int64) (Instrument, error) {
	in, err := scanInstrument(s.db.QueryRow(ctx, `SELECT `+instrumentCols+` FROM payment_instruments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Instrument{}, errs.E(errs.NotFound, "payment.instrument.not_found")
	}
	if err != nil {
		return Instrument{}, internal(err, "instrument %d", id)
	}
	if err := auth.RequireMember(ctx, auth.PaymentRead, in.MemberID); err != nil {
		return Instrument{}, errs.E(errs.NotFound, "payment.instrument.not_found")
	}
	return in, nil
}
