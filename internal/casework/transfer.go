package casework

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Transfer kinds and states.
const (
	TransferKind = "transfer" // to a worker (and office), who accepts or declines
	RequestKind  = "request"  // a worker asks their supervisor to transfer a case

	TransferPending   = "pending"
	TransferAccepted  = "accepted"
	TransferDeclined  = "declined"
	TransferCancelled = "cancelled"
)

// Transfer is a pending or decided transfer of a case.
type Transfer struct {
	ID          int64      `json:"id"`
	MemberID    int64      `json:"member_id"`
	CaseID      int64      `json:"case_id"`
	CaseNumber  string     `json:"case_number"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	FromUser    int64      `json:"from_user"`
	ToUser      int64      `json:"to_user,omitempty"`
	ToOffice    int64      `json:"to_office,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	Answer      string     `json:"answer,omitempty"`
	RequestedBy int64      `json:"requested_by"`
	DecidedBy   int64      `json:"decided_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
}

const transferCols = `x.id, x.member_id, x.case_id, c.number, x.kind, x.status, x.from_user, x.to_user, x.to_office, x.reason, x.answer, x.requested_by, x.decided_by, x.created_at, x.decided_at`

func scanTransfer(row interface{ Scan(...any) error }) (Transfer, error) {
	var t Transfer
	var decided sql.NullTime
	err := row.Scan(&t.ID, &t.MemberID, &t.CaseID, &t.CaseNumber, &t.Kind, &t.Status, &t.FromUser, &t.ToUser, &t.ToOffice, &t.Reason, &t.Answer,
		&t.RequestedBy, &t.DecidedBy, &t.CreatedAt, &decided)
	t.DecidedAt = timePtr(decided)
	t.CreatedAt = t.CreatedAt.UTC()
	return t, err
}

// TransferInput asks for a transfer.
type TransferInput struct {
	CaseID   int64  `json:"case_id"`
	Version  int64  `json:"version"`
	ToUser   int64  `json:"to_user"`   // the receiving worker (required for a transfer; a suggestion in a request)
	ToOffice int64  `json:"to_office"` // 0: the receiver's office
	Reason   string `json:"reason"`
}

func checkReason(r string, required bool) (string, error) {
	r = strings.TrimSpace(r)
	if (required && r == "") || utf8.RuneCountInString(r) > MaxComment {
		return r, errs.E(errs.Invalid, "casework.reason_required").WithField("reason", "casework.reason_required")
	}
	return r, nil
}

// Assign gives case in.CaseID to worker in.ToUser at once (a supervisor's
// decision, no acceptance), with the worker's supervisor and, unless
// in.ToOffice says otherwise, office.
func (s *Service) Assign(ctx context.Context, in TransferInput) (Case, error) {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.writable(ctx, tx, in.CaseID)
		if err != nil {
			return err
		}
		if err := auth.RequireMember(ctx, auth.CaseSupervise, c.MemberID); err != nil {
			return err
		}
		if in.Version != 0 && in.Version != c.Version {
			return errs.E(errs.Conflict, "casework.changed_meanwhile")
		}
		return s.give(ctx, tx, c, in.ToUser, in.ToOffice, "assign", strings.TrimSpace(in.Reason))
	})
	if err != nil {
		return Case{}, err
	}
	return s.Get(ctx, in.CaseID)
}

// give makes user the owner of c (in office, or the user's), refusing a
// user who is not a worker of c's member.
func (s *Service) give(ctx context.Context, tx *db.Tx, c Case, user, office int64, kind, note string) error {
	if err := s.checkWorker(ctx, tx, c.MemberID, user, "to_user"); err != nil {
		return err
	}
	o, sup, err := placement(ctx, tx, user)
	if err != nil {
		return err
	}
	if office == 0 {
		office = o
	}
	if office == 0 {
		office = c.OfficeID
	}
	if office != c.OfficeID {
		if err := checkOffice(ctx, tx, c.MemberID, office); err != nil {
			return err
		}
	}
	if err := s.update(ctx, tx, c, `owner_id = ?, supervisor_id = ?, office_id = ?`, user, sup, office); err != nil {
		return err
	}
	if err := history(ctx, tx, c.MemberID, c.ID, kind, id(c.OwnerID), id(user), note); err != nil {
		return err
	}
	out, err := load(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	action := "case.assign"
	if kind == "transfer" {
		action = "case.transfer"
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: action, EntityType: "case", EntityID: id(c.ID), State: auditState(out)})
}

// Transfer proposes that worker in.ToUser take case in.CaseID over; the
// case stays with its owner until the receiver accepts. The owner or the
// case's supervisor may propose it; a worker of another member is refused.
// A pending request for the case is answered by it.
func (s *Service) Transfer(ctx context.Context, in TransferInput) (Transfer, error) {
	return s.propose(ctx, in, TransferKind)
}

// RequestTransfer asks the case's supervisor to transfer case in.CaseID
// (in.ToUser, optional, suggests a colleague).
func (s *Service) RequestTransfer(ctx context.Context, in TransferInput) (Transfer, error) {
	return s.propose(ctx, in, RequestKind)
}

func (s *Service) propose(ctx context.Context, in TransferInput, kind string) (Transfer, error) {
	reason, err := checkReason(in.Reason, true)
	if err != nil {
		return Transfer{}, err
	}
	var tid int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.writable(ctx, tx, in.CaseID)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != c.Version {
			return errs.E(errs.Conflict, "casework.changed_meanwhile")
		}
		a := actorID(ctx)
		supervises := auth.RequireMember(ctx, auth.CaseSupervise, c.MemberID) == nil
		switch kind {
		case TransferKind:
			if a != c.OwnerID && !supervises {
				return errs.E(errs.Forbidden, "casework.transfer_not_yours")
			}
			if in.ToUser == c.OwnerID {
				return errs.E(errs.Invalid, "casework.transfer_to_owner").WithField("to_user", "casework.transfer_to_owner")
			}
		case RequestKind:
			if a != c.OwnerID {
				return errs.E(errs.Forbidden, "casework.transfer_not_yours")
			}
		}
		if in.ToUser != 0 || kind == TransferKind {
			if err := s.checkWorker(ctx, tx, c.MemberID, in.ToUser, "to_user"); err != nil {
				return err
			}
		}
		if in.ToOffice != 0 {
			if err := checkOffice(ctx, tx, c.MemberID, in.ToOffice); err != nil {
				return err
			}
		}
		// A transfer answers the request pending for the case.
		if kind == TransferKind {
			if _, err := tx.Exec(ctx, `UPDATE case_transfers SET status = ?, decided_by = ?, decided_at = ? WHERE case_id = ? AND status = ? AND kind = ?`,
				TransferAccepted, a, tx.Now().UTC(), c.ID, TransferPending, RequestKind); err != nil {
				return errs.Wrapf(err, "casework: transfer")
			}
		}
		tid, err = tx.InsertID(ctx, `INSERT INTO case_transfers (member_id, case_id, kind, status, from_user, to_user, to_office, reason, requested_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.MemberID, c.ID, kind, TransferPending, c.OwnerID, in.ToUser, in.ToOffice, reason, a, tx.Now().UTC())
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "casework.transfer_pending")
		}
		if err != nil {
			return errs.Wrapf(err, "casework: transfer")
		}
		if err := history(ctx, tx, c.MemberID, c.ID, kind, id(c.OwnerID), id(in.ToUser), reason); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case_transfer.propose", EntityType: "case_transfer", EntityID: id(tid),
			State: map[string]any{"case": c.ID, "kind": kind, "to_user": in.ToUser, "to_office": in.ToOffice}})
	})
	if err != nil {
		return Transfer{}, err
	}
	return s.transfer(ctx, s.db, tid)
}

