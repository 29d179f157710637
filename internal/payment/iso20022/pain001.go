package iso20022

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment/iban"
)

// Version names an ISO 20022 message version, which is also the last part of
// its XML namespace.
type Version string

// The pain.001 versions a Writer can produce. Banks choose one; the
// provider's settings say which.
const (
	Pain001V03 Version = "pain.001.001.03"
	Pain001V09 Version = "pain.001.001.09"
)

// maxAmount bounds amounts and the control sum: ISO 20022 amounts have at
// most 18 digits in all.
const maxAmount = 999_999_999_999_999_999

// Party is a person or organisation in a payment file. Name is written as
// given (Arabic is fine) and cut at 140 characters; IBAN is validated with
// package iban; BIC is optional and checked against the version's pattern; ID
// is an optional identifier (an organisation's registration number for the
// initiator and the debtor, a national id for a creditor) of at most 35
// characters.
type Party struct {
	Name string
	IBAN string
	BIC  string
	ID   string
}

// Header describes a whole pain.001 file. The group header comes first in
// the file, so NbOfTxs and CtrlSum (in minor units) must be known before the
// first payment: the caller computes them, and Close checks them against what
// was written.
type Header struct {
	Version       Version
	MsgID         string // unique per file, at most 35 characters
	Created       time.Time
	NbOfTxs       int
	CtrlSum       int64 // minor units
	Currency      string
	Exponent      int // the currency's ISO 4217 exponent: 2 for EGP, 3 for JOD
	Initiator     Party
	Debtor        Party // the paying program's account: IBAN required, BIC optional
	PmtInfID      string
	ExecutionDate time.Time // the requested execution date; only the date counts
	// ChargeBearer is DEBT, SHAR, SLEV or CRED; empty means DEBT, so that
	// transfer charges are not deducted from what a household receives.
	ChargeBearer string
	// Latin restricts every name, identifier and remittance text to the
	// ISO 20022 Latin character set (a–z A–Z 0–9 / - ? : ( ) . , ' + and
	// space), which SWIFT and many banks' upload channels require: Arabic
	// is romanized (arabic.Romanize), accents folded, anything else
	// dropped. False writes UTF-8 as given.
	Latin bool
	// UTF8Remittance keeps the remittance text as given even when Latin
	// is set, for banks that accept UTF-8 there (the Arabic name travels in
	// it).
	UTF8Remittance bool
}

// Payment is one credit transfer. EndToEndID travels unchanged to the
// bank's status report and is how a status finds its payment: the caller
// keeps it unique forever. Amount is in minor units and must be positive.
// Creditor needs a name and an IBAN.
type Payment struct {
	EndToEndID string
	Amount     int64
	Creditor   Party
	Remittance string // unstructured remittance text, cut at 140 characters
}

// Writer streams a pain.001 document. Create it with NewWriter, call Write
// once per payment and Close at the end. A Writer is not safe for concurrent
// use.
type Writer struct {
	bw     *bufio.Writer
	h      Header
	n      int
	sum    int64
	closed bool
}

// NewWriter validates h and writes the document start and the group header
// to w at once. Errors are errs.Invalid naming the problem.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	if err := checkHeader(&h); err != nil {
		return nil, err
	}
	x := &Writer{bw: bufio.NewWriterSize(w, 64<<10), h: h}
	x.writeHeader()
	return x, nil
}

