// Command tadamun is the Tadamun social-protection platform: one binary for
// administration from the command line (and, in progress, the web UI and API).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usageHead = `tadamun — open social-protection platform

Usage: tadamun [--db PATH|URL] COMMAND [flags]

Commands:
`

const usageTail = `
Global flags, before or after the command (also TADAMUN_DB, TADAMUN_AUDIT_KEY, TADAMUN_AUDIT_WITNESS, TADAMUN_LANG):
  --db PATH|URL     SQLite file (default ./tadamun.db) or postgres:// URL
  --audit-key FILE  audit signing key, created on first use (default ./tadamun-audit.key)
  --audit-witness FILE  the last audit checkpoint signed, kept outside the database; the server
                    signs only a log that extends it (default: the key file + .witness)
  --lang ar|en      language of messages (default ar)

Keys kept outside the database, created on first use: TADAMUN_WHISTLE_KEY (whistleblowers' contacts,
./tadamun-whistle.key), TADAMUN_CASE_KEY (sensitive cases' notes and attachments, ./tadamun-case.key),
TADAMUN_CARD_KEY (beneficiary cards), TADAMUN_DCI_KEY (DCI signing). Back them up.

Run "tadamun COMMAND --help" for a command's flags.
`

// command is one subcommand. Each lives in its own cmd_*.go file and adds
// itself to commands in an init function, so that adding a command never
// edits this file.
type command struct {
	summary string
	run     func(ctx context.Context, g globals, args []string) error
}

// commands maps a command's name ("member create", "serve") to it.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, g globals, args []string) error) {
	if _, dup := commands[name]; dup {
		panic("tadamun: command registered twice: " + name)
	}
	commands[name] = command{summary, run}
}

func usage() {
	var b strings.Builder
	b.WriteString(usageHead)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-28s %s\n", n, commands[n].summary)
	}
	b.WriteString(usageTail)
	fmt.Fprint(os.Stderr, b.String())
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err := run(ctx, os.Args[1:]); err != nil {
		os.Exit(1)
	}
}

type globals struct {
	dsn, keyFile string
	witnessFile  string
	lang         i18n.Lang
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tadamun", flag.ContinueOnError)
	fs.Usage = usage
	g := globals{}
	fs.StringVar(&g.dsn, "db", env("TADAMUN_DB", "tadamun.db"), "database")
	fs.StringVar(&g.keyFile, "audit-key", env("TADAMUN_AUDIT_KEY", "tadamun-audit.key"), "audit key file")
	fs.StringVar(&g.witnessFile, "audit-witness", env("TADAMUN_AUDIT_WITNESS", ""), "file of the last audit checkpoint signed, kept outside the database (default: the key file's name + .witness)")
	lang := fs.String("lang", env("TADAMUN_LANG", "ar"), "language")
	if err := fs.Parse(globalsFirst(args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	g.lang = i18n.Parse(*lang)
	rest := fs.Args()
	if len(rest) == 0 {
		usage()
		return errors.New("no command")
	}
	cmd := rest[0]
	switch cmd {
	case "help", "-h", "--help":
		usage()
		return nil
	}
	if len(rest) > 1 && !strings.HasPrefix(rest[1], "-") {
		if _, ok := commands[cmd+" "+rest[1]]; ok {
			cmd += " " + rest[1]
			rest = rest[1:]
		}
	}
	c, ok := commands[cmd]
	var err error
	if !ok {
		usage()
		err = fmt.Errorf("unknown command %q", cmd)
	} else {
		err = c.run(ctx, g, rest[1:])
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tadamun:", message(g.lang, err))
	}
	return err
}

// globalFlags are the flags every command accepts, before or after its name.
// No command defines a flag of the same name (if one ever does, globalsFirst
// would take it; rename the command's flag instead).
var globalFlags = map[string]bool{"db": true, "lang": true, "audit-key": true, "audit-witness": true}

// globalsFirst moves the global flags found anywhere in args ("--db F",
// "--db=F", "-db F") to the front, so that "tadamun migrate --db F" and
// "tadamun --db F migrate" mean the same. It stops at "--": what follows is
// the command's. A global flag missing its value is kept at the end of the
// moved flags, for the flag package to report.
func globalsFirst(args []string) []string {
	var glob, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, hasValue := strings.CutPrefix(a, "--")
		if !hasValue {
			name, hasValue = strings.CutPrefix(a, "-")
		}
		if !hasValue || name == "" {
			rest = append(rest, a)
			continue
		}
		name, _, eq := strings.Cut(name, "=")
		if !globalFlags[name] {
			rest = append(rest, a)
			continue
		}
		glob = append(glob, a)
		if !eq && i+1 < len(args) {
			i++
			glob = append(glob, args[i])
		}
	}
	return append(glob, rest...)
}

// message renders err for a person, with each field problem on its own line.
func message(l i18n.Lang, err error) string {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	if e.Code == errs.Internal {
		return i18n.T(l, e.Key, e.Args) + " (" + err.Error() + ")"
	}
	var b strings.Builder
	b.WriteString(i18n.T(l, e.Key, e.Args))
	for _, f := range e.Fields {
		b.WriteString("\n  ")
		if f.Row > 0 {
			fmt.Fprintf(&b, "row %d, ", f.Row)
		}
		if f.Field != "" {
			b.WriteString(f.Field + ": ")
		}
		b.WriteString(i18n.T(l, f.Key, f.Args))
	}
	return b.String()
}

func init() {
	register("version", "print the version", func(context.Context, globals, []string) error {
		fmt.Println("tadamun", version)
		return nil
	})
	register("migrate", "apply database migrations", func(ctx context.Context, g globals, args []string) error {
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		if err := fs.Parse(args); err != nil {
			return err
		}
		return withDB(ctx, g, func(d *db.DB) error { return nil })
	})
	register("member create", "create a member state or organization", memberCreate)
	register("user create", "create a user", userCreate)
	register("token create", "print a new API token for a user", tokenCreate)
	register("audit sign", "sign a checkpoint of the audit log", auditSign)
	register("audit verify", "recompute the audit tree and check every checkpoint", auditVerify)
}

func withDB(ctx context.Context, g globals, fn func(d *db.DB) error) error {
	d, err := db.Open(ctx, g.dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	applied, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		slog.Info("migrated", "migration", m)
	}
	return fn(d)
}

func memberCreate(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("member create", flag.ContinueOnError)
	var m member.Member
	fs.StringVar(&m.Code, "code", "", "ISO 3166 alpha-2 code for a state, or an organization code")
	fs.StringVar(&m.Kind, "kind", member.State, "state or organization")
	fs.StringVar(&m.NameAR, "name-ar", "", "Arabic name")
	fs.StringVar(&m.NameEN, "name-en", "", "English name")
	fs.StringVar(&m.Currency, "currency", "", "ISO 4217 currency, e.g. JOD")
	fs.StringVar(&m.Timezone, "timezone", "UTC", "IANA time zone, e.g. Asia/Amman")
	fs.StringVar(&m.CallingCode, "calling-code", "", "international calling code, e.g. 962")
	areas := fs.String("areas", "", "CSV of administrative areas to load (level,code,parent_code,name_ar,name_en)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		s := svc.Members
		m, err := s.Create(ctx, m)
		if err != nil {
			return err
		}
		fmt.Printf("member %s created (id %d)\n", m.Code, m.ID)
		if *areas != "" {
			f, err := os.Open(*areas)
			if err != nil {
				return err
			}
			defer f.Close()
			as, err := s.ImportAreasCSV(ctx, m.Code, *areas, f)
			if err != nil {
				return err
			}
			fmt.Printf("%d areas loaded\n", len(as))
		}
		return nil
	})
}

func userCreate(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	var n auth.NewUser
	code := fs.String("member", "", "member code; empty for a union-level user")
	fs.StringVar(&n.Username, "username", "", "login name")
	fs.StringVar(&n.DisplayName, "name", "", "display name")
	fs.StringVar(&n.Email, "email", "", "email")
	fs.StringVar(&n.Password, "password", os.Getenv("TADAMUN_PASSWORD"), "password (or TADAMUN_PASSWORD)")
	roles := fs.String("roles", "", "comma-separated roles: "+rolesList())
	proposer := fs.String("proposed-by", "", "for a role that reads sealed data (integrity_officer): the administrator who proposes it; a union administrator other than them approves it on the user's page")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, r := range strings.Split(*roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			n.Roles = append(n.Roles, actor.Role(r))
		}
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		if *code != "" {
			m, err := svc.Members.Get(ctx, *code)
			if err != nil {
				return err
			}
			n.MemberID = m.ID
		}
		s := svc.Auth
		if *proposer != "" {
			p, err := s.UserByUsername(ctx, *proposer)
			if err != nil {
				return fmt.Errorf("--proposed-by %s: %w", *proposer, err)
			}
			ctx = actor.With(ctx, p.Actor())
		}
		u, err := s.CreateUser(ctx, n)
		if err != nil {
			return err
		}
		fmt.Printf("user %s created (id %d)\n", u.Username, u.ID)
		for _, p := range u.PendingGrants {
			fmt.Printf("role %s proposed (approval %d): a union administrator other than %s approves it on /users/%d\n", p.Role, p.ID, p.Maker, u.ID)
		}
		return nil
	})
}

func rolesList() string {
	var s []string
	for _, r := range actor.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func tokenCreate(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	username := fs.String("username", "", "the user the token acts as")
	name := fs.String("name", "script", "what the token is for")
	ttl := fs.Duration("ttl", 0, "lifetime, e.g. 720h; 0 for none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		s := svc.Auth
		u, err := s.UserByUsername(ctx, *username)
		if err != nil {
			return err
		}
		secret, _, err := s.CreateToken(ctx, u.ID, *name, *ttl)
		if err != nil {
			return err
		}
		fmt.Println(secret)
		return nil
	})
}

func openLog(d *db.DB, g globals) (*audit.Log, error) {
	skey, vkey, err := audit.LoadKey(g.keyFile, audit.DefaultOrigin)
	if err != nil {
		return nil, err
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		return nil, err
	}
	l.KeepWitness(witnessPath(g))
	return l, nil
}

// witnessPath is the audit witness file: --audit-witness, or the key file's
// name with .witness.
func witnessPath(g globals) string {
	if g.witnessFile == "" {
		return g.keyFile + ".witness"
	}
	return g.witnessFile
}

func auditSign(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("audit sign", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withDB(ctx, g, func(d *db.DB) error {
		l, err := openLog(d, g)
		if err != nil {
			return err
		}
		cp, err := l.Sign(ctx)
		if err != nil {
			return err
		}
		fmt.Print(cp.Note)
		return nil
	})
}

func auditVerify(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	remote := fs.String("remote", "", "verify a running server from outside: its site URL, e.g. https://tadamun.example.org")
	state := fs.String("state", "tadamun-remote.json", "with --remote: file that keeps the trusted key and the last checkpoint seen")
	key := fs.String("key", "", "with --remote: the server's note verifier key (else taken from the server on first use and pinned)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *remote != "" {
		return auditVerifyRemote(ctx, *remote, *state, *key)
	}
	return withDB(ctx, g, func(d *db.DB) error {
		l, err := openLog(d, g)
		if err != nil {
			return err
		}
		start := time.Now()
		bar := newProgress()
		rep, err := l.Verify(ctx, func(done, total int64) {
			bar.update("verified %d of %d records", done, total)
		})
		bar.done()
		if err != nil {
			return err
		}
		fmt.Printf("%d records, %d checkpoints, latest checkpoint size %d, %.2fs\n", rep.Records, rep.Checkpoints, rep.LatestSize, time.Since(start).Seconds())
		for _, p := range rep.Problems {
			fmt.Printf("PROBLEM at record %d: %s\n", p.Seq, p.Message)
		}
		if !rep.OK() {
			return fmt.Errorf("audit log does not verify: %d problems", len(rep.Problems))
		}
		fmt.Println("OK")
		return nil
	})
}

func auditVerifyRemote(ctx context.Context, url, stateFile, key string) error {
	st, err := audit.LoadRemoteState(stateFile)
	if err != nil {
		return err
	}
	if key != "" {
		if st.Key != "" && st.Key != key {
			return fmt.Errorf("the key given differs from the one pinned in %s", stateFile)
		}
		st.Key = key
	}
	rep, err := audit.VerifyRemote(ctx, &http.Client{Timeout: time.Minute}, url, &st)
	if err != nil {
		return err
	}
	if !rep.TrustedKey {
		fmt.Printf("first run: pinned the server's key %s in %s — compare it with the key the operator publishes\n", st.Key, stateFile)
	}
	if rep.PreviousSize > 0 && rep.PreviousSize == rep.Size {
		fmt.Printf("the log still has %d records, the same tree as seen before\n", rep.Size)
	} else if rep.PreviousSize > 0 {
		fmt.Printf("the log grew from %d to %d records and is consistent with the checkpoint seen before\n", rep.PreviousSize, rep.Size)
	} else {
		fmt.Printf("latest checkpoint: %d records\n", rep.Size)
	}
	fmt.Printf("%d signed checkpoints checked against it\nOK\n", rep.Checkpoints)
	return st.Save(stateFile)
}
