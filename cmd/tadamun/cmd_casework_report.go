package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/printer"
)

func init() {
	register("casework report", "print a member's monthly care quality report to PDF (Arabic or English)", caseworkReport)
}

const caseworkReportHelp = `Usage: tadamun casework report --member CODE --month YYYY-MM [--lang ar|en] [--out FILE.pdf] [--chromium PATH]

Counts the member's care quality figures for the month — caseload per
worker, overdue follow-ups, time in each step, the share of cases meeting
each service-level target, referral completion, closure outcomes, repeat
cases within twelve months, by case type and risk level, and the twelve
months' trend — and prints the monthly report to an A4 PDF through
Chromium, in the language of --lang (a global flag). Counts only: the
report names nobody. Without --out the file is quality-CODE-YYYY-MM-LANG.pdf.
`

// caseworkReport writes a member's monthly quality report as PDF.
func caseworkReport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("casework report", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, caseworkReportHelp); fs.PrintDefaults() }
	code := fs.String("member", "", "the member's code")
	month := fs.String("month", "", "the month, YYYY-MM")
	out := fs.String("out", "", "the PDF file to write (default quality-CODE-YYYY-MM-LANG.pdf)")
	arabicDigits := fs.Bool("arabic-digits", false, "Arabic-Indic digits (Arabic reports)")
	chromium := fs.String("chromium", env("TADAMUN_CHROMIUM", ""), "Chromium or Chrome that prints the PDF (TADAMUN_CHROMIUM; default: the first on the PATH)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || *month == "" || fs.NArg() > 0 {
		fs.Usage()
		return errs.E(errs.Invalid, "error.invalid_input")
	}
	chrome := findChromium(*chromium)
	if chrome == "" {
		return printer.ErrUnavailable
	}
	return withDB(ctx, g, func(d *db.DB) error {
		s := services(d, app.Options{Print: app.PrintOptions{Chromium: chrome, Concurrent: 1}})
		defer s.Close(context.WithoutCancel(ctx))
		return writeQualityReport(actor.System(ctx), s, *code, *month, quality.ReportStyle{Lang: g.lang, ArabicDigits: *arabicDigits}, *out)
	})
}

// writeQualityReport prints member code's report for month to file out.
func writeQualityReport(ctx context.Context, s *app.Services, code, month string, st quality.ReportStyle, out string) error {
	m, err := s.Members.Get(ctx, code)
	if err != nil {
		return err
	}
	pdf, name, err := s.Quality.ReportPDF(ctx, m.ID, month, st)
	if err != nil {
		return err
	}
	if out == "" {
		out = name + "-" + string(st.Lang) + ".pdf"
	}
	if err := os.WriteFile(out, pdf, 0o644); err != nil {
		return err
	}
	fmt.Println(out)
	return nil
}
