package server

import (
	"testing"

	"github.com/tadamun/tadamun/internal/api"
)

// crossAreas checks the area picker's endpoint across members: EG's areas,
// whole or narrowed by level, parent or name, are not JO's to read.
func crossAreas(t *testing.T, fx *fixture) {
	for _, q := range []string{"", "?level=governorate", "?parent=C", "?q=" + "القاهرة", "?level=district&parent=ASN&q=kom"} {
		crossGet(func(v map[string]string) string { return api.Prefix + "/members/" + v["member"] + "/areas" + q })(t, fx)
	}
}
