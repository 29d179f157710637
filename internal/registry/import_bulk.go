package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tadamun/tadamun/internal/db"
)

// bulkWriter inserts many new rows at once inside the import's ordinary
// transaction, so that the rows, their history and their audit records
// commit together: COPY on PostgreSQL, multi-row prepared INSERT
// statements on SQLite, with ids the writer assigns itself. On SQLite the
// import holds the only write lock for its whole transaction, so
// MAX(id)+1 onwards is free; on PostgreSQL the ids come from the identity
// sequence, a block per batch.
type bulkWriter struct {
	dialect       db.Dialect
	nextHH, nextP int64 // SQLite: the next ids to give; 0 until read
}

func newBulkWriter(d db.Dialect) *bulkWriter { return &bulkWriter{dialect: d} }

func (b *bulkWriter) close() {}

var householdColumns = []string{"member_id", "household_ref", "governorate", "district", "locality", "address", "dwelling_type",
	"rooms", "water_source", "sanitation", "electricity", "assets", "monthly_income", "registered_on", "source", "consent", "attrs", "import_id",
	"version", "created_at", "updated_at"}

// bulkParams bounds the parameters of one multi-row insert (SQLite allows
// 32,766, PostgreSQL 65,535): few statements, so few round trips, which is
// what a loaded machine makes costly.
const bulkParams = 8000

// multiInsert inserts n rows into table: with COPY on PostgreSQL, many rows
// per statement on SQLite.
func multiInsert(ctx context.Context, tx *db.Tx, table string, cols []string, n int, row func(i int) []any) error {
	if tx.DB().Dialect == db.Postgres {
		i := 0
		_, err := tx.CopyFrom(ctx, table, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			return row(i - 1), nil
		}))
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		return nil
	}
	bulkRows := min(1000, bulkParams/len(cols))
	one := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	var many *sql.Stmt
	i := 0
	if n >= bulkRows {
		st, err := tx.Prepare(ctx, head+one+strings.Repeat(", "+one, bulkRows-1))
		if err != nil {
			return err
		}
		defer st.Close()
		many = st
		args := make([]any, 0, bulkRows*len(cols))
		for ; i+bulkRows <= n; i += bulkRows {
			args = args[:0]
			for k := i; k < i+bulkRows; k++ {
				args = append(args, row(k)...)
			}
			if _, err := many.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
		}
	}
	if i < n {
		st, err := tx.Prepare(ctx, head+one)
		if err != nil {
			return err
		}
		defer st.Close()
		for ; i < n; i++ {
			if _, err := st.ExecContext(ctx, row(i)...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
		}
	}
	return nil
}

// ids gives n new ids of table.
func (b *bulkWriter) ids(ctx context.Context, tx *db.Tx, table string, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	if b.dialect == db.Postgres {
		rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n)
		if err != nil {
			return nil, fmt.Errorf("ids of %s: %w", table, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	at := &b.nextHH
	if table == "persons" {
		at = &b.nextP
	}
	if *at == 0 {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+table).Scan(at); err != nil {
			return nil, fmt.Errorf("next id of %s: %w", table, err)
		}
	}
	for range n {
		out = append(out, *at)
		*at++
	}
	return out, nil
}

func (b *bulkWriter) households(ctx context.Context, tx *db.Tx, hs []*Household, importID int64) error {
	ids, err := b.ids(ctx, tx, "households", len(hs))
	if err != nil {
		return err
	}
	for i, h := range hs {
		h.ID = ids[i]
	}
	cols := append([]string{"id"}, householdColumns...)
	return multiInsert(ctx, tx, "households", cols, len(hs), func(i int) []any {
		return append([]any{hs[i].ID}, householdArgs(hs[i], importID)...)
	})
}

func (b *bulkWriter) persons(ctx context.Context, tx *db.Tx, ps []*Person, importID int64) error {
	ids, err := b.ids(ctx, tx, "persons", len(ps))
	if err != nil {
		return err
	}
	for i, p := range ps {
		p.ID = ids[i]
	}
	cols := append([]string{"id"}, personColumns...)
	return multiInsert(ctx, tx, "persons", cols, len(ps), func(i int) []any {
		return append([]any{ps[i].ID}, personArgs(ps[i], importID)...)
	})
}

func (b *bulkWriter) names(ctx context.Context, tx *db.Tx, member int64, tokens []string, ids []int64) error {
	return multiInsert(ctx, tx, "person_names", []string{"member_id", "token", "person_id"}, len(tokens), func(i int) []any {
		return []any{member, tokens[i], ids[i]}
	})
}
