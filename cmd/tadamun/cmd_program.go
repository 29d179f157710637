package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/sheet"
)

func init() {
	register("program apply", "create or update a program from a YAML or JSON file (a rule change of an active program is a proposal another person approves)", programApply)
	register("program list", "list a member's programs", programList)
	register("program show", "print a program as a YAML file (current or given version)", programShow)
	register("program status", "move a program: draft → active → closed → archived", programStatus)
	register("program run", "targeting run: decide every household of the member, store and summarize", programRun)
	register("targeting run", "same as program run", programRun)
	register("program compare", "what-if: how two versions of a program's rules decide today's registry (who gains, who loses)", programCompare)
	register("program fairness", "print the fairness report of a run (and its SVG chart)", programFairness)
	register("program explain", "explain a household's decision in a run in plain words", programExplain)
	register("program propose", "propose households of a run for enrollment (maker)", programPropose)
	register("program decide", "approve or reject an enrollment proposal (checker)", programDecide)
	register("program approve-version", "approve or reject a proposed version of a program's rules, or a draft's activation (checker)", programApproveVersion)
}

// programFlags are the flags most program commands share.
type programFlags struct {
	fs         *flag.FlagSet
	memberCode *string
	code       *string
	as         *string
}

func newProgramFlags(name, usage string) programFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tadamun "+name+" "+usage)
		fs.PrintDefaults()
	}
	return programFlags{fs: fs,
		memberCode: fs.String("member", "", "member code, e.g. JO"),
		code:       fs.String("program", "", "program code"),
		as:         fs.String("as", "", "act as this user (username) instead of the system; proposals and decisions need a person"),
	}
}

// context returns ctx acting as --as, or as the system.
func (pf programFlags) context(ctx context.Context, svc *app.Services) (context.Context, error) {
	sys := actor.System(ctx)
	if *pf.as == "" {
		return sys, nil
	}
	u, err := svc.Auth.UserByUsername(sys, *pf.as)
	if err != nil {
		return nil, err
	}
	return actor.With(ctx, u.Actor()), nil
}

func (pf programFlags) member(ctx context.Context, svc *app.Services) (member.Member, error) {
	if *pf.memberCode == "" {
		pf.fs.Usage()
		return member.Member{}, errors.New("--member is required")
	}
	return svc.Members.Get(actor.System(ctx), *pf.memberCode)
}

func (pf programFlags) program(ctx context.Context, svc *app.Services, s *program.Service) (program.Program, error) {
	m, err := pf.member(ctx, svc)
	if err != nil {
		return program.Program{}, err
	}
	if *pf.code == "" {
		pf.fs.Usage()
		return program.Program{}, errors.New("--program is required")
	}
	return s.ByCode(ctx, m.ID, *pf.code)
}

func programApply(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program apply", "--member CODE program.yaml|program.json")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	if pf.fs.NArg() != 1 {
		pf.fs.Usage()
		return errors.New("program apply: give one program file")
	}
	name := pf.fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		m, err := pf.member(ctx, svc)
		if err != nil {
			return err
		}
		a, err := svc.Programs.ApplyFile(ctx, m.ID, name, data)
		if err != nil {
			return err
		}
		switch {
		case a.Created:
			fmt.Printf("program %s created (id %d), version 1, %s\n", a.Program.Code, a.Program.ID, a.Program.Status)
		case a.Proposed:
			fmt.Printf("program %s: version %d proposed (approval %d); version %d stays in force until another person approves:\n  tadamun program approve-version --as USER --approval %d --approve\n",
				a.Program.Code, a.Proposal.Version, a.ApprovalID, a.Version.Version, a.ApprovalID)
		case a.Proposal != nil && !a.ActivationProposed:
			fmt.Printf("program %s: version %d already proposed (approval %d), awaiting approval; version %d in force\n", a.Program.Code, a.Proposal.Version, a.ApprovalID, a.Version.Version)
		case a.NewVersion:
			fmt.Printf("program %s: new version %d\n", a.Program.Code, a.Version.Version)
		case a.Changed:
			fmt.Printf("program %s updated, version %d unchanged\n", a.Program.Code, a.Version.Version)
		default:
			fmt.Printf("program %s unchanged (version %d)\n", a.Program.Code, a.Version.Version)
		}
		if !a.ActivationProposed && a.Program.ActivationApprovalID != 0 {
			fmt.Printf("program %s: its activation awaits approval %d\n", a.Program.Code, a.Program.ActivationApprovalID)
		}
		if a.ActivationProposed {
			fmt.Printf("program %s: activation proposed (approval %d); it stays a draft until another person approves:\n  tadamun program approve-version --as USER --approval %d --approve\n", a.Program.Code, a.ApprovalID, a.ApprovalID)
		}
		return nil
	})
}