func checkHeader(h *Header) error {
	if h.Version != Pain001V03 && h.Version != Pain001V09 {
		return errs.E(errs.Invalid, "payment.pain001.bad_version", "version", string(h.Version))
	}
	if err := checkID("MsgId", h.MsgID); err != nil {
		return err
	}
	if err := checkID("PmtInfId", h.PmtInfID); err != nil {
		return err
	}
	if h.Created.IsZero() {
		return errs.E(errs.Invalid, "payment.pain001.missing", "field", "CreDtTm")
	}
	if h.ExecutionDate.IsZero() {
		return errs.E(errs.Invalid, "payment.pain001.missing", "field", "ReqdExctnDt")
	}
	if h.NbOfTxs < 1 {
		return errs.E(errs.Invalid, "payment.pain001.no_payments")
	}
	if h.CtrlSum <= 0 || h.CtrlSum > maxAmount {
		return errs.E(errs.Invalid, "payment.pain001.bad_ctrl_sum", "sum", h.CtrlSum)
	}
	cur := strings.ToUpper(strings.TrimSpace(h.Currency))
	if len(cur) != 3 || !isUpperASCII(cur) {
		return errs.E(errs.Invalid, "payment.pain001.bad_currency", "currency", h.Currency)
	}
	h.Currency = cur
	if c, ok := money.Lookup(cur); ok && c.Exponent != h.Exponent {
		return errs.E(errs.Invalid, "payment.pain001.bad_exponent", "currency", cur, "got", h.Exponent, "want", c.Exponent)
	}
	if h.Exponent < 0 || h.Exponent > 5 {
		return errs.E(errs.Invalid, "payment.pain001.bad_exponent", "currency", cur, "got", h.Exponent, "want", "0–5")
	}
	switch h.ChargeBearer {
	case "":
		h.ChargeBearer = "DEBT"
	case "DEBT", "SHAR", "SLEV", "CRED":
	default:
		return errs.E(errs.Invalid, "payment.pain001.bad_charge_bearer", "value", h.ChargeBearer)
	}
	var err error
	if h.Debtor.IBAN, err = checkIBAN("Debtor", "", h.Debtor.IBAN); err != nil {
		return err
	}
	for _, p := range []*Party{&h.Initiator, &h.Debtor} {
		if p.BIC, err = checkBIC(h.Version, p.BIC, ""); err != nil {
			return err
		}
		if p.ID != "" && textLen(p.ID) > max35 {
			return errs.E(errs.Invalid, "payment.iso20022.id_too_long", "field", "Id", "id", p.ID, "got", textLen(p.ID), "max", max35)
		}
	}
	return nil
}

// Write validates p and streams its CdtTrfTxInf. An invalid payment is not
// written and the Writer stays usable; an error from the underlying writer
// is returned by Close.
func (x *Writer) Write(p Payment) error {
	if x.closed {
		return errs.E(errs.Invalid, "payment.iso20022.closed")
	}
	if err := checkID("EndToEndId", p.EndToEndID); err != nil {
		return err
	}
	if p.Amount <= 0 || p.Amount > maxAmount {
		return errs.E(errs.Invalid, "payment.pain001.bad_amount", "end_to_end_id", p.EndToEndID, "amount", money.Format(p.Amount, x.h.Exponent))
	}
	if x.sum > maxAmount-p.Amount {
		return errs.E(errs.Invalid, "payment.pain001.sum_too_large", "end_to_end_id", p.EndToEndID)
	}
	acct, err := checkIBAN("Creditor", p.EndToEndID, p.Creditor.IBAN)
	if err != nil {
		return err
	}
	bic, err := checkBIC(x.h.Version, p.Creditor.BIC, p.EndToEndID)
	if err != nil {
		return err
	}
	if textLen(x.text(p.Creditor.Name)) == 0 {
		return errs.E(errs.Invalid, "payment.pain001.creditor_name_missing", "end_to_end_id", p.EndToEndID)
	}
	if p.Creditor.ID != "" && textLen(p.Creditor.ID) > max35 {
		return errs.E(errs.Invalid, "payment.iso20022.id_too_long", "field", "Cdtr/Id", "id", p.EndToEndID, "got", textLen(p.Creditor.ID), "max", max35)
	}

	b := x.bw
	b.WriteString("<CdtTrfTxInf><PmtId><EndToEndId>")
	b.WriteString(p.EndToEndID)
	b.WriteString("</EndToEndId></PmtId><Amt><InstdAmt Ccy=\"")
	b.WriteString(x.h.Currency)
	b.WriteString("\">")
	b.WriteString(money.Format(p.Amount, x.h.Exponent))
	b.WriteString("</InstdAmt></Amt>")
	if bic != "" {
		b.WriteString("<CdtrAgt>")
		x.writeFinInstnID(bic)
		b.WriteString("</CdtrAgt>")
	}
	b.WriteString("<Cdtr><Nm>")
	writeText(b, x.text(p.Creditor.Name), max140)
	b.WriteString("</Nm>")
	if textLen(p.Creditor.ID) > 0 {
		b.WriteString("<Id><PrvtId><Othr><Id>")
		writeText(b, x.text(p.Creditor.ID), max35)
		b.WriteString("</Id></Othr></PrvtId></Id>")
	}
	b.WriteString("</Cdtr><CdtrAcct><Id><IBAN>")
	b.WriteString(acct)
	b.WriteString("</IBAN></Id></CdtrAcct>")
	rmt := p.Remittance
	if !x.h.UTF8Remittance {
		rmt = x.text(rmt)
	}
	if textLen(rmt) > 0 {
		b.WriteString("<RmtInf><Ustrd>")
		writeText(b, rmt, max140)
		b.WriteString("</Ustrd></RmtInf>")
	}
	b.WriteString("</CdtTrfTxInf>\n")
	x.n++
	x.sum += p.Amount
	return nil
}

