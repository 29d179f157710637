package bank

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/limits"
)

// ImportInput is one file to import.
type ImportInput struct {
	MemberID int64
	// Name is the file's name, which errors name.
	Name string
	// File is read twice: once for its hash, once to import it.
	File io.ReadSeeker
	// Account is the fund's account a CSV statement is of (its IBAN); a
	// camt file names its own.
	Account string
	// Limits, when set, replace the service's (the command line's bulk
	// limits).
	Limits *limits.Limits
	// Progress, when set, is told the lines read so far, every batch.
	Progress func(lines int64)
}

// errAgain says the file was imported before; again holds which import.
var errAgain = errors.New("bank: imported before")

// Import reads a statement file (camt.053, camt.054 or CSV, optionally
// gzipped) and records it, all or nothing: the statement, its lines, the
// donations of the matched credits and the suspense entry of the others
// commit together with the audit record, or nothing is written. A file
// imported before returns that import with Again set.
func (s *Service) Import(ctx context.Context, in ImportInput) (Statement, error) {
	if err := auth.RequireMember(ctx, auth.FundWrite, in.MemberID); err != nil {
		return Statement{}, err
	}
	l := s.limits
	if in.Limits != nil {
		l = in.Limits.Or()
	}
	if in.Name == "" {
		in.Name = "statement"
	}
	m, err := s.members.ByID(ctx, in.MemberID)
	if err != nil {
		return Statement{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, limits.Reader(in.File, in.Name, l.Upload)); err != nil {
		if limits.Is(err) {
			return Statement{}, err
		}
		return Statement{}, errs.Wrapf(err, "bank: read %s", in.Name)
	}
	hash := hex.EncodeToString(h.Sum(nil))
	if id, err := s.importByHash(ctx, s.db.QueryRow, in.MemberID, hash); err != nil {
		return Statement{}, err
	} else if id != 0 {
		return s.again(ctx, id)
	}
	if _, err := in.File.Seek(0, io.SeekStart); err != nil {
		return Statement{}, errs.Wrapf(err, "bank: rewind %s", in.Name)
	}
	br, format, err := open(in.File, in.Name, l)
	if err != nil {
		return Statement{}, err
	}
	ix, err := s.buildIndex(ctx, in.MemberID)
	if err != nil {
		return Statement{}, err
	}
	var st Statement
	var again int64
	err = s.db.TxOnce(ctx, func(tx *db.Tx) error {
		if err := tx.LockKey(ctx, lockKey(in.MemberID)); err != nil {
			return err
		}
		if err := tx.BulkMemory(ctx); err != nil {
			return err
		}
		id, err := s.importByHash(ctx, tx.QueryRow, in.MemberID, hash)
		if err != nil {
			return err
		}
		if id != 0 {
			again = id
			return errAgain
		}
		if msg := headMessageID(br); msg != "" && format != FormatCSV {
			err := tx.QueryRow(ctx, `SELECT id FROM fund_bank_imports WHERE member_id = ? AND format = ? AND message_id = ?`, in.MemberID, format, msg).Scan(&again)
			if err == nil {
				return errAgain
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return errs.Wrapf(err, "bank: message id")
			}
		}
		st = Statement{MemberID: in.MemberID, FileName: in.Name, Format: format, Hash: hash, Account: normIBAN(in.Account),
			Currency: m.Currency, CreatedBy: actorID(ctx), CreatedAt: tx.Now().UTC()}
		st.ID, err = tx.InsertID(ctx, `INSERT INTO fund_bank_imports (member_id, file_name, format, content_hash, account, currency, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, st.MemberID, st.FileName, st.Format, st.Hash, st.Account, st.Currency, st.CreatedBy, st.CreatedAt)
		if err != nil {
			return errs.Wrapf(err, "bank: import %s", in.Name)
		}
		imp := &importer{ctx: ctx, s: s, tx: tx, st: &st, ix: ix, file: in.Name, progress: in.Progress, suspense: map[string]int64{}}
		var hd header
		if format == FormatCSV {
			hd, err = readCSV(ctx, br, in.Name, l, m.Currency, st.Account, imp.add)
		} else {
			hd, err = readCamt(ctx, br, in.Name, l, m.Currency, imp.add)
		}
		if err != nil {
			return err
		}
		if err := imp.flush(ctx); err != nil {
			return err
		}
		st.Format, st.Version, st.MessageID = hd.Format, hd.Version, hd.MessageID
		if st.MessageID != "" {
			err := tx.QueryRow(ctx, `SELECT id FROM fund_bank_imports WHERE member_id = ? AND format = ? AND message_id = ? AND id <> ?`,
				st.MemberID, st.Format, st.MessageID, st.ID).Scan(&again)
			if err == nil {
				return errAgain
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return errs.Wrapf(err, "bank: message id")
			}
		}
		if st.Credits+st.Debits == 0 && st.Skipped == 0 {
			return errs.E(errs.Invalid, "fund.bank.no_entries", "file", in.Name)
		}
		if err := imp.postSuspense(ctx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE fund_bank_imports SET format = ?, version = ?, message_id = ?, account = ?, lines = ?, credits = ?, credit_total = ?,
				matched = ?, matched_total = ?, unmatched = ?, unmatched_total = ?, debits = ?, debit_total = ?, skipped = ?, suspense_entry = ? WHERE id = ?`,
			st.Format, st.Version, st.MessageID, st.Account, st.Lines, st.Credits, st.CreditTotal, st.Matched, st.MatchedTotal,
			st.Unmatched, st.UnmatchedTotal, st.Debits, st.DebitTotal, st.Skipped, st.SuspenseEntry, st.ID); err != nil {
			if db.IsUnique(err) {
				return errs.E(errs.Conflict, "fund.bank.imported_before", "file", in.Name)
			}
			return errs.Wrapf(err, "bank: import %s", in.Name)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: st.MemberID, Action: "fund.statement.import", EntityType: "fund_statement", EntityID: idStr(st.ID), State: st})
	})
	if errors.Is(err, errAgain) {
		return s.again(ctx, again)
	}
	var taken *refTaken
	if errors.As(err, &taken) {
		return Statement{}, s.overlapErr(ctx, in.MemberID, in.Name, taken.refs)
	}
	if err != nil {
		return Statement{}, err
	}
	return st, nil
}

