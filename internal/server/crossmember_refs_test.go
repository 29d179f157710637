package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// crossRef declares the numbers in a write route's body, so that a route
// cannot store another member's row by naming its id: every number is an
// id the route must refuse when it names EG's row (IDs), one the server
// sets whatever the body says (Ignored), or one that names no row
// (NotIDs). TestCrossMemberIDs fails for a route whose body carries a
// number not declared here.
type crossRef struct {
	As   string                                      // the JO user who sends the requests
	Path func(v map[string]string) string            // the route's URL, naming JO's rows
	Body func(v map[string]string, eg string) string // a body naming JO's rows, but EG's in field eg ("" for none)

	IDs     []string // JSON paths ("household_id", "items.parent_id") of ids that must belong to the member
	Ignored []string // ids the server sets: EG's value must change nothing of EG
	NotIDs  []string // numbers that name no row: amounts, counts, versions

	// Hole, when not empty, says why the route still stores another
	// member's id: the check is skipped, visibly, until it is fixed.
	Hole string
}

// crossRefSetups create JO's rows the crossRefs name, in fx.vals under
// "jo_…", once every crossSetup has run.
var crossRefSetups []func(t testing.TB, fx *fixture)

// crossRefs holds the declarations, by "METHOD /path" as registered.
// Capabilities add theirs from their crossmember_<area>_test.go.
var crossRefs = map[string]crossRef{}

// pick returns v[egKey] when field is the one to name EG's row (eg),
// else v[joKey].
func pick(v map[string]string, eg, field, joKey, egKey string) string {
	if field == eg {
		return v[egKey]
	}
	return v[joKey]
}

// uniq returns a number not returned before in this process, for
// references that must be new.
func uniq() int64 { return uniqN.Add(1) }

var uniqN atomic.Int64

// instrumentN turns the households the taken instrument requests name.
var instrumentN atomic.Int64

// numberFields returns the JSON paths of the integer fields of t, nested
// objects and lists included (a list of numbers is one path).
func numberFields(t reflect.Type, prefix string, out []string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return append(out, strings.TrimSuffix(prefix, "."))
	case reflect.Struct:
		if t.PkgPath() == "time" {
			return out
		}
	default:
		return out
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
			continue
		case name == "" && f.Anonymous:
			out = numberFields(f.Type, prefix, out)
			continue
		case name == "":
			name = f.Name
		}
		out = numberFields(f.Type, prefix+name+".", out)
	}
	return out
}

// TestCrossMemberIDs proves that no write route stores another member's
// row by id: for every id field a route's body carries, JO's user names
// EG's row there and the request is refused with nothing changed, while
// the same request naming JO's rows succeeds. Ignored ids naming EG's
// rows change nothing of EG. A route whose body carries an undeclared
// number fails the test.
func TestCrossMemberIDs(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) { crossMemberIDs(t, demoDB(t, dl)) })
	}
}

func crossMemberIDs(t *testing.T, d *db.DB) {
	fx := newFixture(t, d)
	for _, setup := range crossRefSetups {
		setup(t, fx)
	}
	for _, rt := range api.Routes() {
		if rt.Public || rt.Body == nil {
			continue
		}
		nums := numberFields(reflect.TypeOf(rt.Body), "", nil)
		if len(nums) == 0 {
			continue
		}
		key := rt.Method + " " + rt.Path
		t.Run(key, func(t *testing.T) {
			c, ok := crossRefs[key]
			if !ok {
				t.Fatalf("the body of %s carries the numbers %v: declare in crossRefs (internal/server/crossmember_<area>_test.go) which are ids of rows (checked), which the server sets, and which name no row", key, nums)
			}
			declared := slices.Concat(c.IDs, c.Ignored, c.NotIDs)
			slices.Sort(declared)
			slices.Sort(nums)
			if !slices.Equal(declared, nums) {
				t.Fatalf("%s: declared %v, the body carries %v", key, declared, nums)
			}
			if c.Hole != "" {
				t.Skipf("KNOWN HOLE, not checked: %s", c.Hole)
			}
			if len(c.IDs)+len(c.Ignored) > 0 {
				c.check(t, fx, rt.Method)
			}
		})
	}
}

