package program_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
)

var asOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// fixture is a member with its users and a program service.
type fixture struct {
	d        *db.DB
	s        *program.Service
	member   int64
	other    int64
	sys      context.Context
	manager  context.Context // program_manager of the member
	approver context.Context // approver of the member
	outsider context.Context // program_manager of another member
}

func mustFixture(tb testing.TB, d *db.DB) fixture {
	tb.Helper()
	sys := actor.System(context.Background())
	ms := member.New(d)
	jo, err := ms.Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"})
	if err != nil {
		tb.Fatal(err)
	}
	eg, err := ms.Create(sys, member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo"})
	if err != nil {
		tb.Fatal(err)
	}
	// Actors without user rows: creating users hashes passwords, which is
	// slow; only tests that need the users table (approvals) call realUsers.
	as := func(id, m int64, name string, role actor.Role) context.Context {
		return actor.With(context.Background(), actor.Actor{UserID: id, Username: name, MemberID: m, Roles: []actor.Role{role}})
	}
	return fixture{d: d, s: program.New(d), member: jo.ID, other: eg.ID, sys: sys,
		manager:  as(1001, jo.ID, "manager", actor.ProgramManager),
		approver: as(1002, jo.ID, "approver", actor.Approver),
		outsider: as(1003, eg.ID, "outsider", actor.ProgramManager)}
}

// realUsers replaces the fixture's actors with users that exist.
func (f *fixture) realUsers(tb testing.TB) {
	tb.Helper()
	as := auth.New(f.d)
	user := func(m int64, name string, role actor.Role) context.Context {
		u, err := as.CreateUser(f.sys, auth.NewUser{MemberID: m, Username: name, DisplayName: name, Password: "correct horse battery", Roles: []actor.Role{role}})
		if err != nil {
			tb.Fatal(err)
		}
		return actor.With(context.Background(), u.Actor())
	}
	f.manager = user(f.member, "manager", actor.ProgramManager)
	f.approver = user(f.member, "approver", actor.Approver)
	f.outsider = user(f.other, "outsider", actor.Approver)
}

// activate proposes program id's activation as the manager and approves it
// as the approver: activating is an eligibility decision.
func (f *fixture) activate(tb testing.TB, id int64) {
	tb.Helper()
	p, err := f.s.SetStatus(f.manager, id, program.Active)
	if err != nil || p.Status != program.Draft || p.ActivationApprovalID == 0 {
		tb.Fatalf("propose activation: got %+v, %v", p, err)
	}
	if p, err = f.s.DecideChange(f.approver, p.ActivationApprovalID, true, ""); err != nil || p.Status != program.Active {
		tb.Fatalf("approve activation: got %+v, %v", p, err)
	}
}

func ptr[T any](v T) *T { return &v }

func baseSpec() program.Spec {
	return program.Spec{
		Code: "cash-65", NameAR: "دعم كبار السن", NameEN: "Older persons' support", Kind: "cash_transfer",
		TargetGroups: []string{"older_persons", "poor_families"}, Frequency: "monthly", StartDate: "2026-01-01", Budget: "1000000",
		Eligibility: `household.income_per_capita < 100.0 && members.exists(m, has(m.age) && m.age >= 65)`,
		Score:       `100.0 - household.income_per_capita`,
		Benefit:     `20.0 + 2.5 * double(household.size)`,
	}
}

func TestApply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		if !a.Created || a.Program.Code != "CASH-65" || a.Program.Currency != "JOD" || a.Program.Budget != 1_000_000_000 || a.Program.Status != program.Draft || a.Version.Version != 1 {
			t.Fatalf("got %+v", a)
		}
		t.Run("same spec writes nothing", func(t *testing.T) {
			b, err := f.s.Apply(f.manager, f.member, baseSpec())
			if err != nil || b.Changed || b.NewVersion || b.Version.Version != 1 {
				t.Fatalf("got %+v, %v; want no change", b, err)
			}
		})
		t.Run("new name keeps the version", func(t *testing.T) {
			sp := baseSpec()
			sp.NameEN = "Older persons' cash support"
			b, err := f.s.Apply(f.manager, f.member, sp)
			if err != nil || !b.Changed || b.NewVersion || b.Program.Version != 1 {
				t.Fatalf("got %+v, %v", b, err)
			}
		})
		t.Run("rule change makes a new version and keeps the old", func(t *testing.T) {
			sp := baseSpec()
			sp.Eligibility = `household.income_per_capita < 120.0 && members.exists(m, has(m.age) && m.age >= 65)`
			sp.Cap = &program.CapSpec{Households: ptr[int64](10)}
			sp.Note = "raise the income line"
			b, err := f.s.Apply(f.manager, f.member, sp)
			if err != nil || !b.NewVersion || b.Program.Version != 2 {
				t.Fatalf("got %+v, %v", b, err)
			}
			old, err := f.s.Version(f.manager, a.Program.ID, 1)
			if err != nil || !strings.Contains(old.Rules.Eligibility, "< 100.0") || old.Rules.CapKind != program.CapNone {
				t.Fatalf("version 1: got %+v, %v", old, err)
			}
			vs, err := f.s.Versions(f.manager, a.Program.ID)
			if err != nil || len(vs) != 2 || vs[0].Rules.CapCount != 10 || vs[0].Note != "raise the income line" {
				t.Fatalf("versions: got %+v, %v", vs, err)
			}
		})
		t.Run("another member's manager cannot see or change it", func(t *testing.T) {
			if _, err := f.s.Get(f.outsider, a.Program.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("get: got %v, want not found", err)
			}
			if _, err := f.s.Apply(f.outsider, f.member, baseSpec()); !errs.Is(err, errs.NotFound) {
				t.Errorf("apply: got %v, want not found", err)
			}
			if ps, err := f.s.List(f.outsider, 0); err != nil || len(ps) != 0 {
				t.Errorf("list: got %v, %v; want none", ps, err)
			}
		})
		t.Run("approver cannot write programs", func(t *testing.T) {
			if _, err := f.s.Apply(f.approver, f.member, baseSpec()); !errs.Is(err, errs.Forbidden) {
				t.Errorf("got %v, want forbidden", err)
			}
		})
		t.Run("status goes draft, active, closed, archived", func(t *testing.T) {
			if _, err := f.s.SetStatus(f.manager, a.Program.ID, program.Closed); !errs.Is(err, errs.Conflict) {
				t.Fatalf("draft → closed: got %v, want conflict", err)
			}
			f.realUsers(t)
			f.activate(t, a.Program.ID)
			for _, st := range []string{program.Closed, program.Archived} {
				if p, err := f.s.SetStatus(f.manager, a.Program.ID, st); err != nil || p.Status != st {
					t.Fatalf("→ %s: got %+v, %v", st, p, err)
				}
			}
			sp := baseSpec()
			sp.Eligibility = `true`
			if _, err := f.s.Apply(f.manager, f.member, sp); !errs.Is(err, errs.Conflict) {
				t.Errorf("changing an archived program: got %v, want conflict", err)
			}
		})
	})
}

