// Package disclosure protects the statistics the public portal shows: it
// hides every count from 1 to 9 (primary suppression, shown as "<10") and
// then hides as few other cells as it can (secondary suppression) so that
// no hidden cell can be worked out from the row and column totals.
//
// A two-way table with its margins is viewed as the bipartite graph whose
// nodes are its rows and columns, the total row and the total column
// included, and whose edges are its hidden cells. The published numbers fix
// every hidden cell exactly when, and only when, its edge is a bridge of
// that graph: a hidden cell on a cycle can move up and down along the cycle
// without changing any total. Protect therefore finds bridges and closes
// each one into a cycle along the cheapest path of cells, preferring small
// non-zero inner cells to zeros, margins and the grand total. Sums (amounts
// paid) are hidden wherever their counts are, so the same argument covers
// them.
//
// The functions are pure and safe for concurrent use.
package disclosure

import (
	"fmt"
	"strconv"
)

// Threshold is the smallest count shown; 1 to Threshold-1 are hidden. Zero
// is shown: an empty cell identifies nobody.
const Threshold = 10

// Status says whether and why a cell is hidden.
type Status uint8

// The statuses.
const (
	Shown     Status = iota
	Primary          // a count from 1 to 9
	Secondary        // hidden so that a primary cell cannot be worked out
)

// Cell is one published number of a table: a count, and a sum such as an
// amount paid in minor units when the table has sums.
type Cell struct {
	Count  int64  `json:"count"`
	Sum    int64  `json:"sum"`
	Status Status `json:"-"`
}

// Hidden reports whether c must not be shown.
func (c Cell) Hidden() bool { return c.Status != Shown }

// Text returns the count as the public sees it: the number, "<10" for a
// small count, or "x" for a cell hidden to protect one.
func (c Cell) Text() string {
	switch c.Status {
	case Primary:
		return "<" + strconv.Itoa(Threshold)
	case Secondary:
		return "x"
	}
	return strconv.FormatInt(c.Count, 10)
}

// Public returns c with the hidden values zeroed, for JSON and CSV output,
// so that a careless template cannot leak them.
func (c Cell) Public() PublicCell {
	if c.Hidden() {
		return PublicCell{Text: c.Text(), Hidden: true}
	}
	return PublicCell{Count: &c.Count, Sum: &c.Sum, Text: c.Text()}
}

// PublicCell is a cell as published: no numbers when hidden.
type PublicCell struct {
	Count  *int64 `json:"count,omitempty"`
	Sum    *int64 `json:"sum,omitempty"`
	Text   string `json:"text"`
	Hidden bool   `json:"hidden,omitempty"`
}

func primary(n int64) bool { return n >= 1 && n < Threshold }

// Table is a two-way table of counts (persons, households) by a row and a
// column variable, with optional sums of the same shape. Rows and Cols
// label it.
type Table struct {
	Rows, Cols []string
	Counts     [][]int64 // [row][col]
	Sums       [][]int64 // nil, or [row][col]
}

// Safe is a protected table with its margins.
type Safe struct {
	Rows      []string `json:"rows"`
	Cols      []string `json:"cols"`
	Cells     [][]Cell `json:"cells"`
	RowTotals []Cell   `json:"row_totals"`
	ColTotals []Cell   `json:"col_totals"`
	Total     Cell     `json:"total"`
}

// Protect returns t with its margins, hiding every count from 1 to 9 and
// enough other cells that none of them can be worked out from the others
// and the totals. A table with one row or one column is protected as a
// one-way table.
func Protect(t Table) (Safe, error) {
	R, C := len(t.Rows), len(t.Cols)
	if len(t.Counts) != R {
		return Safe{}, fmt.Errorf("disclosure: %d rows of counts for %d row labels", len(t.Counts), R)
	}
	if t.Sums != nil && len(t.Sums) != R {
		return Safe{}, fmt.Errorf("disclosure: %d rows of sums for %d row labels", len(t.Sums), R)
	}
	// The augmented table: row R holds the column totals, column C the row
	// totals, [R][C] the grand total.
	g := make([][]Cell, R+1)
	for i := range g {
		g[i] = make([]Cell, C+1)
	}
	for i := range R {
		if len(t.Counts[i]) != C || (t.Sums != nil && len(t.Sums[i]) != C) {
			return Safe{}, fmt.Errorf("disclosure: row %d has the wrong number of columns", i)
		}
		for j := range C {
			n := t.Counts[i][j]
			if n < 0 {
				return Safe{}, fmt.Errorf("disclosure: negative count at row %d column %d", i, j)
			}
			var s int64
			if t.Sums != nil {
				s = t.Sums[i][j]
			}
			for _, c := range []*Cell{&g[i][j], &g[i][C], &g[R][j], &g[R][C]} {
				c.Count += n
				c.Sum += s
			}
		}
	}
	for i := range g {
		for j := range g[i] {
			if primary(g[i][j].Count) {
				g[i][j].Status = Primary
			}
		}
	}
	switch {
	case R == 1 || C == 1:
		protectLine(g, R, C)
	case R > 1 && C > 1:
		protectGrid(g, R, C)
	}
	out := Safe{Rows: t.Rows, Cols: t.Cols, Cells: make([][]Cell, R), RowTotals: make([]Cell, R), ColTotals: make([]Cell, C), Total: g[R][C]}
	for i := range R {
		out.Cells[i] = g[i][:C:C]
		out.RowTotals[i] = g[i][C]
	}
	copy(out.ColTotals, g[R][:C])
	return out, nil
}

