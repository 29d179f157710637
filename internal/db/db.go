// Package db opens Tadamun's database — SQLite in one file (the embedded
// default) or PostgreSQL (production) — runs the embedded migrations, and
// owns every difference between the two engines: each is one small seam
// (bulk insert, reserved ids, row and key locks, a few SQL expressions,
// bulk tuning), tested on both, so that no other package asks which engine
// it runs on or imports the PostgreSQL driver.
//
// SQL is written once with "?" placeholders; for PostgreSQL it is rebound to
// $1, $2 … before it runs. Stores write through DB.Tx, which owns the
// transaction; reads go through DB.Query and DB.QueryRow. A DB is safe for
// concurrent use.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/tadamun/tadamun/internal/calendar"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names a database engine.
type Dialect string

// The engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. SQLite has one writer connection and a pool of
// readers; PostgreSQL one pool for both.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	dsn     string
	rebound sync.Map // query with ? → query with $n
	clock   atomic.Pointer[calendar.Clock]
}

// SetClock makes c the database's clock: the time that Now and Tx.Now
// report, which audit records and the code that has only a transaction
// stamp rows with, and the clock a service uses when its options give
// none. A nil c is the real clock. The composition root (app.New) sets it
// once, before the services are built; tests set it to move time.
func (d *DB) SetClock(c calendar.Clock) { d.clock.Store(&c) }

// Clock returns the database's clock (see SetClock); never nil.
func (d *DB) Clock() calendar.Clock {
	if c := d.clock.Load(); c != nil && *c != nil {
		return *c
	}
	return time.Now
}

// Now is the database's clock's time (see SetClock).
func (d *DB) Now() time.Time { return d.Clock().Now() }

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a SQLite file path (":memory:" is
// refused; use a temporary file) or a postgres:// URL. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("db: sqlite needs a file path")
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-8000)&_time_format=sqlite"
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	// Enough readers that requests rarely queue for a connection:
	// database/sql hands a freed connection to a random waiter, so a short
	// pool turns into a long latency tail under load.
	n := max(16, 4*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{Dialect: SQLite, write: w, read: r, dsn: path}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: postgres url: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	noJIT(cfg)
	p := stdlib.OpenDB(*cfg)
	p.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
	p.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("db: connect to postgres: %w", err)
	}
	return &DB{Dialect: Postgres, write: p, read: p, dsn: dsn}, nil
}

// noJIT turns PostgreSQL's JIT compilation off for the connections, unless
// the URL sets it: it compiles a statement whose estimated cost is high —
// a name search whose driver may walk 20,000 postings — which costs 15 ms
// and more on each run of a query that itself takes a few (measured on the
// 10-million-person registry), and gains little on the scans the heavy
// jobs do.
func noJIT(cfg *pgx.ConnConfig) {
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
}

// Close closes every connection.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.read.PingContext(ctx) }

// DSN returns what the database was opened with.
func (d *DB) DSN() string { return d.dsn }

// Rebind turns "?" placeholders into the dialect's form. Question marks in
// quoted strings are left alone.
func (d *DB) Rebind(q string) string {
	if d.Dialect != Postgres {
		return q
	}
	if v, ok := d.rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	d.rebound.Store(q, s)
	return s
}

// Query runs a read query.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.read.QueryContext(ctx, d.Rebind(q), args...)
}

// Pairs runs a read query whose rows are two integers (for example an id
// and its member) and returns them all, for callers that write while they
// go through the list.
func (d *DB) Pairs(ctx context.Context, q string, args ...any) ([][2]int64, error) {
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var p [2]int64
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// QueryPlanned runs a read query that PostgreSQL plans anew for these
// argument values on every call, rather than from a prepared statement
// whose generic plan, after a few calls, assumes average values: for
// skewed data such as name tokens (a common first name against a rare
// family name) that plan can be a thousand times slower. On SQLite it is
// Query.
func (d *DB) QueryPlanned(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if d.Dialect == Postgres {
		args = append([]any{pgx.QueryExecModeExec}, args...)
	}
	return d.read.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRowPlanned is QueryPlanned for at most one row.
func (d *DB) QueryRowPlanned(ctx context.Context, q string, args ...any) *sql.Row {
	if d.Dialect == Postgres {
		args = append([]any{pgx.QueryExecModeExec}, args...)
	}
	return d.read.QueryRowContext(ctx, d.Rebind(q), args...)
}

// QueryRow runs a read query that returns at most one row.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.read.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Tx is a write transaction. Its methods rebind placeholders.
type Tx struct {
	*sql.Tx
	db    *DB
	conn  *sql.Conn        // PostgreSQL: the connection the transaction runs on, for Insert's COPY
	next  map[string]int64 // SQLite: the next id NextIDs gives, by table
	after []func()         // run when the transaction has ended, on its connection's behalf
	cache int64            // SQLite: the writer's page cache (KiB) LargeCache or ScaleCache set; 0 its own
}

// DB returns the database the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// Now is the database's clock's time (see DB.SetClock), for code that is
// given only the transaction.
func (tx *Tx) Now() time.Time { return tx.db.Now() }

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.db.Rebind(q), args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.db.Rebind(q), args...)
}

