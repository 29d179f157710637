package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/gift"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// DonationBody is a donation to record. Amounts are minor units of
// currency (fils for JOD); currency defaults to the member's. A donation
// in another currency is converted with the rate rate_id, or the rate
// recorded for the pair on received_on; without one it is refused.
type DonationBody struct {
	DonorID     int64           `json:"donor_id"`
	Kind        string          `json:"kind"`
	Currency    string          `json:"currency,omitempty"`
	Amount      int64           `json:"amount"`
	RateID      int64           `json:"rate_id,omitempty"`
	ReceivedOn  string          `json:"received_on,omitempty"` // YYYY-MM-DD, the member's date; default today
	Restriction RestrictionBody `json:"restriction"`
	PledgeID    int64           `json:"pledge_id,omitempty"`
	Reference   string          `json:"reference,omitempty"`
	Memo        string          `json:"memo,omitempty"`
	Goods       string          `json:"goods,omitempty"`
	ValuedBy    string          `json:"valued_by,omitempty"`
	ValuedOn    string          `json:"valued_on,omitempty"` // YYYY-MM-DD
}

// RestrictionBody is what a donation, pledge or campaign may pay for: kind
// "" (unrestricted), "program" (program_id), "member" (member_id), "group"
// (group: orphans, disability, widows, elderly, displaced, students,
// sick) or "campaign" (campaign_id; donations only); zakat keeps the money
// apart for the zakat categories.
type RestrictionBody struct {
	Kind       string `json:"kind,omitempty"`
	ProgramID  int64  `json:"program_id,omitempty"`
	MemberID   int64  `json:"member_id,omitempty"`
	Group      string `json:"group,omitempty"`
	CampaignID int64  `json:"campaign_id,omitempty"`
	Zakat      bool   `json:"zakat,omitempty"`
}

func (b RestrictionBody) restriction() fund.Restriction {
	return fund.Restriction{Kind: b.Kind, ProgramID: b.ProgramID, MemberID: b.MemberID, Group: b.Group, CampaignID: b.CampaignID, Zakat: b.Zakat}
}

// PledgeBody is a recurring pledge to record: amount (minor units) of
// currency every month, quarter or year from starts, until ends or for
// instalments.
type PledgeBody struct {
	DonorID     int64           `json:"donor_id"`
	Amount      int64           `json:"amount"`
	Currency    string          `json:"currency,omitempty"`
	Frequency   string          `json:"frequency"`
	Starts      string          `json:"starts"`
	Ends        string          `json:"ends,omitempty"`
	Instalments int             `json:"instalments,omitempty"`
	Restriction RestrictionBody `json:"restriction"`
	Reference   string          `json:"reference,omitempty"`
}

// CancelBody is why a receipt is cancelled.
type CancelBody struct {
	Reason string `json:"reason"`
}

// RateBody is an exchange rate to record: one major unit of from is rate
// (a decimal string, never a float) major units of to, on date.
type RateBody struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Rate   string `json:"rate"`
	Source string `json:"source"`
	Date   string `json:"date"`
}

// CampaignBody is a campaign to create or change.
type CampaignBody struct {
	Code        string          `json:"code"`
	Name        string          `json:"name"`
	NameEn      string          `json:"name_en,omitempty"`
	Story       string          `json:"story,omitempty"`
	StoryEn     string          `json:"story_en,omitempty"`
	Goal        int64           `json:"goal"`
	Starts      string          `json:"starts"`         // YYYY-MM-DD
	Ends        string          `json:"ends,omitempty"` // YYYY-MM-DD, excluded
	Restriction RestrictionBody `json:"restriction"`
	Public      bool            `json:"public"`
	Status      string          `json:"status,omitempty"`
}

func giftMember(a *API, r *http.Request) (member.Member, error) {
	id, err := notifyMember(a, r)
	if err != nil {
		return member.Member{}, err
	}
	return a.Members.ByID(r.Context(), id)
}

func memberDate(s string, loc *time.Location, field string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), loc)
	if err != nil {
		return t, errs.E(errs.Invalid, "error.invalid_input").WithField(field, "gift.date_invalid")
	}
	return t.UTC(), nil
}

