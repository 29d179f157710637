package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// RemoteState is what a remote verifier remembers between runs: the
// server, the key it trusts, and the last checkpoint it accepted. Keep it:
// it is what lets a later run detect a rewritten history.
type RemoteState struct {
	URL  string `json:"url"`
	Key  string `json:"key"` // note verifier key
	Size int64  `json:"size"`
	Root string `json:"root_hash"` // base64
	Note string `json:"note"`
}

// LoadRemoteState reads the state file; a missing file is an empty state.
func LoadRemoteState(file string) (RemoteState, error) {
	var s RemoteState
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("audit: state file %s: %w", file, err)
	}
	return s, nil
}

// Save writes the state file.
func (s RemoteState) Save(file string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// RemoteReport says what VerifyRemote checked.
type RemoteReport struct {
	PreviousSize int64
	Size         int64
	Checkpoints  int  // signed checkpoints the server lists, each checked
	TrustedKey   bool // false when the key was taken from the server on first use
}

// VerifyRemote fetches the latest signed checkpoint of the server at
// base (the site root) and checks it: the signature with the trusted key
// (taken from the server and pinned on first use, unless st.Key is set),
// that the tree did not shrink, and a consistency proof from the
// checkpoint seen before. It also checks every checkpoint the server
// lists against the latest. On success st holds the new checkpoint; the
// caller saves it.
func VerifyRemote(ctx context.Context, c *http.Client, base string, st *RemoteState) (RemoteReport, error) {
	var rep RemoteReport
	base = strings.TrimRight(base, "/")
	if st.URL != "" && st.URL != base {
		return rep, fmt.Errorf("audit: the state file is for %s, not %s", st.URL, base)
	}
	st.URL = base
	rep.TrustedKey = st.Key != ""
	if st.Key == "" {
		var k struct{ Key string }
		if err := getJSON(ctx, c, base+"/api/v1/audit/key", &k); err != nil {
			return rep, err
		}
		st.Key = k.Key
	}
	v, err := note.NewVerifier(st.Key)
	if err != nil {
		return rep, fmt.Errorf("audit: verifier key: %w", err)
	}
	var cp Checkpoint
	if err := getJSON(ctx, c, base+"/api/v1/audit/checkpoint", &cp); err != nil {
		return rep, err
	}
	_, size, root, err := ParseCheckpoint(cp.Note, v)
	if err != nil {
		return rep, fmt.Errorf("audit: the server's latest checkpoint does not verify with the trusted key: %w", err)
	}
	rep.PreviousSize, rep.Size = st.Size, size
	if st.Size > 0 {
		oldRoot, err := decodeHash(st.Root)
		if err != nil {
			return rep, err
		}
		if size < st.Size {
			return rep, fmt.Errorf("audit: the log shrank from %d to %d records: history was rewritten", st.Size, size)
		}
		if err := checkConsistency(ctx, c, base, st.Size, oldRoot, size, root); err != nil {
			return rep, err
		}
	}
	var all struct{ Items []Checkpoint }
	if err := getJSON(ctx, c, base+"/api/v1/audit/checkpoints", &all); err != nil {
		return rep, err
	}
	for _, o := range all.Items {
		_, osize, oroot, err := ParseCheckpoint(o.Note, v)
		if err != nil {
			return rep, fmt.Errorf("audit: checkpoint of size %d: %w", o.Size, err)
		}
		if osize > size || osize == 0 {
			continue
		}
		if err := checkConsistency(ctx, c, base, osize, oroot, size, root); err != nil {
			return rep, fmt.Errorf("audit: signed checkpoint of size %d: %w", osize, err)
		}
		rep.Checkpoints++
	}
	st.Size, st.Root, st.Note = size, base64.StdEncoding.EncodeToString(root[:]), cp.Note
	return rep, nil
}

func checkConsistency(ctx context.Context, c *http.Client, base string, old int64, oldRoot tlog.Hash, size int64, root tlog.Hash) error {
	if old == size {
		if oldRoot != root {
			return fmt.Errorf("audit: the tree of %d records has a different root than before: history was rewritten", size)
		}
		return nil
	}
	var p struct{ Proof []string }
	u := base + "/api/v1/audit/consistency?old=" + strconv.FormatInt(old, 10) + "&new=" + strconv.FormatInt(size, 10)
	if err := getJSON(ctx, c, u, &p); err != nil {
		return err
	}
	proof, err := DecodeHashes(p.Proof)
	if err != nil {
		return err
	}
	if err := tlog.CheckTree(proof, size, root, old, oldRoot); err != nil {
		return fmt.Errorf("audit: the log of %d records is not an extension of the one of %d seen before: history was rewritten (%v)", size, old, err)
	}
	return nil
}

func decodeHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("audit: malformed hash %q in the state file", s)
	}
	copy(h[:], b)
	return h, nil
}

func getJSON(ctx context.Context, c *http.Client, u string, v any) error {
	if _, err := url.Parse(u); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("audit: fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("audit: fetch %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("audit: fetch %s: %s: %.200s", u, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("audit: fetch %s: %w", u, err)
	}
	return nil
}
