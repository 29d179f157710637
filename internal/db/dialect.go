package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// This file holds the differences between SQLite and PostgreSQL that the
// stores meet, one small seam each, so that no other package asks which
// engine it runs on. Upsert (INSERT … ON CONFLICT … DO UPDATE/NOTHING) and
// INSERT … RETURNING are written the same on both and need no seam
// (TestUpsertAndReturning holds them to it); Tx.InsertID reads the id a
// RETURNING gives.

// LockKey takes the lock named key until the transaction ends, so that
// transactions taking the same key run one after another: PostgreSQL's
// advisory transaction lock. SQLite has one writer, so its write
// transactions already run one after another and it does nothing.
func (tx *Tx) LockKey(ctx context.Context, key int64) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, key); err != nil {
		return fmt.Errorf("db: lock %d: %w", key, err)
	}
	return nil
}

// LockRow locks the row of table whose id is id until the transaction ends
// (SELECT … FOR UPDATE), so that another transaction wanting it waits, and
// then reads what this one wrote. SQLite's single writer makes that so
// already, and it does nothing there. A missing row is not an error.
func (tx *Tx) LockRow(ctx context.Context, table string, id int64) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM `+table+` WHERE id = ? FOR UPDATE`, id)
	if err != nil {
		return fmt.Errorf("db: lock %s %d: %w", table, id, err)
	}
	rows.Close()
	return rows.Err()
}

// TimeArg is a placeholder for a timestamp in a SELECT list, where
// PostgreSQL cannot infer the parameter's type from a column it lands in.
// SQLite stores the value as given.
func (d *DB) TimeArg() string {
	if d.Dialect == Postgres {
		return "CAST(? AS TIMESTAMPTZ)"
	}
	return "?"
}

// RandomHex is an SQL expression worth 16 random upper-case hexadecimal
// digits, new for every row: 64 random bits on SQLite (randomblob), 60 on
// PostgreSQL (the first half of a version 4 UUID, whose 13th digit is
// always 4).
func (d *DB) RandomHex() string {
	if d.Dialect == Postgres {
		return `upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 16))`
	}
	return `upper(hex(randomblob(8)))`
}

// ZeroPad is an SQL expression for the integer expression expr written in
// decimal with leading zeros to width digits.
func (d *DB) ZeroPad(expr string, width int) string {
	w := strconv.Itoa(width)
	if d.Dialect == Postgres {
		return `lpad((` + expr + `)::text, ` + w + `, '0')`
	}
	return `printf('%0` + w + `d', ` + expr + `)`
}

// Unindexed is col in a condition that SQLite must not answer from an
// index on col: SQLite plans by rules and would otherwise pick such an
// index where another path (a key lookup, the primary key's order) is the
// fast one; the unary + hides col from it. PostgreSQL plans from
// statistics, which the + would only blur (it takes +col = ? for an
// unknown selectivity), so there col is left as it is.
func (d *DB) Unindexed(col string) string {
	if d.Dialect == Postgres {
		return col
	}
	return "+" + col
}

// Analyze refreshes PostgreSQL's statistics of tables after a bulk write
// inside the transaction (it sees the transaction's own new rows), so that
// the statements that follow join them with hash joins rather than a
// nested loop planned for a few rows. SQLite plans without statistics and
// does nothing.
func (tx *Tx) Analyze(ctx context.Context, tables ...string) error {
	if tx.db.Dialect != Postgres || len(tables) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `ANALYZE `+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("db: analyze %s: %w", strings.Join(tables, ", "), err)
	}
	return nil
}

// BulkMemory gives PostgreSQL's sorts and hashes in the transaction room
// for a million-row statement, so that they do not spill to disk, and
// turns off JIT compilation, which the planner asks for on such row counts
// and which costs more than it saves on simple statements. SQLite sorts in
// its page cache and memory (temp_store) and needs nothing.
func (tx *Tx) BulkMemory(ctx context.Context) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '128MB'`); err != nil {
		return fmt.Errorf("db: work_mem: %w", err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("db: jit: %w", err)
	}
	return nil
}

