// Package token signs and verifies the token a training certificate
// carries in its QR code, so that anyone — an employer, another member, a
// person without a network — can check a certificate with the issuing
// member's published public key alone.
//
// It copies the scheme of the beneficiary cards (internal/printer/card): a
// token is "TDCERT1." followed by the certificate's content and its Ed25519
// signature, each in unpadded base64url. The content is a few lines of
// text — the member's code, the certificate's short code, the holder's
// name, the course in Arabic and in English, the hours, the completion day
// and the provider — what the certificate itself shows and nothing more,
// small enough for a QR code (about 300 bytes for a typical Arabic one).
//
// Each member signs with its own key. The keys derive from one secret:
// HMAC-SHA256(secret, "tadamun-certificate/v1/" + member code) is the
// Ed25519 seed of the member's key. The secret is itself derived from the
// card key file (card.Keys.Derive("certificate/v1"), see FromCards), so
// that one file to keep and back up serves both, while certificate keys
// and card keys stay independent: a card signature never verifies as a
// certificate, nor the reverse (the signed bytes also start with
// different domains). The package is pure: no file, no clock.
package token

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/printer/card"
)

// Prefix starts every token of this version.
const Prefix = "TDCERT1."

// KeyPrefix starts a public key's text form.
const KeyPrefix = "tadamun-certificate:"

// domain separates what a certificate key signs from anything else.
const domain = "tadamun-certificate/v1\n"

// MaxToken is the longest token Verify reads; MaxInput the longest text
// (a token, an address carrying one, a code) anything reads at all.
const (
	MaxToken = 2048
	MaxInput = 4096
)

// Content is what a certificate shows and its token carries.
type Content struct {
	Member    string // the member's code, e.g. "JO"
	Code      string // the certificate's short code
	Holder    string // the holder's full name as printed
	CourseAR  string
	CourseEN  string
	Hours     int
	Completed string // YYYY-MM-DD
	Provider  string
}

// Errors of Verify.
var (
	// ErrMalformed is a text that is not a certificate token at all.
	ErrMalformed = errors.New("certificate: not a certificate token")
	// ErrTooLong is a text longer than MaxInput, or a token longer than
	// MaxToken: not read.
	ErrTooLong = errors.New("certificate: the token is too long")
	// ErrSignature is a token whose signature does not match the key: it
	// was changed, or another key signed it.
	ErrSignature = errors.New("certificate: signature does not match")
	// ErrMember is a genuine token of another member than the key's.
	ErrMember = errors.New("certificate: token of another member")
)

func (c Content) fields() []string {
	return []string{c.Member, c.Code, c.Holder, c.CourseAR, c.CourseEN, strconv.Itoa(c.Hours), c.Completed, c.Provider}
}

func (c Content) encode() ([]byte, error) {
	for _, f := range c.fields() {
		if strings.ContainsAny(f, "\n\r") {
			return nil, errors.New("certificate: a field holds a line break")
		}
	}
	if c.Member == "" || c.Code == "" {
		return nil, errors.New("certificate: no member or code")
	}
	if _, err := time.Parse(time.DateOnly, c.Completed); err != nil {
		return nil, fmt.Errorf("certificate: date %q: %w", c.Completed, err)
	}
	if c.Hours < 0 {
		return nil, errors.New("certificate: negative hours")
	}
	return []byte(strings.Join(c.fields(), "\n")), nil
}

func decode(b []byte) (Content, error) {
	f := strings.Split(string(b), "\n")
	if len(f) != 8 {
		return Content{}, ErrMalformed
	}
	h, err := strconv.Atoi(f[5])
	if err != nil || h < 0 {
		return Content{}, ErrMalformed
	}
	c := Content{Member: f[0], Code: f[1], Holder: f[2], CourseAR: f[3], CourseEN: f[4], Hours: h, Completed: f[6], Provider: f[7]}
	if _, err := time.Parse(time.DateOnly, c.Completed); err != nil || c.Member == "" || c.Code == "" {
		return Content{}, ErrMalformed
	}
	return c, nil
}

// Keys derives the members' certificate keys from one secret. The zero
// value signs nothing; it is safe for concurrent use. A member's key is
// derived once and kept (the derivation costs as much as a signature).
type Keys struct {
	secret []byte
	cache  *sync.Map // member code → ed25519.PrivateKey
}

// Usable reports whether k holds a secret.
func (k Keys) Usable() bool { return len(k.secret) > 0 }

