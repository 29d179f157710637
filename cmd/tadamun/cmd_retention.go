package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/retention"
)

func init() {
	register("retention run", "delete stored copies of personal data past each member's retention period (--dry-run: only say what)", retentionRun)
	register("retention set", "set a member's retention period in days (default 30)", retentionSet)
}

const retentionRunHelp = `Usage: tadamun [--db PATH|URL] retention run [--dry-run]

Deletes, for every member, the stored copies of personal data older than the member's retention
period (default 30 days; "tadamun retention set"): the answers of DCI transactions kept for status
queries (the transaction and its status stay), printed batches kept for download, and the contents
of the personal attachments of coordination requests that ended. Each deletion adds an audit record
with its count; the audit log's records are never changed, so "tadamun audit verify" still passes.
"tadamun serve" runs this every --retention-every (24h). With --dry-run nothing is deleted: the
report says what would be.

Flags:
`

func retentionRun(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("retention run", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), retentionRunHelp); fs.PrintDefaults() }
	dry := fs.Bool("dry-run", false, "only say what would be deleted")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(s *app.Services) error {
		rep, err := s.Retention.Run(actor.System(ctx), *dry)
		if err != nil {
			return err
		}
		printRetention(rep)
		return nil
	})
}

func printRetention(rep retention.Report) {
	verb := "deleted"
	if rep.DryRun {
		verb = "would delete"
	}
	for _, m := range rep.Members {
		fmt.Printf("%s: %d days, copies stored before %s\n", m.Member, m.Days, m.Before.Format(time.RFC3339))
		for _, it := range m.Items {
			fmt.Printf("  %-26s %s %d\n", it.Kind, verb, it.Count)
		}
	}
	fmt.Printf("total: %s %d\n", verb, rep.Total())
}

func retentionSet(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("retention set", flag.ContinueOnError)
	code := fs.String("member", "", "member code, e.g. JO")
	days := fs.Int("days", retention.DefaultDays, fmt.Sprintf("days to keep stored copies of personal data (1 to %d)", retention.MaxDays))
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(s *app.Services) error {
		sys := actor.System(ctx)
		m, err := s.Members.Get(sys, *code)
		if err != nil {
			return err
		}
		if err := s.Retention.SetPeriod(sys, m.ID, *days); err != nil {
			return err
		}
		fmt.Printf("%s keeps stored copies of personal data %d days\n", m.Code, *days)
		return nil
	})
}
