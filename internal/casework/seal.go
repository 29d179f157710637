package casework

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

// sealer encrypts the narrative notes and attachments of sensitive cases
// with AES-256-GCM. The key lives in a file outside the database, like the
// whistleblower key, so that a copy of the database alone reveals no
// narrative.
type sealer struct{ aead cipher.AEAD }

// LoadKey reads the 32-byte key in hex from path, creating the file with a
// new random key (mode 0600) if it does not exist.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("casework: generate key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) { // another process created it meanwhile
			return LoadKey(path)
		}
		if err != nil {
			return nil, fmt.Errorf("casework: write key %s: %w", path, err)
		}
		if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("casework: write key %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("casework: write key %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("casework: read key %s: %w", path, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("casework: key file %s: want 64 hex digits", path)
	}
	return key, nil
}

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("casework: key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("casework: key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns nonce ‖ ciphertext of plain, bound to ad (the row it belongs
// to) so that a ciphertext copied to another row does not open.
func (s *sealer) seal(plain, ad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("casework: no randomness: " + err.Error())
	}
	return s.aead.Seal(nonce, nonce, plain, ad)
}

func (s *sealer) open(box, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(box) < n {
		return nil, errors.New("casework: sealed value too short")
	}
	return s.aead.Open(nil, box[:n], box[n:], ad)
}
