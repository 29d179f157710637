package registry

import (
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
)

// Vocab is one coded field: the canonical codes it accepts, each with the
// Arabic and English words a person may type instead (matched after
// arabic.Normalize, so hamza, ta marbuta and case do not matter).
type Vocab struct {
	Field string
	Codes []Code
	index map[string]string
}

// Code is one value of a coded field.
type Code struct {
	Code    string   `json:"code"`
	AR      string   `json:"ar"`
	EN      string   `json:"en"`
	Aliases []string `json:"aliases,omitempty"`
}

func vocab(field string, codes ...Code) *Vocab {
	v := &Vocab{Field: field, Codes: codes, index: map[string]string{}}
	for _, c := range codes {
		for _, w := range append([]string{c.Code, c.AR, c.EN}, c.Aliases...) {
			v.index[arabic.Normalize(w)] = c.Code
		}
	}
	return v
}

// Lookup returns the canonical code for s, and false when s is not one of
// the field's codes or words. An empty s is not looked up by callers.
func (v *Vocab) Lookup(s string) (string, bool) {
	c, ok := v.index[arabic.Normalize(s)]
	if !ok {
		// "self-employed" and "self employed" normalize with a space.
		c, ok = v.index[strings.ReplaceAll(arabic.Normalize(s), " ", "_")]
	}
	return c, ok
}

// List returns the canonical codes, for messages and the template.
func (v *Vocab) List() string {
	s := make([]string, len(v.Codes))
	for i, c := range v.Codes {
		s[i] = c.Code
	}
	return strings.Join(s, ", ")
}

