package bank

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/ledger"
)

const statementCols = `id, member_id, file_name, format, version, message_id, content_hash, account, lines, credits, credit_total,
	matched, matched_total, unmatched, unmatched_total, debits, debit_total, skipped, currency, suspense_entry, created_by, created_at`

func scanStatement(row interface{ Scan(...any) error }) (Statement, error) {
	var st Statement
	err := row.Scan(&st.ID, &st.MemberID, &st.FileName, &st.Format, &st.Version, &st.MessageID, &st.Hash, &st.Account, &st.Lines,
		&st.Credits, &st.CreditTotal, &st.Matched, &st.MatchedTotal, &st.Unmatched, &st.UnmatchedTotal, &st.Debits, &st.DebitTotal,
		&st.Skipped, &st.Currency, &st.SuspenseEntry, &st.CreatedBy, &st.CreatedAt)
	return st, err
}

// statement reads one import without a permission check.
func (s *Service) statement(ctx context.Context, id int64) (Statement, error) {
	st, err := scanStatement(s.db.QueryRow(ctx, `SELECT `+statementCols+` FROM fund_bank_imports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Statement{}, errs.E(errs.NotFound, "fund.bank.statement_not_found", "id", id)
	}
	if err != nil {
		return Statement{}, errs.Wrapf(err, "bank: statement %d", id)
	}
	return st, nil
}

// Statement returns an imported statement.
func (s *Service) Statement(ctx context.Context, id int64) (Statement, error) {
	st, err := s.statement(ctx, id)
	if err != nil {
		return Statement{}, err
	}
	if err := auth.RequireMember(ctx, auth.FundRead, st.MemberID); err != nil {
		return Statement{}, err
	}
	return st, nil
}

// Statements lists the member's imports, newest first, at most limit
// (50 by default) before id before (0: from the newest).
func (s *Service) Statements(ctx context.Context, member, before int64, limit int) ([]Statement, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, member); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.db.Query(ctx, `SELECT `+statementCols+` FROM fund_bank_imports WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, member, before, limit)
	if err != nil {
		return nil, errs.Wrapf(err, "bank: statements")
	}
	defer rows.Close()
	var out []Statement
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "bank: statements")
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

const lineSelect = `SELECT id, import_id, member_id, line_no, account, bank_ref, booked_on, amount, currency, debit, debtor_name, debtor_iban,
	reference, status, matched_on, donor_id, pledge_id, donation_id, receipt, note, decided_by, decided_at FROM fund_bank_lines `

func scanLine(row interface{ Scan(...any) error }) (Line, error) {
	var l Line
	var debit int
	var dec sql.NullTime
	err := row.Scan(&l.ID, &l.ImportID, &l.MemberID, &l.No, &l.Account, &l.BankRef, &l.Booked, &l.Amount, &l.Currency, &debit,
		&l.DebtorName, &l.DebtorIBAN, &l.Reference, &l.Status, &l.MatchedOn, &l.DonorID, &l.PledgeID, &l.DonationID, &l.Receipt,
		&l.Note, &l.DecidedBy, &dec)
	l.Debit = debit != 0
	if dec.Valid {
		t := dec.Time
		l.DecidedAt = &t
	}
	return l, err
}

func (s *Service) lines(ctx context.Context, q string, args ...any) ([]Line, error) {
	rows, err := s.db.Query(ctx, lineSelect+q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "bank: lines")
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		l, err := scanLine(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "bank: lines")
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LineFilter pages a statement's lines or the queue.
type LineFilter struct {
	Status string // "" for every status
	After  int64  // lines after this line id
	Limit  int    // 100 by default, at most 1,000
}

func (f LineFilter) limit() int {
	if f.Limit <= 0 || f.Limit > 1000 {
		return 100
	}
	return f.Limit
}

// Lines returns a statement's lines in file order.
func (s *Service) Lines(ctx context.Context, statement int64, f LineFilter) ([]Line, error) {
	st, err := s.Statement(ctx, statement)
	if err != nil {
		return nil, err
	}
	if f.Status != "" {
		return s.lines(ctx, `WHERE import_id = ? AND status = ? AND id > ? ORDER BY id LIMIT ?`, st.ID, f.Status, f.After, f.limit())
	}
	return s.lines(ctx, `WHERE import_id = ? AND id > ? ORDER BY id LIMIT ?`, st.ID, f.After, f.limit())
}

// Line returns one line.
func (s *Service) Line(ctx context.Context, id int64) (Line, error) {
	ls, err := s.lines(ctx, `WHERE id = ?`, id)
	if err != nil {
		return Line{}, err
	}
	if len(ls) == 0 {
		return Line{}, errs.E(errs.NotFound, "fund.bank.line_not_found", "id", id)
	}
	if err := auth.RequireMember(ctx, auth.FundRead, ls[0].MemberID); err != nil {
		return Line{}, err
	}
	return ls[0], nil
}

// Queue returns the member's unmatched credits, oldest first: the review
// queue.
func (s *Service) Queue(ctx context.Context, member int64, f LineFilter) ([]Line, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, member); err != nil {
		return nil, err
	}
	return s.lines(ctx, `WHERE member_id = ? AND status = ? AND id > ? ORDER BY id LIMIT ?`, member, StatusUnmatched, f.After, f.limit())
}

// QueueSummary is the review queue's size and the suspense balances.
type QueueSummary struct {
	Waiting      int64            `json:"waiting"`
	WaitingTotal map[string]int64 `json:"waiting_total"`
	Dismissed    int64            `json:"dismissed"`
	Suspense     map[string]int64 `json:"suspense"` // the ledger's balance of fund:suspense, by currency
}

// Summary counts the queue and reads the suspense account's balance.
func (s *Service) Summary(ctx context.Context, member int64) (QueueSummary, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, member); err != nil {
		return QueueSummary{}, err
	}
	q := QueueSummary{WaitingTotal: map[string]int64{}, Suspense: map[string]int64{}}
	rows, err := s.db.Query(ctx, `SELECT status, currency, COUNT(*), COALESCE(SUM(amount), 0) FROM fund_bank_lines
		WHERE member_id = ? AND status IN (?, ?) GROUP BY status, currency`, member, StatusUnmatched, StatusDismissed)
	if err != nil {
		return q, errs.Wrapf(err, "bank: queue")
	}
	defer rows.Close()
	for rows.Next() {
		var st, ccy string
		var n, sum int64
		if err := rows.Scan(&st, &ccy, &n, &sum); err != nil {
			return q, errs.Wrapf(err, "bank: queue")
		}
		if st == StatusUnmatched {
			q.Waiting += n
			q.WaitingTotal[ccy] += sum
		} else {
			q.Dismissed += n
		}
	}
	if err := rows.Err(); err != nil {
		return q, errs.Wrapf(err, "bank: queue")
	}
	bs, err := ledger.NewWith(s.db, ledger.Options{Clock: s.now}).Balances(ctx, member, fund.AccountSuspense, time.Time{})
	if err != nil && errs.CodeOf(err) != errs.Forbidden {
		return q, err
	}
	for _, b := range bs {
		if b.Code == fund.AccountSuspense {
			q.Suspense[b.Currency] += b.Balance
		}
	}
	return q, nil
}
