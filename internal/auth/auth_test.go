package auth_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

func mustMember(tb testing.TB, d *db.DB, code string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', ?, ?) RETURNING id`, code, code, code, now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func mustUser(tb testing.TB, s *auth.Service, member int64, name string, roles ...actor.Role) auth.User {
	tb.Helper()
	u, err := s.CreateUser(actor.System(context.Background()), auth.NewUser{MemberID: member, Username: name, DisplayName: name, Password: "correct horse battery", Roles: roles})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("سر طويل جدا 123")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(h, "سر طويل جدا 123") {
		t.Error("right password rejected")
	}
	if auth.CheckPassword(h, "سر طويل جدا 124") {
		t.Error("wrong password accepted")
	}
	h2, _ := auth.HashPassword("سر طويل جدا 123")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
}

func TestCreateUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := auth.New(d)
		jo, eg := mustMember(t, d, "JO"), mustMember(t, d, "EG")
		admin := mustUser(t, s, jo, "jo.admin", actor.MemberAdmin)
		ctx := actor.With(context.Background(), admin.Actor())
		tests := []struct {
			name string
			in   auth.NewUser
			code errs.Code
		}{
			{"member admin creates registrar", auth.NewUser{MemberID: jo, Username: "jo.reg", DisplayName: "R", Password: "long enough pw", Roles: []actor.Role{actor.Registrar}}, ""},
			{"duplicate username", auth.NewUser{MemberID: jo, Username: "jo.reg", DisplayName: "R", Password: "long enough pw", Roles: []actor.Role{actor.Registrar}}, errs.Conflict},
			{"short password", auth.NewUser{MemberID: jo, Username: "jo.x", DisplayName: "X", Password: "short", Roles: []actor.Role{actor.Viewer}}, errs.Invalid},
			{"unknown role", auth.NewUser{MemberID: jo, Username: "jo.y", DisplayName: "Y", Password: "long enough pw", Roles: []actor.Role{"king"}}, errs.Invalid},
			{"member admin cannot make union admin", auth.NewUser{MemberID: 0, Username: "boss", DisplayName: "B", Password: "long enough pw", Roles: []actor.Role{actor.UnionAdmin}}, errs.NotFound},
			{"member admin cannot create in another member", auth.NewUser{MemberID: eg, Username: "eg.reg", DisplayName: "E", Password: "long enough pw", Roles: []actor.Role{actor.Registrar}}, errs.NotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateUser(ctx, tc.in)
				if got := errs.CodeOf(err); got != tc.code {
					t.Errorf("got %q (%v), want %q", got, err, tc.code)
				}
			})
		}
	})
}

func TestLoginSessionsTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := auth.New(d)
		jo := mustMember(t, d, "JO")
		u := mustUser(t, s, jo, "amal", actor.Registrar)
		ctx := context.Background()

		if _, _, err := s.Login(ctx, "amal", "wrong password!", "1.2.3.4", ""); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("wrong password: got %v, want unauthenticated", err)
		}
		if _, _, err := s.Login(ctx, "nobody", "wrong password!", "1.2.3.4", ""); errs.As(err).Key != "auth.bad_credentials" {
			t.Fatalf("unknown user: got %v, want the same answer as a wrong password", err)
		}
		token, _, err := s.Login(ctx, "AMAL ", "correct horse battery", "1.2.3.4", "test")
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.SessionActor(ctx, token)
		if err != nil || a.UserID != u.ID || a.MemberID != jo || !a.Has(actor.Registrar) {
			t.Fatalf("session actor %+v, %v", a, err)
		}
		if err := s.Logout(actor.With(ctx, a), token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionActor(ctx, token); errs.As(err).Key != "auth.session_expired" {
			t.Errorf("after logout: got %v, want session expired", err)
		}

		secret, tok, err := s.CreateToken(actor.With(ctx, a), u.ID, "script", 0)
		if err != nil {
			t.Fatal(err)
		}
		if ta, err := s.TokenActor(ctx, secret); err != nil || ta.UserID != u.ID {
			t.Fatalf("token actor %+v, %v", ta, err)
		}
		if err := s.RevokeToken(actor.With(ctx, a), tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenActor(ctx, secret); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("revoked token: got %v, want unauthenticated", err)
		}
		// Revoking it again changes nothing, so it records nothing.
		if err := s.RevokeToken(actor.With(ctx, a), tok.ID); err != nil {
			t.Fatal(err)
		}
		var revocations int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_records WHERE action = 'token.revoke' AND entity_id = ?`, strconv.FormatInt(tok.ID, 10)).Scan(&revocations); err != nil || revocations != 1 {
			t.Errorf("got %d audit records of the revocation (%v), want 1", revocations, err)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	s := auth.New(d)
	mustUser(t, s, mustMember(t, d, "JO"), "amal", actor.Registrar)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		s.Login(ctx, "amal", "wrong password!", "1.2.3.4", "")
	}
	if _, _, err := s.Login(ctx, "amal", "correct horse battery", "1.2.3.4", ""); errs.CodeOf(err) != errs.TooMany {
		t.Errorf("sixth attempt: got %v, want too many requests", err)
	}
}

func TestApprovalMakerChecker(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := auth.New(d)
		jo, eg := mustMember(t, d, "JO"), mustMember(t, d, "EG")
		maker := mustUser(t, s, jo, "maker", actor.ProgramManager, actor.Approver)
		checker := mustUser(t, s, jo, "checker", actor.Approver)
		foreign := mustUser(t, s, eg, "foreign", actor.Approver)
		viewer := mustUser(t, s, jo, "viewer", actor.Viewer)
		bg := context.Background()
		var ap auth.Approval
		err := d.Tx(bg, func(tx *db.Tx) error {
			var err error
			ap, err = auth.Propose(actor.With(bg, maker.Actor()), tx, jo, "enrollment", "household", "H1", `{"program":"P1"}`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		decide := func(u auth.User, approve bool, reason string) error {
			return d.Tx(bg, func(tx *db.Tx) error {
				_, err := auth.Decide(actor.With(bg, u.Actor()), tx, ap.ID, approve, reason, auth.ApprovalDecide)
				return err
			})
		}
		tests := []struct {
			name    string
			u       auth.User
			approve bool
			reason  string
			code    errs.Code
		}{
			{"maker cannot approve own proposal", maker, true, "", errs.Forbidden},
			{"other member's approver does not see it", foreign, true, "", errs.NotFound},
			{"viewer may not decide", viewer, true, "", errs.Forbidden},
			{"rejection needs a reason", checker, false, " ", errs.Invalid},
			{"checker approves", checker, true, "", ""},
			{"second decision conflicts", checker, false, "changed my mind", errs.Conflict},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if got := errs.CodeOf(decide(tc.u, tc.approve, tc.reason)); got != tc.code {
					t.Errorf("got %q, want %q", got, tc.code)
				}
			})
		}
		list, err := s.Approvals(actor.With(bg, checker.Actor()), auth.Approved, "")
		if err != nil || len(list) != 1 || list[0].CheckerID != checker.ID {
			t.Errorf("approved list %+v, %v; want one, checked by %d", list, err, checker.ID)
		}
	})
}
