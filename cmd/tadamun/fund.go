package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/bank"
	"github.com/tadamun/tadamun/internal/fund/donor"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/money"
)

// The fund's commands: bank statements and the review queue.
func init() {
	register("fund import", "import the fund's bank statements (camt.053, camt.054, CSV; .gz too), match credits to donors", cmdFundImport)
	register("fund suspense", "list the fund's bank credits waiting in the review queue (the suspense account)", cmdFundSuspense)
	register("fund statements", "list the fund's imported bank statements", cmdFundStatements)
	register("fund donors", "the fund's donors: fund donors import --member CODE FILE (a trusted list, in bulk)", cmdFundDonors)
	register("fund", "the solidarity fund: fund import, fund suspense, fund statements (each with --help)", func(context.Context, globals, []string) error {
		fmt.Fprint(os.Stderr, "Usage: tadamun fund import|suspense|statements|donors [flags]\n\n  fund import      "+
			"import bank statements (camt.053, camt.054, CSV) and match credits to donors\n  fund suspense    "+
			"the credits waiting for review in the suspense account\n  fund statements  the statements imported\n"+
			"  fund donors import  load a trusted file of donors in bulk (no duplicate check)\n")
		return nil
	})
}

// withFund is withServices that also gives the fund's statement service.
func withFund(ctx context.Context, g globals, fn func(s *app.Services, b *bank.Service) error) error {
	return withDB(ctx, g, func(d *db.DB) error {
		s := services(d, app.Options{})
		defer s.Close(context.WithoutCancel(ctx))
		return fn(s, s.Bank)
	})
}

const fundImportHelp = `Usage: tadamun fund import --member CODE [--account IBAN] FILE...

Imports bank statements of the solidarity fund's account, each file all or
nothing, in the order given. The format is detected: ISO 20022 camt.053
(statement) or camt.054 (debit/credit notification), versions 001.02 to
001.08, or CSV with a header row (English or Arabic names) of the columns

  date, amount, currency, debtor_name, debtor_iban, reference, bank_reference

(date YYYY-MM-DD or DD/MM/YYYY, amount in major units with '.' or '٫', a
negative amount is a debit; Western or Arabic digits). A file may be gzipped.

A file imported before (same content or message id) prints the earlier
import and writes nothing. A statement that overlaps one already imported
for the same account (statement id, sequence number, period, or a bank
reference already seen) is refused. Only booked credits become donations;
debits are listed and ignored, pending entries skipped. Credits are matched
by reference (pledge, donor, campaign code), then debtor IBAN, then the
debtor's name; the rest wait in suspense: see "tadamun fund suspense".

Flags:
`

func cmdFundImport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("fund import", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fundImportHelp)
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "member code, e.g. JO (required)")
	account := fs.String("account", "", "the fund's account (IBAN) a CSV statement is of; camt files name theirs")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	// A statement from a disk: the bulk limits, and a file as large as
	// what it unpacks to.
	lim := limits.FlagsWith(fs, limits.Bulk())
	if err := fs.Parse(args); err != nil {
		return err
	}
	l, err := lim()
	if err != nil {
		return err
	}
	if l.Upload < l.Uncompressed {
		l.Upload = l.Uncompressed
	}
	files := fs.Args()
	if *code == "" || len(files) == 0 {
		fs.Usage()
		return errors.New("fund import: give --member and at least one file")
	}
	return withFund(ctx, g, func(svc *app.Services, b *bank.Service) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		exp := m.Exponent()
		var all bank.Statement
		start := time.Now()
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			var bar *progress
			in := bank.ImportInput{MemberID: m.ID, Name: filepath.Base(name), File: f, Account: *account, Limits: &l}
			if !*quiet {
				bar = newProgress()
				in.Progress = func(n int64) { bar.update("%s: %d lines", filepath.Base(name), n) }
			}
			t := time.Now()
			st, err := b.Import(ctx, in)
			bar.done()
			f.Close()
			if err != nil {
				return err
			}
			what := "imported"
			if st.Again {
				what = "already imported, nothing written"
			}
			fmt.Printf("%s: statement %d (%s %s) %s in %.1fs\n", filepath.Base(name), st.ID, st.Format, st.MessageID, what, time.Since(t).Seconds())
			printTotals(st, m.Currency, exp)
			all.Credits += st.Credits
			all.CreditTotal += st.CreditTotal
			all.Matched += st.Matched
			all.MatchedTotal += st.MatchedTotal
			all.Unmatched += st.Unmatched
			all.UnmatchedTotal += st.UnmatchedTotal
			all.Debits += st.Debits
			all.DebitTotal += st.DebitTotal
			all.Skipped += st.Skipped
		}
		if len(files) > 1 {
			fmt.Printf("all %d files in %.1fs:\n", len(files), time.Since(start).Seconds())
			printTotals(all, m.Currency, exp)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "seconds %.1f, Go heap in use %d MiB, from the system %d MiB\n", time.Since(start).Seconds(), ms.HeapInuse>>20, ms.Sys>>20)
		return nil
	})
}

