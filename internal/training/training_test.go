package training

import (
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/partner"
)

// TestCourseInput: bad input is refused field by field and nothing is
// written; a course may name a partner's pledge of training places, and
// an EG officer cannot add a course to JO.
func TestCourseInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		before := count(t, d, `SELECT COUNT(*) FROM audit_records`)
		_, err := f.s.CreateCourse(f.officer, CourseInput{MemberID: f.jo, Audience: "elders", ProviderKind: "office", Capacity: 0, OnlineURL: "javascript:alert(1)", MinAge: 30, MaxAge: 18, Prereqs: []int64{999}})
		for _, k := range []string{"training.audience_invalid", "training.title_required", "training.capacity_invalid", "training.url_invalid", "training.age_range_invalid", "training.prereq_unknown", "training.provider_required"} {
			wantKey(t, err, k)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM training_courses`); n != 0 {
			t.Fatalf("%d courses written", n)
		}
		if after := count(t, d, `SELECT COUNT(*) FROM audit_records`); after != before {
			t.Fatal("a refused course was audited")
		}
		_, err = f.s.CreateCourse(f.egOfficer, CourseInput{MemberID: f.jo, Audience: "youth", TitleAR: "دخيل", ProviderKind: "office", Provider: "x", Capacity: 3})
		wantCode(t, err, errs.NotFound)

		mgr, _ := as(t, d, f.jo, "jo.partners", "partner_manager")
		p, err := f.partners.Save(mgr, f.jo, partner.Partner{NameAR: "شركة الأمل للتدريب", Sector: "bank", RegNo: "R1", Contacts: []partner.Contact{{Name: "ليلى", Phone: "0790000000"}}})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := f.partners.AddPledge(mgr, partner.Pledge{PartnerID: p.ID, Kind: partner.Training, Target: 20, Course: "الخياطة"})
		if err != nil {
			t.Fatal(err)
		}
		open, err := f.s.Pledges(f.officer, f.jo)
		if err != nil || len(open) != 1 {
			t.Fatalf("open pledges %v %v", open, err)
		}
		c := f.course(t, "families", 20, func(in *CourseInput) { in.ProviderKind, in.Provider, in.PledgeID = "partner", "", pl.ID })
		if c.PartnerID != p.ID || c.Provider != "شركة الأمل للتدريب" || c.PledgeID != pl.ID {
			t.Fatalf("partner course %+v", c)
		}
		// EG's officer sees no JO course.
		_, err = f.s.Course(f.egOfficer, c.ID)
		wantCode(t, err, errs.NotFound)
		// A pledge of another member is unknown.
		egMgr, _ := as(t, d, f.eg, "eg.partners", "partner_manager")
		ep, err := f.partners.Save(egMgr, f.eg, partner.Partner{NameAR: "شركة مصرية", Sector: "bank", RegNo: "E1", Contacts: []partner.Contact{{Name: "منى", Phone: "01000000000"}}})
		if err != nil {
			t.Fatal(err)
		}
		epl, err := f.partners.AddPledge(egMgr, partner.Pledge{PartnerID: ep.ID, Kind: partner.Training, Target: 5, Course: "x"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.CreateCourse(f.officer, CourseInput{MemberID: f.jo, Audience: "youth", TitleAR: "دخيل", ProviderKind: "partner", PledgeID: epl.ID, Capacity: 3})
		wantKey(t, err, "training.pledge_unknown")
		_, err = f.s.CreateCourse(f.officer, CourseInput{MemberID: f.jo, Audience: "youth", TitleAR: "دخيل", ProviderKind: "partner", PartnerID: ep.ID, Capacity: 3})
		wantKey(t, err, "training.partner_unknown")
	})
}

// TestWaitlist: seats go in order, then the waitlist; a withdrawal gives
// the seat to the first waiting; a raised capacity to the next.
func TestWaitlist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.course(t, "youth", 2, nil)
		var es []Enrollment
		for i, ref := range []string{"H1", "H2", "H3", "H4"} {
			p := person(t, d, f.jo, ref, "female", "2001-05-01", "secondary")
			e, err := f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: p})
			if err != nil {
				t.Fatal(err)
			}
			want := Enrolled
			if i >= 2 {
				want = Waitlisted
			}
			if e.Status != want {
				t.Fatalf("enrollment %d: %s, want %s", i, e.Status, want)
			}
			es = append(es, e)
		}
		_, err := f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: es[0].PersonID})
		wantKey(t, err, "training.already_enrolled")
		if _, err := f.s.Withdraw(f.officer, es[1].ID, "انتقل إلى مدينة أخرى"); err != nil {
			t.Fatal(err)
		}
		if e, _ := f.s.Enrollment(f.officer, es[2].ID); e.Status != Enrolled {
			t.Fatalf("the first waiting is %s, want enrolled", e.Status)
		}
		if e, _ := f.s.Enrollment(f.officer, es[3].ID); e.Status != Waitlisted {
			t.Fatalf("the second waiting is %s, want waitlisted", e.Status)
		}
		_, err = f.s.SetCapacity(f.officer, c.ID, 1)
		wantKey(t, err, "training.capacity_below")
		if _, err := f.s.SetCapacity(f.officer, c.ID, 3); err != nil {
			t.Fatal(err)
		}
		if e, _ := f.s.Enrollment(f.officer, es[3].ID); e.Status != Enrolled {
			t.Fatalf("after the capacity rose: %s, want enrolled", e.Status)
		}
		// Withdrawn may enroll again.
		if _, err := f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: es[1].PersonID}); err != nil {
			t.Fatal(err)
		}
		// The case worker reads but does not enroll.
		_, err = f.s.Enroll(f.reader, c.ID, EnrollInput{PersonID: es[1].PersonID})
		wantCode(t, err, errs.NotFound)
	})
}

// TestEnrollChecks: a person or user of another member is not found;
// prerequisites are refused naming what is missing.
func TestEnrollChecks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.course(t, "youth", 10, func(in *CourseInput) { in.MinAge, in.MaxAge, in.MinEducation = 18, 30, "secondary" })
		egP := person(t, d, f.eg, "E1", "male", "2000-01-01", "university")
		_, err := f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: egP})
		wantKey(t, err, "training.person_not_found")
		_, err = f.s.Enroll(f.officer, c.ID, EnrollInput{UserID: f.egStaff})
		wantKey(t, err, "training.user_not_found")
		_, err = f.s.Enroll(f.officer, c.ID, EnrollInput{})
		wantKey(t, err, "training.holder_required")
		_, err = f.s.Enroll(f.egOfficer, c.ID, EnrollInput{PersonID: egP})
		wantCode(t, err, errs.NotFound)

		old := person(t, d, f.jo, "J1", "male", "1980-01-01", "university")
		_, err = f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: old})
		wantKey(t, err, "training.prereq_age")
		// 18 on 2027-03-01 exactly (born 2009-03-01) is old enough.
		young := person(t, d, f.jo, "J2", "female", "2009-03-01", "secondary")
		if _, err := f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: young}); err != nil {
			t.Fatal(err)
		}
		tooYoung := person(t, d, f.jo, "J3", "female", "2009-03-02", "secondary")
		_, err = f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: tooYoung})
		wantKey(t, err, "training.prereq_age")
		unknown := person(t, d, f.jo, "J4", "female", "", "secondary")
		_, err = f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: unknown})
		wantKey(t, err, "training.prereq_birth_unknown")
		primary := person(t, d, f.jo, "J5", "female", "2005-01-01", "primary")
		_, err = f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: primary})
		wantKey(t, err, "training.prereq_education")

		// A course needing c completed first.
		c2 := f.course(t, "youth", 10, func(in *CourseInput) { in.Prereqs = []int64{c.ID}; in.TitleAR = "البرمجة المتقدمة" })
		err = f.s.Eligible(f.officer, c2.ID, EnrollInput{PersonID: young})
		wantKey(t, err, "training.prereq_course")
		if e := errs.As(err); e == nil || e.Args["course"] != "مهارات الحاسوب" {
			t.Fatalf("the reason names %v", err)
		}
		// Draft courses take nobody.
		c3 := f.course(t, "staff", 10, func(in *CourseInput) { in.Status = Draft })
		_, err = f.s.Enroll(f.officer, c3.ID, EnrollInput{UserID: f.staff1})
		wantKey(t, err, "training.enrollment_closed")
		if _, err := f.s.SetStatus(f.officer, c3.ID, Open, c3.Version); err != nil {
			t.Fatal(err)
		}
		e, err := f.s.Enroll(f.officer, c3.ID, EnrollInput{UserID: f.staff1})
		if err != nil || e.Holder != "jo.sw1" {
			t.Fatalf("staff enrollment %+v %v", e, err)
		}
		_, err = f.s.SetStatus(f.officer, c3.ID, Finished, c3.Version+1)
		wantKey(t, err, "training.status_move")
	})
}

// TestCompletion: attendance (idempotent), assessments and the rules;
// completion issues the certificate in the same transaction, and a
// refused certificate leaves the enrollment as it was.
func TestCompletion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.course(t, "social_workers", 5, func(in *CourseInput) { in.MinAttendance = 75 })
		s1, s2 := f.session(t, c.ID, 2), f.session(t, c.ID, 3)
		s3, s4 := f.session(t, c.ID, 4), f.session(t, c.ID, 5)
		a, err := f.s.AddAssessment(f.officer, c.ID, AssessmentInput{NameAR: "الاختبار النهائي", NameEN: "Final test", MaxScore: 100, PassScore: 60})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.AddAssessment(f.officer, c.ID, AssessmentInput{NameAR: "x", MaxScore: 10, PassScore: 11})
		wantKey(t, err, "training.pass_score_invalid")
		e1, err := f.s.Enroll(f.officer, c.ID, EnrollInput{UserID: f.staff1})
		if err != nil {
			t.Fatal(err)
		}
		e2, err := f.s.Enroll(f.officer, c.ID, EnrollInput{UserID: f.staff2})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.RecordAttendance(f.officer, s1.ID, []Mark{{e1.ID, Present}})
		wantKey(t, err, "training.attendance_early")
		f.clock.Advance(10 * 24 * time.Hour)
		_, err = f.s.RecordAttendance(f.officer, s1.ID, []Mark{{e1.ID, "late"}})
		wantKey(t, err, "training.mark_invalid")
		for _, s := range []Session{s1, s2, s3} {
			if _, err := f.s.RecordAttendance(f.officer, s.ID, []Mark{{e1.ID, Present}, {e2.ID, Absent}}); err != nil {
				t.Fatal(err)
			}
		}
		before := count(t, d, `SELECT COUNT(*) FROM audit_records`)
		if _, err := f.s.RecordAttendance(f.officer, s3.ID, []Mark{{e1.ID, Present}, {e2.ID, Absent}}); err != nil {
			t.Fatal(err)
		}
		if after := count(t, d, `SELECT COUNT(*) FROM audit_records`); after != before {
			t.Fatal("recording the same marks again wrote something")
		}
		if _, err := f.s.RecordAttendance(f.officer, s4.ID, []Mark{{e1.ID, Excused}, {e2.ID, Present}}); err != nil {
			t.Fatal(err)
		}
		// Completion waits for the course to run.
		_, err = f.s.Complete(f.officer, e1.ID)
		wantKey(t, err, "training.completion_closed")
		c, _ = f.s.Course(f.officer, c.ID)
		if c, err = f.s.SetStatus(f.officer, c.ID, Running, c.Version); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Complete(f.officer, e1.ID)
		wantKey(t, err, "training.reason_missing_score")
		if err := f.s.RecordScores(f.officer, a.ID, []Score{{e1.ID, 80}, {e2.ID, 90}}); err != nil {
			t.Fatal(err)
		}
		err = f.s.RecordScores(f.officer, a.ID, []Score{{e1.ID, 101}})
		wantKey(t, err, "training.score_invalid")
		ps, _, err := f.s.Progress(f.officer, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p := ps[e1.ID]; !p.Qualifies || p.Attendance != 100 || p.Average != 80 {
			t.Fatalf("e1 progress %+v", p)
		}
		if p := ps[e2.ID]; p.Qualifies || p.Attendance != 25 || p.Reasons[0].Key != "training.reason_attendance" {
			t.Fatalf("e2 progress %+v", p)
		}
		_, err = f.s.Complete(f.officer, e2.ID)
		wantKey(t, err, "training.reason_attendance")

		// A certificate refused: nothing of the completion stays.
		f.cert.fail = true
		_, err = f.s.Complete(f.officer, e1.ID)
		wantKey(t, err, "certificate.refused")
		if e, _ := f.s.Enrollment(f.officer, e1.ID); e.Status != Enrolled {
			t.Fatalf("after a refused certificate: %s", e.Status)
		}
		f.cert.fail = false
		done, err := f.s.Complete(f.officer, e1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != Completed || done.Certificate != "TC-1" || done.CompletedOn != "2027-03-11" || done.Result != "80%" {
			t.Fatalf("completed %+v", done)
		}
		if got := f.cert.issued[0]; got.Holder != "jo.sw1" || got.CourseAR != c.TitleAR || got.Hours != 12 || got.UserID != f.staff1 {
			t.Fatalf("certificate input %+v", got)
		}
		_, err = f.s.Complete(f.officer, e1.ID)
		wantKey(t, err, "training.enrollment_state")
		if _, err := f.s.Fail(f.officer, e2.ID, ""); err == nil {
			t.Fatal("a failure without a reason")
		}
		if e, err := f.s.Fail(f.officer, e2.ID, "لم يحضر الجلسات"); err != nil || e.Status != Failed {
			t.Fatalf("fail %+v %v", e, err)
		}
		h, err := f.s.History(f.reader, f.jo, 0, f.staff1)
		if err != nil || len(h.Enrollments) != 1 || len(h.Certificates) != 1 || h.Enrollments[0].CourseAR != c.TitleAR {
			t.Fatalf("history %+v %v", h, err)
		}
		_, err = f.s.History(f.egOfficer, f.jo, 0, f.staff1)
		wantCode(t, err, errs.NotFound)
	})
}

// TestCompleteAll completes those who qualify, in one transaction, and
// without a Certifier completes without certificates.
func TestCompleteAll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.s.o.Certifier = nil
		c := f.course(t, "families", 5, func(in *CourseInput) { in.MinAttendance = 50; in.PassRule, in.MinAverage = PassAverage, 50 })
		s1 := f.session(t, c.ID, 2)
		a1, _ := f.s.AddAssessment(f.officer, c.ID, AssessmentInput{NameAR: "عملي", MaxScore: 10, PassScore: 9})
		a2, _ := f.s.AddAssessment(f.officer, c.ID, AssessmentInput{NameAR: "نظري", MaxScore: 20, PassScore: 19})
		var es []Enrollment
		for i, ref := range []string{"F1", "F2", "F3"} {
			sex := "female"
			if i == 2 {
				sex = "male"
			}
			e, err := f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: person(t, d, f.jo, ref, sex, "1990-01-01", "primary")})
			if err != nil {
				t.Fatal(err)
			}
			es = append(es, e)
		}
		f.clock.Advance(5 * 24 * time.Hour)
		if _, err := f.s.RecordAttendance(f.officer, s1.ID, []Mark{{es[0].ID, Present}, {es[1].ID, Present}, {es[2].ID, Absent}}); err != nil {
			t.Fatal(err)
		}
		// Average rule: 6/10 and 8/20 average 50%: passes although each
		// is under its pass mark.
		if err := f.s.RecordScores(f.officer, a1.ID, []Score{{es[0].ID, 6}, {es[1].ID, 2}, {es[2].ID, 10}}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RecordScores(f.officer, a2.ID, []Score{{es[0].ID, 8}, {es[1].ID, 4}, {es[2].ID, 20}}); err != nil {
			t.Fatal(err)
		}
		c, _ = f.s.Course(f.officer, c.ID)
		if _, err := f.s.SetStatus(f.officer, c.ID, Running, c.Version); err != nil {
			t.Fatal(err)
		}
		n, err := f.s.CompleteAll(f.officer, c.ID)
		if err != nil || n != 1 {
			t.Fatalf("completed %d, %v; want 1", n, err)
		}
		e, _ := f.s.Enrollment(f.officer, es[0].ID)
		if e.Status != Completed || e.CertificateID != 0 {
			t.Fatalf("%+v", e)
		}
		h, err := f.s.History(f.officer, f.jo, es[0].PersonID, 0)
		if err != nil || h.Certifies || len(h.Certificates) != 0 {
			t.Fatalf("history without certifier %+v %v", h, err)
		}
		// The portal's figures: one woman of productive families, hidden
		// as a small cell once the month is over.
		f.clock.Advance(40 * 24 * time.Hour)
		p, err := f.s.PublicStats(f.sys, f.jo)
		if err != nil {
			t.Fatal(err)
		}
		if p.Table.Cells[1][0].Count != 1 || p.Table.Total.Count != 1 || p.From != "2026-04-01" {
			t.Fatalf("public figures %+v", p)
		}
		if !p.Table.Cells[1][0].Hidden() {
			t.Fatalf("a count of one is shown: %+v", p.Table.Cells[1][0])
		}
	})
}

// TestImport: a good file makes its courses and sessions; a bad one is
// refused whole, every problem named by row and column.
func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		good := "title_ar,title_en,audience,provider,hours,capacity,sessions\n" +
			"الخياطة,Sewing,families,مركز المرأة,20,15,2027-04-01 09:00-12:00; 2027-04-02 09:00-12:00\n" +
			"الإسعافات الأولية,First aid,youth,الدفاع المدني,٨,٢٠,\n"
		var calls int
		res, err := f.s.ImportCourses(f.officer, f.jo, "courses.csv", strings.NewReader(good), func(done, total int) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if res.Courses != 2 || res.Sessions != 2 || calls == 0 {
			t.Fatalf("imported %+v (%d progress calls)", res, calls)
		}
		c, _ := f.s.Course(f.officer, res.IDs[1])
		if c.Capacity != 20 || c.Hours != 8 || c.Status != Draft {
			t.Fatalf("imported course %+v", c)
		}
		bad := "title_ar,audience,capacity,sessions,online_url\n" +
			"الخياطة,families,15,2027-04-01 09:00-12:00,\n" +
			",elders,x,غدا,ftp://x\n"
		before := count(t, d, `SELECT COUNT(*) FROM training_courses`)
		_, err = f.s.ImportCourses(f.officer, f.jo, "bad.csv", strings.NewReader(bad), nil)
		e := errs.As(err)
		if e == nil || e.Key != "training.import_refused" {
			t.Fatalf("got %v", err)
		}
		rows := map[string]int{}
		for _, fe := range e.Fields {
			rows[fe.Field] = fe.Row
		}
		for _, col := range []string{"title_ar", "audience", "capacity", "sessions", "online_url"} {
			if rows[col] != 3 {
				t.Errorf("column %s: row %d, want 3 (%v)", col, rows[col], e.Fields)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM training_courses`); n != before {
			t.Fatal("a refused file wrote courses")
		}
		_, err = f.s.ImportCourses(f.officer, f.jo, "x.csv", strings.NewReader("title_ar\nس\n"), nil)
		wantKey(t, err, "training.import_column_missing")
		_, err = f.s.ImportCourses(f.egOfficer, f.jo, "courses.csv", strings.NewReader(good), nil)
		wantCode(t, err, errs.NotFound)
	})
}
