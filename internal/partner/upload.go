package partner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"image"
	_ "image/gif"  // logos may be GIF
	_ "image/jpeg" // or JPEG
	_ "image/png"  // or PNG
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// Upload bounds.
const (
	// MaxDocument is the most bytes of one document (an agreement's file, a
	// delivery's evidence).
	MaxDocument = 10 << 20
	// MaxLogo is the most bytes of a logo.
	MaxLogo = 1 << 20
	// MaxLogoSide is the most pixels of a logo's width or height.
	MaxLogoSide = 2048
	maxFileName = 200
)

// File is an uploaded file: its name as sent and its bytes, read once.
type File struct {
	Name string
	Body io.Reader
}

// documentTypes maps an accepted extension to the type its bytes must
// sniff as.
var documentTypes = map[string]string{
	".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
}

// fileName cleans a name as sent.
func fileName(name string) (string, error) {
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" || runes(name) > maxFileName {
		return "", errs.E(errs.Invalid, "partner.file_name").WithField("file", "partner.file_name")
	}
	return name, nil
}

// readBounded reads f whole, refusing it as soon as it passes max bytes
// (and the upload limit), before more is held.
func (s *Service) readBounded(f File, max int64) ([]byte, error) {
	if s.limits.Upload < max {
		max = s.limits.Upload
	}
	data, err := io.ReadAll(limits.Reader(f.Body, f.Name, max))
	if err != nil {
		if limits.Is(err) {
			return nil, errs.As(err).WithField("file", errs.As(err).Key, "file", f.Name, "max", limits.MiB(max))
		}
		return nil, errs.Wrapf(err, "partner: read %s", f.Name)
	}
	if len(data) == 0 {
		return nil, errs.E(errs.Invalid, "partner.file_empty").WithField("file", "partner.file_empty")
	}
	return data, nil
}

// readDocument reads and checks a document: a PDF or an image whose bytes
// are what its extension says.
func (s *Service) readDocument(f File) (name, ctype string, data []byte, err error) {
	if name, err = fileName(f.Name); err != nil {
		return "", "", nil, err
	}
	want, ok := documentTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		return "", "", nil, errs.E(errs.Invalid, "partner.file_type", "name", name).WithField("file", "partner.file_type", "name", name)
	}
	f.Name = name
	if data, err = s.readBounded(f, MaxDocument); err != nil {
		return "", "", nil, err
	}
	got := http.DetectContentType(data)
	if want == "application/pdf" && !bytes.HasPrefix(data, []byte("%PDF-")) || !strings.HasPrefix(got, want) {
		return "", "", nil, errs.E(errs.Invalid, "partner.file_mismatch", "name", name).WithField("file", "partner.file_mismatch", "name", name)
	}
	if want != "application/pdf" {
		if _, _, err := decodeImage(data); err != nil {
			return "", "", nil, errs.E(errs.Invalid, "partner.file_mismatch", "name", name).WithField("file", "partner.file_mismatch", "name", name)
		}
	}
	return name, want, data, nil
}

// decodeImage decodes data whole (after checking its size in pixels) and
// returns its content type.
func decodeImage(data []byte) (string, image.Config, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", cfg, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxLogoSide*2 || cfg.Height > MaxLogoSide*2 {
		return "", cfg, errors.New("image too large")
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return "", cfg, err
	}
	return "image/" + format, cfg, nil
}

