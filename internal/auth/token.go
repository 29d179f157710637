package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// TokenPrefix starts every API token, so that leaked tokens are easy to
// recognise in logs and by secret scanners.
const TokenPrefix = "tdm_"

// Token describes an API token; the secret itself is shown only once.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken issues an API token for user id and returns the secret, which
// is stored only as a hash. ttl 0 means no expiry.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, ttl time.Duration) (string, Token, error) {
	a := actor.From(ctx)
	if a.UserID != userID {
		u, err := s.GetUser(ctx, userID)
		if err != nil {
			return "", Token{}, err
		}
		if err := mayManage(ctx, u.MemberID, u.Roles); err != nil {
			return "", Token{}, err
		}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Token{}, errs.E(errs.Invalid, "error.invalid_input").WithField("name", "error.required")
	}
	secret := TokenPrefix + newSecret()
	t := Token{UserID: userID, Name: name, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: s.now().UTC()}
	if ttl > 0 {
		exp := t.CreatedAt.Add(ttl)
		t.ExpiresAt = &exp
	}
	var member int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(member_id, 0) FROM users WHERE id = ?`, userID).Scan(&member); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.E(errs.NotFound, "user.not_found")
			}
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			userID, t.Name, hashSecret(secret), t.Prefix, t.CreatedAt, t.ExpiresAt)
		if err != nil {
			return err
		}
		t.ID = id
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "token.create", EntityType: "api_token", EntityID: idString(id), State: t})
	})
	if err != nil {
		return "", Token{}, errs.Wrapf(err, "auth: create token")
	}
	return secret, t, nil
}

// TokenActor returns the actor of an API token.
func (s *Service) TokenActor(ctx context.Context, secret string) (actor.Actor, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return actor.Actor{}, errs.E(errs.Unauthenticated, "auth.bad_token")
	}
	var u User
	var roles string
	var expires, revoked sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT u.id, COALESCE(u.member_id, 0), u.username, u.display_name, u.roles, u.active, t.expires_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, hashSecret(secret)).
		Scan(&u.ID, &u.MemberID, &u.Username, &u.DisplayName, &roles, &u.Active, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!u.Active || revoked.Valid || (expires.Valid && s.now().After(expires.Time)))) {
		return actor.Actor{}, errs.E(errs.Unauthenticated, "auth.bad_token")
	}
	if err != nil {
		return actor.Actor{}, errs.Wrapf(err, "auth: token")
	}
	u.Roles = parseRoles(roles)
	return u.Actor(), nil
}

// RevokeToken ends token id of the actor (or of a user the actor manages).
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	var userID, member int64
	err := s.db.QueryRow(ctx, `SELECT t.user_id, COALESCE(u.member_id, 0) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`, id).Scan(&userID, &member)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "token.not_found")
	}
	if err != nil {
		return errs.Wrapf(err, "auth: revoke token")
	}
	if a := actor.From(ctx); a.UserID != userID {
		if err := RequireMember(ctx, UserManage, member); err != nil {
			return errs.E(errs.NotFound, "token.not_found")
		}
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, s.now().UTC(), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err // revoked already: nothing changed, nothing to record
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "token.revoke", EntityType: "api_token", EntityID: idString(id)})
	})
}
