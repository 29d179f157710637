package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/printer/card"
)

func init() {
	register("card verify", "check a beneficiary card's code offline with the member's public key", cardVerify)
	register("card key", "print a member's card public key (to publish, or to check cards offline)", cardKey)
}

// findChromium returns the Chromium to print with: flag if set ("none"
// turns printing to PDF off), else the first of the usual names on the
// PATH, else "".
func findChromium(flag string) string {
	switch flag {
	case "none":
		return ""
	case "":
	default:
		return flag
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

const cardVerifyHelp = `Usage: tadamun card verify --key KEY [--today YYYY-MM-DD] TOKEN|FILE|-

Checks a beneficiary card's code — the text of its QR code, the address it
carries (…/portal/card/verify?t=…), or a file holding either ("-": standard
input) — with the member's card public key, without any network or
database. The key is the text the portal publishes ("tadamun-card:JO:…") or
a file holding it; "tadamun card key --member JO" prints it on the server.

It prints what the card says and whether it is valid, expired or invalid
(in --lang), and exits 0 for a valid card, 1 otherwise.
`

func cardVerify(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("card verify", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, cardVerifyHelp); fs.PrintDefaults() }
	keyArg := fs.String("key", "", "the member's card public key, or a file holding it")
	today := fs.String("today", "", "check on this day instead of today (YYYY-MM-DD)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *keyArg == "" {
		fs.Usage()
		return errors.New("card verify: give --key and one token or file")
	}
	keyText := *keyArg
	if !strings.HasPrefix(keyText, "tadamun-card:") {
		b, err := os.ReadFile(keyText)
		if err != nil {
			return fmt.Errorf("card verify: read key: %w", err)
		}
		keyText = string(b)
	}
	pub, err := card.ParsePublicKey(keyText)
	if err != nil {
		return err
	}
	tok := fs.Arg(0)
	switch {
	case tok == "-":
		b, err := io.ReadAll(io.LimitReader(os.Stdin, card.MaxToken*4))
		if err != nil {
			return err
		}
		tok = string(b)
	case !strings.Contains(tok, card.Prefix):
		b, err := os.ReadFile(tok)
		if err != nil {
			return fmt.Errorf("card verify: %w", err)
		}
		tok = string(b)
	}
	on := time.Now()
	if *today != "" {
		if on, err = time.Parse(time.DateOnly, *today); err != nil {
			return fmt.Errorf("card verify: --today: %w", err)
		}
	}
	c, err := card.Verify(tok, pub, on)
	l := g.lang
	result := "print.cli.valid"
	switch {
	case errors.Is(err, card.ErrExpired):
		result = "print.cli.expired"
	case err != nil:
		fmt.Println(i18n.T(l, "print.cli.invalid", nil) + ": " + i18n.T(l, "print.verify.invalid", nil))
		return errCardInvalid
	}
	fmt.Printf("%s: %s\n", i18n.T(l, "print.cli.member", nil), c.Member)
	fmt.Printf("%s: %s\n", i18n.T(l, "print.verify.name", nil), c.Name)
	fmt.Printf("%s: %s\n", i18n.T(l, "print.household_ref", nil), c.Household)
	fmt.Printf("%s: %s\n", i18n.T(l, "print.card.programs", nil), strings.Join(c.Programs, "، "))
	fmt.Printf("%s: %s\n", i18n.T(l, "print.card.issued", nil), c.Issued)
	fmt.Printf("%s: %s\n", i18n.T(l, "print.card.expires", nil), c.Expires)
	fmt.Println(i18n.T(l, result, nil))
	if err != nil {
		return errCardExpired
	}
	return nil
}

// The exit status says the result; the message is in --lang.
var (
	errCardInvalid = errs.E(errs.Invalid, "print.cli.invalid")
	errCardExpired = errs.E(errs.Invalid, "print.cli.expired")
)

func cardKey(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("card key", flag.ContinueOnError)
	keyFile := fs.String("card-key", env("TADAMUN_CARD_KEY", "tadamun-card.key"), "the server's card key secret (TADAMUN_CARD_KEY)")
	code := fs.String("member", "", "the member's code, e.g. JO")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" {
		fs.Usage()
		return errors.New("card key: give --member")
	}
	if _, err := os.Stat(*keyFile); err != nil {
		return fmt.Errorf("card key: %w", err)
	}
	keys, err := printer.LoadCardKeys(*keyFile)
	if err != nil {
		return err
	}
	fmt.Println(keys.Public(strings.ToUpper(*code)).String())
	return nil
}
