package payment_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/payment"
)

func TestProposeInstrumentValidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		good := joIBAN(1)
		tests := []struct {
			name  string
			in    payment.Instrument
			code  errs.Code
			field string
			key   string
		}{
			{"bank with a valid Jordanian IBAN", payment.Instrument{HouseholdID: 1, Kind: payment.Bank, Provider: "bank9", IBAN: good}, "", "", ""},
			{"IBAN with a mistyped digit", payment.Instrument{HouseholdID: 2, Kind: payment.Bank, Provider: "BANK9", IBAN: good[:10] + string('0'+(good[10]-'0'+1)%10) + good[11:]}, errs.Invalid, "iban", "payment.iban.bad_check_digits"},
			{"Jordanian IBAN of Egyptian length", payment.Instrument{HouseholdID: 2, Kind: payment.Bank, Provider: "BANK9", IBAN: mkIBAN("JO", "CBJO001000000000013100030")}, errs.Invalid, "iban", "payment.iban.bad_length"},
			{"Egyptian IBAN", payment.Instrument{HouseholdID: 2, Kind: payment.Bank, Provider: "BANK9", IBAN: mkIBAN("EG", "0019000500000000263180002")}, "", "", ""},
			{"bank account at a wallet provider", payment.Instrument{HouseholdID: 3, Kind: payment.Bank, Provider: "ZAIN", IBAN: good}, errs.Invalid, "provider", "payment.provider.wrong_kind"},
			{"unknown provider", payment.Instrument{HouseholdID: 3, Kind: payment.Wallet, Provider: "NOPE", MSISDN: "+962 79 123 4567"}, errs.Invalid, "provider", "payment.provider.not_found"},
			{"wallet in Arabic-Indic digits", payment.Instrument{HouseholdID: 4, Kind: payment.Wallet, Provider: "ZAIN", MSISDN: "٠٠٩٦٢٧٩١٢٣٤٥٦٧"}, "", "", ""},
			{"wallet without country code", payment.Instrument{HouseholdID: 5, Kind: payment.Wallet, Provider: "ZAIN", MSISDN: "0791234567"}, errs.Invalid, "msisdn", "limits.msisdn"},
			{"cash at an agent", payment.Instrument{HouseholdID: 6, Kind: payment.Cash, Provider: "POST"}, "", "", ""},
			{"unknown kind", payment.Instrument{HouseholdID: 7, Kind: "gold", Provider: "POST"}, errs.Invalid, "kind", "payment.bad_kind"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.MemberID, tc.in.RecipientName = f.member, "سعاد"
				got, err := f.s.ProposeInstrument(f.fo1, tc.in)
				if c := errs.CodeOf(err); c != tc.code {
					t.Fatalf("got %q (%v), want %q", c, err, tc.code)
				}
				if tc.field != "" {
					e := errs.As(err)
					if len(e.Fields) != 1 || e.Fields[0].Field != tc.field || e.Fields[0].Key != tc.key {
						t.Errorf("got fields %+v, want %s %s", e.Fields, tc.field, tc.key)
					}
				}
				if err == nil && (got.Status != payment.InstrumentPending || got.ApprovalID == 0) {
					t.Errorf("got %+v, want a pending change with an approval", got)
				}
			})
		}
		if got, _ := f.s.Instruments(f.fo1, f.member, 4); len(got) != 1 || got[0].MSISDN != "962791234567" {
			t.Errorf("got %+v, want the MSISDN in international form", got)
		}
	})
}

func TestInstrumentChangeNeedsASecondPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		first := f.instrument(t, payment.Instrument{HouseholdID: 10, Kind: payment.Bank, Provider: "BANK9", IBAN: joIBAN(10)})
		if first.Status != payment.InstrumentActive {
			t.Fatalf("got %s, want active", first.Status)
		}
		// The classic fraud: someone changes the account to their own.
		change, err := f.s.ProposeInstrument(f.both, payment.Instrument{MemberID: f.member, HouseholdID: 10, RecipientName: "x", Kind: payment.Bank, Provider: "BANK9", IBAN: joIBAN(666)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.ProposeInstrument(f.fo2, payment.Instrument{MemberID: f.member, HouseholdID: 10, RecipientName: "y", Kind: payment.Cash, Provider: "POST"})
		wantCode(t, err, errs.Conflict, "payment.instrument.change_pending")
		_, err = f.s.DecideInstrument(f.both, f.member, change.ID, true, "")
		wantCode(t, err, errs.Forbidden, "approval.own_proposal")
		_, err = f.s.DecideInstrument(f.fo2, f.member, change.ID, true, "")
		wantCode(t, err, errs.Forbidden, "auth.forbidden")
		_, err = f.s.DecideInstrument(f.ap1, f.member, change.ID, false, "")
		wantCode(t, err, errs.Invalid, "approval.reason_required")
		rej, err := f.s.DecideInstrument(f.ap1, f.member, change.ID, false, "the household did not ask for it")
		if err != nil || rej.Status != payment.InstrumentRejected {
			t.Fatalf("got %+v, %v; want rejected", rej, err)
		}
		_, err = f.s.DecideInstrument(f.ap2, f.member, change.ID, true, "")
		wantCode(t, err, errs.Conflict, "approval.already_decided")
		// A genuine change, approved, replaces the active instrument.
		second := f.instrument(t, payment.Instrument{HouseholdID: 10, Kind: payment.Wallet, Provider: "ZAIN", MSISDN: "962791234567"})
		list, err := f.s.Instruments(f.fo1, f.member, 10)
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[int64]string{}
		for _, in := range list {
			statuses[in.ID] = in.Status
		}
		if statuses[first.ID] != payment.InstrumentReplaced || statuses[second.ID] != payment.InstrumentActive || statuses[change.ID] != payment.InstrumentRejected {
			t.Errorf("got statuses %v", statuses)
		}
		var audited int
		if err := d.QueryRow(f.sys, `SELECT COUNT(*) FROM audit_records WHERE entity_type = 'payment_instrument'`).Scan(&audited); err != nil || audited != 6 {
			t.Errorf("got %d audit records of instruments (%v), want 6 (3 proposals, 3 decisions)", audited, err)
		}
	})
}

