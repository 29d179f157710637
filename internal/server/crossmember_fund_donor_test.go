package server

import (
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/donor"
)

// mustDonor records a donor of member as user and returns its id.
func mustDonor(t testing.TB, fx *fixture, user string, member int64, name string) int64 {
	t.Helper()
	r, err := servicesOf(t, fx.d).Donors.Create(fx.as(user), donor.Input{MemberID: member, Kind: fund.DonorIndividual, Name: name}, true)
	if err != nil {
		t.Fatal(err)
	}
	return r.Donor.ID
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		eg, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`), 10, 64)
		fx.vals["eg_donor"] = strconv.FormatInt(mustDonor(t, fx, "eg.fund", eg, "منى عبد الحليم"), 10)
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		jo, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`), 10, 64)
		fx.vals["jo_donor_keep"] = strconv.FormatInt(mustDonor(t, fx, "jo.fund", jo, "وليد سمير الطراونة"), 10)
		fx.vals["jo_donor_drop"] = strconv.FormatInt(mustDonor(t, fx, "jo.fund", jo, "وليد سمير طراونة"), 10)
	})
	v1 := api.Prefix
	d := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/fund/donors/" + v["eg_donor"] + suffix }
	}
	crossCases["GET /fund/donors"] = crossList(v1 + "/fund/donors")
	crossCases["POST /fund/donors"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/fund/donors", `{"member":"EG","kind":"individual","name":"دخيل"}`
	})
	crossCases["GET /fund/donors/{id}"] = crossGet(d(""))
	crossCases["PUT /fund/donors/{id}"] = crossWrite("PUT", func(v map[string]string) (string, string) {
		return d("")(v), `{"kind":"individual","name":"دخيل","version":1}`
	})
	crossCases["POST /fund/donors/{id}/merge"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return d("/merge")(v), `{"from":` + v["eg_donor"] + `,"reason":"x"}`
	})

	crossRefs["POST /fund/donors"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["PUT /fund/donors/{id}"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /fund/donors/{id}/merge"] = crossRef{As: "jo.fund",
		Path: func(v map[string]string) string { return v1 + "/fund/donors/" + v["jo_donor_keep"] + "/merge" },
		Body: func(v map[string]string, eg string) string {
			return `{"from":` + pick(v, eg, "from", "jo_donor_drop", "eg_donor") + `,"reason":"سُجّل مرتين"}`
		},
		IDs: []string{"from"}}
}