func programList(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program list", "[--member CODE]")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		var mid int64
		if *pf.memberCode != "" {
			m, err := pf.member(ctx, svc)
			if err != nil {
				return err
			}
			mid = m.ID
		}
		ps, err := svc.Programs.List(ctx, mid)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(os.Stdout)
		defer w.Flush()
		for _, p := range ps {
			name := p.NameAR
			if g.lang == i18n.EN {
				name = p.NameEN
			}
			fmt.Fprintf(w, "%-16s v%-3d %-9s %-18s %s", p.Code, p.Version, p.Status, p.Kind, name)
			switch {
			case p.Proposed != 0:
				fmt.Fprintf(w, "  (v%d proposed, approval %d)", p.Proposed, p.ProposalApprovalID)
			case p.ActivationApprovalID != 0:
				fmt.Fprintf(w, "  (activation proposed, approval %d)", p.ActivationApprovalID)
			}
			fmt.Fprintln(w)
		}
		return nil
	})
}

func programShow(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program show", "--member CODE --program CODE [--version N]")
	version := pf.fs.Int("version", 0, "version to print; 0 for the current one")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		s := svc.Programs
		p, err := pf.program(ctx, svc, s)
		if err != nil {
			return err
		}
		v, err := s.Version(ctx, p.ID, *version)
		if err != nil {
			return err
		}
		out, err := p.Spec(v).MarshalFile()
		if err != nil {
			return err
		}
		fmt.Printf("# version %d of %d, created %s\n", v.Version, p.Version, v.CreatedAt.Format(time.RFC3339))
		os.Stdout.Write(out)
		return nil
	})
}

func programStatus(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program status", "--member CODE --program CODE --to active|closed|archived")
	to := pf.fs.String("to", "", "new status: active, closed or archived")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		s := svc.Programs
		p, err := pf.program(ctx, svc, s)
		if err != nil {
			return err
		}
		if p, err = s.SetStatus(ctx, p.ID, *to); err != nil {
			return err
		}
		if *to == program.Active && p.ActivationApprovalID != 0 {
			fmt.Printf("program %s: activation proposed (approval %d); it stays a draft until another person approves:\n  tadamun program approve-version --as USER --approval %d --approve\n", p.Code, p.ActivationApprovalID, p.ActivationApprovalID)
			return nil
		}
		fmt.Printf("program %s is %s\n", p.Code, p.Status)
		return nil
	})
}

func programRun(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program run", "--member CODE --program CODE [--as-of YYYY-MM-DD] [--version N] [--out results.csv]")
	asOf := pf.fs.String("as-of", "", "reference date for ages, YYYY-MM-DD (default today)")
	version := pf.fs.Int("version", 0, "version of the rules; 0 for the current one")
	out := pf.fs.String("out", "", "write household_ref,eligible,score,rank,selected,benefit for every household to this CSV file")
	quiet := pf.fs.Bool("quiet", false, "no progress on stderr")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	var opt program.RunOptions
	opt.Version = *version
	if *asOf != "" {
		t, err := arabic.ParseDate(*asOf)
		if err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
		opt.AsOf = t
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		s := svc.Programs
		p, err := pf.program(ctx, svc, s)
		if err != nil {
			return err
		}
		start := time.Now()
		var bar *progress
		if !*quiet {
			bar = newProgress()
			opt.Progress = func(pr program.Progress) {
				if pr.Total > 0 {
					bar.update("%s: %d of %d", pr.Stage, pr.Done, pr.Total)
				} else {
					bar.update("%s: %d households", pr.Stage, pr.Done)
				}
			}
		}
		r, err := s.Run(ctx, p.ID, svc.Registry.EachHousehold, opt)
		bar.done()
		if err != nil {
			return err
		}
		exp := 2
		if c, ok := money.Lookup(p.Currency); ok {
			exp = c.Exponent
		}
		fmt.Printf("run %d of %s version %d as of %s\n", r.ID, p.Code, r.Version, r.AsOf)
		fmt.Printf("households %d, eligible %d, selected %d, errors %d, benefits %s %s\n", r.Households, r.Eligible, r.Selected, r.Errors, money.Format(r.BenefitSum, exp), p.Currency)
		fmt.Printf("load %.2fs, evaluate %.2fs, store %.2fs, total %.2fs\n", r.LoadTime.Seconds(), r.EvalTime.Seconds(), r.StoreTime.Seconds(), time.Since(start).Seconds())
		if rep, err := s.Fairness(ctx, r.ID); err == nil && rep.Largest != nil {
			fmt.Println(fairnessLine(g.lang, rep))
		}
		if *out != "" {
			return writeResults(ctx, s, r.ID, exp, *out, g.lang)
		}
		return nil
	})
}

