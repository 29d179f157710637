package rule

import (
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/tadamun/tadamun/internal/errs"
)

// Field documents one name a rule may read. Vocabulary returns them; the
// rule editor and docs/rules.md show them.
type Field struct {
	// Scope is "" for a variable (household, members), "household" for a
	// field of household and "member" for a field of one member, read
	// through the variable of a macro: members.exists(m, m.age >= 65).
	Scope   string
	Name    string
	Type    string // CEL type: bool, int, double, string, list(string), map(string, string), …
	EN      string // meaning in English
	AR      string // meaning in Arabic
	Example string // a rule that uses it
}

// Path returns the name as a rule writes it: "household.rooms", "m.age",
// "members".
func (f Field) Path() string {
	switch f.Scope {
	case "household":
		return "household." + f.Name
	case "member":
		return "m." + f.Name
	}
	return f.Name
}

// CEL type names of the two record types.
const (
	householdType = "tadamun.Household"
	memberType    = "tadamun.Member"
)

var (
	householdObj = types.NewObjectType(householdType)
	memberObj    = types.NewObjectType(memberType)
	attrsType    = types.NewMapType(types.StringType, types.StringType)
)

// field is a Field with the functions that read it from a value.
type field struct {
	Field
	typ *types.Type
	// get returns the value or an *errs.Error for a value unknown for this
	// household or member.
	get func(v any) (ref.Val, error)
	// set reports whether the value is known; nil means always.
	set func(v any) bool
}

func hf(name, typ string, t *types.Type, en, ar, ex string, get func(h *hhVal) (ref.Val, error)) field {
	return field{
		Field: Field{Scope: "household", Name: name, Type: typ, EN: en, AR: ar, Example: ex},
		typ:   t,
		get:   func(v any) (ref.Val, error) { return get(v.(*hhVal)) },
	}
}

func mf(name, typ string, t *types.Type, en, ar, ex string, get func(m *memberVal) (ref.Val, error)) field {
	return field{
		Field: Field{Scope: "member", Name: name, Type: typ, EN: en, AR: ar, Example: ex},
		typ:   t,
		get:   func(v any) (ref.Val, error) { return get(v.(*memberVal)) },
	}
}

func str(s string) (ref.Val, error)     { return types.String(s), nil }
func integer(i int) (ref.Val, error)    { return types.Int(i), nil }
func double(f float64) (ref.Val, error) { return types.Double(f), nil }
func boolean(b bool) (ref.Val, error)   { return types.Bool(b), nil }
func attrs(m map[string]string) ref.Val { return types.NewStringStringMap(registry, m) }

func domain(i int) func(m *memberVal) (ref.Val, error) {
	return func(m *memberVal) (ref.Val, error) { return integer(int(m.p.Disability[i])) }
}

