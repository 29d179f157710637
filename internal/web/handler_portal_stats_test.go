package web

import (
	"testing"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/disclosure"
)

// TestPortalStatisticsChartRoom places bars whose values have three and
// five digits next to a long label, left to right and right to left, and
// checks that every value label fits inside the chart with room for its
// digits and that Arabic bars grow leftwards from the labels on the right.
// Before, the longest bar ended where the chart did and "222" lost a digit.
func TestPortalStatisticsChartRoom(t *testing.T) {
	labels := []string{"Amman", "Other or not recorded", "Irbid"}
	cells := []disclosure.Cell{{Count: 222, Status: disclosure.Shown}, {Count: 12345, Status: disclosure.Shown}, {Count: 3, Status: disclosure.Primary}}
	for _, rtl := range []bool{false, true} {
		ch := chart(labels, cells, rtl)
		for _, b := range ch.Bars {
			room := utf8.RuneCountInString(b.Value) * chartDigit
			if rtl {
				if b.ValueAnchor != "end" || b.ValueX-room < 0 || b.BarX+b.W > b.LabelX || b.BarX < 0 {
					t.Errorf("right to left: %+v leaves no room for %q", b, b.Value)
				}
			} else if b.ValueAnchor != "start" || b.ValueX+room > ch.W || b.BarX < b.LabelX {
				t.Errorf("left to right: %+v leaves no room for %q", b, b.Value)
			}
		}
	}
}
