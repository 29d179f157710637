package source_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

// stranger is a person none of decideSetup's registry resembles.
func stranger(ref, relationship string) registry.Person {
	return registry.Person{Ref: ref, Relationship: relationship, FirstName: "نزار", FatherName: "قيس", GrandfatherName: "سالم", FamilyName: "الزين",
		Sex: "male", BirthDate: "1970-03-21", NationalID: "9700321555", Phone: "0797001122"}
}

// refusedNaming reports whether err is the duplicate gate refusing a
// likely duplicate of ref.
func refusedNaming(err error, ref string) bool {
	e := errs.As(err)
	if e == nil || e.Code != errs.Conflict || e.Key != "registry.duplicates_found" {
		return false
	}
	for _, f := range e.Fields {
		if f.Args["other"] == ref {
			return true
		}
	}
	return false
}

func likelyOf(ds []registry.Duplicate, ref string) bool {
	for _, x := range ds {
		if x.Ref == ref && x.Likely() {
			return true
		}
	}
	return false
}

// TestRegisterSeesTheLastRegistration: a person registered and typed
// again at once is a likely duplicate (the index once learnt of new
// persons only when rebuilt, up to 10 minutes later), by every use case
// of the gate; confirming registers and records the confirmation.
func TestRegisterSeesTheLastRegistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := decideSetup(t, d)
		reg := registry.NewWith(d, registry.Options{Duplicates: source.Index(source.NewChecker(d))})
		first, err := reg.Register(f.registrar, f.jo, registry.Household{Ref: "N1"}, []registry.Person{stranger("N1-1", "head")}, registry.DuplicatePolicy{})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Duplicates) != 0 {
			t.Fatalf("the first registration found %+v, want nothing", first.Duplicates)
		}
		t.Run("a household", func(t *testing.T) {
			again, err := reg.Register(f.registrar, f.jo, registry.Household{Ref: "N2"}, []registry.Person{stranger("N2-1", "head")}, registry.DuplicatePolicy{})
			if !refusedNaming(err, "N1-1") || !likelyOf(again.Duplicates, "N1-1") {
				t.Fatalf("again: %v, %+v; want refused as a likely N1-1", err, again.Duplicates)
			}
			if _, err := reg.HouseholdByRef(f.registrar, f.jo, "N2"); !errs.Is(err, errs.NotFound) {
				t.Errorf("N2 after the refusal: %v, want not found", err)
			}
		})
		t.Run("a person added", func(t *testing.T) {
			q, ds, err := reg.RegisterPerson(f.registrar, f.p["M1"].HouseholdID, stranger("N3", "other"), registry.DuplicatePolicy{})
			if !refusedNaming(err, "N1-1") || !likelyOf(ds, "N1-1") || q.ID != 0 {
				t.Fatalf("again: %v, %+v; want refused as a likely N1-1", err, ds)
			}
		})
		t.Run("confirmed", func(t *testing.T) {
			before := actionCount(t, d, "person.duplicate_confirmed")
			again, err := reg.Register(f.registrar, f.jo, registry.Household{Ref: "N2"}, []registry.Person{stranger("N2-1", "head")}, registry.DuplicatePolicy{Confirmed: true})
			if err != nil || !likelyOf(again.Duplicates, "N1-1") {
				t.Fatalf("confirmed: %v, %+v; want saved, N1-1 listed", err, again.Duplicates)
			}
			if n := actionCount(t, d, "person.duplicate_confirmed") - before; n != 1 {
				t.Errorf("%d audit records of the confirmation, want 1", n)
			}
			// The one confirmed is now a duplicate too.
			_, ds, err := reg.RegisterPerson(f.registrar, f.p["M1"].HouseholdID, stranger("N3", "other"), registry.DuplicatePolicy{})
			if !refusedNaming(err, "N2-1") || !likelyOf(ds, "N1-1") {
				t.Errorf("a third time: %v, %+v; want refused naming N1-1 and N2-1", err, ds)
			}
		})
		t.Run("an edit", func(t *testing.T) {
			c3 := f.p["C3"]
			edited := stranger("", "son")
			edited.Version = c3.Version
			edited.FirstName, edited.BirthDate, edited.NationalID, edited.Phone = "مازن", "2010-01-01", "2010010199", ""
			if _, err := reg.UpdatePerson(f.registrar, c3.ID, edited); err != nil {
				t.Fatal(err)
			}
			typed := edited
			typed.Ref, typed.Relationship = "N4", "other"
			_, ds, err := reg.RegisterPerson(f.registrar, f.p["W2"].HouseholdID, typed, registry.DuplicatePolicy{})
			if !refusedNaming(err, "C3") {
				t.Errorf("C3 renamed, then typed again: %v, %+v; want refused naming C3", err, ds)
			}
		})
	})
}

