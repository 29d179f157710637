package program

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
)

// copyDecisions writes decisions on PostgreSQL with COPY, in one statement
// (COPY is all or nothing).
func (s *Service) copyDecisions(ctx context.Context, r Run, ds *decisions, digest func(*decision), report func(int)) error {
	cols := []string{"run_id", "household_id", "member_id", "household_ref", "eligible", "selected", "rank", "score", "benefit_minor", "error_key", "error_args", "explanation"}
	return s.db.Raw(ctx, func(conn *pgx.Conn) error {
		row := make([]any, 0, len(cols))
		_, err := conn.CopyFrom(ctx, pgx.Identifier{"program_decisions"}, cols, pgx.CopyFromSlice(ds.Len(), func(i int) ([]any, error) {
			d := ds.At(i)
			digest(d)
			if i%65536 == 0 {
				report(i)
			}
			row = decisionArgs(&r, d, row[:0])
			return row, nil
		}))
		if err == nil {
			report(ds.Len())
		}
		return err
	})
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
