package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/registry"
)

func init() {
	register("import", "import households and members (two CSV files or one .xlsx), all or nothing", cmdImport)
	register("registry template", "write the import template (households.csv, members.csv and template.xlsx)", cmdRegistryTemplate)
}

// importGCPercent is the import's GOGC. The import holds what it read
// until the end (all or nothing): about 250 bytes a new person, mostly in
// large arrays without pointers, which the collector does not scan. With
// Go's default of 100 the heap grows to twice that; at 40, to 1.4 times:
// at 1,000,000 persons peak RSS 433 MiB instead of 590 MiB, for 11% more
// CPU time, and a 10,000,000-person import stays under 4 GiB.
const importGCPercent = 40

// importGC sets the import's GOGC, unless the environment sets GOGC.
func importGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(importGCPercent)
	}
}

func cmdImport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tadamun import --member CODE households.csv members.csv\n       tadamun import --member CODE registry.xlsx")
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "member code, e.g. JO (required)")
	encoding := fs.String("encoding", "", "encoding of CSV files: utf-8 (default) or windows-1256")
	dry := fs.Bool("dry-run", false, "validate everything and write nothing")
	report := fs.String("report", "", "write the problems of a failed import to this CSV file (file,row,column,message)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	confirmDups := fs.Bool("confirm-duplicates", false, "import even if new persons are likely registered already, or likely the same person as an earlier row of the files, listing both (the confirmation is recorded in the audit log); without it such a person refuses the import. Possible duplicates are always listed")
	fs.Bool("check-duplicates", true, "ignored: every new person is checked against the registry and against the rows before it in the files")
	fs.Bool("no-duplicates", true, "ignored: a likely duplicate refuses the import unless --confirm-duplicates")
	// A bulk load from a disk: larger rows and unpacked-size limits than a
	// web upload (limits.Bulk).
	lim := limits.FlagsWith(fs, limits.Bulk())
	if err := fs.Parse(args); err != nil {
		return err
	}
	l, err := lim()
	if err != nil {
		return err
	}
	files := fs.Args()
	if *code == "" || (len(files) != 2 && (len(files) != 1 || !strings.EqualFold(filepath.Ext(files[0]), ".xlsx"))) {
		fs.Usage()
		return errors.New("import: give --member and two CSV files or one .xlsx file")
	}
	importGC()
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		opt := registry.ImportOptions{Encoding: *encoding, DryRun: *dry, ConfirmDuplicates: *confirmDups, Limits: l}
		start := time.Now()
		var bar *progress
		if !*quiet {
			bar = newProgress()
			opt.Progress = func(file string, rows int) {
				bar.update("%s: %d rows", file, rows)
			}
		}
		s := svc.Registry
		var b registry.ImportBatch
		if len(files) == 1 {
			f, ferr := os.Open(files[0])
			if ferr != nil {
				return ferr
			}
			defer f.Close()
			b, err = s.ImportXLSX(ctx, m.ID, filepath.Base(files[0]), f, opt)
		} else {
			hf, ferr := os.Open(files[0])
			if ferr != nil {
				return ferr
			}
			defer hf.Close()
			mf, ferr := os.Open(files[1])
			if ferr != nil {
				return ferr
			}
			defer mf.Close()
			b, err = s.ImportCSV(ctx, m.ID, filepath.Base(files[0]), hf, filepath.Base(files[1]), mf, opt)
		}
		bar.done()
		if err != nil {
			fails := registry.Failures(err)
			if len(fails) == 0 || errs.CodeOf(err) != errs.Invalid {
				return err
			}
			// Every problem with its file, row and column; the summary
			// line is main's.
			for _, f := range fails {
				fmt.Fprintln(os.Stderr, problemLine(g.lang, f))
			}
			if *report != "" {
				if werr := writeImportReport(*report, g.lang, err); werr != nil {
					return errors.Join(err, werr)
				}
				fmt.Fprintf(os.Stderr, "problems written to %s\n", *report)
			}
			e := errs.As(err)
			sum := errs.E(e.Code, e.Key, "count", len(fails))
			for k, v := range e.Args {
				sum.Args[k] = v
			}
			return sum
		}
		el := time.Since(start)
		for _, x := range b.Duplicates {
			fmt.Println(importDuplicateLine(g.lang, x))
		}
		if b.DuplicatesFound > len(b.Duplicates) {
			fmt.Println(i18n.T(g.lang, "dedupgate.import_duplicates_more", map[string]any{"count": b.DuplicatesFound - len(b.Duplicates)}))
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		verb := "imported"
		if *dry {
			verb = "checked (dry run, nothing written)"
		}
		fmt.Printf("%s: %d households new, %d updated; %d persons new, %d updated; %d likely duplicates (confirmed), %d possible; batch %d, sha256 %s; %.1fs, %.0f persons/s\n",
			verb, b.HouseholdsNew, b.HouseholdsUpd, b.PersonsNew, b.PersonsUpd, b.DuplicatesLikely, b.DuplicatesFound-b.DuplicatesLikely, b.ID, b.SHA256, el.Seconds(),
			float64(b.PersonsNew+b.PersonsUpd)/el.Seconds())
		return nil
	})
}

