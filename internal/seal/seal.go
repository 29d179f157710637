// Package seal encrypts values at rest with AES-256-GCM under a key kept in
// a file outside the database, so that a copy of the database alone reveals
// nothing sealed: whistleblowers' contacts (grievance), the narrative notes
// and attachments of sensitive cases (casework). Each sealed value is bound
// to the row it belongs to (associated data), so a ciphertext copied to
// another row does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// LoadKey reads the 32-byte key in hex from path, creating the file with a
// new random key (mode 0600) if it does not exist.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("seal: generate key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) { // another process created it meanwhile
			return LoadKey(path)
		}
		if err != nil {
			return nil, fmt.Errorf("seal: write key %s: %w", path, err)
		}
		if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("seal: write key %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("seal: write key %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("seal: read key %s: %w", path, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("seal: key file %s: want 64 hex digits", path)
	}
	return key, nil
}

// Sealer seals and opens values with one key.
type Sealer struct{ aead cipher.AEAD }

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns nonce ‖ ciphertext of plain, bound to ad.
func (s *Sealer) Seal(plain, ad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("seal: no randomness: " + err.Error())
	}
	return s.aead.Seal(nonce, nonce, plain, ad)
}

// Open returns the plain value of box if it was sealed with this key and ad.
func (s *Sealer) Open(box, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(box) < n {
		return nil, errors.New("seal: sealed value too short")
	}
	return s.aead.Open(nil, box[:n], box[n:], ad)
}
