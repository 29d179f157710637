package server

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/jobs"
)

// leftJob writes the row of a job of member that a process left in state,
// as another server would have.
func leftJob(tb testing.TB, d *db.DB, member int64, kind, state string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO jobs (kind, member_id, actor_id, state, done_count, total_count, started_at) VALUES (?, ?, 0, ?, 12, 40, ?) RETURNING id`,
			kind, member, state, time.Now().UTC())
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		// A finished job of EG, run by EG's administrator, and one still
		// running.
		r := jobs.New(fx.d, jobs.Options{})
		j, err := r.Run(fx.as("eg.admin"), jobs.Spec{Kind: jobs.KindImport, MemberID: fx.egID}, func(context.Context, *jobs.Progress) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["job"] = strconv.FormatInt(j.ID, 10)
		fx.vals["job_running"] = strconv.FormatInt(leftJob(t, fx.d, fx.egID, jobs.KindImport, jobs.Running), 10)
	})
	v1 := api.Prefix
	crossCases["GET /jobs"] = crossList(v1 + "/jobs")
	crossCases["GET /jobs/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/jobs/" + v["job"] })
	crossCases["POST /jobs/{id}/cancel"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/jobs/" + v["job_running"] + "/cancel", ""
	})
}
