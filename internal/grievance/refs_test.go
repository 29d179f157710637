package grievance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// TestGrievanceRefusesForeignIDs is issue 12 item 7: EG's grievance
// officer names JO's household, JO's staff member, JO's targeting run. Each
// is refused as invalid, with the same answer as an id that does not
// exist, and nothing is stored; EG's own ids are taken.
func TestGrievanceRefusesForeignIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		eg := mustMember(t, d, "EG", "Africa/Cairo")
		s, _ := newService(t, d, Options{Decisions: &fakeDecisions{runs: map[int64]int64{7: jo, 8: eg}}})
		joHH, egHH := mustHousehold(t, d, jo, "JO-1"), mustHousehold(t, d, eg, "EG-1")
		_, joUser := as(t, d, jo, "jo.staff", actor.Registrar)
		_, egUser := as(t, d, eg, "eg.staff", actor.Registrar)
		_, unionUser := as(t, d, 0, "union.auditor", actor.Auditor)
		off, _ := as(t, d, eg, "eg.officer", actor.GrievanceOfficer)
		const none = 1 << 40 // an id nobody has
		staff := func(hh, subject int64) Intake {
			return Intake{MemberID: eg, Channel: API, Category: Misconduct, Body: "شكوى", HouseholdID: hh, SubjectUserID: subject}
		}
		stored := func() int {
			t.Helper()
			var n int
			if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM grievances`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// refused checks that file is refused as invalid on field, with the
		// message an id that does not exist gets, and stores nothing.
		refused := func(t *testing.T, field string, foreignID int64, file func(foreign bool) error) {
			t.Helper()
			before := stored()
			var msgs [2]string
			for i, foreign := range []bool{true, false} {
				err := file(foreign)
				e := errs.As(err)
				if errs.CodeOf(err) != errs.Invalid || e == nil || len(e.Fields) != 1 || e.Fields[0].Field != field {
					t.Fatalf("foreign %v: got %v, want invalid %s", foreign, err, field)
				}
				f := e.Fields[0]
				msgs[i] = i18n.T(i18n.AR, f.Key, f.Args) + i18n.T(i18n.EN, f.Key, f.Args)
				if strings.Contains(msgs[i], "{") {
					t.Errorf("unfilled message %q", msgs[i])
				}
			}
			if after := stored(); after != before {
				t.Errorf("refused intakes stored %d grievances", after-before)
			}
			// The same words but for the number: nothing says the row exists elsewhere.
			if a, b := strings.ReplaceAll(msgs[0], fmt.Sprint(foreignID), "N"), strings.ReplaceAll(msgs[1], fmt.Sprint(none), "N"); a != b {
				t.Errorf("another member's id reads %q, an unknown one %q", a, b)
			}
		}
		t.Run("another member's household", func(t *testing.T) {
			refused(t, "household_id", joHH, func(foreign bool) error {
				hh := int64(none)
				if foreign {
					hh = joHH
				}
				_, err := s.Submit(off, staff(hh, 0))
				return err
			})
		})
		t.Run("another member's staff member", func(t *testing.T) {
			refused(t, "subject_user_id", joUser, func(foreign bool) error {
				u := int64(none)
				if foreign {
					u = joUser
				}
				_, err := s.Submit(off, staff(0, u))
				return err
			})
		})
		t.Run("an appeal against another member's household", func(t *testing.T) {
			refused(t, "household_id", joHH, func(foreign bool) error {
				hh := int64(none)
				if foreign {
					hh = joHH
				}
				_, _, err := s.FileAppeal(off, staff(0, 0), 8, hh)
				return err
			})
		})
		t.Run("an appeal against another member's run", func(t *testing.T) {
			refused(t, "run_id", 7, func(foreign bool) error {
				run := int64(none)
				if foreign {
					run = 7
				}
				_, _, err := s.FileAppeal(off, staff(0, 0), run, egHH)
				return err
			})
		})
		ip := 0
		t.Run("the public form names another member's household", func(t *testing.T) {
			refused(t, "household_id", joHH, func(foreign bool) error {
				hh := int64(none)
				if foreign {
					hh = joHH
				}
				in := Intake{MemberID: eg, Category: PaymentProblem, Body: "لم تصل الدفعة", HouseholdID: hh}
				ip++
				_, err := s.Submit(context.Background(), public(t, s, in, fmt.Sprint("198.51.100.", ip)))
				return err
			})
		})
		t.Run("assignment to another member's officer", func(t *testing.T) {
			rc, err := s.Submit(off, staff(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			_, joOfficer := as(t, d, jo, "jo.officer", actor.GrievanceOfficer)
			_, err = s.Assign(off, rc.ID, Assignment{UserID: joOfficer})
			wantCode(t, err, errs.Invalid)
			if g := getSys(t, s, rc.ID); g.AssignedTo != 0 {
				t.Errorf("assigned to %d", g.AssignedTo)
			}
		})
		t.Run("the member's own ids are taken", func(t *testing.T) {
			for _, subject := range []int64{egUser, unionUser} {
				rc, err := s.Submit(off, staff(egHH, subject))
				if err != nil {
					t.Fatal(err)
				}
				if g := getSys(t, s, rc.ID); g.HouseholdID != egHH || g.SubjectUserID != subject {
					t.Errorf("stored %+v", g)
				}
			}
			if _, ap, err := s.FileAppeal(off, staff(0, 0), 8, egHH); err != nil || ap.RunID != 8 || ap.HouseholdID != egHH {
				t.Errorf("appeal %+v, %v", ap, err)
			}
		})
	})
}
