package registry_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program/rule"
	"github.com/tadamun/tadamun/internal/registry"
)

// randomOrderFiles writes a registry of n households whose members file
// lists the persons in random order, as a registry that grows over years
// has them: a household's persons far apart in the file and so in the
// persons table.
func randomOrderFiles(n int, seed uint64) (households, members string) {
	r := rand.New(rand.NewPCG(seed, 15))
	var hb strings.Builder
	hb.WriteString("household_ref,governorate,monthly_income,electricity,water_source\n")
	var rows []string
	firsts := []string{"أحمد", "محمد", "فاطمة", "مريم", "خالد", "سارة", "يوسف", "ليلى", "عمر", "هدى", "زياد", "رنا"}
	families := []string{"الخطيب", "النجار", "الحداد", "العلي", "المصري", "الشامي", "الزعبي", "منصور"}
	for h := range n {
		ref := fmt.Sprintf("H%05d", h)
		fmt.Fprintf(&hb, "%s,%s,%d,%s,%s\n", ref, []string{"AM", "IR"}[r.IntN(2)], r.IntN(300), []string{"yes", "no"}[r.IntN(8)/7], []string{"piped", "well"}[r.IntN(4)/3])
		size := 1 + r.IntN(9)
		fam := families[r.IntN(len(families))]
		for k := range size {
			rel, sex := "head", []string{"male", "female"}[r.IntN(2)]
			year := 1935 + r.IntN(60)
			switch {
			case k == 1:
				rel, sex = "spouse", "female"
			case k > 1:
				rel = []string{"son", "daughter", "parent", "other"}[r.IntN(4)]
				sex = map[string]string{"son": "male", "daughter": "female"}[rel]
				if sex == "" {
					sex = []string{"male", "female"}[r.IntN(2)]
				}
				year = 1940 + r.IntN(86)
			}
			walking := 1 + r.IntN(4)*r.IntN(2)
			income := ""
			if r.IntN(3) == 0 {
				income = fmt.Sprint(50 + r.IntN(400))
			}
			rows = append(rows, fmt.Sprintf("%s,%s-%d,%s,%s,%s,%s,%s,%s,%d-%02d-%02d,%d,%s\n", ref, ref, k, rel,
				firsts[r.IntN(len(firsts))], firsts[r.IntN(len(firsts))], firsts[r.IntN(len(firsts))], fam, sex, year, 1+r.IntN(12), 1+r.IntN(28), walking, income))
		}
	}
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return hb.String(), "household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,disability_walking,monthly_income\n" + strings.Join(rows, "")
}

// TestLayoutKeepsDecisions imports a registry whose persons arrived in
// random order and reads it household by household through the index
// that covers the loader's columns (SQLite reads no table page), then
// through the narrow index of before (persons fetched from the table one
// by one): the same households, the same members in the same order, and
// the same decisions of a program's rules, in segments of any size.
func TestLayoutKeepsDecisions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		hh, mm := randomOrderFiles(300, 1)
		defer registry.SetImportBatch(97)()
		if _, err := f.s.ImportCSV(f.ctx, f.jo, "households.csv", strings.NewReader(hh), "members.csv", strings.NewReader(mm), registry.ImportOptions{ConfirmDuplicates: true}); err != nil {
			t.Fatal(err)
		}
		// The persons are scattered: consecutive ids rarely share a
		// household.
		var together int
		if err := d.QueryRow(f.ctx, `SELECT COUNT(*) FROM persons a JOIN persons b ON b.id = a.id + 1 AND b.household_id = a.household_id`).Scan(&together); err != nil {
			t.Fatal(err)
		}
		if together > 100 {
			t.Fatalf("%d persons follow one of their household: not random order", together)
		}
		if d.Dialect == db.SQLite {
			var plan []string
			rows, err := d.Query(f.ctx, `EXPLAIN QUERY PLAN `+registry.StreamPersonsQuery, "\x1f", f.jo, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			if p := strings.Join(plan, "; "); !strings.Contains(p, "COVERING INDEX persons_household") || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("persons of a segment read by %q, want the covering index persons_household and no sort", p)
			}
		}
		c, err := rule.CompileProgram(rule.Program{
			Eligibility: `household.income_per_capita < 120.0 && (members.exists(m, has(m.age) && m.age >= 65) || members.exists(m, m.disability))`,
			Score:       `math.greatest(0.0, 120.0 - household.income_per_capita) + 5.0 * double(household.size) + (household.electricity ? 0.0 : 10.0) + (household.water_source == "piped" ? 0.0 : 10.0)`,
			Benefit:     `math.least(80.0, 40.0 + 10.0 * double(members.filter(m, (has(m.age) && m.age >= 65) || m.disability).size()))`,
		})
		if err != nil {
			t.Fatal(err)
		}
		asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		walk := func(span int64) (households []string, decisions []string) {
			defer registry.SetStreamSpan(span)()
			err := f.s.EachHousehold(f.ctx, f.jo, func(id int64, h profile.Household) error {
				households = append(households, fmt.Sprintf("%d %+v", id, h))
				dec := c.Evaluate(&h, asOf, true)
				decisions = append(decisions, fmt.Sprintf("%s %v %.6f %.6f %v", h.Ref, dec.Eligible, dec.Score, dec.Benefit, dec.Clauses))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return households, decisions
		}
		wantH, wantD := walk(64)
		if len(wantH) != 300 {
			t.Fatalf("%d households read, want 300", len(wantH))
		}
		eligible := 0
		for _, s := range wantD {
			if strings.Contains(s, " true ") {
				eligible++
			}
		}
		if eligible == 0 || eligible == len(wantD) {
			t.Fatalf("%d of %d eligible: the rules decide nothing", eligible, len(wantD))
		}
		// The narrow index of before: persons from the table, by rowid.
		if err := d.Tx(f.ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(f.ctx, `DROP INDEX persons_household`); err != nil {
				return err
			}
			_, err := tx.Exec(f.ctx, `CREATE INDEX persons_household ON persons (member_id, household_id)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, span := range []int64{64, 7, 1000} {
			gotH, gotD := walk(span)
			if !slices.Equal(gotH, wantH) {
				t.Errorf("span %d: households read through the narrow index differ", span)
			}
			if !slices.Equal(gotD, wantD) {
				t.Errorf("span %d: decisions through the narrow index differ", span)
			}
		}
	})
}
