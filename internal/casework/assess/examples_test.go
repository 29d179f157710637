package assess

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the example XLSForms in testdata")

// sheetData is a workbook as sheets of rows, for building XLSForms in tests.
type sheetData map[string][][]any

// xlsx writes sheets (survey first) as a workbook.
func xlsx(tb testing.TB, sheets sheetData, order ...string) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				tb.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range sheets[name] {
			ref, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, ref, &row); err != nil {
				tb.Fatal(err)
			}
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

var surveyHead = []any{"type", "name", "label::Arabic (ar)", "label::English (en)", "hint::Arabic (ar)", "hint::English (en)",
	"required", "relevant", "constraint", "constraint_message::Arabic (ar)", "constraint_message::English (en)", "parameters", "calculation"}

var choicesHead = []any{"list_name", "name", "label::Arabic (ar)", "label::English (en)"}

var settingsHead = []any{"form_title::Arabic (ar)", "form_title::English (en)", "form_id", "version", "case_type", "risk_formula", "risk_medium", "risk_high", "risk_critical"}

// childProtection is the example form of the child protection case type,
// written the way ODK and Kobo users write XLSForms (metadata rows, "begin
// group" with a space, a yes/no list).
var childProtection = sheetData{
	"survey": {
		surveyHead,
		{"start", "start"},
		{"begin group", "child", "الطفل", "The child"},
		{"integer", "child_age", "عمر الطفل بالسنوات", "Child's age in years", "", "", "yes", "", ". >= 0 and . < 18", "يجب أن يكون العمر أقل من ثماني عشرة سنة", "The age must be under eighteen"},
		{"select_one sex", "child_sex", "جنس الطفل", "Child's sex", "", "", "yes"},
		{"select_one yes_no", "in_school", "هل يذهب الطفل إلى المدرسة؟", "Does the child go to school?", "", "", "yes"},
		{"select_one school_reason", "school_reason", "لماذا لا يذهب إلى المدرسة؟", "Why does the child not go to school?", "", "", "yes", "${in_school} = 'no'"},
		{"select_one yes_no", "works", "هل يعمل الطفل؟", "Does the child work?", "", "", "yes", "${child_age} >= 10"},
		{"decimal", "weekly_income", "ما يكسبه الطفل في الأسبوع", "What the child earns a week", "بعملة البلد", "In the local currency", "", "${works} = 'yes'", ". >= 0", "لا يكون الدخل سالبًا", "Income cannot be negative"},
		{"end group"},
		{"begin group", "safety", "السلامة", "Safety"},
		{"select_multiple harm", "harm", "أنواع الأذى الملاحظة", "Kinds of harm seen", "اختر كل ما ينطبق", "Choose all that apply"},
		{"select_one yes_no", "harm_recent", "هل وقع الأذى خلال الشهر الماضي؟", "Did the harm happen in the past month?", "", "", "yes", "count-selected(${harm}) > 0"},
		{"date", "last_incident", "تاريخ آخر حادثة أذى جسدي", "Date of the last physical harm", "", "", "", "selected(${harm}, 'physical')"},
		{"select_one yes_no", "caregiver_safe", "هل يوجد مقدم رعاية آمن؟", "Is there a safe caregiver?", "", "", "yes"},
		{"range", "distress", "شدة الضيق النفسي لدى الطفل", "The child's distress", "من صفر إلى عشرة", "From zero to ten", "yes", "", "", "", "", "start=0 end=10 step=1"},
		{"note", "safety_note", "إذا كان الطفل في خطر مباشر فاتصل بالمشرف فورًا.", "If the child is in immediate danger, call the supervisor now."},
		{"text", "worker_notes", "ملاحظات الأخصائي", "Social worker's notes"},
		{"end group"},
		{"end", "end"},
	},
	"choices": {
		choicesHead,
		{"sex", "female", "أنثى", "Female"},
		{"sex", "male", "ذكر", "Male"},
		{"yes_no", "yes", "نعم", "Yes"},
		{"yes_no", "no", "لا", "No"},
		{"school_reason", "work", "يعمل", "Works"},
		{"school_reason", "cost", "التكلفة", "Cost"},
		{"school_reason", "disability", "إعاقة", "Disability"},
		{"school_reason", "distance", "بعد المدرسة", "The school is far"},
		{"school_reason", "other", "سبب آخر", "Another reason"},
		{"harm", "physical", "أذى جسدي", "Physical harm"},
		{"harm", "emotional", "أذى نفسي", "Emotional harm"},
		{"harm", "neglect", "إهمال", "Neglect"},
		{"harm", "exploitation", "استغلال", "Exploitation"},
	},
	"settings": {
		settingsHead,
		{"تقييم حماية الطفل", "Child protection assessment", "child_protection", "1", "child_protection",
			"min(100, (harm_recent == 'yes' ? 30 : 0) + size(harm) * 10 + (caregiver_safe == 'no' ? 25 : 0) + distress * 3 + (in_school == 'no' ? 10 : 0) + (works == 'yes' ? 15 : 0))",
			25, 50, 75},
	},
}