// householdFields and memberFields are the vocabulary: the provider declares
// exactly these fields to the type checker, so the documentation cannot miss
// one.
var householdFields = []field{
	hf("governorate", "string", types.StringType, "Governorate (first administrative level) of the household's address.", "المحافظة (المستوى الإداري الأول) لعنوان الأسرة.", `household.governorate == "Aswan"`,
		func(h *hhVal) (ref.Val, error) { return str(h.h.Governorate) }),
	hf("district", "string", types.StringType, "District (second administrative level).", "المركز أو القضاء (المستوى الإداري الثاني).", `household.district in ["Idfu", "Kom Ombo"]`,
		func(h *hhVal) (ref.Val, error) { return str(h.h.District) }),
	hf("locality", "string", types.StringType, "Village, town or neighbourhood.", "القرية أو المدينة أو الحي.", `household.locality != ""`,
		func(h *hhVal) (ref.Val, error) { return str(h.h.Locality) }),
	hf("dwelling_type", "string", types.StringType, "Type of dwelling: apartment, house, rural_house, room, tent, informal, …", "نوع المسكن: شقة، منزل، منزل ريفي، غرفة، خيمة، عشوائي، …", `household.dwelling_type in ["tent", "informal"]`,
		func(h *hhVal) (ref.Val, error) { return str(h.h.DwellingType) }),
	hf("rooms", "int", types.IntType, "Number of rooms the household lives in.", "عدد الغرف التي تسكنها الأسرة.", `household.rooms > 0 && household.size / household.rooms >= 3`,
		func(h *hhVal) (ref.Val, error) { return integer(h.h.Rooms) }),
	hf("water_source", "string", types.StringType, "Main source of drinking water: piped, well, tanker, river, …", "المصدر الرئيسي لمياه الشرب: شبكة، بئر، صهريج، نهر، …", `household.water_source != "piped"`,
		func(h *hhVal) (ref.Val, error) { return str(h.h.WaterSource) }),
	hf("sanitation", "string", types.StringType, "Sanitation: sewer, septic, pit, none, …", "الصرف الصحي: شبكة، بيارة، حفرة، لا يوجد، …", `household.sanitation == "none"`,
		func(h *hhVal) (ref.Val, error) { return str(h.h.Sanitation) }),
	hf("electricity", "bool", types.BoolType, "Whether the dwelling has electricity.", "هل المسكن موصول بالكهرباء.", `!household.electricity`,
		func(h *hhVal) (ref.Val, error) { return boolean(h.h.Electricity) }),
	hf("assets", "list(string)", types.NewListType(types.StringType), "Assets the household owns: car, fridge, tv, washing_machine, land, livestock, …", "الأصول التي تملكها الأسرة: سيارة، ثلاجة، تلفاز، غسالة، أرض، ماشية، …", `!("car" in household.assets)`,
		func(h *hhVal) (ref.Val, error) { return types.NewStringList(registry, h.h.Assets), nil }),
	hf("monthly_income", "double", types.DoubleType, "The household's own monthly income (not its members'), in the currency's major unit.", "دخل الأسرة الشهري الخاص بها (دون دخول أفرادها)، بالوحدة الرئيسية للعملة.", `household.monthly_income < 500.0`,
		func(h *hhVal) (ref.Val, error) { return double(h.major(h.h.MonthlyIncome)) }),
	hf("total_income", "double", types.DoubleType, "monthly_income plus the monthly incomes of all members.", "الدخل الشهري للأسرة مضافًا إليه دخول جميع أفرادها.", `household.total_income < 3000.0`,
		func(h *hhVal) (ref.Val, error) { return double(h.total()) }),
	hf("size", "int", types.IntType, "Number of members.", "عدد أفراد الأسرة.", `household.size >= 5`,
		func(h *hhVal) (ref.Val, error) { return integer(len(h.h.Members)) }),
	hf("income_per_capita", "double", types.DoubleType, "total_income divided by size; an error for a household without members.", "الدخل الكلي مقسومًا على عدد الأفراد؛ خطأ إذا لم يكن للأسرة أفراد.", `household.income_per_capita < 1200.0`,
		func(h *hhVal) (ref.Val, error) {
			v, err := h.perCapita()
			if err != nil {
				return nil, err
			}
			return double(v)
		}),
	hf("attrs", "map(string, string)", attrsType, "Custom attributes imported with the household, read by key: household.attrs[\"key\"]. A missing key is an error for that household; test first with \"key\" in household.attrs.", "سمات مخصصة مستوردة مع الأسرة، تُقرأ بالمفتاح: household.attrs[\"key\"]. قراءة مفتاح غير موجود خطأ لتلك الأسرة؛ اختبر وجوده أولًا بـ \"key\" in household.attrs.", `"camp" in household.attrs && household.attrs["camp"] == "yes"`,
		func(h *hhVal) (ref.Val, error) { return attrs(h.h.Attrs), nil }),
}

