package demo

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/crossborder"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
)

// TestCrossborderDemo: the family registered in both members is found
// by the encoded comparison, and JO's queue shows it with EG.
func TestCrossborderDemo(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	if err := Load(context.Background(), d, nil); err != nil {
		t.Fatal(err)
	}
	ctx := actor.System(context.Background())
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := crossborder.New(d, crossborder.Options{}).Pairs(ctx, crossborder.Filter{MemberID: jo.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 3 {
		t.Fatalf("JO's queue holds %d pairs, want the family's", len(ps))
	}
	for _, p := range ps {
		t.Logf("%s ↔ %s %d", p.PersonName, p.OtherMember, p.Score)
		if p.OtherMember != "EG" || p.PersonName == "" {
			t.Errorf("pair %+v", p)
		}
	}
}
