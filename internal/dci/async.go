package dci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/i18n"
)

// Limits of a callback.
const (
	callbackTimeout  = 2 * time.Minute // the work and delivery of one asynchronous answer
	maxCallbackReply = 64 << 10        // bytes of a receiver's answer read, the rest dropped
)

// callback returns where the callback of an asynchronous request goes:
// its sender_uri as given when that is one of the addresses registered for
// the sender, the sender's default address when sender_uri is absent. Any
// other address, and a sender that is not registered, is refused: the
// server never sends anything to an address a member's administrator did
// not register.
func (q *request) callback() (string, *failure) {
	if q.sender == nil {
		return "", &failure{http.StatusForbidden, "err.sender_id.invalid", "dci_senders.unregistered", map[string]any{"sender": q.header.SenderID}}
	}
	uri, ok := q.sender.Callback(q.header.SenderURI)
	switch {
	case ok:
		return uri, nil
	case q.header.SenderURI == "":
		return "", &failure{http.StatusBadRequest, "err.sender_uri.invalid", "dci_senders.no_default", map[string]any{"sender": q.header.SenderID}}
	default:
		return "", &failure{http.StatusBadRequest, "err.sender_uri.invalid", "dci_senders.uri_unregistered", map[string]any{"uri": clip(q.header.SenderURI), "sender": q.header.SenderID}}
	}
}

// ack answers an accepted asynchronous request.
func (h *Handler) ack(w http.ResponseWriter, correlation string) {
	writeJSON(w, http.StatusOK, Ack{Message: AckMessage{AckStatus: "ACK", Timestamp: ts(h.now()), CorrelationID: correlation}})
}

// deliver POSTs env to url, retrying up to retries times with a growing
// wait. It reports whether the receiver accepted it (2xx) and the attempts.
func (h *Handler) deliver(ctx context.Context, url string, env any, retries int) (bool, int) {
	body, err := json.Marshal(env)
	if err != nil {
		h.log.Error("dci: callback", "err", err)
		return false, 0
	}
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			h.log.Warn("dci: callback", "url", url, "err", err)
			return false, attempt
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := h.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxCallbackReply))
			res.Body.Close()
			if res.StatusCode/100 == 2 {
				return true, attempt
			}
			h.log.Warn("dci: callback refused", "url", url, "status", res.StatusCode, "attempt", attempt)
		} else if errors.Is(err, exchange.ErrBlocked) {
			// The address resolved to one the guard refuses: no retry.
			h.log.Warn("dci: callback to a refused address", "url", url, "err", err)
			return false, attempt
		} else {
			h.log.Warn("dci: callback failed", "url", url, "err", err, "attempt", attempt)
		}
		if attempt > retries {
			return false, attempt
		}
		select {
		case <-ctx.Done():
			return false, attempt
		case <-time.After(h.RetryWait * time.Duration(attempt)):
		}
	}
}

// background prepares fn to run after the request is answered, with the
// request's actor and a timeout, and returns the function that lets it
// start (handlers defer it, then write the Ack). The work counts
// for Wait from now, before the acknowledgement is written, so that a
// caller who has its Ack and then calls Wait always waits for the callback.
//
// With a jobs runner (h.Jobs), the work runs as part of the member's
// dci_callbacks job (see callbacks.go).
func (h *Handler) background(r *http.Request, fn func(ctx context.Context)) (start func()) {
	ready := make(chan struct{})
	h.wg.Add(1)
	if h.Jobs != nil {
		h.enqueue(r, func(ctx context.Context) {
			defer h.wg.Done()
			<-ready
			fn(ctx)
		})
		return func() { close(ready) }
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), callbackTimeout)
	go func() {
		defer h.wg.Done()
		defer cancel()
		<-ready
		fn(ctx)
	}()
	return func() { close(ready) }
}