func (b CampaignBody) ref(m member.Member) (fund.CampaignRef, error) {
	loc := m.Location()
	starts, err := memberDate(b.Starts, loc, "starts")
	if err != nil {
		return fund.CampaignRef{}, err
	}
	ends, err := memberDate(b.Ends, loc, "ends")
	if err != nil {
		return fund.CampaignRef{}, err
	}
	return fund.CampaignRef{MemberID: m.ID, Code: b.Code, Name: b.Name, NameEn: b.NameEn, Story: b.Story, StoryEn: b.StoryEn, Goal: b.Goal,
		Starts: starts, Ends: ends, Restriction: b.Restriction.restriction(), Public: b.Public, Status: b.Status}, nil
}

// CampaignOut is a campaign with its progress.
type CampaignOut = gift.CampaignView

const giftHelp = " Amounts are minor units of the member's currency. Needs fund.read (reads) or fund.write (writes) in the member."

func init() {
	mp := notifyMemberParam
	Register(
		Route{Method: "GET", Path: "/fund/donations", Tag: "fund", Summary: "List a member's donations, newest first",
			Description: "Filters: donor, kind, campaign, pledge, status (recorded or cancelled), receipt (a prefix), from and to (YYYY-MM-DD, to excluded)." + giftHelp,
			Query: []Param{mp, {Name: "donor", Type: "integer"}, {Name: "kind", Description: "cash, transfer, card or in_kind"}, {Name: "campaign", Type: "integer"},
				{Name: "pledge", Type: "integer"}, {Name: "status"}, {Name: "receipt"}, {Name: "from"}, {Name: "to"},
				{Name: "limit", Type: "integer", Description: "at most this many (default 200, at most 1000)"}, {Name: "offset", Type: "integer"}},
			Response: List[gift.Donation]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := giftMember(a, r)
				if err != nil {
					return nil, err
				}
				f, err := donationFilter(r, m)
				if err != nil {
					return nil, err
				}
				ds, _, _, err := a.Gifts.Donations(r.Context(), m.ID, f)
				return List[gift.Donation]{Items: nonNil(ds)}, err
			}},
		Route{Method: "POST", Path: "/fund/donations", Tag: "fund", Summary: "Record a donation and issue its receipt",
			Description: "Posts the donation in the ledger (income credit, pool debit), takes the next receipt number of the member and year (no gap), adds its lot and its public journal line, in one transaction. In kind: goods, valued_by and valued_on, amount is the valuation. Card: reference is the provider's." + giftHelp,
			Query:       []Param{mp}, Body: DonationBody{}, Response: fund.DonationRef{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := giftMember(a, r)
				if err != nil {
					return nil, err
				}
				b, err := Decode[DonationBody](r)
				if err != nil {
					return nil, err
				}
				in, err := b.input(m)
				if err != nil {
					return nil, err
				}
				return a.Gifts.Record(r.Context(), in)
			}},
		Route{Method: "GET", Path: "/fund/donations/{id}", Tag: "fund", Summary: "A donation", Response: gift.Donation{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Gifts.Donation(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/fund/donations/{id}/cancel", Tag: "fund", Summary: "Cancel a donation's receipt",
			Description: "Only by a reversing ledger entry, with a reason; refused (409) when the donation was already allocated. The receipt number is never reused. Needs fund.write.",
			Body:        CancelBody{}, Response: gift.Donation{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[CancelBody](r)
				if err != nil {
					return nil, err
				}
				return a.Gifts.Cancel(r.Context(), id, b.Reason)
			}},
		Route{Method: "GET", Path: "/fund/receipts/{number}", Tag: "fund", Summary: "The donation of a receipt number", Response: gift.Donation{},
			Handle: func(a *API, r *http.Request) (any, error) {
				return a.Gifts.DonationByReceipt(r.Context(), r.PathValue("number"))
			}},
		Route{Method: "GET", Path: "/fund/receipts/{number}/pdf", Tag: "fund", Summary: "A receipt as an A4 PDF",
			Description: "Arabic or English; every print after the first is marked COPY, and counted. 409 when the server has no Chromium. Needs fund.read.",
			Query:       []Param{{Name: "lang", Description: "ar or en"}, {Name: "digits", Description: "arab for Arabic-Indic digits"}},
			Response:    Raw{ContentType: "application/pdf"},
			Handle: func(a *API, r *http.Request) (any, error) {
				d, err := a.Gifts.DonationByReceipt(r.Context(), r.PathValue("number"))
				if err != nil {
					return nil, err
				}
				st := printStyle(r)
				pdf, _, err := a.Gifts.ReceiptPDF(r.Context(), d.ID, gift.ReceiptStyle{Lang: st.Lang, ArabicDigits: st.ArabicDigits && st.Lang == i18n.AR})
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: "application/pdf", Body: pdf}, nil
			}},
		Route{Method: "GET", Path: "/fund/pledges", Tag: "fund", Summary: "A member's pledges with what is paid and overdue",
			Description: "overdue=1 lists only pledges with overdue instalments, most days overdue first (days counted with the server's clock in the member's zone)." + giftHelp,
			Query:       []Param{mp, {Name: "donor", Type: "integer"}, {Name: "overdue", Description: "1 for overdue only"}, {Name: "status", Description: "active or cancelled"}},
			Response:    List[gift.PledgeState]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := giftMember(a, r)
				if err != nil {
					return nil, err
				}
				donor, err := QueryInt(r, "donor", 0)
				if err != nil {
					return nil, err
				}
				ps, err := a.Gifts.Pledges(r.Context(), m.ID, gift.PledgeFilter{DonorID: donor, OverdueOnly: r.URL.Query().Get("overdue") == "1", Status: r.URL.Query().Get("status")})
				return List[gift.PledgeState]{Items: nonNil(ps)}, err
			}},
		Route{Method: "POST", Path: "/fund/pledges", Tag: "fund", Summary: "Record a donor's recurring pledge",
			Description: "amount of currency every month, quarter or year from starts (YYYY-MM-DD), until ends or for instalments. reference is what the donor's bank transfers carry." + giftHelp,
			Query:       []Param{mp}, Body: PledgeBody{}, Response: gift.Pledge{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := giftMember(a, r)
				if err != nil {
					return nil, err
				}
				b, err := Decode[PledgeBody](r)
				if err != nil {
					return nil, err
				}
				return a.Gifts.CreatePledge(r.Context(), gift.Pledge{MemberID: m.ID, DonorID: b.DonorID, Amount: b.Amount, Currency: b.Currency, Frequency: b.Frequency,
					Starts: b.Starts, Ends: b.Ends, Instalments: b.Instalments, Restriction: b.Restriction.restriction(), Reference: b.Reference})
			}},
		Route{Method: "GET", Path: "/fund/pledges/{id}", Tag: "fund", Summary: "A pledge with its schedule", Response: gift.PledgeState{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Gifts.PledgeState(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/fund/pledges/{id}/cancel", Tag: "fund", Summary: "Stop a pledge", Status: http.StatusNoContent,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return nil, a.Gifts.CancelPledge(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/fund/rates", Tag: "fund", Summary: "A member's recorded exchange rates, newest first",
			Description: "num/den is the exact rate: one major unit of from is num/den major units of to." + giftHelp,
			Query:       []Param{mp}, Response: List[gift.Rate]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := giftMember(a, r)
				if err != nil {
					return nil, err
				}
				rs, err := a.Gifts.Rates(r.Context(), m.ID)
				return List[gift.Rate]{Items: nonNil(rs)}, err
			}},
		Route{Method: "POST", Path: "/fund/rates", Tag: "fund", Summary: "Record an exchange rate",
			Description: "rate is a decimal string (\"0.709\"), at most twelve decimals, kept as an exact ratio. Conversions round half to even in the member's minor units." + giftHelp,
			Query:       []Param{mp}, Body: RateBody{}, Response: gift.Rate{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := giftMember(a, r)
				if err != nil {
					return nil, err
				}
				b, err := Decode[RateBody](r)
				if err != nil {
					return nil, err
				}
				num, den, err := gift.ParseRate(b.Rate)
				if err != nil {
					return nil, err
				}
				return a.Gifts.RecordRate(r.Context(), gift.Rate{MemberID: m.ID, From: b.From, To: b.To, Num: num, Den: den, Source: b.Source, Date: b.Date})
			}},
		Route{Method: "GET", Path: "/fund/campaigns", Tag: "fund", Summary: "A member's campaigns with their progress", Query: []Param{mp},
			Response: List[CampaignOut]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := giftMember(a, r)
				if err != nil {
					return nil, err
				}
				cs, err := a.Gifts.Campaigns(r.Context(), m.ID)
				return List[CampaignOut]{Items: nonNil(cs)}, err
			}},
		Route{Method: "POST", Path: "/fund/campaigns", Tag: "fund", Summary: "Create a campaign",
			Description: "status draft, open or closed; only open campaigns take donations, within their period. restriction is the campaign's own (not a campaign)." + giftHelp,
			Query:       []Param{mp}, Body: CampaignBody{}, Response: fund.CampaignRef{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := giftMember(a, r)
				if err != nil {
					return nil, err
				}
				b, err := Decode[CampaignBody](r)
				if err != nil {
					return nil, err
				}
				c, err := b.ref(m)
				if err != nil {
					return nil, err
				}
				return a.Gifts.CreateCampaign(r.Context(), c)
			}},
		Route{Method: "GET", Path: "/fund/campaigns/{id}", Tag: "fund", Summary: "A campaign with its progress", Response: CampaignOut{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				c, err := a.Gifts.Campaign(r.Context(), id)
				if err != nil {
					return nil, err
				}
				if err := gift.RequireRead(r.Context(), c.MemberID); err != nil {
					return nil, errs.E(errs.NotFound, "gift.campaign_not_found")
				}
				p, err := a.Gifts.Progress(r.Context(), id)
				return CampaignOut{CampaignRef: c, Progress: p}, err
			}},
		Route{Method: "PUT", Path: "/fund/campaigns/{id}", Tag: "fund", Summary: "Change a campaign", Body: CampaignBody{}, Response: fund.CampaignRef{},
			Description: "Texts, goal, period, public flag, status; the restriction only while it has no donation. The code never changes." + giftHelp,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				old, err := a.Gifts.Campaign(r.Context(), id)
				if err != nil {
					return nil, err
				}
				if err := gift.RequireRead(r.Context(), old.MemberID); err != nil {
					return nil, errs.E(errs.NotFound, "gift.campaign_not_found")
				}
				m, err := a.Members.ByID(r.Context(), old.MemberID)
				if err != nil {
					return nil, err
				}
				b, err := Decode[CampaignBody](r)
				if err != nil {
					return nil, err
				}
				c, err := b.ref(m)
				if err != nil {
					return nil, err
				}
				c.ID = id
				return a.Gifts.UpdateCampaign(r.Context(), c)
			}},
	)
}

