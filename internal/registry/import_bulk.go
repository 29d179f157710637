package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/db"
)

// bulkWriter inserts many new rows at once, the fastest way each engine
// allows inside an ordinary transaction (so that the import, its history
// and its audit records commit together): on SQLite one prepared insert per
// row, on PostgreSQL one INSERT … SELECT FROM unnest(arrays) per batch.
type bulkWriter interface {
	households(ctx context.Context, tx *db.Tx, hs []*Household, importID int64) error // sets the IDs
	persons(ctx context.Context, tx *db.Tx, ps []*Person, importID int64) error       // sets the IDs
	names(ctx context.Context, tx *db.Tx, member int64, tokens []string, ids []int64) error
	close()
}

func newBulkWriter(d db.Dialect) bulkWriter {
	if d == db.Postgres {
		return &pgBulk{}
	}
	return &sqliteBulk{}
}

var householdColumns = []string{"member_id", "household_ref", "governorate", "district", "locality", "address", "dwelling_type",
	"rooms", "water_source", "sanitation", "electricity", "assets", "monthly_income", "registered_on", "source", "consent", "attrs", "import_id",
	"version", "created_at", "updated_at"}

// PostgreSQL array types of the columns, in householdColumns and personColumns order.
var (
	householdTypes = []string{"bigint", "text", "text", "text", "text", "text", "text",
		"int", "text", "text", "int", "text", "bigint", "text", "text", "int", "text", "bigint",
		"int", "timestamptz", "timestamptz"}
	personTypes = []string{"bigint", "bigint", "text", "text", "text", "text",
		"text", "text", "text", "text", "text", "text", "text", "text",
		"int", "int", "int", "int", "int", "int", "int",
		"text", "text", "text", "bigint", "text", "int", "text",
		"text", "text", "text", "text", "text", "bigint", "int", "timestamptz", "timestamptz"}
)

// sqliteBulk writes with multi-row prepared inserts and ids it assigns
// itself: the import holds SQLite's only write lock for its whole
// transaction, so MAX(id)+1 onwards is free, and a statement of many rows
// costs SQLite far less per row than one statement per row.
type sqliteBulk struct {
	nextHH, nextP int64 // the next ids to give; 0 until read
}

func (b *sqliteBulk) close() {}

// sqliteRows is how many rows one multi-row insert carries.
const sqliteRows = 64

