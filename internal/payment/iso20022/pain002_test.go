package iso20022

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestStatusRoundTrip(t *testing.T) {
	statuses := []Status{
		{OriginalEndToEndID: "TDM-000000000001", Status: "ACSC"},
		{OriginalEndToEndID: "TDM-000000000002", Status: "RJCT", Reason: "AC01", AdditionalInfo: "رقم الحساب غير صحيح & <مغلق>"},
		{OriginalEndToEndID: "TDM-000000000003", Status: "RJCT", Reason: "AM04"},
		{OriginalEndToEndID: "TDM-000000000004", Status: "ACCP"},
		{OriginalEndToEndID: "TDM-000000000005", Status: "RJCT", Reason: "NARR-BANK-17", AdditionalInfo: "proprietary reason"},
		{OriginalEndToEndID: "TDM-000000000006", Status: "PDNG"},
	}
	for _, v := range []Version{Pain002V03, Pain002V10} {
		t.Run(string(v), func(t *testing.T) {
			rep := Report{Version: v, MessageID: "BANK-RPT-77", Created: created, OriginalMessageID: "TDM-2026-03-0001",
				OriginalPmtInfID: "CYCLE-2026-03", GroupStatus: "PART"}
			var buf bytes.Buffer
			w, err := NewStatusWriter(&buf, rep)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range statuses {
				if err := w.Write(s); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var got []Status
			gotRep, err := ReadStatus(&buf, func(s Status) error { got = append(got, s); return nil })
			if err != nil {
				t.Fatalf("ReadStatus: %v", err)
			}
			if !reflect.DeepEqual(got, statuses) {
				t.Errorf("got %+v, want %+v", got, statuses)
			}
			rep.OriginalMessageName = map[Version]string{Pain002V03: "pain.001.001.03", Pain002V10: "pain.001.001.09"}[v]
			if !gotRep.Created.Equal(rep.Created) {
				t.Errorf("Created: got %v, want %v", gotRep.Created, rep.Created)
			}
			gotRep.Created = rep.Created
			if gotRep != rep {
				t.Errorf("got report %+v, want %+v", gotRep, rep)
			}
		})
	}
}

// A bank's pain.002.001.03 as banks send them: a namespace prefix, a status
// per payment information block only for some transactions, reasons in
// StsRsnInf with Orgtr, and an OrgnlTxRef block whose inner elements must
// not be taken for the transaction's.
const bankReport = `<?xml version="1.0" encoding="UTF-8"?>
<ns:Document xmlns:ns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
 <ns:CstmrPmtStsRpt>
  <ns:GrpHdr><ns:MsgId>RPT1</ns:MsgId><ns:CreDtTm>2026-03-03T10:00:00</ns:CreDtTm></ns:GrpHdr>
  <ns:OrgnlGrpInfAndSts><ns:OrgnlMsgId>TDM-1</ns:OrgnlMsgId><ns:OrgnlMsgNmId>pain.001.001.03</ns:OrgnlMsgNmId><ns:GrpSts>PART</ns:GrpSts></ns:OrgnlGrpInfAndSts>
  <ns:OrgnlPmtInfAndSts>
   <ns:OrgnlPmtInfId>P1</ns:OrgnlPmtInfId>
   <ns:PmtInfSts>ACSC</ns:PmtInfSts>
   <ns:TxInfAndSts>
    <ns:StsId>S1</ns:StsId>
    <ns:OrgnlEndToEndId> E2E-1 </ns:OrgnlEndToEndId>
   </ns:TxInfAndSts>
   <ns:TxInfAndSts>
    <ns:OrgnlEndToEndId>E2E-2</ns:OrgnlEndToEndId>
    <ns:TxSts>RJCT</ns:TxSts>
    <ns:StsRsnInf><ns:Orgtr><ns:Nm>Bank</ns:Nm></ns:Orgtr><ns:Rsn><ns:Cd>AC04</ns:Cd></ns:Rsn><ns:AddtlInf>Account</ns:AddtlInf><ns:AddtlInf>closed</ns:AddtlInf></ns:StsRsnInf>
    <ns:StsRsnInf><ns:Rsn><ns:Cd>AC06</ns:Cd></ns:Rsn></ns:StsRsnInf>
    <ns:OrgnlTxRef><ns:Amt><ns:InstdAmt Ccy="JOD">1.000</ns:InstdAmt></ns:Amt><ns:Cdtr><ns:Nm>x</ns:Nm></ns:Cdtr><ns:RmtInf><ns:Ustrd>TxSts</ns:Ustrd></ns:RmtInf></ns:OrgnlTxRef>
   </ns:TxInfAndSts>
  </ns:OrgnlPmtInfAndSts>
 </ns:CstmrPmtStsRpt>
</ns:Document>`

func TestReadStatusFromBank(t *testing.T) {
	var got []Status
	rep, err := ReadStatus(strings.NewReader(bankReport), func(s Status) error { got = append(got, s); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{
		{OriginalEndToEndID: "E2E-1", Status: "ACSC"},
		{OriginalEndToEndID: "E2E-2", Status: "RJCT", Reason: "AC04", AdditionalInfo: "Account closed"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if rep.Version != Pain002V03 || rep.MessageID != "RPT1" || rep.OriginalMessageID != "TDM-1" || rep.GroupStatus != "PART" || rep.Created.IsZero() {
		t.Errorf("got report %+v", rep)
	}
}

func TestReadStatusWholeFileRejected(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewStatusWriter(&buf, Report{MessageID: "R", Created: created, OriginalMessageID: "TDM-1", GroupStatus: "RJCT", GroupReason: "DU01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	n := 0
	rep, err := ReadStatus(&buf, func(Status) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 || rep.GroupStatus != "RJCT" || rep.GroupReason != "DU01" {
		t.Errorf("got %d statuses and group %s %s, want 0 and RJCT DU01", n, rep.GroupStatus, rep.GroupReason)
	}
}

func TestReadStatusRejects(t *testing.T) {
	head := `<?xml version="1.0"?>` + "\n" + `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>` + "\n"
	tests := []struct {
		name, doc, key string
		line           int
	}{
		{"empty input", "", "payment.pain002.malformed", 1},
		{"not XML", "end_to_end_id,status\nE1,ACSC\n", "payment.pain002.malformed", 1},
		{"truncated", head + "<OrgnlPmtInfAndSts><TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId>", "payment.pain002.malformed", 3},
		{"mismatched end tag", head + "\n<GrpHdr><MsgId>R</MsgID></GrpHdr>", "payment.pain002.malformed", 4},
		{"bad entity", head + "<GrpHdr><MsgId>R&nbsp;</MsgId></GrpHdr>", "payment.pain002.malformed", 3},
		{"a pain.001", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>`, "payment.pain002.not_pain002", 1},
		{"no namespace", `<Document><CstmrPmtStsRpt/></Document>`, "payment.pain002.not_pain002", 1},
		{"wrong message element", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><FIToFIPmtStsRpt/></Document>`, "payment.pain002.not_pain002", 1},
		{"transaction without end-to-end id", head + "<OrgnlPmtInfAndSts><TxInfAndSts>\n<TxSts>ACSC</TxSts></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>", "payment.pain002.no_end_to_end_id", 4},
		{"transaction without any status", head + "<OrgnlPmtInfAndSts><TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>", "payment.pain002.no_status", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadStatus(strings.NewReader(tc.doc), func(Status) error { return nil })
			e := wantErr(t, err, tc.key)
			if e.Args["line"] != tc.line {
				t.Errorf("line: got %v, want %d (%v)", e.Args["line"], tc.line, err)
			}
		})
	}
	t.Run("callback error stops reading", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		_, err := ReadStatus(strings.NewReader(bankReport), func(Status) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("got %v after %d statuses, want stop after 1", err, n)
		}
	})
}
