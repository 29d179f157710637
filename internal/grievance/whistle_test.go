package grievance

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

func TestWhistleblower(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		eg := mustMember(t, d, "EG", "Africa/Cairo")
		keyFile := t.TempDir() + "/whistle.key"
		s, _ := newService(t, d, Options{KeyFile: keyFile})
		integ, integID := as(t, d, jo, "jo.integrity", actor.IntegrityOfficer)
		accused, accusedID := as(t, d, jo, "jo.integrity2", actor.IntegrityOfficer)
		griev, _ := as(t, d, jo, "jo.grievance", actor.GrievanceOfficer)
		madmin, _ := as(t, d, jo, "jo.admin", actor.MemberAdmin)
		uadmin, _ := as(t, d, 0, "union.admin", actor.UnionAdmin)
		egInteg, _ := as(t, d, eg, "eg.integrity", actor.IntegrityOfficer)
		form := func(body, contact, ip string) ReportIntake {
			c := s.Challenge(i18n.EN)
			return ReportIntake{MemberID: jo, Body: body, Contact: contact, IP: ip, ChallengeToken: c.Token, ChallengeAnswer: solve(t, c)}
		}
		pub := context.Background()
		_, err := s.FileReport(pub, form("  ", "", "10.5.0.1"))
		t.Run("an anonymous report with no text is refused", func(t *testing.T) { wantCode(t, err, errs.Invalid) })
		contact := "+962 79 123 4567 سرّي"
		rc, err := s.FileReport(pub, form("المدير يطلب عمولة على كل صرف", contact, "10.5.0.2"))
		if err != nil {
			t.Fatal(err)
		}
		anon, err := s.FileReport(pub, form("anonymous", "", "10.5.0.3"))
		if err != nil {
			t.Fatal(err)
		}
		t.Run("the contact is encrypted at rest and the key is a private file", func(t *testing.T) {
			var raw []byte
			if err := d.QueryRow(context.Background(), `SELECT contact_enc FROM whistle_reports WHERE id = ?`, rc.ID).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if len(raw) == 0 || bytes.Contains(raw, []byte("962")) {
				t.Errorf("stored contact %q", raw)
			}
			if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("key file: %v, %v", fi, err)
			}
		})
		for name, ctx := range map[string]context.Context{
			"grievance officer": griev, "member admin": madmin, "union admin": uadmin,
			"system": actor.System(context.Background()), "nobody": pub, "another member's integrity officer": egInteg,
		} {
			t.Run(name+" cannot read", func(t *testing.T) {
				if _, err := s.Read(ctx, rc.ID); err == nil {
					t.Error("read allowed")
				}
				if _, err := s.Contact(ctx, rc.ID); err == nil {
					t.Error("contact allowed")
				}
				if _, err := s.Reports(ctx, jo, ""); err == nil {
					t.Error("list allowed")
				}
			})
		}
		auditCount := func(action string) int {
			var n int
			if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = ? AND entity_id = ?`, action, id(rc.ID)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		t.Run("the integrity officer reads, and each read is audited", func(t *testing.T) {
			r, err := s.Read(integ, rc.ID)
			if err != nil || r.Body != "المدير يطلب عمولة على كل صرف" || !r.HasContact {
				t.Fatalf("read %+v, %v", r, err)
			}
			got, err := s.Contact(integ, rc.ID)
			if err != nil || got != contact {
				t.Errorf("contact %q, %v", got, err)
			}
			if auditCount("whistle.read") != 1 || auditCount("whistle.contact_read") != 1 {
				t.Error("reads are not in the audit log")
			}
			_, err = s.Contact(integ, anon.ID)
			wantCode(t, err, errs.NotFound)
		})
		t.Run("an accused officer neither sees nor handles the report", func(t *testing.T) {
			if l, _ := s.Reports(accused, jo, ""); len(l) != 2 {
				t.Fatalf("before: %d reports", len(l))
			}
			if err := s.Accuse(integ, rc.ID, accusedID); err != nil {
				t.Fatal(err)
			}
			l, err := s.Reports(accused, jo, "")
			if err != nil || len(l) != 1 || l[0].ID != anon.ID {
				t.Errorf("accused lists %+v, %v", l, err)
			}
			for _, err := range []error{
				func() error { _, err := s.Read(accused, rc.ID); return err }(),
				func() error { _, err := s.Contact(accused, rc.ID); return err }(),
				func() error { _, err := s.Advance(accused, rc.ID, ReportInvestigating, ""); return err }(),
			} {
				wantCode(t, err, errs.NotFound)
			}
		})
		t.Run("status moves in order and the reporter sees the outcome", func(t *testing.T) {
			_, err := s.Advance(integ, rc.ID, ReportClosed, "x")
			wantCode(t, err, errs.Invalid)
			if _, err := s.Advance(integ, rc.ID, ReportInvestigating, ""); err != nil {
				t.Fatal(err)
			}
			r, err := s.Advance(integ, rc.ID, ReportClosed, "referred to the prosecutor")
			if err != nil || r.HandlerID != integID {
				t.Fatalf("%+v, %v", r, err)
			}
			st, out, err := s.ReportStatus(pub, rc.Code, "10.5.0.9")
			if err != nil || st != ReportClosed || out != "referred to the prosecutor" {
				t.Errorf("status %q %q %v", st, out, err)
			}
		})
		t.Run("a new service reads with the key file", func(t *testing.T) {
			s2, _ := newService(t, d, Options{KeyFile: keyFile})
			if got, err := s2.Contact(integ, rc.ID); err != nil || got != contact {
				t.Errorf("contact %q, %v", got, err)
			}
			s3, _ := newService(t, d, Options{KeyFile: t.TempDir() + "/other.key"})
			if _, err := s3.Contact(integ, rc.ID); err == nil {
				t.Error("another key opened the contact")
			}
		})
	})
}