// TestInstrumentRefusesForeignIDs (issue 12, item 7): an instrument names a
// household and a recipient; both must be the member's, or nothing is
// stored, and the household reference stored is the registry's.
func TestInstrumentRefusesForeignIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tests := []struct {
			name  string
			in    payment.Instrument
			field string
		}{
			{"another member's household", payment.Instrument{HouseholdID: foreignHousehold}, "household_id"},
			{"another household's person", payment.Instrument{HouseholdID: 10, RecipientPersonID: foreignPerson}, "recipient_person_id"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				in.MemberID, in.RecipientName, in.Kind, in.Provider = f.member, "x", payment.Cash, "POST"
				_, err := f.s.ProposeInstrument(f.fo1, in)
				e := errs.As(err)
				if e == nil || e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
					t.Fatalf("got %v, want invalid %s", err, tc.field)
				}
			})
		}
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM payment_instruments`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d instruments stored (%v), want 0", n, err)
		}
		got, err := f.s.ProposeInstrument(f.fo1, payment.Instrument{MemberID: f.member, HouseholdID: 10, HouseholdRef: "FORGED", RecipientName: "x", Kind: payment.Cash, Provider: "POST"})
		if err != nil || got.HouseholdRef != "HH-10" {
			t.Errorf("got %q, %v; want the registry's reference HH-10", got.HouseholdRef, err)
		}
	})
}

// TestInstrumentHolderNameFromPerson is issue 15, item 6: the creditor a
// bank file names is the account holder as the bank knows them, from the
// instrument; an instrument for a recipient person without a typed name
// takes the person's name from the registry, never a placeholder.
func TestInstrumentHolderNameFromPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in, err := f.s.ProposeInstrument(f.fo1, payment.Instrument{MemberID: f.member, HouseholdID: 7, RecipientPersonID: 70, Kind: payment.Bank, Provider: "BANK9", IBAN: mkIBAN("JO", "CBJO0010000000000131000777")})
		if err != nil {
			t.Fatal(err)
		}
		if in.RecipientName != "صاحب الحساب 70" {
			t.Errorf("holder name %q, want the person's name from the registry", in.RecipientName)
		}
		typed, err := f.s.ProposeInstrument(f.fo1, payment.Instrument{MemberID: f.member, HouseholdID: 8, RecipientPersonID: 80, RecipientName: "AHMAD M. KHATIB", Kind: payment.Bank, Provider: "BANK9", IBAN: mkIBAN("JO", "CBJO0010000000000131000888")})
		if err != nil {
			t.Fatal(err)
		}
		if typed.RecipientName != "AHMAD M. KHATIB" {
			t.Errorf("typed holder name %q kept as %q", "AHMAD M. KHATIB", typed.RecipientName)
		}
		if _, err := f.s.ProposeInstrument(f.fo1, payment.Instrument{MemberID: f.member, HouseholdID: 9, Kind: payment.Bank, Provider: "BANK9", IBAN: mkIBAN("JO", "CBJO0010000000000131000999")}); errs.As(err) == nil || errs.As(err).Fields[0].Field != "recipient_name" {
			t.Errorf("no name and no person: got %v, want recipient_name required", err)
		}
	})
}

// TestProviderDebtorBankMatchesBIC is issue 15, item 8: a bank provider's
// debtor IBAN must be at the bank its BIC names where the IBAN says so.
func TestProviderDebtorBankMatchesBIC(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, err := f.s.AddProvider(f.ap1, payment.Provider{MemberID: f.member, Code: "WRONG", Kind: payment.Bank, Name: "Wrong", DebtorName: "Ministry",
			DebtorIBAN: mkIBAN("JO", "CBJO0010000000000131000309"), DebtorBIC: "ARABJOAX"})
		if e := errs.As(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "debtor_iban" || e.Fields[0].Key != "payment.iban.bank_mismatch" {
			t.Fatalf("debtor IBAN of CBJO with Arab Bank's BIC: got %v, want debtor_iban payment.iban.bank_mismatch", err)
		}
		if _, err := f.s.AddProvider(f.ap1, payment.Provider{MemberID: f.member, Code: "RIGHT", Kind: payment.Bank, Name: "Right", DebtorName: "Ministry",
			DebtorIBAN: mkIBAN("JO", "ARAB0010000000000131000309"), DebtorBIC: "arabjoax"}); err != nil {
			t.Errorf("debtor IBAN of ARAB with ARABJOAX: %v", err)
		}
		_, err = f.s.ProposeInstrument(f.fo1, payment.Instrument{MemberID: f.member, HouseholdID: 3, RecipientName: "x", Kind: payment.Bank, Provider: "BANK9", IBAN: joIBAN(3), BIC: "HBHOJOAX"})
		if e := errs.As(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Key != "payment.iban.bank_mismatch" {
			t.Errorf("instrument IBAN of CBJO with another BIC: got %v, want payment.iban.bank_mismatch", err)
		}
	})
}