var memberFields = []field{
	mf("relationship", "string", types.StringType, "Relationship to the head: head, spouse, son, daughter, parent, other, …", "صلة القرابة برب الأسرة: رب الأسرة، زوج/زوجة، ابن، ابنة، والد/والدة، أخرى، …", `members.exists(m, m.relationship == "head" && m.sex == "female")`,
		func(m *memberVal) (ref.Val, error) { return str(m.p.Relationship) }),
	mf("sex", "string", types.StringType, "male or female.", "ذكر (male) أو أنثى (female).", `members.exists(m, m.sex == "female" && m.pregnant)`,
		func(m *memberVal) (ref.Val, error) { return str(m.p.Sex) }),
	{
		Field: Field{Scope: "member", Name: "age", Type: "int", EN: "Age in whole years at the run's reference date. Unknown when the birth date is: reading it is then an error for the household; test with has(m.age).", AR: "العمر بالسنوات الكاملة في التاريخ المرجعي للتشغيل. إذا كان تاريخ الميلاد مجهولًا فالعمر مجهول وقراءته خطأ لتلك الأسرة؛ اختبره بـ has(m.age).", Example: `members.exists(m, has(m.age) && m.age >= 65)`},
		typ:   types.IntType,
		get: func(v any) (ref.Val, error) {
			m := v.(*memberVal)
			a := m.age()
			if a < 0 {
				return nil, errs.E(errs.Invalid, "rule.unknown_age", "member", m.i+1)
			}
			return types.Int(a), nil
		},
		set: func(v any) bool { return v.(*memberVal).age() >= 0 },
	},
	mf("disability", "bool", types.BoolType, "True when any Washington Group domain is 3 (a lot of difficulty) or 4 (cannot do at all).", "صحيح إذا كانت إجابة أي مجال من مجالات مجموعة واشنطن 3 (صعوبة كبيرة) أو 4 (لا يستطيع مطلقًا).", `members.exists(m, m.disability)`,
		func(m *memberVal) (ref.Val, error) { return boolean(disabled(m.p)) }),
	mf("seeing", "int", types.IntType, "Washington Group: difficulty seeing, 1 none, 2 some, 3 a lot, 4 cannot; 0 unknown.", "مجموعة واشنطن: صعوبة الرؤية، 1 لا صعوبة، 2 بعض الصعوبة، 3 صعوبة كبيرة، 4 لا يستطيع؛ 0 غير معروف.", `members.exists(m, m.seeing >= 3)`, domain(0)),
	mf("hearing", "int", types.IntType, "Washington Group: difficulty hearing (same scale).", "مجموعة واشنطن: صعوبة السمع (بالمقياس نفسه).", `members.exists(m, m.hearing >= 3)`, domain(1)),
	mf("walking", "int", types.IntType, "Washington Group: difficulty walking or climbing steps (same scale).", "مجموعة واشنطن: صعوبة المشي أو صعود الدرج (بالمقياس نفسه).", `members.exists(m, m.walking == 4)`, domain(2)),
	mf("remembering", "int", types.IntType, "Washington Group: difficulty remembering or concentrating (same scale).", "مجموعة واشنطن: صعوبة التذكر أو التركيز (بالمقياس نفسه).", `members.exists(m, m.remembering >= 3)`, domain(3)),
	mf("self_care", "int", types.IntType, "Washington Group: difficulty with self-care, washing or dressing (same scale).", "مجموعة واشنطن: صعوبة العناية الذاتية كالاستحمام أو ارتداء الملابس (بالمقياس نفسه).", `members.exists(m, m.self_care >= 3)`, domain(4)),
	mf("communicating", "int", types.IntType, "Washington Group: difficulty communicating (same scale).", "مجموعة واشنطن: صعوبة التواصل (بالمقياس نفسه).", `members.exists(m, m.communicating >= 3)`, domain(5)),
	mf("employment_status", "string", types.StringType, "employed, unemployed, self_employed, student, retired, inactive, …", "يعمل، عاطل عن العمل، يعمل لحسابه، طالب، متقاعد، غير نشط، …", `members.all(m, m.employment_status != "employed")`,
		func(m *memberVal) (ref.Val, error) { return str(m.p.EmploymentStatus) }),
	mf("monthly_income", "double", types.DoubleType, "The member's monthly income in the currency's major unit.", "الدخل الشهري للفرد بالوحدة الرئيسية للعملة.", `members.filter(m, m.monthly_income > 0.0).size() <= 1`,
		func(m *memberVal) (ref.Val, error) { return double(m.hv.major(m.p.MonthlyIncome)) }),
	mf("orphan", "string", types.StringType, "none, paternal, maternal or double.", "لا (none)، يتيم الأب (paternal)، يتيم الأم (maternal)، يتيم الأبوين (double).", `members.exists(m, m.age < 18 && m.orphan != "none")`,
		func(m *memberVal) (ref.Val, error) { return str(m.p.Orphan) }),
	mf("pregnant", "bool", types.BoolType, "Whether the member is pregnant.", "هل الفرد حامل.", `members.exists(m, m.pregnant)`,
		func(m *memberVal) (ref.Val, error) { return boolean(m.p.Pregnant) }),
	mf("education", "string", types.StringType, "Highest education: none, primary, secondary, university, …", "أعلى مستوى تعليمي: لا شيء، ابتدائي، ثانوي، جامعي، …", `members.exists(m, m.age >= 15 && m.education == "none")`,
		func(m *memberVal) (ref.Val, error) { return str(m.p.Education) }),
	mf("marital_status", "string", types.StringType, "single, married, divorced, widowed, …", "أعزب، متزوج، مطلق، أرمل، …", `members.exists(m, m.relationship == "head" && m.marital_status == "widowed")`,
		func(m *memberVal) (ref.Val, error) { return str(m.p.MaritalStatus) }),
	mf("placed_last_12_months", "bool", types.BoolType, "True when the employment service placed the member in work in the twelve months up to the rule's day (a placement a registrar approved into the registry).", "صحيح إذا وظّفت خدمة التشغيل الفرد في عمل خلال الاثني عشر شهرًا السابقة ليوم القاعدة (توظيف اعتمده مسجّل في السجل).", `members.exists(m, m.placed_last_12_months)`,
		func(m *memberVal) (ref.Val, error) { return boolean(placedWithinYear(m.p, m.hv.ref)) }),
	mf("attrs", "map(string, string)", attrsType, "Custom attributes imported with the member, read by key: m.attrs[\"key\"]; test with \"key\" in m.attrs.", "سمات مخصصة مستوردة مع الفرد، تُقرأ بالمفتاح: m.attrs[\"key\"]؛ اختبر وجودها بـ \"key\" in m.attrs.", `members.exists(m, "chronic_illness" in m.attrs)`,
		func(m *memberVal) (ref.Val, error) { return attrs(m.p.Attrs), nil }),
}

var householdIndex, memberIndex = index(householdFields), index(memberFields)

func index(fs []field) map[string]*field {
	m := make(map[string]*field, len(fs))
	for i := range fs {
		m[fs[i].Name] = &fs[i]
	}
	return m
}

// Vocabulary returns every name a rule may read, variables first, then the
// fields of household, then the fields of a member. The result is a fresh
// slice the caller may keep.
func Vocabulary() []Field {
	out := []Field{
		{Name: "household", Type: householdType, EN: "The household being decided on.", AR: "الأسرة التي يُتخذ القرار بشأنها.", Example: `household.size >= 5`},
		{Name: "members", Type: "list(" + memberType + ")", EN: "The household's members; read them with CEL macros: exists, all, exists_one, filter, map, size.", AR: "أفراد الأسرة؛ تُقرأ بوحدات CEL الجاهزة: exists وall وexists_one وfilter وmap وsize.", Example: `members.filter(m, m.age < 18).size() >= 3`},
	}
	for _, f := range householdFields {
		out = append(out, f.Field)
	}
	for _, f := range memberFields {
		out = append(out, f.Field)
	}
	return out
}
