package api

import (
	"bytes"
	"net/http"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/partner"
)

// PartnerInput is a partner as a partner manager saves it. Version is the
// version read (PUT); member names the member (union-level callers, POST).
type PartnerInput struct {
	Member      string            `json:"member,omitempty"`
	NameAR      string            `json:"name_ar"`
	NameEN      string            `json:"name_en,omitempty"`
	Sector      string            `json:"sector"`
	RegNo       string            `json:"reg_no,omitempty"`
	Contacts    []partner.Contact `json:"contacts,omitempty"`
	Governorate string            `json:"governorate,omitempty"`
	District    string            `json:"district,omitempty"`
	Locality    string            `json:"locality,omitempty"`
	Address     string            `json:"address,omitempty"`
	Website     string            `json:"website,omitempty"`
	Status      string            `json:"status,omitempty"`
	Version     int64             `json:"version,omitempty"`
}

func (in PartnerInput) partner(id int64) partner.Partner {
	return partner.Partner{ID: id, NameAR: in.NameAR, NameEN: in.NameEN, Sector: in.Sector, RegNo: in.RegNo, Contacts: in.Contacts,
		Governorate: in.Governorate, District: in.District, Locality: in.Locality, Address: in.Address, Website: in.Website, Status: in.Status, Version: in.Version}
}

// PartnerConsent gives (true) or withdraws (false) a partner's consent to
// be listed on the public portal.
type PartnerConsent struct {
	Consent bool `json:"consent"`
}

// AgreementInput is an agreement (memorandum of understanding) as saved.
type AgreementInput struct {
	Title    string `json:"title"`
	SignedOn string `json:"signed_on,omitempty"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on,omitempty"`
	Status   string `json:"status,omitempty"` // draft or active
	Scope    string `json:"scope,omitempty"`
	Version  int64  `json:"version,omitempty"`
}

// Ending terminates an agreement or cancels a pledge, from the version
// read, with a reason.
type Ending struct {
	Version int64  `json:"version"`
	Reason  string `json:"reason"`
}

