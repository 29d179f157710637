package grievance

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// Challenger poses small sums to tell people from bots without an outside
// service. The question travels to the form and back in a token signed with
// HMAC-SHA256, so the server keeps no state per form except the tokens
// already answered, which it remembers until they expire so that one solved
// token cannot be replayed. It is safe for concurrent use.
type Challenger struct {
	key  []byte
	ttl  time.Duration
	now  calendar.Clock // nil: the real clock
	mu   sync.Mutex
	used map[string]time.Time // token nonce → expiry
}

// Challenge is one question for a form.
type Challenge struct {
	Question string `json:"question"` // in the asked language, digits in its script
	Token    string `json:"token"`    // sent back with the answer
}

// NewChallenger returns a challenger signing with key; an empty key is
// replaced by a random one, which is fine for one server (forms open during
// a restart must be sent again).
func NewChallenger(key []byte) *Challenger {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic("grievance: no randomness: " + err.Error())
		}
	}
	return &Challenger{key: key, ttl: 30 * time.Minute, used: map[string]time.Time{}}
}

// token layout: nonce(8) | expiry unix seconds(8) | a(1) | b(1) | mac(16)
const tokenLen = 8 + 8 + 2 + 16

func (c *Challenger) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("tadamun-challenge-v1"))
	m.Write(b)
	return m.Sum(nil)[:16]
}

// New returns a fresh question in lang: the sum of two numbers from 2 to 19.
func (c *Challenger) New(lang i18n.Lang) Challenge {
	b := make([]byte, tokenLen)
	if _, err := rand.Read(b[:8]); err != nil {
		panic("grievance: no randomness: " + err.Error())
	}
	binary.BigEndian.PutUint64(b[8:16], uint64(c.now.Now().Add(c.ttl).Unix()))
	b[16] = 2 + b[0]%18
	b[17] = 2 + b[1]%18
	copy(b[18:], c.mac(b[:18]))
	x, y := strconv.Itoa(int(b[16])), strconv.Itoa(int(b[17]))
	if lang == i18n.AR {
		x, y = arabicDigits(x), arabicDigits(y)
	}
	return Challenge{
		Question: i18n.T(lang, "grievance.challenge_question", map[string]any{"a": x, "b": y}),
		Token:    base64.RawURLEncoding.EncodeToString(b),
	}
}

func arabicDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '٠' + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Verify checks the answer to the question in token. Western, Arabic-Indic
// and Eastern Arabic-Indic digits are all accepted. A token answers once.
func (c *Challenger) Verify(token, answer string) error {
	fail := errs.E(errs.Invalid, "grievance.challenge_failed").WithField("challenge", "grievance.challenge_failed")
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != tokenLen || !hmac.Equal(b[18:], c.mac(b[:18])) {
		return fail
	}
	now := c.now.Now()
	exp := time.Unix(int64(binary.BigEndian.Uint64(b[8:16])), 0)
	if now.After(exp) {
		return errs.E(errs.Invalid, "grievance.challenge_expired").WithField("challenge", "grievance.challenge_expired")
	}
	n, err := arabic.ParseInt(strings.TrimSpace(answer))
	if err != nil || n != int64(b[16])+int64(b[17]) {
		return fail
	}
	nonce := string(b[:8])
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, t := range c.used {
		if now.After(t) {
			delete(c.used, k)
		}
	}
	if _, seen := c.used[nonce]; seen {
		return errs.E(errs.Invalid, "grievance.challenge_expired").WithField("challenge", "grievance.challenge_expired")
	}
	c.used[nonce] = exp
	return nil
}