func (s *Service) transfer(ctx context.Context, q querier, tid int64) (Transfer, error) {
	t, err := scanTransfer(q.QueryRow(ctx, `SELECT `+transferCols+` FROM case_transfers x JOIN cases c ON c.id = x.case_id WHERE x.id = ?`, tid))
	if errors.Is(err, sql.ErrNoRows) {
		return Transfer{}, errs.E(errs.NotFound, "casework.transfer_not_found")
	}
	if err != nil {
		return Transfer{}, errs.Wrapf(err, "casework: transfer %d", tid)
	}
	return t, nil
}

// Answer accepts or declines pending transfer tid. A transfer is answered
// by its receiver (accepting makes them the owner); a request by a
// supervisor of the case, who declines it or answers with Transfer. The
// loser of two answers at once is told and changes nothing.
func (s *Service) Answer(ctx context.Context, tid int64, accept bool, answer string) (Transfer, error) {
	answer, err := checkReason(answer, !accept)
	if err != nil {
		return Transfer{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		t, err := s.transfer(ctx, tx, tid)
		if err != nil {
			return err
		}
		if err := auth.RequireMember(ctx, auth.CaseWrite, t.MemberID); err != nil {
			return errs.E(errs.NotFound, "casework.transfer_not_found")
		}
		me := actorID(ctx)
		switch t.Kind {
		case TransferKind:
			if t.ToUser != me {
				return errs.E(errs.Forbidden, "casework.transfer_not_yours")
			}
		case RequestKind:
			c, err := load(ctx, tx, t.CaseID)
			if err != nil {
				return err
			}
			if c.SupervisorID != me && auth.RequireMember(ctx, auth.CaseSupervise, t.MemberID) != nil {
				return errs.E(errs.Forbidden, "casework.transfer_not_yours")
			}
			if accept {
				return errs.E(errs.Invalid, "casework.request_answer_with_transfer")
			}
		}
		if t.Status != TransferPending {
			return errs.E(errs.Conflict, "casework.transfer_decided")
		}
		status := TransferDeclined
		if accept {
			status = TransferAccepted
		}
		res, err := tx.Exec(ctx, `UPDATE case_transfers SET status = ?, answer = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?`,
			status, answer, me, tx.Now().UTC(), tid, TransferPending)
		if err != nil {
			return errs.Wrapf(err, "casework: answer transfer")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "casework.transfer_decided")
		}
		action := "case_transfer.declined"
		if accept {
			action = "case_transfer.accepted"
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: t.MemberID, Action: action, EntityType: "case_transfer", EntityID: id(tid),
			State: map[string]any{"case": t.CaseID, "kind": t.Kind, "status": status}}); err != nil {
			return err
		}
		if !accept {
			return history(ctx, tx, t.MemberID, t.CaseID, t.Kind+"_declined", "", "", answer)
		}
		c, err := load(ctx, tx, t.CaseID)
		if err != nil {
			return err
		}
		if c.OwnerID != t.FromUser {
			return errs.E(errs.Conflict, "casework.changed_meanwhile")
		}
		return s.give(ctx, tx, c, t.ToUser, t.ToOffice, "transfer", answer)
	})
	if err != nil {
		return Transfer{}, err
	}
	return s.transfer(ctx, s.db, tid)
}

