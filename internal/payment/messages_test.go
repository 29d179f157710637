package payment_test

import (
	"io"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
	"github.com/tadamun/tadamun/internal/payment/walletcsv"
)

// rendered renders err's message and its field messages in both languages
// and fails when a key is unknown or a placeholder is left unfilled.
func rendered(t *testing.T, name string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	e := errs.As(err)
	type msg struct {
		key  string
		args map[string]any
	}
	msgs := []msg{{e.Key, e.Args}}
	for _, f := range e.Fields {
		msgs = append(msgs, msg{f.Key, f.Args})
	}
	for _, m := range msgs {
		if !i18n.Has(m.key) {
			t.Errorf("%s: unknown message %s", name, m.key)
			continue
		}
		for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
			if s := i18n.T(l, m.key, m.args); strings.Contains(s, "{") {
				t.Errorf("%s: %s in %s renders %q", name, m.key, l, s)
			}
		}
	}
}

// TestMessagesFillPlaceholders reaches every error of payment methods,
// wallet and cash files and status files that carries placeholders, and
// renders it: a bad msisdn in a wallet instrument once showed
// "Row {row}: … in column {column}".
func TestMessagesFillPlaceholders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		good := joIBAN(1)
		for name, in := range map[string]payment.Instrument{
			"wallet without country code": {Kind: payment.Wallet, Provider: "ZAIN", MSISDN: "0791234567"},
			"wallet with letters":         {Kind: payment.Wallet, Provider: "ZAIN", MSISDN: "+96279ABC4567"},
			"IBAN mistyped":               {Kind: payment.Bank, Provider: "BANK9", IBAN: good[:10] + string('0'+(good[10]-'0'+1)%10) + good[11:]},
			"IBAN of the wrong length":    {Kind: payment.Bank, Provider: "BANK9", IBAN: mkIBAN("JO", "CBJO001000000000013100030")},
			"IBAN too short":              {Kind: payment.Bank, Provider: "BANK9", IBAN: "JO12"},
			"IBAN with a bad character":   {Kind: payment.Bank, Provider: "BANK9", IBAN: "JO94CBJO00100000000001310003!"},
			"IBAN of no country":          {Kind: payment.Bank, Provider: "BANK9", IBAN: "ZZ94CBJO0010000000000131000302"},
			"unknown kind":                {Kind: "gold", Provider: "POST"},
			"unknown provider":            {Kind: payment.Cash, Provider: "NOPE"},
			"provider of another kind":    {Kind: payment.Bank, Provider: "ZAIN", IBAN: good},
		} {
			in.MemberID, in.HouseholdID, in.RecipientName = f.member, 9, "سعاد"
			_, err := f.s.ProposeInstrument(f.fo1, in)
			rendered(t, name, err)
		}
	})

	wallet := func(p walletcsv.WalletPayment) error {
		w, err := walletcsv.NewWalletWriter(io.Discard, "JOD")
		if err != nil {
			return err
		}
		return w.Write(p)
	}
	okW := walletcsv.WalletPayment{EndToEndID: "TDM-1", Amount: 45000, Provider: "ZAIN", MSISDN: "+962791234567", RecipientName: "سعاد"}
	for name, change := range map[string]func(*walletcsv.WalletPayment){
		"bad msisdn":      func(p *walletcsv.WalletPayment) { p.MSISDN = "0791234567" },
		"bad id":          func(p *walletcsv.WalletPayment) { p.EndToEndID = "TDM 1 ☺" },
		"no id":           func(p *walletcsv.WalletPayment) { p.EndToEndID = "" },
		"long id":         func(p *walletcsv.WalletPayment) { p.EndToEndID = strings.Repeat("A", 36) },
		"negative amount": func(p *walletcsv.WalletPayment) { p.Amount = -5000 },
		"no name":         func(p *walletcsv.WalletPayment) { p.RecipientName = " " },
		"no provider":     func(p *walletcsv.WalletPayment) { p.Provider = "" },
	} {
		p := okW
		change(&p)
		rendered(t, "wallet: "+name, wallet(p))
	}
	cash := func(p walletcsv.CashPayment) error {
		w, err := walletcsv.NewCashWriter(io.Discard, "JOD")
		if err != nil {
			return err
		}
		return w.Write(p)
	}
	okC := walletcsv.CashPayment{EndToEndID: "TDM-2", Amount: 45000, Agent: "POST", VoucherCode: "V-1", RecipientName: "سعاد"}
	for name, change := range map[string]func(*walletcsv.CashPayment){
		"bad voucher": func(p *walletcsv.CashPayment) { p.VoucherCode = "V 1 ☺" },
		"no voucher":  func(p *walletcsv.CashPayment) { p.VoucherCode = "" },
		"no agent":    func(p *walletcsv.CashPayment) { p.Agent = "" },
	} {
		p := okC
		change(&p)
		rendered(t, "cash: "+name, cash(p))
	}
	_, err := walletcsv.NewWalletWriter(io.Discard, "XXX")
	rendered(t, "unknown currency", err)

	head := "end_to_end_id,status,reason,paid_at\n"
	for name, file := range map[string]string{
		"empty":       "",
		"bad header":  "id,status,reason,paid_at\n",
		"malformed":   head + "TDM-1,\"ACSC\"x,,\n",
		"short row":   head + "TDM-1,ACSC\n",
		"bad status":  head + "TDM-1,DONE,,\n",
		"no reason":   head + "TDM-1,RJCT,,\n",
		"no paid_at":  head + "TDM-1,ACSC,,\n",
		"bad paid_at": head + "TDM-1,ACSC,,yesterday\n",
		"long reason": head + "TDM-1,RJCT," + strings.Repeat("x", 200) + ",\n",
	} {
		rendered(t, "status: "+name, walletcsv.ReadStatus(strings.NewReader(file), func(walletcsv.Status) error { return nil }))
	}
	for name, file := range map[string]string{
		"not XML":          "<Document",
		"not a pain.002":   `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"></Document>`,
		"no end-to-end id": `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt><OrgnlPmtInfAndSts><TxInfAndSts><TxSts>ACSC</TxSts></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`,
		"no status":        `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt><OrgnlPmtInfAndSts><TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`,
	} {
		_, err := iso20022.ReadStatus(strings.NewReader(file), func(iso20022.Status) error { return nil })
		rendered(t, "pain.002: "+name, err)
	}
}
