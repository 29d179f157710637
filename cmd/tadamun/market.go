package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/market"
)

// The crafts market's commands.
func init() {
	register("market import-products", "import a shop's products from CSV or XLSX, all or nothing: market import-products --member CODE --shop ID FILE", cmdMarketImport)
}

var marketImportHelp = `Usage: tadamun market import-products --member CODE --shop ID FILE

Adds the products of FILE (.csv or .xlsx, the first sheet) to shop ID of
member CODE, all or nothing: when any cell is wrong nothing is written and
every problem is listed by row and column. The header row names the
columns, in English or Arabic:

  ` + strings.Join(market.ImportColumns, ", ") + `
  ` + strings.Join(market.ImportColumnsAR, "، ") + `

name_ar and price are required. price is in major units of the member's
currency (12.5 or ١٢٫٥); stock is a whole number (0 when empty); category
is a category code of the member; active is yes or no (yes when empty).
Photos are not imported (never fetched from URLs): upload them on the
product's page, where they are checked and resized.

Flags:
`

func cmdMarketImport(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("market import-products", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), marketImportHelp)
		fs.PrintDefaults()
	}
	code := fs.String("member", "", "member code, e.g. JO (required)")
	shop := fs.Int64("shop", 0, "the shop's id (required)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *code == "" || *shop <= 0 || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("market import-products: give --member, --shop and one file")
	}
	name := fs.Arg(0)
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		var bar *progress
		var tell func(int)
		if !*quiet {
			bar = newProgress()
			tell = func(n int) { bar.update("%s: %d rows", filepath.Base(name), n) }
		}
		res, err := svc.Market.ImportProducts(ctx, m.ID, *shop, filepath.Base(name), f, tell)
		bar.done()
		if err != nil {
			return err
		}
		fmt.Printf("%s: %d products added to shop %d\n", filepath.Base(name), res.Products, *shop)
		return nil
	})
}
