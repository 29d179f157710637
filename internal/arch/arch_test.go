package arch

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tadamun/tadamun/"

// pkg is what `go list -json` says of one package of the module. Paths
// inside the module are kept relative to it ("internal/web").
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string // without tests
	Imports    []string // direct, without tests
	Deps       []string // transitive, without tests
}

// load lists every package of the module with its imports.
func load(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Dir,GoFiles,Imports,Deps", "./...")
	cmd.Dir = "../.." // the module root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var ps []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		p.ImportPath = short(p.ImportPath)
		for i := range p.Imports {
			p.Imports[i] = short(p.Imports[i])
		}
		for i := range p.Deps {
			p.Deps[i] = short(p.Deps[i])
		}
		ps = append(ps, p)
	}
	if len(ps) < 20 {
		t.Fatalf("go list found %d packages; run the test from inside the module", len(ps))
	}
	return ps
}

// short names a package of the module by its path inside it, and the
// standard library's internal packages "std/internal/…", so that the two
// never meet.
func short(path string) string {
	if p, ok := strings.CutPrefix(path, module); ok {
		return p
	}
	if strings.HasPrefix(path, "internal/") || strings.HasPrefix(path, "vendor/") {
		return "std/" + path
	}
	return path
}

// under reports whether path is one of roots or inside one of them.
func under(path string, roots ...string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r+"/") {
			return true
		}
	}
	return false
}

// The layers.
var (
	// transports parse a request, call a service they were handed and
	// render. internal/dci speaks the DCI protocol over the stores of
	// internal/exchange, which owns the dci_* tables.
	transports = []string{"internal/web", "internal/api", "internal/dci"}
	// wiring is the composition root and what mounts the transports.
	wiring = []string{"internal/app", "internal/server"}
	// pure are building blocks without I/O.
	pure = []string{"internal/arabic", "internal/money", "internal/errs", "internal/i18n", "internal/actor", "internal/disclosure", "internal/calendar", "internal/profile", "internal/care", "internal/chunked"}
	// drivers are the database drivers and their packages.
	drivers = []string{"github.com/jackc/pgx", "github.com/jackc/pgx/v5", "github.com/jackc/pgconn", "modernc.org/sqlite"}
	// withIO are packages that reach outside the process.
	withIO = []string{"internal/db", "database/sql", "net", "os/exec", "plugin"}
)

// rule forbids packages From (direct imports, or every dependency when
// Deps is set) to import what Forbids accepts.
type rule struct {
	Name    string
	From    func(p string) bool
	Forbids func(imp string) bool
	Deps    bool
}

var rules = []rule{
	{
		Name:    "transports do not open the database",
		From:    func(p string) bool { return under(p, transports...) },
		Forbids: func(imp string) bool { return under(imp, "internal/db", "database/sql") || under(imp, drivers...) },
	},
	{
		Name: "capabilities do not import a transport nor the composition root",
		From: func(p string) bool {
			return !under(p, "cmd", "bench", "internal/arch") && !under(p, wiring...) && !under(p, transports...)
		},
		Forbids: func(imp string) bool { return under(imp, transports...) || under(imp, wiring...) },
	},
	{
		Name: "transports do not import the server nor each other's pages",
		From: func(p string) bool { return under(p, transports...) },
		Forbids: func(imp string) bool {
			return under(imp, "internal/server", "internal/web") || under(imp, "internal/api")
		},
	},
	{
		Name:    "the registry imports nothing of programs",
		From:    func(p string) bool { return under(p, "internal/registry") },
		Forbids: func(imp string) bool { return under(imp, "internal/program") },
		Deps:    true,
	},
	{
		Name:    "the ledger imports nothing of payments",
		From:    func(p string) bool { return under(p, "internal/ledger") },
		Forbids: func(imp string) bool { return under(imp, "internal/payment") },
		Deps:    true,
	},
	{
		Name: "pure building blocks depend on nothing with I/O",
		From: func(p string) bool { return under(p, pure...) },
		Forbids: func(imp string) bool {
			return under(imp, "internal") && !under(imp, pure...) || under(imp, withIO...) || under(imp, drivers...)
		},
		Deps: true,
	},
	{
		Name: "pure building blocks touch no file, process or environment",
		From: func(p string) bool { return under(p, pure...) },
		Forbids: func(imp string) bool {
			return imp == "os" || imp == "io/ioutil" || under(imp, "net", "os/exec", "os/signal")
		},
	},
	{
		Name:    "only internal/db imports a database driver",
		From:    func(p string) bool { return !under(p, "internal/db") },
		Forbids: func(imp string) bool { return under(imp, drivers...) },
	},
}

