package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/training/certificate"
	"github.com/tadamun/tadamun/internal/training/certificate/token"
)

func init() {
	register("certificate verify", "check a training certificate's token with the member's public key (offline with --key), or its code in the database", certificateVerify)
	register("certificate key", "print a member's certificate public key (to publish, or to verify certificates offline)", certificateKey)
}

const certificateVerifyHelp = `Usage: tadamun certificate verify [--key KEY|--member CODE] TOKEN|CODE|FILE|-

Checks a training certificate: the text of its QR code (a token
"TDCERT1.…", or the address …/portal/certificates?code=…&t=… that carries
one), a file holding it ("-": standard input), or its short code.

With --key, the token's signature is checked with that public key alone —
the text the portal publishes at /portal/certificates/keys
("tadamun-certificate:JO:…") or a file holding it — without any network or
database: whether it was revoked cannot be known offline.

Without --key, the key is the server's (derived from the card key file,
--card-key or TADAMUN_CARD_KEY) for --member, or for the member the token
names, and the database also says whether it was revoked; a short code is
looked up there.

It prints what the certificate says and the result (in --lang), and exits 0
for a valid certificate, 1 otherwise.
`

func certificateVerify(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("certificate verify", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, certificateVerifyHelp); fs.PrintDefaults() }
	keyArg := fs.String("key", "", "the member's certificate public key, or a file holding it (offline)")
	memberArg := fs.String("member", "", "the member's code whose key checks the token (with the database)")
	keyFile := fs.String("card-key", env("TADAMUN_CARD_KEY", "tadamun-card.key"), "the server's card key secret, which certificate keys derive from (TADAMUN_CARD_KEY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("certificate verify: give one token, code or file")
	}
	if *keyArg != "" && *memberArg != "" {
		return errors.New("certificate verify: give --key or --member, not both")
	}
	in, err := certificateInput(fs.Arg(0))
	if err != nil {
		return err
	}
	l := g.lang
	if *keyArg != "" {
		return certificateOffline(l, in, *keyArg)
	}
	if _, err := os.Stat(*keyFile); err != nil {
		return fmt.Errorf("certificate verify: the card key file: %w", err)
	}
	cards, err := printer.LoadCardKeys(*keyFile)
	if err != nil {
		return err
	}
	return withDB(ctx, g, func(d *db.DB) error {
		s := services(d, app.Options{Print: app.PrintOptions{Cards: cards}})
		defer s.Close(context.WithoutCancel(ctx))
		if *memberArg != "" {
			if c, err := token.Parse(in); err == nil && !strings.EqualFold(c.Member, *memberArg) {
				printResult(l, "certificate.cli_other_member", map[string]any{"member": c.Member, "key": strings.ToUpper(*memberArg)})
				return errCertificateInvalid
			}
		}
		v, err := s.Certificates.Verify(ctx, in)
		if err != nil {
			return err
		}
		if v.Certificate != nil {
			printCertificate(l, v.Certificate)
		}
		switch v.Result {
		case certificate.Valid:
			printResult(l, "certificate.verify_valid", map[string]any{"member": v.Member.Code})
			return nil
		case certificate.Revoked:
			printResult(l, "certificate.cli_revoked", map[string]any{"date": v.Certificate.RevokedAt.Format("2006-01-02"), "reason": v.Certificate.RevokeReason})
			return errCertificateRevoked
		case certificate.NotFound:
			if v.Signed {
				printResult(l, "certificate.verify_signed_unknown", nil)
			} else {
				printResult(l, "certificate.verify_not_found", nil)
			}
			return errCertificateNotFound
		}
		printResult(l, "certificate.verify_invalid", nil)
		return errCertificateInvalid
	})
}

// certificateInput reads the argument: a token, an address, a code, a file
// or "-", at most token.MaxInput bytes.
func certificateInput(arg string) (string, error) {
	tooLong := errs.E(errs.Invalid, "certificate.input_too_long", "max", token.MaxInput)
	read := func(r io.Reader) (string, error) {
		b, err := io.ReadAll(io.LimitReader(r, token.MaxInput+1))
		if err != nil {
			return "", err
		}
		if len(b) > token.MaxInput {
			return "", tooLong
		}
		return string(b), nil
	}
	switch {
	case len(arg) > token.MaxInput:
		return "", tooLong
	case arg == "-":
		return read(os.Stdin)
	case strings.Contains(arg, token.Prefix) || len(certificate.NormalizeCode(arg)) == certificate.CodeLen && !strings.ContainsAny(arg, "/."):
		return arg, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return arg, nil // a code typed some other way: the lookup says
		}
		return "", fmt.Errorf("certificate verify: %w", err)
	}
	defer f.Close()
	return read(f)
}

