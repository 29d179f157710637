package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/money"
)

// The SQL of households and persons, written once for both engines.

// householdSize counts a household's persons: records merged into another
// one have left it.
const householdSize = `(SELECT COUNT(*) FROM persons p WHERE p.member_id = h.member_id AND p.household_id = h.id AND p.merged_into IS NULL)`

const householdCols = `h.id, h.member_id, h.household_ref, h.governorate, h.district, h.locality, h.address, h.dwelling_type,
	h.rooms, h.water_source, h.sanitation, h.electricity, h.assets, h.monthly_income, h.registered_on, h.source, h.consent,
	h.contact_consent, h.contact_lang, h.contact_email, h.attrs, h.version, h.created_at, h.updated_at`

type scanner interface{ Scan(...any) error }

func scanHousehold(r scanner, extra ...any) (Household, error) {
	var h Household
	var rooms, elec, income, consent, contact sql.NullInt64
	var assets, attrs string
	dst := append([]any{&h.ID, &h.MemberID, &h.Ref, &h.Governorate, &h.District, &h.Locality, &h.Address, &h.DwellingType,
		&rooms, &h.WaterSource, &h.Sanitation, &elec, &assets, &income, &h.RegisteredOn, &h.Source, &consent,
		&contact, &h.ContactLang, &h.ContactEmail, &attrs, &h.Version, &h.CreatedAt, &h.UpdatedAt}, extra...)
	if err := r.Scan(dst...); err != nil {
		return h, err
	}
	if rooms.Valid {
		n := int(rooms.Int64)
		h.Rooms = &n
	}
	h.Electricity = nullBool(elec)
	h.Consent = nullBool(consent)
	h.ContactConsent = nullBool(contact)
	if income.Valid {
		h.MonthlyIncome = &income.Int64
	}
	h.Assets = splitAssets(assets)
	h.Attrs = parseAttrs(attrs)
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, nil
}

func nullBool(n sql.NullInt64) *bool {
	if !n.Valid {
		return nil
	}
	b := n.Int64 != 0
	return &b
}

