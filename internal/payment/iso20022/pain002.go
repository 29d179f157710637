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

// The pain.002 versions: ReadStatus accepts any pain.002.001.* namespace
// (the elements it reads have kept their names and places since version 03)
// and NewStatusWriter writes these two.
const (
	Pain002V03 Version = "pain.002.001.03"
	Pain002V10 Version = "pain.002.001.10"
)

const nsPrefix = "urn:iso:std:iso:20022:tech:xsd:"

// Status is a bank's answer about one payment, from a TxInfAndSts block.
// Status is the ISO code: ACSC (settled, money on the creditor's account),
// ACCP and ACSP (accepted, in progress), PDNG (pending), RJCT (rejected), and
// so on. When a transaction carries no status of its own it inherits its
// payment information block's, then the group's. Reason is the first ISO
// reason code (AC01 wrong account number, AC04 closed account, AM04
// insufficient funds, …) or the bank's proprietary reason.
type Status struct {
	OriginalEndToEndID string
	Status             string
	Reason             string
	AdditionalInfo     string
}

// Report is the group-level part of a pain.002 status report. GroupStatus
// (with GroupReason) may be the only status when a bank rejects a whole
// file; the reader fills Version from the document's namespace.
type Report struct {
	Version             Version // pain.002.001.03 or pain.002.001.10; empty writes pain.002.001.10
	MessageID           string
	Created             time.Time
	OriginalMessageID   string
	OriginalMessageName string // the answered message's version, for example pain.001.001.09
	OriginalPmtInfID    string
	GroupStatus         string
	GroupReason         string
}

