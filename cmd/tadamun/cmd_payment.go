package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/payment"
)

func init() {
	register("payment batches", "list a payment cycle's batches as JSON", paymentBatches)
	register("payment export", "export a payment batch: pain.001 for a bank, CSV for wallet and cash (once; --again writes it again)", paymentExport)
	register("payment status", "import a status file (pain.002, camt.053 statement, camt.054 notification or CSV), all or nothing", paymentStatus)
	register("payment reconcile", "print a payment cycle's reconciliation as JSON", paymentReconcile)
	register("ledger balances", "print ledger balances and the trial balance as JSON", ledgerBalances)
}

// paymentFlags parses the flags every payment command shares plus the
// command's own, and returns the member's id inside withDB.
func paymentFlags(name string, args []string, own func(fs *flag.FlagSet)) (*flag.FlagSet, *string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	own(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if *code == "" {
		fs.Usage()
		return nil, nil, fmt.Errorf("%s: --member is required", name)
	}
	return fs, code, nil
}

func paymentJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func paymentBatches(ctx context.Context, g globals, args []string) error {
	var cycle *int64
	_, code, err := paymentFlags("payment batches", args, func(fs *flag.FlagSet) {
		cycle = fs.Int64("cycle", 0, "payment cycle id (required)")
	})
	if err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		bs, err := svc.Payments.Batches(ctx, m.ID, *cycle)
		if err != nil {
			return err
		}
		return paymentJSON(bs)
	})
}

func paymentExport(ctx context.Context, g globals, args []string) error {
	var batch *int64
	var out *string
	var again *bool
	_, code, err := paymentFlags("payment export", args, func(fs *flag.FlagSet) {
		batch = fs.Int64("batch", 0, "batch id (required; see payment batches)")
		out = fs.String("out", "", "file to write (default the batch's file name in the current directory; - for stdout)")
		again = fs.Bool("again", false, "write an already exported batch's file again instead of exporting it")
	})
	if err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		s := svc.Payments
		var w io.Writer = os.Stdout
		var f *os.File
		if *out != "-" {
			// The name is known only after the batch is read; write to a
			// temporary file next to the target and rename it at the end,
			// so that a half-written file never carries the batch's name.
			f, err = os.CreateTemp(".", ".payment-*")
			if err != nil {
				return err
			}
			defer os.Remove(f.Name())
			defer f.Close()
			w = f
		}
		var b payment.Batch
		if *again {
			b, err = s.Download(ctx, m.ID, *batch, w)
		} else {
			b, err = s.Export(ctx, m.ID, *batch, w)
		}
		if err != nil {
			return err
		}
		if f != nil {
			if err := f.Close(); err != nil {
				return err
			}
			name := *out
			if name == "" {
				name = b.FileName()
			}
			if err := os.Rename(f.Name(), name); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s: %d payments, total %d minor units\n", name, b.Count, b.Total)
		}
		return nil
	})
}

func paymentStatus(ctx context.Context, g globals, args []string) error {
	var file, format *string
	_, code, err := paymentFlags("payment status", args, func(fs *flag.FlagSet) {
		file = fs.String("file", "", "status file (required)")
		format = fs.String("format", "", "pain.002, camt.053 (bank statement), camt.054 (debit notification) or csv (default: the file's own, from its ISO 20022 namespace; csv when it is not XML)")
	})
	if err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		imp, err := svc.Payments.ImportStatus(ctx, m.ID, *format, f)
		if err != nil {
			return err
		}
		return paymentJSON(imp)
	})
}

func paymentReconcile(ctx context.Context, g globals, args []string) error {
	var cycle *int64
	_, code, err := paymentFlags("payment reconcile", args, func(fs *flag.FlagSet) {
		cycle = fs.Int64("cycle", 0, "payment cycle id (required)")
	})
	if err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		r, err := svc.Payments.Reconcile(ctx, m.ID, *cycle)
		if err != nil {
			return err
		}
		return paymentJSON(r)
	})
}

func ledgerBalances(ctx context.Context, g globals, args []string) error {
	var prefix, at *string
	_, code, err := paymentFlags("ledger balances", args, func(fs *flag.FlagSet) {
		prefix = fs.String("prefix", "", "only accounts whose code starts with this, for example program:7:")
		at = fs.String("at", "", "balances at the end of this day (YYYY-MM-DD, UTC); default now")
	})
	if err != nil {
		return err
	}
	var when time.Time
	if *at != "" {
		t, err := time.Parse(time.DateOnly, *at)
		if err != nil {
			return fmt.Errorf("ledger balances: --at %q: want YYYY-MM-DD", *at)
		}
		when = t.Add(24*time.Hour - time.Nanosecond)
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		l := svc.Ledger
		bs, err := l.Balances(ctx, m.ID, *prefix, when)
		if err != nil {
			return err
		}
		tb, err := l.TrialBalance(ctx, m.ID, when)
		if err != nil {
			return err
		}
		return paymentJSON(map[string]any{"balances": bs, "trial_balance": tb})
	})
}