func TestApplyRefusesBadSpecs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		tests := []struct {
			name  string
			edit  func(*program.Spec)
			field string
			key   string
		}{
			{"cap of zero households", func(s *program.Spec) { s.Cap = &program.CapSpec{Households: ptr[int64](0)} }, "cap", "program.cap_zero"},
			{"cap of zero budget", func(s *program.Spec) { s.Cap = &program.CapSpec{Budget: "0"} }, "cap", "program.cap_zero"},
			{"protected attribute", func(s *program.Spec) { s.Eligibility = `household.attrs["religion"] == "x"` }, "eligibility", "rule.protected"},
			{"eligibility returns a number", func(s *program.Spec) { s.Eligibility = `household.size` }, "eligibility", "rule.return_bool"},
			{"score does not type-check", func(s *program.Spec) { s.Score = `household.size + "a"` }, "score", "rule.type"},
			{"unknown kind", func(s *program.Spec) { s.Kind = "lottery" }, "kind", "program.kind_unknown"},
			{"unknown target group", func(s *program.Spec) { s.TargetGroups = []string{"friends"} }, "target_groups", "program.group_unknown"},
			{"end before start", func(s *program.Spec) { s.EndDate = "2025-12-31" }, "end_date", "program.end_before_start"},
			{"budget with too many decimals", func(s *program.Spec) { s.Budget = "10.1234" }, "budget", "program.amount_invalid"},
			{"budget cap without benefit", func(s *program.Spec) { s.Benefit = ""; s.Cap = &program.CapSpec{Budget: "100"} }, "cap", "program.cap_budget_needs_benefit"},
			{"threshold above one", func(s *program.Spec) { s.FairnessThreshold = ptr(1.5) }, "fairness_threshold", "program.threshold_invalid"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				sp := baseSpec()
				tc.edit(&sp)
				_, err := f.s.Apply(f.manager, f.member, sp)
				e := errs.As(err)
				if err == nil || e.Code != errs.Invalid {
					t.Fatalf("got %v, want invalid", err)
				}
				for _, fe := range e.Fields {
					if fe.Field == tc.field && fe.Key == tc.key {
						return
					}
				}
				t.Errorf("got fields %+v, want %s: %s", e.Fields, tc.field, tc.key)
			})
		}
		if ps, _ := f.s.List(f.sys, f.member); len(ps) != 0 {
			t.Errorf("refused specs left %d programs behind", len(ps))
		}
	})
}