// LargeCache gives SQLite's writer connection a page cache of mib MiB for
// the rest of the transaction, and its own size back when the transaction
// ends: a write that touches a big b-tree all over its key space (name
// tokens) otherwise spends its time re-reading pages. PostgreSQL's buffers
// are the server's, and it does nothing.
func (tx *Tx) LargeCache(ctx context.Context, mib int) error {
	if tx.db.Dialect == Postgres {
		return nil
	}
	return tx.setCache(ctx, 1024*int64(mib))
}

// ScaleCache grows SQLite's writer page cache, for the rest of the
// transaction, to 1/part of the database's size as it stands (the pages
// the transaction has written included), at most maxMiB MiB; it never
// shrinks what LargeCache or an earlier call gave. A long write that keeps
// inserting into b-trees all over their key space (name tokens, indexes
// keyed by household when persons arrive in random order) calls it as it
// goes: those b-trees grow with the database, and every page that falls
// out of the cache is read again from the write-ahead log, whose every
// lookup costs more the longer the log (SQLite searches its index of
// frames block by block). So the cache grows with what it has to hold,
// and a small registry's import keeps a small one. PostgreSQL does
// nothing.
func (tx *Tx) ScaleCache(ctx context.Context, part int, maxMiB int) error {
	if tx.db.Dialect == Postgres {
		return nil
	}
	var pages, size int64
	if err := tx.QueryRow(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return fmt.Errorf("db: page count: %w", err)
	}
	if err := tx.QueryRow(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return fmt.Errorf("db: page size: %w", err)
	}
	kib := min(pages*size/1024/int64(max(part, 1)), 1024*int64(maxMiB))
	if kib <= tx.cache {
		return nil
	}
	return tx.setCache(ctx, kib)
}

// setCache sets the writer's page cache to kib KiB and, the first time,
// arranges for its own size to come back when the transaction ends.
func (tx *Tx) setCache(ctx context.Context, kib int64) error {
	if tx.cache == 0 {
		var was int64
		if err := tx.QueryRow(ctx, `PRAGMA cache_size`).Scan(&was); err != nil {
			return fmt.Errorf("db: cache size: %w", err)
		}
		tx.after = append(tx.after, func() {
			tx.db.write.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = `+strconv.FormatInt(was, 10))
		})
	}
	if _, err := tx.Exec(ctx, `PRAGMA cache_size = `+strconv.FormatInt(-kib, 10)); err != nil {
		return fmt.Errorf("db: cache size: %w", err)
	}
	tx.cache = kib
	return nil
}

// ExecInRanges runs q, whose last two placeholders bound an id from (>=)
// and to (<), over the ids lo … hi, with args before them. SQLite
// materializes the whole join of an UPDATE … FROM in memory before it
// writes — for a million rows a quarter of a gigabyte — so there q runs
// once per range of step ids, in the transaction; PostgreSQL runs it once
// over all of them (a hash join).
func (tx *Tx) ExecInRanges(ctx context.Context, q string, lo, hi, step int64, args ...any) error {
	if hi < lo {
		return nil
	}
	if tx.db.Dialect == Postgres {
		_, err := tx.Exec(ctx, q, append(args, lo, hi+1)...)
		return err
	}
	st, err := tx.Prepare(ctx, q)
	if err != nil {
		return err
	}
	defer st.Close()
	n := len(args)
	for from := lo; from <= hi; from += step {
		if _, err := st.ExecContext(ctx, append(args[:n:n], from, min(from+step, hi+1))...); err != nil {
			return err
		}
	}
	return nil
}

// IsConstraint reports whether err is the database refusing a row for the
// constraint or trigger named name: on PostgreSQL a check or exclusion
// constraint of that name, on SQLite (which has no exclusion constraints)
// a trigger's RAISE whose message holds the name.
func IsConstraint(err error, name string) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName == name
	}
	return strings.Contains(err.Error(), name)
}
