package web

import (
	"github.com/tadamun/tadamun/internal/i18n"
	"strconv"
	"unicode/utf8"
)

// The charts of the portal and the dashboards are SVG drawn by the
// server: no script, no outside host, no inline style (the page's CSP
// forbids them), only classes and SVG presentation attributes. Each is
// drawn in a viewBox narrow enough that its 16-unit text stays readable
// when a 390-pixel phone scales it to its width, is mirrored for right to
// left by placing its shapes (never by a transform, which would mirror the
// text), has role="img" with a title, and is followed by a table with the
// same figures for screen readers (the "chart" templates in _charts.html).

// Chart geometry, in viewBox units (the text's font size is 16).
const (
	chartW     = 400
	chartRow   = 28
	chartBar   = 18
	chartGap   = 8  // between label, bar and value
	chartDigit = 10 // a digit's width, generously
	chartChar  = 9  // a label letter's width, generously
)

// chartTable is the table behind a chart: one row per bar or point.
type chartTable struct {
	ID      string // the id of the chart's title, unique in the page
	Title   string // the chart's accessible name, in the page's language
	LabelTH string // the label column's header
	ValueTH string // the value column's header
	NoTable bool   // the page already shows the figures in a table
}

// barChart is a horizontal bar chart.
type barChart struct {
	chartTable
	W, H int
	Bars []barItem
}

// barItem is one bar with its label and value placed: LabelAnchor and
// ValueAnchor are SVG text-anchor values in the chart's left-to-right
// coordinates.
type barItem struct {
	Label, Value             string
	Full                     string // the label uncut
	N                        int64  // the value, -1 when hidden
	Y, TextY                 int
	LabelX, BarX, W, ValueX  int
	LabelAnchor, ValueAnchor string
}

// bars places one bar per label, as long as its value against the largest
// (a negative value draws no bar and shows only its text). The label
// column fits the longest label (up to half the width) and the value
// column the longest text counted in characters, so no number is clipped;
// right to left, labels are on the right and bars grow leftwards.
func bars(labels []string, values []int64, texts []string, rtl bool) barChart {
	var top int64 = 1
	labelW, valueW := 0, 0
	for i, v := range values {
		top = max(top, v)
		labelW = max(labelW, utf8.RuneCountInString(labels[i])*chartChar)
		valueW = max(valueW, utf8.RuneCountInString(texts[i])*chartDigit)
	}
	labelW = min(labelW, chartW/2)
	span := chartW - labelW - valueW - 3*chartGap
	fit := labelW / chartChar // a longer label is cut (the table and the bar's title give it whole)
	ch := barChart{W: chartW, H: len(values)*chartRow + 8}
	for i, v := range values {
		w := 0
		if v > 0 {
			w = int(v * int64(span) / top)
		}
		b := barItem{Label: labels[i], Full: labels[i], Value: texts[i], N: v, Y: i*chartRow + 5, TextY: i*chartRow + 19, W: w}
		if r := []rune(b.Label); len(r) > fit {
			b.Label = string(r[:fit-1]) + "…"
		}
		if rtl {
			edge := chartW - labelW - 2*chartGap // the bars' right edge
			b.LabelX, b.LabelAnchor = chartW-chartGap, "end"
			b.BarX = edge - w
			b.ValueX, b.ValueAnchor = edge-w-chartGap, "end"
		} else {
			edge := labelW + 2*chartGap
			b.LabelX, b.LabelAnchor = labelW+chartGap, "end"
			b.BarX = edge
			b.ValueX, b.ValueAnchor = edge+w+chartGap, "start"
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// countBars is bars of counts, their texts grouped in thousands.
func countBars(labels []string, values []int64, rtl bool) barChart {
	texts := make([]string, len(values))
	for i, v := range values {
		texts[i] = i18n.FormatNumber(strconv.FormatInt(v, 10), false)
	}
	return bars(labels, values, texts, rtl)
}

// Line chart geometry, in viewBox units.
const (
	lineH      = 190
	linePad    = 24  // left and right of the first and last points
	lineTop    = 30  // room for the values above the points
	lineBottom = 150 // the baseline; the labels go below it
)

// lineChart is a trend: points joined by a line, each with its value
// above and its label below. Right to left, time runs from right to left.
type lineChart struct {
	chartTable
	W, H, Base int
	Line       string // the polyline's points
	Points     []linePoint
}

// linePoint is one point placed, with its label and value.
type linePoint struct {
	Label, Value string
	N            int64
	X, Y         int
	LabelY       int
}

// line places values (oldest first) evenly across the chart, scaled to
// the largest, with labels under them.
func line(labels []string, values []int64, rtl bool) lineChart {
	ch := lineChart{W: chartW, H: lineH, Base: lineBottom}
	var top int64 = 1
	for _, v := range values {
		top = max(top, v)
	}
	n := len(values)
	step := 0
	if n > 1 {
		step = (chartW - 2*linePad) / (n - 1)
	}
	for i, v := range values {
		x := linePad + i*step
		if n == 1 {
			x = chartW / 2
		}
		if rtl {
			x = chartW - x
		}
		y := lineBottom - int(max(v, 0)*int64(lineBottom-lineTop)/top)
		ch.Points = append(ch.Points, linePoint{Label: labels[i], Value: i18n.FormatNumber(strconv.FormatInt(v, 10), false), N: v, X: x, Y: y, LabelY: lineBottom + 22})
		if i > 0 {
			ch.Line += " "
		}
		ch.Line += strconv.Itoa(x) + "," + strconv.Itoa(y)
	}
	return ch
}
