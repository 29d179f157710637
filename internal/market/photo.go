package market

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png" // photos may be PNG
	"io"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// Photo limits. An upload is read at most MaxPhotoBytes; its header is
// decoded first (image.DecodeConfig) and a photo of more than
// MaxPhotoPixels or a side over MaxPhotoSide is refused before any pixel
// is decoded, so a decompression bomb never inflates. Only JPEG and PNG
// are accepted, recognised by decoding, not by name.
const (
	MaxPhotoBytes  = 8 << 20
	MaxPhotoPixels = 40_000_000
	MaxPhotoSide   = 12_000
	MaxPhotos      = 8 // per product
	photoQuality   = 82
)

// Sizes are the long sides, in pixels, each photo is stored at; a photo
// smaller than a size is stored at its own size there (never enlarged).
var Sizes = []int{1200, 600, 240}

// Photo is a product's photo; its files are the Sizes, JPEG, without any
// metadata (EXIF, GPS, ICC, comments): they are re-encoded from pixels.
type Photo struct {
	ID        int64     `json:"id"`
	ProductID int64     `json:"product_id"`
	Width     int       `json:"width"` // of the largest size
	Height    int       `json:"height"`
	CreatedAt time.Time `json:"created_at"`
}

// PhotoFile is one stored size of a photo.
type PhotoFile struct {
	Width, Height int
	ETag          string
	Content       []byte
}

// File is an uploaded file: its name as sent and its bytes, read once.
type File struct {
	Name string
	Body io.Reader
}

// AddPhoto stores a photo of product pid (market.moderate): read at most
// MaxPhotoBytes, checked by decoding, resized to Sizes and re-encoded as
// JPEG, so nothing but pixels is kept.
func (s *Service) AddPhoto(ctx context.Context, pid int64, f File) (Photo, error) {
	p, err := s.Product(ctx, pid)
	if err != nil {
		return Photo{}, err
	}
	if err := auth.RequireMember(ctx, auth.MarketModerate, p.MemberID); err != nil {
		return Photo{}, err
	}
	if len(p.Photos) >= MaxPhotos {
		return Photo{}, errs.E(errs.Conflict, "market.photos_full", "max", MaxPhotos)
	}
	files, sum, err := s.processPhoto(ctx, f)
	if err != nil {
		return Photo{}, err
	}
	ph := Photo{ProductID: pid, Width: files[0].Width, Height: files[0].Height, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		ph.ID, err = s.insertPhoto(ctx, tx, p.MemberID, pid, len(p.Photos), sum, files)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "market.photo_add", EntityType: "market_product", EntityID: id(pid),
			State: map[string]any{"photo": ph.ID, "sha256": sum, "width": ph.Width, "height": ph.Height}})
	})
	if err != nil {
		return Photo{}, err
	}
	return ph, nil
}

