package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/sheet"
)

func init() {
	register("dedup", "find persons registered more than once (writes member_ref,cluster_id)", dedupRun)
}

// dedupGC bounds the run's heap to what n persons need, unless the
// environment sets GOGC or GOMEMLIMIT: about 300 bytes a person (prepared
// records, blocks, references) and 256 MiB besides. Go's collector lets
// the heap grow to twice what is live by default; under the limit it
// collects sooner instead: at 10,000,000 persons peak RSS 3,215 MiB in
// 125 s, against 6,864 MiB in 130 s without the bound (bench/scale/pg.sh).
func dedupGC(n int) {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256<<20 + int64(n)*300)
	}
}

func dedupRun(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("dedup", flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	out := fs.String("out", "", "write member_ref,cluster_id of every person in a group of two or more to this CSV file (- for stdout)")
	persons := fs.String("persons", "", "read persons from this CSV file instead of the registry (columns: "+fmt.Sprint(source.CSVColumns)+"); nothing is stored")
	modelFile := fs.String("model", "", "fixed Fellegi–Sunter model (JSON, as written by --save-model) instead of estimating weights")
	saveModel := fs.String("save-model", "", "write the model used to this JSON file")
	likely := fs.Float64("likely", dedup.DefaultLikely, "match probability from which a pair is merged automatically")
	possible := fs.Float64("possible", dedup.DefaultPossible, "match probability from which a pair goes to the review queue")
	store := fs.Bool("store", true, "store candidate pairs and groups for review (registry source only)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" {
		fs.Usage()
		return fmt.Errorf("dedup: --member is required")
	}
	if !(*possible > 0 && *possible <= *likely && *likely < 1) {
		return fmt.Errorf("dedup: want 0 < --possible ≤ --likely < 1, got %v and %v", *possible, *likely)
	}
	return withDB(ctx, g, func(d *db.DB) error {
		svc := services(d, app.Options{})
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		say := func(format string, a ...any) {
			if !*quiet {
				fmt.Fprintf(os.Stderr, format+"\n", a...)
			}
		}
		started := time.Now()
		// A CSV file is read whole; the registry is read person by person
		// as the run prepares them (dedup.RunEach), never held together.
		var recs []dedup.Record
		hint := 0
		if *persons != "" {
			f, err := os.Open(*persons)
			if err != nil {
				return err
			}
			recs, err = source.CSV(*persons, f)
			f.Close()
			if err != nil {
				return err
			}
			say("%d persons of %s", len(recs), m.Code)
		} else if hint, err = source.Count(ctx, d, m.ID); err != nil {
			return err
		} else {
			say("%d persons of %s", hint, m.Code)
		}
		// Lean: the records are dropped once prepared (the run keeps
		// each one's ID and reference; no real-time check follows).
		opts := dedup.Options{CallingCode: m.CallingCode, Likely: *likely, Possible: *possible, Lean: true}
		if *modelFile != "" {
			b, err := os.ReadFile(*modelFile)
			if err != nil {
				return err
			}
			if opts.Model, err = dedup.ParseModel(b); err != nil {
				return err
			}
		}
		dedupGC(max(hint, len(recs)))
		st := svc.Dedup
		fromRegistry := *persons == ""
		if fromRegistry {
			if opts.Rejected, opts.Confirmed, err = st.Decisions(ctx, m.ID); err != nil {
				return err
			}
		}
		last := ""
		opts.Progress = func(stage string, done, total int) {
			if stage != last {
				last = stage
				say("%s… (%.1fs)", stage, time.Since(started).Seconds())
			}
		}
		var res *dedup.Result
		if *persons != "" {
			res, err = dedup.Run(ctx, recs, opts)
		} else {
			res, err = dedup.RunEach(ctx, hint, func(fn func(*dedup.Record) error) error {
				return source.Each(ctx, d, m.ID, func(n int) { say("read %d persons", n) }, fn)
			}, opts)
		}
		if err != nil {
			return err
		}
		s := res.Stats
		say("compared %d pairs in %.1fs: %d likely, %d to review, %d groups", s.Compared, time.Since(started).Seconds(), s.Likely, s.Possible, s.Groups)
		if *saveModel != "" {
			b, err := json.MarshalIndent(res.Model, "", "  ")
			if err != nil {
				return err
			}
			if err := os.WriteFile(*saveModel, b, 0o644); err != nil {
				return err
			}
		}
		if fromRegistry && *store {
			info, err := st.SaveRun(ctx, m.ID, res, started)
			if err != nil {
				return err
			}
			say("stored run %d", info.ID)
		}
		if *out != "" {
			return writeClusters(*out, res)
		}
		return nil
	})
}

// writeClusters writes member_ref,cluster_id for every grouped person; the
// cluster id is the smallest person id of the group.
func writeClusters(path string, res *dedup.Result) error {
	w := os.Stdout
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"member_ref", "cluster_id"}); err != nil {
		return err
	}
	for _, grp := range res.Groups {
		ids := make([]int64, len(grp))
		for i, x := range grp {
			ids[i] = res.Index.Record(x).ID
		}
		cid := strconv.FormatInt(slices.Min(ids), 10)
		for _, x := range grp {
			if err := cw.Write([]string{sheet.Text(res.Index.Record(x).Ref), cid}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if path != "-" {
		return w.Close()
	}
	return nil
}