func (s *Service) again(ctx context.Context, id int64) (Statement, error) {
	st, err := s.statement(ctx, id)
	st.Again = true
	return st, err
}

func (s *Service) importByHash(ctx context.Context, q func(context.Context, string, ...any) *sql.Row, member int64, hash string) (int64, error) {
	var id int64
	err := q(ctx, `SELECT id FROM fund_bank_imports WHERE member_id = ? AND content_hash = ?`, member, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Wrapf(err, "bank: earlier import")
	}
	return id, nil
}

// importer is one import under way: the batch of lines not yet written.
type importer struct {
	ctx      context.Context
	s        *Service
	tx       *db.Tx
	st       *Statement
	ix       *index
	file     string
	progress func(int64)
	batch    []raw
	report   *raw // the last report seen
	suspense map[string]int64
	seen     map[string]int64 // bank references of this batch
}

func (imp *importer) add(x raw) error {
	if x.Skip {
		imp.st.Skipped++
		return nil
	}
	if imp.report == nil || x.Report != imp.report.Report || x.Account != imp.report.Account {
		if err := imp.newReport(imp.ctx, &x); err != nil {
			return err
		}
		r := x
		imp.report = &r
	}
	if imp.st.Account == "" {
		imp.st.Account = x.Account
	}
	imp.st.Lines++
	imp.batch = append(imp.batch, x)
	if len(imp.batch) >= imp.s.batch {
		return imp.flush(imp.ctx)
	}
	return nil
}

