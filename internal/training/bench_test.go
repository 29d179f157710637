package training

import (
	"fmt"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// BenchmarkProgress computes the completion rules of a course of n seats
// with ten sessions marked and two assessments scored: the course page and
// "complete all who qualify" read it. n=20 is the baseline; n=200 should
// cost about ten times as much (linear), not a hundred.
//
//	go test -run '^$' -bench Progress -benchtime 20x ./internal/training/
func BenchmarkProgress(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprintf("seats=%d", n), func(b *testing.B) {
			d := dbtest.Open(b, db.SQLite)
			f := newFixture(b, d)
			c := f.course(b, "families", n, func(in *CourseInput) { in.MinAttendance = 50 })
			var ts []Session
			for day := range 10 {
				ts = append(ts, f.session(b, c.ID, 2+day))
			}
			a1, _ := f.s.AddAssessment(f.officer, c.ID, AssessmentInput{NameAR: "عملي", MaxScore: 10, PassScore: 5})
			a2, _ := f.s.AddAssessment(f.officer, c.ID, AssessmentInput{NameAR: "نظري", MaxScore: 10, PassScore: 5})
			var marks []Mark
			var scores []Score
			for i := range n {
				e, err := f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: person(b, d, f.jo, fmt.Sprintf("B%d", i), "female", "1990-01-01", "primary")})
				if err != nil {
					b.Fatal(err)
				}
				marks = append(marks, Mark{EnrollmentID: e.ID, Mark: Present})
				scores = append(scores, Score{EnrollmentID: e.ID, Score: 7})
			}
			f.clock.Advance(20 * 24 * time.Hour)
			for _, t := range ts {
				if _, err := f.s.RecordAttendance(f.officer, t.ID, marks); err != nil {
					b.Fatal(err)
				}
			}
			if err := f.s.RecordScores(f.officer, a1.ID, scores); err != nil {
				b.Fatal(err)
			}
			if err := f.s.RecordScores(f.officer, a2.ID, scores); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				ps, _, err := f.s.Progress(f.officer, c.ID)
				if err != nil || len(ps) != n {
					b.Fatalf("%d progresses, %v", len(ps), err)
				}
			}
		})
	}
}
