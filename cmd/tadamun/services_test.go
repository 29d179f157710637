package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// TestCompositionRoot: the keys main reads from the environment reach the
// services it builds — the whistleblower contacts are sealed with the key
// at $TADAMUN_WHISTLE_KEY and DCI signs with the key at $TADAMUN_DCI_KEY —
// and no library reads them itself (internal/arch checks that), so a
// server's keys are exactly the ones its builder passed.
func TestCompositionRoot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		dir := t.TempDir()
		whistle, dciKey := filepath.Join(dir, "whistle.key"), filepath.Join(dir, "dci.key")
		t.Setenv("TADAMUN_WHISTLE_KEY", whistle)
		t.Setenv("TADAMUN_DCI_KEY", dciKey)
		svc := services(d, app.Options{})
		t.Cleanup(func() { _ = svc.Close(context.Background()) })

		jo, err := svc.Members.Create(actor.System(context.Background()), member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"})
		if err != nil {
			t.Fatal(err)
		}
		c := svc.Grievances.Challenge(i18n.AR)
		if _, err := svc.Grievances.FileReport(context.Background(), grievance.ReportIntake{MemberID: jo.ID, Body: "رشوة في مكتب الصرف",
			Contact: "+962 79 000 0000", IP: "10.0.0.1", ChallengeToken: c.Token, ChallengeAnswer: answer(t, c)}); err != nil {
			t.Fatalf("filing a report with a contact: %v", err)
		}
		if fi, err := os.Stat(whistle); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("the whistleblower key at $TADAMUN_WHISTLE_KEY: %v, %v; want a private file", fi, err)
		}

		rec := httptest.NewRecorder()
		svc.DCI.ServeHTTP(rec, httptest.NewRequest("GET", "/api/dci/key", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /api/dci/key: %d %s", rec.Code, rec.Body)
		}
		if _, err := os.Stat(dciKey); err != nil {
			t.Errorf("the DCI key at $TADAMUN_DCI_KEY: %v", err)
		}
		for _, f := range []string{"tadamun-whistle.key", "tadamun-dci.key"} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("%s was written in the working directory", f)
			}
		}
	})
}

// answer solves the public form's sum: the token carries the two numbers
// (bytes 16 and 17) under its MAC.
func answer(tb testing.TB, c grievance.Challenge) string {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(c.Token)
	if err != nil || len(b) < 18 {
		tb.Fatalf("bad token %q", c.Token)
	}
	return strconv.Itoa(int(b[16]) + int(b[17]))
}
