package registry

import (
	"encoding/json"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
)

// Household is one household of the registry. Pointer fields are nil when
// unknown. The zero value is an empty household of no member.
type Household struct {
	ID            int64    `json:"id"`
	MemberID      int64    `json:"member_id"`
	Ref           string   `json:"household_ref"`
	Governorate   string   `json:"governorate"` // admin area codes
	District      string   `json:"district"`
	Locality      string   `json:"locality"`
	Address       string   `json:"address"`
	DwellingType  string   `json:"dwelling_type"`
	Rooms         *int     `json:"rooms"`
	WaterSource   string   `json:"water_source"`
	Sanitation    string   `json:"sanitation"`
	Electricity   *bool    `json:"electricity"`
	Assets        []string `json:"assets"`
	MonthlyIncome *int64   `json:"monthly_income"` // minor units
	RegisteredOn  string   `json:"registered_on"`  // YYYY-MM-DD
	Source        string   `json:"source"`
	Consent       *bool    `json:"consent"`
	// ContactConsent is the household's consent to be contacted (SMS,
	// e-mail) about its enrollments, payments and complaints; nil when not
	// recorded, and then nothing is sent.
	ContactConsent *bool             `json:"contact_consent"`
	ContactLang    string            `json:"contact_lang"`  // "ar", "en", or "" for the member's default
	ContactEmail   string            `json:"contact_email"` // the household's e-mail address, "" none
	Attrs          map[string]string `json:"attrs"`
	Version        int               `json:"version"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	Size           int               `json:"size"` // number of persons, filled by reads
	// Head is the head's full name and HeadLatin the head's name in Latin
	// script, filled by ListHouseholds and EachListedHousehold ("" when the
	// household has no head).
	Head      string `json:"head,omitempty"`
	HeadLatin string `json:"head_latin,omitempty"`
}

// Person is one member of a household. The zero value is an empty person.
type Person struct {
	ID               int64   `json:"id"`
	MemberID         int64   `json:"member_id"`
	HouseholdID      int64   `json:"household_id"`
	HouseholdRef     string  `json:"household_ref"`
	Ref              string  `json:"member_ref"`
	Relationship     string  `json:"relationship"`
	FirstName        string  `json:"first_name"`
	FatherName       string  `json:"father_name"`
	GrandfatherName  string  `json:"grandfather_name"`
	FamilyName       string  `json:"family_name"`
	NameLatin        string  `json:"name_latin"`
	Sex              string  `json:"sex"`
	BirthDate        string  `json:"birth_date"` // YYYY-MM-DD, "" unknown
	NationalID       string  `json:"national_id"`
	NationalIDType   string  `json:"national_id_type"`
	Phone            string  `json:"phone"`
	Disability       [6]int8 `json:"disability"` // Washington Group: seeing, hearing, walking, remembering, self-care, communicating; 1-4, 0 unknown
	MaritalStatus    string  `json:"marital_status"`
	Education        string  `json:"education"`
	EmploymentStatus string  `json:"employment_status"`
	MonthlyIncome    *int64  `json:"monthly_income"` // minor units
	Orphan           string  `json:"orphan"`
	Pregnant         bool    `json:"pregnant"`
	// PlacedOn is the first day of work of the person's last placement by
	// the employment service (YYYY-MM-DD, "" never). Only an approved
	// change request writes it (ProposePersonChange); forms and imports
	// leave it as it is.
	PlacedOn  string            `json:"placed_on,omitempty"`
	Attrs     map[string]string `json:"attrs"`
	Version   int               `json:"version"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	// MergedInto is the id of the record this one was merged into (see
	// MergePersons); 0 for a live record. A merged record is kept with its
	// history but read only, and readers of the registry leave it out.
	MergedInto int64 `json:"merged_into,omitempty"`

	// Keys computed from the fields above on every write.
	NameKey  string `json:"-"`
	IDKey    string `json:"-"`
	PhoneKey string `json:"-"`
}

// Disabled reports whether the person has a disability in the Washington
// Group sense: any domain answered 3 (a lot of difficulty) or 4 (cannot do
// at all).
func (p *Person) Disabled() bool {
	for _, d := range p.Disability {
		if d >= 3 {
			return true
		}
	}
	return false
}

