package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/crossborder"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup/pprl"
)

func init() {
	register("crossborder secret", "create the secret the member nodes share for cross-border duplicate encodings (once, for the whole union)", cmdCrossborderSecret)
	register("crossborder encode", "write the encoding file of a member's persons for the union's hub (no names, no ids)", cmdCrossborderEncode)
	register("crossborder compare", "the hub: compare members' encoding files, write each member's answer (no database)", cmdCrossborderCompare)
	register("crossborder import", "read the hub's answer into the member's cross-border duplicate queue", cmdCrossborderImport)
}

const crossborderHelp = `Cross-border duplicates without names (issue 19 item 2).

Each member node encodes its persons with a secret all member nodes share
and the union's hub never sees; the hub compares the files and tells each
node which of its persons may be registered in another member; the node
reviews them on /dedup/crossborder.

  1. once, on one node:   tadamun crossborder secret --out tadamun-crossborder.key
     then give the file to every other member node out of band (in person,
     or an encrypted channel the hub does not carry); never to the hub.
  2. each node:           tadamun crossborder encode --member JO --out JO.enc
  3. the hub:             tadamun crossborder compare --out answers/ JO.enc EG.enc
  4. each node:           tadamun crossborder import --member JO answers/JO.pairs

`

func secretFlag(fs *flag.FlagSet) *string {
	return fs.String("secret", env("TADAMUN_CROSSBORDER_KEY", crossborder.DefaultKeyFile), "the shared secret's key file (made by tadamun crossborder secret)")
}

func cmdCrossborderSecret(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("crossborder secret", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), crossborderHelp+"Usage: tadamun crossborder secret --out FILE\n\nCreates a new secret; refuses to overwrite a file.\n\n")
		fs.PrintDefaults()
	}
	out := fs.String("out", "", "the key file to create (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("crossborder secret: --out is required")
	}
	s, err := pprl.NewSecret()
	if err != nil {
		return err
	}
	b, _ := s.MarshalText()
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("crossborder secret: %w (an existing secret is never replaced: every node would have to re-encode)", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (check value %s): give it to the other member nodes out of band, never to the hub\n", *out, s.Check())
	return nil
}

func readSecret(path string) (pprl.Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return pprl.Secret{}, fmt.Errorf("%w (create the union's secret once with tadamun crossborder secret --out FILE and share it out of band)", err)
	}
	s, err := pprl.ParseSecret(b)
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func cmdCrossborderEncode(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("crossborder encode", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), crossborderHelp+"Usage: tadamun crossborder encode --member CODE --out FILE\n\n")
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "member code, e.g. JO (required)")
	out := fs.String("out", "", "the encoding file to write (required)")
	secret := secretFlag(fs)
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || *out == "" {
		fs.Usage()
		return errors.New("crossborder encode: --member and --out are required")
	}
	sec, err := readSecret(*secret)
	if err != nil {
		return err
	}
	return withDB(ctx, g, func(d *db.DB) error {
		svc := services(d, app.Options{})
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		cb := crossborder.New(d, crossborder.Options{Registry: svc.Registry, Members: svc.Members, Secret: &sec, Clock: svc.Clock, Limits: svc.Limits})
		tmp := *out + ".part"
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		var p *progress
		if !*quiet {
			p = newProgress()
		}
		res, err := cb.Encode(ctx, m.ID, f, func(n int) {
			if p != nil {
				p.update("encoded %d persons", n)
			}
		})
		p.done()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(tmp)
			return err
		}
		if err := os.Rename(tmp, *out); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "encoded %d persons of %s into %s (batch %d, check value %s)\n", res.Persons, m.Code, *out, res.BatchID, res.Check)
		return nil
	})
}

func cmdCrossborderCompare(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("crossborder compare", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), crossborderHelp+"Usage: tadamun crossborder compare --out DIR FILE FILE...\n\nWrites DIR/<member>.pairs for each member. Needs no database and no secret.\nFiles encoded with another secret are refused, by their check value or,\nif that was copied, by their scores (all at chance level).\n\n")
		fs.PrintDefaults()
	}
	out := fs.String("out", "", "directory for the answers (required)")
	thr := fs.Float64("threshold", pprl.DefaultThreshold, "Dice similarity from which a pair is reported")
	maxRows := fs.Int("max-rows", 20_000_000, "the most rows a file may hold")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if *out == "" || len(files) < 2 {
		fs.Usage()
		return errors.New("crossborder compare: --out and at least two files are required")
	}
	if !(*thr > 0 && *thr <= 1) {
		return fmt.Errorf("crossborder compare: want 0 < --threshold ≤ 1, got %v", *thr)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var rs []io.Reader
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		rs = append(rs, f)
	}
	var p *progress
	if !*quiet {
		p = newProgress()
	}
	started := time.Now()
	var written []string
	res, err := pprl.Compare(ctx, pprl.CompareOptions{Threshold: *thr, MaxRows: *maxRows, Names: files, Clock: time.Now, Now: started.UTC().Format(time.RFC3339),
		Progress: func(stage string, done, total int) {
			if p == nil {
				return
			}
			if total > 0 {
				p.update("%s %d of %d", stage, done, total)
			} else {
				p.update("%s: %d rows", stage, done)
			}
		}},
		func(member string) (io.WriteCloser, error) {
			path := filepath.Join(*out, member+".pairs")
			written = append(written, path)
			return os.Create(path)
		}, rs...)
	p.done()
	if err != nil {
		for _, w := range written {
			os.Remove(w)
		}
		return fmt.Errorf("crossborder compare: %w", err)
	}
	var parts []string
	for i, m := range res.Members {
		parts = append(parts, fmt.Sprintf("%s %d persons, %d pairs", m, res.Rows[i], res.Answers[m]))
	}
	fmt.Fprintf(os.Stderr, "compared %d candidate pairs in %.1fs: %s; answers in %s\n", res.Compared, time.Since(started).Seconds(), strings.Join(parts, "; "), *out)
	return nil
}

func cmdCrossborderImport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("crossborder import", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), crossborderHelp+"Usage: tadamun crossborder import --member CODE FILE\n\nAll or nothing: a bad row, a token this member did not give, or an\nanswer for another member or secret imports nothing.\n\n")
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "member code, e.g. JO (required)")
	secret := secretFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("crossborder import: --member and one answer file are required")
	}
	sec, err := readSecret(*secret)
	if err != nil {
		return err
	}
	name := fs.Arg(0)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return withDB(ctx, g, func(d *db.DB) error {
		svc := services(d, app.Options{})
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		cb := crossborder.New(d, crossborder.Options{Registry: svc.Registry, Members: svc.Members, Secret: &sec, Clock: svc.Clock, Limits: svc.Limits})
		res, err := cb.ImportPairs(ctx, m.ID, f, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d pairs, %d new in %s's cross-border queue, %d already there\n", name, res.Pairs, res.Added, m.Code, res.Existing)
		return nil
	})
}
