package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// TestCamtUploadPage uploads bank statements on a cycle's page, without
// choosing a format: one that books a payment already paid among the
// account's other entries is imported (the flash says the other entries
// were ignored), and one with a wrong amount is refused, naming the entry,
// in Arabic.
func TestCamtUploadPage(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.finance")
	var cycle, amount int64
	var e2e string
	if err := d.QueryRow(context.Background(), `SELECT p.cycle_id, p.end_to_end_id, p.amount FROM payments p JOIN members m ON m.id = p.member_id
		WHERE m.code = 'JO' AND p.status = 'paid' AND p.kind = 'bank' ORDER BY p.id LIMIT 1`).Scan(&cycle, &e2e, &amount); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/payments/cycles/%d", cycle)
	upload := func(file []byte) (*http.Response, string) {
		tok := b.csrf(page)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf", tok)
		fw, _ := mw.CreateFormFile("file", "statement.xml")
		fw.Write(file)
		mw.Close()
		req, _ := http.NewRequest("POST", ts.URL+page+"/status", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, stripBidi.Replace(string(out))
	}
	statement := func(msg string, booked int64) []byte {
		var buf bytes.Buffer
		w, err := iso20022.NewStatementWriter(&buf, iso20022.Statement{Version: iso20022.Camt053V02, MessageID: msg, Created: time.Date(2026, 3, 5, 18, 0, 0, 0, time.UTC)}, "JO71CBJO0010000000000131000302", "JOD")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(iso20022.Entry{Reference: "RENT", Amount: "300.000", Currency: "JOD", Debit: true})
		w.Write(iso20022.Entry{EndToEndID: e2e, Amount: money.Format(booked, 3), Currency: "JOD", Debit: true})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}

	resp, body := upload(statement("STMT-WRONG", amount+1))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, e2e) || !strings.Contains(body, money.Format(amount+1, 3)+" JOD") {
		t.Fatalf("a wrong amount: status %d, want 422 naming %s and the amount booked:\n%.2000s", resp.StatusCode, e2e, body)
	}
	resp, _ = upload(statement("STMT-OK", amount))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the statement: status %d, want 303", resp.StatusCode)
	}
	_, body = b.do("GET", page, nil)
	if !strings.Contains(body, "تُجوهلت قيود الكشف الأخرى") {
		t.Errorf("the cycle page does not say the other entries were ignored:\n%.3000s", body)
	}
	var format string
	var ignored, unchanged int64
	if err := d.QueryRow(context.Background(), `SELECT format, ignored, unchanged FROM payment_status_imports WHERE status = 'applied' ORDER BY id DESC LIMIT 1`).Scan(&format, &ignored, &unchanged); err != nil || format != "camt.053" || ignored != 1 || unchanged != 1 {
		t.Errorf("the import: %s, %d ignored, %d unchanged (%v); want camt.053, 1, 1", format, ignored, unchanged, err)
	}
}