// FullName returns the name parts as entered, joined by spaces.
func (p *Person) FullName() string {
	return joinNonEmpty(p.FirstName, p.FatherName, p.GrandfatherName, p.FamilyName)
}

func joinNonEmpty(parts ...string) string {
	var b strings.Builder
	for _, s := range parts {
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// WGDomains names the Washington Group domains in Person.Disability order,
// as the import columns and forms call them.
var WGDomains = [6]string{"disability_seeing", "disability_hearing", "disability_walking", "disability_remembering", "disability_selfcare", "disability_communicating"}

// memberInfo is what validation needs to know about the member.
type memberInfo struct {
	ID          int64
	Code        string
	Exponent    int
	CallingCode string
	areas       map[string]areaInfo // code → level and parent; empty: areas not checked
}

type areaInfo struct{ level, parent string }

// problems collects field errors of one record.
type problems struct {
	row    int
	fields []errs.FieldError
}

func (p *problems) add(field, key string, kv ...any) {
	var args map[string]any
	if len(kv) > 0 {
		args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			args[kv[i].(string)] = kv[i+1]
		}
	}
	p.fields = append(p.fields, errs.FieldError{Field: field, Row: p.row, Key: key, Args: args})
}

func (p *problems) err() error {
	if len(p.fields) == 0 {
		return nil
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	e.Fields = p.fields
	return e
}

const (
	maxRef  = 64
	maxName = 100
	maxText = 500
)

func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\x00", "")) }

// checkRef validates a household or member reference: 1-64 characters,
// no control characters. Digits are folded to ASCII so ١٢ and 12 are one ref.
func checkRef(p *problems, field string, s *string) {
	*s = arabic.Digits(clean(*s))
	switch {
	case *s == "":
		p.add(field, "error.required")
	case utf8.RuneCountInString(*s) > maxRef:
		p.add(field, "registry.too_long", "max", maxRef)
	case strings.ContainsFunc(*s, func(r rune) bool { return r < ' ' }):
		p.add(field, "registry.bad_ref")
	}
}

func checkText(p *problems, field string, s *string, max int) {
	*s = clean(*s)
	if utf8.RuneCountInString(*s) > max {
		p.add(field, "registry.too_long", "max", max)
	}
}

func checkCode(p *problems, v *Vocab, s *string, required bool) {
	*s = clean(*s)
	if *s == "" {
		if required {
			p.add(v.Field, "error.required")
		}
		return
	}
	c, ok := v.Lookup(*s)
	if !ok {
		p.add(v.Field, "registry.unknown_code", "value", *s, "codes", v.List())
		return
	}
	*s = c
}

func checkDate(p *problems, field string, s *string, today string) {
	*s = clean(*s)
	if *s == "" {
		return
	}
	t, err := arabic.ParseDate(*s)
	if err != nil {
		p.add(field, "registry.bad_date", "value", *s)
		return
	}
	*s = t.Format(time.DateOnly)
	if *s > today {
		p.add(field, "registry.future_date", "value", *s)
	} else if *s < "1880-01-01" {
		p.add(field, "registry.bad_date", "value", *s)
	}
}

func checkAttrs(p *problems, attrs map[string]string) map[string]string {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]string, len(attrs))
	for k, v := range attrs {
		k, v = clean(k), clean(v)
		if k == "" {
			continue
		}
		if utf8.RuneCountInString(v) > maxText {
			p.add(k, "registry.too_long", "max", maxText)
		}
		out[k] = v
	}
	return out
}

