package source

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/registry"
)

// Index returns c as the registry's duplicate index: the registry checks
// each registration with it and tells it of every person it saves. Give it
// to the registry at construction:
//
//	registry.NewWith(d, registry.Options{Duplicates: source.Index(c)})
func Index(c *Checker) registry.DuplicateIndex { return index{c} }

var _ registry.FileDuplicateIndex = index{}

// index adapts a Checker to registry.DuplicateIndex.
type index struct{ c *Checker }

// Check returns the likely and possible matches of p, a registration not
// yet saved, most likely first.
func (x index) Check(ctx context.Context, p registry.Person) ([]registry.Duplicate, error) {
	ms, err := x.c.CheckPerson(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]registry.Duplicate, 0, len(ms))
	for _, m := range ms {
		out = append(out, duplicate(m))
	}
	return out, nil
}

// duplicate is match m as the registry reports it.
func duplicate(m dedup.Match) registry.Duplicate {
	return registry.Duplicate{PersonID: m.Record.ID, Ref: m.Record.Ref, HouseholdRef: m.Record.Household,
		Name: m.Record.Name(), Probability: dedup.Probability(m.Weight), Class: m.Class.String(), Why: Why(m.Explanation)}
}

// Why is the short form of an explanation the registry reports with a
// duplicate: the fields that speak for one person (positive weight, with
// the name's frequency), strongest first as the model orders fields, then
// the vetoes.
func Why(e dedup.Explanation) []registry.DuplicateReason {
	var out []registry.DuplicateReason
	for _, f := range e.Fields {
		if f.Weight+f.TF > 0 && f.Level != "missing" {
			out = append(out, registry.DuplicateReason{Field: f.Field, Level: f.Level})
		}
	}
	for _, v := range e.Vetoes {
		out = append(out, registry.DuplicateReason{Field: "veto", Level: v})
	}
	return out
}

// InFile returns an index of one import's new persons, scored with
// member's model: each is compared with those before it.
func (x index) InFile(ctx context.Context, memberID int64) (registry.FileDuplicates, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, memberID); err != nil {
		return nil, err
	}
	ix, _, err := x.c.index(ctx, memberID)
	if err != nil {
		return nil, err
	}
	return &fileIndex{f: ix.NewFileIndex()}, nil
}

// fileIndex adapts a dedup.FileIndex to registry.FileDuplicates.
type fileIndex struct {
	f *dedup.FileIndex
	// rows[i] is the file row of the file index's record i; files its
	// file, as runs of records from one file.
	rows  []int32
	files []fileRun
}

// fileRun is a file and the first record read from it.
type fileRun struct {
	name  string
	first int
}

func (x *fileIndex) CheckAdd(ctx context.Context, p registry.Person, file string, row int) ([]registry.Duplicate, error) {
	// The import's strings may be slices of its read buffer: the file
	// index keeps its own copies of what it keeps.
	ms, err := x.f.CheckAdd(ctx, Person(p))
	if err != nil {
		return nil, errs.Wrapf(err, "dedup: check in file")
	}
	if n := len(x.files); n == 0 || x.files[n-1].name != file {
		x.files = append(x.files, fileRun{strings.Clone(file), len(x.rows)})
	}
	x.rows = append(x.rows, int32(row))
	out := make([]registry.Duplicate, 0, len(ms))
	for _, m := range ms {
		d := duplicate(m)
		d.PersonID = 0
		d.File, d.Row = x.file(m.Index), int(x.rows[m.Index])
		out = append(out, d)
	}
	return out, nil
}

// file returns the file of the file index's record i.
func (x *fileIndex) file(i int) string {
	k, _ := slices.BinarySearchFunc(x.files, i, func(r fileRun, i int) int { return cmp.Compare(r.first, i+1) })
	return x.files[k-1].name
}

func (x index) Saved(memberID int64, ps []registry.Person) {
	rs := make([]dedup.Record, len(ps))
	for i, p := range ps {
		rs[i] = Person(p)
	}
	x.c.Saved(memberID, rs...)
}

func (x index) Stale(memberID int64) { x.c.Invalidate(memberID) }

func (x index) Lock(_ context.Context, memberID int64) (unlock func()) {
	l := x.c.lock(memberID)
	l.Lock()
	return l.Unlock
}
