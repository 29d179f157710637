package dedup_test

import (
	"context"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

func mustMember(t *testing.T, d *db.DB, code string) int64 {
	t.Helper()
	m, err := member.New(d).Create(actor.System(context.Background()),
		member.Member{Code: code, NameAR: code, NameEN: code, Currency: "JOD", Timezone: "Asia/Amman"})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func allPairs(t *testing.T, s *dedup.Store, ctx context.Context, member int64) []dedup.StoredPair {
	t.Helper()
	var out []dedup.StoredPair
	for {
		ps, err := s.Pairs(ctx, member, dedup.PairFilter{Limit: 500, Offset: len(out)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ps...)
		if len(ps) < 500 {
			return out
		}
	}
}

func TestStore(t *testing.T) {
	res, recs, base := run(t, dedup.Options{})
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo, eg := mustMember(t, d, "JO"), mustMember(t, d, "EG")
		s := dedup.New(d)
		sys := actor.System(context.Background())
		registrar := actor.With(context.Background(), actor.Actor{UserID: 7, MemberID: jo, Roles: []actor.Role{actor.Registrar}})
		egRegistrar := actor.With(context.Background(), actor.Actor{UserID: 8, MemberID: eg, Roles: []actor.Role{actor.Registrar}})
		viewer := actor.With(context.Background(), actor.Actor{UserID: 9, MemberID: jo, Roles: []actor.Role{actor.Viewer}})

		info, err := s.SaveRun(registrar, jo, res, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if info.Groups != res.Stats.Groups || info.Persons != len(recs) {
			t.Errorf("run info %+v, want %d groups of %d persons", info, res.Stats.Groups, len(recs))
		}
		pairs := allPairs(t, s, registrar, jo)
		if len(pairs) != res.Stats.Likely+res.Stats.Possible {
			t.Errorf("stored %d pairs, want %d", len(pairs), res.Stats.Likely+res.Stats.Possible)
		}
		if len(pairs) == 0 || pairs[0].Explanation.Fields == nil || pairs[0].Weight < pairs[len(pairs)-1].Weight {
			t.Fatalf("got %d pairs (first %+v), want pairs by weight with explanations", len(pairs), pairs[0])
		}
		clusters, err := s.Clusters(registrar, jo)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range res.Groups {
			n += len(g)
		}
		if len(clusters) != n {
			t.Errorf("got %d clustered persons, want %d", len(clusters), n)
		}

		t.Run("other member and missing permission see nothing", func(t *testing.T) {
			if _, err := s.Pairs(egRegistrar, jo, dedup.PairFilter{}); !errs.Is(err, errs.NotFound) {
				t.Errorf("EG registrar listing JO pairs: got %v, want not found", err)
			}
			if got, err := s.Pairs(egRegistrar, eg, dedup.PairFilter{}); err != nil || len(got) != 0 {
				t.Errorf("EG registrar's own queue: got %d pairs, %v; want none", len(got), err)
			}
			if _, err := s.Pair(egRegistrar, eg, pairs[0].ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("JO pair through EG: got %v, want not found", err)
			}
			if _, err := s.Decide(egRegistrar, eg, pairs[0].ID, false, ""); !errs.Is(err, errs.NotFound) {
				t.Errorf("EG deciding a JO pair: got %v, want not found", err)
			}
			if _, err := s.Pairs(viewer, jo, dedup.PairFilter{}); !errs.Is(err, errs.Forbidden) {
				t.Errorf("viewer: got %v, want forbidden", err)
			}
		})

		// The alef-variant pair of the first planted case: reject it.
		var target dedup.StoredPair
		for _, p := range pairs {
			if p.PersonA == recs[base].ID && p.PersonB == recs[base+1].ID {
				target = p
			}
		}
		if target.ID == 0 {
			t.Fatal("the planted pair is not in the queue")
		}
		got, err := s.Decide(registrar, jo, target.ID, false, "different mothers")
		if err != nil || got.Status != dedup.StatusRejected {
			t.Fatalf("reject: %+v, %v", got, err)
		}
		if _, err := s.Decide(registrar, jo, target.ID, true, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("deciding twice: got %v, want conflict", err)
		}

		t.Run("a rejected pair is not proposed again", func(t *testing.T) {
			rejected, confirmed, err := s.Decisions(registrar, jo)
			if err != nil {
				t.Fatal(err)
			}
			if !rejected(recs[base+1].ID, recs[base].ID) || len(confirmed) != 0 {
				t.Fatalf("decisions do not hold the rejection")
			}
			again, err := dedup.Run(context.Background(), recs, dedup.Options{CallingCode: "962", Rejected: rejected, Model: res.Model})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SaveRun(registrar, jo, again, time.Now()); err != nil {
				t.Fatal(err)
			}
			for _, p := range allPairs(t, s, registrar, jo) {
				if p.PersonA == recs[base].ID && p.PersonB == recs[base+1].ID {
					t.Errorf("rejected pair proposed again: %+v", p)
				}
			}
			rej, err := s.Pairs(registrar, jo, dedup.PairFilter{Status: dedup.StatusRejected})
			if err != nil || len(rej) != 1 || rej[0].ID != target.ID {
				t.Errorf("rejected list: %d pairs, %v; want the one rejected", len(rej), err)
			}
		})

		var audits int
		if err := d.QueryRow(sys, `SELECT COUNT(*) FROM audit_records WHERE member_id = ? AND action IN ('dedup.run', 'dedup.reject')`, jo).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits != 3 {
			t.Errorf("got %d audit records, want 3 (two runs, one rejection)", audits)
		}
		if _, err := s.Pairs(registrar, jo, dedup.PairFilter{Status: "maybe"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad status filter: got %v, want invalid", err)
		}
		if m, err := s.LatestModel(registrar, jo); err != nil || m.Lambda != res.Model.Lambda {
			t.Errorf("latest model: %v, %v", m, err)
		}
	})
}
