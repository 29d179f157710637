package gift

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"html/template"
	"strings"
	"sync"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fonts"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
)

//go:embed templates/receipt.html templates/receipt.css
var receiptFS embed.FS

var (
	receiptOnce sync.Once
	receiptTmpl *template.Template
	receiptCSS  string
)

func loadReceipt() {
	receiptTmpl = template.Must(template.ParseFS(receiptFS, "templates/receipt.html"))
	b, _ := receiptFS.ReadFile("templates/receipt.css")
	receiptCSS = string(b)
}

// ReceiptCSS returns the receipt's stylesheet with its fonts at fontBase
// (for example "/static/fonts/"), for the print view to link.
func ReceiptCSS(fontBase string) []byte {
	receiptOnce.Do(loadReceipt)
	return []byte(strings.NewReplacer("{{REGULAR}}", fontBase+fonts.Regular, "{{BOLD}}", fontBase+fonts.Bold).Replace(receiptCSS))
}

func embeddedCSS() string {
	receiptOnce.Do(loadReceipt)
	reg, _ := fonts.FS.ReadFile(fonts.Regular)
	bold, _ := fonts.FS.ReadFile(fonts.Bold)
	return strings.NewReplacer(
		"{{REGULAR}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(reg),
		"{{BOLD}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(bold)).Replace(receiptCSS)
}

// ReceiptStyle is how a receipt is rendered: its language and digits, and
// either standalone for the PDF (Embed) or as a print view linking CSSURL
// and ScriptURL with a toolbar.
type ReceiptStyle struct {
	Lang         i18n.Lang
	ArabicDigits bool
	Embed        bool
	CSSURL       string
	ScriptURL    string
	Back         string
	PDFURL       string
}

type receiptView struct {
	Lang, Dir, Title       string
	CSS                    template.CSS
	CSSURL, ScriptURL      string
	Back, PDFURL           string
	Toolbar                bool
	T                      map[string]string
	MemberName, MemberCode string
	Number, Date           string
	Copy, Cancelled        bool
	Donor, Amount, Words   string
	Original, Kind         string
	Goods, Valued          string
	Reference, Purpose     string
	Received, Foot         string
}

// Receipt renders donation id's receipt and counts the print: the first
// print is the original, every later one is marked "copy". The print is
// audited. It needs fund.read in the donation's member.
func (s *Service) Receipt(ctx context.Context, id int64, st ReceiptStyle) ([]byte, string, error) {
	d, err := s.Donation(ctx, id)
	if err != nil {
		return nil, "", err
	}
	m, err := s.memberOf(ctx, d.MemberID)
	if err != nil {
		return nil, "", err
	}
	var n int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE fund_donations SET prints = prints + 1 WHERE id = ? RETURNING prints`, id).Scan(&n); err != nil {
			return errs.Wrapf(err, "gift: count print")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: d.MemberID, Action: "fund.receipt.print", EntityType: "fund_donation", EntityID: itoa(id),
			State: map[string]any{"receipt": d.Receipt, "print": n, "copy": n > 1, "lang": string(st.Lang)}})
	})
	if err != nil {
		return nil, "", err
	}
	d.Prints = n
	b, err := s.renderReceipt(ctx, d, m, st)
	return b, "receipt-" + d.Receipt + "-" + string(st.Lang), err
}

// ReceiptPDF prints donation id's receipt to PDF through Chromium (a print
// counted as Receipt counts it). Without a printer it answers a conflict.
func (s *Service) ReceiptPDF(ctx context.Context, id int64, st ReceiptStyle) ([]byte, string, error) {
	if _, err := s.Donation(ctx, id); err != nil {
		return nil, "", err
	}
	if s.o.Printer == nil || !s.o.Printer.Available() {
		return nil, "", errs.E(errs.Conflict, "gift.pdf_unavailable")
	}
	st.Embed = true
	b, name, err := s.Receipt(ctx, id, st)
	if err != nil {
		return nil, "", err
	}
	pdf, err := s.o.Printer.PDF(ctx, b)
	return pdf, name, err
}

func (s *Service) renderReceipt(ctx context.Context, d Donation, m member.Member, st ReceiptStyle) ([]byte, error) {
	receiptOnce.Do(loadReceipt)
	l := st.Lang
	tr := func(key string, kv ...any) string {
		var args map[string]any
		if len(kv) > 1 {
			args = map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				args[kv[i].(string)] = kv[i+1]
			}
		}
		return i18n.T(l, key, args)
	}
	digits := func(x string) string {
		if st.ArabicDigits {
			return i18n.ArabicDigits(x)
		}
		return x
	}
	fmtMoney := func(minor int64, cur string) string {
		c, ok := money.Lookup(cur)
		if !ok {
			return digits(itoa(minor)) + " " + cur
		}
		name := c.NameEN
		if l == i18n.AR {
			name = c.NameAR
		}
		return i18n.IsolateLTR(i18n.FormatNumber(money.Format(minor, c.Exponent), st.ArabicDigits)) + " " + name
	}
	v := receiptView{Lang: string(l), Dir: l.Dir(), Title: tr("gift.receipt.title") + " " + d.Receipt, CSSURL: st.CSSURL, ScriptURL: st.ScriptURL,
		Back: st.Back, PDFURL: st.PDFURL, Toolbar: !st.Embed, MemberCode: m.Code, Number: d.Receipt,
		Copy: d.Prints > 1, Cancelled: d.Status == Cancelled}
	if st.Embed {
		v.CSS = template.CSS(embeddedCSS())
		v.ScriptURL = ""
	}
	v.T = map[string]string{}
	for _, k := range []string{"toolbar", "back", "print_now", "pdf", "fund", "number", "date", "title", "copy", "cancelled", "donor", "amount",
		"original", "kind", "goods", "valued", "reference", "purpose", "received", "thanks", "received_by", "stamp"} {
		v.T[k] = tr("gift.receipt." + k)
	}
	v.MemberName = m.NameAR
	if l == i18n.EN {
		v.MemberName = m.NameEN
	}
	loc := m.Location()
	v.Date = digits(d.CreatedAt.In(loc).Format("2006-01-02"))
	v.Received = digits(d.ReceivedOn.In(loc).Format("2006-01-02"))
	v.Amount = fmtMoney(d.Amount, d.Currency)
	if c, ok := money.Lookup(d.Currency); ok {
		p := int64(1)
		for range c.Exponent {
			p *= 10
		}
		major, minor := d.Amount/p, d.Amount%p
		name := c.NameEN
		words := WordsEN(major)
		if l == i18n.AR {
			name, words = c.NameAR, WordsAR(major)
		}
		var rest string
		if minor > 0 {
			rest = tr("gift.receipt.words_minor", "minor", digits(itoa(minor)), "scale", digits(itoa(p)))
		}
		v.Words = tr("gift.receipt.words", "words", words, "currency", name, "minor", rest)
	}
	if d.OrigCurrency != d.Currency {
		v.Original = fmtMoney(d.OrigAmount, d.OrigCurrency)
	}
	v.Kind = tr("gift.kind." + d.Kind)
	if d.Kind == fund.KindInKind {
		v.Goods = d.Goods
		v.Valued = tr("gift.receipt.valued_by", "who", d.ValuedBy, "date", digits(d.ValuedOn))
	}
	v.Reference = d.Reference
	v.Purpose = s.Purpose(ctx, l, d.Restriction)
	if s.o.Donors != nil {
		if ref, err := s.o.Donors.Donor(ctx, d.MemberID, d.DonorID); err == nil {
			v.Donor = ref.Name
		}
	}
	if v.Donor == "" {
		v.Donor = tr("gift.donor_n", "id", digits(itoa(d.DonorID)))
	}
	v.Foot = tr("gift.receipt.foot", "number", d.Receipt)
	var b bytes.Buffer
	if err := receiptTmpl.Execute(&b, v); err != nil {
		return nil, errs.Wrapf(err, "gift: render receipt")
	}
	return b.Bytes(), nil
}

// Purpose says in words what a restriction lets the money pay for.
func (s *Service) Purpose(ctx context.Context, l i18n.Lang, r fund.Restriction) string {
	var out string
	switch r.Kind {
	case fund.RestrictProgram:
		out = i18n.T(l, "gift.purpose.program", map[string]any{"id": itoa(r.ProgramID)})
	case fund.RestrictMember:
		name := itoa(r.MemberID)
		if m, err := s.o.Members.ByID(ctx, r.MemberID); err == nil {
			name = m.NameAR
			if l == i18n.EN {
				name = m.NameEN
			}
		}
		out = i18n.T(l, "gift.purpose.member", map[string]any{"member": name})
	case fund.RestrictGroup:
		out = i18n.T(l, "gift.purpose.group", map[string]any{"group": i18n.T(l, "gift.group."+r.Group, nil)})
	case fund.RestrictCampaign:
		name := itoa(r.CampaignID)
		if c, err := s.campaign(ctx, s.db.QueryRow, r.CampaignID); err == nil {
			name = c.Name
			if l == i18n.EN && c.NameEn != "" {
				name = c.NameEn
			}
		}
		out = i18n.T(l, "gift.purpose.campaign", map[string]any{"campaign": name})
	default:
		out = i18n.T(l, "gift.purpose.general", nil)
	}
	if r.Zakat {
		out += " — " + i18n.T(l, "gift.purpose.zakat", nil)
	}
	return out
}

// RequireRead checks that the caller may read member's fund.
func RequireRead(ctx context.Context, memberID int64) error {
	return auth.RequireMember(ctx, auth.FundRead, memberID)
}
