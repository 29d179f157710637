package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Rows is a stream of rows for Tx.Insert. Next moves to the next row and
// reports whether there is one; Values returns it (Insert is done with the
// slice before it calls Next again, so the slice may be reused); Err
// returns what stopped the stream early, or nil. It is the shape of pgx's
// CopyFromSource, so that callers need not import pgx.
type Rows interface {
	Next() bool
	Values() ([]any, error)
	Err() error
}

// RowsOf returns rows as a Rows.
func RowsOf(rows [][]any) Rows { return &sliceRows{rows: rows, i: -1} }

type sliceRows struct {
	rows [][]any
	i    int
}

func (r *sliceRows) Next() bool             { r.i++; return r.i < len(r.rows) }
func (r *sliceRows) Values() ([]any, error) { return r.rows[r.i], nil }
func (r *sliceRows) Err() error             { return nil }

// RowsFunc returns the rows fn makes, one a call, until it returns a nil
// row (the end) or an error (which Insert returns).
func RowsFunc(fn func() ([]any, error)) Rows { return &funcRows{fn: fn} }

type funcRows struct {
	fn  func() ([]any, error)
	row []any
	err error
}

func (r *funcRows) Next() bool {
	if r.err != nil {
		return false
	}
	r.row, r.err = r.fn()
	return r.err == nil && r.row != nil
}
func (r *funcRows) Values() ([]any, error) { return r.row, nil }
func (r *funcRows) Err() error             { return r.err }

// sourceRows keeps the error of the rows' source, which pgx turns into a
// failed COPY.
type sourceRows struct {
	Rows
	err error
}

func (r *sourceRows) Values() ([]any, error) {
	v, err := r.Rows.Values()
	if err != nil {
		r.err = err
	}
	return v, err
}

func (r *sourceRows) Err() error {
	err := r.Rows.Err()
	if err != nil {
		r.err = err
	}
	return err
}

// bulkParams bounds the bound parameters of one multi-row INSERT on SQLite
// (it allows 32,766): few statements, so few calls into the engine, and no
// statement so large that building it costs more than it saves.
const bulkParams = 8000

// Insert writes rows into table's columns cols inside the transaction, so
// that they commit or roll back with everything else it wrote, and returns
// how many it wrote. It is the one way to write many rows at once:
// PostgreSQL's COPY, and on SQLite prepared INSERT statements of many rows
// each (a statement per row costs more there than the row itself).
//
// A failure leaves the transaction unusable on PostgreSQL (COPY is all or
// nothing), so the caller returns the error rather than reading further.
func (tx *Tx) Insert(ctx context.Context, table string, cols []string, rows Rows) (int64, error) {
	var n int64
	var err error
	if tx.conn != nil {
		src := &sourceRows{Rows: rows}
		err = tx.conn.Raw(func(dc any) error {
			n, err = dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, src)
			return err
		})
		if src.err != nil {
			// pgx reports it as the server's refusal of the COPY.
			err = src.err
		}
	} else {
		n, err = tx.insertMany(ctx, table, cols, rows)
	}
	if err != nil {
		return n, fmt.Errorf("db: insert into %s: %w", table, err)
	}
	return n, nil
}

// insertMany is Insert on SQLite: full groups of rows through one prepared
// statement, and the rest through one statement of their size.
func (tx *Tx) insertMany(ctx context.Context, table string, cols []string, rows Rows) (int64, error) {
	per := max(1, min(1000, bulkParams/len(cols)))
	tuple := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	query := func(k int) string { return head + tuple + strings.Repeat(", "+tuple, k-1) }
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, per*len(cols))
	var n int64
	for rows.Next() {
		row, err := rows.Values()
		if err != nil {
			return n, err
		}
		if len(row) != len(cols) {
			return n, fmt.Errorf("row %d has %d values for %d columns", n+1, len(row), len(cols))
		}
		args = append(args, row...)
		if len(args) < cap(args) {
			continue
		}
		if full == nil {
			if full, err = tx.Prepare(ctx, query(per)); err != nil {
				return n, err
			}
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return n, err
		}
		n += int64(per)
		args = args[:0]
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if k := len(args) / len(cols); k > 0 {
		if _, err := tx.Exec(ctx, query(k), args...); err != nil {
			return n, err
		}
		n += int64(k)
	}
	return n, nil
}

// NextIDs reserves n new ids of table's identity column id for rows the
// caller inserts with their ids given, so that it can refer to them before
// they are written. PostgreSQL takes them from the column's sequence; on
// SQLite, whose one writer holds the database until the transaction ends,
// they follow the largest id of the table and of the ids this transaction
// reserved before.
func (tx *Tx) NextIDs(ctx context.Context, table string, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	if tx.db.Dialect == Postgres {
		rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n)
		if err != nil {
			return nil, fmt.Errorf("db: ids of %s: %w", table, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, fmt.Errorf("db: ids of %s: %w", table, err)
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	if tx.next == nil {
		tx.next = map[string]int64{}
	}
	next, ok := tx.next[table]
	if !ok {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+table).Scan(&next); err != nil {
			return nil, fmt.Errorf("db: next id of %s: %w", table, err)
		}
	}
	for range n {
		out = append(out, next)
		next++
	}
	tx.next[table] = next
	return out, nil
}
