// Package develop holds what the development capabilities share — the
// employment service (job seekers, employers, vacancies, applications,
// placements), the matching of seekers to vacancies, training (courses,
// sessions, enrollment, attendance, assessments), the certificates
// training issues, and the crafts market (shops, products, orders) — and
// the small interfaces through which they meet. It has no I/O of its own;
// like package fund it names *db.Tx in the interfaces whose writes must
// commit with the caller's.
//
// The capabilities never import each other:
//
//   - internal/employment — seekers, skills lists, employers, vacancies,
//     quota status, applications → interview → offer → placement, the
//     follow-ups at 3 and 6 months; implements Seekers.
//   - internal/employment/match — the score of a seeker for a vacancy with
//     its reasons, both ways, and the nightly matching job; reads Seekers.
//   - internal/training — courses, sessions, enrollment and waitlist,
//     attendance, assessments, completion rules; asks a Certifier.
//   - internal/training/certificate — certificates: signed token, short
//     code, QR, PDF, public verification, revocation; implements Certifier.
//   - internal/market — shops of productive families, products, photos, the
//     public storefront and its search; implements Catalog.
//   - internal/market/order — inquiries, buyers' light accounts, orders,
//     messages and their moderation, the family's sales report, sales income
//     proposed to the registry; reads Catalog.
//
// What work and income change in the registry is never written directly:
// a placement or a family's sales are proposed as registry change requests
// (RegistryChanges) that a registrar decides, so targeting sees only what a
// second person approved. app.New wires them.
package develop

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/registry"
)

// RegistryChanges proposes corrections of the registry that a registrar
// other than the proposer decides. *registry.Service implements it:
// ProposeChange corrects household fields (registry.CorrectableFields,
// monthly_income among them), ProposePersonChange person fields
// (registry.PersonCorrectableFields: employment_status, monthly_income,
// placed_on).
type RegistryChanges interface {
	ProposeChange(ctx context.Context, householdID int64, values map[string]string, reason string) (registry.ChangeRequest, error)
	ProposePersonChange(ctx context.Context, personID int64, values map[string]string, reason string) (registry.ChangeRequest, error)
}

// Area is an administrative area as the registry codes it (member area
// codes, "" when unknown). Matching counts distance by area: the same
// locality is nearest, then the same district, then the same governorate.
type Area struct {
	Governorate string `json:"governorate"`
	District    string `json:"district"`
	Locality    string `json:"locality"`
}

// Seeker is a job seeker as matching reads it: no name, only what a score
// may use. Protected attributes (religion, ethnicity, tribe) are never
// here; sex and age are not either — a vacancy may not select on them.
type Seeker struct {
	ID       int64 `json:"id"`
	MemberID int64 `json:"member_id"`
	PersonID int64 `json:"person_id"`
	// Skills are codes of the member's skills list.
	Skills []string `json:"skills"`
	// Education is a registry education code (registry.Educations).
	Education string `json:"education"`
	// ExperienceMonths is the months of work experience in all.
	ExperienceMonths int      `json:"experience_months"`
	Languages        []string `json:"languages"` // ISO 639-1 codes
	// Accommodations are codes of what the seeker needs at work (step-free
	// access, sign language, screen reader, flexible hours, …), from the
	// Washington Group answers and the seeker's own words.
	Accommodations []string `json:"accommodations"`
	Areas          []Area   `json:"areas"` // preferred areas; the first is where the seeker lives
	Hours          string   `json:"hours"` // "full", "part", "any"
	Disability     bool     `json:"disability"`
	Consent        bool     `json:"consent"` // to share the profile with employers
	Active         bool     `json:"active"`
}

// Vacancy is a vacancy as matching reads it.
type Vacancy struct {
	ID               int64    `json:"id"`
	MemberID         int64    `json:"member_id"`
	EmployerID       int64    `json:"employer_id"`
	Skills           []string `json:"skills"`    // required skills
	Education        string   `json:"education"` // the least education, "" none
	ExperienceMonths int      `json:"experience_months"`
	Languages        []string `json:"languages"`
	Area             Area     `json:"area"`
	Hours            string   `json:"hours"` // "full" or "part"
	// Accommodations are what the workplace offers.
	Accommodations []string `json:"accommodations"`
	Inclusive      bool     `json:"inclusive"` // an inclusive employer
	Open           bool     `json:"open"`
}

