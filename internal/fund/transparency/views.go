package transparency

import (
	"context"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/money"
)

// auditOf finds the audit record of a ledger entry, or −1.
func (s *Service) auditOf(ctx context.Context, entry int64) int64 {
	if s.o.Audit == nil {
		return -1
	}
	rs, err := s.o.Audit.List(actor.System(ctx), audit.Filter{EntityType: "ledger_entry", EntityID: itoa(entry), Limit: 1})
	if err != nil || len(rs) == 0 {
		return -1
	}
	return rs[0].Seq
}

// Proof is a posting with its audit record and whether the latest signed
// checkpoint includes it, with the proof's hashes to check it again.
type Proof struct {
	Posting    Posting          `json:"posting"`
	Record     audit.Record     `json:"record"`
	LeafHash   string           `json:"leaf_hash"`
	Checkpoint audit.Checkpoint `json:"checkpoint"`
	Included   bool             `json:"included"`
	Hashes     []string         `json:"proof"`
	Root       string           `json:"root"`
}

// Proof returns posting id with its inclusion proof. Only the audit record
// of a public posting is shown, and only its public fields.
func (s *Service) Proof(ctx context.Context, id int64) (Proof, error) {
	var p Proof
	row := s.db.QueryRow(ctx, qPosting, id)
	post, err := scanPosting(row)
	if err != nil {
		return p, errs.E(errs.NotFound, "fund_public.posting_not_found")
	}
	s.finish(ctx, &post)
	p.Posting = post
	if s.o.Audit == nil || post.AuditSeq < 0 {
		return p, nil
	}
	sys := actor.System(ctx)
	rec, err := s.o.Audit.Get(sys, post.AuditSeq)
	if err != nil {
		return p, nil
	}
	rec.ActorID = 0 // who posted is staff's business; the leaf hash covers it
	p.Record = rec
	p.LeafHash = recLeaf(ctx, s.o.Audit, post.AuditSeq)
	cp, included, err := s.o.Audit.ProofStatus(sys, post.AuditSeq)
	if err != nil {
		return p, err
	}
	p.Checkpoint, p.Included = cp, included
	if cp.Size > post.AuditSeq {
		// InclusionProof's hash is the record's leaf; the root is the
		// checkpoint's, which the proof leads to.
		if hs, _, err := s.o.Audit.InclusionProof(sys, post.AuditSeq, cp.Size); err == nil {
			p.Hashes = hs
		}
		if _, _, root, err := audit.ParseCheckpoint(cp.Note, s.o.Audit.Verifier()); err == nil {
			p.Root = root.String()
		}
	}
	return p, nil
}

func recLeaf(ctx context.Context, l *audit.Log, seq int64) string {
	r, err := l.Get(actor.System(ctx), seq)
	if err != nil {
		return ""
	}
	return r.LeafHash().String()
}

// DonorUse is one line of what a donation paid for, as the donor sees it.
type DonorUse struct {
	ProgramID   int64     `json:"program_id"`
	ProgramName string    `json:"program_name"`
	NameAR      string    `json:"program_name_ar"`
	NameEN      string    `json:"program_name_en"`
	Period      string    `json:"period"`
	Amount      int64     `json:"amount"`
	Households  int64     `json:"households"` // 0 when hidden
	Hidden      bool      `json:"households_hidden,omitempty"`
	AllocatedAt time.Time `json:"allocated_at"`
}

// DonorView is what a donation paid for: its receipt, its amount, the
// uses (no household ever named), and what of it is not spent yet.
type DonorView struct {
	Receipt     string     `json:"receipt"`
	MemberID    int64      `json:"-"`
	Member      string     `json:"member"`
	ReceivedOn  time.Time  `json:"received_on"`
	Currency    string     `json:"currency"`
	Amount      int64      `json:"amount"`
	Restriction string     `json:"restriction"`
	Zakat       bool       `json:"zakat,omitempty"`
	Cancelled   bool       `json:"cancelled,omitempty"`
	Uses        []DonorUse `json:"uses"`
	Spent       int64      `json:"spent"`
	Unspent     int64      `json:"unspent"`
}

// MaxReceipt bounds a receipt number typed by the public.
const MaxReceipt = 40

