package server

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/partner"
)

// EG's partner, agreement, document and pledge, recorded by the system
// (the demo has an EG partner, but the test names rows it made itself);
// JO's for the id checks.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		s := servicesOf(t, fx.d).Partners
		p, err := s.Save(ctx, eg.ID, partner.Partner{NameAR: "شركة النيل للتجارة", Sector: "company"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.SaveAgreement(ctx, partner.Agreement{PartnerID: p.ID, Title: "مذكرة تفاهم", StartsOn: "2026-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := s.AddDocument(ctx, a.ID, partner.File{Name: "mou.pdf", Body: bytes.NewReader([]byte("%PDF-1.4\n%%EOF\n"))})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := s.AddPledge(ctx, partner.Pledge{PartnerID: p.ID, AgreementID: a.ID, Kind: partner.Jobs, Target: 5, Role: "محاسب"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_partner"] = strconv.FormatInt(p.ID, 10)
		fx.vals["eg_agreement"] = strconv.FormatInt(a.ID, 10)
		fx.vals["eg_partner_document"] = strconv.FormatInt(doc.ID, 10)
		fx.vals["eg_pledge"] = strconv.FormatInt(pl.ID, 10)
		jo, err := member.New(fx.d).Get(ctx, "JO")
		if err != nil {
			t.Fatal(err)
		}
		jp, err := s.Save(ctx, jo.ID, partner.Partner{NameAR: "شركة البتراء للتجارة", Sector: "company"})
		if err != nil {
			t.Fatal(err)
		}
		ja, err := s.SaveAgreement(ctx, partner.Agreement{PartnerID: jp.ID, Title: "مذكرة تفاهم", StartsOn: "2026-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_partner"] = strconv.FormatInt(jp.ID, 10)
		fx.vals["jo_agreement"] = strconv.FormatInt(ja.ID, 10)
	})
	v1 := api.Prefix
	partnerPath := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/partners/" + v["eg_partner"] + suffix }
	}
	partnerWrite := func(method, prefix, key, suffix, body string) crossCase {
		return crossWrite(method, func(v map[string]string) (string, string) { return v1 + prefix + v[key] + suffix, body })
	}
	crossCases["GET /partners"] = crossList(v1 + "/partners")
	crossCases["POST /partners"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/partners", `{"member":"EG","name_ar":"دخيل","sector":"company"}`
	})
	crossCases["GET /partners/open-pledges"] = crossList(v1 + "/partners/open-pledges")
	crossCases["GET /partners/{id}"] = crossGet(partnerPath(""))
	crossCases["PUT /partners/{id}"] = partnerWrite("PUT", "/partners/", "eg_partner", "", `{"name_ar":"دخيل","sector":"company","version":1}`)
	crossCases["POST /partners/{id}/consent"] = partnerWrite("POST", "/partners/", "eg_partner", "/consent", `{"consent":true}`)
	crossCases["GET /partners/{id}/history"] = crossGet(partnerPath("/history"))
	crossCases["GET /partners/{id}/agreements"] = crossGet(partnerPath("/agreements"))
	crossCases["POST /partners/{id}/agreements"] = partnerWrite("POST", "/partners/", "eg_partner", "/agreements", `{"title":"دخيل","starts_on":"2026-01-01"}`)
	crossCases["GET /partner-agreements/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/partner-agreements/" + v["eg_agreement"] })
	crossCases["PUT /partner-agreements/{id}"] = partnerWrite("PUT", "/partner-agreements/", "eg_agreement", "", `{"title":"دخيل","starts_on":"2026-01-01","version":1}`)
	crossCases["POST /partner-agreements/{id}/terminate"] = partnerWrite("POST", "/partner-agreements/", "eg_agreement", "/terminate", `{"version":1,"reason":"دخيل"}`)
	crossCases["POST /partner-agreements/{id}/documents"] = partnerWrite("POST", "/partner-agreements/", "eg_agreement", "/documents?name=x.pdf", "%PDF-1.4\n%%EOF\n")
	crossCases["GET /partner-documents/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/partner-documents/" + v["eg_partner_document"] })
	crossCases["GET /partners/{id}/pledges"] = crossGet(partnerPath("/pledges"))
	crossCases["POST /partners/{id}/pledges"] = partnerWrite("POST", "/partners/", "eg_partner", "/pledges", `{"kind":"jobs","target":1,"role":"x"}`)
	crossCases["GET /partner-pledges/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/partner-pledges/" + v["eg_pledge"] })
	crossCases["POST /partner-pledges/{id}/cancel"] = partnerWrite("POST", "/partner-pledges/", "eg_pledge", "/cancel", `{"version":1,"reason":"دخيل"}`)
	crossCases["POST /partner-pledges/{id}/deliveries"] = partnerWrite("POST", "/partner-pledges/", "eg_pledge", "/deliveries", `{"reference":"intruder-1","quantity":1}`)
	crossCases["GET /partners/{id}/deliveries"] = crossGet(partnerPath("/deliveries"))

	crossRefs["POST /partners"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["PUT /partners/{id}"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /partners/{id}/agreements"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["PUT /partner-agreements/{id}"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /partner-agreements/{id}/terminate"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /partner-pledges/{id}/cancel"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /partner-pledges/{id}/deliveries"] = crossRef{NotIDs: []string{"quantity", "version", "evidence"}}
	// A pledge names its agreement: JO's partner manager naming EG's
	// agreement is refused and writes nothing.
	crossRefs["POST /partners/{id}/pledges"] = crossRef{As: "jo.partners",
		Path: func(v map[string]string) string { return v1 + "/partners/" + v["jo_partner"] + "/pledges" },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"agreement_id":%s,"kind":"training","target":3,"course":"المحاسبة"}`, pick(v, eg, "agreement_id", "jo_agreement", "eg_agreement"))
		},
		IDs: []string{"agreement_id"}, NotIDs: []string{"target", "value"}}
}
