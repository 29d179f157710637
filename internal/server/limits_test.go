package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/limits"
)

// TestJSONBodyLimit: a JSON body over the limit is refused with a message
// naming the limit, in the caller's language, and changes nothing.
func TestJSONBodyLimit(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)
	body := `{"name_en":"` + strings.Repeat("x", limits.DefaultJSON) + `"}`
	for _, c := range []struct{ lang, want string }{{"en", "32 MB"}, {"ar", "32 ميغابايت"}} {
		t.Run(c.lang, func(t *testing.T) {
			before := auditSize(t, d)
			req, _ := http.NewRequest("PATCH", fx.url+"/api/v1/members/JO", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+fx.token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Language", c.lang)
			resp, err := fx.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var e api.Error
			_ = json.Unmarshal(b, &e)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Error.Message, c.want) || strings.Contains(e.Error.Message, "{") {
				t.Errorf("got %d %q, want 422 naming %q", resp.StatusCode, e.Error.Message, c.want)
			}
			if after := auditSize(t, d); after != before {
				t.Error("a refused request changed something")
			}
		})
	}
}
