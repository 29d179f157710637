package program

import (
	"fmt"
	"html"
	"strings"

	"github.com/tadamun/tadamun/internal/i18n"
)

// FairnessSVG draws the report as a bar chart in SVG, for a page to embed
// as is: for each dimension its groups, each with a bar for the eligibility
// rate and one for the selection rate, and the dimension's gap flagged in
// red when it passes the threshold. Arabic is drawn right to left. The text
// is escaped; the chart needs no script.
func FairnessSVG(f FairnessReport, lang i18n.Lang) string {
	const (
		width  = 720.0
		label  = 200.0 // width of the group labels
		bar    = 420.0 // width of a 100% bar
		rowH   = 30.0
		headH  = 28.0
		top    = 40.0
		colorE = "#2b6cb0"
		colorS = "#38a169"
	)
	rtl := lang == i18n.AR
	// x maps a distance from the start edge to an x coordinate.
	x := func(d float64) float64 {
		if rtl {
			return width - d
		}
		return d
	}
	// The svg's direction attribute already flips start and end for
	// Arabic; only x positions are mirrored by hand.
	anchor := func(start bool) string {
		if start {
			return "start"
		}
		return "end"
	}
	t := func(key string, args map[string]any) string { return html.EscapeString(i18n.T(lang, key, args)) }
	group := func(g string) string {
		if k := "program.group_value." + g; i18n.Has(k) {
			return t(k, nil)
		}
		return html.EscapeString(g)
	}
	flagged := map[string]bool{}
	for _, g := range f.Gaps {
		if g.Flagged {
			flagged[g.Dimension] = true
		}
	}
	var body strings.Builder
	y := top
	for _, dim := range Dimensions {
		var gs []GroupCount
		for _, g := range f.Groups {
			if g.Dimension == dim {
				gs = append(gs, g)
			}
		}
		if len(gs) == 0 {
			continue
		}
		color := "#1a202c"
		if flagged[dim] {
			color = "#c53030"
		}
		fmt.Fprintf(&body, `<text x="%.0f" y="%.0f" font-weight="bold" fill="%s" text-anchor="%s">%s</text>`+"\n", x(4), y+18, color, anchor(true), t("program.dimension."+dim, nil))
		y += headH
		for _, g := range gs {
			fmt.Fprintf(&body, `<text x="%.0f" y="%.0f" text-anchor="%s">%s (%d)</text>`+"\n", x(label-8), y+19, anchor(false), group(g.Group), g.Households)
			for i, r := range []float64{g.EligibilityRate(), g.SelectionRate()} {
				c := colorE
				if i == 1 {
					c = colorS
				}
				w := r * bar
				by := y + 3 + float64(i)*12
				bx := x(label)
				if rtl {
					bx = x(label) - w
				}
				fmt.Fprintf(&body, `<rect x="%.1f" y="%.0f" width="%.1f" height="11" fill="%s"><title>%.1f%%</title></rect>`+"\n", bx, by, w, c, r*100)
				fmt.Fprintf(&body, `<text x="%.0f" y="%.0f" font-size="10" text-anchor="%s">%.1f%%</text>`+"\n", x(label+w+4), by+9, anchor(true), r*100)
			}
			y += rowH
		}
	}
	var b strings.Builder
	dir := lang.Dir()
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="13" direction="%s" role="img">`+"\n", width, y+10, width, y+10, dir)
	fmt.Fprintf(&b, `<rect x="%.0f" y="8" width="12" height="12" fill="%s"/><text x="%.0f" y="19" text-anchor="%s">%s</text>`+"\n", min(x(4), x(16)), colorE, x(22), anchor(true), t("program.measure.eligibility", nil))
	fmt.Fprintf(&b, `<rect x="%.0f" y="8" width="12" height="12" fill="%s"/><text x="%.0f" y="19" text-anchor="%s">%s</text>`+"\n", min(x(204), x(216)), colorS, x(222), anchor(true), t("program.measure.selection", nil))
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.String()
}
