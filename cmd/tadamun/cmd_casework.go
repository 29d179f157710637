package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/i18n"
)

func init() {
	register("casework import", "import existing cases from CSV or XLSX, all or nothing (--member CODE FILE)", caseworkImport)
}

func caseworkImport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("casework import", flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || fs.NArg() != 1 {
		return errors.New("usage: tadamun casework import --member CODE FILE.csv|FILE.xlsx\n" +
			"columns: type_code, household_ref, owner (required); person_ref, office, status, risk_level, opened_on,\n" +
			"consent_kind, consent_by, consent_scope, consent_on, legal_ground, note")
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
		out, err := svc.Cases.Import(ctx, m.ID, filepath.Base(name), f)
		if err != nil {
			return err
		}
		fmt.Println(i18n.T(g.lang, "casework.import_done", map[string]any{"n": out.Cases, "first": first(out.Numbers), "last": last(out.Numbers)}))
		return nil
	})
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func last(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}
