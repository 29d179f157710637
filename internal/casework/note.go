package casework

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// Note kinds.
const (
	KindNote  = "note"
	KindVisit = "visit"
)

// MaxNote is how many characters a note may have; MaxClientID how long a
// client id may be.
const (
	MaxNote     = 20000
	MaxClientID = 64
)

// Note is a narrative or visit note as a reader with full access sees it.
type Note struct {
	ID        int64     `json:"id"`
	CaseID    int64     `json:"case_id"`
	ClientID  string    `json:"client_id"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Attachment describes an attached document; Content reads it.
type Attachment struct {
	ID          int64     `json:"id"`
	CaseID      int64     `json:"case_id"`
	ClientID    string    `json:"client_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

func checkClientID(v string) error {
	if v == "" || len(v) > MaxClientID || strings.ContainsAny(v, " \t\r\n") {
		return errs.E(errs.Invalid, "casework.client_id_invalid").WithField("client_id", "casework.client_id_invalid")
	}
	return nil
}

// existing returns the id of member's row of table with clientID, or 0.
func existing(ctx context.Context, q querier, table string, memberID int64, clientID string) (int64, int64, error) {
	var rowID, caseID int64
	err := q.QueryRow(ctx, `SELECT id, case_id FROM `+table+` WHERE member_id = ? AND client_id = ?`, memberID, clientID).Scan(&rowID, &caseID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, errs.Wrapf(err, "casework: %s %s", table, clientID)
	}
	return rowID, caseID, nil
}

// AddNote stores a note (care.Notes). A second call with the same client
// id stores nothing and returns the first note's id with dup true. A visit
// note counts as contact: it dates the case's first contact and last visit
// and sets its next visit by its risk level. The text of a sensitive
// case's note is sealed. A closed case takes no note.
func (s *Service) AddNote(ctx context.Context, in care.NoteInput) (int64, bool, error) {
	if err := checkClientID(in.ClientID); err != nil {
		return 0, false, err
	}
	in.Text = strings.TrimSpace(in.Text)
	if in.Kind != KindNote && in.Kind != KindVisit {
		return 0, false, errs.E(errs.Invalid, "casework.note_kind_invalid").WithField("kind", "casework.note_kind_invalid")
	}
	if in.Text == "" || utf8.RuneCountInString(in.Text) > MaxNote || !utf8.ValidString(in.Text) {
		return 0, false, errs.E(errs.Invalid, "casework.note_text_required", "max", MaxNote).WithField("text", "casework.note_text_required", "max", MaxNote)
	}
	var noteID int64
	var dup bool
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.writable(ctx, tx, in.CaseID)
		if err != nil {
			return err
		}
		if err := tx.LockRow(ctx, "cases", c.ID); err != nil {
			return errs.Wrapf(err, "casework: lock case")
		}
		if noteID, dup, err = s.dupOf(ctx, tx, "case_notes", c, in.ClientID); dup || err != nil {
			return err
		}
		if c.Status == care.StepClosed {
			return errs.E(errs.Conflict, "casework.closed")
		}
		now := tx.Now().UTC()
		at := in.At.UTC()
		if in.At.IsZero() || in.Kind == KindNote {
			at = now
		}
		if at.After(now.Add(5 * time.Minute)) {
			return errs.E(errs.Invalid, "casework.visit_in_future").WithField("at", "casework.visit_in_future")
		}
		body, sealed := in.Text, []byte(nil)
		if c.Sensitive {
			box, err := s.sealer()
			if err != nil {
				return err
			}
			body, sealed = "", box.Seal([]byte(in.Text), noteAD(c.MemberID, in.ClientID))
		}
		noteID, err = tx.InsertID(ctx, `INSERT INTO case_notes (member_id, case_id, client_id, kind, body, body_enc, at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.MemberID, c.ID, in.ClientID, in.Kind, body, sealed, at, actorID(ctx), now)
		if err != nil {
			return errs.Wrapf(err, "casework: add note")
		}
		if in.Kind == KindVisit {
			st, err := settingsOf(ctx, tx, c.MemberID)
			if err != nil {
				return err
			}
			last := at
			if c.LastVisit != nil && c.LastVisit.After(at) {
				last = *c.LastVisit // a visit recorded late does not move the schedule back
			}
			first := at
			if c.FirstContact != nil && c.FirstContact.Before(at) {
				first = *c.FirstContact
			}
			// The row is locked: read the version again so that a visit
			// never loses to a change it did not see.
			cur, err := load(ctx, tx, c.ID)
			if err != nil {
				return err
			}
			if err := s.update(ctx, tx, cur, `first_contact_at = ?, last_visit_at = ?, next_visit_due = ?`, first, last, last.Add(st.visitEvery(c.RiskLevel))); err != nil {
				return err
			}
			if err := history(ctx, tx, c.MemberID, c.ID, "visit", "", "", ""); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case.note", EntityType: "case_note", EntityID: id(noteID),
			State: map[string]any{"case": c.ID, "kind": in.Kind, "client_id": in.ClientID, "at": at}})
	})
	if err != nil && db.IsUnique(err) {
		// Two sends of one offline note at once: the first won.
		rowID, _, err2 := existing(ctx, s.db, "case_notes", actorMember(ctx), in.ClientID)
		if err2 == nil && rowID != 0 {
			return rowID, true, nil
		}
	}
	return noteID, dup, err
}

// dupOf reports whether member's row of table with clientID exists; one
// that belongs to another case is a conflict (a client id is never
// reused).
func (s *Service) dupOf(ctx context.Context, tx *db.Tx, table string, c Case, clientID string) (int64, bool, error) {
	rowID, caseID, err := existing(ctx, tx, table, c.MemberID, clientID)
	if err != nil || rowID == 0 {
		return 0, false, err
	}
	if caseID != c.ID {
		return 0, false, errs.E(errs.Conflict, "casework.client_id_reused")
	}
	return rowID, true, nil
}

func noteAD(memberID int64, clientID string) []byte {
	return []byte("case_note:" + id(memberID) + ":" + clientID)
}

func attachmentAD(memberID int64, clientID string) []byte {
	return []byte("case_attachment:" + id(memberID) + ":" + clientID)
}

// Notes lists case caseID's notes, newest first (full access only),
// unsealing those of a sensitive case; the read is audited.
func (s *Service) Notes(ctx context.Context, caseID int64) ([]Note, error) {
	var out []Note
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.see(ctx, tx, caseID, AccessFull)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, case_id, client_id, kind, body, body_enc, at, created_by, created_at FROM case_notes WHERE case_id = ? ORDER BY at DESC, id DESC`, caseID)
		if err != nil {
			return errs.Wrapf(err, "casework: notes")
		}
		defer rows.Close()
		for rows.Next() {
			var n Note
			var sealed []byte
			if err := rows.Scan(&n.ID, &n.CaseID, &n.ClientID, &n.Kind, &n.Text, &sealed, &n.At, &n.CreatedBy, &n.CreatedAt); err != nil {
				return errs.Wrapf(err, "casework: notes")
			}
			if len(sealed) > 0 {
				box, err := s.sealer()
				if err != nil {
					return err
				}
				plain, err := box.Open(sealed, noteAD(c.MemberID, n.ClientID))
				if err != nil {
					return errs.Wrapf(err, "casework: open note %d", n.ID)
				}
				n.Text = string(plain)
			}
			n.At, n.CreatedAt = n.At.UTC(), n.CreatedAt.UTC()
			out = append(out, n)
		}
		if err := rows.Err(); err != nil {
			return errs.Wrapf(err, "casework: notes")
		}
		rows.Close()
		return auditRead(ctx, tx, c)
	})
	return out, err
}

