package token

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/printer/card"
)

func keys(t testing.TB) Keys {
	t.Helper()
	k, err := NewKeys(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var sample = Content{Member: "JO", Code: "ACEFHJKMNP", Holder: "سارة أحمد محمود العلي", CourseAR: "مهارات الخياطة والتطريز للأسر المنتجة",
	CourseEN: "Sewing and embroidery for productive families", Hours: 40, Completed: "2027-03-04", Provider: "مركز التدريب المهني - عمان"}

func TestSignVerify(t *testing.T) {
	k := keys(t)
	tok, err := k.Sign(sample)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, Prefix) || len(tok) > 600 {
		t.Fatalf("token %d bytes: %s", len(tok), tok)
	}
	got, err := Verify(tok, k.Public("JO"))
	if err != nil || got != sample {
		t.Fatalf("got %+v, %v", got, err)
	}
	// The key's text form round-trips and verifies.
	pub, err := ParsePublicKey("  " + k.Public("JO").String() + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify("https://x.example/portal/certificates?code=ACEFHJKMNP&t="+tok, pub); err != nil {
		t.Fatalf("from an address: %v", err)
	}
	// A QR code holds it: the content is a line of the token.
	if c, err := Parse(tok); err != nil || c.Code != sample.Code {
		t.Fatalf("parse: %+v %v", c, err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := keys(t)
	tok, _ := k.Sign(sample)
	other, _ := NewKeys(bytes.Repeat([]byte{8}, 32))
	egTok, _ := k.Sign(Content{Member: "EG", Code: "X", Completed: "2027-01-01"})
	cardKeys, _ := card.NewKeys(bytes.Repeat([]byte{7}, 32))
	body, sig, _ := Split(tok)
	changed := []byte(strings.Replace(string(body), "40", "90", 1))
	forged := Prefix + encode(changed) + "." + encode(sig)
	for _, c := range []struct {
		name, tok string
		pub       PublicKey
		want      error
	}{
		{"another key", tok, other.Public("JO"), ErrSignature},
		{"changed hours", forged, k.Public("JO"), ErrSignature},
		{"another member's token", egTok, k.Public("JO"), ErrMember},
		{"not a token", "hello", k.Public("JO"), ErrMalformed},
		{"cut short", tok[:len(tok)-10], k.Public("JO"), ErrMalformed},
		{"oversize", Prefix + strings.Repeat("A", MaxInput), k.Public("JO"), ErrTooLong},
		{"oversize token", Prefix + strings.Repeat("A", MaxToken) + ".x", k.Public("JO"), ErrTooLong},
		{"the card key of the same secret", tok, PublicKey{Member: "JO", Key: cardKeys.Public("JO").Key}, ErrSignature},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Verify(c.tok, c.pub)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if got != (Content{}) {
				t.Fatalf("a refused token showed %+v", got)
			}
		})
	}
}

func TestKeysFromCards(t *testing.T) {
	ck, _ := card.NewKeys(bytes.Repeat([]byte{1}, 32))
	k := FromCards(ck)
	if !k.Usable() {
		t.Fatal("no keys")
	}
	if bytes.Equal(k.Public("JO").Key, ck.Public("JO").Key) {
		t.Fatal("certificate and card keys are the same")
	}
	if bytes.Equal(k.Public("JO").Key, k.Public("EG").Key) {
		t.Fatal("two members share a key")
	}
	if !bytes.Equal(FromCards(ck).Public("JO").Key, k.Public("JO").Key) {
		t.Fatal("the derivation is not stable")
	}
	if FromCards(card.Keys{}).Usable() {
		t.Fatal("keys from no card secret")
	}
	if _, err := (Keys{}).Sign(sample); err == nil {
		t.Fatal("the zero keys signed")
	}
}

func TestSignRefuses(t *testing.T) {
	k := keys(t)
	for _, c := range []Content{
		{Member: "JO", Code: "A", Holder: "a\nb", Completed: "2027-01-01"},
		{Member: "JO", Code: "A", Completed: "yesterday"},
		{Member: "", Code: "A", Completed: "2027-01-01"},
		{Member: "JO", Code: "A", Completed: "2027-01-01", Holder: strings.Repeat("ا", 2000)},
	} {
		if _, err := k.Sign(c); err == nil {
			t.Errorf("signed %+v", c)
		}
	}
}

func TestParsePublicKeyRefuses(t *testing.T) {
	for _, s := range []string{"", "tadamun-card:JO:abc", "tadamun-certificate:JO:abc", "tadamun-certificate::" + encode(make([]byte, 32))} {
		if _, err := ParsePublicKey(s); err == nil {
			t.Errorf("read %q", s)
		}
	}
}

func encode(b []byte) string {
	var s strings.Builder
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	// unpadded base64url, written out so the test does not lean on Split's decoder
	var n, bits uint
	for _, x := range b {
		n = n<<8 | uint(x)
		bits += 8
		for bits >= 6 {
			bits -= 6
			s.WriteByte(a[(n>>bits)&63])
		}
	}
	if bits > 0 {
		s.WriteByte(a[(n<<(6-bits))&63])
	}
	return s.String()
}

// BenchmarkVerify is the offline check of one certificate token on one
// core (go test -bench Verify -cpu 1): Verify — find, decode, check the
// member, the Ed25519 signature — against its baseline, a bare
// ed25519.Verify of the same signed bytes, measured in the same run.
func BenchmarkVerify(b *testing.B) {
	k := keys(b)
	tok, err := k.Sign(sample)
	if err != nil {
		b.Fatal(err)
	}
	pub := k.Public("JO")
	b.Run("token", func(b *testing.B) {
		for b.Loop() {
			if _, err := Verify(tok, pub); err != nil {
				b.Fatal(err)
			}
		}
	})
	body, sig, _ := Split(tok)
	msg := Signed(body)
	b.Run("baseline_ed25519", func(b *testing.B) {
		for b.Loop() {
			if !ed25519.Verify(pub.Key, msg, sig) {
				b.Fatal("no")
			}
		}
	})
}
