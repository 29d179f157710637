package server

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		// A failed notification of EG, as its sender would have left it.
		ctx := context.Background()
		eg, err := member.New(fx.d).Get(actor.System(ctx), "EG")
		if err != nil {
			t.Fatal(err)
		}
		err = fx.d.Tx(ctx, func(tx *db.Tx) error {
			now := time.Now().UTC()
			id, err := tx.InsertID(ctx, `INSERT INTO notifications (member_id, event, channel, recipient, lang, body, status, reason, attempts, next_at, created_at, updated_at)
				VALUES (?, 'payment_paid', 'sms', '+201001234567', 'ar', 'EG text', 'failed', 'gateway', 5, ?, ?, ?) RETURNING id`, eg.ID, now, now, now)
			fx.vals["notification"] = strconv.FormatInt(id, 10)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	v1 := api.Prefix
	crossCases["GET /notifications"] = crossList(v1 + "/notifications")
	crossCases["GET /notifications/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/notifications/" + v["notification"] })
	crossCases["POST /notifications/{id}/retry"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/notifications/" + v["notification"] + "/retry", ""
	})
	crossCases["GET /notifications/settings"] = crossGet(func(v map[string]string) string { return v1 + "/notifications/settings?member=" + v["member"] })
	crossCases["PUT /notifications/settings"] = crossWrite("PUT", func(v map[string]string) (string, string) {
		return v1 + "/notifications/settings?member=" + v["member"], `{"sms_enabled":false}`
	})
	crossCases["GET /notifications/templates"] = crossGet(func(v map[string]string) string { return v1 + "/notifications/templates?member=" + v["member"] })
	crossCases["PUT /notifications/templates"] = crossWrite("PUT", func(v map[string]string) (string, string) {
		return v1 + "/notifications/templates?member=" + v["member"], `{"event":"payment_paid","channel":"sms","lang":"ar","body":"x"}`
	})
	crossRefs["PUT /notifications/settings"] = crossRef{As: "jo.admin",
		Path: func(map[string]string) string { return v1 + "/notifications/settings" },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"member_id":%s,"smtp_port":587,"max_attempts":3}`, pick(v, eg, "member_id", "jo_member_id", "reg_eg"))
		},
		Ignored: []string{"member_id"}, NotIDs: []string{"smtp_port", "max_attempts"}}
}
