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
	register("referral sweep", "escalate late referral follow-ups to the case's supervisor now (serve does it every --sweep-every)", referralSweep)
	register("referral import", "import a member's service directory from CSV or XLSX, all or nothing", referralImport)
}

func referralSweep(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("referral sweep", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		es, err := svc.Referrals.Sweep(actor.System(ctx))
		if err != nil {
			return err
		}
		fmt.Println(i18n.TN(g.lang, "referral.cli_escalated", int64(len(es)), map[string]any{"n": len(es)}))
		return nil
	})
}

func referralImport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("referral import", flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	file := fs.String("file", "", "the directory, .csv or .xlsx (required); columns name_ar, name_en, kind, contact, address, hours, areas, services, active")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || *file == "" {
		fs.Usage()
		return errors.New("--member and --file are required")
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	return withServices(ctx, g, func(svc *app.Services) error {
		sys := actor.System(ctx)
		m, err := svc.Members.Get(sys, *code)
		if err != nil {
			return err
		}
		res, err := svc.Referrals.ImportProviders(sys, m.ID, filepath.Base(*file), f)
		if err != nil {
			return err
		}
		fmt.Println(i18n.T(g.lang, "referral.import_done", map[string]any{"created": res.Created, "updated": res.Updated}))
		return nil
	})
}
