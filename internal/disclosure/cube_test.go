package disclosure

import "testing"

func TestCubeTables(t *testing.T) {
	c := NewCube(Dim{"gov", []string{"a", "b", "c"}}, Dim{"sex", []string{"f", "m"}}, Dim{"dis", []string{"no", "yes"}})
	add := func(g, s, d int, paid int64) { c.Add(c.Index(g, s, d), 1, paid) }
	for range 12 {
		add(0, 0, 0, 100)
	}
	add(0, 1, 1, 7)
	add(2, 1, 0, 5)
	add(2, 1, 1, 5)
	gs := c.Table(0, 1)
	if gs.Counts[0][0] != 12 || gs.Counts[0][1] != 1 || gs.Counts[2][1] != 2 || gs.Sums[0][0] != 1200 || gs.Sums[2][1] != 10 {
		t.Errorf("gov × sex %v %v", gs.Counts, gs.Sums)
	}
	sd := c.Table(2, 1) // dimensions in either order
	if sd.Counts[0][0] != 12 || sd.Counts[1][1] != 2 || sd.Counts[0][1] != 1 {
		t.Errorf("dis × sex %v", sd.Counts)
	}
	one := c.OneWay(0)
	if got := one.Counts[0]; got[0] != 13 || got[1] != 0 || got[2] != 2 {
		t.Errorf("one-way gov %v", got)
	}
	o := NewCube(c.Dims...)
	o.Add(o.Index(1, 0, 0), 10, 1)
	c.Merge(o)
	if got := c.OneWay(0).Counts[0][1]; got != 10 {
		t.Errorf("after merge gov b = %d, want 10", got)
	}
}