// Count returns the number of payments written so far.
func (x *Writer) Count() int { return x.n }

// Sum returns the total in minor units of the payments written so far.
func (x *Writer) Sum() int64 { return x.sum }

// Close ends the document and flushes it. When the number or the total of
// the payments written differ from the header's NbOfTxs and CtrlSum, the
// file is not valid and must not be sent to the bank: Close then returns an
// errs.Invalid error payment.pain001.totals_mismatch saying so.
func (x *Writer) Close() error {
	if x.closed {
		return errs.E(errs.Invalid, "payment.iso20022.closed")
	}
	x.closed = true
	x.bw.WriteString("</PmtInf></CstmrCdtTrfInitn></Document>\n")
	if err := x.bw.Flush(); err != nil {
		return errs.Wrapf(err, "iso20022: write pain.001 %s", x.h.MsgID)
	}
	if x.n != x.h.NbOfTxs || x.sum != x.h.CtrlSum {
		return errs.E(errs.Invalid, "payment.pain001.totals_mismatch",
			"header_count", x.h.NbOfTxs, "count", x.n,
			"header_sum", money.Format(x.h.CtrlSum, x.h.Exponent), "sum", money.Format(x.sum, x.h.Exponent))
	}
	return nil
}

func (x *Writer) writeHeader() {
	h, b := &x.h, x.bw
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:`)
	b.WriteString(string(h.Version))
	b.WriteString(`" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + "\n<CstmrCdtTrfInitn>\n<GrpHdr><MsgId>")
	b.WriteString(h.MsgID)
	b.WriteString("</MsgId><CreDtTm>")
	b.WriteString(h.Created.Truncate(time.Second).Format(time.RFC3339))
	b.WriteString("</CreDtTm>")
	x.writeTotals()
	b.WriteString("<InitgPty>")
	x.writeParty(&h.Initiator, "OrgId")
	b.WriteString("</InitgPty></GrpHdr>\n<PmtInf><PmtInfId>")
	b.WriteString(h.PmtInfID)
	b.WriteString("</PmtInfId><PmtMtd>TRF</PmtMtd>")
	x.writeTotals()
	b.WriteString("<ReqdExctnDt>")
	date := h.ExecutionDate.Format(time.DateOnly)
	if h.Version == Pain001V09 {
		b.WriteString("<Dt>" + date + "</Dt>")
	} else {
		b.WriteString(date)
	}
	b.WriteString("</ReqdExctnDt><Dbtr>")
	x.writeParty(&h.Debtor, "OrgId")
	b.WriteString("</Dbtr><DbtrAcct><Id><IBAN>")
	b.WriteString(h.Debtor.IBAN)
	b.WriteString("</IBAN></Id><Ccy>")
	b.WriteString(h.Currency)
	b.WriteString("</Ccy></DbtrAcct><DbtrAgt>")
	x.writeFinInstnID(h.Debtor.BIC)
	b.WriteString("</DbtrAgt><ChrgBr>")
	b.WriteString(h.ChargeBearer)
	b.WriteString("</ChrgBr>\n")
}

