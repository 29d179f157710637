package payment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/tadamun/tadamun/internal/arabic"
	"io"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
	"github.com/tadamun/tadamun/internal/payment/walletcsv"
)

// Payment statuses. A payment (an attempt) is written sent when its batch
// is exported, becomes accepted when the provider says it is in progress,
// and then paid or failed; a paid payment the provider sends back is
// returned.
const (
	PaymentSent     = "sent"
	PaymentAccepted = "accepted"
	PaymentPaid     = "paid"
	PaymentFailed   = "failed"
	PaymentReturned = "returned"
)

// Batch statuses.
const (
	BatchCreated  = "created"
	BatchExported = "exported"
)

// Batch is the payments of one cycle that go to one provider in one file.
type Batch struct {
	ID         int64      `json:"id"`
	MemberID   int64      `json:"member_id"`
	CycleID    int64      `json:"cycle_id"`
	Kind       string     `json:"kind"`
	Provider   string     `json:"provider"`
	MsgID      string     `json:"msg_id"`
	Status     string     `json:"status"`
	Count      int64      `json:"count"`
	Total      int64      `json:"total"`
	CreatedAt  time.Time  `json:"created_at"`
	ExportedAt *time.Time `json:"exported_at,omitempty"`
	ExportedBy int64      `json:"exported_by,omitempty"`
}

// BatchResult says what CreateBatches did.
type BatchResult struct {
	Batches      []Batch `json:"batches"`
	Payments     int64   `json:"payments"`      // entitlements planned in the new batches
	NoInstrument int64   `json:"no_instrument"` // due entitlements left out: the household has no active instrument
}

// unpaid selects the due entitlements of cycle ? that have no live or paid
// attempt — never paid, or whose last attempt failed or came back — with the
// household's active instrument.
const unpaid = ` FROM payment_entitlements e
	JOIN payment_instruments i ON i.member_id = e.member_id AND i.household_id = e.household_id AND i.status = 'active'
	WHERE e.cycle_id = ? AND e.status = 'due'
	AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.entitlement_id = e.id AND p.status IN ('sent', 'accepted', 'paid'))`

// CreateBatches plans one batch per instrument kind and provider for the
// due entitlements of an approved cycle that have no payment in progress or
// paid: the first attempt, or a retry after a failure or a return. A kind and
// provider that already has a batch waiting for export gets no second one.
// The payments themselves are written when a batch is exported, to the
// household's instrument at that moment. The actor needs payment.prepare.
func (s *Service) CreateBatches(ctx context.Context, memberID, cycleID int64) (BatchResult, error) {
	if err := auth.RequireMember(ctx, auth.PaymentPrepare, memberID); err != nil {
		return BatchResult{}, err
	}
	var out BatchResult
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := cycle(ctx, tx.QueryRow, memberID, cycleID)
		if err != nil {
			return err
		}
		if c.Status != CycleApproved {
			return errs.E(errs.Conflict, "payment.cycle.not_approved", "status", c.Status)
		}
		if err := bulkMemory(ctx, tx); err != nil {
			return err
		}
		// Two people making batches at once: the second waits here and
		// then sees the first one's batches.
		if err := tx.LockRow(ctx, "payment_cycles", cycleID); err != nil {
			return internal(err, "lock cycle %d", cycleID)
		}
		now := s.now().UTC()
		// One pass over the unpaid entitlements: grouped by the kind and
		// provider of the household's active instrument, none when it has
		// none.
		waiting := map[[2]string]bool{}
		created, err := tx.Query(ctx, `SELECT kind, provider FROM payment_batches WHERE cycle_id = ? AND status = 'created'`, cycleID)
		if err != nil {
			return internal(err, "plan batches of cycle %d", cycleID)
		}
		for created.Next() {
			var k [2]string
			if err := created.Scan(&k[0], &k[1]); err != nil {
				created.Close()
				return internal(err, "plan batches of cycle %d", cycleID)
			}
			waiting[k] = true
		}
		created.Close()
		if err := created.Err(); err != nil {
			return internal(err, "plan batches of cycle %d", cycleID)
		}
		groups, err := tx.Query(ctx, `SELECT COALESCE(i.kind, ''), COALESCE(i.provider, ''), COUNT(*), COALESCE(SUM(e.amount), 0) FROM payment_entitlements e
			LEFT JOIN payment_instruments i ON i.member_id = e.member_id AND i.household_id = e.household_id AND i.status = 'active'
			WHERE e.cycle_id = ? AND e.status = 'due'
			AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.entitlement_id = e.id AND p.status IN ('sent', 'accepted', 'paid'))
			GROUP BY i.kind, i.provider ORDER BY 1, 2`, cycleID)
		if err != nil {
			return internal(err, "plan batches of cycle %d", cycleID)
		}
		for groups.Next() {
			b := Batch{MemberID: memberID, CycleID: cycleID, Status: BatchCreated, CreatedAt: now}
			if err := groups.Scan(&b.Kind, &b.Provider, &b.Count, &b.Total); err != nil {
				groups.Close()
				return internal(err, "plan batches of cycle %d", cycleID)
			}
			switch {
			case b.Kind == "":
				out.NoInstrument += b.Count
			case !waiting[[2]string{b.Kind, b.Provider}]:
				out.Batches = append(out.Batches, b)
				out.Payments += b.Count
			}
		}
		groups.Close()
		if err := groups.Err(); err != nil {
			return internal(err, "plan batches of cycle %d", cycleID)
		}
		var seq int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM payment_batches WHERE cycle_id = ?`, cycleID).Scan(&seq); err != nil {
			return internal(err, "batches of cycle %d", cycleID)
		}
		for i := range out.Batches {
			b := &out.Batches[i]
			seq++
			b.MsgID = fmt.Sprintf("TDM-C%d-B%d", cycleID, seq)
			b.ID, err = tx.InsertID(ctx, `INSERT INTO payment_batches (member_id, cycle_id, kind, provider, msg_id, status, count, total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				b.MemberID, b.CycleID, b.Kind, b.Provider, b.MsgID, b.Status, b.Count, b.Total, b.CreatedAt)
			if db.IsUnique(err) {
				return errs.E(errs.Conflict, "payment.batch.concurrent")
			}
			if err != nil {
				return internal(err, "create batch")
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "payment.batch.create", EntityType: "payment_batch", EntityID: idString(b.ID), State: b}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return BatchResult{}, err
	}
	return out, nil
}

