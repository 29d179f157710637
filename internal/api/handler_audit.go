package api

import (
	"net/http"
	"strings"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// InclusionProof proves that a record is in the tree of a given size: hash
// the record's leaf, combine with Proof (tlog.CheckRecord), compare with
// the checkpoint's root.
type InclusionProof struct {
	Seq      int64    `json:"seq"`
	Size     int64    `json:"size"`
	LeafHash string   `json:"leaf_hash"`
	Root     string   `json:"root_hash"`
	Proof    []string `json:"proof"`
}

// ConsistencyProof proves that the tree of size Old is a prefix of the
// tree of size New (tlog.CheckTree).
type ConsistencyProof struct {
	Old     int64    `json:"old"`
	New     int64    `json:"new"`
	OldRoot string   `json:"old_root_hash"`
	NewRoot string   `json:"new_root_hash"`
	Proof   []string `json:"proof"`
}

// PublicKey is the note verifier key that checks the checkpoints.
type PublicKey struct {
	Origin string `json:"origin"`
	Key    string `json:"key"`
}

func init() {
	Register(
		Route{Method: "GET", Path: "/audit/records", Tag: "audit", Summary: "List audit records, newest first",
			Query: []Param{{Name: "action"}, {Name: "entity_type"}, {Name: "entity_id"}, {Name: "actor", Type: "integer"}, {Name: "member", Description: "member code (union-level callers)"},
				{Name: "before", Type: "integer", Description: "records with seq below this, for paging"}, {Name: "limit", Type: "integer", Description: "at most 500; default 50"}},
			Response: List[audit.Record]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				if err := auth.Require(r.Context(), auth.AuditRead); err != nil {
					return nil, err
				}
				q := r.URL.Query()
				f := audit.Filter{Action: q.Get("action"), EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id")}
				var err error
				if f.ActorID, err = QueryInt(r, "actor", 0); err != nil {
					return nil, err
				}
				if f.Before, err = QueryInt(r, "before", 0); err != nil {
					return nil, err
				}
				limit, err := QueryInt(r, "limit", 50)
				if err != nil {
					return nil, err
				}
				f.Limit = int(limit)
				if code := strings.TrimSpace(q.Get("member")); code != "" {
					m, err := a.Members.Get(r.Context(), code)
					if err != nil {
						return nil, err
					}
					f.MemberID = m.ID
				}
				rs, err := a.Audit.List(r.Context(), f)
				return List[audit.Record]{nonNil(rs)}, err
			}},
		Route{Method: "GET", Path: "/audit/records/{seq}", Tag: "audit", Summary: "Get one audit record", Response: audit.Record{},
			Handle: func(a *API, r *http.Request) (any, error) {
				if err := auth.Require(r.Context(), auth.AuditRead); err != nil {
					return nil, err
				}
				seq, err := PathInt(r, "seq")
				if err != nil {
					return nil, err
				}
				return a.Audit.Get(r.Context(), seq)
			}},
		Route{Method: "GET", Path: "/audit/records/{seq}/proof", Tag: "audit", Summary: "Inclusion proof of a record in the tree of a given size (default: the latest checkpoint)",
			Query: []Param{{Name: "size", Type: "integer"}}, Response: InclusionProof{},
			Handle: func(a *API, r *http.Request) (any, error) {
				if err := auth.Require(r.Context(), auth.AuditRead); err != nil {
					return nil, err
				}
				seq, err := PathInt(r, "seq")
				if err != nil {
					return nil, err
				}
				rec, err := a.Audit.Get(r.Context(), seq)
				if err != nil {
					return nil, err
				}
				size, err := QueryInt(r, "size", 0)
				if err != nil {
					return nil, err
				}
				if size == 0 {
					cp, err := a.Audit.Latest(r.Context())
					if err != nil {
						return nil, err
					}
					size = cp.Size
				}
				proof, root, err := a.Audit.InclusionProof(r.Context(), seq, size)
				if err != nil {
					return nil, err
				}
				return InclusionProof{Seq: seq, Size: size, LeafHash: rec.LeafHash().String(), Root: root.String(), Proof: proof}, nil
			}},
		Route{Method: "GET", Path: "/audit/checkpoint", Tag: "audit", Public: true, Summary: "The latest signed checkpoint (origin, size, root hash, signed note)", Response: audit.Checkpoint{},
			Handle: func(a *API, r *http.Request) (any, error) { return a.Audit.Latest(r.Context()) }},
		Route{Method: "GET", Path: "/audit/checkpoint/note", Tag: "audit", Public: true, Summary: "The latest signed checkpoint as a signed note (text)", Response: Raw{ContentType: "text/plain; charset=utf-8"},
			Handle: func(a *API, r *http.Request) (any, error) {
				cp, err := a.Audit.Latest(r.Context())
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: "text/plain; charset=utf-8", Body: []byte(cp.Note)}, nil
			}},
		Route{Method: "GET", Path: "/audit/checkpoints", Tag: "audit", Public: true, Summary: "Every signed checkpoint, oldest first", Response: List[audit.Checkpoint]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				cs, err := a.Audit.Checkpoints(r.Context())
				return List[audit.Checkpoint]{nonNil(cs)}, err
			}},
		Route{Method: "GET", Path: "/audit/consistency", Tag: "audit", Public: true, Summary: "Consistency proof between two tree sizes",
			Query: []Param{{Name: "old", Type: "integer", Required: true}, {Name: "new", Type: "integer", Description: "default: the latest checkpoint"}}, Response: ConsistencyProof{},
			Handle: func(a *API, r *http.Request) (any, error) {
				old, err := QueryInt(r, "old", -1)
				if err != nil {
					return nil, err
				}
				nw, err := QueryInt(r, "new", 0)
				if err != nil {
					return nil, err
				}
				if nw == 0 {
					cp, err := a.Audit.Latest(r.Context())
					if err != nil {
						return nil, err
					}
					nw = cp.Size
				}
				if old < 1 || old > nw {
					return nil, errs.E(errs.Invalid, "api.bad_param", "name", "old").WithField("old", "api.bad_param", "name", "old")
				}
				proof, err := a.Audit.ConsistencyProof(r.Context(), old, nw)
				if err != nil {
					return nil, err
				}
				oh, err := a.Audit.TreeHash(r.Context(), old)
				if err != nil {
					return nil, err
				}
				nh, err := a.Audit.TreeHash(r.Context(), nw)
				if err != nil {
					return nil, err
				}
				return ConsistencyProof{Old: old, New: nw, OldRoot: oh.String(), NewRoot: nh.String(), Proof: proof}, nil
			}},
		Route{Method: "GET", Path: "/audit/key", Tag: "audit", Public: true, Summary: "The public key that verifies checkpoints", Response: PublicKey{},
			Handle: func(a *API, r *http.Request) (any, error) {
				return PublicKey{Origin: a.Audit.Origin(), Key: a.Audit.VerifierKey()}, nil
			}},
	)
}
