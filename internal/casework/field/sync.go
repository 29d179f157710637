package field

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Item is one form the phone filled, as it sends it. The fields after
// BaseVersion belong to the kinds named beside them.
type Item struct {
	ClientID    string `json:"client_id"` // made by the phone (crypto.randomUUID)
	Kind        string `json:"kind"`      // one of Kinds
	CaseID      int64  `json:"case_id"`
	BaseVersion int64  `json:"base_version"` // the case version the worker saw (a follow-up: the referral's version)
	// At is when the visit or follow-up happened (note, visit, followup).
	At *time.Time `json:"at,omitempty"`
	// Text is the note (note, visit) or the follow-up's note (followup).
	Text string `json:"text,omitempty"`
	// ReferralID and Outcome: followup.
	ReferralID int64  `json:"referral_id,omitempty"`
	Outcome    string `json:"outcome,omitempty"`
	// FormID, FormVersion and Answers: assessment.
	FormID      int64             `json:"form_id,omitempty"`
	FormVersion int               `json:"form_version,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
	// Name, ContentType and Data (base64): attachment.
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Data        string `json:"data,omitempty"`
}

// Result is the answer for one item.
type Result struct {
	ClientID string `json:"client_id"`
	Status   string `json:"status"`             // StatusStored, StatusConflict, StatusRefused or StatusDiscarded
	ID       int64  `json:"id,omitempty"`       // what was stored (stored)
	Conflict int64  `json:"conflict,omitempty"` // the kept item (conflict, discarded)
	// Reason says why an item is refused or in conflict; the transport
	// words it in the caller's language.
	Reason *errs.Error `json:"-"`
}

// Sync stores a batch of items the field app queued, each exactly once,
// and answers for each in the batch's order.
//
// A batch is first checked whole: too many items, an item too large or
// malformed, or one naming a case the caller may not see (or not write)
// refuses the batch with the items' rows (1-based) and stores nothing.
// Then each item goes to its target with its client id: a stored item
// answers stored with its id (the same id when it is sent again); a
// conflict keeps the item for the worker (Conflicts); a refusal by the
// target answers refused and stores nothing.
func (s *Service) Sync(ctx context.Context, items []Item) ([]Result, error) {
	if err := auth.Require(ctx, auth.CaseWrite); err != nil {
		return nil, err
	}
	if len(items) > s.o.MaxItems {
		return nil, errs.E(errs.Invalid, "casework_field.batch_too_large", "n", len(items), "max", s.o.MaxItems)
	}
	if s.o.Cases == nil {
		return nil, errs.E(errs.NotFound, "casework_field.unavailable")
	}
	bad := errs.E(errs.Invalid, "casework_field.batch_invalid")
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if err := s.check(it); err != nil {
			e := errs.As(err)
			bad.Fields = append(bad.Fields, errs.FieldError{Field: "items", Row: i + 1, Key: e.Key, Args: e.Args})
			continue
		}
		if seen[it.ClientID] {
			bad.WithField("items", "casework_field.client_id_twice")
			bad.Fields[len(bad.Fields)-1].Row = i + 1
		}
		seen[it.ClientID] = true
	}
	if len(bad.Fields) > 0 {
		return nil, bad
	}
	// Every case must be one the caller may write to; a case they may not
	// see answers as if it did not exist.
	refs := map[int64]care.Ref{}
	var hidden *errs.Error
	for i, it := range items {
		if _, ok := refs[it.CaseID]; ok {
			continue
		}
		ref, err := s.o.Cases.Ref(ctx, it.CaseID, true)
		if err != nil {
			switch c := errs.CodeOf(err); c {
			case errs.NotFound, errs.Forbidden:
				if hidden == nil {
					hidden = errs.E(c, "casework_field.case_not_found")
				}
				hidden.Fields = append(hidden.Fields, errs.FieldError{Field: "items.case_id", Row: i + 1, Key: "casework_field.case_not_found"})
				continue
			}
			return nil, err
		}
		if err := auth.RequireMember(ctx, auth.CaseWrite, ref.MemberID); err != nil {
			return nil, err
		}
		refs[it.CaseID] = ref
	}
	// A referral or a form the item names must be the case's (the
	// referral) or the case's member's (the form); another's answers as
	// if it did not exist, and the batch stores nothing.
	for i, it := range items {
		ref, ok := refs[it.CaseID]
		if !ok {
			continue
		}
		if it.ReferralID != 0 && s.o.ReferralCase != nil {
			c, err := s.o.ReferralCase(ctx, it.ReferralID)
			if err != nil && !errs.Is(err, errs.NotFound) && !errs.Is(err, errs.Forbidden) {
				return nil, err
			}
			if err != nil || c != it.CaseID {
				if hidden == nil {
					hidden = errs.E(errs.NotFound, "casework_field.referral_not_found")
				}
				hidden.Fields = append(hidden.Fields, errs.FieldError{Field: "items.referral_id", Row: i + 1, Key: "casework_field.referral_not_found"})
			}
		}
		if it.FormID != 0 && s.o.FormMember != nil {
			m, err := s.o.FormMember(ctx, it.FormID)
			if err != nil && !errs.Is(err, errs.NotFound) && !errs.Is(err, errs.Forbidden) {
				return nil, err
			}
			if err != nil || m != ref.MemberID {
				if hidden == nil {
					hidden = errs.E(errs.NotFound, "casework_field.form_not_found")
				}
				hidden.Fields = append(hidden.Fields, errs.FieldError{Field: "items.form_id", Row: i + 1, Key: "casework_field.form_not_found"})
			}
		}
	}
	if hidden != nil {
		return nil, hidden
	}
	// Each item goes to its target (in the target's own transaction,
	// idempotent on the client id); then the answers are logged together,
	// in one transaction with their audit records. Should the log be lost
	// (the server stops between the two), the phone sends the items again
	// and the targets answer with what they stored.
	out := make([]Result, len(items))
	fresh := make([]int, 0, len(items)) // the items whose answer is new
	for i, it := range items {
		r, known, err := s.one(ctx, it, refs[it.CaseID].MemberID)
		if err != nil {
			return nil, fmt.Errorf("field: sync item %d: %w", i+1, err)
		}
		out[i] = r
		if !known {
			fresh = append(fresh, i)
		}
	}
	if len(fresh) == 0 {
		return out, nil
	}
	var logged []Result
	err := s.d.Tx(ctx, func(tx *db.Tx) error {
		// A retried transaction starts again from the targets' answers.
		logged = slices.Clone(out)
		entries := make([]audit.Entry, 0, len(fresh))
		for _, i := range fresh {
			r, entry, err := s.record(ctx, tx, items[i], refs[items[i].CaseID].MemberID, out[i])
			if err != nil {
				return err
			}
			logged[i] = r
			if entry.Action != "" {
				entries = append(entries, entry)
			}
		}
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return nil, err
	}
	return logged, nil
}

// check refuses a malformed item.
func (s *Service) check(it Item) error {
	if !validClientID(it.ClientID) {
		return errs.E(errs.Invalid, "casework_field.client_id_bad")
	}
	if !slices.Contains(Kinds, it.Kind) {
		return errs.E(errs.Invalid, "casework_field.kind_bad")
	}
	if it.CaseID <= 0 {
		return errs.E(errs.Invalid, "casework_field.case_required")
	}
	if it.BaseVersion < 0 || it.FormVersion < 0 || it.ReferralID < 0 || it.FormID < 0 {
		return errs.E(errs.Invalid, "casework_field.number_bad")
	}
	size := len(it.ClientID) + len(it.Text) + len(it.Outcome) + len(it.Name) + len(it.ContentType) + len(it.Data)
	for k, v := range it.Answers {
		size += len(k) + len(v)
		if utf8.RuneCountInString(v) > MaxText {
			return errs.E(errs.Invalid, "casework_field.text_too_long", "max", MaxText)
		}
	}
	if size > s.o.MaxItemBytes {
		return errs.E(errs.Invalid, "casework_field.item_too_large", "max", (s.o.MaxItemBytes+(1<<20)-1)>>20)
	}
	if utf8.RuneCountInString(it.Text) > MaxText || utf8.RuneCountInString(it.Outcome) > MaxText {
		return errs.E(errs.Invalid, "casework_field.text_too_long", "max", MaxText)
	}
	switch it.Kind {
	case KindNote, KindVisit:
		if strings.TrimSpace(it.Text) == "" {
			return errs.E(errs.Invalid, "casework_field.text_required")
		}
	case KindFollowUp:
		if it.ReferralID == 0 {
			return errs.E(errs.Invalid, "casework_field.referral_required")
		}
		if strings.TrimSpace(it.Outcome) == "" {
			return errs.E(errs.Invalid, "casework_field.outcome_required")
		}
	case KindAssessment:
		if it.FormID == 0 {
			return errs.E(errs.Invalid, "casework_field.form_required")
		}
	case KindAttachment:
		if it.Data == "" {
			return errs.E(errs.Invalid, "casework_field.data_required")
		}
		if _, err := base64.StdEncoding.DecodeString(it.Data); err != nil {
			return errs.E(errs.Invalid, "casework_field.data_bad")
		}
	}
	return nil
}

// validClientID accepts what crypto.randomUUID makes and other opaque ids
// of 8 to 64 letters, digits and dashes.
func validClientID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// logged is an item's row in the sync log.
type logged struct {
	id, resultID, conflictID int64
	status, errorKey         string
}

func (s *Service) lookup(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, member int64, clientID string) (logged, bool, error) {
	var l logged
	err := q.QueryRow(ctx, `SELECT s.id, s.status, s.result_id, s.error_key, COALESCE(c.id, 0)
		FROM casework_field_syncs s LEFT JOIN casework_field_conflicts c ON c.sync_id = s.id
		WHERE s.member_id = ? AND s.client_id = ?`, member, clientID).Scan(&l.id, &l.status, &l.resultID, &l.errorKey, &l.conflictID)
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("field: sync log: %w", err)
	}
	return l, true, nil
}

// one syncs one checked item of member: known is true when the sync log
// already holds its final answer, which is returned.
func (s *Service) one(ctx context.Context, it Item, member int64) (res Result, known bool, err error) {
	res = Result{ClientID: it.ClientID}
	prev, found, err := s.lookup(ctx, s.d, member, it.ClientID)
	if err != nil {
		return res, false, err
	}
	if found {
		switch prev.status {
		case StatusStored:
			res.Status, res.ID = StatusStored, prev.resultID
			return res, true, nil
		case StatusConflict, StatusDiscarded:
			res.Status, res.Conflict = prev.status, prev.conflictID
			res.Reason = errs.E(errs.Conflict, prev.errorKey)
			if prev.status == StatusDiscarded {
				res.Reason = errs.E(errs.Conflict, "casework_field.discarded")
			}
			return res, true, nil
		}
		// Refused before: the target may take it now.
	}
	id, err := s.apply(ctx, it, it.BaseVersion)
	switch errs.CodeOf(err) {
	case "":
		res.Status, res.ID = StatusStored, id
	case errs.Conflict:
		res.Status, res.Reason = StatusConflict, errs.As(err)
	case errs.Invalid, errs.NotFound, errs.Forbidden:
		res.Status, res.Reason = StatusRefused, errs.As(err)
	default:
		return res, false, err
	}
	return res, false, nil
}

// apply hands the item to its target, as of version base of the case.
func (s *Service) apply(ctx context.Context, it Item, base int64) (int64, error) {
	at := s.o.Clock()
	if it.At != nil && !it.At.IsZero() {
		at = *it.At
	}
	var id int64
	var err error
	switch it.Kind {
	case KindNote, KindVisit:
		if s.o.Notes == nil {
			return 0, errs.E(errs.NotFound, "casework_field.unavailable")
		}
		id, _, err = s.o.Notes.AddNote(ctx, care.NoteInput{ClientID: it.ClientID, CaseID: it.CaseID, BaseVersion: base, Kind: it.Kind, Text: it.Text, At: at})
	case KindFollowUp:
		if s.o.FollowUps == nil {
			return 0, errs.E(errs.NotFound, "casework_field.unavailable")
		}
		id, _, err = s.o.FollowUps.RecordFollowUp(ctx, care.FollowUpInput{ClientID: it.ClientID, CaseID: it.CaseID, BaseVersion: base,
			ReferralID: it.ReferralID, Outcome: it.Outcome, Note: it.Text, At: at})
	case KindAssessment:
		if s.o.Assessments == nil {
			return 0, errs.E(errs.NotFound, "casework_field.unavailable")
		}
		id, _, err = s.o.Assessments.SubmitAssessment(ctx, care.AssessmentInput{ClientID: it.ClientID, CaseID: it.CaseID, BaseVersion: base,
			FormID: it.FormID, FormVersion: it.FormVersion, Answers: it.Answers})
	case KindAttachment:
		if s.o.Notes == nil {
			return 0, errs.E(errs.NotFound, "casework_field.unavailable")
		}
		data, derr := base64.StdEncoding.DecodeString(it.Data)
		if derr != nil {
			return 0, errs.E(errs.Invalid, "casework_field.data_bad")
		}
		id, _, err = s.o.Notes.AddAttachment(ctx, care.AttachmentInput{ClientID: it.ClientID, CaseID: it.CaseID, BaseVersion: base,
			Name: it.Name, ContentType: it.ContentType, Data: data})
	default:
		return 0, errs.E(errs.Invalid, "casework_field.kind_bad")
	}
	return id, err
}

// record writes the item's answer to the sync log (and, for a conflict,
// keeps the item) and returns its audit entry. When another request logged
// the same item meanwhile (the phone sent it twice at once), the first
// answer stands and is returned, with no entry.
func (s *Service) record(ctx context.Context, tx *db.Tx, it Item, member int64, res Result) (Result, audit.Entry, error) {
	now := tx.Now().UTC()
	a := actor.From(ctx)
	key, args := "", "{}"
	if res.Reason != nil {
		key = res.Reason.Key
		if len(res.Reason.Args) > 0 {
			b, _ := json.Marshal(res.Reason.Args)
			args = string(b)
		}
	}
	var syncID int64
	err := tx.QueryRow(ctx, `INSERT INTO casework_field_syncs (member_id, user_id, client_id, kind, case_id, base_version, received_at, updated_at, status, result_id, error_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (member_id, client_id) DO UPDATE SET status = excluded.status, result_id = excluded.result_id, error_key = excluded.error_key,
			updated_at = excluded.updated_at, base_version = excluded.base_version
		WHERE casework_field_syncs.status = 'refused'
		RETURNING id`, member, a.UserID, it.ClientID, it.Kind, it.CaseID, it.BaseVersion, now, now, res.Status, res.ID, key).Scan(&syncID)
	if errors.Is(err, sql.ErrNoRows) {
		// Logged meanwhile with a final answer: that answer stands.
		prev, _, err := s.lookup(ctx, tx, member, it.ClientID)
		if err != nil {
			return res, audit.Entry{}, err
		}
		res.Status, res.ID, res.Conflict = prev.status, prev.resultID, prev.conflictID
		if prev.status != StatusStored {
			res.Reason = errs.E(errs.Conflict, prev.errorKey)
		} else {
			res.Reason = nil
		}
		return res, audit.Entry{}, nil
	}
	if err != nil {
		return res, audit.Entry{}, fmt.Errorf("field: log item: %w", err)
	}
	entry := audit.Entry{MemberID: member, EntityType: "casework_field_sync", EntityID: strconv.FormatInt(syncID, 10),
		State: map[string]any{"client_id": it.ClientID, "kind": it.Kind, "case_id": it.CaseID, "status": res.Status, "result_id": res.ID, "error": key}}
	switch res.Status {
	case StatusStored:
		entry.Action = "casework_field.sync.stored"
	case StatusRefused:
		entry.Action = "casework_field.sync.refused"
	case StatusConflict:
		entry.Action = "casework_field.sync.conflict"
		payload, err := json.Marshal(it)
		if err != nil {
			return res, audit.Entry{}, fmt.Errorf("field: keep item: %w", err)
		}
		res.Conflict, err = tx.InsertID(ctx, `INSERT INTO casework_field_conflicts (member_id, sync_id, user_id, client_id, kind, case_id, base_version, payload, reason_key, reason_args, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, member, syncID, a.UserID, it.ClientID, it.Kind, it.CaseID, it.BaseVersion, string(payload), key, args, now, now)
		if err != nil {
			return res, audit.Entry{}, fmt.Errorf("field: keep item: %w", err)
		}
	}
	return res, entry, nil
}