func printTotals(st bank.Statement, ccy string, exp int) {
	amt := func(v int64) string { return money.Format(v, exp) + " " + ccy }
	fmt.Printf("  credits   %9d  %s\n", st.Credits, amt(st.CreditTotal))
	fmt.Printf("  matched   %9d  %s (donations recorded)\n", st.Matched, amt(st.MatchedTotal))
	fmt.Printf("  unmatched %9d  %s (in suspense, waiting for review)\n", st.Unmatched, amt(st.UnmatchedTotal))
	fmt.Printf("  debits    %9d  %s (listed, ignored)\n", st.Debits, amt(st.DebitTotal))
	if st.Skipped > 0 {
		fmt.Printf("  skipped   %9d  (pending or information entries)\n", st.Skipped)
	}
}

func cmdFundSuspense(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("fund suspense", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tadamun fund suspense --member CODE [--limit N]\n\nLists the bank credits no donor was matched to, oldest first, with the\nsuspense account's balance. Match them on the statements page of the web UI.\n\nFlags:")
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "member code, e.g. JO (required)")
	limit := fs.Int("limit", 100, "lines to list (at most 1000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" {
		fs.Usage()
		return errors.New("fund suspense: give --member")
	}
	return withFund(ctx, g, func(svc *app.Services, b *bank.Service) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		sum, err := b.Summary(ctx, m.ID)
		if err != nil {
			return err
		}
		for ccy, v := range sum.Suspense {
			c, _ := money.Lookup(ccy)
			fmt.Printf("suspense balance: %s %s\n", money.Format(v, c.Exponent), ccy)
		}
		fmt.Printf("waiting for review: %d line(s); marked not a donation: %d\n", sum.Waiting, sum.Dismissed)
		ls, err := b.Queue(ctx, m.ID, bank.LineFilter{Limit: *limit})
		if err != nil {
			return err
		}
		for _, l := range ls {
			c, _ := money.Lookup(l.Currency)
			fmt.Printf("line %d\tstatement %d:%d\t%s\t%s %s\t%s\t%s\t%s\n", l.ID, l.ImportID, l.No, l.Booked.Format(time.DateOnly),
				money.Format(l.Amount, c.Exponent), l.Currency, l.DebtorName, l.DebtorIBAN, l.Reference)
		}
		return nil
	})
}

func cmdFundStatements(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("fund statements", flag.ContinueOnError)
	code := fs.String("member", "", "member code, e.g. JO (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" {
		fs.Usage()
		return errors.New("fund statements: give --member")
	}
	return withFund(ctx, g, func(svc *app.Services, b *bank.Service) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		sts, err := b.Statements(ctx, m.ID, 0, 100)
		if err != nil {
			return err
		}
		for _, st := range sts {
			fmt.Printf("%d\t%s\t%s\t%s\t%s\tcredits %d, matched %d, unmatched %d, debits %d\n", st.ID, st.CreatedAt.Format(time.DateTime), st.Format,
				st.FileName, st.Account, st.Credits, st.Matched, st.Unmatched, st.Debits)
		}
		return nil
	})
}