// ReadStatus decodes a pain.002 report from r token by token, calling fn for
// every transaction status in file order, and returns the group-level
// report. Memory stays constant whatever the number of statuses. An error
// returned by fn stops the reading and is returned as is. Malformed XML is
// an errs.Invalid payment.pain002.malformed error with the line and column;
// a well-formed document that is not a pain.002 is payment.pain002.not_pain002.
func ReadStatus(r io.Reader, fn func(Status) error) (Report, error) {
	var (
		rep       Report
		d         = xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
		path      = make([]string, 0, 16)
		text      = make([]byte, 0, 256)
		tx        Status
		inTx      bool
		pmtInfSts string
		sawRoot   bool
	)
	fail := func(key string, kv ...any) (Report, error) {
		line, col := d.InputPos()
		return rep, errs.E(errs.Invalid, key, append([]any{"line", line, "col", col}, kv...)...)
	}
	// at reports whether the open elements end with names.
	at := func(names ...string) bool {
		if len(path) < len(names) {
			return false
		}
		for i, n := range names {
			if path[len(path)-len(names)+i] != n {
				return false
			}
		}
		return true
	}
	for {
		var outLine, outCol int // where a token outside the root starts
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
				return fail("payment.pain002.malformed", "problem", se.Msg)
			}
			return rep, errs.Wrapf(err, "iso20022: read pain.002")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch len(path) {
			case 0:
				if sawRoot {
					return fail("payment.pain002.malformed", "problem", "more than one root element")
				}
				sawRoot = true
				v, ok := strings.CutPrefix(t.Name.Space, nsPrefix)
				if t.Name.Local != "Document" || !ok || !strings.HasPrefix(v, "pain.002.") {
					return fail("payment.pain002.not_pain002", "found", "<"+t.Name.Local+"> "+t.Name.Space)
				}
				rep.Version = Version(v)
			case 1:
				if t.Name.Local != "CstmrPmtStsRpt" {
					return fail("payment.pain002.not_pain002", "found", "<"+t.Name.Local+">")
				}
			}
			path = append(path, t.Name.Local)
			text = text[:0]
			if t.Name.Local == "TxInfAndSts" && at("OrgnlPmtInfAndSts", "TxInfAndSts") {
				tx, inTx = Status{}, true
			}
			if t.Name.Local == "OrgnlPmtInfAndSts" {
				pmtInfSts = ""
			}
		case xml.CharData:
			if len(path) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return rep, errs.E(errs.Invalid, "payment.pain002.malformed", "line", outLine, "col", outCol, "problem", "text outside the root element")
			}
			if len(text)+len(t) <= 4096 {
				text = append(text, t...)
			}
		case xml.EndElement:
			switch {
			case inTx && at("TxInfAndSts", "OrgnlEndToEndId"):
				tx.OriginalEndToEndID = trimmed(text)
			case inTx && at("TxInfAndSts", "TxSts"):
				tx.Status = trimmed(text)
			case inTx && tx.Reason == "" && (at("TxInfAndSts", "StsRsnInf", "Rsn", "Cd") || at("TxInfAndSts", "StsRsnInf", "Rsn", "Prtry")):
				tx.Reason = trimmed(text)
			case inTx && at("TxInfAndSts", "StsRsnInf", "AddtlInf"):
				if tx.AdditionalInfo != "" {
					tx.AdditionalInfo += " "
				}
				tx.AdditionalInfo += trimmed(text)
			case inTx && at("OrgnlPmtInfAndSts", "TxInfAndSts"):
				inTx = false
				if tx.OriginalEndToEndID == "" {
					return fail("payment.pain002.no_end_to_end_id")
				}
				if tx.Status == "" {
					tx.Status = pmtInfSts
				}
				if tx.Status == "" {
					tx.Status = rep.GroupStatus
				}
				if tx.Status == "" {
					return fail("payment.pain002.no_status", "end_to_end_id", tx.OriginalEndToEndID)
				}
				if err := fn(tx); err != nil {
					return rep, err
				}
			case at("CstmrPmtStsRpt", "GrpHdr", "MsgId"):
				rep.MessageID = trimmed(text)
			case at("CstmrPmtStsRpt", "GrpHdr", "CreDtTm"):
				if tm, err := time.Parse(time.RFC3339, trimmed(text)); err == nil {
					rep.Created = tm
				} else if tm, err := time.Parse("2006-01-02T15:04:05", trimmed(text)); err == nil {
					rep.Created = tm
				}
			case at("OrgnlGrpInfAndSts", "OrgnlMsgId"):
				rep.OriginalMessageID = trimmed(text)
			case at("OrgnlGrpInfAndSts", "OrgnlMsgNmId"):
				rep.OriginalMessageName = trimmed(text)
			case at("OrgnlGrpInfAndSts", "GrpSts"):
				rep.GroupStatus = trimmed(text)
			case rep.GroupReason == "" && (at("OrgnlGrpInfAndSts", "StsRsnInf", "Rsn", "Cd") || at("OrgnlGrpInfAndSts", "StsRsnInf", "Rsn", "Prtry")):
				rep.GroupReason = trimmed(text)
			case at("OrgnlPmtInfAndSts", "OrgnlPmtInfId"):
				if rep.OriginalPmtInfID == "" {
					rep.OriginalPmtInfID = trimmed(text)
				}
			case at("OrgnlPmtInfAndSts", "PmtInfSts"):
				pmtInfSts = trimmed(text)
			}
			path = path[:len(path)-1]
			text = text[:0]
		}
	}
	if !sawRoot {
		return fail("payment.pain002.malformed", "problem", "no root element")
	}
	return rep, nil
}

func trimmed(b []byte) string { return strings.TrimSpace(string(b)) }

// StatusWriter streams a pain.002 status report; tests, the demo and the
// benchmarks use it to play a bank's answer. Create it with
// NewStatusWriter. It is not safe for concurrent use.
type StatusWriter struct {
	bw     *bufio.Writer
	r      Report
	n      int
	closed bool
}

