package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/i18n"
)

func init() {
	register("employment match", "match every open vacancy of a member against every consenting job seeker now and keep the best of each (serve does it nightly)", employmentMatch)
}

func employmentMatch(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("employment match", flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	quiet := fs.Bool("quiet", false, "print no progress")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" {
		fs.Usage()
		return errors.New("--member is required")
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		sys := actor.System(ctx)
		m, err := svc.Members.Get(sys, *code)
		if err != nil {
			return err
		}
		var p *progress
		if !*quiet {
			p = newProgress()
		}
		r, err := svc.Match.RunNow(sys, m.ID, func(done, total int64) {
			if p != nil {
				p.update("%s", i18n.T(g.lang, "match.cli_progress", map[string]any{"done": done, "total": total}))
			}
		})
		p.done()
		if err != nil {
			return err
		}
		fmt.Println(i18n.T(g.lang, "match.cli_done", map[string]any{"run": r.ID, "vacancies": r.Vacancies, "seekers": r.Seekers, "matches": r.Matches}))
		return nil
	})
}
