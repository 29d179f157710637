package market

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/xuri/excelize/v2"
)

// ImportColumns are the columns of a products file, by their English
// names; ImportColumnsAR gives the Arabic header each may have instead.
// name_ar and price are required; price is in major units of the member's
// currency ("12.5" or "١٢٫٥"); category is a category code of the member;
// active is yes/no (نعم/لا), yes when empty. Photos are not imported: they
// are uploaded one by one, checked and resized.
var ImportColumns = []string{"name_ar", "name_en", "description_ar", "description_en", "category", "price", "stock", "active"}

// ImportColumnsAR are the Arabic headers, in ImportColumns' order.
var ImportColumnsAR = []string{"الاسم بالعربية", "الاسم بالإنجليزية", "الوصف بالعربية", "الوصف بالإنجليزية", "الفئة", "السعر", "الكمية", "معروض"}

// ImportResult is what an import wrote.
type ImportResult struct {
	Products int `json:"products"`
}

// ImportProducts reads a CSV or XLSX file of products (by its extension)
// and adds them all to shop shopID of memberID (market.moderate), or none:
// every bad cell is reported by row and column. progress, when not nil,
// is told the rows read.
func (s *Service) ImportProducts(ctx context.Context, memberID, shopID int64, file string, r io.Reader, progress func(rows int)) (ImportResult, error) {
	if err := auth.RequireMember(ctx, auth.MarketModerate, memberID); err != nil {
		return ImportResult{}, err
	}
	h, err := s.Shop(ctx, shopID)
	if err != nil || h.MemberID != memberID {
		return ImportResult{}, errs.E(errs.NotFound, "market.shop_not_found")
	}
	if h.Status == Closed {
		return ImportResult{}, errs.E(errs.Conflict, "market.shop_closed")
	}
	m, err := s.o.Members.ByID(ctx, memberID)
	if err != nil {
		return ImportResult{}, err
	}
	cur, _ := money.Lookup(m.Currency)
	cats, err := s.Categories(ctx, memberID)
	if err != nil {
		return ImportResult{}, err
	}
	catByCode := map[string]int64{}
	for _, c := range cats {
		catByCode[c.Code] = c.ID
	}
	next, closeFn, err := s.importRows(ctx, file, r)
	if err != nil {
		return ImportResult{}, err
	}
	defer closeFn()
	bad := errs.E(errs.Invalid, "market.import_invalid", "file", file)
	field := func(row int, col, key string, kv ...any) {
		fe := errs.FieldError{Field: col, Row: row, Key: key}
		if len(kv) > 0 {
			fe.Args = map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				fe.Args[kv[i].(string)] = kv[i+1]
			}
		}
		bad.Fields = append(bad.Fields, fe)
	}
	var cols map[string]int
	var ins []ProductInput
	for {
		rec, row, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ImportResult{}, err
		}
		if cols == nil {
			if cols, err = importHeader(file, rec); err != nil {
				return ImportResult{}, err
			}
			continue
		}
		if progress != nil && row%100 == 0 {
			progress(row)
		}
		cell := func(c string) string {
			if i, ok := cols[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		in := ProductInput{ShopID: shopID, NameAR: cell("name_ar"), NameEN: cell("name_en"), DescriptionAR: cell("description_ar"), DescriptionEN: cell("description_en"), Active: true}
		price := strings.NewReplacer("٫", ".", ",", "", "٬", "").Replace(arabic.Digits(cell("price")))
		if in.Price, err = money.Parse(price, cur.Exponent); err != nil {
			field(row, "price", "market.price_invalid")
		}
		if st := arabic.Digits(cell("stock")); st != "" {
			n, err := strconv.Atoi(st)
			if err != nil {
				n = -1
			}
			in.Stock = n
		}
		if c := strings.ToLower(cell("category")); c != "" {
			if in.CategoryID = catByCode[c]; in.CategoryID == 0 {
				field(row, "category", "market.category_unknown", "code", c)
			}
		}
		switch strings.ToLower(cell("active")) {
		case "", "yes", "y", "true", "1", "نعم":
		case "no", "n", "false", "0", "لا":
			in.Active = false
		default:
			field(row, "active", "market.yes_no")
		}
		in.check(bad, row)
		ins = append(ins, in)
	}
	if cols == nil {
		return ImportResult{}, errs.E(errs.Invalid, "market.import_empty", "file", file)
	}
	if len(bad.Fields) > 0 {
		return ImportResult{}, bad
	}
	err = s.db.TxOnce(ctx, func(tx *db.Tx) error {
		for i, in := range ins {
			if _, err := s.insertProduct(ctx, tx, h, m.Currency, in); err != nil {
				return err
			}
			if progress != nil && (i+1)%100 == 0 {
				progress(i + 1)
			}
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "market.import", EntityType: "market_shop", EntityID: id(shopID),
			State: map[string]any{"file": file, "products": len(ins)}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Products: len(ins)}, nil
}

// importHeader maps the columns of the header row, in English or Arabic.
func importHeader(file string, rec []string) (map[string]int, error) {
	cols := map[string]int{}
	for i, h := range rec {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		for j, c := range ImportColumns {
			if strings.EqualFold(h, c) || arabic.Normalize(h) == arabic.Normalize(ImportColumnsAR[j]) {
				cols[c] = i
			}
		}
	}
	for _, c := range []string{"name_ar", "price"} {
		if _, ok := cols[c]; !ok {
			return nil, errs.E(errs.Invalid, "market.import_header", "file", file, "column", c)
		}
	}
	return cols, nil
}

// importRows opens file r as CSV or XLSX (by extension) and returns a
// reader of its rows (the header is row 1), with every limit checked while
// reading.
func (s *Service) importRows(ctx context.Context, file string, r io.Reader) (func() ([]string, int, error), func(), error) {
	switch strings.ToLower(path.Ext(file)) {
	case ".csv":
		c := s.o.Limits.CSV(ctx, file, r)
		c.FieldsPerRecord = -1
		return func() ([]string, int, error) {
			rec, row, err := c.Read()
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, row, errs.E(errs.Invalid, "market.import_csv", "file", file, "row", row, "detail", pe.Err.Error())
			}
			return rec, row, err
		}, func() {}, nil
	case ".xlsx":
		f, _, err := s.o.Limits.ReadXLSX(ctx, file, r)
		if err != nil {
			if errs.CodeOf(err) == errs.Invalid {
				return nil, nil, err
			}
			return nil, nil, errs.E(errs.Invalid, "market.import_xlsx", "file", file)
		}
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, nil, errs.E(errs.Invalid, "market.import_empty", "file", file)
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			f.Close()
			return nil, nil, errs.E(errs.Invalid, "market.import_xlsx", "file", file)
		}
		row := 0
		return func() ([]string, int, error) {
				if !rows.Next() {
					return nil, row + 1, io.EOF
				}
				row++
				if row%1000 == 0 {
					if err := ctx.Err(); err != nil {
						return nil, row, err
					}
				}
				rec, err := rows.Columns(excelize.Options{RawCellValue: true})
				if err != nil {
					return nil, row, errs.E(errs.Invalid, "market.import_xlsx", "file", file)
				}
				return rec, row, s.o.Limits.Row(file, row, rec)
			}, func() {
				rows.Close()
				f.Close()
			}, nil
	}
	return nil, nil, errs.E(errs.Invalid, "market.import_type", "file", file)
}
