package training

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestImportXLSX: the same import from a workbook, and a workbook with a
// bad row refused by row and column.
func TestImportXLSX(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		book := func(rows [][]any) []byte {
			x := excelize.NewFile()
			defer x.Close()
			for i, r := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
					t.Fatal(err)
				}
			}
			var b bytes.Buffer
			if err := x.Write(&b); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		head := []any{"title_ar", "audience", "capacity", "provider", "min_age", "max_age", "sessions"}
		res, err := f.s.ImportCourses(f.officer, f.jo, "courses.xlsx", bytes.NewReader(book([][]any{head,
			{"ريادة الأعمال للشباب", "youth", 25, "مركز الشباب", 18, 29, "2027-05-02 10:00-13:00"}})), nil)
		if err != nil || res.Courses != 1 || res.Sessions != 1 {
			t.Fatalf("imported %+v, %v", res, err)
		}
		c, _ := f.s.Course(f.officer, res.IDs[0])
		if c.MinAge != 18 || c.MaxAge != 29 || c.Capacity != 25 {
			t.Fatalf("course %+v", c)
		}
		_, err = f.s.ImportCourses(f.officer, f.jo, "bad.xlsx", bytes.NewReader(book([][]any{head,
			{"ريادة الأعمال", "youth", 25, "مركز الشباب", 30, 18, ""}})), nil)
		e := errs.As(err)
		if e == nil || len(e.Fields) != 1 || e.Fields[0].Row != 2 || e.Fields[0].Field != "max_age" {
			t.Fatalf("got %v", err)
		}
		_, err = f.s.ImportCourses(f.officer, f.jo, "not.xlsx", bytes.NewReader([]byte("no workbook")), nil)
		wantCode(t, err, errs.Invalid)
	})
}