// violation is a package importing what a rule forbids.
type violation struct{ Rule, From, Imports string }

// known lists the violations that other work in progress removes, each
// with who removes it. The test fails for a violation not listed, and for
// a listed one that no longer exists, so that the list only shrinks.
var known = map[violation]string{}

func (r rule) check(ps []pkg) []violation {
	var out []violation
	for _, p := range ps {
		if !r.From(p.ImportPath) {
			continue
		}
		imps := p.Imports
		if r.Deps {
			imps = p.Deps
		}
		for _, imp := range imps {
			if r.Forbids(imp) {
				out = append(out, violation{r.Name, p.ImportPath, imp})
			}
		}
	}
	return out
}

// TestArchitecture checks the import graph against the rules.
func TestArchitecture(t *testing.T) {
	ps := load(t)
	found := map[violation]bool{}
	for _, r := range rules {
		t.Run(r.Name, func(t *testing.T) {
			for _, v := range r.check(ps) {
				found[v] = true
				if who, ok := known[v]; ok {
					t.Logf("known, removed by %s: %s imports %s", who, v.From, v.Imports)
					continue
				}
				t.Errorf("%s imports %s", v.From, v.Imports)
			}
		})
	}
	var gone []string
	for v, who := range known {
		if !found[v] {
			gone = append(gone, v.From+" → "+v.Imports+" ("+who+")")
		}
	}
	slices.Sort(gone)
	for _, g := range gone {
		t.Errorf("known violation no longer exists, remove it from known: %s", g)
	}
}

// TestRulesCatch proves each rule can fail: a graph that breaks it.
func TestRulesCatch(t *testing.T) {
	bad := map[string]pkg{
		"transports do not open the database":                             {ImportPath: "internal/web", Imports: []string{"internal/db"}},
		"capabilities do not import a transport nor the composition root": {ImportPath: "internal/payment", Imports: []string{"internal/web"}},
		"transports do not import the server nor each other's pages":      {ImportPath: "internal/api", Imports: []string{"internal/server"}},
		"the registry imports nothing of programs":                        {ImportPath: "internal/registry", Deps: []string{"internal/program"}},
		"the ledger imports nothing of payments":                          {ImportPath: "internal/ledger", Deps: []string{"internal/payment"}},
		"pure building blocks depend on nothing with I/O":                 {ImportPath: "internal/money", Deps: []string{"net/http"}},
		"pure building blocks touch no file, process or environment":      {ImportPath: "internal/i18n", Imports: []string{"os"}},
		"only internal/db imports a database driver":                      {ImportPath: "internal/ledger", Imports: []string{"github.com/jackc/pgx/v5"}},
	}
	for _, r := range rules {
		p, ok := bad[r.Name]
		if !ok {
			t.Errorf("rule %q has no case here", r.Name)
			continue
		}
		if vs := r.check([]pkg{p}); len(vs) == 0 {
			t.Errorf("rule %q lets %s import %v%v", r.Name, p.ImportPath, p.Imports, p.Deps)
		}
	}
	// And the allowed edges pass.
	for _, p := range []pkg{
		{ImportPath: "internal/web", Imports: []string{"internal/app", "internal/registry", "net/http"}},
		{ImportPath: "internal/server", Imports: []string{"internal/web", "internal/api", "internal/app"}},
		{ImportPath: "internal/db", Imports: []string{"github.com/jackc/pgx/v5", "modernc.org/sqlite"}},
		{ImportPath: "internal/db/dbtest", Imports: []string{"github.com/jackc/pgx/v5/stdlib"}},
		{ImportPath: "internal/actor", Imports: []string{"internal/i18n"}, Deps: []string{"internal/i18n", "os", "fmt"}},
	} {
		for _, r := range rules {
			if vs := r.check([]pkg{p}); len(vs) > 0 {
				t.Errorf("rule %q refuses the allowed %v", r.Name, vs)
			}
		}
	}
}

// envReaders are the library files allowed to read the environment:
// limits.Flags gives main the flags of the limits with their variables.
var envReaders = map[string]bool{"internal/limits/flags.go": true}