func fairnessLine(l i18n.Lang, rep program.FairnessReport) string {
	g := rep.Largest
	pct := func(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }
	s := i18n.T(l, "program.fairness.gap", map[string]any{
		"measure": i18n.T(l, "program.measure."+g.Measure, nil), "dimension": i18n.T(l, "program.dimension."+g.Dimension, nil),
		"high": g.High, "high_rate": pct(g.HighRate), "low": g.Low, "low_rate": pct(g.LowRate),
		"gap": strconv.FormatFloat(g.Gap*100, 'f', 1, 64), "threshold": strconv.FormatFloat(rep.Threshold*100, 'f', 0, 64)})
	if g.Flagged {
		s += "\n" + i18n.T(l, "program.fairness.flagged", nil)
	}
	return s
}

// writeResults writes results.csv: one row per household, in household order.
func writeResults(ctx context.Context, s *program.Service, runID int64, exp int, name string, lang i18n.Lang) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"household_ref", "eligible", "score", "rank", "selected", "benefit", "error"})
	err = s.EachDecision(ctx, runID, program.DecisionFilter{}, func(d program.Decision) error {
		return w.Write(resultRow(d, exp, lang))
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// resultRow is one line of results.csv. The household reference is text a
// person typed, neutralized for spreadsheets; the numbers are as computed;
// error says, in lang, what stopped the rules for this household (empty
// when nothing did), so "not eligible" and "could not be decided" differ.
func resultRow(d program.Decision, exp int, lang i18n.Lang) []string {
	rank := ""
	if d.Rank > 0 {
		rank = strconv.Itoa(d.Rank)
	}
	msg := ""
	if d.ErrKey != "" {
		msg = sheet.Text(i18n.T(lang, d.ErrKey, d.ErrArgs))
	}
	return []string{sheet.Text(d.HouseholdRef), strconv.FormatBool(d.Eligible), strconv.FormatFloat(d.Score, 'f', -1, 64), rank, strconv.FormatBool(d.Selected), money.Format(d.Benefit, exp), msg}
}

func programFairness(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program fairness", "--run ID [--svg chart.svg]")
	run := pf.fs.Int64("run", 0, "run id")
	svg := pf.fs.String("svg", "", "also write the chart to this SVG file")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		rep, err := svc.Programs.Fairness(ctx, *run)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(os.Stdout)
		fmt.Fprintf(w, "%-16s %-14s %10s %10s %10s %9s %9s\n", "dimension", "group", "households", "eligible", "selected", "elig.%", "sel.%")
		for _, c := range rep.Groups {
			fmt.Fprintf(w, "%-16s %-14s %10d %10d %10d %8.1f%% %8.1f%%\n", c.Dimension, c.Group, c.Households, c.Eligible, c.Selected, c.EligibilityRate()*100, c.SelectionRate()*100)
		}
		if rep.Largest != nil {
			fmt.Fprintln(w, fairnessLine(g.lang, rep))
		} else {
			fmt.Fprintln(w, i18n.T(g.lang, "program.fairness.none", map[string]any{"min": program.MinGroupSize}))
		}
		w.Flush()
		if *svg != "" {
			return os.WriteFile(*svg, []byte(program.FairnessSVG(rep, g.lang)), 0o644)
		}
		return nil
	})
}

func programExplain(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program explain", "--run ID --household REF")
	run := pf.fs.Int64("run", 0, "run id")
	ref := pf.fs.String("household", "", "household reference")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		found := false
		err = svc.Programs.EachDecision(ctx, *run, program.DecisionFilter{Explain: true}, func(dc program.Decision) error {
			if dc.HouseholdRef != *ref {
				return nil
			}
			found = true
			for _, line := range dc.Plain(g.lang) {
				fmt.Println(line)
			}
			return errStop
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
		if !found {
			return fmt.Errorf("household %s is not in run %d", *ref, *run)
		}
		return nil
	})
}