// insertDocument stores a checked document of partner p (agreement 0 for
// a delivery's evidence) and audits it.
func (s *Service) insertDocument(ctx context.Context, tx *db.Tx, p Partner, agreement int64, name, ctype string, data []byte) (Document, error) {
	sum := sha256.Sum256(data)
	d := Document{PartnerID: p.ID, AgreementID: agreement, Name: name, ContentType: ctype, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		CreatedBy: actorID(ctx), CreatedAt: s.now()}
	var ag any
	if agreement != 0 {
		ag = agreement
	}
	var err error
	d.ID, err = tx.InsertID(ctx, `INSERT INTO partner_documents (member_id, partner_id, agreement_id, name, content_type, size, sha256, content, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.MemberID, p.ID, ag, name, ctype, d.Size, d.SHA256, data, d.CreatedBy, d.CreatedAt)
	if err != nil {
		return Document{}, err
	}
	return d, audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "partner.document_add", EntityType: "partner_document", EntityID: id(d.ID), State: d})
}

// Document is a stored document; DocumentContent reads its bytes.
type Document struct {
	ID          int64     `json:"id"`
	PartnerID   int64     `json:"partner_id"`
	AgreementID int64     `json:"agreement_id,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// SetLogo stores partner pid's logo (partner.manage): a PNG, JPEG or GIF
// of at most MaxLogo bytes and MaxLogoSide pixels a side, checked by
// decoding it whole.
func (s *Service) SetLogo(ctx context.Context, pid int64, f File) error {
	p, err := s.Get(ctx, pid)
	if err != nil {
		return err
	}
	if err := auth.RequireMember(ctx, auth.PartnerManage, p.MemberID); err != nil {
		return err
	}
	name, err := fileName(f.Name)
	if err != nil {
		return err
	}
	f.Name = name
	data, err := s.readBounded(f, MaxLogo)
	if err != nil {
		return err
	}
	ctype, cfg, err := decodeImage(data)
	if err != nil || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return errs.E(errs.Invalid, "partner.logo_invalid", "max", MaxLogoSide).WithField("logo", "partner.logo_invalid", "max", MaxLogoSide)
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE partners SET logo = ?, logo_type = ?, version = version + 1, updated_at = ? WHERE id = ?`, data, ctype, now, pid); err != nil {
			return errs.Wrapf(err, "partner: logo")
		}
		sum := sha256.Sum256(data)
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "partner.logo", EntityType: "partner", EntityID: id(pid),
			State: map[string]any{"type": ctype, "size": len(data), "sha256": hex.EncodeToString(sum[:]), "width": cfg.Width, "height": cfg.Height}})
	})
}

// Logo returns partner pid's logo and its type. Staff of its member may
// read it (partner.read); anyone may read the logo of a partner that
// consented to be listed (public true).
func (s *Service) Logo(ctx context.Context, pid int64, public bool) (string, []byte, error) {
	var ctype string
	var data []byte
	var memberID int64
	var consent bool
	err := s.db.QueryRow(ctx, `SELECT member_id, consent_public, logo_type, logo FROM partners WHERE id = ?`, pid).Scan(&memberID, &consent, &ctype, &data)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (ctype == "" || public && !consent) {
		return "", nil, errs.E(errs.NotFound, "partner.not_found")
	}
	if err != nil {
		return "", nil, errs.Wrapf(err, "partner: logo")
	}
	if !public {
		if err := auth.RequireMember(ctx, auth.PartnerRead, memberID); err != nil {
			return "", nil, err
		}
	}
	return ctype, data, nil
}

// DocumentContent returns document docID with its bytes (partner.read of
// its member, staff only); the read is audited.
func (s *Service) DocumentContent(ctx context.Context, docID int64) (Document, []byte, error) {
	var d Document
	var data []byte
	var memberID int64
	var ag sql.NullInt64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, member_id, partner_id, agreement_id, name, content_type, size, sha256, created_by, created_at, content FROM partner_documents WHERE id = ?`, docID).
			Scan(&d.ID, &memberID, &d.PartnerID, &ag, &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.CreatedBy, &d.CreatedAt, &data)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "partner.document_not_found")
		}
		if err != nil {
			return errs.Wrapf(err, "partner: document %d", docID)
		}
		if err := auth.RequireMember(ctx, auth.PartnerRead, memberID); err != nil {
			return err
		}
		d.AgreementID, d.CreatedAt = ag.Int64, d.CreatedAt.UTC()
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "partner.document_read", EntityType: "partner_document", EntityID: id(d.ID),
			State: map[string]any{"sha256": d.SHA256}})
	})
	if err != nil {
		return Document{}, nil, err
	}
	return d, data, nil
}