const batchCols = `id, member_id, cycle_id, kind, provider, msg_id, status, count, total, created_at, exported_at, exported_by`

func scanBatch(row interface{ Scan(...any) error }) (Batch, error) {
	var b Batch
	var at sql.NullTime
	err := row.Scan(&b.ID, &b.MemberID, &b.CycleID, &b.Kind, &b.Provider, &b.MsgID, &b.Status, &b.Count, &b.Total, &b.CreatedAt, &at, &b.ExportedBy)
	if at.Valid {
		t := at.Time.UTC()
		b.ExportedAt = &t
	}
	return b, err
}

func batch(ctx context.Context, q func(context.Context, string, ...any) *sql.Row, memberID, id int64) (Batch, error) {
	b, err := scanBatch(q(ctx, `SELECT `+batchCols+` FROM payment_batches WHERE member_id = ? AND id = ?`, memberID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, errs.E(errs.NotFound, "payment.batch.not_found", "id", id)
	}
	return b, internal(err, "batch %d", id)
}

// Batches lists a cycle's batches in the order they were made.
func (s *Service) Batches(ctx context.Context, memberID, cycleID int64) ([]Batch, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+batchCols+` FROM payment_batches WHERE member_id = ? AND cycle_id = ? ORDER BY id`, memberID, cycleID)
	if err != nil {
		return nil, internal(err, "batches")
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, internal(err, "batches")
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Export writes the batch's payments — one attempt, with a new EndToEndId,
// for each unpaid due entitlement whose household's active instrument is of
// the batch's kind and provider; cash attempts get a new one-time voucher
// code — marks the batch exported, moves the money from payable (or, for
// retries, from returned) to in transit in the ledger, and then streams the
// file to w: pain.001 in the provider's version for a bank, the wallet or
// cash CSV layout otherwise. A batch is exported once: of two people
// exporting at the same moment exactly one succeeds, the other gets Conflict.
// The actor needs payment.prepare. If writing to w fails after the batch was
// marked, Download writes the same file again.
func (s *Service) Export(ctx context.Context, memberID, batchID int64, w io.Writer) (Batch, error) {
	if err := auth.RequireMember(ctx, auth.PaymentPrepare, memberID); err != nil {
		return Batch{}, err
	}
	var b Batch
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		b, err = batch(ctx, tx.QueryRow, memberID, batchID)
		if err != nil {
			return err
		}
		if b.Status != BatchCreated {
			return errs.E(errs.Conflict, "payment.batch.already_exported", "msg_id", b.MsgID)
		}
		c, err := cycle(ctx, tx.QueryRow, memberID, b.CycleID)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Second)
		if err := bulkMemory(ctx, tx); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE payment_batches SET status = ?, exported_at = ?, exported_by = ? WHERE id = ? AND status = ?`, BatchExported, now, actorID(ctx), b.ID, BatchCreated)
		if err != nil {
			return internal(err, "export batch %d", b.ID)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "payment.batch.already_exported", "msg_id", b.MsgID)
		}
		// The EndToEndId pads the entitlement id to twelve digits, so that
		// ids sort as they are made: the unique index grows at its end and
		// a status file in batch order walks it in order.
		voucher, e2e := s.db.RandomHex(), s.db.ZeroPad("x.id", 12)
		_, err = tx.Exec(ctx, `INSERT INTO payments (member_id, cycle_id, entitlement_id, household_id, attempt, end_to_end_id, batch_id, instrument_id, kind, provider, amount, voucher_code, status, updated_at)
			SELECT x.member_id, x.cycle_id, x.id, x.household_id, x.attempt, 'TDM-' || `+e2e+` || '-' || x.attempt, ?, x.instrument_id, x.kind, x.provider, x.amount,
				CASE WHEN x.kind = 'cash' THEN `+voucher+` END, 'sent', ?
			FROM (SELECT e.id, e.member_id, e.cycle_id, e.household_id, e.amount, i.id AS instrument_id, i.kind, i.provider,
					COALESCE((SELECT MAX(p.attempt) FROM payments p WHERE p.entitlement_id = e.id), 0) + 1 AS attempt`+unpaid+`
				AND i.kind = ? AND i.provider = ?) x`, b.ID, now, b.CycleID, b.Kind, b.Provider)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "payment.batch.concurrent")
		}
		if err != nil {
			return internal(err, "export batch %d", b.ID)
		}
		if err := analyze(ctx, tx, "payments"); err != nil {
			return err
		}
		var first, retry, n int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN attempt = 1 THEN amount ELSE 0 END), 0), COALESCE(SUM(CASE WHEN attempt > 1 THEN amount ELSE 0 END), 0), COUNT(*)
			FROM payments WHERE batch_id = ?`, b.ID).Scan(&first, &retry, &n); err != nil {
			return internal(err, "export batch %d", b.ID)
		}
		if n == 0 {
			return errs.E(errs.Invalid, "payment.batch.empty", "msg_id", b.MsgID)
		}
		b.Status, b.ExportedAt, b.ExportedBy, b.Count, b.Total = BatchExported, &now, actorID(ctx), n, first+retry
		if _, err := tx.Exec(ctx, `UPDATE payment_batches SET count = ?, total = ? WHERE id = ?`, b.Count, b.Total, b.ID); err != nil {
			return internal(err, "export batch %d", b.ID)
		}
		if err := post(ctx, tx, memberID, c.ProgramID, c.Currency, "batch.export", cycleRef(c.ID), b.MsgID,
			move{AccountPayable, AccountInTransit, first}, move{AccountReturned, AccountInTransit, retry}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "payment.batch.export", EntityType: "payment_batch", EntityID: idString(b.ID), State: b})
	})
	if err != nil {
		return Batch{}, err
	}
	return b, s.writeBatch(ctx, b, w)
}

