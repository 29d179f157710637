package payment

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
	"github.com/tadamun/tadamun/internal/payment/walletcsv"
)

// Status file formats.
const (
	FormatPain002 = "pain.002"
	FormatCamt053 = "camt.053" // bank statement
	FormatCamt054 = "camt.054" // debit/credit notification
	FormatCSV     = "csv"
)

// StatusImport is the outcome of one status file: how many of its rows
// marked payments paid, failed (rejected before payment), returned (sent
// back after payment) or accepted (in progress), and how many changed nothing
// because the payment already had that status.
type StatusImport struct {
	ID        int64  `json:"id"`
	MemberID  int64  `json:"member_id"`
	Format    string `json:"format"`
	SHA256    string `json:"sha256"`
	Rows      int64  `json:"rows"`
	Paid      int64  `json:"paid"`
	Failed    int64  `json:"failed"`
	Returned  int64  `json:"returned"`
	Accepted  int64  `json:"accepted"`
	Unchanged int64  `json:"unchanged"`
	// Ignored counts the transactions of a camt.053 or camt.054 file that
	// are not payments of ours (the account's other debits and credits)
	// or are not booked yet.
	Ignored   int64     `json:"ignored"`
	CreatedAt time.Time `json:"created_at"`
}

// RowProblem is one status row that cannot be applied.
type RowProblem struct {
	Row        int64  `json:"row"`
	EndToEndID string `json:"end_to_end_id"`
	Status     string `json:"status,omitempty"`  // the file's status
	Current    string `json:"current,omitempty"` // the payment's status now
}

// acceptedCodes are the ISO 20022 statuses of a payment in progress.
const acceptedCodes = `('ACCP', 'ACSP', 'ACTC', 'ACWC', 'PDNG')`

// contradiction is true for a status row s that cannot apply to its payment
// p: a confirmation of a payment that failed or came back (a retry may be
// under way; the entitlement may be cancelled), or a status code this
// package does not know.
const contradiction = `(p.id IS NOT NULL AND ((s.status = 'ACSC' AND p.status IN ('failed', 'returned'))
	OR (s.status NOT IN ('ACSC', 'RJCT') AND s.status NOT IN ` + acceptedCodes + `)))`

// maxProblems bounds the rows a refusal lists.
const maxProblems = 20

