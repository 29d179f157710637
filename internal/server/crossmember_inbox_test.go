package server

import (
	"context"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/registry"
)

// The approvals inbox across members: JO's users never see EG's
// approvals in the inbox, and a bulk decision naming EG's approval
// decides nothing of EG's.
func init() {
	v1 := api.Prefix
	crossCases["GET /approvals/inbox"] = crossList(v1 + "/approvals/inbox?status=all")
	crossCases["POST /approvals/decisions"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/approvals/decisions", `{"ids":[` + v["enrollment_approval"] + `],"approve":true}`
	})

	// A JO approval that jo.approver may decide, for the control.
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		sys := actor.System(context.Background())
		jo, err := member.New(fx.d).Get(sys, "JO")
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := registry.New(fx.d).CreateHousehold(sys, jo.ID, registry.Household{Ref: "JO-XINBOX"},
			[]registry.Person{{Ref: "JO-XINBOX-H", Relationship: "head", FirstName: "رنا", FamilyName: "العلي", Sex: "female"}})
		if err != nil {
			t.Fatal(err)
		}
		in, err := payment.New(fx.d).ProposeInstrument(fx.as("jo.finance"), payment.Instrument{MemberID: jo.ID, HouseholdID: h.ID, RecipientName: "رنا العلي", Kind: payment.Cash, Provider: "JOPOST"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_inbox_approval"] = strconv.FormatInt(in.ApprovalID, 10)
	})
	crossRefs["POST /approvals/decisions"] = crossRef{
		As:   "jo.approver",
		Path: func(map[string]string) string { return v1 + "/approvals/decisions" },
		Body: func(v map[string]string, eg string) string {
			return `{"ids":[` + pick(v, eg, "ids", "jo_inbox_approval", "enrollment_approval") + `],"approve":true,"reason":"checked"}`
		},
		IDs: []string{"ids"},
	}
}
