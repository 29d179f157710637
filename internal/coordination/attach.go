package coordination

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/registry"
)

// Attachment is a household copy or a document on a request. Content is
// read on its own (Content); a copy whose retention ended has no content.
type Attachment struct {
	ID          int64      `json:"id"`
	RequestID   int64      `json:"request_id"`
	Side        int64      `json:"side"` // the member that attached it; 0 the union
	Kind        string     `json:"kind"` // KindSummary, KindFull or KindDocument
	Personal    bool       `json:"personal"`
	Label       string     `json:"label"` // the household's reference or the file's name
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	Status      string     `json:"status"` // Pending, Shared or Rejected
	ApprovalID  int64      `json:"approval_id,omitempty"`
	CreatedBy   int64      `json:"created_by"`
	CreatedName string     `json:"created_name"`
	CreatedAt   time.Time  `json:"created_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	// Own is true when the asker's side attached it (and so may see it
	// before its approval).
	Own bool `json:"own"`
}

const attachmentCols = `id, request_id, side, kind, personal, label, content_type, size, sha256, status, approval_id, created_by, created_name, created_at, decided_at`

func scanAttachment(ctx context.Context, row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	var sideID, ap sql.NullInt64
	var decided sql.NullTime
	err := row.Scan(&a.ID, &a.RequestID, &sideID, &a.Kind, &a.Personal, &a.Label, &a.ContentType, &a.Size, &a.SHA256, &a.Status, &ap, &a.CreatedBy, &a.CreatedName, &a.CreatedAt, &decided)
	a.Side, a.ApprovalID, a.CreatedAt = sideID.Int64, ap.Int64, a.CreatedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		a.DecidedAt = &t
	}
	ac := actor.From(ctx)
	a.Own = ac.System || ac.MemberID == a.Side
	return a, err
}

// seen reports whether the asker may see attachment a of request r: its
// own side always; the other side once it is shared and the request sent.
func seen(a Attachment, r Request) bool {
	return a.Own || a.Status == Shared && r.State != Draft
}

// householdCopy is a household read through the registry for a request.
type householdCopy struct {
	household int64
	ref       string
	kind      string
	data      []byte
}

// HouseholdSummary is what a summary copy of a household says.
type HouseholdSummary struct {
	Ref          string `json:"household_ref"`
	Governorate  string `json:"governorate"`
	District     string `json:"district"`
	Locality     string `json:"locality"`
	Size         int    `json:"size"`
	Head         string `json:"head"`
	HeadLatin    string `json:"head_latin,omitempty"`
	RegisteredOn string `json:"registered_on"`
}

// HouseholdFile is what a full copy says: the household and its persons.
type HouseholdFile struct {
	Household registry.Household `json:"household"`
	Persons   []registry.Person  `json:"persons"`
}

// readHousehold reads household ref of member side through the registry,
// as the actor (who must be able to read it), and copies what kind
// says.
func (s *Service) readHousehold(ctx context.Context, side int64, ref, kind string) (householdCopy, error) {
	h, err := s.registry.HouseholdByRef(ctx, side, ref)
	if err != nil {
		return householdCopy{}, err
	}
	ps, err := s.registry.Persons(ctx, h.ID)
	if err != nil {
		return householdCopy{}, err
	}
	var v any
	if kind == KindFull {
		v = HouseholdFile{Household: h, Persons: ps}
	} else {
		sum := HouseholdSummary{Ref: h.Ref, Governorate: h.Governorate, District: h.District, Locality: h.Locality, Size: len(ps), RegisteredOn: h.RegisteredOn}
		for _, p := range ps {
			if p.Relationship == "head" {
				sum.Head = strings.Join(strings.Fields(strings.Join([]string{p.FirstName, p.FatherName, p.GrandfatherName, p.FamilyName}, " ")), " ")
				sum.HeadLatin = p.NameLatin
			}
		}
		v = sum
	}
	data, err := json.Marshal(v)
	if err != nil {
		return householdCopy{}, errs.Wrapf(err, "coordination: copy household %s", ref)
	}
	return householdCopy{household: h.ID, ref: h.Ref, kind: kind, data: data}, nil
}

// attach stores an attachment of the actor's side on r inside tx; a
// personal one waits for an approval proposed here.
func (s *Service) attach(ctx context.Context, tx *db.Tx, r Request, kind string, personal bool, household int64, label, ctype string, data []byte) (Attachment, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM coordination_attachments WHERE request_id = ?`, r.ID).Scan(&n); err != nil {
		return Attachment{}, errs.Wrapf(err, "coordination: attach")
	}
	if n >= maxAttached {
		return Attachment{}, errs.E(errs.Invalid, "error.invalid_input").WithField("file", "coordination.too_many", "max", maxAttached)
	}
	sum := sha256.Sum256(data)
	a := Attachment{RequestID: r.ID, Side: side(ctx), Kind: kind, Personal: personal, Label: label, ContentType: ctype, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Status: Shared, CreatedBy: actor.From(ctx).UserID, CreatedName: actorName(ctx), CreatedAt: s.now(), Own: true}
	if personal {
		a.Status = Pending
	}
	var hh any
	if household != 0 {
		hh = household
	}
	var err error
	a.ID, err = tx.InsertID(ctx, `INSERT INTO coordination_attachments (request_id, side, kind, personal, household_id, label, content_type, size, sha256, content, status, created_by, created_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.ID, nullSide(a.Side), kind, personal, hh, label, ctype, a.Size, a.SHA256, data, a.Status, a.CreatedBy, a.CreatedName, a.CreatedAt)
	if err != nil {
		return Attachment{}, errs.Wrapf(err, "coordination: attach")
	}
	if personal {
		payload, _ := json.Marshal(map[string]any{"request_id": r.ID, "kind": kind, "label": label, "subject": r.Subject})
		ap, err := auth.Propose(ctx, tx, a.Side, ApprovalKind, "coordination_attachment", id(a.ID), string(payload))
		if err != nil {
			return Attachment{}, err
		}
		a.ApprovalID = ap.ID
		if _, err := tx.Exec(ctx, `UPDATE coordination_attachments SET approval_id = ? WHERE id = ?`, ap.ID, a.ID); err != nil {
			return Attachment{}, errs.Wrapf(err, "coordination: attach")
		}
	}
	if err := s.event(ctx, tx, r.ID, "attach_"+kind, label, personal); err != nil {
		return Attachment{}, err
	}
	return a, audit.Append(ctx, tx, audit.Entry{MemberID: a.Side, Action: "coordination.attach", EntityType: "coordination_attachment", EntityID: id(a.ID), State: a})
}

// writable are the states a request takes attachments and messages in.
var writable = []string{Draft, Sent, Accepted, Assigned, Answered}

// AttachHousehold attaches the summary (full false) or full file of the
// actor's side's household ref to request rid (coordination.write). The
// copy is read through the registry now; it waits for a second person's
// approval before the other side sees it.
func (s *Service) AttachHousehold(ctx context.Context, rid int64, ref string, full bool) (Attachment, error) {
	if err := auth.Require(ctx, auth.CoordinationWrite); err != nil {
		return Attachment{}, err
	}
	r, err := s.Get(ctx, rid)
	if err != nil {
		return Attachment{}, err
	}
	kind := KindSummary
	if full {
		kind = KindFull
	}
	if !levelAllows(r.Type.Personal, kind) {
		return Attachment{}, errs.E(errs.Invalid, "error.invalid_input").WithField("household", "coordination.level_refused", "type", r.Type.Code)
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Attachment{}, errs.E(errs.Invalid, "error.invalid_input").WithField("household", "coordination.household_not_found", "ref", ref)
	}
	c, err := s.readHousehold(ctx, side(ctx), ref, kind)
	if errs.Is(err, errs.NotFound) {
		return Attachment{}, errs.E(errs.Invalid, "error.invalid_input").WithField("household", "coordination.household_not_found", "ref", ref)
	}
	if err != nil {
		return Attachment{}, err
	}
	var a Attachment
	_, err = s.change(ctx, rid, 0, anySide, writable, func(tx *db.Tx, r *Request, now time.Time) error {
		a, err = s.attach(ctx, tx, *r, kind, true, c.household, c.ref, "application/json", c.data)
		return err
	})
	return a, err
}

// anySide lets either side of a request make a change.
const anySide = -1

// File is an uploaded file: its name as sent and its bytes.
type File struct {
	Name string
	Body io.Reader
}

// documentTypes maps an accepted extension to the type its bytes must
// sniff as.
var documentTypes = map[string]string{".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}

// readDocument reads f (at most MaxDocument and Limits.Upload bytes,
// refused as soon as it passes) and checks that its bytes are what its
// extension says.
func (s *Service) readDocument(f File) (string, string, []byte, error) {
	name := strings.TrimSpace(path.Base(strings.ReplaceAll(f.Name, "\\", "/")))
	if name == "" || name == "." || name == "/" || runes(name) > maxFileName {
		return "", "", nil, errs.E(errs.Invalid, "error.invalid_input").WithField("file", "coordination.file_name")
	}
	want, ok := documentTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		return "", "", nil, errs.E(errs.Invalid, "error.invalid_input").WithField("file", "coordination.file_type", "name", name)
	}
	max := int64(MaxDocument)
	if s.limits.Upload < max {
		max = s.limits.Upload
	}
	data, err := io.ReadAll(limits.Reader(f.Body, name, max))
	if err != nil {
		if limits.Is(err) {
			return "", "", nil, errs.E(errs.Invalid, "error.invalid_input").WithField("file", "coordination.file_too_large", "name", name, "max", limits.MiB(max))
		}
		return "", "", nil, errs.Wrapf(err, "coordination: read %s", name)
	}
	if len(data) == 0 {
		return "", "", nil, errs.E(errs.Invalid, "error.invalid_input").WithField("file", "coordination.file_empty")
	}
	got := http.DetectContentType(data)
	if want == "application/pdf" && !bytes.HasPrefix(data, []byte("%PDF-")) || !strings.HasPrefix(got, want) {
		return "", "", nil, errs.E(errs.Invalid, "error.invalid_input").WithField("file", "coordination.file_mismatch", "name", name)
	}
	return name, want, data, nil
}

// AddDocument uploads a document to request rid (coordination.write,
// either side): a PDF, JPEG or PNG whose bytes are what its name says. A
// document marked personal needs a type that allows documents and waits
// for a second person's approval.
func (s *Service) AddDocument(ctx context.Context, rid int64, f File, personal bool) (Attachment, error) {
	if err := auth.Require(ctx, auth.CoordinationWrite); err != nil {
		return Attachment{}, err
	}
	r, err := s.Get(ctx, rid)
	if err != nil {
		return Attachment{}, err
	}
	if personal && !levelAllows(r.Type.Personal, Documents) {
		return Attachment{}, errs.E(errs.Invalid, "error.invalid_input").WithField("personal", "coordination.level_refused", "type", r.Type.Code)
	}
	name, ctype, data, err := s.readDocument(f)
	if err != nil {
		return Attachment{}, err
	}
	var a Attachment
	_, err = s.change(ctx, rid, 0, anySide, writable, func(tx *db.Tx, r *Request, now time.Time) error {
		a, err = s.attach(ctx, tx, *r, KindDocument, personal, 0, name, ctype, data)
		return err
	})
	return a, err
}

// Attachments lists the attachments of request rid the asker may see.
func (s *Service) Attachments(ctx context.Context, rid int64) ([]Attachment, error) {
	r, err := s.Get(ctx, rid)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+attachmentCols+` FROM coordination_attachments WHERE request_id = ? ORDER BY id`, rid)
	if err != nil {
		return nil, errs.Wrapf(err, "coordination: attachments")
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scanAttachment(ctx, rows)
		if err != nil {
			return nil, errs.Wrapf(err, "coordination: attachments")
		}
		if seen(a, r) {
			out = append(out, a)
		}
	}
	return out, errs.Wrapf(rows.Err(), "coordination: attachments")
}

// Attachment returns attachment aid with its request, as the asker may
// see it.
func (s *Service) Attachment(ctx context.Context, aid int64) (Attachment, Request, error) {
	a, err := scanAttachment(ctx, s.db.QueryRow(ctx, `SELECT `+attachmentCols+` FROM coordination_attachments WHERE id = ?`, aid))
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, Request{}, errs.E(errs.NotFound, "coordination.attachment_not_found")
	}
	if err != nil {
		return Attachment{}, Request{}, errs.Wrapf(err, "coordination: attachment %d", aid)
	}
	r, err := s.Get(ctx, a.RequestID)
	if errs.Is(err, errs.NotFound) || err == nil && !seen(a, r) {
		return Attachment{}, Request{}, errs.E(errs.NotFound, "coordination.attachment_not_found")
	}
	return a, r, err
}

// Content returns attachment aid with its bytes; the read is audited.
// A copy whose retention period ended is gone (not found).
func (s *Service) Content(ctx context.Context, aid int64) (Attachment, []byte, error) {
	a, _, err := s.Attachment(ctx, aid)
	if err != nil {
		return Attachment{}, nil, err
	}
	var data []byte
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT content FROM coordination_attachments WHERE id = ?`, aid).Scan(&data); err != nil {
			return errs.Wrapf(err, "coordination: attachment %d", aid)
		}
		if data == nil {
			return errs.E(errs.NotFound, "coordination.attachment_expired")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: side(ctx), Action: "coordination.attachment_read", EntityType: "coordination_attachment", EntityID: id(aid),
			State: map[string]any{"sha256": a.SHA256}})
	})
	if err != nil {
		return Attachment{}, nil, err
	}
	return a, data, nil
}

