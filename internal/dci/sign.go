package dci

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/tadamun/tadamun/internal/exchange"
)

// Signatures follow the spec's MsgSignature example:
//
//	Signature: namespace="spdci", kidId="{sender_id}|{key_id}|ed25519", algorithm="ed25519",
//	  created="1606970629", expires="1607030629", headers="(created) (expires) digest",
//	  signature="base64(ed25519(signing string))"
//
// and the signing string is
//
//	(created): {created}\n(expires): {expires}\ndigest: BLAKE-512={base64(blake2b-512(header bytes + message bytes))}
//
// over the header and message JSON exactly as sent.

// signingString returns what is signed for the given times and body parts.
func signingString(created, expires int64, header, message []byte) []byte {
	h, _ := blake2b.New512(nil)
	h.Write(header)
	h.Write(message)
	return fmt.Appendf(nil, "(created): %d\n(expires): %d\ndigest: BLAKE-512=%s", created, expires, base64.StdEncoding.EncodeToString(h.Sum(nil)))
}

// Sign returns the signature field for header and message, signed by key
// as sender/keyID, valid for ttl from now.
func Sign(key ed25519.PrivateKey, sender, keyID string, now time.Time, ttl time.Duration, header, message []byte) string {
	created, expires := now.Unix(), now.Add(ttl).Unix()
	sig := ed25519.Sign(key, signingString(created, expires, header, message))
	return fmt.Sprintf(`Signature: namespace="spdci", kidId="%s|%s|ed25519", algorithm="ed25519", created="%d", expires="%d", headers="(created) (expires) digest", signature="%s"`,
		sender, keyID, created, expires, base64.StdEncoding.EncodeToString(sig))
}

// parseSignature splits the signature field into its parameters.
func parseSignature(s string) map[string]string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "Signature:")
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		k := strings.TrimSpace(s[:eq])
		s = s[eq+1:]
		var v string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				v, s = s[1:], ""
			} else {
				v, s = s[1:end+1], s[end+2:]
			}
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			v, s = strings.TrimSpace(s[:end]), s[end:]
		}
		out[k] = v
		s = strings.TrimPrefix(strings.TrimSpace(s), ",")
	}
	return out
}

var (
	errSigMissing = errors.New("signature missing")
	errSigInvalid = errors.New("signature invalid")
)

// Verify checks the signature field sig of header and message against the
// sender's public key at now.
func Verify(pub ed25519.PublicKey, sender, sig string, now time.Time, header, message []byte) error {
	if strings.TrimSpace(sig) == "" {
		return errSigMissing
	}
	p := parseSignature(sig)
	kid := p["kidId"]
	if kid == "" {
		kid = p["keyId"]
	}
	parts := strings.Split(kid, "|")
	if len(parts) != 3 || parts[0] != sender || !strings.EqualFold(parts[2], "ed25519") {
		return errSigInvalid
	}
	if a := p["algorithm"]; a != "" && !strings.EqualFold(a, "ed25519") {
		return errSigInvalid
	}
	created, err1 := strconv.ParseInt(p["created"], 10, 64)
	expires, err2 := strconv.ParseInt(p["expires"], 10, 64)
	raw, err3 := base64.StdEncoding.DecodeString(p["signature"])
	if err1 != nil || err2 != nil || err3 != nil {
		return errSigInvalid
	}
	const skew = 5 * 60
	if now.Unix() > expires+skew || created > now.Unix()+skew {
		return errSigInvalid
	}
	if !ed25519.Verify(pub, signingString(created, expires, header, message), raw) {
		return errSigInvalid
	}
	return nil
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string { return exchange.KeyID(pub) }

// LoadOrCreateKey reads the server's signing key (the base64 seed) from
// file, creating it (mode 0600) when it does not exist.
func LoadOrCreateKey(file string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, fmt.Errorf("dci: create key: %w", err)
		}
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			if errors.Is(err, os.ErrExist) {
				return LoadOrCreateKey(file)
			}
			return nil, fmt.Errorf("dci: create key: %w", err)
		}
		_, err = f.WriteString(base64.StdEncoding.EncodeToString(seed) + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("dci: write key: %w", err)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if err != nil {
		return nil, fmt.Errorf("dci: read key: %w", err)
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("dci: key file %s: not a base64 ed25519 seed", file)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// LoadSenderKeys reads the senders' public keys: one "sender_id base64-key"
// per line (blank lines and lines starting with # are skipped; "=" may
// separate the two).
func LoadSenderKeys(file string) (map[string]ed25519.PublicKey, error) {
	keys := map[string]ed25519.PublicKey{}
	if file == "" {
		return keys, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("dci: sender keys: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, key, ok := strings.Cut(line, " ")
		if !ok {
			id, key, ok = strings.Cut(line, "=")
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key))
		if !ok || err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("dci: sender keys %s line %d: want \"sender_id base64-ed25519-public-key\"", file, n)
		}
		keys[strings.TrimSpace(id)] = ed25519.PublicKey(raw)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dci: sender keys: %w", err)
	}
	return keys, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
