package web

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
)

const lri, fsi, pdi, lrm = i18n.LRI, i18n.FSI, i18n.PDI, i18n.LRM

// render executes src with the template functions of v.
func render(t *testing.T, v variant, src string, data any) string {
	t.Helper()
	tm, err := template.New("t").Funcs(funcs(v)).Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tm.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestFormatIsolatesInsideArabic renders numbers, amounts, dates, times,
// codes and message arguments inside Arabic sentences and checks each sits
// in a bidi isolate, with the reader's digits and separators and the time
// zone named, so none can be reordered by the Arabic around it ("01-05-2030",
// "10>", a minus sign on the wrong side).
func TestFormatIsolatesInsideArabic(t *testing.T) {
	amman, err := time.LoadLocation("Asia/Amman")
	if err != nil {
		t.Skip("no time zone data")
	}
	at := time.Date(2030, 5, 1, 11, 5, 0, 0, time.UTC) // 14:05 in Amman
	data := map[string]any{"At": at, "Amman": amman, "N": -1234567, "Code": "GRV-7K2M-Q9XD", "Small": "<10"}
	ar, arab, en := variant{lang: i18n.AR}, variant{lang: i18n.AR, arabic: true}, variant{lang: i18n.EN}
	tests := []struct {
		name string
		v    variant
		src  string
		want string
	}{
		{"date", ar, `موعد الرد {{date .At}} بالضبط`, "موعد الرد " + lri + "2030-05-01" + pdi + " بالضبط"},
		{"date in arabic-indic digits keeps year first", arab, `موعد الرد {{date .At}}`, "موعد الرد " + lri + "٢٠٣٠" + lrm + "-٠٥" + lrm + "-٠١" + pdi},
		{"date in the member's zone", ar, `{{date .At .Amman}}`, lri + "2030-05-01" + pdi},
		{"datetime names the zone", ar, `وصلت {{datetime .At .Amman}}`, "وصلت " + fsi + lri + "2030-05-01 14:05" + pdi + " بتوقيت عمّان" + pdi},
		{"datetime in english", en, `{{datetime .At .Amman}}`, fsi + lri + "2030-05-01 14:05" + pdi + " Amman time" + pdi},
		{"datetime without a zone is named UTC", en, `{{datetime .At}}`, fsi + lri + "2030-05-01 11:05" + pdi + " UTC" + pdi},
		{"negative number grouped", ar, `الرصيد {{num .N}}`, "الرصيد " + lri + "-1,234,567" + pdi},
		{"negative number in arabic-indic", arab, `الرصيد {{num .N}}`, "الرصيد " + lri + lrm + "-١٬٢٣٤٬٥٦٧" + pdi},
		{"suppressed count keeps its sign", arab, `العدد {{num .Small}}`, "العدد " + lri + lrm + "&lt;١٠" + pdi},
		{"money with minor unit and name", arab, `المبلغ {{money 1234500 "JOD"}}`, "المبلغ " + fsi + lri + "١٬٢٣٤٫٥٠٠" + pdi + "\u00a0دينار أردني" + pdi},
		{"money in english", en, `{{money 1234550 "EGP"}}`, fsi + lri + "12,345.50" + pdi + "\u00a0Egyptian pound" + pdi},
		{"code exactly as written", arab, `رمز التتبع {{code .Code}}`, "رمز التتبع " + lri + "GRV-7K2M-Q9XD" + pdi},
		{"message argument isolated", ar, `{{t "member.not_found" "code" .Code}}`, "لا يوجد عضو بالرمز " + fsi + "GRV-7K2M-Q9XD" + pdi + "."},
		{"no hard-coded digits", arab, `{{t "grievance.page_received_90"}}`, "المستلمة خلال " + lri + "٩٠" + pdi + " يومًا"},
		{"plural few", arab, `{{tn "programs.proposal_count" 5}}`, lri + "٥" + pdi + " أسر"},
		{"plural many", ar, `{{tn "programs.proposal_count" 11}}`, lri + "11" + pdi + " أسرة"},
		{"plural two", ar, `{{tn "programs.proposal_count" 2}}`, "أسرتان"},
		{"plural english one", en, `{{tn "programs.proposal_count" 1}}`, lri + "1" + pdi + " household"},
		{"isolated in an attribute too", ar, `<b title="{{date .At}}">x</b>`, `<b title="` + lri + "2030-05-01" + pdi + `">x</b>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(t, tc.v, tc.src, data); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