// normalize cleans and checks h for member m; p collects the problems.
func (h *Household) normalize(p *problems, m *memberInfo, today string) {
	h.MemberID = m.ID
	checkRef(p, "household_ref", &h.Ref)
	h.Governorate, h.District, h.Locality = clean(arabic.Digits(h.Governorate)), clean(arabic.Digits(h.District)), clean(arabic.Digits(h.Locality))
	checkAreas(p, m, h)
	checkText(p, "address", &h.Address, maxText)
	checkCode(p, DwellingTypes, &h.DwellingType, false)
	checkCode(p, WaterSources, &h.WaterSource, false)
	checkCode(p, Sanitations, &h.Sanitation, false)
	if h.Rooms != nil && (*h.Rooms < 0 || *h.Rooms > 100) {
		p.add("rooms", "registry.out_of_range", "min", 0, "max", 100)
	}
	if h.MonthlyIncome != nil && *h.MonthlyIncome < 0 {
		p.add("monthly_income", "registry.negative")
	}
	assets := h.Assets[:0:0]
	for _, a := range h.Assets {
		if a = clean(a); a == "" {
			continue
		}
		c, ok := Assets.Lookup(a)
		if !ok {
			p.add("assets", "registry.unknown_code", "value", a, "codes", Assets.List())
			continue
		}
		if !slices.Contains(assets, c) {
			assets = append(assets, c)
		}
	}
	h.Assets = assets
	if h.RegisteredOn == "" {
		h.RegisteredOn = today
	}
	checkDate(p, "registration_date", &h.RegisteredOn, today)
	if h.Source == "" {
		h.Source = "form"
	}
	checkCode(p, Sources, &h.Source, false)
	h.Attrs = checkAttrs(p, h.Attrs)
	checkContact(p, h)
}

// checkContact checks the household's contact preferences: a language
// Tadamun writes in and an e-mail address of one mailbox.
func checkContact(p *problems, h *Household) {
	h.ContactLang = strings.ToLower(clean(h.ContactLang))
	switch h.ContactLang {
	case "", "ar", "en":
	case "arabic", "عربي", "العربية":
		h.ContactLang = "ar"
	case "english", "إنجليزي", "الإنجليزية":
		h.ContactLang = "en"
	default:
		p.add("contact_lang", "registry.unknown_code", "value", h.ContactLang, "codes", "ar, en")
	}
	h.ContactEmail = clean(h.ContactEmail)
	if h.ContactEmail == "" {
		return
	}
	if a, err := mail.ParseAddress(h.ContactEmail); err != nil || a.Address != h.ContactEmail || len(h.ContactEmail) > 254 {
		p.add("contact_email", "registry.contact_email_invalid")
	}
}

func checkAreas(p *problems, m *memberInfo, h *Household) {
	if len(m.areas) == 0 {
		return // the member has not loaded its areas: codes are kept as given
	}
	levels := [3]struct {
		field, code, level, parent string
	}{
		{"governorate", h.Governorate, "governorate", ""},
		{"district", h.District, "district", h.Governorate},
		{"locality", h.Locality, "locality", h.District},
	}
	for _, l := range levels {
		if l.code == "" {
			continue
		}
		a, ok := m.areas[l.code]
		switch {
		case !ok || a.level != l.level:
			p.add(l.field, "registry.unknown_area", "code", l.code)
		case l.parent != "" && a.parent != l.parent:
			p.add(l.field, "registry.area_parent", "code", l.code, "parent", l.parent)
		}
	}
}

// normalize cleans and checks q for member m, and computes its keys.
func (q *Person) normalize(p *problems, m *memberInfo, today string) {
	q.MemberID = m.ID
	checkRef(p, "member_ref", &q.Ref)
	checkCode(p, Relationships, &q.Relationship, true)
	checkText(p, "first_name", &q.FirstName, maxName)
	if q.FirstName == "" {
		p.add("first_name", "error.required")
	}
	checkText(p, "father_name", &q.FatherName, maxName)
	checkText(p, "grandfather_name", &q.GrandfatherName, maxName)
	checkText(p, "family_name", &q.FamilyName, maxName)
	checkText(p, "name_latin", &q.NameLatin, maxName*2)
	checkCode(p, Sexes, &q.Sex, true)
	checkDate(p, "birth_date", &q.BirthDate, today)
	checkText(p, "national_id", &q.NationalID, 40)
	checkCode(p, IDTypes, &q.NationalIDType, false)
	q.IDKey = idKey(q.NationalID)
	if q.NationalID != "" {
		if q.NationalIDType == "" {
			q.NationalIDType = "national_id"
		}
		if q.NationalIDType == "national_id" {
			if key := checkNationalID(m.Code, q.IDKey, q.BirthDate); key != "" {
				p.add("national_id", key, "value", q.NationalID)
			}
		}
	}
	checkText(p, "phone", &q.Phone, 30)
	q.PhoneKey = arabic.PhoneKey(q.Phone, m.CallingCode)
	if q.Phone != "" {
		rest := strings.Map(dropPhoneSeparators, arabic.Digits(q.Phone))
		if strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }) >= 0 || len(q.PhoneKey) < 7 || len(q.PhoneKey) > 15 {
			p.add("phone", "registry.bad_phone", "value", q.Phone)
		}
	}
	for i, d := range q.Disability {
		if d < 0 || d > 4 {
			p.add(WGDomains[i], "registry.bad_wg", "value", d)
		}
	}
	checkCode(p, MaritalStatuses, &q.MaritalStatus, false)
	checkCode(p, Educations, &q.Education, false)
	checkCode(p, EmploymentStatuses, &q.EmploymentStatus, false)
	if q.MonthlyIncome != nil && *q.MonthlyIncome < 0 {
		p.add("monthly_income", "registry.negative")
	}
	if q.Orphan == "" {
		q.Orphan = "none"
	}
	checkCode(p, Orphanhoods, &q.Orphan, false)
	if q.Pregnant && q.Sex == "male" {
		p.add("pregnant", "registry.pregnant_male")
	}
	q.Attrs = checkAttrs(p, q.Attrs)
	q.NameKey = arabic.NameKey(q.FullName())
}