var errStop = errors.New("stop")

func programPropose(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program propose", "--as USER --run ID (--all | --households ID,ID,…)")
	run := pf.fs.Int64("run", 0, "run id")
	all := pf.fs.Bool("all", false, "propose every selected household not already enrolled")
	list := pf.fs.String("households", "", "comma-separated household ids")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	var ids []int64
	for _, s := range strings.Split(*list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			id, err := arabic.ParseInt(s)
			if err != nil {
				return fmt.Errorf("--households: %q is not an id", s)
			}
			ids = append(ids, id)
		}
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		p, err := svc.Programs.Propose(ctx, *run, ids, *all)
		if err != nil {
			return err
		}
		fmt.Printf("approval %d: %d households proposed (%d already enrolled or proposed)\n", p.ApprovalID, p.Count, p.Skipped)
		return nil
	})
}

func programDecide(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program decide", "--as USER --approval ID (--approve | --reject --reason TEXT)")
	id := pf.fs.Int64("approval", 0, "approval id")
	approve := pf.fs.Bool("approve", false, "approve the proposal")
	reject := pf.fs.Bool("reject", false, "reject the proposal")
	reason := pf.fs.String("reason", "", "reason (required to reject)")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	if *approve == *reject {
		pf.fs.Usage()
		return errors.New("program decide: give --approve or --reject")
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		n, err := svc.Programs.Decide(ctx, *id, *approve, *reason)
		if err != nil {
			return err
		}
		fmt.Printf("approval %d decided: %d households\n", *id, n)
		return nil
	})
}

func programApproveVersion(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program approve-version", "--as USER --approval ID (--approve | --reject --reason TEXT)")
	id := pf.fs.Int64("approval", 0, "approval id (printed by program apply or program status, listed on /approvals)")
	approve := pf.fs.Bool("approve", false, "approve: the proposed version comes into force, or the draft becomes active")
	reject := pf.fs.Bool("reject", false, "reject: the version in force stays")
	reason := pf.fs.String("reason", "", "reason (required to reject)")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	if *approve == *reject {
		pf.fs.Usage()
		return errors.New("program approve-version: give --approve or --reject")
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		p, err := svc.Programs.DecideChange(ctx, *id, *approve, *reason)
		if err != nil {
			return err
		}
		verb := "rejected"
		if *approve {
			verb = "approved"
		}
		fmt.Printf("approval %d %s: program %s is %s, version %d in force\n", *id, verb, p.Code, p.Status, p.Version)
		return nil
	})
}

func programCompare(ctx context.Context, g globals, args []string) error {
	pf := newProgramFlags("program compare", "--member CODE --program CODE --from N [--to M] [--as-of YYYY-MM-DD]")
	from := pf.fs.Int("from", 0, "version to compare from (0: current)")
	to := pf.fs.Int("to", 0, "version to compare to (0: current)")
	asOf := pf.fs.String("as-of", "", "reference date for ages, YYYY-MM-DD (default today)")
	if err := pf.fs.Parse(args); err != nil {
		return err
	}
	var day time.Time
	if *asOf != "" {
		t, err := arabic.ParseDate(*asOf)
		if err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
		day = t
	}
	return withServices(ctx, g, func(svc *app.Services) error {
		ctx, err := pf.context(ctx, svc)
		if err != nil {
			return err
		}
		s := svc.Programs
		p, err := pf.program(ctx, svc, s)
		if err != nil {
			return err
		}
		c, err := s.Compare(ctx, p.ID, *from, *to, svc.Registry.EachHousehold, day)
		if err != nil {
			return err
		}
		fmt.Printf("%s: version %d → %d over %d households as of %s\n", p.Code, c.From, c.To, c.Households, c.AsOf)
		fmt.Printf("eligible %d → %d, selected %d → %d; %d gain, %d lose\n", c.EligibleA, c.EligibleB, c.SelectedA, c.SelectedB, c.Gain, c.Lose)
		if len(c.Gained) > 0 {
			fmt.Println("gain:", strings.Join(c.Gained, " "))
		}
		if len(c.Lost) > 0 {
			fmt.Println("lose:", strings.Join(c.Lost, " "))
		}
		return nil
	})
}
