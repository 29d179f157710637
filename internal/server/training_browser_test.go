package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserTraining walks the training officer's pages at phone and
// desktop width in both languages (the course list, the full youth course
// with its waiting list, the finished course's attendance grid and
// scores, the import), then, on a phone in Arabic, withdraws a seat of the
// full course (the first waiting takes it), enrolls a staff user, records
// attendance with the keyboard, and finds the training on a household's
// page. Screenshots go to TADAMUN_SCREENSHOTS.
func TestBrowserTraining(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	base := ts.URL
	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			failShot(t, ctx, "training-"+what)
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	fits := func(name string) {
		t.Helper()
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
		}
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		return stripBidi.Replace(s)
	}
	youth := joValue(t, d, `SELECT id FROM training_courses WHERE audience = 'youth' AND title_ar = 'مهارات البرمجة والدعم الفني'`)
	sw := joValue(t, d, `SELECT id FROM training_courses WHERE audience = 'social_workers'`)
	finished := joValue(t, d, `SELECT id FROM training_courses WHERE status = 'finished'`)
	session := joValue(t, d, `SELECT MIN(id) FROM training_sessions WHERE course_id = ?`, finished)
	assessment := joValue(t, d, `SELECT MIN(id) FROM training_assessments WHERE course_id = ?`, finished)

	do("sign in", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.training"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	pages := []struct{ name, path, ar, en string }{
		{"list", "/training", "مهارات البرمجة والدعم الفني", "Programming and IT support skills"},
		{"course", "/training/courses/" + youth, "مهارات البرمجة والدعم الفني", "Programming and IT support skills"},
		{"session", "/training/sessions/" + session, "الاستعداد لسوق العمل", "Job readiness"},
		{"scores", "/training/assessments/" + assessment, "السيرة الذاتية", "The CV"},
		{"import", "/training/import", "title_ar", "title_ar"},
		{"new", "/training/new", "العنوان بالعربية", "Title in Arabic"},
	}
	for _, w := range []int64{390, 1280} {
		for _, l := range []string{"ar", "en"} {
			if w == 390 {
				do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
			} else {
				do("desktop", chromedp.EmulateViewport(1280, 900))
			}
			for _, p := range pages {
				do(p.name+" "+l, chromedp.Navigate(base+"/lang?to="+l+"&next="+url.QueryEscape(p.path)), chromedp.WaitVisible(chromedp.CSS("h1")))
				s := text()
				if want := map[string]string{"ar": p.ar, "en": p.en}[l]; !strings.Contains(s, want) {
					t.Errorf("%s %s lacks %q: %.400q", p.name, l, want, s)
				}
				if p.name == "course" && !strings.Contains(s, map[string]string{"ar": "قائمة الانتظار", "en": "Waiting list"}[l]) {
					t.Errorf("%s course page lacks its waiting list", l)
				}
				if w == 390 {
					fits(p.name + "-" + l)
				}
				viewportShot(t, ctx, "training-"+p.name+"-"+l+"-"+map[int64]string{390: "390", 1280: "1280"}[w], w)
			}
		}
	}

	// On a phone in Arabic: withdraw the first seat of the full course;
	// the first waiting takes it.
	do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	first := joValue(t, d, `SELECT MIN(id) FROM training_enrollments WHERE course_id = ? AND status = 'enrolled'`, youth)
	waiting := joValue(t, d, `SELECT MIN(id) FROM training_enrollments WHERE course_id = ? AND status = 'waitlisted'`, youth)
	do("course ar", chromedp.Navigate(base+"/lang?to=ar&next="+url.QueryEscape("/training/courses/"+youth)), chromedp.WaitVisible(chromedp.CSS("h1")))
	sel := `form[action="/training/enrollments/` + first + `/withdraw"]`
	do("open more", chromedp.Click(chromedp.CSS(`tr:has(`+sel+`) details summary`)), chromedp.WaitVisible(chromedp.CSS(sel+` button`)))
	do("withdraw", chromedp.Click(chromedp.CSS(sel+` button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if st := joValue(t, d, `SELECT status FROM training_enrollments WHERE id = ?`, waiting); st != "enrolled" {
		t.Errorf("the first waiting is %s after a withdrawal, want enrolled", st)
	}
	// Enroll a staff user in the social workers' course.
	do("sw course", chromedp.Navigate(base+"/training/courses/"+sw), chromedp.WaitVisible(chromedp.CSS("#f-user_id")))
	admin := joValue(t, d, `SELECT id FROM users WHERE username = 'jo.admin'`)
	do("enroll", chromedp.SetValue(chromedp.CSS("#f-user_id"), admin), chromedp.Submit(chromedp.CSS("#f-user_id")), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if n := joValue(t, d, `SELECT COUNT(*) FROM training_enrollments WHERE course_id = ? AND user_id = ?`, sw, admin); n != "1" {
		t.Errorf("the staff user was not enrolled (%s)", n)
	}
	fits("enrolled-ar")
	viewportShot(t, ctx, "training-enrolled-ar-390", 390)
	// Attendance with the keyboard: the first row's radio group, arrow to
	// the next mark, then the save button.
	do("phone again", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	do("session", chromedp.Navigate(base+"/training/sessions/"+session), chromedp.WaitVisible(chromedp.CSS(`input[type=radio]`)))
	row := joValue(t, d, `SELECT MIN(enrollment_id) FROM training_attendance WHERE session_id = ?`, session)
	do("keyboard", chromedp.Focus(chromedp.CSS(`input[name="mark_`+row+`"][value=present]`)), chromedp.KeyEvent(kb.ArrowDown), // the next mark: absent
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if m := joValue(t, d, `SELECT mark FROM training_attendance WHERE session_id = ? AND enrollment_id = ?`, session, row); m != "absent" {
		t.Errorf("the keyboard's mark is %s, want absent", m)
	}
	fits("attendance-ar")
	viewportShot(t, ctx, "training-attendance-saved-ar-390", 390)
	// The household page shows its person's training.
	person := joValue(t, d, `SELECT MIN(person_id) FROM training_enrollments WHERE course_id = ? AND status = 'completed'`, finished)
	hh := joValue(t, d, `SELECT household_id FROM persons WHERE id = ?`, person)
	do("household", chromedp.Navigate(base+"/households/"+hh), chromedp.WaitVisible(chromedp.CSS("#training")))
	if s := text(); !strings.Contains(s, "الاستعداد لسوق العمل") {
		t.Errorf("the household page lacks the training: %.300q", s)
	}
	fits("household-ar")
	viewportShot(t, ctx, "training-household-ar-390", 390)

	// The portal's training section: people trained by audience and sex,
	// small cells hidden.
	statisticsReady(t, d)
	for _, w := range []int64{390, 1280} {
		for _, l := range []string{"ar", "en"} {
			do("portal "+l, chromedp.EmulateViewport(w, 900), chromedp.Navigate(base+"/lang?to="+l+"&next="+url.QueryEscape("/portal/statistics?member=JO")), chromedp.WaitVisible(chromedp.CSS("#h-training")))
			s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#h-training + p + div")))
			if err != nil {
				t.Fatalf("portal %s: %v", l, err)
			}
			s = stripBidi.Replace(s)
			if !strings.Contains(s, map[string]string{"ar": "الباحثون عن عمل", "en": "Job seekers"}[l]) || !strings.Contains(s, "<10") && !strings.Contains(s, "x") {
				t.Errorf("portal %s: the training table %.400q", l, s)
			}
			if w == 390 {
				fits("portal-" + l)
			}
			viewportShot(t, ctx, "training-portal-"+l+"-"+map[int64]string{390: "390", 1280: "1280"}[w], w)
		}
	}
}
