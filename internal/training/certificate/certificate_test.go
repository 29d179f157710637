package certificate

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/training/certificate/token"
)

func TestIssue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := f.input(7, "  سارة   أحمد العلي ")
		c := f.issue(t, in)
		if c.Holder != "سارة أحمد العلي" || c.MemberCode != "JO" || len(c.Code) != CodeLen || c.PersonID != 7 || !c.Valid() {
			t.Fatalf("issued %+v", c)
		}
		if !c.IssuedAt.Equal(start) {
			t.Errorf("issued at %v, want the service's clock %v", c.IssuedAt, start)
		}
		// The token carries what the certificate says, signed by JO's key.
		got, err := token.Verify(c.Token, f.keys.Public("JO"))
		if err != nil || got.Code != c.Code || got.Holder != c.Holder || got.Hours != 40 || got.CourseEN != "Sewing and embroidery" {
			t.Fatalf("token %+v %v", got, err)
		}
		// Issuing again for the same enrollment returns the same one.
		again, err := f.s.Issue(f.officer, in)
		if err != nil || again.ID != c.ID || again.Code != c.Code {
			t.Fatalf("again: %+v %v", again, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM training_certificates`); n != 1 {
			t.Fatalf("%d certificates, want 1", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'certificate.issue'`); n != 1 {
			t.Fatalf("%d issues audited, want 1", n)
		}
		// The same enrollment id under another member is refused.
		eg := in
		eg.MemberID = f.eg
		_, err = f.s.Issue(f.egOfficer, eg)
		wantKey(t, err, "certificate.enrollment_taken")
		// Held by the person, newest first; and a user's by the user.
		hs, err := f.s.Held(f.viewer, f.jo, 7, 0)
		if err != nil || len(hs) != 1 || hs[0].Code != c.Code {
			t.Fatalf("held %+v %v", hs, err)
		}
		u := f.input(0, "خالد الموظف")
		u.UserID = f.holderID
		f.issue(t, u)
		if hs, err := f.s.Held(f.holder, f.jo, 0, f.holderID); err != nil || len(hs) != 1 {
			t.Fatalf("own held %+v %v", hs, err)
		}
		if _, err := f.s.Held(f.holder, f.jo, 7, 0); errs.CodeOf(err) != errs.Forbidden && errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("a user without training.read read a person's certificates: %v", err)
		}
	})
}

func TestIssueRefuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, c := range []struct {
			name string
			edit func(*develop.CertificateInput)
			key  string
		}{
			{"no holder", func(in *develop.CertificateInput) { in.Holder = " " }, "certificate.required"},
			{"no course", func(in *develop.CertificateInput) { in.CourseAR, in.CourseEN = "", "" }, "certificate.required"},
			{"no provider", func(in *develop.CertificateInput) { in.Provider = "" }, "certificate.required"},
			{"no hours", func(in *develop.CertificateInput) { in.Hours = 0 }, "certificate.hours_invalid"},
			{"too many hours", func(in *develop.CertificateInput) { in.Hours = 20000 }, "certificate.hours_invalid"},
			{"bad date", func(in *develop.CertificateInput) { in.Completed = "2027-02-30" }, "certificate.date_invalid"},
			{"no enrollment", func(in *develop.CertificateInput) { in.EnrollmentID = 0 }, "certificate.enrollment_required"},
			{"person and user", func(in *develop.CertificateInput) { in.UserID = 3 }, "certificate.holder_kind_invalid"},
			{"neither", func(in *develop.CertificateInput) { in.PersonID = 0 }, "certificate.holder_kind_invalid"},
			{"long name", func(in *develop.CertificateInput) { in.Holder = strings.Repeat("ا", 201) }, "certificate.too_long"},
			{"too much for a QR code", func(in *develop.CertificateInput) {
				in.CourseAR, in.CourseEN, in.Provider = strings.Repeat("ب", 290), strings.Repeat("c", 290), strings.Repeat("د", 190)
			}, "certificate.too_much_text"},
		} {
			t.Run(c.name, func(t *testing.T) {
				in := f.input(7, "سارة")
				c.edit(&in)
				_, err := f.s.Issue(f.officer, in)
				wantCode(t, err, errs.Invalid)
				wantKey(t, err, c.key)
			})
		}
		// Without training.manage, or for another member: refused.
		_, err := f.s.Issue(f.viewer, f.input(7, "سارة"))
		wantCode(t, err, errs.Forbidden)
		in := f.input(7, "سارة")
		in.MemberID = f.jo
		_, err = f.s.Issue(f.egOfficer, in)
		if c := errs.CodeOf(err); c != errs.Forbidden && c != errs.NotFound {
			t.Fatalf("EG's officer issued a JO certificate: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM training_certificates`); n != 0 {
			t.Fatalf("%d certificates written", n)
		}
	})
}

