package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund/transparency"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/sheet"
)

func init() {
	register("fund report", "print the fund's public figures of a member (money in, out, balances) as text, CSV or XLSX", fundReport)
}

const fundReportHelp = `Usage: tadamun fund report --member CODE [--year YYYY] [--months 12|24] [--format text|csv|xlsx] [--out FILE]

Prints the solidarity fund's figures of a member exactly as the public
ledger on the portal shows them (/portal/fund): money in by month and donor
type, money allocated to each program, balances by restriction (zakat apart)
and the suspense account. Small cells are merged or hidden by the same rule
as the portal. Without --year, the last 12 (or 24) months. CSV and text go
to standard output unless --out names a file; XLSX needs --out.
`

// fundReport prints a member's public fund figures.
func fundReport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("fund report", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, fundReportHelp); fs.PrintDefaults() }
	code := fs.String("member", "", "the member's code")
	year := fs.Int("year", 0, "the year (default: the last months)")
	months := fs.Int("months", 12, "12 or 24: the last months, without --year")
	format := fs.String("format", "text", "text, csv or xlsx")
	out := fs.String("out", "", "the file to write (default: standard output; required for xlsx)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || fs.NArg() > 0 || (*format != "text" && *format != "csv" && *format != "xlsx") || (*format == "xlsx" && *out == "") {
		fs.Usage()
		return errs.E(errs.Invalid, "error.invalid_input")
	}
	return withServices(ctx, g, func(s *app.Services) error {
		f, err := s.FundPublic.Figures(actor.System(ctx), transparency.Query{Member: *code, Year: *year, Months: *months})
		if err != nil {
			return err
		}
		rows := fundReportRows(g.lang, f)
		var w io.Writer = os.Stdout
		if *out != "" && *format != "xlsx" {
			file, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer file.Close()
			w = file
		}
		switch *format {
		case "csv":
			cw := csv.NewWriter(w)
			for _, r := range rows {
				if err := cw.Write(sheet.Texts(r...)); err != nil {
					return err
				}
			}
			cw.Flush()
			return cw.Error()
		case "xlsx":
			x := excelize.NewFile()
			defer x.Close()
			for i, r := range rows {
				vals := make([]any, len(r))
				for j, c := range r {
					vals[j] = sheet.Text(c)
				}
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := x.SetSheetRow("Sheet1", cell, &vals); err != nil {
					return err
				}
			}
			if g.lang == i18n.AR {
				rtl := true
				if err := x.SetSheetView("Sheet1", 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
					return err
				}
			}
			return x.SaveAs(*out)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			for j, c := range r {
				if j > 0 {
					fmt.Fprint(tw, "\t")
				}
				fmt.Fprint(tw, c)
			}
			fmt.Fprintln(tw)
		}
		return tw.Flush()
	})
}

// fundReportRows lays the figures out as rows: a section's title, its
// header, its lines, and an empty row between sections.
func fundReportRows(l i18n.Lang, f transparency.Figures) [][]string {
	t := func(key string, kv ...any) string {
		args := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return i18n.T(l, key, args)
	}
	if f.Empty {
		return [][]string{{t("fund_public.empty")}}
	}
	exp := 2
	if c, ok := money.Lookup(f.Currency); ok {
		exp = c.Exponent
	}
	amt := func(v int64) string { return money.Format(v, exp) }
	cell := func(c transparency.Cell) string {
		switch {
		case c.Hidden:
			return t("fund_public.fewer")
		case c.Merged:
			return t("fund_public.in_other")
		}
		return amt(c.Amount)
	}
	name := func(ar, en string) string {
		if l == i18n.EN && en != "" {
			return en
		}
		return ar
	}
	period := strconv.Itoa(f.Year)
	if f.Year == 0 {
		period = t("fund_public.last_months", "n", f.Months)
	}
	rows := [][]string{{t("fund_public.title"), name(f.Member.NameAR, f.Member.NameEN), period, f.Currency}, {}}
	head := []string{t("fund_public.month")}
	for _, k := range transparency.Sources {
		head = append(head, t("fund_public.source."+k))
	}
	head = append(head, t("fund_public.total"))
	rows = append(rows, []string{t("fund_public.in_table", "currency", f.Currency)}, head)
	for _, m := range f.In {
		r := []string{fmt.Sprintf("%04d-%02d", m.Month/100, m.Month%100)}
		for _, k := range transparency.Sources {
			r = append(r, cell(m.Sources[k]))
		}
		rows = append(rows, append(r, cell(m.Total)))
	}
	tot := []string{t("fund_public.total")}
	for _, k := range transparency.Sources {
		tot = append(tot, cell(f.InBy[k]))
	}
	rows = append(rows, append(tot, cell(f.InTotal)), []string{})
	rows = append(rows, []string{t("fund_public.out_title")}, []string{t("fund_public.program"), t("fund_public.amount")})
	for _, o := range f.Out {
		n := name(o.NameAR, o.NameEN)
		if n == "" {
			n = strconv.FormatInt(o.ProgramID, 10)
		}
		rows = append(rows, []string{n, amt(o.Amount)})
	}
	rows = append(rows, []string{t("fund_public.total"), amt(f.OutTotal)}, []string{})
	pools := func(title string, ps []transparency.Pool) {
		rows = append(rows, []string{t(title)}, []string{t("fund_public.pool"), t("fund_public.pool_in"), t("fund_public.pool_out"), t("fund_public.pool_balance")})
		for _, p := range ps {
			label := p.Key
			if n := name(p.NameAR, p.NameEN); n != "" {
				label += " — " + n
			}
			if p.Hidden {
				rows = append(rows, []string{label, t("fund_public.fewer")})
				continue
			}
			rows = append(rows, []string{label, amt(p.In), amt(p.Out), amt(p.Balance)})
		}
		rows = append(rows, []string{})
	}
	pools("fund_public.balances_title", f.Pools)
	pools("fund_public.zakat_title", f.Zakat)
	rows = append(rows, []string{t("fund_public.suspense"), amt(f.Suspense)})
	return rows
}