func splitAssets(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

func boolArg(b *bool) any {
	if b == nil {
		return nil
	}
	if *b {
		return 1
	}
	return 0
}

func intArg(n *int) any {
	if n == nil {
		return nil
	}
	return *n
}

func int64Arg(n *int64) any {
	if n == nil {
		return nil
	}
	return *n
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

const householdInsert = `INSERT INTO households (member_id, household_ref, governorate, district, locality, address, dwelling_type,
	rooms, water_source, sanitation, electricity, assets, monthly_income, registered_on, source, consent, attrs, import_id,
	version, created_at, updated_at, contact_consent, contact_lang, contact_email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func householdArgs(h *Household, importID int64) []any {
	var imp any
	if importID != 0 {
		imp = importID
	}
	return []any{h.MemberID, h.Ref, h.Governorate, h.District, h.Locality, h.Address, h.DwellingType,
		intArg(h.Rooms), h.WaterSource, h.Sanitation, boolArg(h.Electricity), strings.Join(h.Assets, ";"), int64Arg(h.MonthlyIncome),
		h.RegisteredOn, h.Source, boolArg(h.Consent), attrsJSON(h.Attrs), imp, h.Version, h.CreatedAt, h.UpdatedAt,
		boolArg(h.ContactConsent), h.ContactLang, h.ContactEmail}
}

const householdUpdate = `UPDATE households SET governorate = ?, district = ?, locality = ?, address = ?, dwelling_type = ?,
	rooms = ?, water_source = ?, sanitation = ?, electricity = ?, assets = ?, monthly_income = ?, registered_on = ?, source = ?,
	consent = ?, attrs = ?, version = ?, updated_at = ?, contact_consent = ?, contact_lang = ?, contact_email = ? WHERE id = ? AND member_id = ?`

func householdUpdateArgs(h *Household) []any {
	return []any{h.Governorate, h.District, h.Locality, h.Address, h.DwellingType,
		intArg(h.Rooms), h.WaterSource, h.Sanitation, boolArg(h.Electricity), strings.Join(h.Assets, ";"), int64Arg(h.MonthlyIncome),
		h.RegisteredOn, h.Source, boolArg(h.Consent), attrsJSON(h.Attrs), h.Version, h.UpdatedAt,
		boolArg(h.ContactConsent), h.ContactLang, h.ContactEmail, h.ID, h.MemberID}
}

const personCols = `p.id, p.member_id, p.household_id, h.household_ref, p.member_ref, p.relationship, p.first_name, p.father_name,
	p.grandfather_name, p.family_name, p.name_latin, p.sex, p.birth_date, p.national_id, p.national_id_type, p.phone,
	p.wg_seeing, p.wg_hearing, p.wg_walking, p.wg_remembering, p.wg_selfcare, p.wg_communicating,
	p.marital_status, p.education, p.employment_status, p.monthly_income, p.orphan, p.pregnant, p.attrs,
	p.name_key, p.id_key, p.phone_key, p.version, p.created_at, p.updated_at, COALESCE(p.merged_into, 0), p.placed_on`

func scanPerson(r scanner) (Person, error) {
	var p Person
	var income sql.NullInt64
	var pregnant int
	var attrs string
	var wg [6]int
	err := r.Scan(&p.ID, &p.MemberID, &p.HouseholdID, &p.HouseholdRef, &p.Ref, &p.Relationship, &p.FirstName, &p.FatherName,
		&p.GrandfatherName, &p.FamilyName, &p.NameLatin, &p.Sex, &p.BirthDate, &p.NationalID, &p.NationalIDType, &p.Phone,
		&wg[0], &wg[1], &wg[2], &wg[3], &wg[4], &wg[5],
		&p.MaritalStatus, &p.Education, &p.EmploymentStatus, &income, &p.Orphan, &pregnant, &attrs,
		&p.NameKey, &p.IDKey, &p.PhoneKey, &p.Version, &p.CreatedAt, &p.UpdatedAt, &p.MergedInto, &p.PlacedOn)
	if err != nil {
		return p, err
	}
	for i, v := range wg {
		p.Disability[i] = int8(v)
	}
	if income.Valid {
		p.MonthlyIncome = &income.Int64
	}
	p.Pregnant = pregnant != 0
	p.Attrs = parseAttrs(attrs)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

// personColumns are the columns a person row is written with, in the order
// personArgs gives them; the import's bulk paths use them too.
var personColumns = []string{"member_id", "household_id", "member_ref", "relationship", "first_name", "father_name",
	"grandfather_name", "family_name", "name_latin", "sex", "birth_date", "national_id", "national_id_type", "phone",
	"wg_seeing", "wg_hearing", "wg_walking", "wg_remembering", "wg_selfcare", "wg_communicating", "disabled",
	"marital_status", "education", "employment_status", "monthly_income", "orphan", "pregnant", "attrs",
	"name_key", "family_key", "translit_key", "id_key", "phone_key", "import_id", "version", "created_at", "updated_at"}

var personInsert = `INSERT INTO persons (` + strings.Join(personColumns, ", ") + `) VALUES (` +
	strings.TrimSuffix(strings.Repeat("?, ", len(personColumns)), ", ") + `) RETURNING id`

func personArgs(p *Person, importID int64) []any {
	var imp any
	if importID != 0 {
		imp = importID
	}
	d := p.Disability
	return []any{p.MemberID, p.HouseholdID, p.Ref, p.Relationship, p.FirstName, p.FatherName,
		p.GrandfatherName, p.FamilyName, p.NameLatin, p.Sex, p.BirthDate, p.NationalID, p.NationalIDType, p.Phone,
		int(d[0]), int(d[1]), int(d[2]), int(d[3]), int(d[4]), int(d[5]), b2i(p.Disabled()),
		p.MaritalStatus, p.Education, p.EmploymentStatus, int64Arg(p.MonthlyIncome), p.Orphan, b2i(p.Pregnant), attrsJSON(p.Attrs),
		p.NameKey, familyKey(p), translitKey(p), p.IDKey, p.PhoneKey, imp, p.Version, p.CreatedAt, p.UpdatedAt}
}

var personUpdate = func() string {
	cols := personColumns[1:] // member_id never changes
	var b strings.Builder
	b.WriteString("UPDATE persons SET ")
	for i, c := range cols {
		if c == "import_id" || c == "created_at" || c == "member_ref" {
			continue
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = ?")
	}
	b.WriteString(" WHERE id = ? AND member_id = ?")
	return b.String()
}()

func personUpdateArgs(p *Person) []any {
	all := personArgs(p, 0)[1:]
	out := make([]any, 0, len(all)+2)
	for i, c := range personColumns[1:] {
		if c == "import_id" || c == "created_at" || c == "member_ref" {
			continue
		}
		out = append(out, all[i])
	}
	return append(out, p.ID, p.MemberID)
}

// insertNames writes the name search tokens of person id, each with the
// signature of them all (nameSig).
func insertNames(ctx context.Context, tx *db.Tx, member, id int64, tokens []string) error {
	if len(tokens) == 0 {
		return nil
	}
	q := make([]byte, 0, 64+len(tokens)*10)
	q = append(q, "INSERT INTO person_names (member_id, token, person_id, sig) VALUES "...)
	args := make([]any, 0, 4*len(tokens))
	sig := nameSig(tokens)
	for i, t := range tokens {
		if i > 0 {
			q = append(q, ',')
		}
		q = append(q, "(?, ?, ?, ?)"...)
		args = append(args, member, t, id, sig)
	}
	if _, err := tx.Exec(ctx, string(q), args...); err != nil {
		return err
	}
	if tx.DB().Dialect != db.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO person_tokens (person_id, member_id, tokens) VALUES (?, ?, ?)
		ON CONFLICT (person_id) DO UPDATE SET tokens = EXCLUDED.tokens`, id, member, tokens)
	return err
}