// Receipt returns what the donation with receipt paid for, when amount is
// the amount printed on the receipt (in major units, any digits). The
// same answer, NotFound, is given for an unknown receipt and a wrong
// amount, so that neither can be told apart. Tries are limited per
// address (an hour) and failures per receipt number (a day), so that
// neither receipt numbers (which run in sequence) nor amounts can be
// guessed.
func (s *Service) Receipt(ctx context.Context, receipt, amount, address string) (DonorView, error) {
	var v DonorView
	if s.o.Gifts == nil {
		return v, errs.E(errs.NotFound, "fund_public.receipt_not_found")
	}
	receipt = strings.ToUpper(strings.TrimSpace(arabic.Digits(receipt)))
	amount = strings.TrimSpace(arabic.Digits(amount))
	amount = strings.NewReplacer(",", "", "٬", "", " ", "", "٫", ".").Replace(amount)
	if receipt == "" || len(receipt) > MaxReceipt || amount == "" || len(amount) > 24 {
		return v, errs.E(errs.Invalid, "fund_public.receipt_required")
	}
	if s.byAddress.full(address) || s.byReceipt.full(receipt) {
		return v, errs.E(errs.TooMany, "fund_public.receipt_too_many")
	}
	s.byAddress.hit(address)
	sys := actor.System(ctx)
	d, err := s.o.Gifts.ByReceipt(sys, receipt)
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return v, err
	}
	ok := err == nil
	if ok {
		c, known := money.Lookup(d.Currency)
		exp := 2
		if known {
			exp = c.Exponent
		}
		n, perr := money.Parse(amount, exp)
		ok = perr == nil && n == d.Amount
	}
	if !ok {
		s.byReceipt.hit(receipt)
		return v, errs.E(errs.NotFound, "fund_public.receipt_not_found")
	}
	v = DonorView{Receipt: d.Receipt, MemberID: d.MemberID, ReceivedOn: d.ReceivedOn, Currency: d.Currency, Amount: d.Amount,
		Restriction: d.Restriction.Kind, Zakat: d.Restriction.Zakat, Cancelled: d.Cancelled, Uses: []DonorUse{}}
	if v.Restriction == "" {
		v.Restriction = "general"
	}
	if m, err := s.MemberOf(ctx, d.MemberID); err == nil {
		v.Member = m.Code
	}
	if s.o.Trace != nil && !d.Cancelled {
		us, err := s.o.Trace.Uses(sys, d.ID)
		if err != nil {
			return DonorView{}, err
		}
		for _, u := range us {
			du := DonorUse{ProgramID: u.ProgramID, ProgramName: u.ProgramName, Period: u.Period, Amount: u.Amount, AllocatedAt: u.AllocatedAt}
			du.NameAR, du.NameEN = s.ProgramName(ctx, d.MemberID, u.ProgramID)
			if du.NameAR == "" {
				du.NameAR, du.NameEN = u.ProgramName, u.ProgramName
			}
			if u.Households > 0 && u.Households < s.threshold {
				du.Hidden = true
			} else {
				du.Households = u.Households
			}
			v.Uses = append(v.Uses, du)
			v.Spent += u.Amount
		}
	}
	v.Unspent = max(v.Amount-v.Spent, 0)
	return v, nil
}

// CampaignView is a public campaign's page: the campaign, the money raised
// (from the rollups), the donors who agreed to be named and how many gave,
// and what its money funded, by program.
type CampaignView struct {
	Campaign     fund.CampaignRef `json:"campaign"`
	Member       string           `json:"member"`
	Raised       Cell             `json:"raised"`
	Percent      int64            `json:"percent"` // of the goal, 0–100; 0 when hidden or no goal
	Named        []string         `json:"named_donors"`
	Donors       int64            `json:"donors"` // 0 when hidden
	DonorsHidden bool             `json:"donors_hidden,omitempty"`
	Funded       []ProgramOut     `json:"funded"`
	Spent        int64            `json:"spent"`
}

// Campaigns lists the public campaigns of member code ("": every
// member), each with its figures.
func (s *Service) Campaigns(ctx context.Context, code string) ([]CampaignView, error) {
	if s.o.Campaigns == nil {
		return []CampaignView{}, nil
	}
	var mid int64
	if code != "" {
		m, err := s.Member(ctx, code)
		if err != nil {
			return nil, err
		}
		mid = m.ID
	}
	cs, err := s.o.Campaigns.PublicCampaigns(actor.System(ctx), mid)
	if err != nil {
		return nil, err
	}
	out := []CampaignView{}
	for _, c := range cs {
		if !c.Public || c.Status == "draft" {
			continue
		}
		v, err := s.campaignView(ctx, c, false)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Campaign returns public campaign id's page; NotFound for a campaign that
// is not public or still a draft.
func (s *Service) Campaign(ctx context.Context, id int64) (CampaignView, error) {
	if s.o.Campaigns == nil {
		return CampaignView{}, errs.E(errs.NotFound, "fund_public.campaign_not_found")
	}
	c, err := s.o.Campaigns.Campaign(actor.System(ctx), id)
	if err != nil || !c.Public || c.Status == "draft" {
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			return CampaignView{}, err
		}
		return CampaignView{}, errs.E(errs.NotFound, "fund_public.campaign_not_found")
	}
	return s.campaignView(ctx, c, true)
}

// NamedLimit is how many named donors a campaign page lists.
const NamedLimit = 50

func (s *Service) campaignView(ctx context.Context, c fund.CampaignRef, full bool) (CampaignView, error) {
	v := CampaignView{Campaign: c, Named: []string{}, Funded: []ProgramOut{}}
	if m, err := s.MemberOf(ctx, c.MemberID); err == nil {
		v.Member = m.Code
	}
	rows, err := s.db.Query(ctx, qCampaign, c.ID, c.MemberID)
	if err != nil {
		return v, errs.Wrapf(err, "fund public: campaign")
	}
	var raised Cell
	for rows.Next() {
		var dir string
		var pid, amt, n int64
		if err := rows.Scan(&dir, &pid, &amt, &n); err != nil {
			rows.Close()
			return v, err
		}
		switch dir {
		case In:
			raised.Amount += amt
			raised.N += n
		case Out:
			v.Funded = append(v.Funded, ProgramOut{ProgramID: pid, Amount: amt, N: n})
			v.Spent += amt
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return v, err
	}
	for i := range v.Funded {
		v.Funded[i].NameAR, v.Funded[i].NameEN = s.ProgramName(ctx, c.MemberID, v.Funded[i].ProgramID)
	}
	v.Raised = s.cell(raised).Public()
	if !v.Raised.Hidden && c.Goal > 0 {
		v.Percent = min(max(v.Raised.Amount*100/c.Goal, 0), 100)
	}
	if full {
		names, donors, err := s.o.Campaigns.NamedDonors(actor.System(ctx), c.ID, NamedLimit)
		if err != nil {
			return v, err
		}
		if names != nil {
			v.Named = names
		}
		if donors > 0 && donors < s.threshold {
			v.DonorsHidden = true
		} else {
			v.Donors = donors
		}
	}
	return v, nil
}
