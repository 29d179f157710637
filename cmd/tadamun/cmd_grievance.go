package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/i18n"
)

func init() {
	register("grievance sweep", "warn about grievances near their deadline and escalate late ones (run every few minutes)", grievanceSweep)
	register("grievance stats", "print a member's grievance statistics as JSON", grievanceStats)
}

func grievanceSweep(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("grievance sweep", flag.ContinueOnError)
	every := fs.Duration("every", 0, "repeat at this interval until stopped (0: once)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		s := svc.Grievances
		for {
			alerts, err := s.Sweep(actor.System(ctx))
			if err != nil {
				return err
			}
			for _, a := range alerts {
				fmt.Println(i18n.T(g.lang, "grievance.alert."+a.Kind, map[string]any{"number": a.Number, "due": a.DueAt.Format("2006-01-02 15:04 MST")}))
			}
			if *every <= 0 {
				return nil
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(*every):
			}
		}
	})
}

func grievanceStats(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("grievance stats", flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	from := fs.String("from", time.Now().AddDate(0, 0, -90).Format("2006-01-02"), "first day, YYYY-MM-DD")
	to := fs.String("to", time.Now().AddDate(0, 0, 1).Format("2006-01-02"), "day after the last, YYYY-MM-DD")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := time.Parse("2006-01-02", *from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	t, err := time.Parse("2006-01-02", *to)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		st, err := svc.Grievances.Stats(ctx, m.ID, f, t)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	})
}
