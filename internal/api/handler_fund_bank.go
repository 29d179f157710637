package api

import (
	"bytes"
	"io"
	"net/http"

	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/bank"
	"github.com/tadamun/tadamun/internal/limits"
)

// StatementList is a page of imported statements with the review queue's
// size and the suspense account's balance.
type StatementList struct {
	Statements []bank.Statement  `json:"statements"`
	Summary    bank.QueueSummary `json:"summary"`
}

// StatementLines is a page of a statement's lines; next is the after= of
// the next page (0: none).
type StatementLines struct {
	Lines []bank.Line `json:"lines"`
	Next  int64       `json:"next,omitempty"`
}

// SuspenseQueue is the review queue: waiting credits with suggested donors.
type SuspenseQueue struct {
	Lines       []bank.Line                 `json:"lines"`
	Suggestions map[int64][]bank.Suggestion `json:"suggestions"`
	Summary     bank.QueueSummary           `json:"summary"`
	Next        int64                       `json:"next,omitempty"`
}

// LineMatch matches a waiting credit to a donor, optionally a pledge, a
// restriction (kind program, member, group or campaign, with its field)
// and a recorded exchange rate for a credit in another currency.
type LineMatch struct {
	DonorID    int64  `json:"donor_id"`
	PledgeID   int64  `json:"pledge_id,omitempty"`
	RateID     int64  `json:"rate_id,omitempty"`
	Restrict   string `json:"restriction,omitempty"`
	ProgramID  int64  `json:"program_id,omitempty"`
	MemberID   int64  `json:"restricted_member_id,omitempty"`
	Group      string `json:"group,omitempty"`
	CampaignID int64  `json:"campaign_id,omitempty"`
	Zakat      bool   `json:"zakat,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Input is the match as the service takes it.
func (m LineMatch) Input() bank.MatchInput {
	return bank.MatchInput{DonorID: m.DonorID, PledgeID: m.PledgeID, RateID: m.RateID, Note: m.Note,
		Restriction: fund.Restriction{Kind: m.Restrict, ProgramID: m.ProgramID, MemberID: m.MemberID, Group: m.Group, CampaignID: m.CampaignID, Zakat: m.Zakat}}
}

// LineDismiss marks a waiting credit "not a donation".
type LineDismiss struct {
	Reason string `json:"reason"`
}

func init() {
	svc := func(a *API) *bank.Service { return a.Bank }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	pageParams := []Param{{Name: "after", Type: "integer", Description: "the last line id of the previous page"},
		{Name: "limit", Type: "integer", Description: "lines a page, at most 1000 (100 by default)"}}
	filter := func(r *http.Request) bank.LineFilter {
		q := r.URL.Query()
		f := bank.LineFilter{Status: q.Get("status")}
		f.After, _ = QueryInt(r, "after", 0)
		l, _ := QueryInt(r, "limit", 0)
		f.Limit = int(l)
		return f
	}
	next := func(ls []bank.Line, f bank.LineFilter) int64 {
		want := f.Limit
		if want <= 0 || want > 1000 {
			want = 100
		}
		if len(ls) < want || len(ls) == 0 {
			return 0
		}
		return ls[len(ls)-1].ID
	}
	Register(
		Route{Method: "POST", Path: "/fund/statements", Tag: "fund", Summary: "Import a bank statement of the fund's account (camt.053, camt.054 or CSV, optionally gzipped, sent as the request body), all or nothing",
			Description: "The format is detected. A file imported before (same content or message id) answers the earlier import with `again` true and writes nothing; a statement overlapping one imported before for the same account (statement id, sequence number, period, or a bank reference already seen) is refused naming the earlier import. Booked credits are matched to donors by reference (pledge, donor, campaign code), then debtor IBAN, then the debtor's name, and become donations of kind transfer; the rest are posted to the suspense account and wait in the review queue. Debits are listed and ignored.",
			Query:       []Param{memberParam, {Name: "name", Description: "the file's name, which errors name"}, {Name: "account", Description: "the fund's IBAN a CSV statement is of"}},
			Response:    bank.Statement{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				name := r.URL.Query().Get("name")
				if name == "" {
					name = "statement"
				}
				body, err := io.ReadAll(limits.Reader(r.Body, name, a.Limits.Upload))
				if err != nil {
					return nil, err
				}
				return svc(a).Import(r.Context(), bank.ImportInput{MemberID: mid, Name: name, File: bytes.NewReader(body), Account: r.URL.Query().Get("account")})
			}},
		Route{Method: "GET", Path: "/fund/statements", Tag: "fund", Summary: "The fund's imported bank statements, newest first, with the review queue's size and the suspense balance",
			Query: []Param{memberParam, {Name: "before", Type: "integer", Description: "statements with an id below this"}}, Response: StatementList{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				before, _ := QueryInt(r, "before", 0)
				sts, err := svc(a).Statements(r.Context(), mid, before, 50)
				if err != nil {
					return nil, err
				}
				sum, err := svc(a).Summary(r.Context(), mid)
				if err != nil {
					return nil, err
				}
				return StatementList{Statements: sts, Summary: sum}, nil
			}},
		Route{Method: "GET", Path: "/fund/statements/{id}", Tag: "fund", Summary: "One imported statement and its totals", Response: bank.Statement{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).Statement(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/fund/statements/{id}/lines", Tag: "fund", Summary: "A statement's lines in file order, with the donor and donation each matched credit became",
			Query: append([]Param{{Name: "status", Description: "matched, unmatched, resolved, dismissed or debit"}}, pageParams...), Response: StatementLines{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				f := filter(r)
				ls, err := svc(a).Lines(r.Context(), id, f)
				if err != nil {
					return nil, err
				}
				return StatementLines{Lines: ls, Next: next(ls, f)}, nil
			}},
		Route{Method: "GET", Path: "/fund/suspense", Tag: "fund", Summary: "The review queue: credits no donor was matched to, oldest first, with suggested donors",
			Query: append([]Param{memberParam}, pageParams...), Response: SuspenseQueue{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				f := filter(r)
				ls, err := svc(a).Queue(r.Context(), mid, f)
				if err != nil {
					return nil, err
				}
				sug, err := svc(a).Suggest(r.Context(), mid, ls)
				if err != nil {
					return nil, err
				}
				sum, err := svc(a).Summary(r.Context(), mid)
				if err != nil {
					return nil, err
				}
				return SuspenseQueue{Lines: ls, Suggestions: sug, Summary: sum, Next: next(ls, f)}, nil
			}},
		Route{Method: "POST", Path: "/fund/statement-lines/{id}/match", Tag: "fund", Summary: "Match a waiting credit to a donor: a donation recorded from the suspense account",
			Description: "Optionally a pledge, a restriction, and a recorded exchange rate for a credit in another currency. Of two people matching the same line at once exactly one wins; the other gets 409 and nothing changes.",
			Body:        LineMatch{}, Response: bank.Line{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[LineMatch](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Match(r.Context(), id, b.Input())
			}},
		Route{Method: "POST", Path: "/fund/statement-lines/{id}/dismiss", Tag: "fund", Summary: "Mark a waiting credit \"not a donation\" (a refund…) with the reason; the money stays in suspense",
			Body: LineDismiss{}, Response: bank.Line{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[LineDismiss](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Dismiss(r.Context(), id, b.Reason)
			}},
	)
}
