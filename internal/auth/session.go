package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// newSecret returns a random URL-safe secret of 32 bytes.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Login checks a username and password and opens a session. It returns the
// session token for the cookie. Attempts are limited per username and per
// address: each attempt reserves its place under the limit before the
// password is checked, so that many attempts sent at once cannot all be
// checked (issue 12). A wrong username and a wrong password get the same
// answer.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (string, User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	at, wait := s.limiter.reserve(username, ip)
	if wait > 0 {
		return "", User{}, errs.E(errs.TooMany, "auth.too_many_attempts", "minutes", int(wait.Minutes())+1)
	}
	var u User
	var hash string
	row := s.db.QueryRow(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE username = ?`, username)
	var roles string
	err := row.Scan(&u.ID, &u.MemberID, &u.Username, &u.DisplayName, &u.Email, &roles, &u.Active, &u.CreatedAt, &u.UpdatedAt, &hash)
	u.Roles = parseRoles(roles)
	if errors.Is(err, sql.ErrNoRows) {
		CheckPassword(dummyHash, password)
		s.limiter.settle(at, false)
		return "", User{}, errs.E(errs.Unauthenticated, "auth.bad_credentials")
	}
	if err != nil {
		// Nothing was checked: the attempt gives its place back.
		s.limiter.release(at)
		return "", User{}, errs.Wrapf(err, "auth: login")
	}
	if !CheckPassword(hash, password) || !u.Active {
		s.limiter.settle(at, false)
		return "", User{}, errs.E(errs.Unauthenticated, "auth.bad_credentials")
	}
	s.limiter.settle(at, true)
	token := newSecret()
	now := s.now().UTC()
	ttl := s.SessionTTL
	if ttl == 0 {
		ttl = 12 * time.Hour
	}
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	ctx = actor.With(ctx, u.Actor())
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND expires_at < ?`, u.ID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)`,
			hashSecret(token), u.ID, now, now.Add(ttl), ip, userAgent); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: u.MemberID, Action: "auth.login", EntityType: "user", EntityID: idString(u.ID)})
	})
	if err != nil {
		return "", User{}, errs.Wrapf(err, "auth: login")
	}
	return token, u, nil
}

// SessionActor returns the actor of a session token. An unknown or expired
// session is Unauthenticated with the key "auth.session_expired".
func (s *Service) SessionActor(ctx context.Context, token string) (actor.Actor, error) {
	if token == "" {
		return actor.Actor{}, errs.E(errs.Unauthenticated, "auth.login_required")
	}
	var u User
	var roles string
	var expires time.Time
	err := s.db.QueryRow(ctx, `SELECT u.id, COALESCE(u.member_id, 0), u.username, u.display_name, u.roles, u.active, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, hashSecret(token)).
		Scan(&u.ID, &u.MemberID, &u.Username, &u.DisplayName, &roles, &u.Active, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!u.Active || s.now().After(expires))) {
		return actor.Actor{}, errs.E(errs.Unauthenticated, "auth.session_expired")
	}
	if err != nil {
		return actor.Actor{}, errs.Wrapf(err, "auth: session")
	}
	u.Roles = parseRoles(roles)
	return u.Actor(), nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	a := actor.From(ctx)
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashSecret(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || a.UserID == 0 {
			return nil
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "auth.logout", EntityType: "user", EntityID: idString(a.UserID)})
	})
}

// limiter counts login attempts per username and per address in a
// sliding window. An attempt takes its place (reserve) before its password
// is checked, under one lock for both counters, so that a burst of
// concurrent attempts is counted as it arrives and not after the slow hash
// is done. A failed attempt keeps its place for the window; a successful
// one gives its own place back and forgives nothing, so at most max wrong
// passwords of a username are checked in a window however the attempts
// interleave. It is in memory: a restart forgives, which is
// acceptable for slowing down guessing. It is safe for concurrent use.
type limiter struct {
	mu     sync.Mutex
	max    int // attempts per username; an address gets perAddress times as many
	window time.Duration
	seq    uint64
	slots  map[string][]slot
	now    func() time.Time
}

// perAddress is how many times the per-user limit one address may try: an
// office shares one address.
const perAddress = 4

// slot is one attempt's place in a counter.
type slot struct {
	seq     uint64
	at      time.Time
	settled bool // the attempt's password was checked and was wrong
}

// attempt is a reservation, given back to settle or release.
type attempt struct {
	seq       uint64
	user, key string
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, slots: map[string][]slot{}, now: now}
}

func (l *limiter) keys(user, ip string) [2]string {
	return [2]string{"u:" + user, "ip:" + ip}
}

// reserve takes a place for one attempt under both limits, or none and
// the time to wait when either is full.
func (l *limiter) reserve(user, ip string) (attempt, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	keys := l.keys(user, ip)
	var wait time.Duration
	for i, k := range keys {
		limit := l.max
		if i == 1 {
			limit = l.max * perAddress
		}
		ss := l.prune(k, now)
		if len(ss) >= limit {
			// Wait until enough places free up; at least a second, so that
			// a full counter never reads as "no wait".
			wait = max(wait, ss[len(ss)-limit].at.Add(l.window).Sub(now), time.Second)
		}
	}
	if wait > 0 {
		return attempt{}, wait
	}
	l.seq++
	for _, k := range keys {
		l.slots[k] = append(l.slots[k], slot{seq: l.seq, at: now})
	}
	return attempt{seq: l.seq, user: keys[0], key: keys[1]}, 0
}

func (l *limiter) prune(k string, now time.Time) []slot {
	ss := l.slots[k]
	i := 0
	for i < len(ss) && now.Sub(ss[i].at) > l.window {
		i++
	}
	ss = ss[i:]
	if len(ss) == 0 {
		delete(l.slots, k)
	} else {
		l.slots[k] = ss
	}
	return ss
}

// settle records the outcome of attempt a. A failure keeps its places for
// the whole window; a success gives back its own places only. Failures are
// never forgiven by a success: whatever the order in which concurrent
// attempts finish, at most max wrong passwords of one username are checked
// in a window.
func (l *limiter) settle(a attempt, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range [2]string{a.user, a.key} {
		ss := l.slots[k]
		out := ss[:0]
		for _, s := range ss {
			switch {
			case s.seq == a.seq && ok:
				continue
			case s.seq == a.seq:
				s.settled = true
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			delete(l.slots, k)
		} else {
			l.slots[k] = out
		}
	}
}

// release gives attempt a's places back without an outcome: its password
// was never checked.
func (l *limiter) release(a attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range [2]string{a.user, a.key} {
		l.slots[k] = slices.DeleteFunc(l.slots[k], func(s slot) bool { return s.seq == a.seq })
		if len(l.slots[k]) == 0 {
			delete(l.slots, k)
		}
	}
}