// TestRegisterTwiceAtOnce: two registrars register one person at the same
// moment. Registrations of a member are serialized from the check to the
// index learning of the person, so exactly one is saved and the other is
// refused as its likely duplicate; never are both saved silently. (The
// guarantee holds for registrations through one process's index; the
// index of another process learns of them at its next rebuild.)
func TestRegisterTwiceAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := decideSetup(t, d)
		idx := &meeting{DuplicateIndex: source.Index(source.NewChecker(d)), arrived: map[any]bool{}}
		idx.cond = sync.NewCond(&idx.mu)
		reg := registry.NewWith(d, registry.Options{Duplicates: idx})
		// The index is built before the race, as on a running server.
		if _, err := reg.Register(f.registrar, f.jo, registry.Household{Ref: "B0"}, []registry.Person{{Ref: "B0-1", Relationship: "head",
			FirstName: "هند", FatherName: "رامي", FamilyName: "الخطيب", Sex: "female", BirthDate: "1991-09-09"}}, registry.DuplicatePolicy{}); err != nil {
			t.Fatal(err)
		}
		for round, first := range []string{"وسيم", "جهاد", "عمران"} {
			refs := [2]string{"R" + string(rune('a'+round)) + "1", "R" + string(rune('a'+round)) + "2"}
			var errs2 [2]error
			var wg sync.WaitGroup
			start := make(chan struct{})
			idx.start(2)
			for i, ref := range refs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					ctx := context.WithValue(f.registrar, registrarKey{}, ref)
					p := stranger(ref+"-1", "head")
					p.FirstName, p.FatherName = first, "ناصر"
					p.NationalID, p.Phone = "97"+string(rune('1'+round))+"0321555", ""
					_, errs2[i] = reg.Register(ctx, f.jo, registry.Household{Ref: ref}, []registry.Person{p}, registry.DuplicatePolicy{})
				}()
			}
			close(start)
			wg.Wait()
			saved, refused := 0, 0
			for i, err := range errs2 {
				switch {
				case err == nil:
					saved++
				case refusedNaming(err, refs[1-i]+"-1"):
					refused++
				default:
					t.Errorf("round %d, %s: %v", round, refs[i], err)
				}
			}
			if saved != 1 || refused != 1 {
				t.Errorf("round %d: %d saved, %d refused; want one of each", round, saved, refused)
			}
		}
	})
}

func actionCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type registrarKey struct{}

// meeting is a duplicate index at which registrations wait: a check waits
// until every registrar of the round has arrived (asked for the lock or
// checked), so that registrations not serialized would all check before
// any saves. With the lock, the second registrar arrives by asking for it.
type meeting struct {
	registry.DuplicateIndex
	mu      sync.Mutex
	cond    *sync.Cond
	want    int
	arrived map[any]bool
}

func (m *meeting) start(n int) {
	m.mu.Lock()
	m.want, m.arrived = n, map[any]bool{}
	m.mu.Unlock()
}

func (m *meeting) arrive(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if who := ctx.Value(registrarKey{}); who != nil {
		m.arrived[who] = true
		m.cond.Broadcast()
	}
}

func (m *meeting) Lock(ctx context.Context, member int64) func() {
	m.arrive(ctx)
	return m.DuplicateIndex.Lock(ctx, member)
}

func (m *meeting) Check(ctx context.Context, p registry.Person) ([]registry.Duplicate, error) {
	m.arrive(ctx)
	m.mu.Lock()
	for ctx.Value(registrarKey{}) != nil && len(m.arrived) < m.want {
		m.cond.Wait()
	}
	m.mu.Unlock()
	return m.DuplicateIndex.Check(ctx, p)
}
