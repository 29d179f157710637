package payment

import (
	"context"
	"database/sql"
	"strings"

	"github.com/tadamun/tadamun/internal/db"
)

// multiRows is how many rows one multi-row INSERT carries on SQLite: large
// enough that the cost of a statement is spread over many rows, small
// enough to stay far below SQLite's limit on bound parameters.
const multiRows = 256

// multiInsert writes rows in groups of multiRows through one prepared
// multi-row INSERT (and a statement of the right size for the last group).
// It is for SQLite, where a statement per row costs more than the row. Not
// safe for concurrent use.
type multiInsert struct {
	tx     *db.Tx
	prefix string
	cols   int
	full   *sql.Stmt
	args   []any
	// failed holds the arguments of the last statement that failed.
	failed []any
}

func newMultiInsert(tx *db.Tx, prefix string, cols int) *multiInsert {
	return &multiInsert{tx: tx, prefix: prefix, cols: cols, args: make([]any, 0, multiRows*cols)}
}

func (m *multiInsert) query(rows int) string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", m.cols), ", ") + ")"
	return m.prefix + strings.TrimSuffix(strings.Repeat(tuple+", ", rows), ", ")
}

// add queues one row and writes the group when it is full.
func (m *multiInsert) add(ctx context.Context, row ...any) error {
	m.args = append(m.args, row...)
	if len(m.args) < multiRows*m.cols {
		return nil
	}
	if m.full == nil {
		st, err := m.tx.Prepare(ctx, m.query(multiRows))
		if err != nil {
			return err
		}
		m.full = st
	}
	return m.exec(ctx, m.full)
}

// flush writes the rows still queued.
func (m *multiInsert) flush(ctx context.Context) error {
	if len(m.args) == 0 {
		return nil
	}
	if len(m.args) == multiRows*m.cols && m.full != nil {
		return m.exec(ctx, m.full)
	}
	_, err := m.tx.Exec(ctx, m.query(len(m.args)/m.cols), m.args...)
	return m.done(err)
}

func (m *multiInsert) exec(ctx context.Context, st *sql.Stmt) error {
	_, err := st.ExecContext(ctx, m.args...)
	return m.done(err)
}

func (m *multiInsert) done(err error) error {
	if err != nil {
		m.failed = append(m.failed[:0], m.args...)
	}
	m.args = m.args[:0]
	return err
}

func (m *multiInsert) close() {
	if m.full != nil {
		m.full.Close()
	}
}
