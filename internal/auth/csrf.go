package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// CSRF bindings: what a form's token is derived from.
const (
	// BindSession binds a token to a session token (the session cookie):
	// a token is good only with the session it was made for.
	BindSession = "session"
	// BindPreSession binds a token to the random pre-session cookie of a
	// visitor who has not signed in (the login form). Signing in replaces
	// it with the session's.
	BindPreSession = "pre-session"
)

// CSRFToken returns the CSRF token of binding (a session token or a
// pre-session nonce) of kind BindSession or BindPreSession: an HMAC-SHA256
// under a server key that never leaves the server. A token planted with a
// cookie of the attacker's choosing is worthless with the victim's session.
func (s *Service) CSRFToken(ctx context.Context, kind, binding string) (string, error) {
	if binding == "" {
		return "", errs.E(errs.Forbidden, "auth.csrf")
	}
	key, err := s.csrfKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("tadamun-csrf-v1\n" + kind + "\n" + binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// CheckCSRF returns nil when got is the CSRF token of binding, and a
// Forbidden error otherwise.
func (s *Service) CheckCSRF(ctx context.Context, kind, binding, got string) error {
	want, err := s.CSRFToken(ctx, kind, binding)
	if err != nil {
		return err
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errs.E(errs.Forbidden, "auth.csrf")
	}
	return nil
}

// csrfKey returns the server's CSRF key, made on first use and kept in the
// database so that every server process, and the same one after a restart,
// derive the same tokens (an open form survives a deploy).
func (s *Service) csrfKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.csrf != nil {
		return s.csrf, nil
	}
	var v string
	err := s.db.QueryRow(ctx, `SELECT value FROM auth_secrets WHERE name = 'csrf'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO auth_secrets (name, value, created_at) VALUES ('csrf', ?, ?) ON CONFLICT (name) DO NOTHING`, newSecret(), s.now().UTC()); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT value FROM auth_secrets WHERE name = 'csrf'`).Scan(&v)
		})
	}
	if err != nil {
		return nil, errs.Wrapf(err, "auth: csrf key")
	}
	key, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(key) < 32 {
		return nil, errs.Wrapf(errors.New("malformed key"), "auth: csrf key")
	}
	s.csrf = key
	return key, nil
}