// writeImportReport writes every problem as file,row,column,message.
func writeImportReport(path string, lang i18n.Lang, err error) error {
	f, ferr := os.Create(path)
	if ferr != nil {
		return ferr
	}
	defer f.Close()
	if err := registry.WriteReportCSV(f, lang, err); err != nil {
		return err
	}
	return f.Close()
}

func cmdRegistryTemplate(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("registry template", flag.ContinueOnError)
	dir := fs.String("dir", ".", "directory to write households.csv, members.csv and template.xlsx into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, t := range []struct {
		name  string
		write func(f *os.File) error
	}{
		{"households.csv", func(f *os.File) error { return registry.WriteTemplateCSV(f, "households") }},
		{"members.csv", func(f *os.File) error { return registry.WriteTemplateCSV(f, "members") }},
		{"template.xlsx", func(f *os.File) error { return registry.WriteTemplateXLSX(f) }},
	} {
		f, err := os.Create(filepath.Join(*dir, t.name))
		if err != nil {
			return err
		}
		if err := t.write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Println(filepath.Join(*dir, t.name))
	}
	return nil
}

// importDuplicateLine is the line `tadamun import` prints for a new person
// that may be registered already.
func importDuplicateLine(l i18n.Lang, x registry.ImportDuplicate) string {
	if x.Of.InFile() {
		key := "infile.import_possible_line"
		if x.Of.Likely() {
			key = "infile.import_likely_line"
		}
		return i18n.T(l, key, map[string]any{"file": x.File, "row": x.Row, "ref": x.Ref, "name": x.Name,
			"other_row": x.Of.Row, "other": x.Of.Ref, "other_name": x.Of.Name, "probability": fmt.Sprintf("%.4f", x.Of.Probability),
			"why": registry.DuplicateWhy(l, x.Of.Why)})
	}
	key := "dedupgate.import_possible_line"
	if x.Of.Likely() {
		key = "dedupgate.import_likely_line"
	}
	return i18n.T(l, key, map[string]any{"file": x.File, "row": x.Row, "ref": x.Ref,
		"other": x.Of.Ref, "household": x.Of.HouseholdRef, "probability": fmt.Sprintf("%.4f", x.Of.Probability)})
}

// problemLine is one problem of a refused import as the command prints it,
// in the user's language; a problem of a whole row names no column.
func problemLine(l i18n.Lang, f registry.ImportFailure) string {
	args := map[string]any{"file": f.File, "row": f.Row, "column": f.Column, "message": i18n.T(l, f.Key, f.Args)}
	if f.Column == "" {
		return i18n.T(l, "cli.problem_at_row", args)
	}
	return i18n.T(l, "cli.problem_at_cell", args)
}