func (c crossRef) check(t *testing.T, fx *fixture, method string) {
	fx.callAs(c.As, "GET", api.Prefix+"/me", "") // makes the user's token, which the audit log records
	egBefore := egAudit(t, fx)
	for _, f := range c.IDs {
		before := auditSize(t, fx.d)
		path, body := c.Path(fx.vals), c.Body(fx.vals, f)
		status, out := fx.callAs(c.As, method, path, body)
		if status < 400 || status >= 500 || status == http.StatusUnauthorized {
			t.Errorf("%s %s as %s naming EG's row in %s: status %d, want refused: %.300s", method, path, c.As, f, status, out)
		}
		if after := auditSize(t, fx.d); after != before {
			var action, entity string
			fx.d.QueryRow(context.Background(), `SELECT action, entity_type FROM audit_records ORDER BY seq DESC LIMIT 1`).Scan(&action, &entity)
			t.Errorf("%s %s as %s naming EG's row in %s changed something: audit log grew from %d to %d (last: %s %s)", method, path, c.As, f, before, after, action, entity)
		}
	}
	for _, f := range c.Ignored {
		path, body := c.Path(fx.vals), c.Body(fx.vals, f)
		status, out := fx.callAs(c.As, method, path, body)
		if status >= 500 {
			t.Errorf("%s %s as %s naming EG's row in %s: status %d: %.300s", method, path, c.As, f, status, out)
		}
		if where := foreignJSON(out, fx.egID); status < 300 && where != "" {
			t.Errorf("%s %s as %s naming EG's row in %s answered with EG's data at %s", method, path, c.As, f, where)
		}
	}
	if after := egAudit(t, fx); after != egBefore {
		t.Errorf("%s as %s naming EG's rows changed %d of EG's", method, c.As, after-egBefore)
	}
	// The control: the same request naming JO's rows is taken, so the
	// refusals above are for the foreign ids and not something else.
	path, body := c.Path(fx.vals), c.Body(fx.vals, "")
	if status, out := fx.callAs(c.As, method, path, body); status >= 300 {
		t.Errorf("control: %s %s as %s naming JO's rows: status %d, want success: %.300s\nbody %s", method, path, c.As, status, out, body)
	}
}

