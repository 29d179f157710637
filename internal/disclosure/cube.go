package disclosure

import "fmt"

// Dim is one categorical variable of a cube: governorate, sex, age band,
// disability. Labels name its values 0, 1, ….
type Dim struct {
	Name   string
	Labels []string
}

// Cube counts records (persons, households) and sums an amount over every
// combination of a few dimensions, so that the portal's tables come from
// one pass over the registry and are cut from memory on each request. A
// Cube is not safe for concurrent writes; once filled it may be read by
// any number of goroutines.
type Cube struct {
	Dims   []Dim
	stride []int
	counts []int64
	sums   []int64
}

// NewCube returns an empty cube over dims.
func NewCube(dims ...Dim) *Cube {
	c := &Cube{Dims: dims, stride: make([]int, len(dims))}
	n := 1
	for k := len(dims) - 1; k >= 0; k-- {
		c.stride[k] = n
		n *= len(dims[k].Labels)
	}
	c.counts = make([]int64, n)
	c.sums = make([]int64, n)
	return c
}

// Index returns the flat position of the value codes, one per dimension,
// for Add. It panics on a code out of range: a bug in the caller.
func (c *Cube) Index(codes ...int) int {
	if len(codes) != len(c.Dims) {
		panic(fmt.Sprintf("disclosure: %d codes for %d dimensions", len(codes), len(c.Dims)))
	}
	at := 0
	for k, v := range codes {
		if v < 0 || v >= len(c.Dims[k].Labels) {
			panic(fmt.Sprintf("disclosure: code %d out of range for %s", v, c.Dims[k].Name))
		}
		at += v * c.stride[k]
	}
	return at
}

// Add counts n records with amount sum at flat position at.
func (c *Cube) Add(at int, n, sum int64) {
	c.counts[at] += n
	c.sums[at] += sum
}

// Merge adds o, a cube over the same dimensions (one per worker), to c.
func (c *Cube) Merge(o *Cube) {
	for i := range c.counts {
		c.counts[i] += o.counts[i]
		c.sums[i] += o.sums[i]
	}
}

// Table returns the two-way table of dimension row by dimension col,
// summed over the others, ready for Protect.
func (c *Cube) Table(row, col int) Table {
	R, C := len(c.Dims[row].Labels), len(c.Dims[col].Labels)
	t := Table{Rows: c.Dims[row].Labels, Cols: c.Dims[col].Labels, Counts: make([][]int64, R), Sums: make([][]int64, R)}
	for i := range R {
		t.Counts[i] = make([]int64, C)
		t.Sums[i] = make([]int64, C)
	}
	sr, sc := c.stride[row], c.stride[col]
	nr, nc := len(c.Dims[row].Labels), len(c.Dims[col].Labels)
	for at := range c.counts {
		if c.counts[at] == 0 && c.sums[at] == 0 {
			continue
		}
		i, j := at/sr%nr, at/sc%nc
		t.Counts[i][j] += c.counts[at]
		t.Sums[i][j] += c.sums[at]
	}
	return t
}

// OneWay returns the table of dimension d alone, as one row, ready for
// Protect.
func (c *Cube) OneWay(d int) Table {
	n := len(c.Dims[d].Labels)
	t := Table{Rows: []string{c.Dims[d].Name}, Cols: c.Dims[d].Labels, Counts: [][]int64{make([]int64, n)}, Sums: [][]int64{make([]int64, n)}}
	s := c.stride[d]
	for at := range c.counts {
		t.Counts[0][at/s%n] += c.counts[at]
		t.Sums[0][at/s%n] += c.sums[at]
	}
	return t
}
