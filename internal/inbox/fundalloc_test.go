package inbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
)

// TestFundAllocationInTheInbox: an allocation of the fund waits in a fund
// approver's inbox, named by its amount and program, and approving it
// there posts it; its proposer sees it but cannot decide it.
func TestFundAllocationInTheInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sys := actor.System(context.Background())
		jo, err := member.New(d).Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"})
		if err != nil {
			t.Fatal(err)
		}
		as := auth.New(d)
		user := func(name string, role actor.Role) context.Context {
			u, err := as.CreateUser(sys, auth.NewUser{MemberID: jo.ID, Username: name, DisplayName: name, Password: "correct horse battery staple", Roles: []actor.Role{role}})
			if err != nil {
				t.Fatal(err)
			}
			return actor.With(context.Background(), u.Actor())
		}
		mgr, apr, pm := user("fundmgr", actor.FundManager), user("fundapr", actor.FundApprover), user("progmgr", actor.ProgramManager)
		progs := program.New(d)
		a, err := progs.Apply(pm, jo.ID, program.Spec{Code: "WINTER", NameAR: "دعم الشتاء", NameEN: "Winter support", Kind: "cash_transfer", StartDate: "2026-01-01",
			Eligibility: `household.size >= 1`, Benefit: `100.0`})
		if err != nil {
			t.Fatal(err)
		}
		fa := alloc.New(d, alloc.Options{Programs: progs, Auth: as})
		if err := d.Tx(sys, func(tx *db.Tx) error {
			return fa.AddTx(sys, tx, fund.Lot{DonationID: 1, MemberID: jo.ID, Currency: "JOD", Amount: 500_000, ReceivedOn: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)})
		}); err != nil {
			t.Fatal(err)
		}
		al, err := fa.Propose(mgr, alloc.Proposal{MemberID: jo.ID, ProgramID: a.Program.ID, Amount: 125_500})
		if err != nil {
			t.Fatal(err)
		}
		s := New(Options{Auth: as, Programs: progs, FundAlloc: fa})
		p, err := s.List(apr, i18n.EN, auth.InboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Items[0].Kind != alloc.ApprovalKind || !p.Items[0].Decidable ||
			!strings.Contains(p.Items[0].Subject, "125.500 JOD") || !strings.Contains(p.Items[0].Subject, "Winter support") || p.Items[0].Link == "" {
			t.Fatalf("the approver's inbox: %+v", p.Items)
		}
		if mine, err := s.List(mgr, i18n.AR, auth.InboxFilter{}); err != nil || len(mine.Items) != 1 || mine.Items[0].Decidable {
			t.Fatalf("the proposer's inbox: %+v, %v", mine.Items, err)
		}
		res, err := s.Decide(apr, i18n.EN, []int64{al.ApprovalID}, true, "")
		if err != nil || len(res) != 1 || !res[0].OK {
			t.Fatalf("decide: %+v, %v", res, err)
		}
		got, err := fa.Allocation(apr, al.ID)
		if err != nil || got.Status != alloc.Approved || len(got.Sources) != 1 || got.EntryID == 0 {
			t.Fatalf("after the inbox's approval: %+v, %v", got, err)
		}
	})
}