func TestListAndRevoke(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.issue(t, f.input(7, "سارة أحمد العلي"))
		f.clock.Advance(time.Hour)
		b := f.issue(t, f.input(8, "محمود يوسف"))
		cs, err := f.s.List(f.viewer, Filter{MemberID: f.jo})
		if err != nil || len(cs) != 2 || cs[0].ID != b.ID {
			t.Fatalf("list %+v %v", cs, err)
		}
		// By code as typed: lower case, with the dash.
		if cs, _ := f.s.List(f.viewer, Filter{MemberID: f.jo, Query: strings.ToLower(GroupCode(a.Code))}); len(cs) != 1 || cs[0].ID != a.ID {
			t.Fatalf("by code: %+v", cs)
		}
		// By name, Arabic-aware: "ساره" finds "سارة".
		if cs, _ := f.s.List(f.viewer, Filter{MemberID: f.jo, Query: "ساره"}); len(cs) != 1 || cs[0].ID != a.ID {
			t.Fatalf("by name: %+v", cs)
		}
		if _, err := f.s.List(f.egOfficer, Filter{MemberID: f.jo}); err == nil {
			t.Fatal("EG listed JO's certificates")
		}
		if _, err := f.s.Get(f.egOfficer, a.ID); err == nil {
			t.Fatal("EG read a JO certificate")
		}
		// Revoke: a reason is needed; the viewer may not; EG may not.
		_, err = f.s.Revoke(f.officer, a.ID, "  ")
		wantKey(t, err, "certificate.reason_required")
		_, err = f.s.Revoke(f.officer, a.ID, strings.Repeat("x", 501))
		wantKey(t, err, "certificate.too_long")
		_, err = f.s.Revoke(f.viewer, a.ID, "خطأ")
		wantCode(t, err, errs.Forbidden)
		if _, err := f.s.Revoke(f.egOfficer, a.ID, "خطأ"); err == nil {
			t.Fatal("EG revoked a JO certificate")
		}
		f.clock.Advance(24 * time.Hour)
		r, err := f.s.Revoke(f.officer, a.ID, "  أُصدرت بالخطأ لشخص آخر ")
		if err != nil || r.Valid() || r.RevokeReason != "أُصدرت بالخطأ لشخص آخر" || !r.RevokedAt.Equal(start.Add(25*time.Hour)) {
			t.Fatalf("revoked %+v %v", r, err)
		}
		_, err = f.s.Revoke(f.officer, a.ID, "مرة ثانية")
		wantKey(t, err, "certificate.already_revoked")
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'certificate.revoke'`); n != 1 {
			t.Fatalf("%d revocations audited", n)
		}
		if cs, _ := f.s.List(f.viewer, Filter{MemberID: f.jo, Status: Revoked}); len(cs) != 1 || cs[0].ID != a.ID {
			t.Fatalf("revoked list %+v", cs)
		}
		if cs, _ := f.s.List(f.viewer, Filter{MemberID: f.jo, Status: Valid}); len(cs) != 1 || cs[0].ID != b.ID {
			t.Fatalf("valid list %+v", cs)
		}
	})
}

func TestVerify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.issue(t, f.input(7, "سارة أحمد العلي"))
		b := f.issue(t, f.input(8, "محمود يوسف"))
		if _, err := f.s.Revoke(f.officer, b.ID, "أُصدرت بالخطأ"); err != nil {
			t.Fatal(err)
		}
		other, _ := token.NewKeys(bytes.Repeat([]byte{9}, 32))
		foreign, _ := other.Sign(a.Content()) // the same content, another key
		egTok, _ := f.keys.Sign(token.Content{Member: "EG", Code: a.Code, Holder: "x", CourseAR: "x", CourseEN: "x", Hours: 1, Completed: "2027-01-01", Provider: "x"})
		body, sig, _ := token.Split(a.Token)
		changed := strings.Replace(string(body), "\n40\n", "\n400\n", 1)
		forged := token.Prefix + b64(changed) + "." + b64(string(sig))
		for _, c := range []struct {
			name, in, want string
			signed         bool
		}{
			{"code", a.Code, Valid, false},
			{"code as typed", " " + strings.ToLower(GroupCode(a.Code)) + " ", Valid, false},
			{"token", a.Token, Valid, true},
			{"the QR code's address", VerifyURL("https://tadamun.example.jo", a), Valid, true},
			{"an address with the code only", "https://tadamun.example.jo/portal/certificates?code=" + a.Code, Valid, false},
			{"revoked by code", b.Code, Revoked, false},
			{"revoked by token", b.Token, Revoked, true},
			{"unknown code", "ACEFH-ACEFH", NotFound, false},
			{"short code", "ACE", NotFound, false},
			{"another key", foreign, Invalid, false},
			{"changed hours", forged, Invalid, false},
			{"another member's token with a JO code", egTok, Invalid, false},
			{"garbage after the prefix", token.Prefix + "abc", Invalid, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				v, err := f.s.Verify(f.publicCtx, c.in)
				if err != nil {
					t.Fatal(err)
				}
				if v.Result != c.want || v.Signed != c.signed {
					t.Fatalf("got %s (signed %v), want %s (signed %v)", v.Result, v.Signed, c.want, c.signed)
				}
				switch c.want {
				case Valid:
					if v.Certificate == nil || v.Certificate.Holder != a.Holder || v.Member.Code != "JO" {
						t.Fatalf("valid without the certificate: %+v", v)
					}
				case Revoked:
					if v.Certificate == nil || v.Certificate.RevokeReason != "أُصدرت بالخطأ" || v.Certificate.RevokedAt == nil {
						t.Fatalf("revoked without reason and date: %+v", v.Certificate)
					}
				case Invalid:
					if v.Certificate != nil {
						t.Fatalf("an invalid token showed %+v", v.Certificate)
					}
				}
			})
		}
		_, err := f.s.Verify(f.publicCtx, strings.Repeat("A", token.MaxInput+1))
		wantKey(t, err, "certificate.input_too_long")
		_, err = f.s.Verify(f.publicCtx, token.Prefix+strings.Repeat("A", token.MaxToken)+".x")
		wantKey(t, err, "certificate.input_too_long")
	})
}

func b64(s string) string {
	var out strings.Builder
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var n, bits uint
	for _, x := range []byte(s) {
		n = n<<8 | uint(x)
		bits += 8
		for bits >= 6 {
			bits -= 6
			out.WriteByte(a[(n>>bits)&63])
		}
	}
	if bits > 0 {
		out.WriteByte(a[(n<<(6-bits))&63])
	}
	return out.String()
}

func TestStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for i := range 12 {
			f.issue(t, f.input(int64(10+i), "متدرب"))
		}
		for range 3 {
			in := f.input(0, "موظف")
			in.UserID = f.holderID
			f.issue(t, in)
		}
		f.clock.Advance(40 * 24 * time.Hour)
		x := f.issue(t, f.input(99, "لاحق"))
		if _, err := f.s.Revoke(f.officer, x.ID, "خطأ"); err != nil {
			t.Fatal(err)
		}
		st, err := f.s.Stats(context.Background(), f.jo)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.T.Rows) != 12 || st.T.Rows[11] != "2027-04" || st.T.Rows[10] != "2027-03" {
			t.Fatalf("months %v", st.T.Rows)
		}
		row := st.T.Cells[10]
		if !row[1].Hidden() {
			t.Fatalf("March: three staff certificates shown: %+v", row)
		}
		if !row[0].Hidden() && !st.T.RowTotals[10].Hidden() {
			t.Fatalf("March: the three staff certificates can be worked out: %+v %+v", row, st.T.RowTotals[10])
		}
		if st.T.Cells[11][0].Count != 0 || st.T.Cells[11][0].Status != disclosure.Shown {
			t.Fatalf("April counts the revoked one: %+v", st.T.Cells[11])
		}
	})
}

func TestRevokeRace(t *testing.T) {
	if !hasPostgres() {
		t.Skip("needs PostgreSQL")
	}
	d := dbtest.Open(t, db.Postgres)
	f := newFixture(t, d)
	a := f.issue(t, f.input(7, "سارة"))
	out := race(t, d, `UPDATE training_certificates SET prints = prints WHERE id = ?`, a.ID,
		func() error { _, err := f.s.Revoke(f.officer, a.ID, "الأول"); return err },
		func() error { _, err := f.s.Revoke(f.officer, a.ID, "الثاني"); return err })
	won := 0
	for _, err := range out {
		if err == nil {
			won++
		} else {
			wantKey(t, err, "certificate.already_revoked")
		}
	}
	if won != 1 {
		t.Fatalf("%d revocations won, want 1: %v", won, out)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'certificate.revoke'`); n != 1 {
		t.Fatalf("%d revocations audited", n)
	}
}