func (b DonationBody) input(m member.Member) (fund.DonationInput, error) {
	loc := m.Location()
	recv, err := memberDate(b.ReceivedOn, loc, "received_on")
	if err != nil {
		return fund.DonationInput{}, err
	}
	valued, err := memberDate(b.ValuedOn, loc, "valued_on")
	if err != nil {
		return fund.DonationInput{}, err
	}
	return fund.DonationInput{MemberID: m.ID, DonorID: b.DonorID, Kind: b.Kind, Currency: b.Currency, Amount: b.Amount, RateID: b.RateID,
		ReceivedOn: recv, Restriction: b.Restriction.restriction(), PledgeID: b.PledgeID, Reference: b.Reference, Memo: b.Memo,
		Goods: b.Goods, ValuedBy: b.ValuedBy, ValuedOn: valued}, nil
}

func donationFilter(r *http.Request, m member.Member) (gift.DonationFilter, error) {
	q := r.URL.Query()
	f := gift.DonationFilter{Kind: q.Get("kind"), Status: q.Get("status"), Receipt: q.Get("receipt")}
	var err error
	for _, p := range []struct {
		name string
		v    *int64
	}{{"donor", &f.DonorID}, {"campaign", &f.CampaignID}, {"pledge", &f.PledgeID}} {
		if *p.v, err = QueryInt(r, p.name, 0); err != nil {
			return f, err
		}
	}
	limit, err := QueryInt(r, "limit", 200)
	if err != nil {
		return f, err
	}
	offset, err := QueryInt(r, "offset", 0)
	if err != nil {
		return f, err
	}
	f.Limit, f.Offset = int(limit), int(offset)
	if f.From, err = memberDate(q.Get("from"), m.Location(), "from"); err != nil {
		return f, err
	}
	f.To, err = memberDate(q.Get("to"), m.Location(), "to")
	return f, err
}
