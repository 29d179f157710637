package server

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/printer"
)

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		// A finished bulk print of EG with its file, and one still running.
		// (This setup may run before the one that notes EG's id.)
		eg, err := member.New(fx.d).Get(actor.System(context.Background()), "EG")
		if err != nil {
			t.Fatal(err)
		}
		fx.egID = eg.ID
		r := jobs.New(fx.d, jobs.Options{})
		j, err := r.Run(fx.as("eg.admin"), jobs.Spec{Kind: printer.KindPrint, MemberID: fx.egID}, func(context.Context, *jobs.Progress) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		err = fx.d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), `INSERT INTO print_files (job_id, member_id, actor_id, name, content_type, size, content, created_at) VALUES (?, ?, 0, 'eg.pdf', 'application/pdf', 4, ?, ?)`,
				j.ID, fx.egID, []byte("%PDF"), time.Now().UTC())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["print_job"] = strconv.FormatInt(j.ID, 10)
		fx.vals["print_job_running"] = strconv.FormatInt(leftJob(t, fx.d, fx.egID, printer.KindPrint, jobs.Running), 10)
	})
	v1 := api.Prefix
	crossCases["GET /households/{id}/letter"] = crossGet(func(v map[string]string) string { return v1 + "/households/" + v["reg_household"] + "/letter" })
	crossCases["GET /households/{id}/card"] = crossGet(func(v map[string]string) string { return v1 + "/households/" + v["reg_household"] + "/card" })
	crossCases["GET /payments/cycles/{id}/receipts"] = crossGet(func(v map[string]string) string { return v1 + "/payments/cycles/" + v["pay_cycle"] + "/receipts" })
	crossCases["POST /runs/{id}/print"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/runs/" + v["run"] + "/print", `{"selected":true}`
	})
	crossCases["GET /print/jobs/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/print/jobs/" + v["print_job"] })
	crossCases["GET /print/jobs/{id}/pdf"] = crossGet(func(v map[string]string) string { return v1 + "/print/jobs/" + v["print_job"] + "/pdf" })
	crossCases["POST /print/jobs/{id}/cancel"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/print/jobs/" + v["print_job_running"] + "/cancel", ""
	})
	// JO's user names EG's household among the run's: refused, nothing
	// printed; JO's own household prints.
	crossRefs["POST /runs/{id}/print"] = crossRef{As: "jo.programs",
		Path: func(v map[string]string) string { return v1 + "/runs/" + v["jo_run"] + "/print" },
		Body: func(v map[string]string, eg string) string {
			return `{"households":[` + pick(v, eg, "households", "jo_run_household", "eg_run_household") + `]}`
		},
		IDs: []string{"households"}}
}
