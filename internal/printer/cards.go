package printer

import (
	"context"
	"net/url"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/printer/card"
	"github.com/tadamun/tadamun/internal/program"
)

// VerifyPath is the portal page that checks a card; the QR code carries
// its address with the token as ?t=.
const VerifyPath = "/portal/card/verify"

// printedCard is one card as the template shows it.
type printedCard struct {
	card.Card
	Token string
	QR    any
}

type cardDoc struct {
	frame
	MemberName string
	PublicKey  string
	Cards      []printedCard
}

// CardOf returns the card of household id as printed today: the head's
// name, the household's reference and the programs it is enrolled in.
func (s *Service) cardOf(ctx context.Context, id int64, lang i18n.Lang) (card.Card, member.Member, error) {
	h, m, ps, err := s.household(ctx, id)
	if err != nil {
		return card.Card{}, member.Member{}, err
	}
	if err := auth.RequireMember(ctx, auth.ProgramRead, h.MemberID); err != nil {
		return card.Card{}, member.Member{}, err
	}
	ens, err := s.o.Programs.Enrollments(ctx, program.EnrollmentFilter{HouseholdID: h.ID, Status: program.Enrolled})
	if err != nil {
		return card.Card{}, member.Member{}, err
	}
	today := s.now().In(m.Location())
	c := card.Card{Member: m.Code, Household: h.Ref, Name: headName(ps), Issued: today.Format(time.DateOnly),
		Expires: today.AddDate(0, 0, s.o.CardValidity).Format(time.DateOnly)}
	for _, e := range ens {
		p, err := s.o.Programs.Get(ctx, e.ProgramID)
		if err != nil {
			return card.Card{}, member.Member{}, err
		}
		c.Programs = append(c.Programs, programName(p, lang))
	}
	return c, m, nil
}

func (s *Service) signCard(c card.Card, base string) (printedCard, error) {
	tok, err := s.o.Cards.Sign(c)
	if err != nil {
		return printedCard{}, errs.E(errs.Conflict, "print.card_no_key")
	}
	text := tok
	if base != "" {
		text = base + VerifyPath + "?t=" + url.QueryEscape(tok)
	}
	svg, err := qrSVG(text)
	if err != nil {
		return printedCard{}, err
	}
	return printedCard{Card: c, Token: tok, QR: svg}, nil
}

// Card renders the beneficiary card of household id, its QR code carrying
// the signed token (as the address base+VerifyPath?t=… when base is set,
// for example "https://tadamun.example.jo"), and writes the print to the
// audit log.
func (s *Service) Card(ctx context.Context, id int64, st Style, base string) (Document, error) {
	c, m, err := s.cardOf(ctx, id, st.Lang)
	if err != nil {
		return Document{}, err
	}
	pc, err := s.signCard(c, base)
	if err != nil {
		return Document{}, err
	}
	title := i18n.T(st.Lang, "print.card.title", nil)
	b, err := render("card", st, m.Currency, title, func(f frame) any {
		return cardDoc{frame: f, MemberName: memberName(m, st.Lang), PublicKey: s.PublicKey(m.Code).String(), Cards: []printedCard{pc}}
	})
	if err != nil {
		return Document{}, err
	}
	doc := Document{Name: "card-" + c.Household, HTML: b, audit: func(ctx context.Context) error {
		return s.printed(ctx, m.ID, "card", "household", []int64{id}, map[string]any{"expires": c.Expires})
	}}
	return doc.done(ctx, st)
}

// Verification is what the verify page and the CLI say about a token.
type Verification struct {
	Card   card.Card
	Result string // valid, expired, invalid, unknown_member
}

// Verify checks token with the public key of the member it names, on the
// member's today. It checks no permission: anyone may verify a card.
func (s *Service) Verify(ctx context.Context, token string) Verification {
	c, err := card.Parse(token)
	if err != nil {
		return Verification{Result: "invalid"}
	}
	m, err := s.o.Members.Get(actor.System(ctx), c.Member)
	if err != nil {
		return Verification{Result: "invalid"}
	}
	got, err := card.Verify(token, s.PublicKey(m.Code), s.now().In(m.Location()))
	switch err {
	case nil:
		return Verification{Card: got, Result: "valid"}
	case card.ErrExpired:
		return Verification{Card: got, Result: "expired"}
	}
	return Verification{Result: "invalid"}
}

// PublicKeys returns every member's card public key, for anyone to check
// cards with: they are public.
func (s *Service) PublicKeys(ctx context.Context) ([]card.PublicKey, error) {
	ms, err := s.o.Members.List(actor.System(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]card.PublicKey, 0, len(ms))
	for _, m := range ms {
		out = append(out, s.PublicKey(m.Code))
	}
	return out, nil
}
