package dci

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/i18n"
)

// SubscribeRequest is the message of registry/subscribe.
type SubscribeRequest struct {
	TransactionID    string          `json:"transaction_id"`
	SubscribeRequest []SubscribeItem `json:"subscribe_request"`
}

// SubscribeItem asks for one subscription.
type SubscribeItem struct {
	ReferenceID       string            `json:"reference_id"`
	Timestamp         string            `json:"timestamp"`
	SubscribeCriteria SubscribeCriteria `json:"subscribe_criteria"`
	Locale            string            `json:"locale,omitempty"`
}

// SubscribeCriteria says which records' changes are notified.
type SubscribeCriteria struct {
	Version          string          `json:"version,omitempty"`
	RegType          string          `json:"reg_type,omitempty"`
	RegEventType     string          `json:"reg_event_type"`
	Frequency        json.RawMessage `json:"frequency,omitempty"`
	FilterType       string          `json:"filter_type"`
	Filter           json.RawMessage `json:"filter"`
	NotifyRecordType string          `json:"notify_record_type"`
}

// UnsubscribeRequest is the message of registry/unsubscribe.
type UnsubscribeRequest struct {
	TransactionID     string   `json:"transaction_id"`
	Timestamp         string   `json:"timestamp"`
	SubscriptionCodes []string `json:"subscription_codes"`
	// SunscriptionCodes is the name the specification's schema requires
	// (sic, registry_core_api v1.0.0) for the same list; a client that
	// follows the schema sends it, so both are read.
	SunscriptionCodes []string `json:"sunscription_codes"`
}

