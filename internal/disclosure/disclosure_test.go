package disclosure

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// augmented returns s as one grid: the row totals as a last column and
// the column totals and total as a last row.
func augmented(s Safe) [][]Cell {
	R := len(s.Rows)
	g := make([][]Cell, R+1)
	for i := range R {
		g[i] = append(append([]Cell{}, s.Cells[i]...), s.RowTotals[i])
	}
	g[R] = append(append([]Cell{}, s.ColTotals...), s.Total)
	return g
}

// recover plays the attacker: it writes every published relation (each
// row's cells add up to its total, each column's to its total) as linear
// equations in the hidden cells, solves them by Gaussian elimination over
// the rationals, and returns the hidden cells whose value the equations
// fix, with that value.
func recoverCells(s Safe) map[[2]int]int64 {
	g := augmented(s)
	R, C := len(g)-1, len(g[0])-1
	idx := map[[2]int]int{}
	var cells [][2]int
	for i := range g {
		for j := range g[i] {
			if g[i][j].Hidden() {
				idx[[2]int{i, j}] = len(cells)
				cells = append(cells, [2]int{i, j})
			}
		}
	}
	n := len(cells)
	var rows [][]*big.Rat // n coefficients, then the right-hand side
	line := func(members [][2]int, total [2]int) {
		eq := make([]*big.Rat, n+1)
		for k := range eq {
			eq[k] = new(big.Rat)
		}
		add := func(c [2]int, sign int64) {
			if k, ok := idx[c]; ok {
				eq[k].Add(eq[k], big.NewRat(sign, 1))
			} else {
				eq[n].Sub(eq[n], big.NewRat(sign*g[c[0]][c[1]].Count, 1))
			}
		}
		for _, c := range members {
			add(c, 1)
		}
		add(total, -1)
		rows = append(rows, eq)
	}
	for i := 0; i <= R; i++ {
		var m [][2]int
		for j := range C {
			m = append(m, [2]int{i, j})
		}
		line(m, [2]int{i, C})
	}
	for j := 0; j <= C; j++ {
		var m [][2]int
		for i := range R {
			m = append(m, [2]int{i, j})
		}
		line(m, [2]int{R, j})
	}
	// Reduced row echelon form.
	pivotOf := make([]int, 0)
	r := 0
	for col := 0; col < n && r < len(rows); col++ {
		p := -1
		for k := r; k < len(rows); k++ {
			if rows[k][col].Sign() != 0 {
				p = k
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		inv := new(big.Rat).Inv(rows[r][col])
		for k := range rows[r] {
			rows[r][k].Mul(rows[r][k], inv)
		}
		for k := range rows {
			if k == r || rows[k][col].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(rows[k][col])
			for c := range rows[k] {
				rows[k][c].Sub(rows[k][c], new(big.Rat).Mul(f, rows[r][c]))
			}
		}
		pivotOf = append(pivotOf, col)
		r++
	}
	got := map[[2]int]int64{}
	for k, col := range pivotOf {
		others := 0
		for c := range n {
			if c != col && rows[k][c].Sign() != 0 {
				others++
			}
		}
		if others == 0 { // the row reads: cell = value
			got[cells[col]] = rows[k][n].Num().Int64()
		}
	}
	return got
}

func TestRecoveryFails(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 500 {
		R, C := 1+rng.IntN(7), 1+rng.IntN(7) // one-way tables too
		tb := Table{Rows: make([]string, R), Cols: make([]string, C), Counts: make([][]int64, R)}
		for i := range R {
			tb.Counts[i] = make([]int64, C)
			for j := range C {
				switch rng.IntN(4) {
				case 0:
					tb.Counts[i][j] = int64(rng.IntN(10)) // 0–9: often small
				default:
					tb.Counts[i][j] = int64(10 + rng.IntN(200))
				}
			}
		}
		s, err := Protect(tb)
		if err != nil {
			t.Fatal(err)
		}
		g := augmented(s)
		for i := range g {
			for j := range g[i] {
				c := g[i][j]
				if primary(c.Count) && c.Status != Primary {
					t.Fatalf("trial %d: count %d at %d,%d shown", trial, c.Count, i, j)
				}
				if i < R && j < C && c.Count != tb.Counts[i][j] {
					t.Fatalf("trial %d: cell %d,%d changed", trial, i, j)
				}
			}
		}
		if rec := recoverCells(s); len(rec) > 0 {
			t.Fatalf("trial %d: %d×%d table %v: the attacker recovered %v", trial, R, C, tb.Counts, rec)
		}
	}
}

func TestAttackWorksWithoutSecondarySuppression(t *testing.T) {
	// The attack must be able to succeed, or its failure above means nothing.
	tb := Table{Rows: []string{"Amman", "Irbid"}, Cols: []string{"female", "male"}, Counts: [][]int64{{3, 120}, {40, 55}}}
	s, _ := Protect(tb)
	for _, c := range []*Cell{&s.Cells[0][1], &s.Cells[1][0], &s.Cells[1][1], &s.RowTotals[0], &s.RowTotals[1], &s.ColTotals[0], &s.ColTotals[1]} {
		c.Status = Shown
	}
	rec := recoverCells(s)
	if rec[[2]int{0, 0}] != 3 {
		t.Fatalf("with only primary suppression the attacker got %v, want cell 0,0 = 3", rec)
	}
	s, _ = Protect(tb)
	if rec := recoverCells(s); len(rec) != 0 {
		t.Fatalf("protected: the attacker got %v", rec)
	}
}

func TestProtect(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int64
		want   [][]string // cells, then row totals as the last column, then the total row
	}{
		{"nothing small, nothing hidden", [][]int64{{10, 20}, {30, 40}},
			[][]string{{"10", "20", "30"}, {"30", "40", "70"}, {"40", "60", "100"}}},
		{"one small cell hides a rectangle of the smallest others", [][]int64{{3, 50, 12}, {40, 60, 11}},
			[][]string{{"<10", "50", "x", "65"}, {"x", "60", "x", "111"}, {"43", "110", "23", "176"}}},
		{"zeros are shown", [][]int64{{0, 50}, {40, 60}},
			[][]string{{"0", "50", "50"}, {"40", "60", "100"}, {"40", "110", "150"}}},
		{"one row: two hidden at least", [][]int64{{4, 100, 30, 0}},
			[][]string{{"<10", "100", "x", "0", "134"}, {"<10", "100", "x", "0", "134"}}},
		{"one column", [][]int64{{4}, {100}, {30}},
			[][]string{{"<10", "<10"}, {"100", "100"}, {"x", "x"}, {"134", "134"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := Table{Rows: make([]string, len(tc.counts)), Cols: make([]string, len(tc.counts[0])), Counts: tc.counts}
			s, err := Protect(tb)
			if err != nil {
				t.Fatal(err)
			}
			g := augmented(s)
			for i := range g {
				for j := range g[i] {
					if got := g[i][j].Text(); got != tc.want[i][j] {
						t.Errorf("cell %d,%d: got %s, want %s", i, j, got, tc.want[i][j])
					}
				}
			}
		})
	}
}

func TestSumsHiddenWithCounts(t *testing.T) {
	tb := Table{Rows: []string{"a", "b"}, Cols: []string{"x", "y"}, Counts: [][]int64{{2, 30}, {40, 50}}, Sums: [][]int64{{5000, 90000}, {120000, 150000}}}
	s, err := Protect(tb)
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Cells[0][0].Public(); p.Count != nil || p.Sum != nil || p.Text != "<10" {
		t.Errorf("public small cell %+v leaks", p)
	}
	if s.Total.Sum != 365000 || s.Total.Hidden() {
		t.Errorf("total %+v", s.Total)
	}
}

func TestProtectRejectsBadShapes(t *testing.T) {
	for name, tb := range map[string]Table{
		"ragged":   {Rows: []string{"a", "b"}, Cols: []string{"x"}, Counts: [][]int64{{1}, {1, 2}}},
		"negative": {Rows: []string{"a"}, Cols: []string{"x"}, Counts: [][]int64{{-1}}},
		"labels":   {Rows: []string{"a"}, Cols: []string{"x"}, Counts: [][]int64{{1}, {2}}},
	} {
		if _, err := Protect(tb); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
