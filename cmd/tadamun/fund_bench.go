//go:build fundbench

package main

import (
	"os"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund/bank"
	"github.com/tadamun/tadamun/internal/fund/bank/banktest"
)

// A benchmark build (go build -tags fundbench) imports statements against
// the donors of TADAMUN_BENCH_DONORS (the generator's donors.tsv) and a
// stand-in of the gift service that posts the ledger only; see
// bench/fund/run.sh. Once the real donor and gift services are wired in
// app.New, the benchmark needs no tag: seed the donors and run the plain
// binary.
func init() {
	path := os.Getenv("TADAMUN_BENCH_DONORS")
	if path == "" {
		return
	}
	fundBank = func(s *app.Services, d *db.DB) *bank.Service {
		donors, err := banktest.LoadDonors(path)
		if err != nil {
			panic(err)
		}
		return bank.New(d, bank.Options{Donors: donors, Gifts: &banktest.Gifts{}, Members: s.Members, Jobs: s.Jobs})
	}
}
