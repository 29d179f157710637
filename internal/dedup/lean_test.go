package dedup_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/synth"
)

// TestRunLeanTwoPass checks that a run that drops its records once
// prepared (Options.Lean) and compares its pairs twice instead of keeping
// them (the form a ten-million-person run takes), and one fed the records
// one at a time (RunEach), find what a run that keeps both finds: the same pairs, weights, classes and groups, with the
// same IDs and references, rejected pairs left out alike.
func TestRunLeanTwoPass(t *testing.T) {
	data := synth.Generate(synth.Config{Records: 20000, Seed: 3})
	rejected := func(a, b int64) bool { return (a+b)%97 == 0 }
	keep, err := dedup.Run(context.Background(), data.Records, dedup.Options{CallingCode: "962", Rejected: rejected})
	if err != nil {
		t.Fatal(err)
	}
	defer dedup.SetTwoPassFrom(1)()
	lean, err := dedup.Run(context.Background(), data.Records, dedup.Options{CallingCode: "962", Rejected: rejected, Lean: true})
	if err != nil {
		t.Fatal(err)
	}
	each, err := dedup.RunEach(context.Background(), 0, func(fn func(*dedup.Record) error) error {
		for _, r := range data.Records {
			if err := fn(&r); err != nil {
				return err
			}
		}
		return nil
	}, dedup.Options{CallingCode: "962", Rejected: rejected})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(keep.Pairs, each.Pairs) || !reflect.DeepEqual(keep.Groups, each.Groups) {
		t.Errorf("RunEach differs: %d pairs, %d groups; Run: %d, %d", len(each.Pairs), len(each.Groups), len(keep.Pairs), len(keep.Groups))
	}
	if len(keep.Pairs) == 0 || len(keep.Groups) == 0 {
		t.Fatal("the run found nothing to compare")
	}
	if !reflect.DeepEqual(keep.Pairs, lean.Pairs) {
		t.Errorf("pairs differ: %d kept, %d lean", len(keep.Pairs), len(lean.Pairs))
	}
	if !reflect.DeepEqual(keep.Groups, lean.Groups) {
		t.Errorf("groups differ: %d kept, %d lean", len(keep.Groups), len(lean.Groups))
	}
	if keep.Stats.Compared != lean.Stats.Compared || keep.Stats.Likely != lean.Stats.Likely || keep.Stats.Possible != lean.Stats.Possible {
		t.Errorf("stats differ: %+v and %+v", keep.Stats, lean.Stats)
	}
	for _, p := range keep.Pairs[:min(50, len(keep.Pairs))] {
		for _, i := range []int{p.A, p.B} {
			r := lean.Index.Record(i)
			if r.ID != data.Records[i].ID || r.Ref != data.Records[i].Ref {
				t.Fatalf("lean record %d is %+v, want ID %d ref %q", i, r, data.Records[i].ID, data.Records[i].Ref)
			}
		}
	}
}
