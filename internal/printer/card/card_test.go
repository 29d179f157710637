package card

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func testKeys(t *testing.T) Keys {
	t.Helper()
	k, err := NewKeys([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var sample = Card{Member: "JO", Household: "H-0001", Name: "سلمى كمال الفرا", Programs: []string{"الدعم النقدي", "المعونة الغذائية"}, Issued: "2026-12-02", Expires: "2027-12-01"}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := testKeys(t)
	tok, err := k.Sign(sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) > 400 {
		t.Errorf("token is %d bytes; a QR code wants it small", len(tok))
	}
	pub, err := ParsePublicKey(k.Public("JO").String())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify("https://x.example/portal/card/verify?t="+tok, pub, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != sample.Name || got.Household != sample.Household || strings.Join(got.Programs, "|") != strings.Join(sample.Programs, "|") || got.Expires != sample.Expires {
		t.Errorf("got %+v, want %+v", got, sample)
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := testKeys(t)
	tok, err := k.Sign(sample)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeys([]byte(strings.Repeat("o", 32)))
	otherTok, _ := other.Sign(sample)
	egTok, _ := k.Sign(Card{Member: "EG", Household: "H-1", Name: "x", Issued: "2026-01-01", Expires: "2027-01-01"})
	// Tampered: the content changed under the same signature.
	body, sig, _ := split(tok)
	forged := Card{Member: "JO", Household: "H-0001", Name: "سلمى كمال الفرا", Programs: []string{"الدعم النقدي"}, Issued: "2026-12-02", Expires: "2099-12-01"}
	fb, _ := forged.encode()
	_ = body
	tampered := Prefix + b64(fb) + "." + b64(sig)
	pub := k.Public("JO")
	in := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		token string
		pub   PublicKey
		at    time.Time
		want  error
	}{
		{"tampered content", tampered, pub, in, ErrSignature},
		{"another key", otherTok, pub, in, ErrSignature},
		{"another member's card under its own key", egTok, k.Public("JO"), in, ErrSignature},
		{"another member's key", tok, k.Public("EG"), in, ErrSignature},
		{"garbage", "hello", pub, in, ErrMalformed},
		{"truncated", tok[:len(tok)-10], pub, in, ErrMalformed},
		{"expired the day after", tok, pub, time.Date(2027, 12, 2, 0, 0, 0, 0, time.UTC), ErrExpired},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Verify(c.token, c.pub, c.at)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.want != ErrExpired && got.Name != "" {
				t.Errorf("a refused card shows %q", got.Name)
			}
			if c.want == ErrExpired && got.Household != "H-0001" {
				t.Errorf("an expired card should still show what it says, got %+v", got)
			}
		})
	}
	// Valid on its last day.
	if _, err := Verify(tok, pub, time.Date(2027, 12, 1, 23, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("on its expiry day: %v", err)
	}
}

func TestPublicKeyText(t *testing.T) {
	k := testKeys(t)
	s := k.Public("JO").String()
	if !strings.HasPrefix(s, "tadamun-card:JO:") {
		t.Fatalf("got %q", s)
	}
	for _, bad := range []string{"", "tadamun-card:JO", "tadamun-card:JO:abc", "ssh-ed25519 AAAA"} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}
	if _, err := NewKeys([]byte("short")); err == nil {
		t.Error("a short secret was accepted")
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
