package iso20022

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
)

// The bank-to-customer messages a bank reports booked entries in:
// statements (camt.053) and debit/credit notifications (camt.054).
// ReadStatement accepts any camt.053.001.* and camt.054.001.* namespace
// (the elements it reads keep their names and places from version 02 to
// version 08 and later; only an entry's status became a choice, <Sts><Cd>);
// NewStatementWriter writes these four, which the tests check against
// the official schemas.
const (
	Camt053V02 Version = "camt.053.001.02"
	Camt053V08 Version = "camt.053.001.08"
	Camt054V02 Version = "camt.054.001.02"
	Camt054V08 Version = "camt.054.001.08"
)

// Entry is one transaction a statement or notification reports: one
// TxDtls of an entry (Ntry), or the entry itself when it has none.
// Number is the entry's place in the file (1 for the first Ntry, across
// statements), which errors name. Amount is the transaction's amount as
// the file writes it, in major units (TxDtls/Amt, else
// TxDtls/AmtDtls/TxAmt/Amt, else the entry's Amt when the entry has one
// transaction; "" when a transaction of a batch entry has none).
// Debit is the transaction's CdtDbtInd (the entry's when the transaction
// has none); Reversal the entry's RvslInd; Status the entry's status code
// (BOOK booked, PDNG pending, INFO information); Returned whether the
// transaction carries return information (RtrInf), whose first reason code
// (or proprietary reason) is Reason and whose additional information is
// AdditionalInfo.
type Entry struct {
	Number         int64
	Reference      string // NtryRef, else the entry's AcctSvcrRef
	EndToEndID     string
	Amount         string
	Currency       string
	Debit          bool
	Reversal       bool
	Status         string
	Returned       bool
	Reason         string
	AdditionalInfo string
	Booked         time.Time // BookgDt (Dt or DtTm); zero when absent

	// The transaction's parties and remittance information, read for
	// matching a credit to whoever sent it: the debtor's name
	// (RltdPties/Dbtr/Nm, or Dbtr/Pty/Nm from version 08) and account
	// (RltdPties/DbtrAcct/Id/IBAN), the creditor reference of structured
	// remittance information (RmtInf/Strd/CdtrRefInf/Ref) and the
	// unstructured lines (RmtInf/Ustrd, joined by a space).
	DebtorName    string
	DebtorIBAN    string
	RemittanceRef string
	Remittance    string
	// ServicerRef is the entry's AcctSvcrRef (the bank's own reference).
	ServicerRef string
	// Report is the statement or notification (Stmt, Ntfctn) the entry is
	// in.
	Report AccountReport
}

// AccountReport is one statement (Stmt) or notification (Ntfctn) of a message: its
// Id, electronic sequence number, period (FrToDt) and account (the IBAN, or
// the other identification). Every field may be empty.
type AccountReport struct {
	ID       string
	Sequence string
	From, To time.Time
	Account  string
}

// Statement is the group-level part of a camt.053 or camt.054 message;
// the reader fills Version from the document's namespace.
type Statement struct {
	Version   Version
	MessageID string
	Created   time.Time
	// First is the message's first report (the reader fills it; a message
	// usually holds one). The writer writes its Sequence, From and To when
	// set, and Id = MessageID.
	First AccountReport
}

// IsCamt reports whether v is a statement or a debit/credit notification.
func IsCamt(v Version) bool {
	return strings.HasPrefix(string(v), "camt.053.") || strings.HasPrefix(string(v), "camt.054.")
}

// camtRoots are the message element of each kind and its report element.
var camtRoots = map[string][2]string{"camt.053": {"BkToCstmrStmt", "Stmt"}, "camt.054": {"BkToCstmrDbtCdtNtfctn", "Ntfctn"}}