// egAudit counts the audit records of EG: every change to EG's rows adds one.
func egAudit(t *testing.T, fx *fixture) int64 {
	t.Helper()
	var n int64
	if err := fx.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE member_id = ?`, fx.egID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func foreignJSON(b []byte, egID int64) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return ""
	}
	return foreign(v, egID)
}

// joValue returns the first column of the first row of q, for the ids of
// JO's demo rows.
func joValue(t testing.TB, d *db.DB, q string, args ...any) string {
	t.Helper()
	var s any
	if err := d.QueryRow(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return fmt.Sprint(s)
}

// The declarations of the routes outside grievances, with the JO rows
// their requests name.
func init() {
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		jo, err := member.New(fx.d).Get(ctx, "JO")
		if err != nil {
			t.Fatal(err)
		}
		reg := registry.New(fx.d)
		household := func(ref string, names ...string) (string, []string) {
			ps := []registry.Person{{Ref: ref + "-H", Relationship: "head", FirstName: names[0], FamilyName: "العبادي", Sex: "male"}}
			for i, n := range names[1:] {
				ps = append(ps, registry.Person{Ref: fmt.Sprintf("%s-%d", ref, i+1), Relationship: "son", FirstName: n, FatherName: "سالم", GrandfatherName: "محمود", FamilyName: "الحداد", Sex: "male", BirthDate: "1990-03-04", NationalID: "9901234567"})
			}
			h, out, err := reg.CreateHousehold(ctx, jo.ID, registry.Household{Ref: ref}, ps)
			if err != nil {
				t.Fatalf("JO household %s: %v", ref, err)
			}
			ids := make([]string, len(out))
			for i, p := range out {
				ids[i] = strconv.FormatInt(p.ID, 10)
			}
			return strconv.FormatInt(h.ID, 10), ids
		}
		var ps []string
		fx.vals["jo_hh1"], ps = household("JO-XREF-1", "عمر", "زيد")
		fx.vals["jo_son1"] = ps[1]
		fx.vals["jo_hh2"], _ = household("JO-XREF-2", "بكر")
		fx.vals["jo_hh3"], ps = household("JO-XREF-3", "خالد", "يوسف")
		fx.vals["jo_head3"], fx.vals["jo_son3"] = ps[0], ps[1]
		// Instruments: one household each for the requests that are taken
		// (the ignored fields' and the control), since a household has at
		// most one pending instrument change.
		for i := range 5 {
			fx.vals[fmt.Sprintf("jo_pi_hh%d", i)], ps = household(fmt.Sprintf("JO-XPI-%d", i), "هالة", "نور")
			fx.vals[fmt.Sprintf("jo_pi_son%d", i)] = ps[1]
		}
		fx.vals["jo_member_id"] = strconv.FormatInt(jo.ID, 10)
		fx.vals["zero"] = "0"
		fx.vals["eg_area"] = joValue(t, fx.d, `SELECT MIN(id) FROM admin_areas WHERE member_id = ?`, fx.egID)
		fx.vals["eg_person_head"] = joValue(t, fx.d, `SELECT MIN(id) FROM persons WHERE household_id = ?`, fx.vals["reg_household"])

		// A JO pair of likely duplicates, neither a head.
		_, a := household("JO-XDUP-1", "ماجد", "ليلى")
		_, b := household("JO-XDUP-2", "سعد", "ليلى")
		rec := func(id, ref string) dedup.Record {
			n, _ := strconv.ParseInt(id, 10, 64)
			return dedup.Record{ID: n, Ref: ref, First: "ليلى", Father: "سالم", Grandfather: "محمود", Family: "الحداد", Sex: dedup.Male,
				BirthYear: 1990, BirthMonth: 3, BirthDay: 4, NationalID: "9901234567"}
		}
		res, err := dedup.Run(ctx, []dedup.Record{rec(a[1], "JO-XDUP-1-1"), rec(b[1], "JO-XDUP-2-1")}, dedup.Options{CallingCode: "962"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dedup.New(fx.d).SaveRun(ctx, jo.ID, res, time.Now()); err != nil {
			t.Fatal(err)
		}
		pairs, err := dedup.New(fx.d).Pairs(ctx, jo.ID, dedup.PairFilter{})
		if err != nil || len(pairs) == 0 {
			t.Fatalf("JO dedup pair: %v, %d pairs", err, len(pairs))
		}
		fx.vals["jo_pair"] = strconv.FormatInt(pairs[0].ID, 10)
		fx.vals["jo_pair_keep"] = strconv.FormatInt(pairs[0].PersonA, 10)

		// A household of a JO run that no live enrollment names: one
		// enrolled household leaves its program.
		var enr int64
		if err := fx.d.QueryRow(ctx, `SELECT MIN(e.id) FROM program_enrollments e WHERE e.member_id = ? AND e.status = 'enrolled'
			AND EXISTS (SELECT 1 FROM program_decisions d JOIN program_runs r ON r.id = d.run_id WHERE r.program_id = e.program_id AND r.status = 'done' AND d.household_id = e.household_id AND d.eligible = ?)`, jo.ID, true).Scan(&enr); err != nil {
			t.Fatalf("JO enrollment: %v", err)
		}
		if _, err := program.New(fx.d).Transition(ctx, enr, program.Exited, "cross-member test", time.Time{}); err != nil {
			t.Fatalf("exit JO enrollment %d: %v", enr, err)
		}
		fx.vals["jo_prop_run"], fx.vals["jo_prop_household"] = "", ""
		rows, err := fx.d.Query(ctx, `SELECT d.run_id, d.household_id FROM program_decisions d JOIN program_runs r ON r.id = d.run_id
			WHERE d.member_id = ? AND r.status = 'done' AND d.eligible = ? AND NOT EXISTS (SELECT 1 FROM program_enrollments e WHERE e.program_id = r.program_id AND e.household_id = d.household_id AND e.status IN ('proposed', 'enrolled', 'suspended'))
			ORDER BY d.run_id DESC, d.household_id LIMIT 1`, jo.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var run, hh int64
			if err := rows.Scan(&run, &hh); err != nil {
				t.Fatal(err)
			}
			fx.vals["jo_prop_run"], fx.vals["jo_prop_household"] = strconv.FormatInt(run, 10), strconv.FormatInt(hh, 10)
		}
		rows.Close()
		if fx.vals["jo_prop_run"] == "" {
			t.Fatal("no JO household of a run left to propose")
		}
		fx.vals["eg_run_household"] = joValue(t, fx.d, `SELECT COALESCE(MIN(household_id), `+fx.vals["reg_household"]+`) FROM program_decisions WHERE member_id = ?`, fx.egID)

		// JO's payments: a cash provider, and a program's latest cycle
		// moved five years on (the same shape, overlapping nothing).
		fx.vals["jo_provider"] = joValue(t, fx.d, `SELECT MIN(code) FROM payment_providers WHERE member_id = ? AND kind = 'cash'`, jo.ID)
		var prog int64
		var start, end string
		if err := fx.d.QueryRow(ctx, `SELECT program_id, period_start, period_end FROM payment_cycles WHERE member_id = ? ORDER BY id DESC LIMIT 1`, jo.ID).Scan(&prog, &start, &end); err != nil {
			t.Fatalf("JO payment cycle: %v", err)
		}
		fx.vals["jo_pay_program"] = strconv.FormatInt(prog, 10)
		later := func(day string) string {
			d, err := time.Parse("2006-01-02", day[:10])
			if err != nil {
				t.Fatal(err)
			}
			return d.AddDate(5, 0, 0).Format("2006-01-02")
		}
		fx.vals["jo_pay_start"], fx.vals["jo_pay_end"] = later(start), later(end)
	})
	v1 := api.Prefix
	path := func(p string) func(map[string]string) string { return func(map[string]string) string { return v1 + p } }

	// Registry: the server sets a row's id, member and household; moves
	// name the household and the new head.
	crossRefs["POST /households"] = crossRef{As: "jo.registrar", Path: path("/households"),
		Body: func(v map[string]string, eg string) string {
			n := uniq()
			return fmt.Sprintf(`{"household":{"household_ref":"JO-XN-%d","id":%s,"member_id":%s},"persons":[{"member_ref":"JO-XN-%d-1","relationship":"head","first_name":"مروان%d","family_name":"الزعبي","sex":"male","id":%s,"member_id":%s,"household_id":%s,"merged_into":%s}]}`,
				n, pick(v, eg, "household.id", "jo_hh2", "reg_household"), pick(v, eg, "household.member_id", "jo_member_id", "reg_eg"),
				n, n, pick(v, eg, "persons.id", "jo_son1", "reg_person"), pick(v, eg, "persons.member_id", "jo_member_id", "reg_eg"),
				pick(v, eg, "persons.household_id", "jo_hh2", "reg_household"), pick(v, eg, "persons.merged_into", "zero", "reg_person"))
		},
		Ignored: []string{"household.id", "household.member_id", "persons.id", "persons.member_id", "persons.household_id", "persons.merged_into"},
		NotIDs:  []string{"household.rooms", "household.monthly_income", "household.version", "household.size", "persons.disability", "persons.monthly_income", "persons.version"}}
	crossRefs["PUT /households/{id}"] = crossRef{As: "jo.registrar",
		Path: func(v map[string]string) string { return v1 + "/households/" + v["jo_hh2"] },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"household_ref":"JO-XREF-2","registered_on":"2026-01-01","rooms":3,"id":%s,"member_id":%s}`,
				pick(v, eg, "id", "jo_hh2", "reg_household"), pick(v, eg, "member_id", "jo_member_id", "reg_eg"))
		},
		Ignored: []string{"id", "member_id"},
		NotIDs:  []string{"rooms", "monthly_income", "version", "size"}}
	person := func(v map[string]string, eg, ref, first string) string {
		return fmt.Sprintf(`{"member_ref":"%s","relationship":"son","first_name":"%s","family_name":"الزعبي","sex":"male","id":%s,"member_id":%s,"household_id":%s,"merged_into":%s}`,
			ref, first, pick(v, eg, "id", "jo_son1", "reg_person"), pick(v, eg, "member_id", "jo_member_id", "reg_eg"),
			pick(v, eg, "household_id", "jo_hh1", "reg_household"), pick(v, eg, "merged_into", "zero", "reg_person"))
	}
	personNumbers := []string{"disability", "monthly_income", "version"}
	crossRefs["POST /households/{id}/persons"] = crossRef{As: "jo.registrar",
		Path: func(v map[string]string) string { return v1 + "/households/" + v["jo_hh1"] + "/persons?force=true" },
		Body: func(v map[string]string, eg string) string {
			n := uniq()
			return person(v, eg, fmt.Sprintf("JO-XP-%d", n), fmt.Sprintf("نادر%d", n))
		},
		Ignored: []string{"id", "member_id", "household_id", "merged_into"}, NotIDs: personNumbers}
	crossRefs["PUT /persons/{id}"] = crossRef{As: "jo.registrar",
		Path: func(v map[string]string) string { return v1 + "/persons/" + v["jo_son1"] },
		Body: func(v map[string]string, eg string) string {
			return person(v, eg, "JO-XREF-1-1", "زيد")
		},
		Ignored: []string{"id", "member_id", "household_id", "merged_into"}, NotIDs: personNumbers}
	crossRefs["POST /persons/{id}/move"] = crossRef{As: "jo.registrar",
		Path: func(v map[string]string) string { return v1 + "/persons/" + v["jo_head3"] + "/move" },
		Body: func(v map[string]string, eg string) string {
			return `{"household_id":` + pick(v, eg, "household_id", "jo_hh2", "reg_household") + `,"relationship":"brother","new_head_id":` + pick(v, eg, "new_head_id", "jo_son3", "reg_person") + `}`
		},
		IDs: []string{"household_id", "new_head_id"}}

	// Deduplication: the check names a member and reads only; a decision
	// keeps one of the pair's two persons.
	crossRefs["POST /dedup/check"] = crossRef{As: "jo.registrar", Path: path("/dedup/check"),
		Body: func(v map[string]string, eg string) string {
			return `{"member":` + pick(v, eg, "member", "jo_member_id", "reg_eg") + `,"person":{"id":` + pick(v, eg, "person.id", "jo_son1", "reg_person") + `,"first_name":"ليلى","family_name":"الحداد"}}`
		},
		IDs: []string{"member"}, Ignored: []string{"person.id"},
		NotIDs: []string{"person.sex", "person.birth_year", "person.birth_month", "person.birth_day"}}
	crossRefs["POST /dedup/pairs/{id}/decision"] = crossRef{As: "jo.registrar",
		Path: func(v map[string]string) string { return v1 + "/dedup/pairs/" + v["jo_pair"] + "/decision" },
		Body: func(v map[string]string, eg string) string {
			return `{"decision":"confirm","reason":"نفس الشخص","keep":` + pick(v, eg, "keep", "jo_pair_keep", "reg_person") + `}`
		},
		IDs: []string{"keep"}}

	// Members and areas: the server sets ids and the member; a parent is
	// named by its code.
	crossRefs["POST /members"] = crossRef{As: "admin", Path: path("/members"),
		Body: func(v map[string]string, eg string) string {
			codes := []string{"KM", "DJ", "SO", "MR", "YE", "LY", "SD", "TN"}
			code := codes[uniq()%int64(len(codes))]
			return `{"code":"` + code + `","kind":"state","name_ar":"تجربة","name_en":"Test","currency":"JOD","timezone":"Asia/Amman","id":` + pick(v, eg, "id", "zero", "reg_eg") + `}`
		},
		Ignored: []string{"id"}}
	crossRefs["POST /members/{code}/areas"] = crossRef{As: "jo.admin", Path: path("/members/JO/areas"),
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"items":[{"level":"governorate","code":"XR%d","name_ar":"تجربة","id":%s,"member_id":%s,"parent_id":%s}]}`,
				uniq(), pick(v, eg, "items.id", "zero", "eg_area"), pick(v, eg, "items.member_id", "jo_member_id", "reg_eg"), pick(v, eg, "items.parent_id", "zero", "eg_area"))
		},
		Ignored: []string{"items.id", "items.member_id", "items.parent_id"}}

	// Programs and payments.
	crossRefs["POST /programs"] = crossRef{NotIDs: []string{"cap.households"}}
	crossRefs["POST /programs/{id}/runs"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /payment-programs/{id}/budget"] = crossRef{NotIDs: []string{"amount"}}
	crossRefs["POST /runs/{id}/proposals"] = crossRef{As: "jo.programs",
		Path: func(v map[string]string) string { return v1 + "/runs/" + v["jo_prop_run"] + "/proposals" },
		Body: func(v map[string]string, eg string) string {
			return `{"households":[` + pick(v, eg, "households", "jo_prop_household", "eg_run_household") + `]}`
		},
		IDs: []string{"households"}}
	crossRefs["POST /payment-cycles"] = crossRef{As: "jo.finance", Path: path("/payment-cycles"),
		Body: func(v map[string]string, eg string) string {
			return `{"program_id":` + pick(v, eg, "program_id", "jo_pay_program", "pay_program") + `,"period_start":"` + v["jo_pay_start"] + `","period_end":"` + v["jo_pay_end"] + `"}`
		},
		IDs: []string{"program_id"}, NotIDs: []string{"version"}}
	crossRefs["POST /payment-providers"] = crossRef{As: "jo.approver", Path: path("/payment-providers"),
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"code":"XP%d","kind":"cash","name":"مكتب بريد","id":%s,"member_id":%s}`, uniq(), pick(v, eg, "id", "zero", "eg_area"), pick(v, eg, "member_id", "jo_member_id", "reg_eg"))
		},
		Ignored: []string{"id", "member_id"}}
	crossRefs["POST /payment-instruments"] = crossRef{As: "jo.finance", Path: path("/payment-instruments"),
		Body: func(v map[string]string, eg string) string {
			hh, son := "jo_hh1", "jo_son1"
			if eg != "household_id" && eg != "recipient_person_id" {
				// A request that is taken: a household of its own.
				n := instrumentN.Add(1) % 5
				hh, son = fmt.Sprintf("jo_pi_hh%d", n), fmt.Sprintf("jo_pi_son%d", n)
			}
			return fmt.Sprintf(`{"household_id":%s,"recipient_person_id":%s,"recipient_name":"زيد","kind":"cash","provider":"%s","id":%s,"member_id":%s,"approval_id":%s,"created_by":%s}`,
				pick(v, eg, "household_id", hh, "reg_household"), pick(v, eg, "recipient_person_id", son, "reg_person"), v["jo_provider"],
				pick(v, eg, "id", "zero", "pay_instrument"), pick(v, eg, "member_id", "jo_member_id", "reg_eg"), pick(v, eg, "approval_id", "zero", "eg_area"), pick(v, eg, "created_by", "zero", "user"))
		},
		IDs:     []string{"household_id", "recipient_person_id"},
		Ignored: []string{"id", "member_id", "approval_id", "created_by"}}
}