// QueryRow runs a query that returns at most one row in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// Prepare prepares a statement in the transaction.
func (tx *Tx) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	return tx.Tx.PrepareContext(ctx, tx.db.Rebind(q))
}

// InsertID runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, q, args...).Scan(&id)
	return id, err
}

// Tx runs fn in a write transaction and commits if fn returns nil. On
// PostgreSQL a serialization failure or deadlock is retried a few times:
// fn runs again from the start, so it must set up afresh whatever it
// computes (counters, digests) rather than add to what a failed attempt
// left. A fn that cannot run twice — it consumes a stream — uses TxOnce.
func (d *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return d.retry(ctx, 4, fn)
}

// TxOnce is Tx without the retries, for a fn that can run only once, such
// as one that reads an upload as it writes it: a serialization failure or
// deadlock is returned to the caller.
func (d *DB) TxOnce(ctx context.Context, fn func(tx *Tx) error) error {
	return d.retry(ctx, 0, fn)
}

func (d *DB) retry(ctx context.Context, retries int, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := d.tx(ctx, fn)
		if err != nil && attempt < retries && d.Dialect == Postgres && retryable(err) {
			time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
			continue
		}
		return err
	}
}

func (d *DB) tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	var conn *sql.Conn
	var stx *sql.Tx
	if d.Dialect == Postgres {
		// On its own connection, so that Insert can reach the pgx
		// connection the transaction runs on.
		if conn, err = d.write.Conn(ctx); err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		defer conn.Close()
		stx, err = conn.BeginTx(ctx, nil)
	} else {
		stx, err = d.write.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	tx := &Tx{Tx: stx, db: d, conn: conn}
	defer func() {
		p := recover()
		if p != nil || err != nil {
			stx.Rollback()
		}
		for _, f := range tx.after {
			f()
		}
		if p != nil {
			panic(p)
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

func retryable(err error) bool {
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		switch se.SQLState() {
		case "40001", "40P01":
			return true
		}
	}
	return false
}

// IsUnique reports whether err is a unique-constraint violation.
func IsUnique(err error) bool {
	if err == nil {
		return false
	}
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		return se.SQLState() == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// IsForeignKey reports whether err is a foreign-key violation.
func IsForeignKey(err error) bool {
	if err == nil {
		return false
	}
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		return se.SQLState() == "23503"
	}
	return strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// AfterBulkWrite tidies up after a bulk write into tables has committed,
// so that the reads that follow are as fast as on a settled database: on
// PostgreSQL, VACUUM (ANALYZE) gives the planner statistics of the new
// rows (without them it guesses, and guesses badly for skewed keys) and
// marks their pages all-visible for index-only scans, work autovacuum
// would otherwise do some minutes later; on SQLite, a checkpoint copies
// the write-ahead log into the database and truncates it, so that readers
// no longer look pages up in a log of a gigabyte or more.
func (d *DB) AfterBulkWrite(ctx context.Context, tables ...string) error {
	if d.Dialect == Postgres {
		if len(tables) == 0 {
			return nil
		}
		_, err := d.write.ExecContext(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", "))
		return err
	}
	_, err := d.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// OpenReadOnly opens dsn for reading only: a PostgreSQL streaming replica
// (or the primary, every transaction read only), or an SQLite file whose
// connections all refuse writes. Heavy read-only work — the portal's
// statistics, reports, exports — goes there (serve --db-read), away from
// the primary's writers. It never migrates: the primary's schema is the
// replica's.
func OpenReadOnly(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgres(dsn) {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("db: postgres url: %w", err)
		}
		if cfg.ConnectTimeout == 0 {
			cfg.ConnectTimeout = 5 * time.Second
		}
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
		noJIT(cfg)
		p := stdlib.OpenDB(*cfg)
		p.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
		p.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
		p.SetConnMaxIdleTime(5 * time.Minute)
		if err := p.PingContext(ctx); err != nil {
			p.Close()
			return nil, fmt.Errorf("db: connect to the postgres replica: %w", err)
		}
		return &DB{Dialect: Postgres, write: p, read: p, dsn: dsn}, nil
	}
	d, err := openSQLite(ctx, dsn)
	if err != nil {
		return nil, err
	}
	// The writer's pool too refuses writes.
	if _, err := d.write.ExecContext(ctx, `PRAGMA query_only = 1`); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: open sqlite %s read only: %w", dsn, err)
	}
	return d, nil
}
