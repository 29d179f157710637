// Package card signs and verifies the token a beneficiary card carries in
// its QR code, so that anyone — a shop, a distribution point, an inspector
// without a network — can check a card with the member's public key alone.
//
// A token is "TDC1." followed by the card's content and its Ed25519
// signature, each in unpadded base64url. The content is a few lines of
// text: the member's code, the household's reference, the head's name,
// the programs, the day of issue and the day the card expires. It is what
// the card itself shows, nothing more, and small enough for a QR code
// (about 250 bytes for a typical Arabic card).
//
// Each member signs its cards with its own key. The keys are derived from
// one server secret (Keys): HMAC-SHA256(secret, "tadamun-card/v1/" + member
// code) is the Ed25519 seed of the member's key. One file to keep and back
// up gives every member — present and future — a stable key, and each
// member's public key is independent of the others'. The package is pure:
// it reads no file and no clock.
package card

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Prefix starts every token of this version.
const Prefix = "TDC1."

// keyPrefix starts a public key's text form.
const keyPrefix = "tadamun-card:"

// domain separates what a card key signs from anything else.
const domain = "tadamun-card/v1\n"

// MaxToken is the longest token Verify reads.
const MaxToken = 2048

// Card is what a beneficiary card shows and its token carries.
type Card struct {
	Member    string   // the member's code, e.g. "JO"
	Household string   // the household's reference
	Name      string   // the head of household's full name
	Programs  []string // the programs the household is enrolled in, as printed
	Issued    string   // YYYY-MM-DD
	Expires   string   // YYYY-MM-DD: the card is valid through this day
}

// Errors of Verify.
var (
	// ErrMalformed is a token that is not a card token at all.
	ErrMalformed = errors.New("card: not a card token")
	// ErrSignature is a token whose signature does not match the key: it
	// was changed, or another key signed it.
	ErrSignature = errors.New("card: signature does not match")
	// ErrMember is a token of another member than the key's.
	ErrMember = errors.New("card: token of another member")
	// ErrExpired is a genuine card past its expiry day.
	ErrExpired = errors.New("card: expired")
)

func (c Card) encode() ([]byte, error) {
	fields := []string{c.Member, c.Household, c.Name, strings.Join(c.Programs, "\x1f"), c.Issued, c.Expires}
	for _, f := range fields {
		if strings.ContainsAny(f, "\n") {
			return nil, fmt.Errorf("card: a field holds a line break")
		}
	}
	for _, d := range []string{c.Issued, c.Expires} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, fmt.Errorf("card: date %q: %w", d, err)
		}
	}
	return []byte(strings.Join(fields, "\n")), nil
}

func decode(b []byte) (Card, error) {
	f := strings.Split(string(b), "\n")
	if len(f) != 6 {
		return Card{}, ErrMalformed
	}
	c := Card{Member: f[0], Household: f[1], Name: f[2], Issued: f[4], Expires: f[5]}
	if f[3] != "" {
		c.Programs = strings.Split(f[3], "\x1f")
	}
	for _, d := range []string{c.Issued, c.Expires} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Card{}, ErrMalformed
		}
	}
	return c, nil
}

// Keys derives the members' card keys from one secret. The zero value is
// not usable; it is safe for concurrent use.
type Keys struct{ secret []byte }

// Usable reports whether k holds a secret: the zero Keys sign nothing.
func (k Keys) Usable() bool { return len(k.secret) > 0 }

// NewKeys returns the keys derived from secret, which must be at least 32
// bytes of randomness.
func NewKeys(secret []byte) (Keys, error) {
	if len(secret) < 32 {
		return Keys{}, errors.New("card: the key secret is shorter than 32 bytes")
	}
	return Keys{secret: bytes.Clone(secret)}, nil
}

// Private returns member's signing key.
func (k Keys) Private(member string) ed25519.PrivateKey {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte("tadamun-card/v1/" + member))
	return ed25519.NewKeyFromSeed(m.Sum(nil))
}

