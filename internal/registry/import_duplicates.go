package registry

import (
	"context"
	"fmt"
	"strings"
)

// maxDuplicateLines bounds an import's duplicate report held in memory;
// ImportBatch.DuplicatesFound counts them all.
const maxDuplicateLines = 10000

// importDuplicates is an import's real-time duplicate check and report.
type importDuplicates struct {
	check  DuplicateIndex // nil: no check
	member int64
	// file compares the new persons with each other, made at the first
	// (nil when check is not a FileDuplicateIndex).
	file   FileDuplicates
	refuse bool // a likely duplicate is a problem of its row
	empty  bool // the registry had no person before the import
	lines  []ImportDuplicate
	found  int
	likely int // of found
	// confirmed are the new persons with likely duplicates the registrar
	// confirmed; the writer gives them their ids.
	confirmed []confirmedPerson
}

type confirmedPerson struct {
	q  *Person
	ds []Duplicate
}

// person checks the new person q of file's row against the registry as it
// was before the import, and against the new persons of the rows before
// it: a likely duplicate is a problem of the row unless the registrar
// confirmed; a confirmed or possible one is a line of the report.
func (d *importDuplicates) person(ctx context.Context, file string, row int, q *Person, p *problems) error {
	if d.check == nil {
		return nil
	}
	var ds []Duplicate
	if !d.empty {
		var err error
		if ds, err = d.check.Check(ctx, *q); err != nil {
			return err
		}
	}
	if fc, ok := d.check.(FileDuplicateIndex); ok {
		if d.file == nil {
			f, err := fc.InFile(ctx, d.member)
			if err != nil {
				return err
			}
			d.file = f
		}
		in, err := d.file.CheckAdd(ctx, *q, file, row)
		if err != nil {
			return err
		}
		ds = append(ds, in...)
	}
	var likely []Duplicate
	for _, x := range ds {
		if x.Likely() && d.refuse {
			if x.InFile() {
				p.add("member_ref", "infile.likely_duplicate_row", "ref", q.Ref, "name", q.FullName(), "other", x.Ref,
					"other_name", x.Name, "other_row", x.Row, "percent", fmt.Sprintf("%.2f%%", 100*x.Probability))
			} else {
				p.add("member_ref", "dedupgate.likely_duplicate", "ref", q.Ref, "other", x.Ref, "household", x.HouseholdRef)
			}
			continue
		}
		if x.Likely() {
			likely = append(likely, x)
			d.likely++
		}
		d.found++
		if len(d.lines) < maxDuplicateLines {
			d.lines = append(d.lines, ImportDuplicate{File: file, Row: row, Ref: strings.Clone(q.Ref), Name: strings.Clone(q.FullName()), Of: x})
		}
	}
	if len(likely) > 0 {
		d.confirmed = append(d.confirmed, confirmedPerson{q, likely})
	}
	return nil
}

// noteConfirmed keeps the audit entries of the likely duplicates confirmed,
// as Register writes them: the persons are written, with their ids.
func (im *importer) noteConfirmed() {
	for _, c := range im.dups.confirmed {
		im.note(actionDuplicateConfirmed, c.q.ID, duplicateConfirmed{Ref: strings.Clone(c.q.Ref), Duplicates: c.ds})
	}
	im.dups.confirmed = nil
}

// preloadMerged reads the references of the member's merged records and
// of the records they went into: a file naming a merged record is wrong.
func (im *importer) preloadMerged(ctx context.Context) error {
	rows, err := im.tx.Query(ctx, `SELECT p.member_ref, k.member_ref FROM persons p JOIN persons k ON k.id = p.merged_into
		WHERE p.member_id = ? AND p.merged_into IS NOT NULL`, im.mi.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ref, into string
		if err := rows.Scan(&ref, &into); err != nil {
			return err
		}
		im.merged[ref] = into
	}
	return rows.Err()
}