// TestNoEnvironmentInLibraries checks that no package under internal reads
// an environment variable: main (the composition root) reads them and
// passes what they say to the services it builds, so that a test or a
// second server in one process configures a service by what it passes.
func TestNoEnvironmentInLibraries(t *testing.T) {
	for _, p := range load(t) {
		if !under(p.ImportPath, "internal") || under(p.ImportPath, "internal/db/dbtest") {
			continue
		}
		for _, name := range p.GoFiles {
			if envReaders[p.ImportPath+"/"+name] {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "os" && slices.Contains([]string{"Getenv", "LookupEnv", "Environ"}, sel.Sel.Name) {
					t.Errorf("%s reads the environment (os.%s); let main read it and pass it in", fset.Position(sel.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// clockReaders are the places under internal that may read the real time
// (time.Now, time.Since, time.Until) other than through a calendar.Clock,
// with how many reads each file makes and why. Every other read of "now"
// goes through the clock the service was given (calendar.Clock, from its
// options, or the database's, db.DB.Clock), so that the composition root
// sets one clock for all and a test moves it instead of sleeping.
//
// What is allowed is elapsed time — how long something took, on the
// monotonic clock, which a test clock must not shorten — and the two
// defaults themselves.
var clockReaders = struct {
	packages map[string]string
	files    map[string]struct {
		n   int
		why string
	}
}{
	packages: map[string]string{
		"internal/calendar": "the zero Clock is the real clock",
		"internal/db":       "the database's clock defaults to the real one; migrations are dated when applied",
	},
	files: map[string]struct {
		n   int
		why string
	}{
		"internal/server/server.go": {2, "a request's duration, for the access log and the metrics"},
		"internal/audit/verify.go":  {2, "how long a verification took (Report.Elapsed)"},
		"internal/dedup/engine.go":  {11, "how long each stage of a duplicate search took (Stats.Times)"},
		"internal/program/run.go":   {6, "how long a targeting run's load, evaluation and store took"},
		"internal/jobs/jobs.go":     {2, "a job's progress row is written at most once a second of real time"},
	},
}

// clockReads returns where f reads the real time: time.Now, time.Since or
// time.Until, called or passed as a value, under whatever name f imports
// package time.
func clockReads(fset *token.FileSet, f *ast.File) []token.Position {
	name := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"time"` {
			name = "time"
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	if name == "" || name == "_" {
		return nil
	}
	var out []token.Position
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == name && slices.Contains([]string{"Now", "Since", "Until"}, sel.Sel.Name) {
			out = append(out, fset.Position(sel.Pos()))
		}
		return true
	})
	return out
}

// TestNoClockReadsInServices checks that no package under internal reads
// the real time except the places clockReaders lists: services, stores
// and transports take "now" from their clock. A file listed with more
// reads than it has fails too, so that the list only shrinks.
func TestNoClockReadsInServices(t *testing.T) {
	seen := map[string]int{}
	for _, p := range load(t) {
		if !under(p.ImportPath, "internal") {
			continue
		}
		if _, ok := clockReaders.packages[p.ImportPath]; ok {
			continue
		}
		for _, name := range p.GoFiles {
			file := p.ImportPath + "/" + name
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			reads := clockReads(fset, f)
			seen[file] = len(reads)
			allowed, ok := clockReaders.files[file]
			if ok && len(reads) <= allowed.n {
				continue
			}
			for _, pos := range reads {
				t.Errorf("%s reads the real time; take it from the service's clock (calendar.Clock in its options, or tx.Now)", pos)
			}
		}
	}
	for file, allowed := range clockReaders.files {
		if seen[file] < allowed.n {
			t.Errorf("%s is allowed %d reads of the real time (%s) but has %d: lower the count", file, allowed.n, allowed.why, seen[file])
		}
	}
}

// TestClockReadsCatch proves the clock rule can fail: it finds every form
// of reading the real time, and none in code that uses a clock.
func TestClockReadsCatch(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      int
	}{
		{"a call", "package p\nimport \"time\"\nfunc f() time.Time { return time.Now().UTC() }", 1},
		{"the function as a value", "package p\nimport \"time\"\nvar now = time.Now", 1},
		{"elapsed and remaining time", "package p\nimport \"time\"\nfunc f(t time.Time) (time.Duration, time.Duration) { return time.Since(t), time.Until(t) }", 2},
		{"a renamed import", "package p\nimport tm \"time\"\nfunc f() tm.Time { return tm.Now() }", 1},
		{"a clock", "package p\nimport \"time\"\ntype clock func() time.Time\nfunc f(c clock) time.Time { return c().Add(time.Hour) }", 0},
		{"another package's Now", "package p\nimport \"example.com/time2\"\nfunc f() { time2.Now() }", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", c.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(clockReads(fset, f)); got != c.want {
				t.Errorf("got %d reads, want %d", got, c.want)
			}
		})
	}
}
