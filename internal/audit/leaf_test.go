package audit

import (
	"encoding/hex"
	"strconv"
	"testing"
	"time"
)

// The leaf encoding must never change: a changed encoding would make every
// stored log fail to verify.
func TestLeafHashKnownAnswer(t *testing.T) {
	r := Record{Seq: 7, At: time.UnixMicro(1767225600123456).UTC(), ActorID: 3, MemberID: 2, Action: "member.create", EntityType: "member", EntityID: "JO", StateHash: "ab"}
	h := r.LeafHash()
	if got, want := hex.EncodeToString(h[:]), "9fa4931b339dd88f7ab5eb927739b483f5d59cf1b9ecf446ebdb4794dd3ce3b4"; got != want {
		t.Errorf("ascii record: got %s, want %s", got, want)
	}
	r.EntityID = "عربي\"x"
	h = r.LeafHash()
	if got, want := hex.EncodeToString(h[:]), "d98b98475f03611192a55c8330bc71a0def41bd21749daa4db30b3a6770acd94"; got != want {
		t.Errorf("non-ascii record: got %s, want %s", got, want)
	}
}

func TestAppendQuoteMatchesStrconv(t *testing.T) {
	for _, s := range []string{"", "plain", `a"b`, `back\slash`, "tab\t", "عربي", "\x7f", "\xff", "new\nline"} {
		if got, want := string(appendQuote(nil, s)), strconv.Quote(s); got != want {
			t.Errorf("appendQuote(%q) = %s, want %s", s, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		if got, want := string(appendQuote(nil, s)), strconv.Quote(s); got != want {
			t.Errorf("byte %#x: got %s, want %s", c, got, want)
		}
	}
}