// ImportStatus reads a provider's status file — a pain.002 report, a
// camt.053 statement or camt.054 notification (see parseStatement), or the
// CSV layout of package walletcsv; with format "" the file's own, told by
// DetectStatusFormat — and applies it all or nothing: every
// row is matched to a payment by EndToEndId; ACSC marks it paid, RJCT failed
// (or returned when it was paid), ACCP and the like accepted; the ledger moves
// the money from in transit to paid or returned. A file with an unknown
// EndToEndId, the same id twice, or a status that contradicts the payment (a
// confirmation of a failed or returned payment, or of a cancelled
// entitlement) is refused with the
// rows named, and nothing changes. The same file imported twice is refused
// the second time; a different file repeating known statuses changes
// nothing. The actor needs payment.prepare.
func (s *Service) ImportStatus(ctx context.Context, memberID int64, format string, r io.Reader) (StatusImport, error) {
	if err := auth.RequireMember(ctx, auth.PaymentPrepare, memberID); err != nil {
		return StatusImport{}, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if format == "" {
		format = DetectStatusFormat(br)
	}
	if format != FormatPain002 && format != FormatCamt053 && format != FormatCamt054 && format != FormatCSV {
		return StatusImport{}, errs.E(errs.Invalid, "payment.status.bad_format", "format", format,
			"formats", strings.Join([]string{FormatPain002, FormatCamt053, FormatCamt054, FormatCSV}, ", "))
	}
	imp := StatusImport{MemberID: memberID, Format: format, CreatedAt: s.now().UTC()}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		imp.ID, err = tx.InsertID(ctx, `INSERT INTO payment_status_imports (member_id, sha256, format, status, created_by, created_at) VALUES (?, '', ?, 'staged', ?, ?) RETURNING id`,
			memberID, format, actorID(ctx), imp.CreatedAt)
		return internal(err, "status import")
	})
	if err != nil {
		return StatusImport{}, err
	}
	h := sha256.New()
	rep, err := s.stage(ctx, &imp, io.TeeReader(br, h))
	if err != nil {
		s.refuseImport(imp.ID)
		return StatusImport{}, err
	}
	imp.SHA256 = hex.EncodeToString(h.Sum(nil))
	var refusal error
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		refusal = nil
		var prior int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM payment_status_imports WHERE member_id = ? AND sha256 = ? AND status = 'applied'`, memberID, imp.SHA256).Scan(&prior); err != nil {
			return internal(err, "status import")
		}
		if prior != 0 {
			refusal = errs.E(errs.Conflict, "payment.status.already_imported", "id", prior)
			return nil
		}
		if imp.Rows == 0 && rep.GroupStatus == "RJCT" && rep.OriginalMessageID != "" {
			if err := stageGroupRejection(ctx, tx, &imp, rep); err != nil {
				return err
			}
		}
		if imp.Rows == 0 && isCamt(imp.Format) {
			refusal = errs.E(errs.Invalid, "payment.camt.none_ours", "ignored", imp.Ignored)
			return nil
		}
		if imp.Rows == 0 {
			refusal = errs.E(errs.Invalid, "payment.status.empty")
			return nil
		}
		if isCamt(imp.Format) {
			if err := collapseReturns(ctx, tx, &imp); err != nil {
				return err
			}
		}
		if err := bulkMemory(ctx, tx); err != nil {
			return err
		}
		if err := analyze(ctx, tx, "payment_status_rows"); err != nil {
			return err
		}
		sums, wrong, err := statusSums(ctx, tx, imp.ID)
		if err != nil {
			return err
		}
		if refusal = checkStatusRows(ctx, tx, imp.ID, wrong); refusal != nil {
			if errs.Is(refusal, errs.Internal) {
				return refusal
			}
			return nil
		}
		return s.applyStatusRows(ctx, tx, &imp, sums)
	})
	if err == nil && refusal != nil {
		err = refusal
	}
	if err != nil {
		s.refuseImport(imp.ID)
		if db.IsUnique(err) {
			err = errs.E(errs.Conflict, "payment.status.already_imported", "id", "?")
		}
		return StatusImport{}, err
	}
	return imp, nil
}

// refuseImport marks a status import refused and drops its staged rows.
func (s *Service) refuseImport(id int64) {
	ctx := context.Background()
	s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM payment_status_rows WHERE import_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE payment_status_imports SET status = 'refused' WHERE id = ?`, id)
		return err
	})
}

// stagedRow is one parsed status row.
type stagedRow struct {
	row                 int64
	e2e, status, reason string
	paidAt              time.Time
	amount              *int64 // what a statement booked, in minor units of currency
	currency            string
}

func (r stagedRow) values(imp *StatusImport) []any {
	var paid any
	if !r.paidAt.IsZero() {
		paid = r.paidAt.UTC()
	}
	var amount any
	if r.amount != nil {
		amount = *r.amount
	}
	return []any{imp.ID, imp.MemberID, r.row, r.e2e, r.status, r.reason, paid, amount, r.currency}
}

var stageColumns = []string{"import_id", "member_id", "row_no", "end_to_end_id", "status", "reason", "paid_at", "amount", "currency"}

// parseStatus reads the file, with the limits checked as it is read, and
// calls fn for each row.
func (s *Service) parseStatus(ctx context.Context, imp *StatusImport, r io.Reader, fn func(stagedRow) error) (iso20022.Report, error) {
	lim := s.Limits.Or()
	format := imp.Format
	if isCamt(format) {
		return iso20022.Report{}, s.parseStatement(ctx, imp, r, fn)
	}
	if format == FormatCSV {
		return iso20022.Report{}, walletcsv.ReadStatusLimits(ctx, lim, r, func(st walletcsv.Status) error {
			return fn(stagedRow{row: int64(st.Row), e2e: st.EndToEndID, status: st.Status, reason: st.Reason, paidAt: st.PaidAt})
		})
	}
	var n int64
	return iso20022.ReadStatus(lim.XML(limits.Reader(r, "pain.002", lim.Uncompressed), "pain.002"), func(st iso20022.Status) error {
		n++
		if n > int64(lim.Rows) {
			return limits.TooManyRows("pain.002", lim.Rows)
		}
		if n%limits.CheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		reason := st.Reason
		if st.AdditionalInfo != "" {
			reason = strings.TrimSpace(reason + " " + st.AdditionalInfo)
		}
		return fn(stagedRow{row: n, e2e: st.OriginalEndToEndID, status: st.Status, reason: reason})
	})
}

