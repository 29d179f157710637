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
	"github.com/tadamun/tadamun/internal/employment"
	"github.com/tadamun/tadamun/internal/i18n"
)

func init() {
	register("employment import-vacancies", "import vacancies from CSV or XLSX, all or nothing (--member CODE FILE)", employmentImportVacancies)
	register("employment import-skills", "import a member's skills list from CSV or XLSX, all or nothing (--member CODE FILE)", employmentImportSkills)
}

func employmentImportVacancies(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("employment import-vacancies", flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: tadamun employment import-vacancies --member CODE FILE.csv|FILE.xlsx")
		fmt.Fprintln(fs.Output(), "columns: "+strings.Join(employment.VacancyColumns, ", "))
		fmt.Fprintln(fs.Output(), "employer, title, hours and positions are required; employer is the employer's number or exact name;")
		fmt.Fprintln(fs.Output(), "pay is in the member's currency (350.000); codes are separated by spaces, commas or semicolons.")
		fmt.Fprintln(fs.Output(), "Any bad row refuses the whole file; every problem is named by row and column.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("usage: tadamun employment import-vacancies --member CODE FILE")
	}
	name := fs.Arg(0)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		p := newProgress()
		res, err := svc.Employment.ImportVacancies(ctx, m.ID, filepath.Base(name), f, func(done, total int) {
			p.update("%s: %d / %d", filepath.Base(name), done, total)
		})
		p.done()
		if err != nil {
			return err
		}
		fmt.Println(i18n.RenderN(g.lang, "employment.imported_vacancies", int64(res.Created), map[string]any{"n": res.Created}, i18n.Options{}))
		return nil
	})
}

func employmentImportSkills(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("employment import-skills", flag.ContinueOnError)
	code := fs.String("member", "", "member code (required)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: tadamun employment import-skills --member CODE FILE.csv|FILE.xlsx")
		fmt.Fprintln(fs.Output(), "columns: "+strings.Join(employment.SkillColumns, ", ")+" (code and name_ar required); a code already listed is changed.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("usage: tadamun employment import-skills --member CODE FILE")
	}
	name := fs.Arg(0)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx := actor.System(ctx)
		m, err := svc.Members.Get(ctx, *code)
		if err != nil {
			return err
		}
		res, err := svc.Employment.ImportSkills(ctx, m.ID, filepath.Base(name), f)
		if err != nil {
			return err
		}
		fmt.Println(i18n.T(g.lang, "employment.imported_skills", map[string]any{"created": res.Created, "updated": res.Updated}))
		return nil
	})
}