func (h *Handler) asyncSearch(w http.ResponseWriter, r *http.Request) {
	var m SearchRequest
	q, f := h.read(r, "search", &m)
	var uri string
	if f == nil {
		uri, f = q.callback()
	}
	if f == nil && (m.TransactionID == "" || len(m.SearchRequest) == 0) {
		f = &failure{http.StatusBadRequest, "err.request.bad", "dci.missing_field", map[string]any{"field": "message.search_request"}}
	}
	if f != nil {
		h.fail(w, r, f, true)
		return
	}
	correlation := newID()
	if err := h.record(q.ctx, q.member, correlation, m.TransactionID, q.header.SenderID, "search", "pdng", refIDs(m), nil); err != nil {
		h.log.Error("dci: record", "err", err)
		h.fail(w, r, &failure{http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil}, true)
		return
	}
	lg := lang(r)
	start := h.background(r, func(ctx context.Context) {
		res, done := h.search(ctx, lg, m, correlation)
		status := batchStatus(done, len(m.SearchRequest))
		env, err := h.reply("on-search", q.header.SenderID, status, len(m.SearchRequest), done, res)
		if err != nil {
			h.log.Error("dci: reply", "err", err)
			return
		}
		ok, attempts := h.deliver(ctx, uri, env, h.Retries)
		if err := h.finish(context.WithoutCancel(ctx), q.member, correlation, status, env, ok, attempts); err != nil {
			h.log.Error("dci: finish", "err", err)
		}
	})
	defer start()
	h.ack(w, correlation)
}

func batchStatus(done, total int) string {
	if done == 0 && total > 0 {
		return "rjct"
	}
	return "succ"
}

// TxnStatusRequest is the message of txn/status.
type TxnStatusRequest struct {
	TransactionID    string `json:"transaction_id"`
	TxnStatusRequest struct {
		ReferenceID    string          `json:"reference_id"`
		TxnType        string          `json:"txn_type"`
		AttributeType  string          `json:"attribute_type"`
		AttributeValue json.RawMessage `json:"attribute_value"`
		Locale         string          `json:"locale,omitempty"`
	} `json:"txnstatus_request"`
}

// txnStatusQuery is a txn/status request checked before anything is
// looked up: what kind of transaction, by which attribute, which value.
type txnStatusQuery struct {
	action string // search, subscribe or unsubscribe: what the registry stored
	typ    string // txn_type as the specification spells it, echoed in the answer
	by     exchange.By
	value  string
}

// checkTxnStatus validates m. A malformed request is refused the same way
// on both paths, before an acknowledgement: an HTTP error.
func checkTxnStatus(m TxnStatusRequest) (txnStatusQuery, *failure) {
	t := m.TxnStatusRequest
	var q txnStatusQuery
	// The specification's enumeration is search, subscibe (sic) and
	// receipt; the correct spelling and unsubscribe are accepted as well.
	switch t.TxnType {
	case "search":
		q.action, q.typ = "search", "search"
	case "subscribe", "subscibe":
		q.action, q.typ = "subscribe", "subscibe"
	case "unsubscribe":
		q.action, q.typ = "unsubscribe", "subscibe"
	default:
		return q, &failure{http.StatusBadRequest, "err.request.bad", "dci.bad_txn_type", map[string]any{"type": clip(t.TxnType)}}
	}
	var values []string
	var one string
	if json.Unmarshal(t.AttributeValue, &one) == nil && one != "" {
		values = []string{one}
	} else if err := json.Unmarshal(t.AttributeValue, &values); err != nil || len(values) == 0 || values[0] == "" {
		return q, &failure{http.StatusBadRequest, "err.request.bad", "dci.missing_field", map[string]any{"field": "txnstatus_request.attribute_value"}}
	}
	q.value = values[0]
	switch t.AttributeType {
	case "transaction_id":
		q.by = exchange.ByTransactionID
	case "correlation_id":
		q.by = exchange.ByCorrelationID
	case "reference_id_list":
		q.by = exchange.ByReferenceID
	default:
		return q, &failure{http.StatusBadRequest, "err.request.bad", "dci.missing_field", map[string]any{"field": "txnstatus_request.attribute_type"}}
	}
	return q, nil
}