// ReadStatement decodes a camt.053 statement or camt.054 notification from
// r token by token, calling fn for every transaction of every entry in
// file order, and returns the group-level part. Memory holds at most two
// transactions at a time, whatever the size of the file or of an entry
// (the first transaction of an entry waits to learn whether it is the
// only one, which takes the entry's amount when it has none of its own);
// an entry of more than maxTx transactions is refused. An error returned by fn stops the reading and is returned as is.
// Malformed XML is an errs.Invalid payment.camt.malformed error with the
// line and column; a well-formed document that is neither message is
// payment.camt.not_camt.
func ReadStatement(r io.Reader, maxTx int, fn func(Entry) error) (Statement, error) {
	var (
		st      Statement
		d       = xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
		path    = make([]string, 0, 24)
		text    = make([]byte, 0, 256)
		roots   [2]string
		sawRoot bool
		n       int64  // entries so far
		ntry    Entry  // the entry being read: its own fields
		ntx     int    // its transactions so far
		pending *Entry // its first transaction, until a second comes or the entry ends
		first   Entry
		tx      Entry
		inNtry  bool
		inTx    bool
		txDebit string // the transaction's own CdtDbtInd
		svcRef  string
		rep     AccountReport // the report being read
		reports int
		ustrd   []string
	)
	fail := func(key string, kv ...any) (Statement, error) {
		line, col := d.InputPos()
		return st, errs.E(errs.Invalid, key, append([]any{"line", line, "col", col}, kv...)...)
	}
	at := func(names ...string) bool {
		if len(path) < len(names) {
			return false
		}
		for i, nm := range names {
			if path[len(path)-len(names)+i] != nm {
				return false
			}
		}
		return true
	}
	ccy := func(t xml.StartElement) string {
		for _, a := range t.Attr {
			if a.Name.Local == "Ccy" {
				return strings.TrimSpace(a.Value)
			}
		}
		return ""
	}
	for {
		var outLine, outCol int
		if len(path) == 0 {
			outLine, outCol = d.InputPos()
		}
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return fail("payment.camt.malformed", "problem", se.Msg)
			}
			return st, errs.Wrapf(err, "iso20022: read camt")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch len(path) {
			case 0:
				if sawRoot {
					return fail("payment.camt.malformed", "problem", "more than one root element")
				}
				sawRoot = true
				v, ok := strings.CutPrefix(t.Name.Space, nsPrefix)
				kind, _, _ := strings.Cut(v+".", ".")
				kind2, _, _ := strings.Cut(strings.TrimPrefix(v, kind+"."), ".")
				rs, known := camtRoots[kind+"."+kind2]
				if t.Name.Local != "Document" || !ok || !known || !strings.HasPrefix(v, kind+"."+kind2+".001.") {
					return fail("payment.camt.not_camt", "found", "<"+t.Name.Local+"> "+t.Name.Space, "statement", "camt.053", "notification", "camt.054")
				}
				st.Version, roots = Version(v), rs
			case 1:
				if t.Name.Local != roots[0] {
					return fail("payment.camt.not_camt", "found", "<"+t.Name.Local+">", "statement", "camt.053", "notification", "camt.054")
				}
			}
			path = append(path, t.Name.Local)
			text = text[:0]
			switch {
			case len(path) == 3 && t.Name.Local == roots[1]:
				rep = AccountReport{}
			case len(path) == 4 && t.Name.Local == "Ntry" && path[2] == roots[1]:
				n++
				ntry, ntx, pending, inNtry, svcRef = Entry{Number: n, Report: rep}, 0, nil, true, ""
			case inNtry && !inTx && at("Ntry", "NtryDtls", "TxDtls"):
				if ntx >= maxTx {
					return fail("payment.camt.too_many_tx", "entry", n, "max", maxTx)
				}
				tx, inTx, txDebit, ustrd = Entry{}, true, "", ustrd[:0]
			case inNtry && !inTx && at("Ntry", "Amt"):
				ntry.Currency = ccy(t)
			case inTx && (at("TxDtls", "Amt") || (tx.Amount == "" && at("TxDtls", "AmtDtls", "TxAmt", "Amt"))):
				tx.Currency = ccy(t)
			case inTx && at("TxDtls", "RtrInf"):
				tx.Returned = true
			}
		case xml.CharData:
			if len(path) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return st, errs.E(errs.Invalid, "payment.camt.malformed", "line", outLine, "col", outCol, "problem", "text outside the root element")
			}
			if len(text)+len(t) <= 4096 {
				text = append(text, t...)
			}
		case xml.EndElement:
			switch {
			case inTx && at("Ntry", "NtryDtls", "TxDtls"):
				inTx = false
				tx.Remittance = strings.Join(ustrd, " ")
				if txDebit != "" {
					tx.Debit = txDebit == "DBIT"
				} else {
					tx.Debit = ntry.Debit
				}
				ntx++
				if ntx == 1 {
					first, pending = tx, &first
					break
				}
				if pending != nil {
					if err := fn(ntry.with(*pending)); err != nil {
						return st, err
					}
					pending = nil
				}
				if err := fn(ntry.with(tx)); err != nil {
					return st, err
				}
			case inTx && at("TxDtls", "Refs", "EndToEndId"):
				tx.EndToEndID = trimmed(text)
			case inTx && at("TxDtls", "Amt"):
				tx.Amount = trimmed(text)
			case inTx && at("TxDtls", "AmtDtls", "TxAmt", "Amt"):
				if tx.Amount == "" {
					tx.Amount = trimmed(text)
				}
			case inTx && at("TxDtls", "CdtDbtInd"):
				txDebit = trimmed(text)
			case inTx && tx.Reason == "" && (at("TxDtls", "RtrInf", "Rsn", "Cd") || at("TxDtls", "RtrInf", "Rsn", "Prtry")):
				tx.Reason = trimmed(text)
			case inTx && (at("TxDtls", "RltdPties", "Dbtr", "Nm") || at("TxDtls", "RltdPties", "Dbtr", "Pty", "Nm")):
				tx.DebtorName = trimmed(text)
			case inTx && at("TxDtls", "RltdPties", "DbtrAcct", "Id", "IBAN"):
				tx.DebtorIBAN = trimmed(text)
			case inTx && at("TxDtls", "RmtInf", "Ustrd"):
				if u := trimmed(text); u != "" {
					ustrd = append(ustrd, u)
				}
			case inTx && tx.RemittanceRef == "" && at("TxDtls", "RmtInf", "Strd", "CdtrRefInf", "Ref"):
				tx.RemittanceRef = trimmed(text)
			case inTx && at("TxDtls", "RtrInf", "AddtlInf"):
				if tx.AdditionalInfo != "" {
					tx.AdditionalInfo += " "
				}
				tx.AdditionalInfo += trimmed(text)
			case inTx:
			case inNtry && len(path) == 4 && at("Ntry"):
				inNtry = false
				if ntry.Reference == "" {
					ntry.Reference = svcRef
				}
				if ntx == 0 {
					first, pending = Entry{Debit: ntry.Debit}, &first
				}
				if pending != nil {
					e := ntry.with(*pending)
					if e.Amount == "" {
						e.Amount, e.Currency = ntry.Amount, ntry.Currency
					}
					if err := fn(e); err != nil {
						return st, err
					}
				}
			case inNtry && at("Ntry", "Amt"):
				ntry.Amount = trimmed(text)
			case inNtry && at("Ntry", "CdtDbtInd"):
				ntry.Debit = trimmed(text) == "DBIT"
			case inNtry && at("Ntry", "RvslInd"):
				ntry.Reversal = trimmed(text) == "true" || trimmed(text) == "1"
			case inNtry && (at("Ntry", "Sts") && ntry.Status == "" || at("Ntry", "Sts", "Cd") || at("Ntry", "Sts", "Prtry")):
				if s := trimmed(text); s != "" {
					ntry.Status = s
				}
			case inNtry && at("Ntry", "NtryRef"):
				ntry.Reference = trimmed(text)
			case inNtry && at("Ntry", "AcctSvcrRef"):
				svcRef = trimmed(text)
				ntry.ServicerRef = svcRef
			case inNtry && at("Ntry", "BookgDt", "Dt"):
				if tm, err := time.Parse(time.DateOnly, trimmed(text)); err == nil {
					ntry.Booked = tm
				}
			case inNtry && at("Ntry", "BookgDt", "DtTm"):
				ntry.Booked = parseDateTime(trimmed(text))
			case len(path) == 3 && at(roots[0], roots[1]):
				if reports == 0 {
					st.First = rep
				}
				reports++
			case len(path) == 4 && at(roots[1], "Id"):
				rep.ID = trimmed(text)
			case len(path) == 4 && at(roots[1], "ElctrncSeqNb"):
				rep.Sequence = trimmed(text)
			case len(path) == 5 && at(roots[1], "FrToDt", "FrDtTm"):
				rep.From = parseDateTime(trimmed(text))
			case len(path) == 5 && at(roots[1], "FrToDt", "ToDtTm"):
				rep.To = parseDateTime(trimmed(text))
			case len(path) == 6 && at(roots[1], "Acct", "Id", "IBAN"):
				rep.Account = trimmed(text)
			case len(path) == 7 && at(roots[1], "Acct", "Id", "Othr", "Id"):
				if rep.Account == "" {
					rep.Account = trimmed(text)
				}
			case len(path) == 4 && at(roots[0], "GrpHdr", "MsgId"):
				st.MessageID = trimmed(text)
			case len(path) == 4 && at(roots[0], "GrpHdr", "CreDtTm"):
				st.Created = parseDateTime(trimmed(text))
			}
			path = path[:len(path)-1]
			text = text[:0]
		}
	}
	if !sawRoot {
		return fail("payment.camt.malformed", "problem", "no root element")
	}
	return st, nil
}