// NewKeys returns the keys derived from secret, at least 32 bytes of
// randomness.
func NewKeys(secret []byte) (Keys, error) {
	if len(secret) < 32 {
		return Keys{}, errors.New("certificate: the key secret is shorter than 32 bytes")
	}
	return Keys{secret: bytes.Clone(secret), cache: new(sync.Map)}, nil
}

// FromCards returns the certificate keys of the card key file's secret
// (card.Keys.Derive("certificate/v1")); the zero Keys for the zero cards.
func FromCards(c card.Keys) Keys {
	s := c.Derive("certificate/v1")
	if len(s) == 0 {
		return Keys{}
	}
	return Keys{secret: s, cache: new(sync.Map)}
}

// Private returns member's signing key.
func (k Keys) Private(member string) ed25519.PrivateKey {
	if k.cache != nil {
		if p, ok := k.cache.Load(member); ok {
			return p.(ed25519.PrivateKey)
		}
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte("tadamun-certificate/v1/" + member))
	p := ed25519.NewKeyFromSeed(m.Sum(nil))
	if k.cache != nil {
		k.cache.Store(member, p)
	}
	return p
}

// Public returns member's public key.
func (k Keys) Public(member string) PublicKey {
	return PublicKey{Member: member, Key: k.Private(member).Public().(ed25519.PublicKey)}
}

// Sign returns the token of c, signed with the key of c's member.
func (k Keys) Sign(c Content) (string, error) {
	if len(k.secret) == 0 {
		return "", errors.New("certificate: no key")
	}
	body, err := c.encode()
	if err != nil {
		return "", err
	}
	sig := ed25519.Sign(k.Private(c.Member), Signed(body))
	enc := base64.RawURLEncoding
	tok := Prefix + enc.EncodeToString(body) + "." + enc.EncodeToString(sig)
	if len(tok) > MaxToken {
		return "", ErrTooLong
	}
	return tok, nil
}

// Signed is the message a signature covers: the domain, then the body.
func Signed(body []byte) []byte {
	return append([]byte(domain), body...)
}

// PublicKey is a member's certificate verification key.
type PublicKey struct {
	Member string
	Key    ed25519.PublicKey
}

// String is the key's text form, "tadamun-certificate:JO:<base64url key>",
// as the portal publishes it and ParsePublicKey reads it.
func (p PublicKey) String() string {
	return KeyPrefix + p.Member + ":" + base64.RawURLEncoding.EncodeToString(p.Key)
}

// ParsePublicKey reads a key in the form String writes, with or without
// surrounding space.
func ParsePublicKey(s string) (PublicKey, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, KeyPrefix)
	member, key, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || member == "" {
		return PublicKey{}, errors.New("certificate: not a certificate public key (tadamun-certificate:CODE:KEY)")
	}
	b, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return PublicKey{}, errors.New("certificate: the public key is damaged")
	}
	return PublicKey{Member: member, Key: ed25519.PublicKey(b)}, nil
}

// Find finds a token in s: the token itself, or a verify address that
// carries it as ?t=. It returns "" when s holds no token.
func Find(s string) string {
	i := strings.Index(s, Prefix)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.IndexAny(s, "&# \n\r\t"); j >= 0 {
		s = s[:j]
	}
	return s
}

// Split returns a token's body and signature, undecoded checks aside: for
// Verify, and for a benchmark's baseline.
func Split(token string) (body, sig []byte, err error) {
	if len(token) > MaxInput {
		return nil, nil, ErrTooLong
	}
	token = Find(token)
	if token == "" {
		return nil, nil, ErrMalformed
	}
	if len(token) > MaxToken {
		return nil, nil, ErrTooLong
	}
	rest, _ := strings.CutPrefix(token, Prefix)
	b64body, b64sig, ok := strings.Cut(rest, ".")
	if !ok {
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

// Parse reads a token's content without checking its signature: to find
// which member's key checks it.
func Parse(token string) (Content, error) {
	body, _, err := Split(token)
	if err != nil {
		return Content{}, err
	}
	return decode(body)
}

// Verify checks token (or an address carrying it) against pub and returns
// its content. A token naming another member than pub's is ErrMember. Any error returns the zero Content, so that nothing of a
// forged certificate is shown.
func Verify(token string, pub PublicKey) (Content, error) {
	body, sig, err := Split(token)
	if err != nil {
		return Content{}, err
	}
	c, err := decode(body)
	if err != nil {
		return Content{}, err
	}
	if c.Member != pub.Member {
		return Content{}, ErrMember // said before the signature: the clearer reason
	}
	if len(pub.Key) != ed25519.PublicKeySize || !ed25519.Verify(pub.Key, Signed(body), sig) {
		return Content{}, ErrSignature
	}
	return c, nil
}