func TestApplyFileNamesLineAndColumn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		yamlFile := `code: WIDOWS
name_ar: دعم الأرامل
name_en: Widows' support
kind: cash_transfer
start_date: "2026-01-01"
eligibility: |
  household.income_per_capita < 100.0 &&
    members.exists(m, m.attrs["tribe"] == "x")
`
		jsonFile := `{"code": "WIDOWS", "name_ar": "دعم الأرامل", "name_en": "Widows' support", "kind": "cash_transfer",
 "start_date": "2026-01-01",
 "eligibility": "household.size >= 1 && household.religion == 1"}`
		tests := []struct {
			name, file, data string
			row, line, col   int
		}{
			// The key "tribe" is at rule line 2, column 29 (file column 31);
			// the block starts on file line 7 with two spaces of indent. In JSON
			// the rule starts at column 18 and CEL places ".religion" at its dot.
			{"yaml block", "widows.yaml", yamlFile, 8, 8, 31},
			{"json string", "widows.json", jsonFile, 3, 3, 50},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.s.ApplyFile(f.manager, f.member, tc.file, []byte(tc.data))
				e := errs.As(err)
				if e.Key != "program.file_invalid" || e.Args["file"] != tc.file || len(e.Fields) != 1 {
					t.Fatalf("got %v", err)
				}
				fe := e.Fields[0]
				if fe.Field != "eligibility" || fe.Key != "rule.protected" || fe.Row != tc.row || fe.Args["line"] != tc.line || fe.Args["col"] != tc.col {
					t.Errorf("got %+v, want eligibility rule.protected at row %d line %d col %d", fe, tc.row, tc.line, tc.col)
				}
			})
		}
		t.Run("unknown field", func(t *testing.T) {
			_, err := f.s.ApplyFile(f.manager, f.member, "x.yaml", []byte("code: X1\nreligion_rule: yes\n"))
			if e := errs.As(err); e.Key != "program.file_syntax" || e.Args["line"] != 2 {
				t.Errorf("got %v, want syntax error on line 2", err)
			}
		})
		t.Run("spec round-trips through a file", func(t *testing.T) {
			a, err := f.s.Apply(f.manager, f.member, baseSpec())
			if err != nil {
				t.Fatal(err)
			}
			data, err := a.Program.Spec(a.Version).MarshalFile()
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.s.ApplyFile(f.manager, f.member, "back.yaml", data)
			if err != nil || b.Changed {
				t.Errorf("got %+v, %v; want no change from\n%s", b, err, data)
			}
		})
	})
}

// households generates n households: household i has income per capita
// i%150 and an older person when i%3 == 0; every 50th has no members (an
// error for income_per_capita).
func households(n int) []profile.Household {
	r := rand.New(rand.NewPCG(1, 2))
	govs := []string{"Amman", "Irbid", "Zarqa"}
	hs := make([]profile.Household, n)
	for i := range hs {
		h := &hs[i]
		h.Ref = fmt.Sprintf("H%05d", i+1)
		h.Governorate = govs[i%len(govs)]
		if i%50 == 49 {
			continue
		}
		size := 1 + r.IntN(5)
		for j := range size {
			p := profile.Person{Relationship: "son", Sex: "male", BirthDate: asOf.AddDate(-10-j, 0, 0)}
			if j == 0 {
				p.Relationship = "head"
				p.Sex = []string{"male", "female"}[i%2]
				p.BirthDate = asOf.AddDate(-40, 0, 0)
				if i%3 == 0 {
					p.BirthDate = asOf.AddDate(-70, 0, 0)
				}
				p.MonthlyIncome = int64(i%150) * int64(size)
			}
			h.Members = append(h.Members, p)
		}
	}
	return hs
}

// memSource streams hs as the registry does, reusing one members slice.
func memSource(hs []profile.Household) program.Source {
	return func(ctx context.Context, _ int64, fn func(int64, profile.Household) error) error {
		var members []profile.Person
		for i := range hs {
			h := hs[i]
			members = append(members[:0], h.Members...)
			h.Members = members
			if err := fn(int64(i+1), h); err != nil {
				return err
			}
		}
		return nil
	}
}

// want computes what a run of baseSpec must decide for hs.
func want(hs []profile.Household) (eligible, errors int) {
	for _, h := range hs {
		if len(h.Members) == 0 {
			errors++
			continue
		}
		total := int64(0)
		for _, p := range h.Members {
			total += p.MonthlyIncome
		}
		if float64(total)/float64(len(h.Members)) < 100 && !h.Members[0].BirthDate.After(asOf.AddDate(-65, 0, 0)) {
			eligible++
		}
	}
	return
}
