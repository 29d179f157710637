package server

import (
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// TestPartnerExport exports the partner list as JO's partner manager, in
// CSV and XLSX, filtered by sector: JO's bank only, its registration
// number as written, and the export audited.
func TestPartnerExport(t *testing.T) {
	f := newListFixture(t, db.SQLite, "jo.partners")
	for _, format := range []string{"csv", "xlsx"} {
		rows := f.exported(t, "/partners?sector=bank", format)
		var joined []string
		for _, r := range rows {
			joined = append(joined, strings.Join(r, "|"))
		}
		all := strings.Join(joined, "\n")
		if !strings.Contains(all, "بنك الإسكان للتجارة والتمويل") || !strings.Contains(all, "JO-BNK-1973") {
			t.Errorf("%s: the bank is missing: %s", format, all)
		}
		if strings.Contains(all, "شركة الاتصالات الأردنية") || strings.Contains(all, "غرفة تجارة القاهرة") {
			t.Errorf("%s: the filter or the member is not kept: %s", format, all)
		}
	}
	if n := joValue(t, f.d, `SELECT COUNT(*) FROM audit_records WHERE action = 'export.partners'`); n == "0" {
		t.Error("the export is not audited")
	}
}
