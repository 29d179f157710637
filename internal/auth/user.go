package auth

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Service is the users, sessions, tokens and approvals store. It is safe for
// concurrent use.
type Service struct {
	db      *db.DB
	limiter *limiter
	keyMu   sync.Mutex
	csrf    []byte // the CSRF key, once loaded
	clock   calendar.Clock
	// SessionTTL is how long a login lasts; zero means 12 hours.
	SessionTTL time.Duration
}

// Options configure the service; the zero value is New's.
type Options struct {
	// Clock dates users, sessions, tokens and approvals, ends sessions and
	// tokens, and paces the login limiter; nil means d's clock.
	Clock calendar.Clock
}

// New returns the service over d.
func New(d *db.DB) *Service { return NewWith(d, Options{}) }

// NewWith returns the service over d configured by o.
func NewWith(d *db.DB, o Options) *Service {
	s := &Service{db: d, clock: o.Clock}
	s.limiter = newLimiter(5, 15*time.Minute, s.now)
	return s
}

// now is the service's clock's time.
func (s *Service) now() time.Time { return s.clock.Or(s.db.Clock()).Now() }

// User is a person who logs in to Tadamun.
type User struct {
	ID          int64        `json:"id"`
	MemberID    int64        `json:"member_id"` // 0 for union-level users
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Email       string       `json:"email"`
	Roles       []actor.Role `json:"roles"`
	Active      bool         `json:"active"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	// PendingGrants are the proposals, awaiting a union administrator, to
	// give the user a sealed role: asking for one (creating or changing a
	// user) proposes it instead of giving it. Filled by CreateUser,
	// UpdateUser and GetUser.
	PendingGrants []GrantProposal `json:"pending_grants,omitempty"`
}

// Actor returns the actor u acts as.
func (u User) Actor() actor.Actor {
	return actor.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, MemberID: u.MemberID, Roles: u.Roles}
}

// NewUser is what creating a user takes.
type NewUser struct {
	MemberID    int64        `json:"member_id"`
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Email       string       `json:"email"`
	Password    string       `json:"password"`
	Roles       []actor.Role `json:"roles"`
	// PasswordHash, when set, is stored instead of hashing Password: for
	// accounts that share one known password (demo data), hashed once.
	// It never comes from a request body.
	PasswordHash string `json:"-"`
	// SystemGrant gives sealed roles at once, without a second person. Only
	// the system actor may use it, for demo data; it never comes from a
	// request body. Without it a sealed role in Roles is proposed (see
	// Sealed) and the user is created without it.
	SystemGrant bool `json:"-"`
}

// UserUpdate changes a user; nil fields stay as they are.
type UserUpdate struct {
	DisplayName *string       `json:"display_name,omitempty"`
	Email       *string       `json:"email,omitempty"`
	Roles       *[]actor.Role `json:"roles,omitempty"`
	Active      *bool         `json:"active,omitempty"`
	Password    *string       `json:"password,omitempty"`
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,39}$`)

func validateRoles(e *errs.Error, member int64, roles []actor.Role) {
	if len(roles) == 0 {
		e.WithField("roles", "user.roles_required")
	}
	for _, r := range roles {
		switch {
		case !r.Valid():
			e.WithField("roles", "user.role_unknown", "role", string(r))
		case member == 0 && !r.UnionLevel():
			e.WithField("roles", "user.role_needs_member", "role", string(r))
		case member != 0 && r == actor.UnionAdmin:
			e.WithField("roles", "user.role_union_only", "role", string(r))
		}
	}
}

// mayManage checks that the actor may create or change users of member
// with roles: union admins anyone, member admins only their own member's
// users and never union roles.
func mayManage(ctx context.Context, member int64, roles []actor.Role) error {
	if err := RequireMember(ctx, UserManage, member); err != nil {
		return err
	}
	a := actor.From(ctx)
	if !a.Union() && slices.Contains(roles, actor.UnionAdmin) {
		return errs.E(errs.Forbidden, "auth.forbidden", "permission", string(MemberManage))
	}
	return nil
}

func rolesString(rs []actor.Role) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	return strings.Join(ss, " ")
}