// The coded fields. The codes are the words eligibility rules compare with
// (docs/rules.md); Arabic words are accepted in files and forms.
var (
	Relationships = vocab("relationship",
		Code{"head", "رب الأسرة", "head", []string{"رب الاسره", "رب اسره", "ربة الأسرة", "رئيس الأسرة", "1"}},
		Code{"spouse", "زوج/زوجة", "spouse", []string{"زوج", "زوجة", "wife", "husband", "2"}},
		Code{"son", "ابن", "son", []string{"إبن", "3"}},
		Code{"daughter", "ابنة", "daughter", []string{"بنت", "إبنة", "4"}},
		Code{"parent", "والد/والدة", "parent", []string{"أب", "أم", "والد", "والدة", "father", "mother", "5"}},
		Code{"sibling", "أخ/أخت", "sibling", []string{"أخ", "أخت", "brother", "sister", "6"}},
		Code{"grandchild", "حفيد/حفيدة", "grandchild", []string{"حفيد", "حفيدة", "7"}},
		Code{"grandparent", "جد/جدة", "grandparent", []string{"جد", "جدة", "8"}},
		Code{"other_relative", "قريب آخر", "other relative", []string{"قريب", "relative", "9"}},
		Code{"other", "غير قريب", "other", []string{"أخرى", "non_relative", "non relative", "10"}},
	)
	Sexes = vocab("sex",
		Code{"male", "ذكر", "male", []string{"m", "ذ", "1"}},
		Code{"female", "أنثى", "female", []string{"f", "انثي", "ا", "أ", "2"}},
	)
	MaritalStatuses = vocab("marital_status",
		Code{"single", "أعزب", "single", []string{"عزباء", "never married"}},
		Code{"married", "متزوج", "married", []string{"متزوجة"}},
		Code{"divorced", "مطلق", "divorced", []string{"مطلقة"}},
		Code{"widowed", "أرمل", "widowed", []string{"أرملة"}},
		Code{"separated", "منفصل", "separated", []string{"منفصلة", "مهجورة"}},
	)
	Educations = vocab("education",
		Code{"none", "لا شيء", "none", []string{"أمي", "أمية", "بدون", "illiterate"}},
		Code{"read_write", "يقرأ ويكتب", "reads and writes", []string{"read write"}},
		Code{"primary", "ابتدائي", "primary", []string{"ابتدائية"}},
		Code{"preparatory", "إعدادي", "preparatory", []string{"اعدادية", "متوسط", "lower secondary"}},
		Code{"secondary", "ثانوي", "secondary", []string{"ثانوية"}},
		Code{"vocational", "مهني", "vocational", []string{"دبلوم", "diploma"}},
		Code{"university", "جامعي", "university", []string{"بكالوريوس", "bachelor"}},
		Code{"postgraduate", "دراسات عليا", "postgraduate", []string{"ماجستير", "دكتوراه", "master", "phd"}},
	)
	EmploymentStatuses = vocab("employment_status",
		Code{"employed", "يعمل", "employed", []string{"موظف", "عامل"}},
		Code{"self_employed", "يعمل لحسابه", "self-employed", []string{"عمل حر"}},
		Code{"unemployed", "عاطل عن العمل", "unemployed", []string{"عاطل", "لا يعمل"}},
		Code{"student", "طالب", "student", []string{"طالبة"}},
		Code{"retired", "متقاعد", "retired", []string{"متقاعدة"}},
		Code{"homemaker", "ربة منزل", "homemaker", []string{"ربه بيت"}},
		Code{"inactive", "غير نشط", "inactive", []string{"unable", "عاجز عن العمل"}},
		Code{"child", "طفل", "child", []string{"دون سن العمل"}},
	)
	Orphanhoods = vocab("orphan",
		Code{"none", "لا", "none", []string{"no", "ليس يتيما", "0"}},
		Code{"paternal", "يتيم الأب", "paternal", []string{"father", "1"}},
		Code{"maternal", "يتيم الأم", "maternal", []string{"mother", "2"}},
		Code{"double", "يتيم الأبوين", "double", []string{"both", "3"}},
	)
	DwellingTypes = vocab("dwelling_type",
		Code{"apartment", "شقة", "apartment", nil},
		Code{"house", "منزل", "house", []string{"بيت"}},
		Code{"rural_house", "منزل ريفي", "rural house", nil},
		Code{"room", "غرفة", "room", nil},
		Code{"tent", "خيمة", "tent", nil},
		Code{"caravan", "كرفان", "caravan", []string{"بيت متنقل"}},
		Code{"informal", "عشوائي", "informal", []string{"سكن عشوائي"}},
		Code{"other", "أخرى", "other", nil},
	)
	WaterSources = vocab("water_source",
		Code{"piped", "شبكة", "piped", []string{"شبكة عامة", "حنفية"}},
		Code{"well", "بئر", "well", nil},
		Code{"tanker", "صهريج", "tanker", []string{"وايت"}},
		Code{"river", "نهر", "river", []string{"ترعة"}},
		Code{"spring", "نبع", "spring", []string{"عين"}},
		Code{"bottled", "معبأة", "bottled", nil},
		Code{"rain", "أمطار", "rainwater", []string{"rain"}},
		Code{"other", "أخرى", "other", nil},
	)
	Sanitations = vocab("sanitation",
		Code{"sewer", "شبكة", "sewer", []string{"شبكة صرف", "مجاري"}},
		Code{"septic", "بيارة", "septic tank", []string{"septic", "خزان"}},
		Code{"pit", "حفرة", "pit", nil},
		Code{"none", "لا يوجد", "none", []string{"لا"}},
		Code{"other", "أخرى", "other", nil},
	)
	Assets = vocab("assets",
		Code{"car", "سيارة", "car", nil},
		Code{"motorcycle", "دراجة نارية", "motorcycle", nil},
		Code{"fridge", "ثلاجة", "fridge", []string{"refrigerator", "براد"}},
		Code{"tv", "تلفاز", "tv", []string{"تلفزيون", "television"}},
		Code{"washing_machine", "غسالة", "washing machine", nil},
		Code{"air_conditioner", "مكيف", "air conditioner", []string{"ac"}},
		Code{"computer", "حاسوب", "computer", []string{"كمبيوتر", "laptop"}},
		Code{"smartphone", "هاتف ذكي", "smartphone", nil},
		Code{"land", "أرض", "land", []string{"أرض زراعية"}},
		Code{"livestock", "ماشية", "livestock", []string{"مواشي"}},
		Code{"shop", "محل", "shop", []string{"متجر"}},
		Code{"solar_panel", "ألواح شمسية", "solar panel", nil},
	)
	IDTypes = vocab("national_id_type",
		Code{"national_id", "رقم وطني", "national ID", []string{"بطاقة شخصية", "رقم قومي", "هوية"}},
		Code{"passport", "جواز سفر", "passport", nil},
		Code{"residence", "إقامة", "residence permit", []string{"iqama"}},
		Code{"refugee", "بطاقة لاجئ", "refugee card", []string{"unhcr"}},
		Code{"birth_certificate", "شهادة ميلاد", "birth certificate", nil},
		Code{"other", "أخرى", "other", nil},
	)
	Sources = vocab("source",
		Code{"import", "استيراد", "import", nil},
		Code{"form", "استمارة", "form", nil},
		Code{"api", "واجهة برمجية", "api", nil},
		Code{"survey", "مسح", "survey", nil},
	)
)

// yesNo parses a yes/no answer in either language: yes, no, true, false,
// 1, 0, نعم, لا.
func yesNo(s string) (v, ok bool) {
	switch arabic.Normalize(s) {
	case "yes", "y", "true", "1", "نعم", "ن", "موجود", "يوجد":
		return true, true
	case "no", "n", "false", "0", "لا", "ل", "غير موجود", "لا يوجد":
		return false, true
	}
	return false, false
}
