package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// PostgreSQL templates: a database filled once per process (the demo, say,
// which takes long under the race detector) and copied for each test by
// CREATE DATABASE … TEMPLATE, which copies files — as the SQLite tests copy
// one demo file.
var (
	templatesMu sync.Mutex
	templates   = map[string]*pgTemplate{}
)

type pgTemplate struct {
	once sync.Once
	name string
	err  error
}

// withDatabase returns the test server's URL naming database name.
func withDatabase(name string) (string, error) {
	u, err := url.Parse(PostgresURL())
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func admin() (*sql.DB, error) { return sql.Open("pgx", PostgresURL()) }

// PostgresCopy returns a new PostgreSQL database that is a copy of the
// template named key, made once per process by fill over a fresh migrated
// database; the copy is dropped when the test ends. Call DropTemplates
// from TestMain.
func PostgresCopy(tb testing.TB, key string, fill func(d *db.DB) error) *db.DB {
	tb.Helper()
	if PostgresURL() == "" {
		tb.Fatal("TADAMUN_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	templatesMu.Lock()
	t := templates[key]
	if t == nil {
		t = &pgTemplate{}
		templates[key] = t
	}
	templatesMu.Unlock()
	t.once.Do(func() { t.name, t.err = makeTemplate(ctx, fill) })
	if t.err != nil {
		tb.Fatalf("postgres template %s: %v", key, t.err)
	}
	a, err := admin()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	name := "t_" + randomHex(8)
	if _, err := a.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+t.name); err != nil {
		tb.Fatalf("postgres: copy template %s: %v", t.name, err)
	}
	dsn, err := withDatabase(name)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open postgres %s: %v", name, err)
	}
	tb.Cleanup(func() {
		d.Close()
		a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return d
}

func makeTemplate(ctx context.Context, fill func(d *db.DB) error) (string, error) {
	a, err := admin()
	if err != nil {
		return "", err
	}
	defer a.Close()
	name := "tmpl_" + randomHex(8)
	if _, err := a.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	dsn, err := withDatabase(name)
	if err != nil {
		return "", err
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return "", err
	}
	if _, err = d.Migrate(ctx); err == nil {
		err = fill(d)
	}
	// No session may stay on a template while it is copied.
	d.Close()
	if err != nil {
		a.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return "", fmt.Errorf("fill: %w", err)
	}
	return name, nil
}

// DropTemplates drops the templates this process made.
func DropTemplates() {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	a, err := admin()
	if err != nil {
		return
	}
	defer a.Close()
	for _, t := range templates {
		if t.name != "" {
			a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+t.name+" WITH (FORCE)")
		}
	}
}