// txnStatus looks a transaction up and builds the txn-on-status message
// and its header status. A transaction that is not found is an answer, not
// an error: status rjct, and a txn_status shaped like a search response
// whose one item is rejected with the reason — the same on the synchronous
// and the asynchronous path, and valid against the specification.
func (h *Handler) txnStatus(ctx context.Context, lg i18n.Lang, member int64, sender string, m TxnStatusRequest, q txnStatusQuery) (map[string]any, string) {
	found, err := h.txns.Find(ctx, member, sender, q.action, q.by, q.value)
	if err != nil {
		if !errorsIsNotFound(err) {
			h.log.Error("dci: txn status", "err", err)
		}
		txn := ""
		if q.by == exchange.ByTransactionID {
			txn = q.value
		}
		item := map[string]any{"reference_id": m.TxnStatusRequest.ReferenceID, "timestamp": ts(h.now()), "status": "rjct",
			"status_reason_code": "rjct.reference_id.invalid", "status_reason_message": i18n.T(lg, "dci.txn_not_found", nil)}
		return map[string]any{"transaction_id": m.TransactionID, "correlation_id": "",
			"txnstatus_response": map[string]any{"txn_type": q.typ, "txn_status": map[string]any{
				"transaction_id": txn, "correlation_id": "", "search_response": []any{item}}}}, "rjct"
	}
	corr, txn, status := found.CorrelationID, found.TransactionID, found.Status
	var txnStatus any = map[string]any{"transaction_id": txn, "correlation_id": corr, "search_response": []any{}}
	if len(found.Response) > 0 {
		var env struct {
			Message json.RawMessage `json:"message"`
		}
		if json.Unmarshal(found.Response, &env) == nil && len(env.Message) > 0 {
			txnStatus = env.Message
		}
	}
	return map[string]any{"transaction_id": m.TransactionID, "correlation_id": corr,
		"txnstatus_response": map[string]any{"txn_type": q.typ, "txn_status": txnStatus}}, status
}

func (h *Handler) syncTxnStatus(w http.ResponseWriter, r *http.Request) {
	var m TxnStatusRequest
	q, f := h.read(r, "txn-status", &m)
	var tq txnStatusQuery
	if f == nil {
		tq, f = checkTxnStatus(m)
	}
	if f != nil {
		h.fail(w, r, f, false)
		return
	}
	msg, status := h.txnStatus(q.ctx, lang(r), q.member, q.header.SenderID, m, tq)
	env, err := h.reply("txn-on-status", q.header.SenderID, status, 1, 1, msg)
	if err != nil {
		h.log.Error("dci: reply", "err", err)
		h.httpError(w, r, http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil)
		return
	}
	writeJSON(w, http.StatusOK, env)
}

func (h *Handler) asyncTxnStatus(w http.ResponseWriter, r *http.Request) {
	var m TxnStatusRequest
	q, f := h.read(r, "txn-status", &m)
	var uri string
	if f == nil {
		uri, f = q.callback()
	}
	var tq txnStatusQuery
	if f == nil {
		tq, f = checkTxnStatus(m)
	}
	if f != nil {
		h.fail(w, r, f, true)
		return
	}
	lg := lang(r)
	start := h.background(r, func(ctx context.Context) {
		msg, status := h.txnStatus(ctx, lg, q.member, q.header.SenderID, m, tq)
		env, err := h.reply("txn-on-status", q.header.SenderID, status, 1, 1, msg)
		if err != nil {
			h.log.Error("dci: reply", "err", err)
			return
		}
		h.deliver(ctx, uri, env, h.Retries)
	})
	defer start()
	h.ack(w, newID())
}

// clip shortens what a message repeats of a caller's input.
func clip(s string) string {
	if r := []rune(strings.ToValidUTF8(s, "?")); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}
