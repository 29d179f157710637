package iso20022

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

var camtVersions = []Version{Camt053V02, Camt053V08, Camt054V02, Camt054V08}

// sampleEntries are a bank's entries of one day: two payments of ours
// booked, a return with its reason, a reversal, a pending entry and a
// foreign credit without references.
func sampleEntries() []Entry {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	return []Entry{
		{Reference: "N1", EndToEndID: "TDM-000000000001-1", Amount: "150.000", Currency: "JOD", Debit: true, Status: "BOOK", Booked: day},
		{Reference: "N2", EndToEndID: "TDM-000000000002-1", Amount: "75.500", Currency: "JOD", Debit: true, Status: "BOOK", Booked: day},
		{Reference: "N3", EndToEndID: "TDM-000000000003-1", Amount: "80.000", Currency: "JOD", Status: "BOOK", Returned: true, Reason: "AC04", AdditionalInfo: "الحساب مغلق & <closed>", Booked: day},
		{Reference: "N4", EndToEndID: "TDM-000000000004-1", Amount: "10.000", Currency: "JOD", Reversal: true, Status: "BOOK", Booked: day},
		{Reference: "N5", EndToEndID: "TDM-000000000005-1", Amount: "20.000", Currency: "JOD", Debit: true, Status: "PDNG"},
		{Reference: "N6", Amount: "1000.000", Currency: "JOD", Status: "BOOK", Booked: day},
	}
}

func writeCamt(t testing.TB, v Version, entries []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewStatementWriter(&buf, Statement{Version: v, MessageID: "STMT-2026-03-02", Created: created}, "JO94CBJO0010000000000131000302", "JOD")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStatementEachVersionValidatesAndReadsBack(t *testing.T) {
	for _, v := range camtVersions {
		t.Run(string(v), func(t *testing.T) {
			want := sampleEntries()
			data := writeCamt(t, v, want)
			file := filepath.Join(t.TempDir(), string(v)+".xml")
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			mustValidateXML(t, file, v)
			var got []Entry
			st, err := ReadStatement(bytes.NewReader(data), 100, func(e Entry) error { got = append(got, e); return nil })
			if err != nil {
				t.Fatalf("ReadStatement: %v", err)
			}
			if st.Version != v || st.MessageID != "STMT-2026-03-02" || !st.Created.Equal(created.Truncate(time.Second)) {
				t.Errorf("statement = %+v", st)
			}
			// Every entry names its report: the writer's Id (the message
			// id) and account.
			rep := AccountReport{ID: "STMT-2026-03-02", Account: "JO94CBJO0010000000000131000302"}
			if st.First != rep {
				t.Errorf("first report = %+v, want %+v", st.First, rep)
			}
			for i := range want {
				want[i].Number = int64(i + 1)
				want[i].Report = rep
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("entries differ:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// A batch entry books several payments of ours as one amount: each
// transaction brings its own EndToEndId and amount, and the entry's
// number is the same for all of them.
func TestStatementBatchEntrySplitsIntoTransactions(t *testing.T) {
	const doc = `<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>N-1</MsgId><CreDtTm>2026-03-02T10:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N-1</Id><Acct><Id><IBAN>JO94CBJO0010000000000131000302</IBAN></Id></Acct>
<Ntry><Amt Ccy="JOD">30.000</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BkTxCd/>
<NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
<TxDtls><Refs><EndToEndId>TDM-1</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="JOD">10.000</Amt></TxAmt></AmtDtls></TxDtls>
<TxDtls><Refs><EndToEndId>TDM-2</EndToEndId></Refs><Amt Ccy="JOD">20.000</Amt></TxDtls>
</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`
	var got []Entry
	if _, err := ReadStatement(strings.NewReader(doc), 10, func(e Entry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].EndToEndID != "TDM-1" || got[0].Amount != "10.000" || got[1].Amount != "20.000" ||
		got[0].Number != 1 || got[1].Number != 1 || !got[1].Debit || got[1].Status != "BOOK" {
		t.Fatalf("got %+v", got)
	}
	if _, err := ReadStatement(strings.NewReader(doc), 1, func(Entry) error { return nil }); err == nil {
		t.Fatal("an entry with more transactions than allowed was read")
	} else {
		wantErr(t, err, "payment.camt.too_many_tx")
	}
}

func TestStatementRefusesOtherDocuments(t *testing.T) {
	for name, doc := range map[string]string{
		"pain.002":  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt/></Document>`,
		"camt.052":  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"><BkToCstmrAcctRpt/></Document>`,
		"wrong msg": `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrDbtCdtNtfctn/></Document>`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadStatement(strings.NewReader(doc), 10, func(Entry) error { return nil })
			wantErr(t, err, "payment.camt.not_camt")
		})
	}
	_, err := ReadStatement(strings.NewReader(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>`), 10, func(Entry) error { return nil })
	wantErr(t, err, "payment.camt.malformed")
}

// TestStatementStreams reads a statement of 100,000 entries (about 35 MB) from a pipe,
// as it is written, and checks that the heap stays small: the reader never
// holds the file.
func TestStatementStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	const n = 100_000
	pr, pw := io.Pipe()
	go func() {
		w, err := NewStatementWriter(pw, Statement{Version: Camt053V08, MessageID: "BIG", Created: created}, "JO94CBJO0010000000000131000302", "JOD")
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		for i := range n {
			if err := w.Write(Entry{EndToEndID: fmt.Sprintf("TDM-%012d-1", i), Amount: "45.000", Currency: "JOD", Debit: true, Reference: fmt.Sprintf("N%d", i)}); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(w.Close())
	}()
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	var got int
	_, err := ReadStatement(pr, 10, func(e Entry) error {
		if got++; got%20_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("read %d entries, want %d", got, n)
	}
	// The heap stays a small fraction of it.
	if peak > 32<<20 {
		t.Errorf("heap in use reached %d MB reading the statement", peak>>20)
	}
	t.Logf("%d entries, peak heap in use %d MB", n, peak>>20)
}