func parseRoles(s string) []actor.Role {
	var out []actor.Role
	for _, f := range strings.Fields(s) {
		out = append(out, actor.Role(f))
	}
	return out
}

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (User, error) {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	n.Email = strings.TrimSpace(n.Email)
	if err := mayManage(ctx, n.MemberID, n.Roles); err != nil {
		return User{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !usernameRE.MatchString(n.Username) {
		e.WithField("username", "user.username_invalid")
	}
	if n.DisplayName == "" {
		e.WithField("display_name", "error.required")
	}
	if n.PasswordHash == "" && len([]rune(n.Password)) < MinPasswordLength {
		e.WithField("password", "user.password_short", "min", MinPasswordLength)
	}
	validateRoles(e, n.MemberID, n.Roles)
	if len(e.Fields) > 0 {
		return User{}, e
	}
	sealed, plain := splitSealed(n.Roles)
	if n.SystemGrant {
		if !actor.From(ctx).System {
			return User{}, errs.E(errs.Forbidden, "access.grant_person")
		}
		plain = append(plain, sealed...)
	} else if len(sealed) > 0 {
		if err := checkProposer(ctx, 0); err != nil {
			return User{}, err
		}
	}
	hash := n.PasswordHash
	if hash == "" {
		var err error
		if hash, err = HashPassword(n.Password); err != nil {
			return User{}, errs.Wrapf(err, "auth: create user")
		}
	}
	now := s.now().UTC()
	u := User{MemberID: n.MemberID, Username: n.Username, DisplayName: n.DisplayName, Email: n.Email, Roles: plain, Active: true, CreatedAt: now, UpdatedAt: now}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var member any
		if n.MemberID != 0 {
			member = n.MemberID
		}
		id, err := tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, email, password_hash, roles, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			member, u.Username, u.DisplayName, u.Email, hash, rolesString(u.Roles), true, now, now)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "user.username_taken", "username", u.Username).WithField("username", "user.username_taken", "username", u.Username)
		}
		if db.IsForeignKey(err) {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("member_id", "member.unknown_id")
		}
		if err != nil {
			return err
		}
		u.ID = id
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: u.MemberID, Action: "user.create", EntityType: "user", EntityID: idString(id), State: u}); err != nil {
			return err
		}
		for _, r := range sealed {
			if n.SystemGrant {
				if err := recordGrant(ctx, tx, u, r, Approval{}); err != nil {
					return err
				}
				continue
			}
			p, err := proposeGrant(ctx, tx, u, r)
			if err != nil {
				return err
			}
			u.PendingGrants = append(u.PendingGrants, p)
		}
		return nil
	})
	if err != nil {
		return User{}, errs.Wrapf(err, "auth: create user %s", u.Username)
	}
	return u, nil
}