// protectLine protects a table of one row or one column, where the margin
// across repeats the cells and the other margin is the total: one equation,
// so a hidden cell is safe when at least two of the line's cells and total
// are hidden.
func protectLine(g [][]Cell, R, C int) {
	line := make([]*Cell, 0, max(R, C)+1)
	if R == 1 {
		for j := 0; j <= C; j++ {
			line = append(line, &g[0][j])
		}
	} else {
		for i := 0; i <= R; i++ {
			line = append(line, &g[i][0])
		}
	}
	hidden := 0
	for _, c := range line {
		if c.Hidden() {
			hidden++
		}
	}
	if hidden == 1 {
		best, bestCost := -1, int64(0)
		for k, c := range line {
			if c.Hidden() {
				continue
			}
			cost := c.Count
			if c.Count == 0 {
				cost = zeroCost
			}
			if k == len(line)-1 {
				cost = totalCost
			}
			if best < 0 || cost < bestCost {
				best, bestCost = k, cost
			}
		}
		if best >= 0 {
			line[best].Status = Secondary
		}
	}
	// Mirror the line onto its repeats: the margin across is the cells
	// themselves, the corner is the total.
	if R == 1 {
		for j := 0; j <= C; j++ {
			g[1][j].Status = g[0][j].Status
		}
	} else {
		for i := 0; i <= R; i++ {
			g[i][1].Status = g[i][0].Status
		}
	}
}

// Costs of hiding a cell that is shown, in units of the count it hides:
// zeros, margins and the grand total are hidden only when nothing else
// closes a cycle.
const (
	zeroCost   = 1 << 40
	marginCost = 1 << 30
	totalCost  = 1 << 60
)

func cellCost(g [][]Cell, R, C, i, j int) int64 {
	c := g[i][j]
	if c.Hidden() {
		return 0
	}
	var cost int64
	switch {
	case i == R && j == C:
		return totalCost
	case c.Count == 0:
		cost = zeroCost
	default:
		cost = c.Count
	}
	if i == R || j == C {
		cost += marginCost
	}
	return cost
}

// protectGrid hides cells until no hidden cell is a bridge of the graph of
// hidden cells.
func protectGrid(g [][]Cell, R, C int) {
	for {
		bi, bj, ok := findBridge(g, R, C)
		if !ok {
			return
		}
		for _, e := range cheapestPath(g, R, C, bi, bj) {
			if !g[e[0]][e[1]].Hidden() {
				g[e[0]][e[1]].Status = Secondary
			}
		}
	}
}

// Nodes of the graph: rows 0…R, then columns 0…C as R+1+j.

// findBridge returns a hidden cell whose edge is a bridge, if any, by
// Tarjan's low-link search.
func findBridge(g [][]Cell, R, C int) (int, int, bool) {
	n := R + 1 + C + 1
	disc := make([]int, n)
	low := make([]int, n)
	for i := range disc {
		disc[i] = -1
	}
	time := 0
	neighbours := func(u int) []int {
		var out []int
		if u <= R {
			for j := 0; j <= C; j++ {
				if g[u][j].Hidden() {
					out = append(out, R+1+j)
				}
			}
		} else {
			j := u - R - 1
			for i := 0; i <= R; i++ {
				if g[i][j].Hidden() {
					out = append(out, i)
				}
			}
		}
		return out
	}
	var bu, bv int
	found := false
	var dfs func(u, parent int)
	dfs = func(u, parent int) {
		disc[u], low[u] = time, time
		time++
		for _, v := range neighbours(u) {
			if found {
				return
			}
			if v == parent { // a simple graph: one edge to the parent
				continue
			}
			if disc[v] < 0 {
				dfs(v, u)
				low[u] = min(low[u], low[v])
				if low[v] > disc[u] && !found {
					bu, bv, found = u, v, true
				}
			} else {
				low[u] = min(low[u], disc[v])
			}
		}
	}
	for u := range n {
		if disc[u] < 0 && !found {
			dfs(u, -1)
		}
	}
	if !found {
		return 0, 0, false
	}
	if bu > R {
		bu, bv = bv, bu
	}
	return bu, bv - R - 1, true
}

// cheapestPath returns the cells of the cheapest path from row bi to column
// bj that does not use cell (bi, bj), by Dijkstra's algorithm over the
// complete bipartite graph of all cells.
func cheapestPath(g [][]Cell, R, C, bi, bj int) [][2]int {
	n := R + 1 + C + 1
	const inf = int64(1) << 62
	dist := make([]int64, n)
	prev := make([]int, n)
	done := make([]bool, n)
	for i := range dist {
		dist[i], prev[i] = inf, -1
	}
	src, dst := bi, R+1+bj
	dist[src] = 0
	for {
		u := -1
		for v := range n {
			if !done[v] && dist[v] < inf && (u < 0 || dist[v] < dist[u]) {
				u = v
			}
		}
		if u < 0 || u == dst {
			break
		}
		done[u] = true
		relax := func(v int, i, j int) {
			if i == bi && j == bj {
				return
			}
			if d := dist[u] + cellCost(g, R, C, i, j); d < dist[v] {
				dist[v], prev[v] = d, u
			}
		}
		if u <= R {
			for j := 0; j <= C; j++ {
				relax(R+1+j, u, j)
			}
		} else {
			j := u - R - 1
			for i := 0; i <= R; i++ {
				relax(i, i, j)
			}
		}
	}
	var path [][2]int
	for v := dst; prev[v] >= 0; v = prev[v] {
		u := prev[v]
		if u <= R {
			path = append(path, [2]int{u, v - R - 1})
		} else {
			path = append(path, [2]int{v, u - R - 1})
		}
	}
	return path
}
