package dci_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/registry"
)

const (
	social = "social_api_v1.0.0.yaml"
	core   = "registry_core_api_v1.0.0.yaml"
)

// TestDCIMessagesFollowSpecification is issue 15, items 2–4 and the rule
// after them: every message the server sends — synchronous answers,
// acknowledgements, callbacks and notifications, on success and on every
// error path — is validated against the specification's schema, as are
// the requests the tests send (so the tests speak the standard too).
func TestDCIMessagesFollowSpecification(t *testing.T) {
	sp := dciSpecs(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		cb := newCallbacks(t)
		f.allow(t, "spmis.example.org", cb.srv.URL+"/default", cb.srv.URL+"/default", cb.srv.URL+"/cb")
		now := func() string { return time.Now().UTC().Format(time.RFC3339) }
		asJSON := func(v any) []byte { b, _ := json.Marshal(v); return b }
		// send validates the request, posts it and validates the answer
		// with the schema of its status.
		send := func(t *testing.T, what, path, reqDoc, reqPtr string, body []byte, okDoc, okPtr string, wantStatus int, hdr ...string) map[string]any {
			t.Helper()
			if reqPtr != "" {
				sp.mustValidate(t, what+" request", reqDoc, reqPtr, body)
			}
			status, res := f.post(path, body, hdr...)
			if status != wantStatus {
				t.Fatalf("%s: status %d, want %d: %v", what, status, wantStatus, res)
			}
			// An asynchronous endpoint answers an error that is not 401,
			// 403 or 500 with its default response, the acknowledgement
			// (ack_status ERR); the rest with HttpErrorResponse.
			async := !strings.Contains(path, "/sync/")
			switch {
			case status == 200:
				sp.mustValidate(t, what+" answer", okDoc, okPtr, asJSON(res))
			case async && status != 401 && status != 403 && status != 500:
				sp.mustValidate(t, what+" refusal", social, component("responses", "Response"), asJSON(res))
				if dig(res, "message", "ack_status") != "ERR" {
					t.Errorf("%s: ack_status %v, want ERR", what, dig(res, "message", "ack_status"))
				}
			default:
				sp.mustValidate(t, what+" error", social, component("responses", "HttpErrorResponse"), asJSON(res))
				if dig(res, "errors", 0, "code") == nil && dig(res, "message", "error", "code") == nil {
					t.Errorf("%s: no error code in %v", what, res)
				}
			}
			return res
		}
		ack := component("responses", "Response")
		uin := map[string]any{"type": "UIN", "value": "9801234567"}

		t.Run("sync search", func(t *testing.T) {
			for name, msg := range map[string]map[string]any{
				"found":         searchMsg("idtype-value", uin),
				"predicate":     searchMsg("predicate", []any{map[string]any{"seq_num": 1, "expression1": map[string]any{"attribute_name": "sex", "operator": "eq", "attribute_value": "female"}}}),
				"nothing found": searchMsg("idtype-value", map[string]any{"type": "UIN", "value": "0000000000"}),
				"rejected item": searchMsg("idtype-value", map[string]any{"type": "PASSPORT-X", "value": "1"}),
			} {
				send(t, "sync search "+name, "/api/dci/registry/sync/search", social, requestBody("/registry/sync/search"),
					envelope("search", "spmis.example.org", "", msg, nil), social, responseBody("/registry/sync/search", "default"), 200)
			}
		})
		t.Run("sync errors", func(t *testing.T) {
			_, other, _ := ed25519.GenerateKey(rand.Reader)
			good := searchMsg("idtype-value", uin)
			for _, c := range []struct {
				name   string
				body   []byte
				status int
				hdr    []string
			}{
				{"not JSON", []byte("{"), 400, nil},
				{"no header", []byte(`{"message":{}}`), 400, nil},
				{"wrong action", envelope("subscribe", "spmis.example.org", "", good, nil), 400, nil},
				{"anonymous", envelope("search", "spmis.example.org", "", good, nil), 401, []string{"X-Test-Actor", "none"}},
				{"bad signature", envelope("search", "signed.example.org", "", good, other), 401, nil},
			} {
				send(t, c.name, "/api/dci/registry/sync/search", "", "", c.body, "", "", c.status, c.hdr...)
			}
		})

		var searchTxn, searchCorrelation string
		t.Run("async search", func(t *testing.T) {
			msg := searchMsg("idtype-value", uin)
			msg["transaction_id"] = "t-async-1"
			res := send(t, "search", "/api/dci/registry/search", social, requestBody("/registry/search"),
				envelope("search", "spmis.example.org", cb.srv.URL+"/cb", msg, nil), social, ack, 200)
			searchTxn, _ = msg["transaction_id"].(string)
			searchCorrelation, _ = dig(res, "message", "correlation_id").(string)
			got, _ := cb.wait(t, "on-search", 0)
			sp.mustValidate(t, "on-search", social, requestBody("/registry/on-search"), asJSON(got))
			// Without sender_uri: the sender's default address.
			send(t, "search to the default address", "/api/dci/registry/search", social, requestBody("/registry/search"),
				envelope("search", "spmis.example.org", "", searchMsg("idtype-value", map[string]any{"type": "PASSPORT-X", "value": "1"}), nil), social, ack, 200)
			got, _ = cb.wait(t, "on-search", 1)
			sp.mustValidate(t, "on-search, all rejected", social, requestBody("/registry/on-search"), asJSON(got))
			// Refused before an acknowledgement: an address not registered.
			send(t, "search to an unregistered address", "/api/dci/registry/search", "", "",
				envelope("search", "spmis.example.org", "https://elsewhere.example/cb", msg, nil), "", "", 400)
			f.h.Wait()
		})

		txnStatus := func(typ, attrType string, value any) map[string]any {
			return map[string]any{"transaction_id": "t-status", "txnstatus_request": map[string]any{
				"reference_id": "r-status", "txn_type": typ, "attribute_type": attrType, "attribute_value": value}}
		}
		t.Run("sync txn status", func(t *testing.T) {
			for name, msg := range map[string]map[string]any{
				"by transaction id":   txnStatus("search", "transaction_id", searchTxn),
				"by correlation id":   txnStatus("search", "correlation_id", searchCorrelation),
				"by reference ids":    txnStatus("search", "reference_id_list", []string{"r-1"}),
				"unknown transaction": txnStatus("search", "transaction_id", "no-such-txn"),
			} {
				res := send(t, "txn/status "+name, "/api/dci/registry/sync/txn/status", social, requestBody("/registry/sync/txn/status"),
					envelope("txn-status", "spmis.example.org", "", msg, nil), social, responseBody("/registry/sync/txn/status", "default"), 200)
				if got := dig(res, "message", "txnstatus_response", "txn_type"); got != "search" {
					t.Errorf("txn/status %s: txn_type %v, want search", name, got)
				}
				if name == "unknown transaction" {
					if dig(res, "header", "status") != "rjct" || dig(res, "message", "txnstatus_response", "txn_status", "search_response", 0, "status") != "rjct" {
						t.Errorf("unknown transaction: want a rejection, got %v", res)
					}
				}
			}
		})
		t.Run("async txn status", func(t *testing.T) {
			n := 0
			for name, msg := range map[string]map[string]any{
				"found":               txnStatus("search", "transaction_id", searchTxn),
				"unknown transaction": txnStatus("search", "transaction_id", "no-such-txn"),
			} {
				send(t, "txn/status "+name, "/api/dci/registry/txn/status", social, requestBody("/registry/txn/status"),
					envelope("txn-status", "spmis.example.org", cb.srv.URL+"/cb", msg, nil), social, ack, 200)
				got, _ := cb.wait(t, "txn-on-status", n)
				n++
				sp.mustValidate(t, "txn/on-status "+name, social, requestBody("/registry/txn/on-status"), asJSON(got))
			}
			// A malformed request is refused before an acknowledgement, on
			// both paths alike.
			bad := txnStatus("search", "no_such_attribute", "x")
			send(t, "async txn/status malformed", "/api/dci/registry/txn/status", "", "",
				envelope("txn-status", "spmis.example.org", cb.srv.URL+"/cb", bad, nil), "", "", 400)
			send(t, "sync txn/status malformed", "/api/dci/registry/sync/txn/status", "", "",
				envelope("txn-status", "spmis.example.org", "", bad, nil), "", "", 400)
			f.h.Wait()
		})

		var code string
		t.Run("subscribe", func(t *testing.T) {
			item := func(ref string, crit map[string]any) map[string]any {
				return map[string]any{"reference_id": ref, "timestamp": now(), "subscribe_criteria": crit}
			}
			sub := map[string]any{"transaction_id": "t-sub", "subscribe_request": []any{
				item("r-s1", map[string]any{"reg_event_type": "UPDATE", "filter_type": "idtype-value", "notify_record_type": "Member", "filter": map[string]any{"type": "UIN", "value": "9851234567"}}),
				// filter_type is optional: the filter's shape says which it is.
				item("r-s2", map[string]any{"reg_event_type": "UPDATE", "notify_record_type": "Member", "filter": []any{map[string]any{"seq_num": 1, "expression1": map[string]any{"attribute_name": "sex", "operator": "eq", "attribute_value": "female"}}}}),
				item("r-s3", map[string]any{"reg_event_type": "UPDATE", "filter_type": "idtype-value", "notify_record_type": "Member", "filter": map[string]any{"type": "PASSPORT-X", "value": "1"}}),
			}}
			send(t, "subscribe", "/api/dci/registry/subscribe", core, requestBody("/registry/subscribe"),
				envelope("subscribe", "spmis.example.org", cb.srv.URL+"/cb", sub, nil), core, ack, 200)
			got, _ := cb.wait(t, "on-subscribe", 0)
			sp.mustValidate(t, "on-subscribe", core, requestBody("/registry/on-subscribe"), asJSON(got))
			for i, want := range []string{"succ", "succ", "rjct"} {
				if s := dig(got, "message", "subscribe_response", i, "status"); s != want {
					t.Errorf("subscription %d: status %v, want %s: %v", i+1, s, want, dig(got, "message", "subscribe_response", i))
				}
			}
			code, _ = dig(got, "message", "subscribe_response", 0, "subscriptions", 0, "code").(string)
			f.h.Wait()
		})
		t.Run("notify", func(t *testing.T) {
			ps, err := f.reg.Search(f.sys, registry.Query{MemberID: f.jo, HouseholdRef: "HH-1", Sex: "female"})
			if err != nil || len(ps.Persons) != 1 {
				t.Fatalf("search: %v %v", ps, err)
			}
			p := ps.Persons[0]
			p.Education = "secondary"
			if _, err := f.reg.UpdatePerson(f.sys, p.ID, p); err != nil {
				t.Fatal(err)
			}
			got, _ := cb.wait(t, "notify", 0)
			sp.mustValidate(t, "notify", core, requestBody("/registry/notify"), asJSON(got))
		})
		t.Run("unsubscribe", func(t *testing.T) {
			n := 0
			for name, codes := range map[string][]string{"known": {code}, "unknown": {"no-such-code"}} {
				// The schema requires "sunscription_codes" (sic) and
				// describes "subscription_codes": a client sends both.
				un := map[string]any{"transaction_id": "t-un", "timestamp": now(), "subscription_codes": codes, "sunscription_codes": codes}
				send(t, "unsubscribe "+name, "/api/dci/registry/unsubscribe", core, requestBody("/registry/unsubscribe"),
					envelope("unsubscribe", "spmis.example.org", cb.srv.URL+"/cb", un, nil), core, ack, 200)
				got, _ := cb.wait(t, "on-unsubscribe", n)
				n++
				sp.mustValidate(t, "on-unsubscribe "+name, core, requestBody("/registry/on-unsubscribe"), asJSON(got))
			}
			f.h.Wait()
		})
	})
}