// newReport checks that the report x is in overlaps no report imported
// before for the same account, and records it.
func (imp *importer) newReport(ctx context.Context, x *raw) error {
	st, tx, rep := imp.st, imp.tx, x.Report
	if st.Format != FormatCSV {
		var conds []string
		var args []any
		if rep.ID != "" {
			conds, args = append(conds, "report_id = ?"), append(args, rep.ID)
		}
		if rep.Sequence != "" {
			conds, args = append(conds, "sequence = ?"), append(args, rep.Sequence)
		}
		if !rep.From.IsZero() && !rep.To.IsZero() {
			conds, args = append(conds, "(period_from < ? AND period_to > ?)"), append(args, rep.To.UTC(), rep.From.UTC())
		}
		if len(conds) > 0 {
			var earlier int64
			var rid, seq, file string
			err := tx.QueryRow(ctx, `SELECT r.import_id, r.report_id, r.sequence, i.file_name FROM fund_bank_reports r JOIN fund_bank_imports i ON i.id = r.import_id
				WHERE r.member_id = ? AND r.account = ? AND r.format = ? AND r.import_id <> ? AND (`+strings.Join(conds, " OR ")+`) ORDER BY r.import_id LIMIT 1`,
				append([]any{st.MemberID, x.Account, st.Format, st.ID}, args...)...).Scan(&earlier, &rid, &seq, &file)
			if err == nil {
				key := "fund.bank.overlap_period"
				switch {
				case rep.ID != "" && rid == rep.ID:
					key = "fund.bank.overlap_id"
				case rep.Sequence != "" && seq == rep.Sequence:
					key = "fund.bank.overlap_sequence"
				}
				return errs.E(errs.Conflict, key, "file", imp.file, "line", x.No, "earlier", earlier, "earlier_file", file, "account", x.Account, "statement", rep.ID, "sequence", rep.Sequence)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return errs.Wrapf(err, "bank: overlap")
			}
		}
	}
	var from, to any
	if !rep.From.IsZero() {
		from = rep.From.UTC()
	}
	if !rep.To.IsZero() {
		to = rep.To.UTC()
	}
	if _, err := tx.Exec(ctx, `INSERT INTO fund_bank_reports (import_id, member_id, format, account, report_id, sequence, period_from, period_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		st.ID, st.MemberID, st.Format, x.Account, rep.ID, rep.Sequence, from, to); err != nil {
		return errs.Wrapf(err, "bank: report")
	}
	return nil
}

// checkRefs refuses a batch in which a credit's bank reference appears
// twice. A reference imported before (in an earlier file, or an earlier
// batch of this one) breaks the unique index when the lines are written;
// overlapErr then names the earlier import, after the transaction rolled
// back.
func (imp *importer) checkRefs() error {
	if imp.seen == nil {
		imp.seen = map[string]int64{}
	}
	clear(imp.seen)
	for i := range imp.batch {
		x := &imp.batch[i]
		if x.Debit || x.BankRef == "" {
			continue
		}
		k := x.Account + "\x00" + x.BankRef
		if first, dup := imp.seen[k]; dup {
			return errs.E(errs.Invalid, "fund.bank.duplicate_ref", "file", imp.file, "line", x.No, "field", "AcctSvcrRef", "value", x.BankRef, "first", first)
		}
		imp.seen[k] = x.No
	}
	return nil
}

// refTaken is the unique index's refusal of a batch, with the batch's
// references to find which one was taken and by which import.
type refTaken struct {
	err  error
	refs []raw
}

func (e *refTaken) Error() string { return e.err.Error() }

// overlapErr finds the earlier import holding one of refs.
func (s *Service) overlapErr(ctx context.Context, member int64, file string, refs []raw) error {
	byAcct := map[string][]raw{}
	for _, x := range refs {
		if !x.Debit && x.BankRef != "" {
			byAcct[x.Account] = append(byAcct[x.Account], x)
		}
	}
	for acct, xs := range byAcct {
		for part := range slices.Chunk(xs, 500) {
			args := make([]any, 0, len(part)+2)
			args = append(args, member, acct)
			for _, x := range part {
				args = append(args, x.BankRef)
			}
			var earlier int64
			var ref, name string
			err := s.db.QueryRow(ctx, `SELECT l.import_id, l.bank_ref, i.file_name FROM fund_bank_lines l JOIN fund_bank_imports i ON i.id = l.import_id
				WHERE l.member_id = ? AND l.account = ? AND l.debit = 0 AND l.bank_ref <> '' AND l.bank_ref IN (?`+strings.Repeat(", ?", len(part)-1)+`) ORDER BY l.import_id LIMIT 1`, args...).Scan(&earlier, &ref, &name)
			if err == nil {
				var no int64
				for _, x := range part {
					if x.BankRef == ref {
						no = x.No
						break
					}
				}
				return errs.E(errs.Conflict, "fund.bank.overlap_entry", "file", file, "line", no, "value", ref, "earlier", earlier, "earlier_file", name)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return errs.Wrapf(err, "bank: entry references")
			}
		}
	}
	// Not imported before: twice in this file, in different batches.
	return errs.E(errs.Invalid, "fund.bank.overlap_entry_any", "file", file)
}

var lineCols = []string{"import_id", "member_id", "line_no", "account", "bank_ref", "booked_on", "amount", "currency", "debit",
	"debtor_name", "debtor_iban", "reference", "status", "matched_on", "donor_id", "pledge_id", "donation_id", "receipt", "note"}

// flush matches the batch, records its donations and writes its lines.
func (imp *importer) flush(ctx context.Context) error {
	if len(imp.batch) == 0 {
		return nil
	}
	if err := imp.checkRefs(); err != nil {
		return err
	}
	// SQLite: a long write re-reads from the write-ahead log every page
	// its cache lets go, so the cache grows with the database (as the
	// registry's import does).
	if err := imp.tx.ScaleCache(ctx, 2, 1024); err != nil {
		return err
	}
	st := imp.st
	type out struct {
		status, on, note    string
		donor, pledge, gift int64
		receipt             string
	}
	outs := make([]out, len(imp.batch))
	var ins []fund.DonationInput
	var at []int
	for i := range imp.batch {
		x := &imp.batch[i]
		o := &outs[i]
		if x.Debit {
			o.status = StatusDebit
			st.Debits++
			if x.Currency == st.Currency {
				st.DebitTotal += x.Amount
			}
			continue
		}
		st.Credits++
		if x.Currency == st.Currency {
			st.CreditTotal += x.Amount
		}
		mt, ok := imp.ix.match(x)
		if ok && x.Currency != st.Currency {
			ok, o.note = false, "currency"
		}
		if !ok {
			o.status = StatusUnmatched
			st.Unmatched++
			if x.Currency == st.Currency {
				st.UnmatchedTotal += x.Amount
			}
			imp.suspense[x.Currency] += x.Amount
			continue
		}
		o.status, o.on, o.donor, o.pledge = StatusMatched, mt.on, mt.donor, mt.pledge
		st.Matched++
		st.MatchedTotal += x.Amount
		ref := x.Reference
		if ref == "" {
			ref = x.BankRef
		}
		ins = append(ins, fund.DonationInput{MemberID: st.MemberID, DonorID: mt.donor, Kind: fund.KindTransfer, Currency: x.Currency,
			Amount: x.Amount, ReceivedOn: x.Booked, Restriction: mt.restriction, PledgeID: mt.pledge, Reference: ref,
			StatementRef: StatementRef(st.ID, x.No)})
		at = append(at, i)
	}
	if len(ins) > 0 {
		refs, err := imp.s.gifts.RecordManyTx(ctx, imp.tx, ins)
		if err != nil {
			return err
		}
		if len(refs) != len(ins) {
			return errs.Wrapf(errors.New("short answer"), "bank: %d donations recorded of %d", len(refs), len(ins))
		}
		for k, i := range at {
			outs[i].gift, outs[i].receipt = refs[k].ID, refs[k].Receipt
		}
	}
	i := -1
	if _, err := imp.tx.Insert(ctx, "fund_bank_lines", lineCols, db.RowsFunc(func() ([]any, error) {
		i++
		if i >= len(imp.batch) {
			return nil, nil
		}
		x, o := &imp.batch[i], &outs[i]
		return []any{st.ID, st.MemberID, x.No, x.Account, x.BankRef, x.Booked.UTC(), x.Amount, x.Currency, b2i(x.Debit),
			x.DebtorName, x.DebtorIBAN, x.Reference, o.status, o.on, o.donor, o.pledge, o.gift, o.receipt, o.note}, nil
	})); err != nil {
		if db.IsUnique(err) {
			return &refTaken{err: err, refs: slices.Clone(imp.batch)}
		}
		return errs.Wrapf(err, "bank: lines of %s", imp.file)
	}
	imp.batch = imp.batch[:0]
	if imp.progress != nil {
		imp.progress(st.Lines)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// postSuspense posts the file's unmatched credits, one entry per currency:
// suspense +X, income:bank −X.
func (imp *importer) postSuspense(ctx context.Context) error {
	st := imp.st
	ccys := make([]string, 0, len(imp.suspense))
	for c := range imp.suspense {
		ccys = append(ccys, c)
	}
	slices.Sort(ccys)
	for _, c := range ccys {
		total := imp.suspense[c]
		susp, err := ledger.EnsureAccountTx(ctx, imp.tx, st.MemberID, fund.AccountSuspense, "fund_suspense", c, "Fund suspense: bank credits not yet matched")
		if err != nil {
			return err
		}
		inc, err := ledger.EnsureAccountTx(ctx, imp.tx, st.MemberID, fund.IncomeAccount("bank"), fund.KindIncome, c, "Fund income: bank statements")
		if err != nil {
			return err
		}
		e, err := ledger.PostTx(ctx, imp.tx, ledger.Entry{MemberID: st.MemberID, Kind: "fund.bank.suspense", Ref: "statement:" + idStr(st.ID),
			Memo: imp.file, Lines: []ledger.Line{{AccountID: susp.ID, Amount: total}, {AccountID: inc.ID, Amount: -total}}})
		if err != nil {
			return err
		}
		if st.SuspenseEntry == 0 {
			st.SuspenseEntry = e.ID
		}
		if imp.s.journal != nil {
			if err := imp.s.journal.RecordTx(ctx, imp.tx, fund.Movement{MemberID: st.MemberID, EntryID: e.ID, At: e.At, Direction: "suspense",
				SourceKind: "bank", Currency: c, Amount: total}); err != nil {
				return err
			}
		}
	}
	return nil
}
