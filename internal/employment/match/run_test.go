package match

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
)

var start = time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC)

func mustMember(tb testing.TB, d *db.DB, code string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', '962', ?, ?) RETURNING id`,
			code, "عضو "+code, "Member "+code, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func count(tb testing.TB, d *db.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if got := errs.CodeOf(err); got != code {
		tb.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func TestNightlyRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo, eg := mustMember(t, d, "JO"), mustMember(t, d, "EG")
		clock := calendar.NewManual(start)
		src := &memSeekers{member: jo, n: 3000, nv: 40, seed: 7}
		// EG has a vacancy and a seeker of its own (fixed list).
		src.seekers = append(src.seekers, genSeeker(1, 900001, eg))
		src.vacancies = append(src.vacancies, genVacancy(1, 900001, eg))
		s := New(Options{Seekers: src, DB: d, Jobs: jobs.New(d, jobs.Options{}), Clock: clock.Clock(), TopN: 7, Workers: 3,
			Members: member.NewWith(d, member.Options{Clock: clock.Clock()})})
		ctx := officer(jo)

		st, err := s.Stored(ctx, 1, 10)
		if err != nil || st.RunID != 0 || len(st.Matches) != 0 {
			t.Fatalf("before any run: %+v, %v", st, err)
		}
		// A case worker reads matches but does not start runs.
		_, err = s.RunNow(as(jo, actor.CaseWorker), jo, nil)
		wantCode(t, err, errs.Forbidden)
		// Another member's officer: as if the member had nothing.
		_, err = s.RunNow(officer(eg), jo, nil)
		wantCode(t, err, errs.NotFound)
		_, err = s.Stored(officer(eg), 1, 10)
		wantCode(t, err, errs.NotFound)
		_, err = s.ForVacancy(officer(eg), 1, 10)
		wantCode(t, err, errs.NotFound)
		_, err = s.ForSeeker(officer(eg), 1, 10)
		wantCode(t, err, errs.NotFound)

		var seen []int64
		r1, err := s.RunNow(ctx, jo, func(done, total int64) { seen = append(seen, done) })
		if err != nil {
			t.Fatal(err)
		}
		if r1.State != "done" || r1.Vacancies != 40 || r1.Seekers != 3000 || r1.Matches != 40*7 || len(seen) != 40 || seen[39] != 40 {
			t.Fatalf("run %+v, progress %v", r1, seen)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM employment_matches WHERE run_id = ?`, r1.ID); n != 280 {
			t.Fatalf("%d rows kept, want 280", n)
		}
		// The stored matches are the live ranking's, with their reasons.
		for _, vid := range []int64{1, 17, 40} {
			st, err := s.Stored(ctx, vid, 10)
			if err != nil {
				t.Fatal(err)
			}
			live, err := s.ForVacancy(ctx, vid, 7)
			if err != nil {
				t.Fatal(err)
			}
			if st.RunID != r1.ID || !st.ComputedAt.Equal(start) || len(st.Matches) != 7 {
				t.Fatalf("stored %+v", st)
			}
			for i := range live {
				if !equalMatch(st.Matches[i], live[i]) {
					t.Fatalf("vacancy %d place %d: stored %+v, live %+v", vid, i+1, st.Matches[i], live[i])
				}
			}
		}
		// The job is recorded, with its progress.
		if n := count(t, d, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND state = 'done' AND done_count = 40`, JobKind); n != 1 {
			t.Fatalf("%d done jobs", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'employment.match_run_done'`); n != 1 {
			t.Fatalf("%d audit records of the run's end", n)
		}

		// A second run replaces the first whole.
		clock.Advance(time.Hour)
		src.seed = 8
		s.Changed(jo)
		r2, err := s.RunNow(ctx, jo, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM employment_matches`); n != 280 {
			t.Fatalf("%d rows after the second run, want 280 (the first's deleted)", n)
		}
		st, err = s.Stored(ctx, 1, 3)
		if err != nil || st.RunID != r2.ID || !st.ComputedAt.Equal(start.Add(time.Hour)) || len(st.Matches) != 3 {
			t.Fatalf("after the second run: %+v, %v", st, err)
		}

		// A run cancelled half way leaves the last run as it was.
		cctx, cancel := context.WithCancel(ctx)
		_, err = s.RunNow(cctx, jo, func(done, total int64) {
			if done == 5 {
				cancel()
			}
		})
		if err == nil {
			t.Fatal("a cancelled run ended well")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM employment_matches`); n != 280 {
			t.Fatalf("%d rows after a cancelled run, want the last run's 280", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM employment_match_runs WHERE state = 'failed'`); n != 1 {
			t.Fatalf("%d failed runs", n)
		}
		if st, _ := s.Stored(ctx, 1, 3); st.RunID != r2.ID {
			t.Fatalf("readers see run %d, want %d", st.RunID, r2.ID)
		}

		// The sweep runs the members whose run is older than a day.
		sys := actor.System(context.Background())
		if rs, err := s.Sweep(sys); err != nil || len(rs) != 1 || rs[0].MemberID != eg {
			t.Fatalf("first sweep: %+v, %v (EG never ran; JO ran an hour ago)", rs, err)
		}
		clock.Advance(25 * time.Hour)
		if rs, err := s.Sweep(sys); err != nil || len(rs) != 2 {
			t.Fatalf("sweep a day later: %+v, %v", rs, err)
		}
		// EG's rows are EG's: JO's officer reading EG's vacancy gets not found.
		_, err = s.Stored(ctx, 900001, 10)
		wantCode(t, err, errs.NotFound)
		if st, err := s.Stored(officer(eg), 900001, 10); err != nil || len(st.Matches) != 1 || st.Matches[0].SeekerID != 900001 {
			t.Fatalf("EG's stored matches: %+v, %v", st, err)
		}
	})
}

// as is a user of member with roles.
func as(member int64, roles ...actor.Role) context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: 500 + member, Username: "user", MemberID: member, Roles: roles})
}

