package seal

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpensOnlyItsOwnRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.key")
	key, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v: want mode 0600", fi, err)
	}
	again, err := LoadKey(path)
	if err != nil || !bytes.Equal(key, again) {
		t.Fatalf("second load %x, %v: want the same key", again, err)
	}
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	box := s.Seal([]byte("سر"), []byte("row 1"))
	if plain, err := s.Open(box, []byte("row 1")); err != nil || string(plain) != "سر" {
		t.Fatalf("open: %q, %v", plain, err)
	}
	if _, err := s.Open(box, []byte("row 2")); err == nil {
		t.Fatal("a value sealed for row 1 opened as row 2")
	}
	other, _ := New(bytes.Repeat([]byte{1}, 32))
	if _, err := other.Open(box, []byte("row 1")); err == nil {
		t.Fatal("a value opened with another key")
	}
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); err == nil {
		t.Fatal("a malformed key file loaded")
	}
}