const userCols = `id, COALESCE(member_id, 0), username, display_name, email, roles, active, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var roles string
	err := row.Scan(&u.ID, &u.MemberID, &u.Username, &u.DisplayName, &u.Email, &roles, &u.Active, &u.CreatedAt, &u.UpdatedAt)
	u.Roles = parseRoles(roles)
	return u, err
}

// GetUser returns user id, if the actor may read it.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	if err := Require(ctx, UserRead); err != nil {
		return User{}, err
	}
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.E(errs.NotFound, "user.not_found")
	}
	if err != nil {
		return User{}, errs.Wrapf(err, "auth: get user %d", id)
	}
	if m, all := MemberScope(ctx); !all && u.MemberID != m {
		return User{}, errs.E(errs.NotFound, "user.not_found")
	}
	if u.PendingGrants, err = s.pendingGrants(ctx, u.ID); err != nil {
		return User{}, err
	}
	return u, nil
}

// UserFilter selects users for ListUsers. Zero fields do not filter.
type UserFilter struct {
	MemberID int64 // union-level readers only
	Role     actor.Role
	Query    string // part of username or display name
}

// ListUsers returns users the actor may read, by username.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, error) {
	if err := Require(ctx, UserRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + userCols + ` FROM users WHERE 1=1`
	var args []any
	if m, all := MemberScope(ctx); !all {
		q += ` AND member_id = ?`
		args = append(args, m)
	} else if f.MemberID != 0 {
		q += ` AND member_id = ?`
		args = append(args, f.MemberID)
	}
	if f.Role != "" {
		q += ` AND (' ' || roles || ' ') LIKE ?`
		args = append(args, "% "+string(f.Role)+" %")
	}
	if f.Query != "" {
		q += ` AND (LOWER(username) LIKE ? OR LOWER(display_name) LIKE ?)`
		like := "%" + strings.ToLower(f.Query) + "%"
		args = append(args, like, like)
	}
	q += ` ORDER BY username LIMIT 1000`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "auth: list users")
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "auth: list users")
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser changes user id.
func (s *Service) UpdateUser(ctx context.Context, id int64, up UserUpdate) (User, error) {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	roles := u.Roles
	if up.Roles != nil {
		roles = *up.Roles
	}
	if err := mayManage(ctx, u.MemberID, append(append([]actor.Role{}, roles...), u.Roles...)); err != nil {
		return User{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	if up.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*up.DisplayName)
		if u.DisplayName == "" {
			e.WithField("display_name", "error.required")
		}
	}
	if up.Email != nil {
		u.Email = strings.TrimSpace(*up.Email)
	}
	// A sealed role asked for is proposed, not given; one taken away is
	// revoked at once.
	var propose, revoke []actor.Role
	if up.Roles != nil {
		validateRoles(e, u.MemberID, *up.Roles)
		var next []actor.Role
		for _, r := range *up.Roles {
			if Sealed(r) && !slices.Contains(u.Roles, r) {
				if !slices.Contains(propose, r) {
					propose = append(propose, r)
				}
				continue
			}
			next = append(next, r)
		}
		for _, r := range u.Roles {
			if Sealed(r) && !slices.Contains(*up.Roles, r) {
				revoke = append(revoke, r)
			}
		}
		u.Roles = next
		if len(propose) > 0 {
			if err := checkProposer(ctx, id); err != nil {
				return User{}, err
			}
		}
	}
	if up.Active != nil {
		if !*up.Active && id == actor.From(ctx).UserID {
			e.WithField("active", "user.cannot_disable_self")
		}
		u.Active = *up.Active
	}
	var hash string
	if up.Password != nil {
		if len([]rune(*up.Password)) < MinPasswordLength {
			e.WithField("password", "user.password_short", "min", MinPasswordLength)
		} else if hash, err = HashPassword(*up.Password); err != nil {
			return User{}, errs.Wrapf(err, "auth: update user")
		}
	}
	if len(e.Fields) > 0 {
		return User{}, e
	}
	u.UpdatedAt = s.now().UTC()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET display_name = ?, email = ?, roles = ?, active = ?, updated_at = ? WHERE id = ?`,
			u.DisplayName, u.Email, rolesString(u.Roles), u.Active, u.UpdatedAt, id); err != nil {
			return err
		}
		if hash != "" {
			if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id); err != nil {
				return err
			}
		}
		if hash != "" || !u.Active {
			// A new password or a disabled account ends every session.
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: u.MemberID, Action: "user.update", EntityType: "user", EntityID: idString(id), State: u}); err != nil {
			return err
		}
		for _, r := range revoke {
			if err := revokeGrant(ctx, tx, u, r); err != nil {
				return err
			}
		}
		for _, r := range propose {
			p, err := proposeGrant(ctx, tx, u, r)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(u.PendingGrants, func(q GrantProposal) bool { return q.ID == p.ID }) {
				u.PendingGrants = append(u.PendingGrants, p)
			}
		}
		return nil
	})
	if err != nil {
		return User{}, errs.Wrapf(err, "auth: update user %d", id)
	}
	return u, nil
}

// UserByUsername returns the user with that username, for the command line
// (as the system) and login.
func (s *Service) UserByUsername(ctx context.Context, username string) (User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, strings.ToLower(strings.TrimSpace(username))))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.E(errs.NotFound, "user.not_found")
	}
	if err != nil {
		return User{}, errs.Wrapf(err, "auth: user %s", username)
	}
	if m, all := MemberScope(ctx); !all && u.MemberID != m {
		return User{}, errs.E(errs.NotFound, "user.not_found")
	}
	return u, nil
}