func (s *Service) insertPhoto(ctx context.Context, tx *db.Tx, memberID, pid int64, pos int, sum string, files []PhotoFile) (int64, error) {
	phID, err := tx.InsertID(ctx, `INSERT INTO market_photos (member_id, product_id, position, width, height, sha256, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		memberID, pid, pos, files[0].Width, files[0].Height, sum, actorID(ctx), s.now())
	if err != nil {
		return 0, errs.Wrapf(err, "market: photo")
	}
	for i, f := range files {
		if _, err := tx.Exec(ctx, `INSERT INTO market_photo_files (photo_id, size, width, height, etag, content) VALUES (?, ?, ?, ?, ?, ?)`,
			phID, Sizes[i], f.Width, f.Height, f.ETag, f.Content); err != nil {
			return 0, errs.Wrapf(err, "market: photo file")
		}
	}
	return phID, nil
}

// RemovePhoto deletes photo phID (market.moderate).
func (s *Service) RemovePhoto(ctx context.Context, phID int64) error {
	var pid, memberID int64
	err := s.db.QueryRow(ctx, `SELECT product_id, member_id FROM market_photos WHERE id = ?`, phID).Scan(&pid, &memberID)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "market.photo_not_found")
	}
	if err != nil {
		return errs.Wrapf(err, "market: photo %d", phID)
	}
	if err := auth.RequireMember(ctx, auth.MarketRead, memberID); err != nil {
		return errs.E(errs.NotFound, "market.photo_not_found")
	}
	if err := auth.RequireMember(ctx, auth.MarketModerate, memberID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM market_photo_files WHERE photo_id = ?`, phID); err != nil {
			return errs.Wrapf(err, "market: photo %d", phID)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM market_photos WHERE id = ?`, phID); err != nil {
			return errs.Wrapf(err, "market: photo %d", phID)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "market.photo_remove", EntityType: "market_product", EntityID: id(pid),
			State: map[string]any{"photo": phID}})
	})
}

func (s *Service) photos(ctx context.Context, pid int64) ([]Photo, error) {
	rows, err := s.db.Query(ctx, `SELECT id, product_id, width, height, created_at FROM market_photos WHERE product_id = ? ORDER BY position, id`, pid)
	if err != nil {
		return nil, errs.Wrapf(err, "market: photos")
	}
	defer rows.Close()
	out := []Photo{}
	for rows.Next() {
		var ph Photo
		if err := rows.Scan(&ph.ID, &ph.ProductID, &ph.Width, &ph.Height, &ph.CreatedAt); err != nil {
			return nil, errs.Wrapf(err, "market: photos")
		}
		ph.CreatedAt = ph.CreatedAt.UTC()
		out = append(out, ph)
	}
	return out, rows.Err()
}

// PhotoFile returns the stored size of photo phID nearest above size (one
// of Sizes). With public true it is served only while the storefront
// shows its product; otherwise the caller needs market.read of its member.
func (s *Service) PhotoFile(ctx context.Context, phID int64, size int, public bool) (PhotoFile, error) {
	best := Sizes[0]
	for _, z := range Sizes {
		if z >= size {
			best = z
		}
	}
	var f PhotoFile
	var memberID int64
	var active, hidden bool
	var status string
	err := s.db.QueryRow(ctx, `SELECT f.width, f.height, f.etag, f.content, p.member_id, p.active, p.hidden, h.status
		FROM market_photo_files f JOIN market_photos ph ON ph.id = f.photo_id JOIN market_products p ON p.id = ph.product_id JOIN market_shops h ON h.id = p.shop_id
		WHERE f.photo_id = ? AND f.size = ?`, phID, best).Scan(&f.Width, &f.Height, &f.ETag, &f.Content, &memberID, &active, &hidden, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return PhotoFile{}, errs.E(errs.NotFound, "market.photo_not_found")
	}
	if err != nil {
		return PhotoFile{}, errs.Wrapf(err, "market: photo %d", phID)
	}
	if public && (!active || hidden || status != Open) {
		return PhotoFile{}, errs.E(errs.NotFound, "market.photo_not_found")
	}
	if !public {
		if err := auth.RequireMember(ctx, auth.MarketRead, memberID); err != nil {
			return PhotoFile{}, errs.E(errs.NotFound, "market.photo_not_found")
		}
	}
	return f, nil
}

func photoInvalid(name string) error {
	return errs.E(errs.Invalid, "market.photo_invalid", "name", name).WithField("photo", "market.photo_invalid", "name", name)
}

// processPhoto reads, checks and resizes an upload; it returns one file
// per size and the SHA-256 of the upload.
func (s *Service) processPhoto(ctx context.Context, f File) ([]PhotoFile, string, error) {
	max := int64(MaxPhotoBytes)
	if s.o.Limits.Upload < max {
		max = s.o.Limits.Upload
	}
	data, err := io.ReadAll(limits.Reader(f.Body, f.Name, max))
	if err != nil {
		if limits.Is(err) {
			return nil, "", errs.E(errs.Invalid, "market.photo_too_large", "max", limits.MiB(max)).WithField("photo", "market.photo_too_large", "max", limits.MiB(max))
		}
		return nil, "", errs.Wrapf(err, "market: read %s", f.Name)
	}
	sum := sha256.Sum256(data)
	files, err := s.ResizePhoto(ctx, data)
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			return nil, "", photoInvalid(f.Name)
		}
		return nil, "", err
	}
	return files, hex.EncodeToString(sum[:]), nil
}

// ResizePhoto checks data is a JPEG or PNG of acceptable size by decoding
// it and returns it at Sizes, re-encoded as JPEG without metadata.
func (s *Service) ResizePhoto(ctx context.Context, data []byte) ([]PhotoFile, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != "jpeg" && format != "png" {
		return nil, errs.E(errs.Invalid, "market.photo_invalid")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxPhotoSide || cfg.Height > MaxPhotoSide || int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return nil, errs.E(errs.Invalid, "market.photo_invalid")
	}
	select {
	case s.decoding <- struct{}{}:
		defer func() { <-s.decoding }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errs.E(errs.Invalid, "market.photo_invalid")
	}
	src := toRGBA(img)
	var out []PhotoFile
	for _, size := range Sizes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src = downscale(src, size)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: photoQuality}); err != nil {
			return nil, errs.Wrapf(err, "market: encode photo")
		}
		sum := sha256.Sum256(buf.Bytes())
		b := src.Bounds()
		out = append(out, PhotoFile{Width: b.Dx(), Height: b.Dy(), ETag: hex.EncodeToString(sum[:16]), Content: buf.Bytes()})
	}
	return out, nil
}

// toRGBA draws img on a white canvas at the origin.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, image.White, image.Point{}, draw.Src) // a transparent PNG on white
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Over)
	return dst
}

// downscale returns src with its long side at most long pixels, each
// pixel the average of the source pixels it covers (a box filter, which
// is what shrinking needs); src itself when it is small enough.
func downscale(src *image.RGBA, long int) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	if sw <= long && sh <= long {
		return src
	}
	dw, dh := long, sh*long/sw
	if sh > sw {
		dw, dh = sw*long/sh, long
	}
	dw, dh = max(dw, 1), max(dh, 1)
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		y0, y1 := dy*sh/dh, max((dy+1)*sh/dh, dy*sh/dh+1)
		for dx := range dw {
			x0, x1 := dx*sw/dw, max((dx+1)*sw/dw, dx*sw/dw+1)
			var r, g, b, a, n uint32
			for y := y0; y < y1; y++ {
				row := src.Pix[y*src.Stride+x0*4 : y*src.Stride+x1*4]
				for i := 0; i < len(row); i += 4 {
					r += uint32(row[i])
					g += uint32(row[i+1])
					b += uint32(row[i+2])
					a += uint32(row[i+3])
					n++
				}
			}
			o := dy*dst.Stride + dx*4
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(r/n), uint8(g/n), uint8(b/n), uint8(a/n)
		}
	}
	return dst
}
