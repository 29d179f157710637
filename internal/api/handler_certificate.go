package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/training/certificate"
)

// CertificateKey is a member's published certificate verification key.
type CertificateKey struct {
	Member string `json:"member"` // the member's code
	Key    string `json:"key"`    // tadamun-certificate:CODE:KEY, as tadamun certificate verify --key reads it
}

func init() {
	svc := func(a *API) *certificate.Service { return a.Certificates }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	pathID := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	Register(
		Route{Method: "GET", Path: "/training/certificates", Tag: "training", Summary: "List training certificates, newest first (at most 500)",
			Query:    []Param{memberParam, {Name: "q", Description: "a certificate code, or part of the holder's name"}, {Name: "status", Description: "valid or revoked; both when absent"}},
			Response: List[certificate.Certificate]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				cs, err := svc(a).List(r.Context(), certificate.Filter{MemberID: m, Query: q.Get("q"), Status: q.Get("status")})
				return List[certificate.Certificate]{nonNil(cs)}, err
			}},
		Route{Method: "GET", Path: "/training/certificates/{id}", Tag: "training", Summary: "Get a training certificate, with its signed token", Response: certificate.Certificate{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Get(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/training/certificates/{id}/pdf", Tag: "training", Summary: "Print a training certificate as PDF (needs Chromium); the first print is the original, later ones are marked as copies",
			Query: []Param{{Name: "lang", Description: "ar (default) or en"}}, Response: Raw{ContentType: "application/pdf"},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				_, pdf, err := svc(a).PDF(r.Context(), id, certificate.Style{Lang: i18n.Parse(r.URL.Query().Get("lang"))})
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: "application/pdf", Body: pdf}, nil
			}},
		Route{Method: "POST", Path: "/training/certificates/{id}/revoke", Tag: "training", Summary: "Revoke a training certificate with a reason; it then verifies as revoked",
			Body: RevokeInput{}, Response: certificate.Certificate{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[RevokeInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Revoke(r.Context(), id, in.Reason)
			}},
		Route{Method: "GET", Path: "/certificates/verify", Tag: "training", Public: true,
			Summary:  "Verify a training certificate by its code, its token or the address its QR code carries: valid, revoked (with the reason and date), not_found or invalid (a signature that does not match)",
			Query:    []Param{{Name: "code", Description: "the code printed on the certificate"}, {Name: "token", Description: "the token of its QR code (TDCERT1.…), or the address carrying it"}},
			Response: certificate.Verification{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				in := q.Get("token")
				if in == "" {
					in = q.Get("code")
				}
				return svc(a).Verify(r.Context(), in)
			}},
		Route{Method: "GET", Path: "/certificates/keys", Tag: "training", Public: true, Summary: "Every member's certificate verification key, to verify tokens offline",
			Response: List[CertificateKey]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				keys, _, err := svc(a).PublicKeys(r.Context())
				out := make([]CertificateKey, 0, len(keys))
				for _, k := range keys {
					out = append(out, CertificateKey{Member: k.Member, Key: k.String()})
				}
				return List[CertificateKey]{out}, err
			}},
	)
}