const fundDonorsImportHelp = `Usage: tadamun fund donors import --member CODE FILE

Loads a trusted file of donors of one member in bulk, all or nothing: a
migration from another donor system, a member's cleaned list. Every row is
checked and normalized as a donor typed in the web UI, but there is NO
duplicate check, neither against the donors already recorded nor within
the file: do not use it for lists nobody has cleaned (type those in, or
check the donors' duplicates page afterwards).

FILE is CSV (comma) or, when its name ends in .tsv, tab-separated, UTF-8,
with a header row naming the columns (in any order; only name is required):

  kind            individual (default), company, organization, government
  name            the donor's name
  public_name     the name shown publicly when consent_public is set
  consent_public  yes/no (1/0, true/false): consent to be named publicly
  language        ar (default) or en
  phones          phone numbers, separated by ';'
  email, address, reg_no, notes
  ibans           IBANs, separated by ';'
  refs            the donor's own reference numbers, separated by ';'

(phone, iban, reference and references are accepted for the lists).

Flags:
`

// maxDonorFile bounds a donors file.
const maxDonorFile = 1 << 30

func cmdFundDonors(ctx context.Context, g globals, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(os.Stderr, fundDonorsImportHelp)
		return errors.New("fund donors: the only subcommand is import")
	}
	fs := flag.NewFlagSet("fund donors import", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fundDonorsImportHelp)
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "member code, e.g. JO (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *code == "" || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("fund donors import: give --member and one file")
	}
	name := fs.Arg(0)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		start := time.Now()
		comma := ','
		if strings.HasSuffix(strings.ToLower(name), ".tsv") {
			comma = '\t'
		}
		ins, err := readDonorTable(io.LimitReader(f, maxDonorFile+1), comma, m.ID)
		if err != nil {
			return fmt.Errorf("fund donors import: %s: %w", name, err)
		}
		res, err := svc.Donors.CreateMany(ctx, ins)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %d donors imported in %.1fs\n", filepath.Base(name), res.Count, time.Since(start).Seconds())
		return nil
	})
}

// readDonorTable reads a donors file with a header row (see
// fundDonorsImportHelp) into donors of member.
func readDonorTable(r io.Reader, comma rune, member int64) ([]donor.Input, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.Comma, cr.ReuseRecord, cr.FieldsPerRecord = comma, true, -1
	if comma == '\t' {
		cr.LazyQuotes = true
	}
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "phone":
			h = "phones"
		case "iban":
			h = "ibans"
		case "ref", "reference", "references":
			h = "refs"
		}
		switch h {
		case "kind", "name", "public_name", "consent_public", "language", "phones", "email", "address", "reg_no", "notes", "ibans", "refs":
		default:
			return nil, fmt.Errorf("header row: unknown column %q", head[i])
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("header row: column %q twice", head[i])
		}
		col[h] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, errors.New("header row: no name column")
	}
	var out []donor.Input
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(out) == donor.MaxImport {
			return nil, fmt.Errorf("more than %d donors", donor.MaxImport)
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		list := func(c string) []string {
			if v := get(c); v != "" {
				return strings.Split(v, ";")
			}
			return nil
		}
		in := donor.Input{MemberID: member, Kind: get("kind"), Name: get("name"), PublicName: get("public_name"), Language: get("language"),
			Phones: list("phones"), Email: get("email"), Address: get("address"), RegNo: get("reg_no"), Notes: get("notes"),
			IBANs: list("ibans"), Refs: list("refs")}
		if in.Kind == "" {
			in.Kind = fund.DonorIndividual
		}
		switch strings.ToLower(get("consent_public")) {
		case "", "no", "0", "false":
		case "yes", "1", "true":
			in.ConsentPublic = true
		default:
			return nil, fmt.Errorf("line %d: consent_public is yes or no", line)
		}
		out = append(out, in)
	}
	if lr, ok := r.(*io.LimitedReader); ok && lr.N <= 0 {
		return nil, fmt.Errorf("larger than %d MiB", maxDonorFile>>20)
	}
	return out, nil
}
