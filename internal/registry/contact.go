package registry

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Contact is how a household may be reached: its head's phone as entered,
// the household's e-mail address and language, and whether it consented to
// be contacted (nil: not recorded).
type Contact struct {
	HouseholdID int64
	Ref         string
	HeadName    string
	Phone       string
	Email       string
	Lang        string // "ar", "en", "" the member's default
	Consent     *bool
}

// ContactOf returns the contact of household id of member, read in the
// caller's transaction so that a notification written with an event sees
// the registry as the event did. A household of another member, or none, is
// NotFound.
func ContactOf(ctx context.Context, tx *db.Tx, memberID, id int64) (Contact, error) {
	c := Contact{HouseholdID: id}
	var consent sql.NullInt64
	var phone, first, father, family sql.NullString
	err := tx.QueryRow(ctx, `SELECT h.household_ref, h.contact_consent, h.contact_lang, h.contact_email, p.phone, p.first_name, p.father_name, p.family_name
		FROM households h LEFT JOIN persons p ON p.household_id = h.id AND p.member_id = h.member_id AND p.relationship = 'head' AND p.merged_into IS NULL
		WHERE h.id = ? AND h.member_id = ?`, id, memberID).Scan(&c.Ref, &consent, &c.Lang, &c.Email, &phone, &first, &father, &family)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.E(errs.NotFound, "registry.household_not_found")
	}
	if err != nil {
		return c, errs.Wrapf(err, "registry: contact of household %d", id)
	}
	c.Consent = nullBool(consent)
	c.Phone = phone.String
	c.HeadName = joinName(first.String, father.String, family.String)
	return c, nil
}

func joinName(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += p
	}
	return out
}
