package member_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
)

// TestCSVLimits: an areas CSV over a limit is refused while it is read,
// with a message that names the file and row, and nothing is saved.
func TestCSVLimits(t *testing.T) {
	head := "level,code,parent_code,name_ar,name_en\n"
	cases := []struct {
		name, file string
		lim        limits.Limits
		want       string
	}{
		{"a name longer than a cell", head + "governorate,AM,," + strings.Repeat("ع", limits.DefaultCell+1) + ",Amman\n", limits.Limits{}, "limits.cell"},
		{"a quote never closed", head + `governorate,AM,,"` + strings.Repeat("x", 3<<20) + "\n", limits.Limits{}, "limits.record"},
		{"more rows than the limit", head + strings.Repeat("governorate,AM,,عمان,Amman\n", 20), limits.Limits{Rows: 10}, "limits.rows"},
		{"a file bigger than the limit", head + strings.Repeat("governorate,AM,,عمان,Amman\n", 1000), limits.Limits{Uncompressed: 4096}, "limits.too_large"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := member.New(d)
		ctx := actor.System(context.Background())
		if _, err := s.Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s.Limits = c.lim
				_, err := s.ImportAreasCSV(ctx, "JO", "areas.csv", strings.NewReader(c.file))
				e := errs.As(err)
				if e.Code != errs.Invalid || e.Key != c.want {
					t.Fatalf("got %v, want %s", err, c.want)
				}
				for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
					if m := i18n.T(l, e.Key, e.Args); strings.Contains(m, "{") || !strings.Contains(m, "areas.csv") {
						t.Errorf("%s renders %q, want the file named and every placeholder filled", l, m)
					}
				}
				if n, _ := s.AreaCount(ctx, "JO"); n != 0 {
					t.Errorf("%d areas saved", n)
				}
			})
		}
	})
}