// allowedTypes maps an attachment's extension to the content type its
// bytes must sniff as.
var allowedTypes = map[string]string{
	".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif",
}

// sniff returns the content type of data if its name's extension says
// what the bytes are, and an error otherwise.
func sniff(name string, data []byte) (string, error) {
	want, ok := allowedTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		types := "\u2066.pdf .jpg .jpeg .png .webp .gif\u2069"
		return "", errs.E(errs.Invalid, "casework.attachment_type", "name", name, "types", types).WithField("file", "casework.attachment_type", "name", name, "types", types)
	}
	got := http.DetectContentType(data)
	if want == "application/pdf" && !bytes.HasPrefix(data, []byte("%PDF-")) || !strings.HasPrefix(got, want) {
		return "", errs.E(errs.Invalid, "casework.attachment_mismatch", "name", name).WithField("file", "casework.attachment_mismatch", "name", name)
	}
	return want, nil
}

// AddAttachment stores a document or photo (care.Notes), idempotent on its
// client id like AddNote. Its bytes must be what its extension says (a
// file that is not is refused) and no larger than the upload limit; a
// sensitive case's are sealed.
func (s *Service) AddAttachment(ctx context.Context, in care.AttachmentInput) (int64, bool, error) {
	if err := checkClientID(in.ClientID); err != nil {
		return 0, false, err
	}
	in.Name = strings.TrimSpace(path.Base(strings.ReplaceAll(in.Name, "\\", "/")))
	if in.Name == "" || in.Name == "." || utf8.RuneCountInString(in.Name) > maxName {
		return 0, false, errs.E(errs.Invalid, "casework.attachment_name").WithField("file", "casework.attachment_name")
	}
	if int64(len(in.Data)) > s.limits.Upload {
		return 0, false, limits.TooLarge(in.Name, s.limits.Upload)
	}
	if len(in.Data) == 0 {
		return 0, false, errs.E(errs.Invalid, "casework.attachment_empty").WithField("file", "casework.attachment_empty")
	}
	ctype, err := sniff(in.Name, in.Data)
	if err != nil {
		return 0, false, err
	}
	var attID int64
	var dup bool
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.writable(ctx, tx, in.CaseID)
		if err != nil {
			return err
		}
		if attID, dup, err = s.dupOf(ctx, tx, "case_attachments", c, in.ClientID); dup || err != nil {
			return err
		}
		if c.Status == care.StepClosed {
			return errs.E(errs.Conflict, "casework.closed")
		}
		content := in.Data
		if c.Sensitive {
			box, err := s.sealer()
			if err != nil {
				return err
			}
			content = box.Seal(in.Data, attachmentAD(c.MemberID, in.ClientID))
		}
		now := tx.Now().UTC()
		attID, err = tx.InsertID(ctx, `INSERT INTO case_attachments (member_id, case_id, client_id, name, content_type, size, sealed, content, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.MemberID, c.ID, in.ClientID, in.Name, ctype, len(in.Data), c.Sensitive, content, actorID(ctx), now)
		if err != nil {
			return errs.Wrapf(err, "casework: add attachment")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case.attach", EntityType: "case_attachment", EntityID: id(attID),
			State: map[string]any{"case": c.ID, "name": in.Name, "type": ctype, "size": len(in.Data), "client_id": in.ClientID}})
	})
	if err != nil && db.IsUnique(err) {
		rowID, _, err2 := existing(ctx, s.db, "case_attachments", actorMember(ctx), in.ClientID)
		if err2 == nil && rowID != 0 {
			return rowID, true, nil
		}
	}
	return attID, dup, err
}

// Attachments lists case caseID's attachments, newest first (full access).
func (s *Service) Attachments(ctx context.Context, caseID int64) ([]Attachment, error) {
	if _, err := s.see(ctx, s.db, caseID, AccessFull); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, case_id, client_id, name, content_type, size, created_by, created_at FROM case_attachments WHERE case_id = ? ORDER BY id DESC`, caseID)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: attachments")
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.CaseID, &a.ClientID, &a.Name, &a.ContentType, &a.Size, &a.CreatedBy, &a.CreatedAt); err != nil {
			return nil, errs.Wrapf(err, "casework: attachments")
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// Content returns attachment attID of case caseID with its bytes,
// unsealed (full access only); the read of a sensitive case's is audited.
func (s *Service) Content(ctx context.Context, caseID, attID int64) (Attachment, []byte, error) {
	var a Attachment
	var data []byte
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.see(ctx, tx, caseID, AccessFull)
		if err != nil {
			return err
		}
		var sealed bool
		err = tx.QueryRow(ctx, `SELECT id, case_id, client_id, name, content_type, size, created_by, created_at, sealed, content FROM case_attachments WHERE id = ? AND case_id = ?`, attID, caseID).
			Scan(&a.ID, &a.CaseID, &a.ClientID, &a.Name, &a.ContentType, &a.Size, &a.CreatedBy, &a.CreatedAt, &sealed, &data)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "casework.attachment_not_found")
		}
		if err != nil {
			return errs.Wrapf(err, "casework: attachment %d", attID)
		}
		if sealed {
			box, err := s.sealer()
			if err != nil {
				return err
			}
			if data, err = box.Open(data, attachmentAD(c.MemberID, a.ClientID)); err != nil {
				return errs.Wrapf(err, "casework: open attachment %d", attID)
			}
		}
		return auditRead(ctx, tx, c)
	})
	return a, data, err
}