// with returns the entry e with the transaction's own fields.
func (e Entry) with(x Entry) Entry {
	e.EndToEndID, e.Debit, e.Returned, e.Reason, e.AdditionalInfo = x.EndToEndID, x.Debit, x.Returned, x.Reason, x.AdditionalInfo
	e.Amount, e.Currency = x.Amount, x.Currency
	e.DebtorName, e.DebtorIBAN, e.RemittanceRef, e.Remittance = x.DebtorName, x.DebtorIBAN, x.RemittanceRef, x.Remittance
	return e
}

// parseDateTime reads an ISODateTime with or without its offset; zero when
// it is neither.
func parseDateTime(s string) time.Time {
	if tm, err := time.Parse(time.RFC3339, s); err == nil {
		return tm
	}
	if tm, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return tm
	}
	return time.Time{}
}

// StatementWriter streams a camt.053 statement or camt.054 notification of
// one account; tests and the demo use it to play a bank. Create it with
// NewStatementWriter. It is not safe for concurrent use.
type StatementWriter struct {
	bw       *bufio.Writer
	st       Statement
	ccy      string
	n        int
	closed   bool
	v08, stm bool
}

// NewStatementWriter validates st and writes the group header and the
// account of the report to w. iban is the account's IBAN, ccy its
// currency.
func NewStatementWriter(w io.Writer, st Statement, iban, ccy string) (*StatementWriter, error) {
	switch st.Version {
	case Camt053V02, Camt053V08, Camt054V02, Camt054V08:
	default:
		return nil, errs.E(errs.Invalid, "payment.camt.bad_version", "version", string(st.Version),
			"supported", strings.Join([]string{string(Camt053V02), string(Camt053V08), string(Camt054V02), string(Camt054V08)}, ", "))
	}
	if err := checkID("MsgId", st.MessageID); err != nil {
		return nil, err
	}
	if st.Created.IsZero() {
		return nil, errs.E(errs.Invalid, "payment.pain001.missing", "field", "CreDtTm")
	}
	s := &StatementWriter{bw: bufio.NewWriterSize(w, 64<<10), st: st, ccy: ccy,
		v08: strings.HasSuffix(string(st.Version), ".08"), stm: strings.HasPrefix(string(st.Version), "camt.053")}
	rs := camtRoots[string(st.Version)[:8]]
	b := s.bw
	created := st.Created.Truncate(time.Second).Format(time.RFC3339)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<Document xmlns="` + nsPrefix + string(st.Version) + `">` + "\n<" + rs[0] + ">\n<GrpHdr><MsgId>")
	b.WriteString(st.MessageID)
	b.WriteString("</MsgId><CreDtTm>" + created + "</CreDtTm></GrpHdr>\n<" + rs[1] + "><Id>")
	b.WriteString(st.MessageID)
	b.WriteString("</Id>")
	if st.First.Sequence != "" {
		b.WriteString("<ElctrncSeqNb>")
		writeText(b, st.First.Sequence, 18)
		b.WriteString("</ElctrncSeqNb>")
	}
	b.WriteString("<CreDtTm>" + created + "</CreDtTm>")
	if !st.First.From.IsZero() && !st.First.To.IsZero() {
		b.WriteString("<FrToDt><FrDtTm>" + st.First.From.Truncate(time.Second).Format(time.RFC3339) + "</FrDtTm><ToDtTm>" +
			st.First.To.Truncate(time.Second).Format(time.RFC3339) + "</ToDtTm></FrToDt>")
	}
	b.WriteString("<Acct><Id><IBAN>")
	writeText(b, iban, 34)
	b.WriteString("</IBAN></Id><Ccy>")
	writeText(b, ccy, 3)
	b.WriteString("</Ccy></Acct>\n")
	if s.stm {
		// A statement has at least one balance (mandatory in version 02).
		s.balance("OPBD")
	}
	return s, nil
}

func (s *StatementWriter) balance(code string) {
	b := s.bw
	b.WriteString("<Bal><Tp><CdOrPrtry><Cd>" + code + "</Cd></CdOrPrtry></Tp><Amt Ccy=\"")
	writeText(b, s.ccy, 3)
	b.WriteString("\">0</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>" + s.st.Created.Format(time.DateOnly) + "</Dt></Dt></Bal>\n")
}

// Write streams one entry with one transaction. e.Amount is written as
// given (major units); e.Status defaults to BOOK; a debit is a payment out,
// a credit with Returned its return.
func (s *StatementWriter) Write(e Entry) error {
	if s.closed {
		return errs.E(errs.Invalid, "payment.iso20022.closed")
	}
	if e.Status == "" {
		e.Status = "BOOK"
	}
	ind := "CRDT"
	if e.Debit {
		ind = "DBIT"
	}
	ccy := e.Currency
	if ccy == "" {
		ccy = s.ccy
	}
	b := s.bw
	b.WriteString("<Ntry>")
	if e.Reference != "" {
		b.WriteString("<NtryRef>")
		writeText(b, e.Reference, max35)
		b.WriteString("</NtryRef>")
	}
	b.WriteString(`<Amt Ccy="`)
	writeText(b, ccy, 3)
	b.WriteString(`">`)
	writeText(b, e.Amount, 20)
	b.WriteString("</Amt><CdtDbtInd>" + ind + "</CdtDbtInd>")
	if e.Reversal {
		b.WriteString("<RvslInd>true</RvslInd>")
	}
	if s.v08 {
		b.WriteString("<Sts><Cd>")
		writeText(b, e.Status, 4)
		b.WriteString("</Cd></Sts>")
	} else {
		b.WriteString("<Sts>")
		writeText(b, e.Status, 4)
		b.WriteString("</Sts>")
	}
	if !e.Booked.IsZero() {
		b.WriteString("<BookgDt><Dt>" + e.Booked.Format(time.DateOnly) + "</Dt></BookgDt>")
	}
	family := "ESCT"
	if e.Returned {
		family = "RRTN"
	}
	b.WriteString("<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>" + family + "</SubFmlyCd></Fmly></Domn></BkTxCd>")
	parties := e.DebtorName != "" || e.DebtorIBAN != ""
	if e.EndToEndID != "" || e.Returned || parties || e.Remittance != "" || e.RemittanceRef != "" {
		b.WriteString("<NtryDtls><TxDtls>")
		if e.EndToEndID != "" {
			b.WriteString("<Refs><EndToEndId>")
			writeText(b, e.EndToEndID, max35)
			b.WriteString("</EndToEndId></Refs>")
		}
		if s.v08 {
			b.WriteString(`<Amt Ccy="`)
			writeText(b, ccy, 3)
			b.WriteString(`">`)
			writeText(b, e.Amount, 20)
			b.WriteString("</Amt><CdtDbtInd>" + ind + "</CdtDbtInd>")
		} else {
			b.WriteString(`<AmtDtls><TxAmt><Amt Ccy="`)
			writeText(b, ccy, 3)
			b.WriteString(`">`)
			writeText(b, e.Amount, 20)
			b.WriteString("</Amt></TxAmt></AmtDtls>")
		}
		if parties {
			b.WriteString("<RltdPties>")
			if e.DebtorName != "" {
				if s.v08 {
					b.WriteString("<Dbtr><Pty><Nm>")
					writeText(b, e.DebtorName, 140)
					b.WriteString("</Nm></Pty></Dbtr>")
				} else {
					b.WriteString("<Dbtr><Nm>")
					writeText(b, e.DebtorName, 140)
					b.WriteString("</Nm></Dbtr>")
				}
			}
			if e.DebtorIBAN != "" {
				b.WriteString("<DbtrAcct><Id><IBAN>")
				writeText(b, e.DebtorIBAN, 34)
				b.WriteString("</IBAN></Id></DbtrAcct>")
			}
			b.WriteString("</RltdPties>")
		}
		if e.Remittance != "" || e.RemittanceRef != "" {
			b.WriteString("<RmtInf>")
			if e.Remittance != "" {
				b.WriteString("<Ustrd>")
				writeText(b, e.Remittance, 140)
				b.WriteString("</Ustrd>")
			}
			if e.RemittanceRef != "" {
				b.WriteString("<Strd><CdtrRefInf><Ref>")
				writeText(b, e.RemittanceRef, max35)
				b.WriteString("</Ref></CdtrRefInf></Strd>")
			}
			b.WriteString("</RmtInf>")
		}
		if e.Returned {
			b.WriteString("<RtrInf>")
			if e.Reason != "" {
				tag := "Cd"
				if textLen(e.Reason) > 4 {
					tag = "Prtry"
				}
				b.WriteString("<Rsn><" + tag + ">")
				writeText(b, e.Reason, max35)
				b.WriteString("</" + tag + "></Rsn>")
			}
			if e.AdditionalInfo != "" {
				b.WriteString("<AddtlInf>")
				writeText(b, e.AdditionalInfo, 105)
				b.WriteString("</AddtlInf>")
			}
			b.WriteString("</RtrInf>")
		}
		b.WriteString("</TxDtls></NtryDtls>")
	}
	b.WriteString("</Ntry>\n")
	s.n++
	return nil
}

// Close ends the document and flushes it.
func (s *StatementWriter) Close() error {
	if s.closed {
		return errs.E(errs.Invalid, "payment.iso20022.closed")
	}
	s.closed = true
	rs := camtRoots[string(s.st.Version)[:8]]
	s.bw.WriteString("</" + rs[1] + ">\n</" + rs[0] + ">\n</Document>\n")
	if err := s.bw.Flush(); err != nil {
		return errs.Wrapf(err, "iso20022: write %s %s", s.st.Version, s.st.MessageID)
	}
	return nil
}