// codes returns the subscription codes under either name, each once.
func (m UnsubscribeRequest) codes() []string {
	var out []string
	for _, c := range append(slices.Clone(m.SubscriptionCodes), m.SunscriptionCodes...) {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// search is the criteria as a search. filter_type is optional: without it
// the filter's shape says which query it is — a list is a predicate, an
// object whose value is an object an expression, any other object an
// identifier type and value.
func (c SubscribeCriteria) search() SearchCriteria {
	typ := c.FilterType
	if typ == "" {
		var probe any
		_ = json.Unmarshal(c.Filter, &probe)
		switch v := probe.(type) {
		case []any:
			typ = "predicate"
		case map[string]any:
			if _, ok := v["value"].(map[string]any); ok {
				typ = "expression"
			} else {
				typ = "idtype-value"
			}
		}
	}
	return SearchCriteria{QueryType: typ, Query: c.Filter, RegType: c.RegType}
}

// localeRe is the specification's pattern for a locale (ISO 639-3).
var localeRe = regexp.MustCompile(`^[a-z]{3}$`)

// withLocale sets item's locale to the request's when it is one the
// specification allows; an empty or malformed one is left out.
func withLocale(item map[string]any, locale string) map[string]any {
	if localeRe.MatchString(locale) {
		item["locale"] = locale
	}
	return item
}

func (h *Handler) subscribe(w http.ResponseWriter, r *http.Request) {
	var m SubscribeRequest
	q, f := h.read(r, "subscribe", &m)
	var uri string
	if f == nil {
		uri, f = q.callback()
	}
	if f == nil && (m.TransactionID == "" || len(m.SubscribeRequest) == 0) {
		f = &failure{http.StatusBadRequest, "err.request.bad", "dci.missing_field", map[string]any{"field": "message.subscribe_request"}}
	}
	if f != nil {
		h.fail(w, r, f, true)
		return
	}
	lg := lang(r)
	correlation := newID()
	res := map[string]any{"transaction_id": m.TransactionID, "correlation_id": correlation}
	var items []map[string]any
	var refs []string
	done := 0
	// A subscription hears of the changes after this one. Read before the
	// transaction: a change made meanwhile is announced, never missed.
	last, err := h.reg.LastChange(q.ctx, q.member)
	if err != nil {
		h.log.Error("dci: subscribe", "err", err)
		h.fail(w, r, &failure{http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil}, true)
		return
	}
	now := h.now().UTC()
	var subs []exchange.Subscription
	for _, it := range m.SubscribeRequest {
		refs = append(refs, it.ReferenceID)
		item := withLocale(map[string]any{"reference_id": it.ReferenceID, "timestamp": ts(now)}, it.Locale)
		items = append(items, item)
		var rerr error
		if it.ReferenceID == "" {
			rerr = reject("rjct.reference_id.invalid", "dci.missing_field", "field", "reference_id")
		} else if _, err := time.Parse(time.RFC3339, it.Timestamp); err != nil {
			rerr = reject("rjct.timestamp.invalid", "dci.bad_timestamp", "field", "timestamp")
		} else if cs, err := parseConds(it.SubscribeCriteria.search()); err != nil {
			rerr = err
		} else if _, _, err := buildQuery(cs); err != nil {
			rerr = err
		}
		if rerr != nil {
			rj := rerr.(*rejection)
			item["status"], item["status_reason_code"], item["status_reason_message"] = "rjct", "rjct.notify_details.invalid", i18n.T(lg, rj.key, rj.args)
			if rj.code == "rjct.reference_id.invalid" || rj.code == "rjct.timestamp.invalid" {
				item["status_reason_code"] = rj.code
			}
			continue
		}
		crit, err := json.Marshal(it.SubscribeCriteria)
		if err != nil {
			h.log.Error("dci: subscribe", "err", err)
			h.fail(w, r, &failure{http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil}, true)
			return
		}
		code := newID()
		subs = append(subs, exchange.Subscription{MemberID: q.member, Code: code, SenderID: q.header.SenderID, SenderURI: uri, Criteria: crit, LastHistoryID: last})
		item["status"] = "succ"
		// SubscriptionInfo names its properties code and the criteria
		// flat, but requires subscription_code and
		// subscribe_criteria: both are given.
		c := it.SubscribeCriteria
		c.FilterType = c.search().QueryType
		item["subscriptions"] = []map[string]any{{"version": "1.0.0", "code": code, "subscription_code": code, "status": "subscribe", "timestamp": ts(now),
			"reg_type": c.RegType, "reg_event_type": c.RegEventType, "filter_type": c.FilterType, "filter": c.Filter,
			"notify_record_type": c.NotifyRecordType, "subscribe_criteria": c}}
		done++
	}
	// The accepted subscriptions are stored together, or none is.
	if err := h.subs.Create(q.ctx, subs); err != nil {
		h.log.Error("dci: subscribe", "err", err)
		h.fail(w, r, &failure{http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil}, true)
		return
	}
	res["subscribe_response"] = items
	status := batchStatus(done, len(m.SubscribeRequest))
	if err := h.record(q.ctx, q.member, correlation, m.TransactionID, q.header.SenderID, "subscribe", "pdng", refs, nil); err != nil {
		h.log.Error("dci: record", "err", err)
	}
	h.startPoller()
	start := h.background(r, func(ctx context.Context) {
		env, err := h.reply("on-subscribe", q.header.SenderID, status, len(m.SubscribeRequest), done, res)
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

func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	var m UnsubscribeRequest
	q, f := h.read(r, "unsubscribe", &m)
	var uri string
	if f == nil {
		uri, f = q.callback()
	}
	codes := m.codes()
	if f == nil && (m.TransactionID == "" || len(codes) == 0) {
		f = &failure{http.StatusBadRequest, "err.request.bad", "dci.missing_field", map[string]any{"field": "message.subscription_codes"}}
	}
	if f != nil {
		h.fail(w, r, f, true)
		return
	}
	lg := lang(r)
	correlation := newID()
	ended, notFound, err := h.subs.Cancel(q.ctx, q.member, q.header.SenderID, codes)
	if err != nil {
		h.log.Error("dci: unsubscribe", "err", err)
		h.fail(w, r, &failure{http.StatusServiceUnavailable, "err.service.unavailable", "dci.unavailable", nil}, true)
		return
	}
	statuses := []map[string]any{} // an array even when empty: the specification requires one
	for _, code := range ended {
		statuses = append(statuses, map[string]any{"code": code, "status": "unsubscribe"})
	}
	var unknown string
	if len(notFound) > 0 {
		unknown = notFound[len(notFound)-1]
	}
	res := map[string]any{"transaction_id": m.TransactionID, "correlation_id": correlation, "timestamp": ts(h.now()), "status": "succ",
		"subscription_status": statuses}
	if unknown != "" {
		res["status"], res["status_reason_code"], res["status_reason_message"] = "rjct", "rjct.subscription_code.invalid", i18n.T(lg, "dci.subscription_not_found", map[string]any{"code": unknown})
	}
	if err := h.record(q.ctx, q.member, correlation, m.TransactionID, q.header.SenderID, "unsubscribe", "pdng", nil, nil); err != nil {
		h.log.Error("dci: record", "err", err)
	}
	start := h.background(r, func(ctx context.Context) {
		env, err := h.reply("on-unsubscribe", q.header.SenderID, res["status"].(string), len(codes), len(statuses), res)
		if err != nil {
			h.log.Error("dci: reply", "err", err)
			return
		}
		ok, attempts := h.deliver(ctx, uri, env, h.Retries)
		if err := h.finish(context.WithoutCancel(ctx), q.member, correlation, res["status"].(string), env, ok, attempts); err != nil {
			h.log.Error("dci: finish", "err", err)
		}
	})
	defer start()
	h.ack(w, correlation)
}

// startPoller starts, once, the goroutine that notifies subscribers of
// registry changes. It asks the registry for its changes
// (registry.ChangesSince) every Poll.
func (h *Handler) startPoller() {
	h.pollOnce.Do(func() {
		ctx, cancel := context.WithCancel(actor.System(context.Background()))
		h.stopPoll = cancel
		h.pollWG.Add(1)
		go func() {
			defer h.pollWG.Done()
			t := time.NewTicker(h.Poll)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				if err := h.pollOnceNow(ctx); err != nil && ctx.Err() == nil {
					h.log.Error("dci: notify", "err", err)
				}
			}
		}()
	})
}

// subscription is a stored subscription with its criteria read.
type subscription struct {
	exchange.Subscription
	criteria SubscribeCriteria
}

// maxHouseholdsPerPoll bounds the work of one poll per subscription.
const maxHouseholdsPerPoll = 500

// pollOnceNow notifies every active subscription of the changes since it
// was last notified.
func (h *Handler) pollOnceNow(ctx context.Context) error {
	active, err := h.subs.Active(ctx)
	if err != nil {
		return err
	}
	var subs []subscription
	for _, a := range active {
		s := subscription{Subscription: a}
		if json.Unmarshal(a.Criteria, &s.criteria) == nil {
			subs = append(subs, s)
		}
	}
	for _, s := range subs {
		if err := h.notify(ctx, s); err != nil {
			h.log.Warn("dci: notify", "subscription", s.Code, "err", err)
		}
	}
	return nil
}

// notify sends subscription s the records matching its filter in the
// households changed since s.last, then moves s.last on.
func (h *Handler) notify(ctx context.Context, s subscription) error {
	// The subscription's address must still be registered for an active
	// sender: a registry change stops notifications at once (they resume,
	// from where they stopped, if the address is registered again).
	found, err := h.senders.Lookup(ctx, s.MemberID, s.SenderID)
	if err != nil {
		return err
	}
	if found.Sender == nil || !found.Sender.Active || !slices.Contains(found.Sender.CallbackURIs, s.SenderURI) {
		return fmt.Errorf("dci: notify %s: %s is not a registered address of an active sender %s", s.Code, s.SenderURI, s.SenderID)
	}
	changed, err := h.reg.ChangesSince(ctx, s.MemberID, s.LastHistoryID, maxHouseholdsPerPoll)
	if err != nil {
		return fmt.Errorf("dci: changes: %w", err)
	}
	households := make([]int64, len(changed))
	last := s.LastHistoryID
	for i, c := range changed {
		households[i] = c.HouseholdID
		last = max(last, c.Last)
	}
	if len(households) == 0 {
		return nil
	}
	cs, err := parseConds(s.criteria.search())
	if err != nil {
		return err
	}
	base, memberRef, err := buildQuery(cs)
	if err != nil {
		return err
	}
	var records []Record
	for _, id := range households {
		hh, err := h.reg.Household(ctx, id)
		if err != nil {
			if errorsIsNotFound(err) {
				continue
			}
			return err
		}
		q := base
		if q.HouseholdRef != "" && q.HouseholdRef != hh.Ref {
			continue
		}
		q.MemberID, q.HouseholdRef, q.Limit = s.MemberID, hh.Ref, 1000
		page, err := h.reg.Search(ctx, q)
		if err != nil {
			return err
		}
		for _, p := range page.Persons {
			if memberRef == "" || p.Ref == memberRef {
				records = append(records, record(p, &hh))
			}
		}
	}
	if len(records) > 0 {
		// registry_core_api types an event's reg_records as one record
		// (an object): one event per changed record, each naming the
		// subscription.
		events := make([]map[string]any, 0, len(records))
		at := ts(h.now())
		for _, rec := range records {
			events = append(events, map[string]any{"reference_id": s.Code, "timestamp": at,
				"data": map[string]any{"version": "1.0.0", "reg_type": s.criteria.RegType, "reg_record_type": "Member", "reg_records": rec}})
		}
		msg := map[string]any{"transaction_id": newID(), "notify_event": events}
		env, err := h.reply("notify", s.SenderID, "succ", len(events), len(events), msg)
		if err != nil {
			return err
		}
		if ok, _ := h.deliver(ctx, s.SenderURI, env, 1); !ok {
			return fmt.Errorf("dci: notify %s: not delivered", s.SenderURI)
		}
	}
	return h.subs.Advance(ctx, s.Subscription, last, len(records))
}

func errorsIsNotFound(err error) bool {
	return errs.Is(err, errs.NotFound)
}
