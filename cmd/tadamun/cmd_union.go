package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/union"
)

// The union level from the command line: a node makes and pushes its
// signed reports; a hub records nodes and pulls their reports. serve does
// the same on a schedule (--role, --hub, --report-every, --pull-every).
func init() {
	register("union publish", "make and sign this node's reports to the union now (union publish [--member CODE])", cmdUnionPublish)
	register("union push", "send the reports the union hub does not have, in order (union push --hub URL)", cmdUnionPush)
	register("union pull", "on the hub: pull the reports of the nodes that have a pull address (union pull [--member CODE])", cmdUnionPull)
	register("union node", "on the hub: record a member node (union node --member CODE --name-ar NAME --key KEY [--pull-url URL] [--population N --year Y])", cmdUnionNode)
	register("union", "the union level: union publish, push, pull, node (each with --help)", func(context.Context, globals, []string) error {
		fmt.Fprint(os.Stderr, "Usage: tadamun union publish|push|pull|node [flags]\n\n"+
			"  union publish  make and sign this node's reports (public figures, the audit checkpoint)\n"+
			"  union push     send them to the hub, in order; what the hub has is not sent again\n"+
			"  union pull     on the hub: ask the nodes for the reports it does not have\n"+
			"  union node     on the hub: record a node's member code, verifier key, address, population\n")
		return nil
	})
}

// withUnion runs fn with services whose audit log signs the reports.
func withUnion(ctx context.Context, g globals, fn func(u *union.Service) error) error {
	return withDB(ctx, g, func(d *db.DB) error {
		l, err := openLog(d, g)
		if err != nil {
			return err
		}
		s := services(d, app.Options{Audit: l})
		defer s.Close(context.WithoutCancel(ctx))
		return fn(s.Union)
	})
}

func cmdUnionPublish(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("union publish", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tadamun union publish [--member CODE]\n\nMakes a report of each member (or of one) — the portal statistics with small\ncounts hidden, SDG 1.3.1, programs, complaints, care quality, the fund — signs it\nwith the audit log's key and puts it in the outbox, numbered after the last one.\n\nFlags:")
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "one member's code; default every member")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withUnion(ctx, g, func(u *union.Service) error {
		out, err := u.Publish(actor.System(ctx), strings.ToUpper(*code))
		for _, o := range out {
			fmt.Printf("%s report %d of %s (audit log of %d records)\n", o.Member, o.Seq, o.AsOf, o.Size)
		}
		return err
	})
}

func cmdUnionPush(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("union push", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tadamun union push --hub URL\n\nAsks the hub what it has of each member, then sends the rest of the outbox,\nin order, each with the proof that the audit log extends what the hub saw.\nRunning it again sends nothing twice.\n\nFlags:")
		fs.PrintDefaults()
	}
	hub := fs.String("hub", os.Getenv("TADAMUN_HUB"), "the hub's address, https://… (TADAMUN_HUB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *hub == "" {
		fs.Usage()
		return errors.New("union push: give --hub")
	}
	return withUnion(ctx, g, func(u *union.Service) error {
		n, err := u.Push(actor.System(ctx), *hub)
		fmt.Printf("%d reports sent\n", n)
		return err
	})
}

func cmdUnionPull(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("union pull", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tadamun union pull [--member CODE]\n\nOn the hub: asks every node that has a pull address (or one) for the reports\nthe hub does not have, checks each signature and audit checkpoint, and stores them.\n\nFlags:")
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "one member's code; default every node")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withUnion(ctx, g, func(u *union.Service) error {
		n, err := u.Pull(actor.System(ctx), strings.ToUpper(*code))
		fmt.Printf("%d reports stored\n", n)
		return err
	})
}

func cmdUnionNode(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("union node", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tadamun union node --member CODE --name-ar NAME --key KEY [--name-en NAME] [--pull-url URL] [--population N --year Y]\n\nOn the hub: records (or changes) a member's node. KEY is the verifier key of the\nnode's audit log (GET /api/v1/audit/key on the node). Without --pull-url the node\npushes its reports; with it the hub also pulls them.\n\nFlags:")
		fs.PrintDefaults()
	}
	var in union.NodeInput
	fs.StringVar(&in.Member, "member", "", "the member's code (required)")
	fs.StringVar(&in.NameAR, "name-ar", "", "the member's name in Arabic (required)")
	fs.StringVar(&in.NameEN, "name-en", "", "the member's name in English")
	fs.StringVar(&in.Key, "key", "", "the node's audit verifier key (required)")
	fs.StringVar(&in.PullURL, "pull-url", "", "the node's address, for the hub to pull from")
	fs.Int64Var(&in.Population, "population", 0, "the member's population (the SDG 1.3.1 denominator)")
	fs.IntVar(&in.PopYear, "year", 0, "the year of the population count")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withUnion(ctx, g, func(u *union.Service) error {
		n, err := u.SaveNode(actor.System(ctx), in)
		if err == nil {
			fmt.Printf("node %s recorded\n", n.Member)
		}
		return err
	})
}
