package demo

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// The payments demo. Its file is named after targeting.go so that it runs
// after the programs step (steps run in file-name order): JO's banks, wallet
// provider and post office; the cash programme's budget in the ledger; a
// payment method for each enrolled household, proposed by the finance officer
// and approved by the approver; and next month's cycle, approved, with its
// batches exported and the bank's status report imported.
func init() {
	AddStep(Step{Name: "payments", Run: loadPayments})
}

// demoIBAN returns a valid Jordanian IBAN for account number n.
func demoIBAN(n int64) string {
	bban := fmt.Sprintf("ARAB%022d", n)
	var b strings.Builder
	for _, c := range bban + "JO00" {
		if c >= 'A' && c <= 'Z' {
			fmt.Fprintf(&b, "%d", c-'A'+10)
		} else {
			b.WriteRune(c)
		}
	}
	v, _ := new(big.Int).SetString(b.String(), 10)
	return fmt.Sprintf("JO%02d%s", 98-new(big.Int).Mod(v, big.NewInt(97)).Int64(), bban)
}

// head returns the id of the head of household id, or its first person.
func head(ctx context.Context, reg *registry.Service, id int64) int64 {
	ps, err := reg.Persons(actor.System(ctx), id)
	if err != nil || len(ps) == 0 {
		return 0
	}
	for _, p := range ps {
		if p.Relationship == "head" {
			return p.ID
		}
	}
	return ps[0].ID
}

func loadPayments(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		return err
	}
	as := auth.New(d)
	userCtx := func(name string) (context.Context, error) {
		u, err := as.UserByUsername(sys, name)
		if err != nil {
			return nil, err
		}
		return actor.With(ctx, u.Actor()), nil
	}
	finance, err := userCtx("jo.finance")
	if err != nil {
		return err
	}
	approver, err := userCtx("jo.approver")
	if err != nil {
		return err
	}
	s := payment.New(d)
	for _, p := range []payment.Provider{
		{Code: "ARAB", Kind: payment.Bank, Name: "البنك العربي", PainVersion: iso20022.Pain001V09, DebtorName: "صندوق المعونة الوطنية", DebtorIBAN: demoIBAN(900001), DebtorBIC: "ARABJOAX"},
		{Code: "HOUSING", Kind: payment.Bank, Name: "بنك الإسكان", PainVersion: iso20022.Pain001V03, DebtorName: "صندوق المعونة الوطنية", DebtorIBAN: demoIBAN(900002)},
		{Code: "ZAINCASH", Kind: payment.Wallet, Name: "زين كاش"},
		{Code: "JOPOST", Kind: payment.Cash, Name: "البريد الأردني"},
	} {
		p.MemberID = jo.ID
		if _, err := s.AddProvider(approver, p); err != nil {
			return fmt.Errorf("payments: provider %s: %w", p.Code, err)
		}
	}
	progs := program.New(d)
	reg := registry.New(d)
	prog, err := progs.ByCode(sys, jo.ID, "CASH-ELDERLY")
	if err != nil {
		progress("payments: providers only (no CASH-ELDERLY program)")
		return nil
	}
	budget := prog.Budget
	if budget <= 0 {
		budget = 250_000_000
	}
	if err := s.AllocateBudget(approver, jo.ID, prog.ID, budget, "الميزانية السنوية — annual budget"); err != nil {
		return err
	}
	// Next month's cycle, prepared ahead as payment offices do, so that
	// households enrolled this month are paid in full.
	now := d.Now().UTC()
	first := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1)
	enrolled, err := progs.EnrolledAt(sys, prog.ID, last)
	if err != nil {
		return err
	}
	for i, e := range enrolled {
		// The account holder is the household's head, named as the
		// registry has them (the bank's records hold the same name).
		in := payment.Instrument{MemberID: jo.ID, HouseholdID: e.HouseholdID, HouseholdRef: e.HouseholdRef, RecipientPersonID: head(ctx, reg, e.HouseholdID)}
		switch i % 4 {
		case 0, 1:
			in.Kind, in.Provider, in.IBAN = payment.Bank, "ARAB", demoIBAN(int64(1000+i))
		case 2:
			in.Kind, in.Provider, in.MSISDN = payment.Wallet, "ZAINCASH", fmt.Sprintf("96279%07d", 1000+i)
		default:
			in.Kind, in.Provider = payment.Cash, "JOPOST"
		}
		p, err := s.ProposeInstrument(finance, in)
		if err != nil {
			return fmt.Errorf("payments: instrument of %s: %w", e.HouseholdRef, err)
		}
		if _, err := s.DecideInstrument(approver, jo.ID, p.ID, true, ""); err != nil {
			return err
		}
	}
	if len(enrolled) == 0 {
		progress("payments: providers and budget (no enrolled households to pay)")
		return nil
	}
	c, err := s.Prepare(finance, payment.ProgramSource(progs), payment.CycleRequest{MemberID: jo.ID, ProgramID: prog.ID, PeriodStart: first, PeriodEnd: last})
	if err != nil {
		return err
	}
	if c.EntitledCount == 0 {
		progress(fmt.Sprintf("payments: cycle %d prepared with nobody to pay", c.ID))
		return nil
	}
	if _, err := s.Approve(approver, jo.ID, c.ID, true, ""); err != nil {
		return err
	}
	res, err := s.CreateBatches(finance, jo.ID, c.ID)
	if err != nil {
		return err
	}
	var statuses []iso20022.Status
	var bankMsg string
	for _, b := range res.Batches {
		var file bytes.Buffer
		if _, err := s.Export(finance, jo.ID, b.ID, &file); err != nil {
			return err
		}
		if b.Kind != payment.Bank {
			continue
		}
		bankMsg = b.MsgID
		// The bank settles every payment but the last, whose account is closed.
		ids := endToEndIDs(file.String())
		for i, id := range ids {
			st := iso20022.Status{OriginalEndToEndID: id, Status: "ACSC"}
			if i == len(ids)-1 && len(ids) > 1 {
				st.Status, st.Reason = "RJCT", "AC04"
			}
			statuses = append(statuses, st)
		}
	}
	if len(statuses) > 0 {
		var rep bytes.Buffer
		w, err := iso20022.NewStatusWriter(&rep, iso20022.Report{MessageID: "ARAB-" + bankMsg, Created: now, OriginalMessageID: bankMsg, OriginalMessageName: string(iso20022.Pain001V09)})
		if err != nil {
			return err
		}
		for _, st := range statuses {
			if err := w.Write(st); err != nil {
				return err
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
		if _, err := s.ImportStatus(finance, jo.ID, payment.FormatPain002, &rep); err != nil {
			return err
		}
	}
	progress(fmt.Sprintf("payments: cycle %d of %d households, %d batches, %d bank statuses", c.ID, c.EntitledCount, len(res.Batches), len(statuses)))
	return nil
}

// endToEndIDs returns the EndToEndIds of a pain.001 file, in order.
func endToEndIDs(xml string) []string {
	var out []string
	for {
		i := strings.Index(xml, "<EndToEndId>")
		if i < 0 {
			return out
		}
		xml = xml[i+len("<EndToEndId>"):]
		j := strings.Index(xml, "</EndToEndId>")
		if j < 0 {
			return out
		}
		out = append(out, xml[:j])
		xml = xml[j:]
	}
}
