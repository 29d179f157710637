package gift

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/i18n"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeDonors knows donors by id; a donor's MergedInto is followed.
type fakeDonors struct {
	mu sync.Mutex
	m  map[int64]fund.DonorRef
}

func (f *fakeDonors) Donor(_ context.Context, member, id int64) (fund.DonorRef, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.m[id]
	if !ok || d.MemberID != member {
		return fund.DonorRef{}, errs.E(errs.NotFound, "donor.not_found")
	}
	return d, nil
}

func (f *fakeDonors) EachKeys(context.Context, int64, func(fund.DonorKeys) error) error { return nil }

// fakeLots records lots; allocated donations refuse cancellation.
type fakeLots struct {
	mu        sync.Mutex
	lots      map[int64]fund.Lot
	allocated map[int64]bool
	adds      int
}

func (f *fakeLots) AddTx(_ context.Context, _ *db.Tx, lots ...fund.Lot) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.adds++
	for _, l := range lots {
		f.lots[l.DonationID] = l
	}
	return nil
}

func (f *fakeLots) CancelTx(_ context.Context, _ *db.Tx, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.allocated[id] {
		return errs.E(errs.Conflict, "alloc.lot_allocated")
	}
	delete(f.lots, id)
	return nil
}

type fakeJournal struct {
	mu sync.Mutex
	ms []fund.Movement
}

func (f *fakeJournal) RecordTx(_ context.Context, _ *db.Tx, ms ...fund.Movement) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ms = append(f.ms, ms...)
	return nil
}

type world struct {
	d                    *db.DB
	s                    *Service
	clock                *calendar.Manual
	jo, eg               int64
	fund, egFund, viewer context.Context
	donors               *fakeDonors
	lots                 *fakeLots
	journal              *fakeJournal
	programs             map[int64]int64 // program → member
}

func newWorld(tb testing.TB, d *db.DB) *world {
	tb.Helper()
	w := &world{d: d, clock: calendar.NewManual(t0), donors: &fakeDonors{m: map[int64]fund.DonorRef{}},
		lots: &fakeLots{lots: map[int64]fund.Lot{}, allocated: map[int64]bool{}}, journal: &fakeJournal{}, programs: map[int64]int64{}}
	w.jo = mustMember(tb, d, "JO", "JOD")
	w.eg = mustMember(tb, d, "EG", "EGP")
	w.programs[7] = w.jo
	w.programs[8] = w.eg
	w.s = New(d, Options{Donors: w.donors, Lots: w.lots, Journal: w.journal, Clock: w.clock.Now,
		ProgramMember: func(_ context.Context, id int64) (int64, error) {
			m, ok := w.programs[id]
			if !ok {
				return 0, errs.E(errs.NotFound, "program.not_found")
			}
			return m, nil
		}})
	w.fund = as(tb, d, w.jo, "jo.fund", actor.FundManager)
	w.egFund = as(tb, d, w.eg, "eg.fund", actor.FundManager)
	w.viewer = as(tb, d, w.jo, "jo.viewer", actor.Viewer)
	w.donors.m[1] = fund.DonorRef{ID: 1, MemberID: w.jo, Kind: fund.DonorIndividual, Name: "أحمد", PublicName: "أحمد"}
	w.donors.m[2] = fund.DonorRef{ID: 2, MemberID: w.jo, Kind: fund.DonorCompany, Name: "شركة", PublicName: ""}
	w.donors.m[3] = fund.DonorRef{ID: 3, MemberID: w.jo, Kind: fund.DonorIndividual, Name: "old", MergedInto: 1}
	w.donors.m[9] = fund.DonorRef{ID: 9, MemberID: w.eg, Kind: fund.DonorIndividual, Name: "مصري"}
	return w
}

func mustMember(tb testing.TB, d *db.DB, code, cur string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, ?, 'Asia/Amman', ?, ?) RETURNING id`, code, code, code, cur, now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) context.Context {
	tb.Helper()
	ctx := context.Background()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var uid int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			member, name, name, strings.Join(names, " "), now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, MemberID: member, Roles: roles, Lang: i18n.EN})
}

func (w *world) cash(amount int64) fund.DonationInput {
	return fund.DonationInput{MemberID: w.jo, DonorID: 1, Kind: fund.KindCash, Amount: amount, ReceivedOn: t0}
}

func (w *world) record(tb testing.TB, in fund.DonationInput) fund.DonationRef {
	tb.Helper()
	ref, err := w.s.Record(w.fund, in)
	if err != nil {
		tb.Fatalf("record %+v: %v", in, err)
	}
	return ref
}

func keyOf(err error) string {
	if e, ok := err.(*errs.Error); ok {
		if len(e.Fields) > 0 && e.Key == "error.invalid_input" {
			return e.Fields[0].Key
		}
		return e.Key
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
