package certificate

import (
	"context"
	"crypto/ed25519"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/training/certificate/token"
)

// benchSize is the register the online checks run against.
const benchSize = 100_000

// benchCode is the i-th code of the benchmark's register: i in the
// codes' alphabet, ten letters.
func benchCode(i int) string {
	b := make([]byte, CodeLen)
	for j := CodeLen - 1; j >= 0; j-- {
		b[j] = codeAlphabet[i%len(codeAlphabet)]
		i /= len(codeAlphabet)
	}
	return string(b)
}

// seed writes benchSize certificates of JO in one transaction.
func seed(b *testing.B, f *fixture) {
	b.Helper()
	ctx := context.Background()
	rows := make([][]any, 0, benchSize)
	at := start.Add(-24 * time.Hour)
	for i := range benchSize {
		var rev any
		if i%50 == 0 {
			rev = at
		}
		rows = append(rows, []any{f.jo, "JO", int64(1_000_000 + i), int64(10 + i), benchCode(i), "متدرب رقم " + strconv.Itoa(i), "متدرب رقم " + strconv.Itoa(i),
			"مهارات الخياطة والتطريز", "Sewing and embroidery", "مركز التدريب المهني", 40, "2027-02-25", at, rev})
	}
	err := f.d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Insert(ctx, "training_certificates", []string{"member_id", "member_code", "enrollment_id", "person_id", "code", "holder", "holder_key",
			"course_ar", "course_en", "provider", "hours", "completed", "issued_at", "revoked_at"}, db.RowsOf(rows))
		if err == nil {
			err = tx.Analyze(ctx, "training_certificates")
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVerifyOnline is the online check on one core (go test -bench
// Verify -cpu 1) against a register of 100,000 certificates, on SQLite and
// PostgreSQL: by code (normalize, look up, the member's zone), and by token
// (find, the member's key, the Ed25519 signature, then the look-up by the
// code it carries). Its baseline, in the same run, is the bare indexed
// SELECT of one row by code.
func BenchmarkVerifyOnline(b *testing.B) {
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			d := dbtest.Open(b, dl)
			f := newFixture(b, d)
			seed(b, f)
			ctx := context.Background()
			n := 0
			next := func() int { n = (n*7919 + 13) % benchSize; return n }
			b.Run("code", func(b *testing.B) {
				for b.Loop() {
					v, err := f.s.Verify(ctx, benchCode(next()))
					if err != nil || (v.Result != Valid && v.Result != Revoked) {
						b.Fatal(v.Result, err)
					}
				}
			})
			toks := make([]string, 1000)
			for i := range toks {
				c, err := f.s.certificate(ctx, d, `c.code = ?`, benchCode(i*97))
				if err != nil {
					b.Fatal(err)
				}
				toks[i] = c.Token
			}
			b.Run("token", func(b *testing.B) {
				i := 0
				for b.Loop() {
					v, err := f.s.Verify(ctx, toks[i%len(toks)])
					i++
					if err != nil || !v.Signed {
						b.Fatal(v.Result, err)
					}
				}
			})
			b.Run("baseline_select", func(b *testing.B) {
				for b.Loop() {
					var id int64
					if err := d.QueryRow(ctx, `SELECT id FROM training_certificates WHERE code = ?`, benchCode(next())).Scan(&id); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("baseline_ed25519", func(b *testing.B) {
				body, sig, _ := token.Split(toks[0])
				msg, pub := token.Signed(body), f.keys.Public("JO").Key
				for b.Loop() {
					if !ed25519.Verify(pub, msg, sig) {
						b.Fatal("no")
					}
				}
			})
		})
	}
}
