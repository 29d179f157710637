package auth

import (
	"strings"
	"testing"
)

// The tests hash hundreds of passwords; the production cost would make
// them slow under -race without testing anything more. One test below
// (TestProductionCost) checks the real parameters.
func init() { argonMemory = 64 }

func TestProductionCost(t *testing.T) {
	old := argonMemory
	argonMemory = 19 * 1024
	defer func() { argonMemory = old }()
	h, err := HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "$m=19456,t=2,p=1$") {
		t.Errorf("hash %s does not carry OWASP's parameters", h)
	}
	if !CheckPassword(h, "a long enough password") || CheckPassword(h, "another password") {
		t.Error("the production-cost hash does not check")
	}
}
