package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
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
// session token for the cookie. Failed attempts are limited per username and
// per address; a wrong username and a wrong password get the same answer.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (string, User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if wait := s.limiter.blocked(username, ip); wait > 0 {
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
		s.limiter.fail(username, ip)
		return "", User{}, errs.E(errs.Unauthenticated, "auth.bad_credentials")
	}
	if err != nil {
		return "", User{}, errs.Wrapf(err, "auth: login")
	}
	if !CheckPassword(hash, password) || !u.Active {
		s.limiter.fail(username, ip)
		return "", User{}, errs.E(errs.Unauthenticated, "auth.bad_credentials")
	}
	s.limiter.succeed(username, ip)
	token := newSecret()
	now := time.Now().UTC()
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
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!u.Active || time.Now().After(expires))) {
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

// limiter counts failed logins per username and per address in a sliding
// window. It is in memory: a restart forgives, which is acceptable for
// slowing down guessing.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

func (l *limiter) keys(user, ip string) []string {
	return []string{"u:" + user, "ip:" + ip}
}

func (l *limiter) blocked(user, ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	var wait time.Duration
	for i, k := range l.keys(user, ip) {
		limit := l.max
		if i == 1 {
			limit = l.max * 4 // an office shares one address
		}
		ts := l.prune(k, now)
		if len(ts) >= limit {
			if w := ts[0].Add(l.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait
}

func (l *limiter) prune(k string, now time.Time) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, k)
	} else {
		l.fails[k] = ts
	}
	return ts
}

func (l *limiter) fail(user, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	for _, k := range l.keys(user, ip) {
		l.fails[k] = append(l.prune(k, now), now)
	}
}

func (l *limiter) succeed(user, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "u:"+user)
}