// Seekers lets matching read the job seekers and vacancies without their
// tables. internal/employment implements it.
type Seekers interface {
	// EachSeeker calls fn for every active seeker of memberID who consented
	// to share the profile, in id order, stopping at fn's first error.
	EachSeeker(ctx context.Context, memberID int64, fn func(Seeker) error) error
	// EachVacancy calls fn for every open vacancy of memberID.
	EachVacancy(ctx context.Context, memberID int64, fn func(Vacancy) error) error
	MatchSeeker(ctx context.Context, id int64) (Seeker, error)
	MatchVacancy(ctx context.Context, id int64) (Vacancy, error)
}

// CertificateInput is what a training certificate says. A certificate is
// for a registry person or for a user (a social worker, a member's staff).
type CertificateInput struct {
	MemberID     int64  `json:"member_id"`
	EnrollmentID int64  `json:"enrollment_id"` // the enrollment it certifies: one certificate each
	PersonID     int64  `json:"person_id,omitempty"`
	UserID       int64  `json:"user_id,omitempty"`
	Holder       string `json:"holder"` // the full name as printed
	HolderLatin  string `json:"holder_latin,omitempty"`
	CourseAR     string `json:"course_ar"`
	CourseEN     string `json:"course_en"`
	Provider     string `json:"provider"` // the partner's or office's name
	Hours        int    `json:"hours"`
	Completed    string `json:"completed"`        // YYYY-MM-DD
	Result       string `json:"result,omitempty"` // e.g. a grade or "pass"
}

// Certificate is an issued certificate.
type Certificate struct {
	CertificateInput
	ID           int64      `json:"id"`
	Code         string     `json:"code"`  // short code for the verify page
	Token        string     `json:"token"` // the signed token the QR code carries
	IssuedAt     time.Time  `json:"issued_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
}

// Certifier issues and lists training certificates.
// internal/training/certificate implements it.
type Certifier interface {
	// IssueTx issues the certificate of in.EnrollmentID in the caller's
	// transaction; issuing again returns the one already issued.
	IssueTx(ctx context.Context, tx *db.Tx, in CertificateInput) (Certificate, error)
	// Held lists the certificates of a registry person (personID) or of a
	// user (userID), newest first.
	Held(ctx context.Context, memberID, personID, userID int64) ([]Certificate, error)
}

// Product is a crafts-market product as an order reads it.
type Product struct {
	ID          int64  `json:"id"`
	MemberID    int64  `json:"member_id"`
	ShopID      int64  `json:"shop_id"`
	HouseholdID int64  `json:"household_id"`
	NameAR      string `json:"name_ar"`
	NameEN      string `json:"name_en"`
	Price       int64  `json:"price"` // minor units of Currency
	Currency    string `json:"currency"`
	Stock       int    `json:"stock"`
	Active      bool   `json:"active"`
}

// Catalog lets orders read products and keep stock right. internal/market
// implements it.
type Catalog interface {
	Product(ctx context.Context, id int64) (Product, error)
	// ReserveTx takes qty of product id's stock in the caller's
	// transaction: a guarded decrement that fails (errs.Conflict,
	// "market.out_of_stock") when fewer than qty are left, so that of two
	// buyers racing for the last item exactly one wins.
	ReserveTx(ctx context.Context, tx *db.Tx, id int64, qty int) (Product, error)
	// ReleaseTx puts qty back (an order cancelled before delivery).
	ReleaseTx(ctx context.Context, tx *db.Tx, id int64, qty int) error
}

// MatchReason is one reason of a match's score, in words: Key is a catalog
// key (e.g. "match.reason_skills"), Args its arguments, Points what it added
// to the score (negative for what is missing).
type MatchReason struct {
	Key    string         `json:"key"`
	Args   map[string]any `json:"args,omitempty"`
	Points int            `json:"points"`
}

// Match is the score of one seeker for one vacancy, 0 to 100, with the
// reasons that make it up.
type Match struct {
	SeekerID  int64         `json:"seeker_id"`
	VacancyID int64         `json:"vacancy_id"`
	Score     int           `json:"score"`
	Reasons   []MatchReason `json:"reasons"`
}

// Matcher ranks seekers for a vacancy and vacancies for a seeker, best
// first. internal/employment/match implements it; employment's pages and
// API ask it through employment.Service, which checks the actor's access
// and adds the names.
type Matcher interface {
	ForVacancy(ctx context.Context, vacancyID int64, limit int) ([]Match, error)
	ForSeeker(ctx context.Context, seekerID int64, limit int) ([]Match, error)
	// Changed tells the matcher that seekers or vacancies of memberID
	// changed, so that what it keeps in memory is read again.
	Changed(memberID int64)
}
