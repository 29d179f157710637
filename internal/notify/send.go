package notify

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// passSize is how many due messages one pass claims at most.
const passSize = 100

// Start runs the sender in the background: a pass now, then one every
// Options.Every or as soon as Enqueue wrote a message, until Close. Call it
// once, after Recover.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		return
	}
	ctx, stop := context.WithCancel(actor.System(context.Background()))
	s.stop, s.done = stop, make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.every)
		defer t.Stop()
		for {
			if _, err := s.Pass(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("notifications: sender pass", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-s.wake:
			}
		}
	}()
}

// Close stops the sender started by Start: no new message is claimed, a
// send in flight is cancelled (its context ends), and Close returns once
// the loop has recorded what it was doing, or when ctx ends.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	stop, done := s.stop, s.done
	s.mu.Unlock()
	if stop == nil {
		return nil
	}
	stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Recover marks the messages a stopped sender left "sending" as unknown:
// the gateway may have sent them, so they are not sent again unless an
// officer retries them. serve calls it before Start.
func (s *Service) Recover(ctx context.Context) (int, error) {
	var n int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE notification_attempts SET outcome = 'unknown', answer = ? WHERE outcome = 'sending'`, "the sender stopped before the answer was recorded"); err != nil {
			return errs.Wrapf(err, "notify: recover")
		}
		res, err := tx.Exec(ctx, `UPDATE notifications SET status = 'unknown', reason = ?, updated_at = ? WHERE status = 'sending'`, ReasonStopped, now)
		if err != nil {
			return errs.Wrapf(err, "notify: recover")
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// Pass sends every message due now, once each, and returns how many it
// attempted. Any number of senders (processes) may run passes at once: a
// message is claimed by one only.
func (s *Service) Pass(ctx context.Context) (int, error) {
	ids, err := s.due(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		ok, err := s.sendOne(ctx, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func (s *Service) due(ctx context.Context) ([]int64, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM notifications WHERE status = 'queued' AND next_at <= ? ORDER BY next_at, id LIMIT ?`, s.now(), passSize)
	if err != nil {
		return nil, errs.Wrapf(err, "notify: due messages")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrapf(err, "notify: due messages")
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// claim moves message id from queued to sending and records the attempt as
// sending, in one transaction, before anything is sent. It is false when
// another sender claimed it first.
func (s *Service) claim(ctx context.Context, id int64) (Notification, bool, error) {
	var n Notification
	won := false
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		won = false
		now := s.now()
		res, err := tx.Exec(ctx, `UPDATE notifications SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued' AND next_at <= ?`, now, id, now)
		if err != nil {
			return errs.Wrapf(err, "notify: claim %d", id)
		}
		if c, _ := res.RowsAffected(); c != 1 {
			return nil
		}
		if n, err = get(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notification_attempts (member_id, notification_id, attempt, channel, at, outcome) VALUES (?, ?, ?, ?, ?, 'sending')`,
			n.MemberID, n.ID, n.Attempts, n.Channel, now); err != nil {
			return errs.Wrapf(err, "notify: claim %d", id)
		}
		won = true
		return nil
	})
	return n, won, err
}

// result is what a channel says of one send.
type result struct {
	ok     bool   // the provider accepted the message
	unsure bool   // it may have: no retry
	reason string // why not, for the message's row
	answer string // the provider's answer, for the attempt's row
}

// sendOne claims, sends and records message id; false when another sender
// had it.
func (s *Service) sendOne(ctx context.Context, id int64) (bool, error) {
	n, won, err := s.claim(ctx, id)
	if err != nil || !won {
		return false, err
	}
	st, err := settings(ctx, s.db, n.MemberID)
	var r result
	switch {
	case err != nil:
		r = result{reason: ReasonUnreachable, answer: "settings: " + err.Error()}
	case n.Channel == SMS && !st.SMSEnabled, n.Channel == Email && !st.EmailEnabled:
		r = result{reason: ReasonOff, answer: "the channel is switched off"}
	case n.Channel == SMS:
		r = s.sendSMS(ctx, st, n)
	default:
		r = s.sendEmail(ctx, st, n)
	}
	// The answer is recorded even when ctx ended meanwhile (shutdown): what
	// the gateway said must not be lost.
	return true, s.record(context.WithoutCancel(ctx), n, st, r)
}

// record writes the outcome of n's attempt: sent; queued again after the
// backoff; failed when the attempts are spent or the channel is off;
// unknown when the provider may have sent it.
func (s *Service) record(ctx context.Context, n Notification, st Settings, r result) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		outcome, status, reason, next := Failed, Queued, r.reason, n.NextAt
		var sentAt any
		switch {
		case r.ok:
			outcome, status, reason, sentAt = Sent, Sent, "", now
		case r.unsure:
			outcome, status = Unknown, Unknown
		case r.reason == ReasonOff || n.Attempts-n.RetryBase >= max(st.MaxAttempts, 1):
			status = Failed
			if r.reason != ReasonOff {
				reason = r.reason
			}
		default:
			next = now.Add(s.delay(n.Attempts - n.RetryBase))
		}
		if _, err := tx.Exec(ctx, `UPDATE notification_attempts SET outcome = ?, answer = ? WHERE notification_id = ? AND attempt = ?`,
			outcome, truncate(r.answer, answerMax), n.ID, n.Attempts); err != nil {
			return errs.Wrapf(err, "notify: record %d", n.ID)
		}
		res, err := tx.Exec(ctx, `UPDATE notifications SET status = ?, reason = ?, next_at = ?, sent_at = ?, updated_at = ? WHERE id = ? AND status = 'sending'`,
			status, reason, next, sentAt, now, n.ID)
		if err != nil {
			return errs.Wrapf(err, "notify: record %d", n.ID)
		}
		if c, _ := res.RowsAffected(); c != 1 {
			// Recover ran meanwhile (another process started): the row
			// says unknown, the attempt says what happened.
			return nil
		}
		return nil
	})
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}
