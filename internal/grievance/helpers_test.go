package grievance

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/i18n"
)

// clock is a settable time for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustMember(tb testing.TB, d *db.DB, code, tz string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', ?, ?, ?) RETURNING id`, code, code, code, tz, now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// mustHousehold writes a bare household of member with reference ref.
func mustHousehold(tb testing.TB, d *db.DB, member int64, ref string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		id, err = tx.InsertID(ctx, `INSERT INTO households (member_id, household_ref, registered_on, created_at, updated_at) VALUES (?, ?, '2026-01-01', ?, ?) RETURNING id`, member, ref, now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// as returns a context acting as a new user of member (0: union level)
// with roles. The user is written directly, without a password hash,
// because hashing dominates the tests' time under the race detector.
func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) (context.Context, int64) {
	tb.Helper()
	ctx := context.Background()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var m any
	if member != 0 {
		m = member
	}
	var uid int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			m, name, name, strings.Join(names, " "), now, now)
		if err != nil {
			return err
		}
		// A sealed role (integrity_officer) is held from a recorded grant;
		// these officers have held it since long before any report.
		for _, r := range roles {
			if auth.Sealed(r) {
				if _, err := tx.Exec(ctx, `INSERT INTO role_grants (member_id, user_id, role, granted_at) VALUES (?, ?, ?, ?)`, m, uid, string(r), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, MemberID: member, Roles: roles, Lang: i18n.EN}), uid
}

// solve answers a challenge by reading its token, as only a test can.
func solve(tb testing.TB, c Challenge) string {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(c.Token)
	if err != nil || len(b) != tokenLen {
		tb.Fatalf("bad token %q", c.Token)
	}
	return strconv.Itoa(int(b[16]) + int(b[17]))
}

// public fills in the public form's challenge fields of in.
func public(tb testing.TB, s *Service, in Intake, ip string) Intake {
	tb.Helper()
	c := s.Challenge(i18n.AR)
	in.Channel, in.IP, in.ChallengeToken, in.ChallengeAnswer = Web, ip, c.Token, solve(tb, c)
	return in
}