// PledgeInput is a pledge. Target counts minor units of currency for
// money, and units, positions or places for the other kinds; value is the
// whole value of goods in minor units.
type PledgeInput struct {
	AgreementID int64    `json:"agreement_id,omitempty"`
	Kind        string   `json:"kind"`
	Currency    string   `json:"currency,omitempty"`
	Target      int64    `json:"target"`
	Value       int64    `json:"value,omitempty"`
	Description string   `json:"description,omitempty"`
	Unit        string   `json:"unit,omitempty"`
	Role        string   `json:"role,omitempty"`
	Area        string   `json:"area,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	Course      string   `json:"course,omitempty"`
	DueOn       string   `json:"due_on,omitempty"`
}

// DeliveryInput is a delivery against a pledge, idempotent on reference;
// evidence, when given, is a PDF or an image in base64 with its name.
type DeliveryInput struct {
	Reference    string `json:"reference"`
	DeliveredOn  string `json:"delivered_on,omitempty"`
	Quantity     int64  `json:"quantity"`
	Note         string `json:"note,omitempty"`
	Version      int64  `json:"version,omitempty"`
	EvidenceName string `json:"evidence_name,omitempty"`
	Evidence     []byte `json:"evidence,omitempty"`
}

// DeliveryResult is the delivery recorded, and whether an earlier send of
// the same reference had recorded it.
type DeliveryResult struct {
	Delivery  partner.Delivery `json:"delivery"`
	Duplicate bool             `json:"duplicate"`
}

func init() {
	svc := func(a *API) *partner.Service { return a.Partners }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	Register(
		Route{Method: "GET", Path: "/partners", Tag: "partners", Summary: "List private-sector partners",
			Query: []Param{memberParam, {Name: "q", Description: "part of a name or a registration number"}, {Name: "sector", Description: "a sector"},
				{Name: "status", Description: "active or inactive"}, {Name: "consent", Description: "yes: listed on the portal; no: not listed"}, {Name: "area", Description: "an area code"}},
			Response: List[partner.Partner]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				ps, err := svc(a).List(r.Context(), m, partner.Filter{Query: q.Get("q"), Sector: q.Get("sector"), Status: q.Get("status"), Consent: q.Get("consent"), Area: q.Get("area")})
				return List[partner.Partner]{nonNil(ps)}, err
			}},
		Route{Method: "POST", Path: "/partners", Tag: "partners", Summary: "Record a partner (partner managers)",
			Description: "Refused with 409 when a partner of the member has the same registration number or the same Arabic name once normalized.",
			Body:        PartnerInput{}, Response: partner.Partner{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[PartnerInput](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				return svc(a).Save(r.Context(), m, in.partner(0))
			}},
		Route{Method: "GET", Path: "/partners/open-pledges", Tag: "partners", Summary: "Pledges not yet fully delivered",
			Description: "Jobs and training places partners still offer, for employment and training; kind empty lists every kind.",
			Query:       []Param{memberParam, {Name: "kind", Description: "money, goods, jobs or training"}}, Response: List[partner.Pledge]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				ps, err := svc(a).OpenPledges(r.Context(), m, q.Get("kind"))
				return List[partner.Pledge]{nonNil(ps)}, err
			}},
		Route{Method: "GET", Path: "/partners/{id}", Tag: "partners", Summary: "Get a partner", Response: partner.Partner{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).Get(r.Context(), id)
			}},
		Route{Method: "PUT", Path: "/partners/{id}", Tag: "partners", Summary: "Change a partner (partner managers)",
			Description: "version is the partner's version read; 409 when it changed meanwhile.", Body: PartnerInput{}, Response: partner.Partner{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[PartnerInput](r)
				if err != nil {
					return nil, err
				}
				p, err := svc(a).Get(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return svc(a).Save(r.Context(), p.MemberID, in.partner(id))
			}},
		Route{Method: "POST", Path: "/partners/{id}/consent", Tag: "partners", Summary: "Record or withdraw a partner's consent to be listed on the portal",
			Body: PartnerConsent{}, Response: partner.Partner{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[PartnerConsent](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SetConsent(r.Context(), id, in.Consent)
			}},
		Route{Method: "GET", Path: "/partners/{id}/history", Tag: "partners", Summary: "A partner's audit records", Response: List[audit.Record]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				rs, err := svc(a).History(r.Context(), id)
				return List[audit.Record]{nonNil(rs)}, err
			}},
		Route{Method: "GET", Path: "/partners/{id}/agreements", Tag: "partners", Summary: "A partner's agreements, with their state today and documents", Response: List[partner.Agreement]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				as, err := svc(a).Agreements(r.Context(), id)
				return List[partner.Agreement]{nonNil(as)}, err
			}},
		Route{Method: "POST", Path: "/partners/{id}/agreements", Tag: "partners", Summary: "Record an agreement (memorandum of understanding)",
			Body: AgreementInput{}, Response: partner.Agreement{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[AgreementInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SaveAgreement(r.Context(), partner.Agreement{PartnerID: id, Title: in.Title, SignedOn: in.SignedOn, StartsOn: in.StartsOn, EndsOn: in.EndsOn, Status: in.Status, Scope: in.Scope})
			}},
		Route{Method: "GET", Path: "/partner-agreements/{id}", Tag: "partners", Summary: "Get an agreement", Response: partner.Agreement{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).Agreement(r.Context(), id)
			}},
		Route{Method: "PUT", Path: "/partner-agreements/{id}", Tag: "partners", Summary: "Change an agreement", Description: "version is the agreement's version read; 409 when it changed meanwhile.",
			Body: AgreementInput{}, Response: partner.Agreement{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[AgreementInput](r)
				if err != nil {
					return nil, err
				}
				cur, err := svc(a).Agreement(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return svc(a).SaveAgreement(r.Context(), partner.Agreement{ID: id, PartnerID: cur.PartnerID, Title: in.Title, SignedOn: in.SignedOn, StartsOn: in.StartsOn,
					EndsOn: in.EndsOn, Status: in.Status, Scope: in.Scope, Version: in.Version})
			}},
		Route{Method: "POST", Path: "/partner-agreements/{id}/terminate", Tag: "partners", Summary: "Terminate an agreement with a reason", Body: Ending{}, Response: partner.Agreement{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[Ending](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Terminate(r.Context(), id, in.Version, in.Reason)
			}},
		Route{Method: "POST", Path: "/partner-agreements/{id}/documents", Tag: "partners", Summary: "Attach a document to an agreement",
			Description: "The body is the file: a PDF or a JPEG/PNG image of at most 10 MiB, whose bytes must be what its name says.",
			Query:       []Param{{Name: "name", Description: "the file's name, with its extension"}}, Response: partner.Document{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).AddDocument(r.Context(), id, partner.File{Name: r.URL.Query().Get("name"), Body: r.Body})
			}},
		Route{Method: "GET", Path: "/partner-documents/{id}", Tag: "partners", Summary: "Download a document (staff; the download is audited)", Response: Raw{ContentType: "application/octet-stream"},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				d, data, err := svc(a).DocumentContent(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: d.ContentType, Body: data}, nil
			}},
		Route{Method: "GET", Path: "/partners/{id}/pledges", Tag: "partners", Summary: "A partner's pledges", Response: List[partner.Pledge]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				ps, err := svc(a).Pledges(r.Context(), id)
				return List[partner.Pledge]{nonNil(ps)}, err
			}},
		Route{Method: "POST", Path: "/partners/{id}/pledges", Tag: "partners", Summary: "Record a pledge of money, goods, jobs or training places",
			Body: PledgeInput{}, Response: partner.Pledge{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[PledgeInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AddPledge(r.Context(), partner.Pledge{PartnerID: id, AgreementID: in.AgreementID, Kind: in.Kind, Currency: in.Currency, Target: in.Target,
					Value: in.Value, Description: in.Description, Unit: in.Unit, Role: in.Role, AreaCode: in.Area, Groups: in.Groups, Course: in.Course, DueOn: in.DueOn})
			}},
		Route{Method: "GET", Path: "/partner-pledges/{id}", Tag: "partners", Summary: "Get a pledge", Response: partner.Pledge{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).Pledge(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/partner-pledges/{id}/cancel", Tag: "partners", Summary: "Cancel a pledge with a reason", Body: Ending{}, Response: partner.Pledge{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[Ending](r)
				if err != nil {
					return nil, err
				}
				return svc(a).CancelPledge(r.Context(), id, in.Version, in.Reason)
			}},
		Route{Method: "POST", Path: "/partner-pledges/{id}/deliveries", Tag: "partners", Summary: "Record a delivery against a pledge",
			Description: "Idempotent on reference: the same reference again returns the first delivery with duplicate true. A delivery beyond what is still pledged, or to a fully delivered or cancelled pledge, is refused.",
			Body:        DeliveryInput{}, Response: DeliveryResult{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[DeliveryInput](r)
				if err != nil {
					return nil, err
				}
				din := partner.DeliveryInput{PledgeID: id, Reference: in.Reference, DeliveredOn: in.DeliveredOn, Quantity: in.Quantity, Note: in.Note, Version: in.Version}
				if len(in.Evidence) > 0 {
					din.Evidence = &partner.File{Name: in.EvidenceName, Body: bytes.NewReader(in.Evidence)}
				}
				d, dup, err := svc(a).Deliver(r.Context(), din)
				return DeliveryResult{Delivery: d, Duplicate: dup}, err
			}},
		Route{Method: "GET", Path: "/partners/{id}/deliveries", Tag: "partners", Summary: "The deliveries to a partner's pledges", Response: List[partner.Delivery]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				ds, err := svc(a).Deliveries(r.Context(), id)
				return List[partner.Delivery]{nonNil(ds)}, err
			}},
		Route{Method: "GET", Path: "/public/partners", Tag: "partners", Public: true, Summary: "Partners listed on the portal, with what each delivered",
			Description: "Only partners that consented to be listed; no contact details, no documents.",
			Query:       []Param{{Name: "member", Description: "a member code; every member when absent"}}, Response: List[partner.Listed]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				var m int64
				if code := r.URL.Query().Get("member"); code != "" {
					// Which members exist is public; the system actor looks it up.
					mm, err := a.Members.Get(actor.System(r.Context()), code)
					if err != nil {
						return nil, err
					}
					m = mm.ID
				}
				ls, err := svc(a).Public(r.Context(), m)
				return List[partner.Listed]{nonNil(ls)}, err
			}},
	)
}