// Download writes an exported batch's file again, byte for byte as Export
// wrote it. The actor needs payment.prepare.
func (s *Service) Download(ctx context.Context, memberID, batchID int64, w io.Writer) (Batch, error) {
	if err := auth.RequireMember(ctx, auth.PaymentPrepare, memberID); err != nil {
		return Batch{}, err
	}
	b, err := batch(ctx, s.db.QueryRow, memberID, batchID)
	if err != nil {
		return Batch{}, err
	}
	if b.Status != BatchExported {
		return Batch{}, errs.E(errs.Conflict, "payment.batch.not_exported", "msg_id", b.MsgID)
	}
	return b, s.writeBatch(ctx, b, w)
}

// FileName returns the name a batch's file is offered under.
func (b Batch) FileName() string {
	if b.Kind == Bank {
		return b.MsgID + ".xml"
	}
	return b.MsgID + ".csv"
}

// writeBatch streams the batch's payments from the database into its file.
func (s *Service) writeBatch(ctx context.Context, b Batch, w io.Writer) error {
	c, err := cycle(ctx, s.db.QueryRow, b.MemberID, b.CycleID)
	if err != nil {
		return err
	}
	m, err := s.members.ByID(ctx, b.MemberID)
	if err != nil {
		return err
	}
	cur, _ := money.Lookup(c.Currency)
	remittance := c.ProgramRef + " " + c.PeriodStart.Format("2006-01")
	rows, err := s.db.Query(ctx, `SELECT p.end_to_end_id, p.amount, COALESCE(p.voucher_code, ''), i.recipient_name, i.recipient_national_id, i.iban, i.bic, i.msisdn, i.provider
		FROM payments p JOIN payment_instruments i ON i.id = p.instrument_id
		WHERE p.batch_id = ? ORDER BY p.id`, b.ID)
	if err != nil {
		return internal(err, "read batch %d", b.ID)
	}
	defer rows.Close()
	var (
		e2e, voucher, name, nid, ibanNo, bic, msisdn, prov string
		amount                                             int64
	)
	next := func() (bool, error) {
		if !rows.Next() {
			return false, internal(rows.Err(), "read batch %d", b.ID)
		}
		return true, internal(rows.Scan(&e2e, &amount, &voucher, &name, &nid, &ibanNo, &bic, &msisdn, &prov), "read batch %d", b.ID)
	}
	switch b.Kind {
	case Bank:
		p, err := provider(ctx, s.db.QueryRow, b.MemberID, b.Provider)
		if err != nil {
			return err
		}
		x, err := iso20022.NewWriter(w, iso20022.Header{
			Version: p.PainVersion, MsgID: b.MsgID, Created: *b.ExportedAt, NbOfTxs: int(b.Count), CtrlSum: b.Total,
			Currency: c.Currency, Exponent: cur.Exponent,
			Initiator: iso20022.Party{Name: m.NameAR}, Debtor: iso20022.Party{Name: p.DebtorName, IBAN: p.DebtorIBAN, BIC: p.DebtorBIC},
			PmtInfID: b.MsgID, ExecutionDate: c.ExecutionDate(*b.ExportedAt, m.Location(), m.Code),
			Latin: p.Charset == CharsetLatin, UTF8Remittance: p.UTF8Remittance,
		})
		if err != nil {
			return err
		}
		for {
			ok, err := next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			rmt := remittance
			if p.Charset == CharsetLatin && p.UTF8Remittance && arabic.IsArabic(name) {
				// The Latin file names the holder romanized; the name
				// as entered travels in the remittance, which the bank
				// accepts in UTF-8.
				rmt = remittance + " " + name
			}
			if err := x.Write(iso20022.Payment{EndToEndID: e2e, Amount: amount, Creditor: iso20022.Party{Name: name, IBAN: ibanNo, BIC: bic, ID: nid}, Remittance: rmt}); err != nil {
				return err
			}
		}
		return x.Close()
	case Wallet:
		x, err := walletcsv.NewWalletWriter(w, c.Currency)
		if err != nil {
			return err
		}
		for {
			ok, err := next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if err := x.Write(walletcsv.WalletPayment{EndToEndID: e2e, Amount: amount, Provider: prov, MSISDN: msisdn, RecipientName: name, Reference: remittance}); err != nil {
				return err
			}
		}
		return x.Close()
	default:
		x, err := walletcsv.NewCashWriter(w, c.Currency)
		if err != nil {
			return err
		}
		for {
			ok, err := next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if err := x.Write(walletcsv.CashPayment{EndToEndID: e2e, Amount: amount, Agent: prov, VoucherCode: voucher, RecipientName: name, RecipientNationalID: nid, Reference: remittance}); err != nil {
				return err
			}
		}
		return x.Close()
	}
}

// BatchByID returns batch id of whichever member it belongs to, when the
// actor may read that member's payments; another member's batch is NotFound.
func (s *Service) BatchByID(ctx context.Context, id int64) (Batch, error) {
	var m int64
	err := s.db.QueryRow(ctx, `SELECT member_id FROM payment_batches WHERE id = ?`, id).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, errs.E(errs.NotFound, "payment.batch.not_found", "id", id)
	}
	if err != nil {
		return Batch{}, internal(err, "batch %d", id)
	}
	if err := auth.RequireMember(ctx, auth.PaymentRead, m); err != nil {
		return Batch{}, errs.E(errs.NotFound, "payment.batch.not_found", "id", id)
	}
	return batch(ctx, s.db.QueryRow, m, id)
}
