package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/training"
)

func init() {
	register("training import-courses", "import training courses (and their sessions) from CSV or XLSX, all or nothing (--member CODE FILE)", trainingImport)
}

func trainingImport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("training import-courses", flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: tadamun training import-courses --member CODE FILE.csv|FILE.xlsx\n\n"+
			"One course a row; the first row names the columns, in any order:\n  %s\n"+
			"title_ar, audience (youth, families, job_seekers, social_workers, staff) and capacity are required.\n"+
			"provider_kind is office (the default; provider names it) or partner (partner_id or pledge_id).\n"+
			"sessions: \"YYYY-MM-DD HH:MM-HH:MM\" in the member's time, separated by \";\".\n"+
			"The file is imported whole or not at all: every problem is printed with its row and column.\n\n", strings.Join(training.ImportColumns, ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("training import-courses: --member and one file are required")
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
		var bar *progress
		var fn func(done, total int)
		if !*quiet {
			bar = newProgress()
			fn = func(done, total int) { bar.update("%s: %d of %d rows", filepath.Base(name), done, total) }
		}
		res, err := svc.Training.ImportCourses(ctx, m.ID, filepath.Base(name), f, fn)
		bar.done()
		if err != nil {
			return err
		}
		fmt.Println(i18n.T(g.lang, "training.import_done", map[string]any{"courses": res.Courses, "sessions": res.Sessions}))
		return nil
	})
}