// deleteNames removes the tokens old gave person id: all of them (on
// PostgreSQL its row of person_tokens too).
func deleteNames(ctx context.Context, tx *db.Tx, member, id int64, tokens []string) error {
	if tx.DB().Dialect == db.Postgres {
		if _, err := tx.Exec(ctx, `DELETE FROM person_tokens WHERE person_id = ?`, id); err != nil {
			return err
		}
	}
	for _, t := range tokens {
		if _, err := tx.Exec(ctx, `DELETE FROM person_names WHERE member_id = ? AND token = ? AND person_id = ?`, member, t, id); err != nil {
			return err
		}
	}
	return nil
}

func familyKey(p *Person) string { return arabic.FamilyKey(p.FamilyName) }

func translitKey(p *Person) string { return arabic.Translit(p.FullName()) }

// change is one changed field, as history stores it.
type change struct{ field, old, new string }

// fields lists h's stored fields as text, in form order, for history.
func (h *Household) fields(exp int) [][2]string {
	return [][2]string{
		{"governorate", h.Governorate}, {"district", h.District}, {"locality", h.Locality}, {"address", h.Address},
		{"dwelling_type", h.DwellingType}, {"rooms", intText(h.Rooms)}, {"water_source", h.WaterSource},
		{"sanitation", h.Sanitation}, {"electricity", boolText(h.Electricity)}, {"assets", strings.Join(h.Assets, ";")},
		{"monthly_income", moneyText(h.MonthlyIncome, exp)}, {"registration_date", h.RegisteredOn}, {"source", h.Source},
		{"consent", boolText(h.Consent)}, {"contact_consent", boolText(h.ContactConsent)}, {"contact_lang", h.ContactLang},
		{"contact_email", h.ContactEmail}, {"attrs", attrsJSON(h.Attrs)},
	}
}

// fields lists p's stored fields as text, in form order, for history.
func (p *Person) fields(exp int) [][2]string {
	f := [][2]string{
		{"household_ref", p.HouseholdRef}, {"relationship", p.Relationship}, {"first_name", p.FirstName}, {"father_name", p.FatherName},
		{"grandfather_name", p.GrandfatherName}, {"family_name", p.FamilyName}, {"name_latin", p.NameLatin},
		{"sex", p.Sex}, {"birth_date", p.BirthDate}, {"national_id", p.NationalID}, {"national_id_type", p.NationalIDType},
		{"phone", p.Phone},
	}
	for i, d := range p.Disability {
		f = append(f, [2]string{WGDomains[i], strconv.Itoa(int(d))})
	}
	return append(f, [][2]string{
		{"marital_status", p.MaritalStatus}, {"education", p.Education}, {"employment_status", p.EmploymentStatus},
		{"monthly_income", moneyText(p.MonthlyIncome, exp)}, {"orphan", p.Orphan}, {"pregnant", strconv.FormatBool(p.Pregnant)},
		{"attrs", attrsJSON(p.Attrs)}, {"placed_on", p.PlacedOn},
	}...)
}

func diff(old, new [][2]string) []change {
	var out []change
	for i := range old {
		if old[i][1] != new[i][1] {
			out = append(out, change{old[i][0], old[i][1], new[i][1]})
		}
	}
	return out
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func moneyText(n *int64, exp int) string {
	if n == nil {
		return ""
	}
	return money.Format(*n, exp)
}

// historyRow is one row of registry_history to write.
type historyRow struct {
	household, person int64 // person 0 for household fields
	action            string
	c                 change
}

func writeHistory(ctx context.Context, tx *db.Tx, member, actorID, importID int64, at time.Time, rows []historyRow) error {
	var imp any
	if importID != 0 {
		imp = importID
	}
	const per = 500
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		q := make([]byte, 0, 160+(end-start)*30)
		q = append(q, "INSERT INTO registry_history (member_id, household_id, person_id, action, field, old_value, new_value, actor_id, import_id, at) VALUES "...)
		args := make([]any, 0, (end-start)*10)
		for i := start; i < end; i++ {
			if i > start {
				q = append(q, ',')
			}
			q = append(q, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"...)
			r := rows[i]
			var person any
			if r.person != 0 {
				person = r.person
			}
			args = append(args, member, r.household, person, r.action, r.c.field, r.c.old, r.c.new, actorID, imp, at)
		}
		if _, err := tx.Exec(ctx, string(q), args...); err != nil {
			return fmt.Errorf("registry: write history: %w", err)
		}
	}
	return nil
}