// dropPhoneSeparators drops the separators a phone number may be typed with.
func dropPhoneSeparators(r rune) rune {
	switch r {
	case ' ', '-', '+', '(', ')', '.', '/':
		return -1
	}
	return r
}

// idKey reduces a national ID to ASCII digits and upper-case letters, so that
// "٢٩٠ ٠١-٠١" and "2900101" are one key.
func idKey(s string) string {
	s = arabic.Digits(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			return r
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return -1
	}, s)
}

// nameTokens returns the distinct search tokens of q's name: the FamilyKey
// words of every part and of the Latin name (NameKey with compounds joined
// and a leading al- dropped, so الحسيني and حسيني are one token), and the
// Translit keys of the Arabic first and family names (prefixed "~" so that
// a Latin spelling and a consonant skeleton never collide).
func (q *Person) nameTokens(dst []string) []string {
	add := func(t string) {
		if t != "" && !slices.Contains(dst, t) {
			dst = append(dst, t)
		}
	}
	for i, part := range [...]string{q.FirstName, q.FatherName, q.GrandfatherName, q.FamilyName, q.NameLatin} {
		if part == "" {
			continue
		}
		for _, w := range strings.Fields(arabic.FamilyKey(part)) {
			add(w)
		}
		if (i == 0 || i == 3) && !arabic.IsLatin(part) {
			// Latin queries reach the Arabic first and family names
			// through the consonant skeleton (people type those two in
			// Latin; the father's names rarely). Arabic queries match
			// Arabic keys only: the skeleton is too coarse to decide
			// (Hassan = Hussein).
			for _, w := range strings.Fields(arabic.Translit(arabic.FamilyKey(part))) {
				add("~" + w)
			}
		}
	}
	return dst
}

// tokenBits is the signature bits of one name token: four of 64, from
// the token's FNV-1a hash. The same in every process and engine (stored).
func tokenBits(t string) int64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(t); i++ {
		h ^= uint64(t[i])
		h *= 1099511628211
	}
	var m uint64
	for range 4 {
		m |= 1 << (h & 63)
		h >>= 6
	}
	return int64(m)
}

// nameSig is the signature of a person's name tokens, stored on each of
// them in person_names.sig: the OR of their tokenBits. A word whose bits
// are not all in a row's signature is not in that person's name, so search
// skips the row without a probe; one whose bits are may still not be (about
// 2 in 100 for a name of eight tokens), so search then probes. Never 0 for
// a name with a token: 0 is "not computed".
func nameSig(tokens []string) int64 {
	var s int64
	for _, t := range tokens {
		s |= tokenBits(t)
	}
	return s
}

func attrsJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // map[string]string always encodes
	return string(b)
}

func parseAttrs(s string) map[string]string {
	if s == "" || s == "{}" {
		return nil
	}
	var m map[string]string
	_ = json.Unmarshal([]byte(s), &m) // written by attrsJSON
	return m
}

func cloneAttrs(m map[string]string) map[string]string { return maps.Clone(m) }