// NewStatusWriter validates r and writes the report's group part to w.
func NewStatusWriter(w io.Writer, r Report) (*StatusWriter, error) {
	if r.Version == "" {
		r.Version = Pain002V10
	}
	if r.Version != Pain002V03 && r.Version != Pain002V10 {
		return nil, errs.E(errs.Invalid, "payment.pain002.bad_version", "version", string(r.Version))
	}
	for _, f := range []struct{ name, v string }{{"MsgId", r.MessageID}, {"OrgnlMsgId", r.OriginalMessageID}} {
		if err := checkID(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if r.OriginalMessageName == "" {
		r.OriginalMessageName = string(Pain001V09)
		if r.Version == Pain002V03 {
			r.OriginalMessageName = string(Pain001V03)
		}
	}
	if r.OriginalPmtInfID == "" {
		r.OriginalPmtInfID = r.OriginalMessageID
	}
	if r.Created.IsZero() {
		return nil, errs.E(errs.Invalid, "payment.pain001.missing", "field", "CreDtTm")
	}
	s := &StatusWriter{bw: bufio.NewWriterSize(w, 64<<10), r: r}
	b := s.bw
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<Document xmlns="` + nsPrefix + string(r.Version) + `">` + "\n<CstmrPmtStsRpt>\n<GrpHdr><MsgId>")
	b.WriteString(r.MessageID)
	b.WriteString("</MsgId><CreDtTm>")
	b.WriteString(r.Created.Truncate(time.Second).Format(time.RFC3339))
	b.WriteString("</CreDtTm></GrpHdr>\n<OrgnlGrpInfAndSts><OrgnlMsgId>")
	b.WriteString(r.OriginalMessageID)
	b.WriteString("</OrgnlMsgId><OrgnlMsgNmId>")
	writeText(b, r.OriginalMessageName, max35)
	b.WriteString("</OrgnlMsgNmId>")
	if r.GroupStatus != "" {
		b.WriteString("<GrpSts>")
		writeText(b, r.GroupStatus, 4)
		b.WriteString("</GrpSts>")
		s.writeReason(r.GroupReason, "")
	}
	b.WriteString("</OrgnlGrpInfAndSts>\n")
	return s, nil
}

// Write streams one transaction status.
func (s *StatusWriter) Write(st Status) error {
	if s.closed {
		return errs.E(errs.Invalid, "payment.iso20022.closed")
	}
	if textLen(st.OriginalEndToEndID) == 0 || textLen(st.OriginalEndToEndID) > max35 {
		return errs.E(errs.Invalid, "payment.iso20022.id_too_long", "field", "OrgnlEndToEndId", "id", st.OriginalEndToEndID, "got", textLen(st.OriginalEndToEndID), "max", max35)
	}
	if n := len(st.Status); n != 4 || !isUpperASCII(st.Status) {
		return errs.E(errs.Invalid, "payment.pain002.bad_status", "status", st.Status, "end_to_end_id", st.OriginalEndToEndID)
	}
	b := s.bw
	if s.n == 0 {
		b.WriteString("<OrgnlPmtInfAndSts><OrgnlPmtInfId>")
		writeText(b, s.r.OriginalPmtInfID, max35)
		b.WriteString("</OrgnlPmtInfId>\n")
	}
	b.WriteString("<TxInfAndSts><OrgnlEndToEndId>")
	writeText(b, st.OriginalEndToEndID, max35)
	b.WriteString("</OrgnlEndToEndId><TxSts>")
	b.WriteString(st.Status)
	b.WriteString("</TxSts>")
	s.writeReason(st.Reason, st.AdditionalInfo)
	b.WriteString("</TxInfAndSts>\n")
	s.n++
	return nil
}

// writeReason writes a StsRsnInf: a reason of up to four characters is an
// ISO code (Cd), a longer one the bank's own (Prtry). AddtlInf holds at most
// 105 characters.
func (s *StatusWriter) writeReason(reason, info string) {
	if textLen(reason) == 0 && textLen(info) == 0 {
		return
	}
	b := s.bw
	b.WriteString("<StsRsnInf>")
	if n := textLen(reason); n > 0 {
		tag := "Cd"
		if n > 4 {
			tag = "Prtry"
		}
		b.WriteString("<Rsn><")
		b.WriteString(tag)
		b.WriteString(">")
		writeText(b, reason, max35)
		b.WriteString("</")
		b.WriteString(tag)
		b.WriteString("></Rsn>")
	}
	if textLen(info) > 0 {
		b.WriteString("<AddtlInf>")
		writeText(b, info, 105)
		b.WriteString("</AddtlInf>")
	}
	b.WriteString("</StsRsnInf>")
}

// Close ends the document and flushes it.
func (s *StatusWriter) Close() error {
	if s.closed {
		return errs.E(errs.Invalid, "payment.iso20022.closed")
	}
	s.closed = true
	if s.n > 0 {
		s.bw.WriteString("</OrgnlPmtInfAndSts>\n")
	}
	s.bw.WriteString("</CstmrPmtStsRpt>\n</Document>\n")
	if err := s.bw.Flush(); err != nil {
		return errs.Wrapf(err, "iso20022: write pain.002 %s", s.r.MessageID)
	}
	return nil
}
