package web

import (
	"testing"
	"unicode/utf8"
)

// TestLineChartMirrors places an eight-week trend left to right and right
// to left: time runs towards the reading direction's end, every point is
// inside the chart, the largest value reaches the top of the plot and a
// zero lies on the baseline.
func TestLineChartMirrors(t *testing.T) {
	labels := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	values := []int64{0, 3, 12345, 7, 0, 1, 2, 9}
	for _, rtl := range []bool{false, true} {
		ch := line(labels, values, rtl)
		first, last := ch.Points[0], ch.Points[len(ch.Points)-1]
		if rtl != (first.X > last.X) {
			t.Errorf("rtl=%v: the oldest point is at x=%d, the newest at x=%d", rtl, first.X, last.X)
		}
		for _, p := range ch.Points {
			if p.X < 0 || p.X > ch.W || p.Y < lineTop || p.Y > ch.Base {
				t.Errorf("rtl=%v: point %+v outside the plot", rtl, p)
			}
		}
		if ch.Points[2].Y != lineTop || ch.Points[0].Y != ch.Base {
			t.Errorf("rtl=%v: top at %d, zero at %d", rtl, ch.Points[2].Y, ch.Points[0].Y)
		}
		if ch.Points[2].Value != "12,345" {
			t.Errorf("value text %q, want 12,345", ch.Points[2].Value)
		}
	}
}

// TestBarLabelsAreCut gives a bar a label longer than half the chart: the
// label drawn is cut with an ellipsis to fit its column, and the whole
// label stays for the table and the bar's title.
func TestBarLabelsAreCut(t *testing.T) {
	long := "Cash support for older persons and persons with disabilities"
	ch := countBars([]string{long, "Child grant"}, []int64{106, 0}, false)
	b := ch.Bars[0]
	if b.Full != long || utf8.RuneCountInString(b.Label)*chartChar > chartW/2 || b.Label[len(b.Label)-len("…"):] != "…" {
		t.Errorf("label %q (full %q) does not fit half the chart", b.Label, b.Full)
	}
	if ch.Bars[1].Label != "Child grant" || ch.Bars[1].W != 0 {
		t.Errorf("short label or zero bar changed: %+v", ch.Bars[1])
	}
}
