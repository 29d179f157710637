package registry

import (
	"context"

	"github.com/tadamun/tadamun/internal/db"
)

// bulkWriter inserts many new rows at once inside the import's ordinary
// transaction, so that the rows, their history and their audit records
// commit together (db.Tx.Insert), with ids reserved before they are
// written (db.Tx.NextIDs), so that persons can name their household.
type bulkWriter struct{}

func newBulkWriter() *bulkWriter { return &bulkWriter{} }

func (b *bulkWriter) close() {}

var householdColumns = []string{"member_id", "household_ref", "governorate", "district", "locality", "address", "dwelling_type",
	"rooms", "water_source", "sanitation", "electricity", "assets", "monthly_income", "registered_on", "source", "consent", "attrs", "import_id",
	"version", "created_at", "updated_at", "contact_consent", "contact_lang", "contact_email"}

// multiInsert inserts the n rows row makes into table.
func multiInsert(ctx context.Context, tx *db.Tx, table string, cols []string, n int, row func(i int) []any) error {
	i := 0
	_, err := tx.Insert(ctx, table, cols, db.RowsFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		return row(i - 1), nil
	}))
	return err
}

// ids gives n new ids of table.
func (b *bulkWriter) ids(ctx context.Context, tx *db.Tx, table string, n int) ([]int64, error) {
	return tx.NextIDs(ctx, table, n)
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

// names writes the name tokens of new persons, with their persons' ids
// and signatures, and on PostgreSQL each person's tokens as one array
// (person_tokens): sets[i] are the tokens of person setIDs[i].
func (b *bulkWriter) names(ctx context.Context, tx *db.Tx, member int64, tokens []string, ids, sigs []int64, sets [][]string, setIDs []int64) error {
	if err := multiInsert(ctx, tx, "person_names", []string{"member_id", "token", "person_id", "sig"}, len(tokens), func(i int) []any {
		return []any{member, tokens[i], ids[i], sigs[i]}
	}); err != nil || tx.DB().Dialect != db.Postgres {
		return err
	}
	return multiInsert(ctx, tx, "person_tokens", []string{"person_id", "member_id", "tokens"}, len(sets), func(i int) []any {
		return []any{setIDs[i], member, sets[i]}
	})
}
