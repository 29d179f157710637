package registry

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/arabic"
)

// Column is one column of the import template.
type Column struct {
	Name     string   // English header, as the template writes it
	AR       string   // Arabic header, also accepted
	Aliases  []string // other accepted headers
	Required bool     // the column must be present (its cells may still be optional)
	Optional bool     // not in the template; recognized when present
}

// HouseholdColumns are the columns of the households file or sheet.
var HouseholdColumns = []Column{
	{Name: "household_ref", AR: "رقم الأسرة", Aliases: []string{"مرجع الأسرة", "رمز الأسرة"}, Required: true},
	{Name: "governorate", AR: "المحافظة"},
	{Name: "district", AR: "المركز", Aliases: []string{"القضاء", "المديرية", "اللواء"}},
	{Name: "locality", AR: "القرية", Aliases: []string{"المنطقة", "الحي", "المحلة"}},
	{Name: "dwelling_type", AR: "نوع المسكن"},
	{Name: "rooms", AR: "عدد الغرف"},
	{Name: "water_source", AR: "مصدر المياه"},
	{Name: "sanitation", AR: "الصرف الصحي"},
	{Name: "electricity", AR: "الكهرباء"},
	{Name: "assets", AR: "الأصول", Aliases: []string{"الممتلكات"}},
	{Name: "monthly_income", AR: "الدخل الشهري"},
	{Name: "address", AR: "العنوان", Optional: true},
	{Name: "registration_date", AR: "تاريخ التسجيل", Optional: true},
	{Name: "consent", AR: "الموافقة على معالجة البيانات", Aliases: []string{"الموافقة"}, Optional: true},
	{Name: "source", AR: "مصدر التسجيل", Optional: true},
	{Name: "contact_consent", AR: "الموافقة على التواصل", Optional: true},
	{Name: "contact_lang", AR: "لغة التواصل", Optional: true},
	{Name: "contact_email", AR: "البريد الإلكتروني", Optional: true},
}

// MemberColumns are the columns of the members file or sheet.
var MemberColumns = []Column{
	{Name: "household_ref", AR: "رقم الأسرة", Aliases: []string{"مرجع الأسرة", "رمز الأسرة"}, Required: true},
	{Name: "member_ref", AR: "رقم الفرد", Aliases: []string{"مرجع الفرد", "رمز الفرد"}, Required: true},
	{Name: "relationship", AR: "صلة القرابة", Aliases: []string{"القرابة", "الصلة برب الأسرة"}, Required: true},
	{Name: "first_name", AR: "الاسم الأول", Aliases: []string{"الاسم"}, Required: true},
	{Name: "father_name", AR: "اسم الأب"},
	{Name: "grandfather_name", AR: "اسم الجد"},
	{Name: "family_name", AR: "اسم العائلة", Aliases: []string{"اللقب", "الكنية"}},
	{Name: "name_latin", AR: "الاسم باللاتينية", Aliases: []string{"الاسم بالإنجليزية", "name_en"}},
	{Name: "sex", AR: "الجنس", Aliases: []string{"النوع", "gender"}, Required: true},
	{Name: "birth_date", AR: "تاريخ الميلاد"},
	{Name: "national_id", AR: "الرقم الوطني", Aliases: []string{"الرقم القومي", "رقم الهوية"}},
	{Name: "phone", AR: "الهاتف", Aliases: []string{"رقم الهاتف", "الجوال", "mobile"}},
	{Name: "disability_seeing", AR: "صعوبة الرؤية"},
	{Name: "disability_hearing", AR: "صعوبة السمع"},
	{Name: "disability_walking", AR: "صعوبة المشي"},
	{Name: "disability_remembering", AR: "صعوبة التذكر"},
	{Name: "disability_selfcare", AR: "صعوبة العناية الذاتية", Aliases: []string{"disability_self_care"}},
	{Name: "disability_communicating", AR: "صعوبة التواصل"},
	{Name: "marital_status", AR: "الحالة الاجتماعية"},
	{Name: "education", AR: "التعليم", Aliases: []string{"المستوى التعليمي"}},
	{Name: "employment_status", AR: "الحالة العملية", Aliases: []string{"حالة العمل"}},
	{Name: "monthly_income", AR: "الدخل الشهري"},
	{Name: "orphan", AR: "اليتم"},
	{Name: "pregnant", AR: "حامل", Aliases: []string{"الحمل"}},
	{Name: "national_id_type", AR: "نوع الهوية", Aliases: []string{"نوع الوثيقة"}, Optional: true},
}

// headerIndex maps every accepted header, normalized, to its column name.
func headerIndex(cols []Column) map[string]string {
	m := map[string]string{}
	for _, c := range cols {
		for _, h := range append([]string{c.Name, c.AR, strings.ReplaceAll(c.Name, "_", " ")}, c.Aliases...) {
			m[headerKey(h)] = c.Name
		}
	}
	return m
}

func headerKey(h string) string {
	return strings.ReplaceAll(arabic.Normalize(strings.TrimPrefix(h, "\ufeff")), " ", "_")
}

func templateHeader(cols []Column) []string {
	var out []string
	for _, c := range cols {
		if !c.Optional {
			out = append(out, c.Name)
		}
	}
	return out
}

// WriteTemplateCSV writes the header of the households (which "households")
// or members (which "members") CSV template.
func WriteTemplateCSV(w io.Writer, which string) error {
	cols := HouseholdColumns
	switch which {
	case "households":
	case "members":
		cols = MemberColumns
	default:
		return fmt.Errorf("registry: no template %q", which)
	}
	if _, err := w.Write([]byte{0xEF, 0xBB, 0xBF}); err != nil { // Excel opens UTF-8 only with a BOM
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(templateHeader(cols))
	cw.Flush()
	return cw.Error()
}

// WriteTemplateXLSX writes the import workbook: a households sheet and a
// members sheet with the template headers, and a codes sheet listing every
// coded field's codes with their Arabic and English words.
func WriteTemplateXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "households"); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		cols []Column
	}{{"households", HouseholdColumns}, {"members", MemberColumns}} {
		if s.name != "households" {
			if _, err := f.NewSheet(s.name); err != nil {
				return err
			}
		}
		row := make([]any, 0, len(s.cols))
		for _, h := range templateHeader(s.cols) {
			row = append(row, h)
		}
		if err := f.SetSheetRow(s.name, "A1", &row); err != nil {
			return err
		}
	}
	if _, err := f.NewSheet("codes"); err != nil {
		return err
	}
	r := 1
	put := func(vals ...any) error {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		r++
		return f.SetSheetRow("codes", cell, &vals)
	}
	if err := put("field", "code", "العربية", "English"); err != nil {
		return err
	}
	for _, v := range []*Vocab{Relationships, Sexes, MaritalStatuses, Educations, EmploymentStatuses, Orphanhoods, DwellingTypes, WaterSources, Sanitations, Assets, IDTypes} {
		for _, c := range v.Codes {
			if err := put(v.Field, c.Code, c.AR, c.EN); err != nil {
				return err
			}
		}
	}
	return f.Write(w)
}
