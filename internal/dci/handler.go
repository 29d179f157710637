package dci

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/registry"
)

// maxBody bounds a request body.
const maxBody = 4 << 20

// Handler serves /api/dci/. It is safe for concurrent use.
type Handler struct {
	reg    *registry.Service
	log    *slog.Logger
	mux    *http.ServeMux
	now    func() time.Time
	client *http.Client
	// senders is the sender registry: who may call, with which key, and
	// where callbacks may go.
	senders *exchange.Senders
	// txns and subs keep the requests with their answers and the
	// subscriptions with how far each has been notified.
	txns *exchange.Transactions
	subs *exchange.Subscriptions

	// SenderID names this registry in outgoing headers and signatures.
	SenderID string
	// KeyFile holds the server's signing key, created on first use.
	KeyFile string
	// KeysFile lists the senders' public keys not in the registry.
	KeysFile string
	// Retries and RetryWait govern callback delivery.
	Retries   int
	RetryWait time.Duration
	// Poll is how often subscriptions look for registry changes.
	Poll time.Duration
	// Jobs, when set before the handler serves, runs the callbacks of
	// asynchronous requests as jobs, one per member's burst (callbacks.go);
	// nil runs them on their own goroutines.
	Jobs *jobs.Runner

	keyOnce sync.Once
	key     ed25519.PrivateKey
	keyErr  error
	keysMu  sync.Mutex
	keys    map[string]ed25519.PublicKey
	keysErr error
	keysAt  time.Time

	pollOnce sync.Once
	stopPoll context.CancelFunc
	pollWG   sync.WaitGroup
	wg       sync.WaitGroup // callbacks in flight
	burstMu  sync.Mutex
	bursts   map[int64]*burst // member → its callbacks' job
}

// Options configure a Handler. Senders, Transactions, Subscriptions and
// Registry are required; for the rest the zero value gives a handler that
// keeps its key in tadamun-dci.key in the working directory.
type Options struct {
	// Log receives the handler's logs; nil means slog.Default().
	Log *slog.Logger
	// Senders is the sender registry; its guard decides where callbacks
	// may go.
	Senders *exchange.Senders
	// Transactions keeps the requests and their answers, for txn/status.
	Transactions *exchange.Transactions
	// Subscriptions keeps the subscriptions and how far each has been
	// notified.
	Subscriptions *exchange.Subscriptions
	// Registry answers searches and subscriptions.
	Registry *registry.Service
	// SenderID names this registry in outgoing headers and signatures;
	// empty means "tadamun".
	SenderID string
	// KeyFile holds the server's signing key, created on first use; empty
	// means tadamun-dci.key.
	KeyFile string
	// KeysFile lists senders' public keys that are not in the registry;
	// empty means none.
	KeysFile string
	// Clock dates messages, subscriptions and notifications; nil means
	// the real clock (app.New passes the one clock).
	Clock calendar.Clock
}