// TestIssueRace: the training service completes the same enrollment in two
// transactions at once (a double click); one certificate is made and both
// get it.
func TestIssueRace(t *testing.T) {
	if !hasPostgres() {
		t.Skip("needs PostgreSQL")
	}
	d := dbtest.Open(t, db.Postgres)
	f := newFixture(t, d)
	in := f.input(7, "سارة")
	// The holder inserts a row of the same enrollment, uncommitted, so
	// both contenders wait on its key; it is then removed by the test's
	// own rollback-free path: the holder's row is the first issue.
	var got [2]develop.Certificate
	out := race(t, d, `INSERT INTO training_certificates (member_id, member_code, enrollment_id, person_id, code, holder, holder_key, course_ar, course_en, provider, hours, completed, issued_at)
		VALUES (`+itoa(f.jo)+`, 'JO', ?, 7, 'ACEFHACEFH', 'سارة', 'ساره', 'دورة', 'Course', 'مركز', 40, '2027-02-25', now())`, in.EnrollmentID,
		func() error {
			return d.Tx(f.officer, func(tx *db.Tx) error { c, err := f.s.IssueTx(f.officer, tx, in); got[0] = c; return err })
		},
		func() error {
			return d.Tx(f.officer, func(tx *db.Tx) error { c, err := f.s.IssueTx(f.officer, tx, in); got[1] = c; return err })
		})
	for _, err := range out {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got[0].Code != "ACEFHACEFH" || got[1].Code != "ACEFHACEFH" {
		t.Fatalf("got %q and %q, want the first issue's", got[0].Code, got[1].Code)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM training_certificates WHERE enrollment_id = ?`, in.EnrollmentID); n != 1 {
		t.Fatalf("%d certificates", n)
	}
}
