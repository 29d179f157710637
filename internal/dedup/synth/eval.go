package synth

import (
	"strconv"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/dedup"
)

// Quality is pairwise precision, recall and F1 of predicted groups against
// the truth: a pair of records counts when both are in one group.
type Quality struct {
	TruePairs, Predicted, Correct int64
	Precision, Recall, F1         float64
}

func choose2(n int64) int64 { return n * (n - 1) / 2 }

// Score compares predicted groups (record indices) with truth.
func Score(truth []int, groups [][]int) Quality {
	var q Quality
	sizes := map[int]int64{}
	for _, t := range truth {
		sizes[t]++
	}
	for _, n := range sizes {
		q.TruePairs += choose2(n)
	}
	for _, g := range groups {
		q.Predicted += choose2(int64(len(g)))
		in := map[int]int64{}
		for _, i := range g {
			in[truth[i]]++
		}
		for _, n := range in {
			q.Correct += choose2(n)
		}
	}
	if q.Predicted > 0 {
		q.Precision = float64(q.Correct) / float64(q.Predicted)
	}
	if q.TruePairs > 0 {
		q.Recall = float64(q.Correct) / float64(q.TruePairs)
	}
	if q.Precision+q.Recall > 0 {
		q.F1 = 2 * q.Precision * q.Recall / (q.Precision + q.Recall)
	}
	return q
}

func groupBy(records []dedup.Record, key func(r *dedup.Record) string) [][]int {
	by := map[string][]int{}
	for i := range records {
		if k := key(&records[i]); k != "" {
			by[k] = append(by[k], i)
		}
	}
	var out [][]int
	for _, g := range by {
		if len(g) > 1 {
			out = append(out, g)
		}
	}
	return out
}

// BaselineID groups records with the same national ID: the rule a registry
// without record linkage applies.
func BaselineID(records []dedup.Record) [][]int {
	return groupBy(records, func(r *dedup.Record) string { return arabic.DigitsOnly(r.NationalID) })
}

// BaselineNameDate groups records with the same normalized full name and
// birth date.
func BaselineNameDate(records []dedup.Record) [][]int {
	return groupBy(records, func(r *dedup.Record) string {
		if r.BirthYear == 0 {
			return ""
		}
		name := arabic.NameKey(r.Name())
		if name == "" {
			return ""
		}
		return name + "|" + strconv.Itoa(r.BirthYear) + "-" + strconv.Itoa(r.BirthMonth) + "-" + strconv.Itoa(r.BirthDay)
	})
}