// Decide approves or rejects sending attachment aid (coordination.approve,
// a user of the attaching side other than the one who attached it):
// approved, the other side sees it; rejected, it never leaves.
func (s *Service) Decide(ctx context.Context, aid int64, approve bool, reason string) (Attachment, error) {
	if err := auth.Require(ctx, auth.CoordinationApprove); err != nil {
		return Attachment{}, err
	}
	a, r, err := s.Attachment(ctx, aid)
	if err != nil {
		return Attachment{}, err
	}
	if !a.Own || a.ApprovalID == 0 {
		return Attachment{}, errs.E(errs.NotFound, "coordination.attachment_not_found")
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := auth.Decide(ctx, tx, a.ApprovalID, approve, reason, auth.CoordinationApprove); err != nil {
			return err
		}
		st := Rejected
		if approve {
			st = Shared
		}
		now := s.now()
		res, err := tx.Exec(ctx, `UPDATE coordination_attachments SET status = ?, decided_at = ? WHERE id = ? AND status = ?`, st, now, aid, Pending)
		if err != nil {
			return errs.Wrapf(err, "coordination: decide %d", aid)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "approval.already_decided", "status", a.Status)
		}
		a.Status, a.DecidedAt = st, &now
		if err := s.event(ctx, tx, r.ID, "attachment_"+st, a.Label, !approve); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.Side, Action: "coordination.attachment_" + st, EntityType: "coordination_attachment", EntityID: id(aid), State: a})
	})
	if err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// AttachmentByApproval returns the attachment approval apID decides.
func (s *Service) AttachmentByApproval(ctx context.Context, apID int64) (Attachment, Request, error) {
	var aid int64
	err := s.db.QueryRow(ctx, `SELECT id FROM coordination_attachments WHERE approval_id = ?`, apID).Scan(&aid)
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, Request{}, errs.E(errs.NotFound, "coordination.attachment_not_found")
	}
	if err != nil {
		return Attachment{}, Request{}, errs.Wrapf(err, "coordination: approval %d", apID)
	}
	return s.Attachment(ctx, aid)
}