// Transfers lists the pending transfers to the actor and the pending
// requests of the cases they supervise.
func (s *Service) Transfers(ctx context.Context, memberID int64) ([]Transfer, error) {
	if err := auth.RequireMember(ctx, auth.CaseWrite, memberID); err != nil {
		return nil, err
	}
	me := actorID(ctx)
	rows, err := s.db.Query(ctx, `SELECT `+transferCols+` FROM case_transfers x JOIN cases c ON c.id = x.case_id
		WHERE x.member_id = ? AND x.status = ? AND ((x.kind = ? AND x.to_user = ?) OR (x.kind = ? AND c.supervisor_id = ?) OR x.requested_by = ?)
		ORDER BY x.id`, memberID, TransferPending, TransferKind, me, RequestKind, me, me)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: transfers")
	}
	defer rows.Close()
	var out []Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "casework: transfers")
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CaseTransfers lists case caseID's transfers, newest first (full access).
func (s *Service) CaseTransfers(ctx context.Context, caseID int64) ([]Transfer, error) {
	if _, err := s.see(ctx, s.db, caseID, AccessFull); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+transferCols+` FROM case_transfers x JOIN cases c ON c.id = x.case_id WHERE x.case_id = ? ORDER BY x.id DESC`, caseID)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: transfers")
	}
	defer rows.Close()
	var out []Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "casework: transfers")
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