func (x *Writer) writeTotals() {
	b := x.bw
	b.WriteString("<NbOfTxs>")
	b.WriteString(strconv.Itoa(x.h.NbOfTxs))
	b.WriteString("</NbOfTxs><CtrlSum>")
	b.WriteString(money.Format(x.h.CtrlSum, x.h.Exponent))
	b.WriteString("</CtrlSum>")
}

// writeParty writes a PartyIdentification's content; kind is OrgId or PrvtId.
func (x *Writer) writeParty(p *Party, kind string) {
	b := x.bw
	if name := x.text(p.Name); textLen(name) > 0 {
		b.WriteString("<Nm>")
		writeText(b, name, max140)
		b.WriteString("</Nm>")
	}
	if id := x.text(p.ID); textLen(id) > 0 {
		b.WriteString("<Id><" + kind + "><Othr><Id>")
		writeText(b, id, max35)
		b.WriteString("</Id></Othr></" + kind + "></Id>")
	}
}

// writeFinInstnID writes a FinInstnId by BIC, or with the conventional
// NOTPROVIDED identifier when the BIC is unknown: the element is mandatory
// for the debtor's bank and banks reject an empty one.
func (x *Writer) writeFinInstnID(bic string) {
	b := x.bw
	switch {
	case bic == "":
		b.WriteString("<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>")
	case x.h.Version == Pain001V09:
		b.WriteString("<FinInstnId><BICFI>")
		b.WriteString(bic)
		b.WriteString("</BICFI></FinInstnId>")
	default:
		b.WriteString("<FinInstnId><BIC>")
		b.WriteString(bic)
		b.WriteString("</BIC></FinInstnId>")
	}
}

// checkIBAN validates an account, reporting the party and payment it
// belongs to along with iban's own reason.
func checkIBAN(party, endToEndID, s string) (string, error) {
	acct, err := iban.Validate(s)
	if err == nil {
		return acct, nil
	}
	ie := errs.As(err)
	e := errs.E(errs.Invalid, "payment.pain001.bad_iban", "party", party, "end_to_end_id", endToEndID).Cause(err)
	e.Fields = append(e.Fields, errs.FieldError{Field: party + ".IBAN", Key: ie.Key, Args: ie.Args})
	return "", e
}

// checkBIC upper-cases an optional BIC and checks it against the pattern of
// the version: BICIdentifier in pain.001.001.03, BICFIDec2014Identifier in
// pain.001.001.09.
func checkBIC(v Version, s, endToEndID string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	ok := len(s) == 8 || len(s) == 11
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		alpha, alnum := c >= 'A' && c <= 'Z', c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		switch {
		case !alnum:
			ok = false
		case v == Pain001V09:
			ok = i < 4 || i >= 6 || alpha
		case i < 6:
			ok = alpha
		case i == 6:
			ok = alpha || c >= '2'
		case i == 7:
			ok = c != 'O'
		}
	}
	if !ok {
		return "", errs.E(errs.Invalid, "payment.pain001.bad_bic", "bic", s, "end_to_end_id", endToEndID)
	}
	return s, nil
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// text is s as the file may carry it: s itself, or in the Latin character
// set when the header asks for it.
func (x *Writer) text(s string) string {
	if !x.h.Latin {
		return s
	}
	return LatinText(s)
}

// LatinText returns s in the ISO 20022 Latin character set: Arabic
// romanized, accents folded, & as +, other characters outside the set
// dropped and spaces collapsed.
func LatinText(s string) string {
	// Runs of Arabic words are romanized together (عبد الله is one
	// name); other words keep their punctuation (P-CASH 2026-04).
	var words, run []string
	flush := func() {
		if len(run) > 0 {
			words = append(words, arabic.Romanize(strings.Join(run, " ")))
			run = run[:0]
		}
	}
	for _, w := range strings.Fields(s) {
		if arabic.IsArabic(w) || strings.IndexFunc(w, func(r rune) bool { return r >= 0x0600 && r <= 0x06FF }) >= 0 {
			run = append(run, w)
			continue
		}
		flush()
		words = append(words, w)
	}
	flush()
	s = strings.Join(words, " ")
	var b strings.Builder
	space := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("/-?:().,'+", r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == '&':
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteByte('+')
			space = true
		case r == ' ' || r == '\t':
			space = true
		}
	}
	return b.String()
}