// TestOneRunAtATime: a second run of the same member while one goes on is
// refused.
func TestOneRunAtATime(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	jo := mustMember(t, d, "JO")
	src := &memSeekers{member: jo, n: 100, nv: 3, seed: 1, hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	runner := jobs.New(d, jobs.Options{})
	s := New(Options{Seekers: src, DB: d, Jobs: runner})
	j, err := s.StartRun(officer(jo), jo)
	if err != nil {
		t.Fatal(err)
	}
	<-src.entered // the run reads the seekers
	_, err = s.StartRun(officer(jo), jo)
	wantCode(t, err, errs.Conflict)
	close(src.hold)
	if j, err = runner.Wait(actor.System(context.Background()), j.ID); err != nil || j.State != jobs.Done {
		t.Fatalf("job %+v, %v", j, err)
	}
	if _, err := s.RunNow(officer(jo), jo, nil); err != nil {
		t.Fatalf("a run after the first ended: %v", err)
	}
}

// TestRebuildOnce: after Changed, one reader reads the seekers again while
// the others keep ranking with the old index, and they read once.
func TestRebuildOnce(t *testing.T) {
	src := &memSeekers{member: 1, n: 500, nv: 2, seed: 1}
	s := New(Options{Seekers: src})
	ctx := officer(1)
	if _, err := s.ForVacancy(ctx, 1, 5); err != nil {
		t.Fatal(err)
	}
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("%d reads", n)
	}
	src.hold, src.entered = make(chan struct{}), make(chan struct{}, 1)
	s.Changed(1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := s.ForVacancy(ctx, 1, 5); err != nil { // rebuilds, held
			t.Error(err)
		}
	}()
	<-src.entered
	// Meanwhile, other readers rank with the old index without waiting.
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.ForVacancy(ctx, 2, 5); err != nil {
				t.Error(err)
			}
		}()
	}
	for range 20 {
		if _, err := s.ForVacancy(ctx, 2, 5); err != nil {
			t.Fatal(err)
		}
	}
	close(src.hold)
	wg.Wait()
	if n := src.reads.Load(); n != 2 {
		t.Fatalf("%d reads of the seekers, want 2 (once, once again after Changed)", n)
	}
	s.mu.Lock()
	st := s.members[1]
	gen, have := st.seekers.gen, st.seekers.have
	s.mu.Unlock()
	if !have || gen != 1 {
		t.Fatalf("index at generation %d", gen)
	}
}

// TestNotBound: before the seekers' service is bound, nothing is found.
func TestNotBound(t *testing.T) {
	s := New(Options{})
	_, err := s.ForVacancy(officer(1), 1, 5)
	wantCode(t, err, errs.NotFound)
	src := &memSeekers{member: 1, n: 10, nv: 2, seed: 1}
	s.Bind(src)
	if ms, err := s.ForVacancy(officer(1), 1, 5); err != nil || len(ms) != 5 {
		t.Fatalf("after Bind: %d, %v", len(ms), err)
	}
}
