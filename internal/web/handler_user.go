package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	Register(Module{
		Name: "users",
		Menu: []MenuItem{{Path: "/users", Key: "web.users", Perm: auth.UserRead, Order: 85}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /users", auth.UserRead, s.userList)
			s.Handle(mux, "GET /users/new", auth.UserManage, s.userNew)
			s.Handle(mux, "POST /users", auth.UserManage, s.userCreate)
			s.Handle(mux, "GET /users/{id}", auth.UserRead, s.userShow)
			s.Handle(mux, "POST /users/{id}", auth.UserManage, s.userUpdate)
			s.Handle(mux, "POST /users/{id}/grants/{approval}", auth.RoleGrantDecide, s.userGrantDecide)
		},
	})
}

type userList struct {
	Users     []auth.User
	Members   map[int64]member.Member
	CanManage bool
	Query     string
}

func (s *Server) membersByID(r *http.Request) map[int64]member.Member {
	out := map[int64]member.Member{}
	ms, _ := s.Members.List(r.Context())
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}

func (s *Server) userList(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	us, err := s.Auth.ListUsers(r.Context(), auth.UserFilter{Query: q})
	if err != nil {
		return err
	}
	return s.Render(w, r, "users", View{Title: "web.users", Data: userList{us, s.membersByID(r), auth.Can(actor.From(r.Context()), auth.UserManage), q}})
}

type userForm struct {
	User    auth.User
	Members []Option
	Roles   []Option
	Active  []Option
}

// roleOptions lists the roles the actor may give: union roles only to
// union-level users.
func roleOptions(r *http.Request) []Option {
	a := actor.From(r.Context())
	l := Lang(r)
	var o []Option
	for _, role := range actor.Roles {
		if role == actor.UnionAdmin && !a.Has(actor.UnionAdmin) {
			continue
		}
		label := tr(l, "role."+string(role))
		if auth.Sealed(role) {
			label += " — " + tr(l, "access.sealed_role_note")
		}
		o = append(o, Option{string(role), label})
	}
	return o
}

func (s *Server) userFormData(r *http.Request) userForm {
	a := actor.From(r.Context())
	d := userForm{Roles: roleOptions(r)}
	if a.Union() {
		d.Members = append(d.Members, Option{"", tr(Lang(r), "web.union_level")})
	}
	ms, _ := s.Members.List(r.Context())
	for _, m := range ms {
		name := m.NameAR
		if Lang(r) == "en" {
			name = m.NameEN
		}
		d.Members = append(d.Members, Option{m.Code, m.Code + " — " + name})
	}
	return d
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, "user_new", View{Title: "web.user_new", Form: &Form{}, Data: s.userFormData(r)})
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	n := auth.NewUser{Username: strings.TrimSpace(v.Get("username")), DisplayName: v.Get("display_name"), Email: v.Get("email"), Password: v.Get("password")}
	for _, role := range v["roles"] {
		n.Roles = append(n.Roles, actor.Role(role))
	}
	var err error
	if code := v.Get("member"); code != "" {
		var m member.Member
		if m, err = s.Members.Get(r.Context(), code); err == nil {
			n.MemberID = m.ID
		}
	} else if a := actor.From(r.Context()); !a.Union() {
		n.MemberID = a.MemberID
	}
	var u auth.User
	if err == nil {
		u, err = s.Auth.CreateUser(r.Context(), n)
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "user_new", View{Title: "web.user_new", Form: f, Data: s.userFormData(r), Status: Status(errs.CodeOf(err))})
	}
	Flash(w, savedKey(u))
	http.Redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
	return nil
}

func userID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "user.not_found")
	}
	return id, nil
}

func (s *Server) userShow(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderUser(w, r, u, userEditForm(u), 0)
}

func userEditForm(u auth.User) *Form {
	f := &Form{Values: map[string][]string{"display_name": {u.DisplayName}, "email": {u.Email}}, Errors: map[string]string{}}
	for _, role := range u.Roles {
		f.Values.Add("roles", string(role))
	}
	if u.Active {
		f.Values.Set("active", "1")
	}
	return f
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, u auth.User, f *Form, status int) error {
	d := s.userFormData(r)
	d.User = u
	d.Active = []Option{{"1", tr(Lang(r), "web.active")}}
	ms := s.membersByID(r)
	a := actor.From(r.Context())
	decide := map[int64]bool{}
	for _, p := range u.PendingGrants {
		decide[p.ID] = auth.Can(a, auth.RoleGrantDecide) && a.UserID != 0 && a.UserID != p.MakerID && a.UserID != u.ID
	}
	tr, err := s.userTraining(r, u)
	if err != nil {
		return err
	}
	return s.Render(w, r, "user", View{Title: "web.user", Form: f, Status: status, Data: struct {
		userForm
		Member    member.Member
		CanManage bool
		CanDecide map[int64]bool   // pending grant → whether the viewer may decide it
		Training  *trainingHistory // the user's training, for readers of training
	}{d, ms[u.MemberID], auth.Can(a, auth.UserManage), decide, tr}})
}

// savedKey is the message after saving u: a sealed role asked for is only
// proposed, and the page says so.
func savedKey(u auth.User) string {
	if len(u.PendingGrants) > 0 {
		return "access.grant_proposed"
	}
	return "web.saved"
}

// userGrantDecide approves or rejects a proposal to give the user a
// sealed role (union administrators, never the proposer nor the user).
func (s *Server) userGrantDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	aid, err := strconv.ParseInt(r.PathValue("approval"), 10, 64)
	if err != nil || !slices.ContainsFunc(u.PendingGrants, func(p auth.GrantProposal) bool { return p.ID == aid }) {
		return errs.E(errs.NotFound, "approval.not_found")
	}
	f := NewForm(r)
	approve := f.Values.Get("decision") == "approve"
	if _, err := s.Auth.DecideGrant(r.Context(), aid, approve, f.Values.Get("reason")); err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderUser(w, r, u, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	name, email := v.Get("display_name"), v.Get("email")
	roles := make([]actor.Role, 0, len(v["roles"]))
	for _, role := range v["roles"] {
		roles = append(roles, actor.Role(role))
	}
	active := v.Get("active") == "1"
	up := auth.UserUpdate{DisplayName: &name, Email: &email, Roles: &roles, Active: &active}
	if pw := v.Get("password"); pw != "" {
		up.Password = &pw
	}
	saved, err := s.Auth.UpdateUser(r.Context(), u.ID, up)
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderUser(w, r, u, f, Status(errs.CodeOf(err)))
	}
	Flash(w, savedKey(saved))
	http.Redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
	return nil
}