// stage parses the file into payment_status_rows in large batches. Its
// transaction is not retried: it reads r as it writes, and r can be read
// once (an import that loses a race is refused and can be sent again).
func (s *Service) stage(ctx context.Context, imp *StatusImport, r io.Reader) (iso20022.Report, error) {
	var rep iso20022.Report
	err := s.db.TxOnce(ctx, func(tx *db.Tx) error {
		rows := make([][]any, 0, entitlementBatch)
		flush := func() error {
			_, err := tx.Insert(ctx, "payment_status_rows", stageColumns, db.RowsOf(rows))
			rows = rows[:0]
			return internal(err, "stage status")
		}
		var err error
		rep, err = s.parseStatus(ctx, imp, r, func(sr stagedRow) error {
			imp.Rows++
			rows = append(rows, sr.values(imp))
			if len(rows) == cap(rows) {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		return flush()
	})
	return rep, err
}

// stageGroupRejection stages a RJCT for every sent payment of the batch a
// whole-file rejection answers.
func stageGroupRejection(ctx context.Context, tx *db.Tx, imp *StatusImport, rep iso20022.Report) error {
	res, err := tx.Exec(ctx, `INSERT INTO payment_status_rows (import_id, member_id, row_no, end_to_end_id, status, reason)
		SELECT ?, p.member_id, p.id, p.end_to_end_id, 'RJCT', ? FROM payments p JOIN payment_batches b ON b.id = p.batch_id
		WHERE b.member_id = ? AND b.msg_id = ?`, imp.ID, rep.GroupReason, imp.MemberID, rep.OriginalMessageID)
	if err != nil {
		return internal(err, "stage group rejection")
	}
	imp.Rows, _ = res.RowsAffected()
	return nil
}

// checkStatusRows returns an Invalid error naming the rows that make the
// file unusable, or nil; wrong is the number of rows statusSums found
// unknown or contradicting their payment.
func checkStatusRows(ctx context.Context, tx *db.Tx, importID, wrong int64) error {
	list := func(key, q string) error {
		rows, err := tx.Query(ctx, q, importID)
		if err != nil {
			return internal(err, "check status rows")
		}
		defer rows.Close()
		var ps []RowProblem
		for rows.Next() {
			var p RowProblem
			if err := rows.Scan(&p.Row, &p.EndToEndID, &p.Status, &p.Current); err != nil {
				return internal(err, "check status rows")
			}
			ps = append(ps, p)
		}
		if err := rows.Err(); err != nil {
			return internal(err, "check status rows")
		}
		if len(ps) == 0 {
			return nil
		}
		e := errs.E(errs.Invalid, key, "count", len(ps), "first", ps[0].EndToEndID, "row", ps[0].Row)
		for _, p := range ps {
			e.Fields = append(e.Fields, errs.FieldError{Field: "end_to_end_id", Row: int(p.Row), Key: key + "_row",
				Args: map[string]any{"end_to_end_id": p.EndToEndID, "status": p.Status, "current": p.Current}})
		}
		return e
	}
	var dups int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT end_to_end_id FROM payment_status_rows WHERE import_id = ? GROUP BY end_to_end_id HAVING COUNT(*) > 1) d`, importID).Scan(&dups); err != nil {
		return internal(err, "check status rows")
	}
	if dups+wrong == 0 {
		return nil
	}
	limit := " LIMIT " + idString(maxProblems)
	if err := list("payment.status.duplicate", `SELECT MIN(row_no), end_to_end_id, MIN(status), '' FROM payment_status_rows WHERE import_id = ? GROUP BY end_to_end_id HAVING COUNT(*) > 1 ORDER BY MIN(row_no)`+limit); err != nil {
		return err
	}
	if err := list("payment.status.unknown", `SELECT s.row_no, s.end_to_end_id, s.status, '' FROM payment_status_rows s
		LEFT JOIN payments p ON p.member_id = s.member_id AND p.end_to_end_id = s.end_to_end_id
		WHERE s.import_id = ? AND p.id IS NULL ORDER BY s.row_no`+limit); err != nil {
		return err
	}
	if err := list("payment.status.contradiction", `SELECT s.row_no, s.end_to_end_id, s.status, p.status FROM payment_status_rows s
		JOIN payments p ON p.member_id = s.member_id AND p.end_to_end_id = s.end_to_end_id
		WHERE s.import_id = ? AND `+contradiction+` ORDER BY s.row_no`+limit); err != nil {
		return err
	}
	return amountMismatches(ctx, tx, importID)
}

// cycleSums is what a status import changes in one cycle: the money that
// moves and how many payments move.
type cycleSums struct {
	cycle                           int64
	paid, failed, returned          int64
	nPaid, nFailed, nRet, nAccepted int64
}

// statusSums reads a staged import in one pass joined with the payments: the
// money per cycle for the ledger, and how many rows are unknown or
// contradict their payment (wrong), which make the file refused.
func statusSums(ctx context.Context, tx *db.Tx, importID int64) (sums []cycleSums, wrong int64, err error) {
	rows, err := tx.Query(ctx, `SELECT COALESCE(p.cycle_id, 0),
			COALESCE(SUM(CASE WHEN p.id IS NULL OR `+contradiction+` OR `+mismatch+` THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN s.status = 'ACSC' AND p.status IN ('sent', 'accepted') THEN p.amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN s.status = 'RJCT' AND p.status IN ('sent', 'accepted') THEN p.amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN s.status = 'RJCT' AND p.status = 'paid' THEN p.amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN s.status = 'ACSC' AND p.status IN ('sent', 'accepted') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN s.status = 'RJCT' AND p.status IN ('sent', 'accepted') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN s.status = 'RJCT' AND p.status = 'paid' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN s.status IN `+acceptedCodes+` AND p.status = 'sent' THEN 1 ELSE 0 END), 0)
		FROM payment_status_rows s LEFT JOIN payments p ON p.member_id = s.member_id AND p.end_to_end_id = s.end_to_end_id
		WHERE s.import_id = ? GROUP BY p.cycle_id ORDER BY 1`, importID)
	if err != nil {
		return nil, 0, internal(err, "status sums")
	}
	defer rows.Close()
	for rows.Next() {
		var c cycleSums
		var w int64
		if err := rows.Scan(&c.cycle, &w, &c.paid, &c.failed, &c.returned, &c.nPaid, &c.nFailed, &c.nRet, &c.nAccepted); err != nil {
			return nil, 0, internal(err, "status sums")
		}
		wrong += w
		if c.cycle != 0 {
			sums = append(sums, c)
		}
	}
	return sums, wrong, internal(rows.Err(), "status sums")
}

// applyStatusRows applies a checked import: the ledger entry of each cycle
// from its sums, and one set-based update of the payments.
func (s *Service) applyStatusRows(ctx context.Context, tx *db.Tx, imp *StatusImport, sums []cycleSums) error {
	ref := "status_import:" + idString(imp.ID)
	for _, cs := range sums {
		imp.Paid += cs.nPaid
		imp.Failed += cs.nFailed
		imp.Returned += cs.nRet
		imp.Accepted += cs.nAccepted
		c, err := cycle(ctx, tx.QueryRow, imp.MemberID, cs.cycle)
		if err != nil {
			return err
		}
		if err := post(ctx, tx, imp.MemberID, c.ProgramID, c.Currency, "status.import", cycleRef(c.ID), ref,
			move{AccountInTransit, AccountPaid, cs.paid}, move{AccountInTransit, AccountReturned, cs.failed}, move{AccountPaid, AccountReturned, cs.returned}); err != nil {
			return err
		}
	}
	imp.Unchanged = imp.Rows - imp.Paid - imp.Failed - imp.Returned - imp.Accepted
	now := s.now().UTC()
	// The households of the payments this import pays, fails or returns
	// hear of it: the same conditions as updatePayments', read before it.
	for _, cs := range sums {
		c, err := cycle(ctx, tx.QueryRow, imp.MemberID, cs.cycle)
		if err != nil {
			return err
		}
		if err := s.tell(ctx, tx, imp.MemberID, c.Currency, `SELECT p.id, p.household_id, p.amount,
				CASE WHEN r.status = 'ACSC' THEN 'paid' WHEN p.status = 'paid' THEN 'returned' ELSE 'failed' END
			FROM payments p JOIN payment_status_rows r ON r.member_id = p.member_id AND r.end_to_end_id = p.end_to_end_id
			WHERE r.import_id = ? AND p.cycle_id = ?
			AND ((r.status = 'ACSC' AND p.status IN ('sent', 'accepted')) OR (r.status = 'RJCT' AND p.status IN ('sent', 'accepted', 'paid')))
			ORDER BY p.id`, imp.ID, c.ID); err != nil {
			return err
		}
	}
	if err := updatePayments(ctx, tx, imp.ID, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE payment_status_imports SET status = 'applied', sha256 = ?, row_count = ?, paid = ?, failed = ?, returned = ?, accepted = ?, unchanged = ?, ignored = ? WHERE id = ?`,
		imp.SHA256, imp.Rows, imp.Paid, imp.Failed, imp.Returned, imp.Accepted, imp.Unchanged, imp.Ignored, imp.ID); err != nil {
		return err // a unique violation: the same file applied at the same moment
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: imp.MemberID, Action: "payment.status.import", EntityType: "payment_status_import", EntityID: idString(imp.ID), State: imp})
}

