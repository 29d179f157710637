package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

func init() {
	register("demo", "fill the database with a synthetic demo member, users for every role and data", demoCmd)
}

func demoCmd(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withDB(ctx, g, func(d *db.DB) error {
		if err := demo.Load(ctx, d, func(s string) { fmt.Fprintln(os.Stderr, "demo:", s) }); err != nil {
			return err
		}
		fmt.Printf("Demo accounts (password %q):\n", demo.Password)
		for _, a := range demo.Accounts {
			m := a.Member
			if m == "" {
				m = "union"
			}
			fmt.Printf("  %-15s %-18s %s\n", a.Username, a.Role, m)
		}
		return nil
	})
}