// Derive returns a 32-byte secret for another use of the same key file
// than cards (certificates, say), HMAC-SHA256(secret, "tadamun-derive/v1/" +
// purpose): independent of every card key and of any other purpose's. It
// returns nil for the zero Keys.
func (k Keys) Derive(purpose string) []byte {
	if len(k.secret) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte("tadamun-derive/v1/" + purpose))
	return m.Sum(nil)
}

// Public returns member's public key.
func (k Keys) Public(member string) PublicKey {
	return PublicKey{Member: member, Key: k.Private(member).Public().(ed25519.PublicKey)}
}

// Sign returns the token of c, signed with the key of c's member.
func (k Keys) Sign(c Card) (string, error) {
	if len(k.secret) == 0 {
		return "", errors.New("card: no key")
	}
	body, err := c.encode()
	if err != nil {
		return "", err
	}
	sig := ed25519.Sign(k.Private(c.Member), append([]byte(domain), body...))
	enc := base64.RawURLEncoding
	return Prefix + enc.EncodeToString(body) + "." + enc.EncodeToString(sig), nil
}

// PublicKey is a member's card verification key.
type PublicKey struct {
	Member string
	Key    ed25519.PublicKey
}

// String is the key's text form, "tadamun-card:JO:<base64url key>", as the
// portal publishes it and ParsePublicKey reads it.
func (p PublicKey) String() string {
	return keyPrefix + p.Member + ":" + base64.RawURLEncoding.EncodeToString(p.Key)
}

// ParsePublicKey reads a key in the form String writes, with or without
// surrounding space.
func ParsePublicKey(s string) (PublicKey, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, keyPrefix)
	member, key, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || member == "" {
		return PublicKey{}, errors.New("card: not a card public key (tadamun-card:CODE:KEY)")
	}
	b, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return PublicKey{}, errors.New("card: the public key is damaged")
	}
	return PublicKey{Member: member, Key: ed25519.PublicKey(b)}, nil
}

// Parse reads a token's content without checking its signature: to find
// which member's key checks it, or to show a card that failed.
func Parse(token string) (Card, error) {
	body, _, err := split(token)
	if err != nil {
		return Card{}, err
	}
	return decode(body)
}

// Token finds a token in s: the token itself, or a verify address that
// carries it as ?t=.
func Token(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, Prefix); i >= 0 {
		s = s[i:]
		if j := strings.IndexAny(s, "&# \n\r\t"); j >= 0 {
			s = s[:j]
		}
	}
	return s
}

func split(token string) (body, sig []byte, err error) {
	token = Token(token)
	if len(token) > MaxToken {
		return nil, nil, ErrMalformed
	}
	rest, ok := strings.CutPrefix(token, Prefix)
	b64body, b64sig, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return nil, nil, ErrMalformed
	}
	enc := base64.RawURLEncoding
	if body, err = enc.DecodeString(b64body); err != nil {
		return nil, nil, ErrMalformed
	}
	if sig, err = enc.DecodeString(b64sig); err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, ErrMalformed
	}
	return body, sig, nil
}

// Verify checks token against pub on day today (in the member's zone) and
// returns the card. A genuine card past its expiry is returned with
// ErrExpired; any other error returns the zero Card, so that nothing of a
// forged card is shown.
func Verify(token string, pub PublicKey, today time.Time) (Card, error) {
	body, sig, err := split(token)
	if err != nil {
		return Card{}, err
	}
	if !ed25519.Verify(pub.Key, append([]byte(domain), body...), sig) {
		return Card{}, ErrSignature
	}
	c, err := decode(body)
	if err != nil {
		return Card{}, err
	}
	if c.Member != pub.Member {
		return Card{}, ErrMember
	}
	if today.Format(time.DateOnly) > c.Expires {
		return c, ErrExpired
	}
	return c, nil
}