func certificateOffline(l i18n.Lang, in, keyArg string) error {
	keyText := keyArg
	if !strings.HasPrefix(strings.TrimSpace(keyText), token.KeyPrefix) {
		b, err := os.ReadFile(keyText)
		if err != nil {
			return fmt.Errorf("certificate verify: read key: %w", err)
		}
		keyText = string(b)
	}
	pub, err := token.ParsePublicKey(keyText)
	if err != nil {
		return err
	}
	if token.Find(in) == "" {
		printResult(l, "certificate.cli_code_offline", nil)
		return errCertificateInvalid
	}
	c, err := token.Verify(in, pub)
	switch {
	case err == nil:
	case errors.Is(err, token.ErrMember):
		other, _ := token.Parse(in)
		printResult(l, "certificate.cli_other_member", map[string]any{"member": other.Member, "key": pub.Member})
		return errCertificateInvalid
	case errors.Is(err, token.ErrTooLong):
		return errs.E(errs.Invalid, "certificate.input_too_long", "max", token.MaxToken)
	default:
		printResult(l, "certificate.verify_invalid", nil)
		return errCertificateInvalid
	}
	printCertificate(l, &certificate.Public{Code: c.Code, Member: c.Member, Holder: c.Holder, CourseAR: c.CourseAR, CourseEN: c.CourseEN, Provider: c.Provider, Hours: c.Hours, Completed: c.Completed})
	printResult(l, "certificate.cli_valid_offline", map[string]any{"member": c.Member})
	return nil
}

func printCertificate(l i18n.Lang, c *certificate.Public) {
	course := c.CourseAR
	if l == i18n.EN {
		course = c.CourseEN
	}
	fmt.Printf("%s: %s\n", i18n.T(l, "certificate.code", nil), certificate.GroupCode(c.Code))
	fmt.Printf("%s: %s\n", i18n.T(l, "certificate.member", nil), c.Member)
	fmt.Printf("%s: %s\n", i18n.T(l, "certificate.holder", nil), c.Holder)
	fmt.Printf("%s: %s\n", i18n.T(l, "certificate.course", nil), course)
	fmt.Printf("%s: %s\n", i18n.T(l, "certificate.hours", nil), strconv.Itoa(c.Hours))
	fmt.Printf("%s: %s\n", i18n.T(l, "certificate.completed", nil), c.Completed)
	fmt.Printf("%s: %s\n", i18n.T(l, "certificate.provider", nil), c.Provider)
}

func printResult(l i18n.Lang, key string, args map[string]any) {
	fmt.Println(i18n.T(l, key, args))
}

// The exit status says the result; the message is in --lang.
var (
	errCertificateInvalid  = errs.E(errs.Invalid, "certificate.cli_invalid")
	errCertificateRevoked  = errs.E(errs.Invalid, "certificate.cli_revoked_short")
	errCertificateNotFound = errs.E(errs.NotFound, "certificate.verify_not_found")
)

func certificateKey(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("certificate key", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, "Usage: tadamun certificate key --member CODE\n\nPrints the member's certificate public key (tadamun-certificate:CODE:KEY),\nderived from the card key file, to publish or to verify certificates offline.\n\n")
		fs.PrintDefaults()
	}
	keyFile := fs.String("card-key", env("TADAMUN_CARD_KEY", "tadamun-card.key"), "the server's card key secret, which certificate keys derive from (TADAMUN_CARD_KEY)")
	code := fs.String("member", "", "the member's code, e.g. JO")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" {
		fs.Usage()
		return errors.New("certificate key: give --member")
	}
	if _, err := os.Stat(*keyFile); err != nil {
		return fmt.Errorf("certificate key: %w", err)
	}
	cards, err := printer.LoadCardKeys(*keyFile)
	if err != nil {
		return err
	}
	fmt.Println(token.FromCards(cards).Public(strings.ToUpper(*code)).String())
	return nil
}