// familyConflict is the example form of the family conflict case type; its
// score is an XLSForm calculation named risk_score.
var familyConflict = sheetData{
	"survey": {
		surveyHead,
		{"begin_group", "family", "الأسرة", "The family"},
		{"integer", "household_size", "عدد أفراد الأسرة", "Members of the household", "", "", "yes", "", ". > 0", "يجب أن يكون في الأسرة فرد واحد على الأقل", "A household has at least one member"},
		{"select_one conflict", "conflict_type", "نوع الخلاف", "Kind of conflict", "", "", "yes"},
		{"select_one yes_no", "violence", "هل وقع عنف داخل الأسرة؟", "Was there violence in the family?", "", "", "yes"},
		{"select_one yes_no", "children_affected", "هل تأثر الأطفال بالخلاف؟", "Are children affected by the conflict?", "", "", "yes", "${household_size} > 1"},
		{"range", "tension", "شدة التوتر في الأسرة", "Tension in the family", "من صفر إلى عشرة", "From zero to ten", "yes", "", "", "", "", "start=0 end=10"},
		{"select_one yes_no", "separation_risk", "هل يفكر أحد الزوجين في الانفصال؟", "Is a spouse considering separation?", "", "", "yes", "${conflict_type} != 'economic' or ${violence} = 'yes'"},
		{"text", "worker_notes", "ملاحظات الأخصائي", "Social worker's notes"},
		{"end_group"},
		{"calculate", "risk_score", "", "", "", "", "", "", "", "", "", "",
			"min(100, if(${violence} = 'yes', 40, 0) + ${tension} * 4 + if(${separation_risk} = 'yes', 20, 0) + if(${children_affected} = 'yes', 10, 0))"},
	},
	"choices": {
		choicesHead,
		{"yes_no", "yes", "نعم", "Yes"},
		{"yes_no", "no", "لا", "No"},
		{"conflict", "verbal", "خلاف لفظي", "Verbal"},
		{"conflict", "economic", "خلاف على المال", "About money"},
		{"conflict", "custody", "خلاف على حضانة الأطفال", "About the children's custody"},
		{"conflict", "other", "خلاف آخر", "Another kind"},
	},
	"settings": {
		settingsHead[:5],
		{"تقييم الخلاف الأسري", "Family conflict assessment", "family_conflict", "1", "family_conflict"},
	},
}

// TestExamplesAreCurrent checks that the example workbooks in testdata
// (which the demo seeds) are the ones above; -update rewrites them.
func TestExamplesAreCurrent(t *testing.T) {
	for name, data := range map[string]sheetData{"child_protection.xlsx": childProtection, "family_conflict.xlsx": familyConflict} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, xlsx(t, data, "survey", "choices", "settings"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: %v (run go test -run TestExamplesAreCurrent -update)", path, err)
		}
	}
}