// New returns the handler over the stores and registry of o. Main builds
// them (app.New), reads the handler's configuration (the TADAMUN_DCI_*
// variables) and passes it in o. It panics when a required option is
// missing.
func New(o Options) *Handler {
	if o.Senders == nil || o.Transactions == nil || o.Subscriptions == nil || o.Registry == nil {
		panic("dci: New needs Senders, Transactions, Subscriptions and Registry")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.SenderID == "" {
		o.SenderID = "tadamun"
	}
	if o.KeyFile == "" {
		o.KeyFile = "tadamun-dci.key"
	}
	h := &Handler{
		reg: o.Registry, log: o.Log, now: o.Clock.Now,
		client: o.Senders.Guard().Client(), senders: o.Senders, txns: o.Transactions, subs: o.Subscriptions,
		SenderID: o.SenderID, KeyFile: o.KeyFile, KeysFile: o.KeysFile,
		Retries: 4, RetryWait: 2 * time.Second, Poll: 5 * time.Second,
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /api/dci/registry/sync/search", h.syncSearch)
	m.HandleFunc("POST /api/dci/registry/search", h.asyncSearch)
	m.HandleFunc("POST /api/dci/registry/sync/txn/status", h.syncTxnStatus)
	m.HandleFunc("POST /api/dci/registry/txn/status", h.asyncTxnStatus)
	m.HandleFunc("POST /api/dci/registry/subscribe", h.subscribe)
	m.HandleFunc("POST /api/dci/registry/unsubscribe", h.unsubscribe)
	m.HandleFunc("GET /api/dci/key", h.publicKey)
	m.HandleFunc("/api/dci/", func(w http.ResponseWriter, r *http.Request) {
		h.httpError(w, r, http.StatusNotFound, "err.request.not_found", "dci.not_found", nil)
	})
	h.mux = m
	return h
}

// ServeHTTP serves a DCI request.
// The first request starts the subscription poller.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.startPoller()
	h.mux.ServeHTTP(w, r)
}

// Wait waits for callbacks in flight (for tests and shutdown).
func (h *Handler) Wait() { h.wg.Wait() }

func (h *Handler) serverKey() (ed25519.PrivateKey, error) {
	h.keyOnce.Do(func() { h.key, h.keyErr = LoadOrCreateKey(h.KeyFile) })
	return h.key, h.keyErr
}

// senderKey returns the key of sender listed in the KeysFile,
// if any. The file is re-read at most once a minute.
func (h *Handler) senderKey(sender string) (ed25519.PublicKey, error) {
	h.keysMu.Lock()
	defer h.keysMu.Unlock()
	if h.keys == nil || h.now().Sub(h.keysAt) > time.Minute {
		h.keys, h.keysErr = LoadSenderKeys(h.KeysFile)
		h.keysAt = h.now()
	}
	if h.keysErr != nil {
		return nil, h.keysErr
	}
	return h.keys[sender], nil
}

func (h *Handler) publicKey(w http.ResponseWriter, r *http.Request) {
	k, err := h.serverKey()
	if err != nil {
		h.log.Error("dci: key", "err", err)
		h.httpError(w, r, http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil)
		return
	}
	pub := k.Public().(ed25519.PublicKey)
	writeJSON(w, http.StatusOK, map[string]string{"sender_id": h.SenderID, "key_id": KeyID(pub), "algorithm": "ed25519", "public_key": b64(pub)})
}

func lang(r *http.Request) i18n.Lang { return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Handler) httpError(w http.ResponseWriter, r *http.Request, status int, code, key string, args map[string]any) {
	writeJSON(w, status, HTTPError{Errors: []ErrorObj{{Code: code, Message: i18n.T(lang(r), key, args)}}})
}

// request is a checked incoming message.
type request struct {
	env    Envelope
	header Header
	member int64
	sender *exchange.Sender // the registered sender; nil when the sender_id is not registered
	ctx    context.Context
}

// failure is a refusal of the whole message.
type failure struct {
	status    int
	code, key string
	args      map[string]any
}

func (f *failure) Error() string { return f.code }

// read authenticates, parses and verifies an incoming message for action.
func (h *Handler) read(r *http.Request, action string, msg any) (*request, *failure) {
	ctx := r.Context()
	a := actor.From(ctx)
	if a.Anonymous() {
		return nil, &failure{http.StatusUnauthorized, "err.request.unauthorized", "dci.unauthorized", nil}
	}
	if err := auth.Require(ctx, auth.RegistryRead); err != nil {
		return nil, &failure{http.StatusForbidden, "err.request.forbidden", "dci.forbidden", nil}
	}
	member, all := auth.MemberScope(ctx)
	if all || member == 0 {
		return nil, &failure{http.StatusForbidden, "err.request.forbidden", "dci.member_only", nil}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, &failure{http.StatusRequestEntityTooLarge, "err.request.bad", "dci.too_large", nil}
	}
	q := &request{member: member, ctx: ctx}
	if err := json.Unmarshal(body, &q.env); err != nil {
		return nil, &failure{http.StatusBadRequest, "err.request.bad", "dci.bad_json", map[string]any{"why": err.Error()}}
	}
	if len(q.env.Header) == 0 || len(q.env.Message) == 0 || string(q.env.Header) == "null" || string(q.env.Message) == "null" {
		return nil, &failure{http.StatusBadRequest, "err.request.bad", "dci.bad_envelope", nil}
	}
	if err := json.Unmarshal(q.env.Header, &q.header); err != nil {
		return nil, &failure{http.StatusBadRequest, "err.request.bad", "dci.bad_header", map[string]any{"why": err.Error()}}
	}
	hd := q.header
	switch {
	case hd.Version != "" && hd.Version != "1.0.0":
		return nil, &failure{http.StatusBadRequest, "err.version.not_supported", "dci.bad_version", map[string]any{"version": hd.Version}}
	case hd.MessageID == "":
		return nil, &failure{http.StatusBadRequest, "err.request.bad", "dci.missing_field", map[string]any{"field": "header.message_id"}}
	case hd.SenderID == "":
		return nil, &failure{http.StatusBadRequest, "err.sender_id.invalid", "dci.missing_field", map[string]any{"field": "header.sender_id"}}
	case hd.Action != action:
		return nil, &failure{http.StatusBadRequest, "err.request.bad", "dci.bad_action", map[string]any{"action": hd.Action, "want": action}}
	case hd.TotalCount == nil:
		return nil, &failure{http.StatusBadRequest, "err.request.bad", "dci.missing_field", map[string]any{"field": "header.total_count"}}
	case hd.IsMsgEncrypted:
		return nil, &failure{http.StatusBadRequest, "err.encryption.invalid", "dci.encrypted", nil}
	}
	if _, err := time.Parse(time.RFC3339, hd.MessageTS); err != nil {
		return nil, &failure{http.StatusBadRequest, "err.request.bad", "dci.bad_timestamp", map[string]any{"field": "header.message_ts"}}
	}
	found, err := h.senders.Lookup(ctx, member, hd.SenderID)
	if err != nil {
		h.log.Error("dci: sender registry", "err", err)
		return nil, &failure{http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil}
	}
	// A sender registered for other members only is theirs: its requests
	// are answered for them, never with this token's member.
	if found.Registered && found.Sender == nil {
		return nil, &failure{http.StatusForbidden, "err.sender_id.invalid", "dci_senders.other_member", map[string]any{"sender": hd.SenderID}}
	}
	if found.Sender != nil && !found.Sender.Active {
		return nil, &failure{http.StatusForbidden, "err.sender_id.invalid", "dci_senders.inactive", map[string]any{"sender": hd.SenderID}}
	}
	q.sender = found.Sender
	var pub ed25519.PublicKey
	if q.sender != nil {
		pub = q.sender.Key()
	}
	if pub == nil {
		if pub, err = h.senderKey(hd.SenderID); err != nil {
			h.log.Error("dci: sender keys", "err", err)
			return nil, &failure{http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil}
		}
	}
	if pub != nil {
		if err := Verify(pub, hd.SenderID, q.env.Signature, h.now(), q.env.Header, q.env.Message); err != nil {
			if errors.Is(err, errSigMissing) {
				return nil, &failure{http.StatusUnauthorized, "err.signature.missing", "dci.signature_missing", nil}
			}
			return nil, &failure{http.StatusUnauthorized, "err.signature.invalid", "dci.signature_invalid", nil}
		}
	}
	if err := json.Unmarshal(q.env.Message, msg); err != nil {
		return nil, &failure{http.StatusBadRequest, "err.request.bad", "dci.bad_message", map[string]any{"why": err.Error()}}
	}
	return q, nil
}

// fail answers a refused message: sync endpoints with HttpErrorResponse,
// async ones with an ERR ack.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, f *failure, async bool) {
	if !async {
		h.httpError(w, r, f.status, f.code, f.key, f.args)
		return
	}
	writeJSON(w, f.status, Ack{Message: AckMessage{AckStatus: "ERR", Timestamp: ts(h.now()), CorrelationID: "",
		Error: &ErrorObj{Code: f.code, Message: i18n.T(lang(r), f.key, f.args)}}})
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// reply builds a signed envelope with a callback header.
func (h *Handler) reply(action, receiver, status string, total, completed int, msg any) (map[string]any, error) {
	return h.replyWith(CallbackHeader{Action: action, Status: status, TotalCount: total, CompletedCount: completed, ReceiverID: receiver}, msg)
}

// replyWith builds a signed envelope with hd, filling its version, id,
// time and sender.
func (h *Handler) replyWith(hd CallbackHeader, msg any) (map[string]any, error) {
	hd.Version, hd.MessageID, hd.MessageTS, hd.SenderID = "1.0.0", newID(), ts(h.now()), h.SenderID
	hb, err := json.Marshal(hd)
	if err != nil {
		return nil, err
	}
	mb, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	k, err := h.serverKey()
	if err != nil {
		return nil, err
	}
	sig := Sign(k, h.SenderID, KeyID(k.Public().(ed25519.PublicKey)), h.now(), time.Hour, hb, mb)
	return map[string]any{"signature": sig, "header": json.RawMessage(hb), "message": json.RawMessage(mb)}, nil
}

// search answers every item of m.
func (h *Handler) search(ctx context.Context, lg i18n.Lang, m SearchRequest, correlation string) (SearchResponse, int) {
	out := SearchResponse{TransactionID: m.TransactionID, CorrelationID: correlation}
	done := 0
	for _, it := range m.SearchRequest {
		res := SearchResponseItem{ReferenceID: it.ReferenceID, Timestamp: ts(h.now()), Locale: it.Locale}
		data, pg, err := h.searchOne(ctx, it)
		var rj *rejection
		switch {
		case err == nil:
			res.Status, res.Data, res.Pagination = "succ", data, pg
			done++
		case errors.As(err, &rj):
			res.Status, res.StatusReasonCode, res.StatusReasonMessage = "rjct", rj.code, i18n.T(lg, rj.key, rj.args)
		default:
			if e := errs.As(err); e != nil && e.Code != errs.Internal {
				res.Status, res.StatusReasonCode, res.StatusReasonMessage = "rjct", "rjct.search_criteria.invalid", i18n.T(lg, e.Key, e.Args)
			} else {
				h.log.Error("dci: search", "err", err)
				res.Status, res.StatusReasonCode, res.StatusReasonMessage = "rjct", "rjct.search_criteria.invalid", i18n.T(lg, "dci.unavailable", nil)
			}
		}
		out.SearchResponse = append(out.SearchResponse, res)
	}
	return out, done
}

func (h *Handler) searchOne(ctx context.Context, it SearchItem) (*RecordData, *Pagination, error) {
	if it.ReferenceID == "" {
		return nil, nil, reject("rjct.reference_id.invalid", "dci.missing_field", "field", "reference_id")
	}
	if _, err := time.Parse(time.RFC3339, it.Timestamp); err != nil {
		return nil, nil, reject("rjct.timestamp.invalid", "dci.bad_timestamp", "field", "timestamp")
	}
	cs, err := parseConds(it.SearchCriteria)
	if err != nil {
		return nil, nil, err
	}
	q, memberRef, err := buildQuery(cs)
	if err != nil {
		return nil, nil, err
	}
	page, size, err := applyPaging(&q, it.SearchCriteria)
	if err != nil {
		return nil, nil, err
	}
	res, err := h.reg.Search(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	data := &RecordData{Version: "1.0.0", RegType: it.SearchCriteria.RegType, RegRecordType: "Member", RegRecords: []Record{}}
	households := map[int64]*registry.Household{}
	for _, p := range res.Persons {
		if memberRef != "" && p.Ref != memberRef {
			continue
		}
		hh, ok := households[p.HouseholdID]
		if !ok {
			if x, err := h.reg.Household(ctx, p.HouseholdID); err == nil {
				hh = &x
			}
			households[p.HouseholdID] = hh
		}
		data.RegRecords = append(data.RegRecords, record(p, hh))
	}
	pg := &Pagination{PageSize: size, PageNumber: page}
	if !res.More {
		n := (page-1)*size + len(data.RegRecords)
		pg.TotalCount = &n
	}
	return data, pg, nil
}

func (h *Handler) syncSearch(w http.ResponseWriter, r *http.Request) {
	var m SearchRequest
	q, f := h.read(r, "search", &m)
	if f != nil {
		h.fail(w, r, f, false)
		return
	}
	if m.TransactionID == "" || len(m.SearchRequest) == 0 {
		h.fail(w, r, &failure{http.StatusBadRequest, "err.request.bad", "dci.missing_field", map[string]any{"field": "message.search_request"}}, false)
		return
	}
	res, done := h.search(q.ctx, lang(r), m, newID())
	status := "succ"
	if done < len(m.SearchRequest) {
		status = map[bool]string{true: "rjct", false: "succ"}[done == 0]
	}
	env, err := h.reply("on-search", q.header.SenderID, status, len(m.SearchRequest), done, res)
	if err != nil {
		h.log.Error("dci: reply", "err", err)
		h.httpError(w, r, http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil)
		return
	}
	if err := h.record(q.ctx, q.member, res.CorrelationID, m.TransactionID, q.header.SenderID, "search", status, refIDs(m), env); err != nil {
		h.log.Error("dci: record", "err", err)
	}
	writeJSON(w, http.StatusOK, env)
}

func refIDs(m SearchRequest) []string {
	var out []string
	for _, it := range m.SearchRequest {
		out = append(out, it.ReferenceID)
	}
	return out
}

// Close stops the subscription poller and waits for callbacks in flight.
func (h *Handler) Close() {
	h.pollOnce.Do(func() {}) // no poller may start after Close
	if h.stopPoll != nil {
		h.stopPoll()
	}
	h.pollWG.Wait()
	h.wg.Wait()
}