// statusChunk is how many staged rows one UPDATE applies on SQLite.
var statusChunk int64 = 50_000

// updatePayments applies the staged rows of an import to their payments.
// PostgreSQL does it in one statement (a hash join). SQLite materializes
// the whole join of an UPDATE … FROM in memory before it writes, which for a
// million rows is a quarter of a gigabyte, so there the rows are applied in
// ranges of their ids, in the same transaction.
func updatePayments(ctx context.Context, tx *db.Tx, importID int64, now time.Time) error {
	// The SET expressions see the payment's status before the update.
	q := `UPDATE payments SET
			status = CASE WHEN s.status = 'ACSC' THEN 'paid' WHEN s.status = 'RJCT' AND payments.status = 'paid' THEN 'returned' WHEN s.status = 'RJCT' THEN 'failed' ELSE 'accepted' END,
			reason = CASE WHEN s.status = 'ACSC' THEN '' WHEN s.status = 'RJCT' THEN s.reason ELSE payments.reason END,
			paid_at = CASE WHEN s.status = 'ACSC' THEN COALESCE(s.paid_at, ?) WHEN s.status = 'RJCT' AND payments.status <> 'paid' THEN NULL ELSE payments.paid_at END,
			updated_at = ?
		FROM payment_status_rows s
		WHERE %s = ? AND payments.member_id = s.member_id AND payments.end_to_end_id = s.end_to_end_id
		AND ((s.status = 'ACSC' AND payments.status IN ('sent', 'accepted'))
			OR (s.status = 'RJCT' AND payments.status IN ('sent', 'accepted', 'paid'))
			OR (s.status IN ` + acceptedCodes + ` AND payments.status = 'sent'))
		AND s.id >= ? AND s.id < ?`
	var lo, hi int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), -1) FROM payment_status_rows WHERE import_id = ?`, importID).Scan(&lo, &hi); err != nil {
		return internal(err, "apply status")
	}
	// On SQLite the import's rows are walked by their ids (the primary
	// key), not through the index on the import, which would visit all of
	// them for every range.
	q = fmt.Sprintf(q, tx.DB().Unindexed("s.import_id"))
	return internal(tx.ExecInRanges(ctx, q, lo, hi, statusChunk, now, now, importID), "apply status")
}