// multiInsert inserts n rows into table, sqliteRows per statement.
func multiInsert(ctx context.Context, tx *db.Tx, table string, cols []string, n int, row func(i int) []any) error {
	one := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	var many *sql.Stmt
	i := 0
	if n >= sqliteRows {
		st, err := tx.Prepare(ctx, head+one+strings.Repeat(", "+one, sqliteRows-1))
		if err != nil {
			return err
		}
		defer st.Close()
		many = st
		args := make([]any, 0, sqliteRows*len(cols))
		for ; i+sqliteRows <= n; i += sqliteRows {
			args = args[:0]
			for k := i; k < i+sqliteRows; k++ {
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

func (b *sqliteBulk) next(ctx context.Context, tx *db.Tx, table string, at *int64) error {
	if *at != 0 {
		return nil
	}
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+table).Scan(at); err != nil {
		return fmt.Errorf("next id of %s: %w", table, err)
	}
	return nil
}

func (b *sqliteBulk) households(ctx context.Context, tx *db.Tx, hs []*Household, importID int64) error {
	if err := b.next(ctx, tx, "households", &b.nextHH); err != nil {
		return err
	}
	for _, h := range hs {
		h.ID = b.nextHH
		b.nextHH++
	}
	cols := append([]string{"id"}, householdColumns...)
	return multiInsert(ctx, tx, "households", cols, len(hs), func(i int) []any {
		return append([]any{hs[i].ID}, householdArgs(hs[i], importID)...)
	})
}

func (b *sqliteBulk) persons(ctx context.Context, tx *db.Tx, ps []*Person, importID int64) error {
	if err := b.next(ctx, tx, "persons", &b.nextP); err != nil {
		return err
	}
	for _, p := range ps {
		p.ID = b.nextP
		b.nextP++
	}
	cols := append([]string{"id"}, personColumns...)
	return multiInsert(ctx, tx, "persons", cols, len(ps), func(i int) []any {
		return append([]any{ps[i].ID}, personArgs(ps[i], importID)...)
	})
}

func (b *sqliteBulk) names(ctx context.Context, tx *db.Tx, member int64, tokens []string, ids []int64) error {
	return multiInsert(ctx, tx, "person_names", []string{"member_id", "token", "person_id"}, len(tokens), func(i int) []any {
		return []any{member, tokens[i], ids[i]}
	})
}

type pgBulk struct{}

func (b *pgBulk) close() {}

// unnestInsert returns INSERT INTO table (cols) SELECT * FROM unnest($1::t1[], …).
func unnestInsert(table string, cols, types []string, returning string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") SELECT * FROM unnest(")
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?::" + t + "[]")
	}
	b.WriteString(")")
	if returning != "" {
		b.WriteString(" RETURNING " + returning)
	}
	return b.String()
}

// columnArrays turns rows of arguments into one typed slice per column,
// for unnest.
func columnArrays(types []string, n int, row func(i int) []any) []any {
	cols := make([]any, len(types))
	for c, t := range types {
		switch t {
		case "text":
			cols[c] = make([]string, n)
		case "timestamptz":
			cols[c] = make([]time.Time, n)
		default:
			cols[c] = make([]*int64, n)
		}
	}
	for i := range n {
		for c, v := range row(i) {
			switch a := cols[c].(type) {
			case []string:
				a[i] = v.(string)
			case []time.Time:
				a[i] = v.(time.Time)
			case []*int64:
				switch x := v.(type) {
				case int64:
					a[i] = &x
				case int:
					y := int64(x)
					a[i] = &y
				}
			}
		}
	}
	return cols
}

var (
	pgHouseholdInsert = unnestInsert("households", householdColumns, householdTypes, "id, household_ref")
	pgPersonInsert    = unnestInsert("persons", personColumns, personTypes, "id, member_ref")
	pgNamesInsert     = `INSERT INTO person_names (member_id, token, person_id) SELECT ?, * FROM unnest(?::text[], ?::bigint[])`
)

func (b *pgBulk) households(ctx context.Context, tx *db.Tx, hs []*Household, importID int64) error {
	if len(hs) == 0 {
		return nil
	}
	cols := columnArrays(householdTypes, len(hs), func(i int) []any { return householdArgs(hs[i], importID) })
	rows, err := tx.Query(ctx, pgHouseholdInsert, cols...)
	if err != nil {
		return fmt.Errorf("insert households: %w", err)
	}
	defer rows.Close()
	byRef := make(map[string]*Household, len(hs))
	for _, h := range hs {
		byRef[h.Ref] = h
	}
	for rows.Next() {
		var id int64
		var ref string
		if err := rows.Scan(&id, &ref); err != nil {
			return err
		}
		byRef[ref].ID = id
	}
	return rows.Err()
}

func (b *pgBulk) persons(ctx context.Context, tx *db.Tx, ps []*Person, importID int64) error {
	if len(ps) == 0 {
		return nil
	}
	cols := columnArrays(personTypes, len(ps), func(i int) []any { return personArgs(ps[i], importID) })
	rows, err := tx.Query(ctx, pgPersonInsert, cols...)
	if err != nil {
		return fmt.Errorf("insert persons: %w", err)
	}
	defer rows.Close()
	byRef := make(map[string]*Person, len(ps))
	for _, p := range ps {
		byRef[p.Ref] = p
	}
	for rows.Next() {
		var id int64
		var ref string
		if err := rows.Scan(&id, &ref); err != nil {
			return err
		}
		byRef[ref].ID = id
	}
	return rows.Err()
}

func (b *pgBulk) names(ctx context.Context, tx *db.Tx, member int64, tokens []string, ids []int64) error {
	if len(tokens) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, pgNamesInsert, member, tokens, ids)
	if err != nil {
		return fmt.Errorf("insert name tokens: %w", err)
	}
	return nil
}
