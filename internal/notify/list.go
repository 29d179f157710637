package notify

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

const notificationCols = `id, member_id, event, entity_type, entity_id, COALESCE(household_id, 0), channel, recipient, lang, subject, body,
	status, reason, attempts, retry_base, next_at, created_at, sent_at, updated_at`

func scan(r interface{ Scan(...any) error }) (Notification, error) {
	var n Notification
	var sent sql.NullTime
	err := r.Scan(&n.ID, &n.MemberID, &n.Event, &n.EntityType, &n.EntityID, &n.HouseholdID, &n.Channel, &n.Recipient, &n.Lang,
		&n.Subject, &n.Body, &n.Status, &n.Reason, &n.Attempts, &n.RetryBase, &n.NextAt, &n.CreatedAt, &sent, &n.UpdatedAt)
	if sent.Valid {
		t := sent.Time.UTC()
		n.SentAt = &t
	}
	n.NextAt, n.CreatedAt, n.UpdatedAt = n.NextAt.UTC(), n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	return n, err
}

func get(ctx context.Context, q queryRower, id int64) (Notification, error) {
	n, err := scan(q.QueryRow(ctx, `SELECT `+notificationCols+` FROM notifications WHERE id = ?`, id))
	if isNoRows(err) {
		return n, errs.E(errs.NotFound, "notify.not_found")
	}
	if err != nil {
		return n, errs.Wrapf(err, "notify: notification %d", id)
	}
	return n, nil
}

// Mask hides most of an address for lists: the last three digits of a
// phone, the first letter and the domain of an e-mail.
func Mask(addr string) string {
	if addr == "" {
		return ""
	}
	if i := strings.LastIndexByte(addr, '@'); i > 0 {
		return addr[:1] + "•••" + addr[i:]
	}
	if len(addr) <= 4 {
		return "•••"
	}
	return addr[:min(4, len(addr)-3)] + "•••" + addr[len(addr)-3:]
}

// Filter selects notifications. The zero value is the newest of every
// state, event and channel.
type Filter struct {
	MemberID    int64 // 0: the actor's member, or every member for a union user
	Status      string
	Event       string
	Channel     string
	HouseholdID int64
	Limit       int // 0: 100
	Offset      int
}

// List returns notifications newest first, their recipients masked. A
// member-scoped actor sees its member's only; the actor needs
// auth.NotifyRead.
func (s *Service) List(ctx context.Context, f Filter) ([]Notification, error) {
	a := actor.From(ctx)
	if !a.Union() {
		f.MemberID = a.MemberID
	}
	if f.MemberID != 0 {
		if err := auth.RequireMember(ctx, auth.NotifyRead, f.MemberID); err != nil {
			return nil, err
		}
	} else if err := auth.Require(ctx, auth.NotifyRead); err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains(States, f.Status) || f.Event != "" && !slices.Contains(Events, f.Event) || f.Channel != "" && !slices.Contains(Channels, f.Channel) {
		return nil, errs.E(errs.Invalid, "notify.bad_filter")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q := `SELECT ` + notificationCols + ` FROM notifications WHERE 1 = 1`
	var args []any
	add := func(cond string, v any) { q += ` AND ` + cond; args = append(args, v) }
	if f.MemberID != 0 {
		add(`member_id = ?`, f.MemberID)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.Event != "" {
		add(`event = ?`, f.Event)
	}
	if f.Channel != "" {
		add(`channel = ?`, f.Channel)
	}
	if f.HouseholdID != 0 {
		add(`household_id = ?`, f.HouseholdID)
	}
	q += ` ORDER BY id DESC LIMIT ? OFFSET ?`
	args = append(args, f.Limit, max(f.Offset, 0))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "notify: list")
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scan(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "notify: list")
		}
		n.Recipient = Mask(n.Recipient)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Get returns notification id with its attempts, its recipient masked. The
// actor needs auth.NotifyRead for its member.
func (s *Service) Get(ctx context.Context, id int64) (Notification, error) {
	if err := auth.Require(ctx, auth.NotifyRead); err != nil {
		return Notification{}, err
	}
	n, err := get(ctx, s.db, id)
	if err != nil {
		return n, err
	}
	if err := auth.RequireMember(ctx, auth.NotifyRead, n.MemberID); err != nil {
		return Notification{}, err
	}
	n.Recipient = Mask(n.Recipient)
	rows, err := s.db.Query(ctx, `SELECT attempt, channel, at, outcome, answer FROM notification_attempts WHERE notification_id = ? ORDER BY attempt`, id)
	if err != nil {
		return n, errs.Wrapf(err, "notify: attempts of %d", id)
	}
	defer rows.Close()
	for rows.Next() {
		var a Attempt
		if err := rows.Scan(&a.Attempt, &a.Channel, &a.At, &a.Outcome, &a.Answer); err != nil {
			return n, errs.Wrapf(err, "notify: attempts of %d", id)
		}
		a.At = a.At.UTC()
		n.AttemptList = append(n.AttemptList, a)
	}
	return n, rows.Err()
}

// Retry queues a failed or unknown notification again, now, with a full
// set of attempts. The actor needs auth.NotifyRetry for its member; the
// retry is audited. A message in another state is a conflict.
func (s *Service) Retry(ctx context.Context, id int64) (Notification, error) {
	if err := auth.Require(ctx, auth.NotifyRetry); err != nil {
		return Notification{}, err
	}
	var n Notification
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if n, err = get(ctx, tx, id); err != nil {
			return err
		}
		if err := auth.RequireMember(ctx, auth.NotifyRetry, n.MemberID); err != nil {
			return err
		}
		if n.Status != Failed && n.Status != Unknown {
			return errs.E(errs.Conflict, "notify.not_retryable")
		}
		now := s.now()
		res, err := tx.Exec(ctx, `UPDATE notifications SET status = 'queued', reason = '', retry_base = attempts, next_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
			now, now, id, n.Status)
		if err != nil {
			return errs.Wrapf(err, "notify: retry %d", id)
		}
		if c, _ := res.RowsAffected(); c != 1 {
			return errs.E(errs.Conflict, "notify.not_retryable")
		}
		n.Status, n.Reason, n.RetryBase, n.NextAt, n.UpdatedAt = Queued, "", n.Attempts, now, now
		n.Recipient = Mask(n.Recipient)
		return audit.Append(ctx, tx, audit.Entry{MemberID: n.MemberID, Action: "notify.retry", EntityType: "notification", EntityID: idString(n.ID),
			State: struct {
				ID       int64  `json:"id"`
				Status   string `json:"status"`
				Attempts int    `json:"attempts"`
			}{n.ID, n.Status, n.Attempts}})
	})
	if err != nil {
		return Notification{}, err
	}
	s.poke()
	return n, nil
}
