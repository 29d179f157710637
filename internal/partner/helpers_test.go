package partner

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/limits"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type world struct {
	d                  *db.DB
	s                  *Service
	clock              *calendar.Manual
	jo, eg             int64
	mgr, reader, egMgr context.Context
}

func newWorld(t testing.TB, d *db.DB, l limits.Limits) *world {
	t.Helper()
	w := &world{d: d, clock: calendar.NewManual(t0)}
	w.s = New(d, Options{Clock: w.clock.Now, Limits: l})
	w.jo = mustMember(t, d, "JO")
	w.eg = mustMember(t, d, "EG")
	w.mgr = as(t, d, w.jo, "jo.partners", actor.PartnerManager)
	w.reader = as(t, d, w.jo, "jo.auditor", actor.Auditor)
	w.egMgr = as(t, d, w.eg, "eg.partners", actor.PartnerManager)
	return w
}

func mustMember(tb testing.TB, d *db.DB, code string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', ?, ?) RETURNING id`, code, code, code, t0, t0)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) context.Context {
	tb.Helper()
	ctx := context.Background()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var uid int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			member, name, name, strings.Join(names, " "), t0, t0)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, MemberID: member, Roles: roles, Lang: i18n.EN})
}

func (w *world) partner(t testing.TB, name, reg string) Partner {
	t.Helper()
	p, err := w.s.Save(w.mgr, w.jo, Partner{NameAR: name, Sector: "bank", RegNo: reg, Contacts: []Contact{{Name: "ليلى", Phone: "0790000000"}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) pledge(t testing.TB, p Pledge) Pledge {
	t.Helper()
	out, err := w.s.AddPledge(w.mgr, p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantKey fails unless err is an errs.Error with key.
func wantKey(t testing.TB, err error, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", key)
	}
	if e := errs.As(err); e.Key != key {
		t.Fatalf("got error %v (key %s), want %s", err, e.Key, key)
	}
}

func pngOf(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
