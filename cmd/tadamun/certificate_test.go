package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/training/certificate"
	"github.com/tadamun/tadamun/internal/training/certificate/token"
)

// TestCertificateVerifyCommand checks training certificates with the CLI:
// offline with the member's public key as "certificate key" prints it
// (valid, tampered, another member's key, a code alone, oversize input),
// and with the database (valid by code and by token, revoked with its
// reason, a code that does not exist).
func TestCertificateVerifyCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "card.key")
	cards, err := printer.LoadCardKeys(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	keys := token.FromCards(cards)
	pubOut, err := stdout(t, func() error {
		return run(ctx, []string{"certificate", "key", "--card-key", keyFile, "--member", "jo"})
	})
	pub := strings.TrimSpace(pubOut)
	if err != nil || pub != keys.Public("JO").String() || pub == cards.Public("JO").String() {
		t.Fatalf("certificate key printed %q (%v), want %q", pub, err, keys.Public("JO").String())
	}
	pubFile := filepath.Join(dir, "jo.pub")
	os.WriteFile(pubFile, []byte(pub+"\n"), 0o644)

	// A database with member JO and one certificate, signed with the keys
	// of the same card key file.
	dbPath := filepath.Join(dir, "t.db")
	d, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	var jo int64
	err = d.Tx(ctx, func(tx *db.Tx) error {
		jo, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES ('JO', 'state', 'الأردن', 'Jordan', 'JOD', 'Asia/Amman', '962', ?, ?) RETURNING id`, now, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s := certificate.New(d, certificate.Options{Keys: keys})
	sys := actor.System(ctx)
	c, err := s.Issue(sys, develop.CertificateInput{MemberID: jo, EnrollmentID: 1, PersonID: 5, Holder: "سارة أحمد العلي", CourseAR: "مهارات الخياطة",
		CourseEN: "Sewing", Provider: "مركز التدريب", Hours: 40, Completed: "2027-02-25"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Issue(sys, develop.CertificateInput{MemberID: jo, EnrollmentID: 2, PersonID: 6, Holder: "محمود يوسف", CourseAR: "مهارات الخياطة",
		CourseEN: "Sewing", Provider: "مركز التدريب", Hours: 40, Completed: "2027-02-25"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke(sys, r.ID, "أُصدرت بالخطأ"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	tokFile := filepath.Join(dir, "qr.txt")
	os.WriteFile(tokFile, []byte(certificate.VerifyURL("https://tadamun.example.jo", c)+"\n"), 0o644)
	body, sig, _ := token.Split(c.Token)
	tampered := token.Prefix + strings.Replace(string(encode64(body)), "A", "B", 1) + "." + encode64(sig)
	egKey := keys.Public("EG").String()
	big := filepath.Join(dir, "big.txt")
	os.WriteFile(big, []byte(strings.Repeat("A", token.MaxInput+10)), 0o644)
	dbArgs := func(args ...string) []string {
		return append([]string{"--db", dbPath, "--lang", "en", "certificate", "verify", "--card-key", keyFile}, args...)
	}
	for _, x := range []struct {
		name    string
		args    []string
		ok      bool
		want    []string
		notWant string
	}{
		{"offline, Arabic", []string{"certificate", "verify", "--key", pub, c.Token}, true, []string{"سارة أحمد العلي", "توقيع صحيح"}, ""},
		{"offline, English, key and QR from files", []string{"--lang", "en", "certificate", "verify", "--key", pubFile, tokFile}, true, []string{"Holder: سارة أحمد العلي", "Valid signature"}, ""},
		{"offline, tampered", []string{"--lang", "en", "certificate", "verify", "--key", pub, tampered}, false, []string{"does not match"}, "سارة"},
		{"offline, another member's key", []string{"--lang", "en", "certificate", "verify", "--key", egKey, c.Token}, false, []string{"of member JO, not of EG"}, "سارة"},
		{"offline, a code alone", []string{"--lang", "en", "certificate", "verify", "--key", pub, c.Code}, false, []string{"cannot be checked offline"}, ""},
		{"offline, oversize", []string{"--lang", "en", "certificate", "verify", "--key", pub, big}, false, nil, ""},
		{"database, code as typed", dbArgs(strings.ToLower(certificate.GroupCode(c.Code))), true, []string{"Valid: this certificate", "سارة أحمد العلي"}, ""},
		{"database, token", dbArgs("--member", "JO", c.Token), true, []string{"Valid: this certificate"}, ""},
		{"database, another member", dbArgs("--member", "EG", c.Token), false, []string{"of member JO, not of EG"}, ""},
		{"database, revoked", dbArgs(r.Code), false, []string{"Revoked on", "أُصدرت بالخطأ"}, ""},
		{"database, unknown code", dbArgs("ACEFHACEFH"), false, []string{"No certificate has this code"}, ""},
	} {
		t.Run(x.name, func(t *testing.T) {
			out, err := stdout(t, func() error { return run(ctx, x.args) })
			if (err == nil) != x.ok {
				t.Errorf("error %v, want ok=%v\n%s", err, x.ok, out)
			}
			for _, w := range x.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if x.notWant != "" && strings.Contains(out, x.notWant) {
				t.Errorf("output shows %q of a refused certificate:\n%s", x.notWant, out)
			}
		})
	}
}

func encode64(b []byte) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var out strings.Builder
	var n, bits uint
	for _, x := range b {
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
