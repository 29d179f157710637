package payment_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// wantRefusal checks that err is key and renders with every placeholder
// filled in both languages.
func wantRefusal(t *testing.T, err error, key string) {
	t.Helper()
	e := errs.As(err)
	if e.Code != errs.Invalid || e.Key != key {
		t.Fatalf("got %v, want %s", err, key)
	}
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		if s := i18n.T(l, e.Key, e.Args); strings.Contains(s, "{") || s == e.Key {
			t.Errorf("%s in %s renders %q", e.Key, l, s)
		}
	}
}

func TestPain002Limits(t *testing.T) {
	statuses := func(n int, info string) []iso20022.Status {
		var st []iso20022.Status
		for i := range n {
			st = append(st, iso20022.Status{OriginalEndToEndID: fmt.Sprintf("E2E-%d", i), Status: "RJCT", Reason: "AC04", AdditionalInfo: info})
		}
		return st
	}
	long := bytes.Replace(pain002(t, "MSG-1", statuses(1, "")...), []byte("E2E-0"), []byte(strings.Repeat("ب", 40_000)), 1)
	huge := bytes.Replace(pain002(t, "MSG-1", statuses(1, "")...), []byte("<Document "), []byte(`<Document a="`+strings.Repeat("x", 1<<20)+`" `), 1)
	csvHead := strings.Join([]string{"end_to_end_id", "status", "reason", "paid_at"}, ",") + "\n"
	cases := []struct {
		name   string
		format string
		file   []byte
		lim    limits.Limits
		want   string
	}{
		{"a text longer than a cell", payment.FormatPain002, long, limits.Limits{}, "limits.text"},
		{"a tag of a megabyte", payment.FormatPain002, huge, limits.Limits{}, "limits.markup"},
		{"more statuses than rows", payment.FormatPain002, pain002(t, "MSG-1", statuses(10, "")...), limits.Limits{Rows: 5}, "limits.rows"},
		{"a file bigger than the limit", payment.FormatPain002, pain002(t, "MSG-1", statuses(100, "")...), limits.Limits{Uncompressed: 10_000}, "limits.too_large"},
		{"a CSV cell longer than the limit", payment.FormatCSV, []byte(csvHead + "E2E-1,RJCT," + strings.Repeat("x", 40_000) + ",\n"), limits.Limits{}, "limits.cell"},
		{"a CSV quote never closed", payment.FormatCSV, []byte(csvHead + `E2E-1,RJCT,"` + strings.Repeat("x", 3<<20) + "\n"), limits.Limits{}, "limits.record"},
		{"more CSV rows than the limit", payment.FormatCSV, []byte(csvHead + strings.Repeat("E2E-1,ACSC,,2027-01-01T10:00:00Z\n", 10)), limits.Limits{Rows: 5}, "limits.rows"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f.s.Limits = c.lim
				_, err := f.s.ImportStatus(f.fo1, f.member, c.format, bytes.NewReader(c.file))
				wantRefusal(t, err, c.want)
				var n int
				if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM payment_status_rows`).Scan(&n); err != nil || n != 0 {
					t.Errorf("%d status rows kept (%v)", n, err)
				}
			})
		}
	})
}
