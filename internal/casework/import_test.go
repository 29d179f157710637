package casework

import (
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

func TestImportIsAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		header := "type_code,household_ref,owner,person_ref,status,risk_level,opened_on,consent_kind,consent_by,consent_scope,legal_ground,note\n"
		bad := header +
			"elderly_care,HH-1,jo.worker,HH-1-1,followup,high,2026-01-10,consent,سلمى,case_management,,زيارات شهرية\n" +
			"no_such_type,HH-1,jo.worker,,new,,2026-01-10,legal,,,court_order,\n" +
			"gbv,HH-404,eg.worker,,new,,2026-01-10,,,,,\n"
		_, err := w.s.Import(w.manager.ctx, w.jo, "cases.csv", strings.NewReader(bad))
		e := errs.As(err)
		if e == nil || e.Key != "casework.import_failed" {
			t.Fatalf("got %v, want casework.import_failed", err)
		}
		want := map[string]bool{"3 type_code": true, "4 household_ref": true, "4 owner": true, "4 consent_kind": true}
		for _, f := range e.Fields {
			delete(want, strings.Join([]string{string(rune('0' + f.Row)), f.Field}, " "))
		}
		if len(want) > 0 {
			t.Fatalf("problems not reported: %v (got %+v)", want, e.Fields)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM cases`); n != 0 {
			t.Fatalf("got %d cases written from a bad file, want none", n)
		}
		good := header +
			"elderly_care,HH-1,jo.worker,HH-1-1,followup,high,2026-01-10,consent,سلمى,case_management,,زيارات شهرية\n" +
			"gbv,HH-1,jo.worker2,,new,,2026-02-01,legal,,,imminent_danger,خطة سلامة\n"
		out, err := w.s.Import(w.manager.ctx, w.jo, "cases.csv", strings.NewReader(good))
		if err != nil || out.Cases != 2 {
			t.Fatalf("import: %+v %v", out, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM case_notes WHERE body = '' AND body_enc IS NOT NULL`); n != 1 {
			t.Fatalf("the sensitive case's note is not sealed")
		}
		list, total, err := w.s.List(w.super.ctx, Filter{MemberID: w.jo, Status: "followup"})
		if err != nil || total != 1 || list[0].RiskLevel != "high" {
			t.Fatalf("imported case: %d %+v %v", total, list, err)
		}
		if _, err := w.s.Import(w.worker.ctx, w.jo, "cases.csv", strings.NewReader(good)); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a worker importing: %v", err)
		}
	})
}
