package registry

import (
	"context"
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

type sqliteBulk struct{}

func (b *sqliteBulk) close() {}

func (b *sqliteBulk) households(ctx context.Context, tx *db.Tx, hs []*Household, importID int64) error {
	st, err := tx.Prepare(ctx, householdInsert)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, h := range hs {
		if err := st.QueryRowContext(ctx, householdArgs(h, importID)...).Scan(&h.ID); err != nil {
			return fmt.Errorf("insert household %s: %w", h.Ref, err)
		}
	}
	return nil
}

func (b *sqliteBulk) persons(ctx context.Context, tx *db.Tx, ps []*Person, importID int64) error {
	st, err := tx.Prepare(ctx, personInsert)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, p := range ps {
		if err := st.QueryRowContext(ctx, personArgs(p, importID)...).Scan(&p.ID); err != nil {
			return fmt.Errorf("insert person %s: %w", p.Ref, err)
		}
	}
	return nil
}

func (b *sqliteBulk) names(ctx context.Context, tx *db.Tx, member int64, tokens []string, ids []int64) error {
	st, err := tx.Prepare(ctx, `INSERT INTO person_names (member_id, token, person_id) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, t := range tokens {
		if _, err := st.ExecContext(ctx, member, t, ids[i]); err != nil {
			return fmt.Errorf("insert name token: %w", err)
		}
	}
	return nil
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
