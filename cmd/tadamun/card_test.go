package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/printer/card"
)

// stdout runs fn and returns what it printed on standard output.
func stdout(t *testing.T, fn func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	ferr := fn()
	w.Close()
	os.Stdout = old
	return <-done, ferr
}

// TestCardVerifyCommand checks cards offline with the member's public key,
// as printed by "card key": valid, expired, tampered, another member's
// key; from the argument, a file, or the verify address; in Arabic and
// English.
func TestCardVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "card.key")
	keys, err := printer.LoadCardKeys(keyFile) // created on first use
	if err != nil {
		t.Fatal(err)
	}
	again, err := printer.LoadCardKeys(keyFile)
	if err != nil || again.Public("JO").String() != keys.Public("JO").String() {
		t.Fatalf("the card key changed when read again: %v", err)
	}
	pubOut, err := stdout(t, func() error {
		return run(context.Background(), []string{"card", "key", "--card-key", keyFile, "--member", "jo"})
	})
	if err != nil {
		t.Fatal(err)
	}
	pub := strings.TrimSpace(pubOut)
	if pub != keys.Public("JO").String() {
		t.Fatalf("card key printed %q, want %q", pub, keys.Public("JO").String())
	}
	pubFile := filepath.Join(dir, "jo.pub")
	os.WriteFile(pubFile, []byte(pub+"\n"), 0o644)

	tok, err := keys.Sign(card.Card{Member: "JO", Household: "JO-H0002", Name: "خالد أحمد جرادات", Programs: []string{"الدعم النقدي"}, Issued: "2026-12-02", Expires: "2027-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(dir, "card.txt")
	os.WriteFile(tokFile, []byte("https://tadamun.example.jo/portal/card/verify?t="+tok+"\n"), 0o644)
	egKey := keys.Public("EG").String()
	tampered := strings.Replace(tok, tok[12:16], "AAAA", 1)
	for _, c := range []struct {
		name    string
		args    []string
		ok      bool
		want    []string
		notWant string
	}{
		{"valid, Arabic", []string{"card", "verify", "--key", pub, "--today", "2027-01-01", tok}, true, []string{"خالد أحمد جرادات", "JO-H0002", "صحيحة"}, ""},
		{"valid, English, key and token from files", []string{"--lang", "en", "card", "verify", "--key", pubFile, "--today", "2027-01-01", tokFile}, true, []string{"Name: خالد أحمد جرادات", "valid"}, ""},
		{"expired", []string{"--lang", "en", "card", "verify", "--key", pub, "--today", "2027-12-02", tok}, false, []string{"expired"}, ""},
		{"tampered", []string{"--lang", "en", "card", "verify", "--key", pub, tampered}, false, []string{"invalid"}, "خالد"},
		{"another member's key", []string{"card", "verify", "--key", egKey, tok}, false, []string{"غير صحيحة"}, "خالد"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := stdout(t, func() error { return run(context.Background(), c.args) })
			if (err == nil) != c.ok {
				t.Errorf("error %v, want ok=%v", err, c.ok)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if c.notWant != "" && strings.Contains(out, c.notWant) {
				t.Errorf("output shows %q of a refused card:\n%s", c.notWant, out)
			}
		})
	}
}
