package quality

import (
	"context"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
)

// facts is a fake source of case and referral facts: the slices, filtered
// as the real sources promise (by member and period).
type facts struct {
	cases []care.CaseFact
	refs  []care.ReferralFact
	// calls counts the streams asked for.
	calls int
}

func (f *facts) CaseFacts(ctx context.Context, memberID int64, from, to time.Time, fn func(care.CaseFact) error) error {
	f.calls++
	for _, c := range f.cases {
		if c.MemberID != memberID || !c.OpenedAt.Before(to) || (!c.ClosedAt.IsZero() && c.ClosedAt.Before(from)) {
			continue
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f *facts) ReferralFacts(ctx context.Context, memberID int64, from, to time.Time, fn func(care.ReferralFact) error) error {
	for _, r := range f.refs {
		if r.MemberID != memberID || !r.SentAt.Before(to) || (!r.ClosedAt.IsZero() && r.ClosedAt.Before(from)) {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return ctx.Err()
}

type fixture struct {
	t      testing.TB
	d      *db.DB
	svc    *Service
	src    *facts
	jo, eg member.Member
	clock  *calendar.Manual
}

// now is the fixtures' "now": Tuesday 3 December 2026, 10:00 UTC.
var now = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func setup(tb testing.TB, d *db.DB) *fixture {
	tb.Helper()
	ctx := actor.System(context.Background())
	clk := calendar.NewManual(now)
	d.SetClock(clk.Clock())
	ms := member.NewWith(d, member.Options{Clock: clk.Clock()})
	jo, err := ms.Create(ctx, member.Member{Code: "JO", Kind: member.State, NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		tb.Fatal(err)
	}
	eg, err := ms.Create(ctx, member.Member{Code: "EG", Kind: member.State, NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo", CallingCode: "20"})
	if err != nil {
		tb.Fatal(err)
	}
	src := &facts{}
	svc := New(d, Options{CaseFacts: src, ReferralFacts: src, Members: ms, Clock: clk.Clock()})
	return &fixture{t: tb, d: d, svc: svc, src: src, jo: jo, eg: eg, clock: clk}
}

// as returns a context acting as a user of member with role.
func as(memberID int64, role actor.Role) context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: 900 + int64(len(role)), Username: string(role), MemberID: memberID, Roles: []actor.Role{role}})
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
