package api

import (
	"bytes"
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/payment"
)

// CycleRequestBody asks for a payment cycle of a program over a period.
type CycleRequestBody struct {
	ProgramID   int64  `json:"program_id"`
	Version     int64  `json:"version,omitempty"` // default the program's current version
	PeriodStart string `json:"period_start"`      // YYYY-MM-DD
	PeriodEnd   string `json:"period_end"`        // YYYY-MM-DD, inclusive
	// Partial asks for part of one calendar period of the program's
	// frequency, each household paid its benefit × days ÷ the days of that
	// period (rounded down to the minor unit). Without it the period must be
	// a whole month, quarter, half-year or year as the program's frequency
	// says (any period for a one-off program).
	Partial bool `json:"partial,omitempty"`
	// PaymentDate (YYYY-MM-DD) is the day the payments are to be
	// executed, the bank files' requested execution date; empty means the
	// period's first working day in the member's week. Not in the past.
	PaymentDate string `json:"payment_date,omitempty"`
}

// BudgetRequest adds money to a program's budget, in minor units.
type BudgetRequest struct {
	Amount int64  `json:"amount"`
	Memo   string `json:"memo,omitempty"`
}

// CancelRequest cancels an entitlement.
type CancelRequest struct {
	Reason string `json:"reason"`
}

// Balances is a member's ledger balances and trial balance.
type Balances struct {
	Balances     []ledger.Balance `json:"balances"`
	TrialBalance []ledger.Trial   `json:"trial_balance"`
}

// Done is the answer of an action that returns nothing else.
type Done struct {
	OK bool `json:"ok"`
}

func payments(a *API) *payment.Service { return a.Payments }

func init() {
	memberParam := Param{Name: "member", Description: "member code, for union-level callers; member users act for their own member"}
	cycleOf := func(a *API, r *http.Request) (payment.Cycle, error) {
		id, err := PathInt(r, "id")
		if err != nil {
			return payment.Cycle{}, err
		}
		return payments(a).CycleByID(r.Context(), id)
	}
	batchFile := func(export bool) func(a *API, r *http.Request) (any, error) {
		return func(a *API, r *http.Request) (any, error) {
			id, err := PathInt(r, "id")
			if err != nil {
				return nil, err
			}
			b, err := payments(a).BatchByID(r.Context(), id)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			if export {
				b, err = payments(a).Export(r.Context(), b.MemberID, b.ID, &buf)
			} else {
				b, err = payments(a).Download(r.Context(), b.MemberID, b.ID, &buf)
			}
			if err != nil {
				return nil, err
			}
			ct := "text/csv; charset=utf-8"
			if b.Kind == payment.Bank {
				ct = "application/xml"
			}
			return Raw{ContentType: ct, Body: buf.Bytes()}, nil
		}
	}
	Register(
		Route{Method: "GET", Path: "/payment-cycles", Tag: "payments", Summary: "List a member's payment cycles, newest first",
			Query: []Param{memberParam, {Name: "program", Description: "only this program's cycles (id)"}}, Response: List[payment.Cycle]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				prog, err := QueryInt(r, "program", 0)
				if err != nil {
					return nil, err
				}
				cs, err := payments(a).Cycles(r.Context(), mid, prog)
				return List[payment.Cycle]{nonNil(cs)}, err
			}},
		Route{Method: "POST", Path: "/payment-cycles", Tag: "payments", Summary: "Prepare a payment cycle: compute every enrolled household's entitlement (finance officer)",
			Description: "The period must be one calendar period of the program's frequency (month, quarter, half-year, year; any period for a one-off program), or part of one with `partial` set, prorated by day. A period that shares a day with another cycle of the program that is not rejected is refused with 409 naming that cycle. The cycle then waits for an approver who did not prepare it.",
			Query:       []Param{memberParam}, Body: CycleRequestBody{}, Response: payment.Cycle{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				b, err := Decode[CycleRequestBody](r)
				if err != nil {
					return nil, err
				}
				from, err := parseDay(b.PeriodStart)
				if err != nil {
					return nil, err
				}
				to, err := parseDay(b.PeriodEnd)
				if err != nil {
					return nil, err
				}
				pay, err := parseDay(b.PaymentDate)
				if err != nil {
					return nil, err
				}
				return payments(a).Prepare(r.Context(), a.ProgramPayments(), payment.CycleRequest{MemberID: mid, ProgramID: b.ProgramID, ProgramVersion: b.Version, PeriodStart: from, PeriodEnd: to, Partial: b.Partial, PaymentDate: pay})
			}},
		Route{Method: "GET", Path: "/payment-cycles/{id}", Tag: "payments", Summary: "A payment cycle with its totals", Response: payment.Cycle{},
			Handle: func(a *API, r *http.Request) (any, error) { return cycleOf(a, r) }},
		Route{Method: "POST", Path: "/payment-cycles/{id}/decision", Tag: "payments", Summary: "Approve or reject a prepared cycle (approver; not who prepared it; refused over budget)",
			Body: DecisionRequest{}, Response: payment.Cycle{},
			Handle: func(a *API, r *http.Request) (any, error) {
				c, err := cycleOf(a, r)
				if err != nil {
					return nil, err
				}
				b, err := Decode[DecisionRequest](r)
				if err != nil {
					return nil, err
				}
				return payments(a).Approve(r.Context(), c.MemberID, c.ID, b.Approve, b.Reason)
			}},
		Route{Method: "GET", Path: "/payment-cycles/{id}/batches", Tag: "payments", Summary: "A cycle's payment batches", Response: List[payment.Batch]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				c, err := cycleOf(a, r)
				if err != nil {
					return nil, err
				}
				bs, err := payments(a).Batches(r.Context(), c.MemberID, c.ID)
				return List[payment.Batch]{nonNil(bs)}, err
			}},
		Route{Method: "POST", Path: "/payment-cycles/{id}/batches", Tag: "payments", Summary: "Make batches per instrument kind and provider for the unpaid entitlements (first payments and retries)",
			Response: payment.BatchResult{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				c, err := cycleOf(a, r)
				if err != nil {
					return nil, err
				}
				return payments(a).CreateBatches(r.Context(), c.MemberID, c.ID)
			}},
		Route{Method: "GET", Path: "/payment-cycles/{id}/reconciliation", Tag: "payments", Summary: "Where every entitlement of a cycle stands: due = cancelled + unsent + in transit + paid + failed + returned",
			Response: payment.Reconciliation{},
			Handle: func(a *API, r *http.Request) (any, error) {
				c, err := cycleOf(a, r)
				if err != nil {
					return nil, err
				}
				return payments(a).Reconcile(r.Context(), c.MemberID, c.ID)
			}},
		Route{Method: "POST", Path: "/payment-batches/{id}/export", Tag: "payments", Summary: "Export a batch once and return its file (pain.001 XML for banks, CSV for wallets and cash)",
			Description: "Two exports of one batch at the same moment: exactly one succeeds, the other gets 409. The file is built in memory here; for very large batches use the web page or `tadamun payment export`, which stream.",
			Response:    Raw{}, Handle: batchFile(true)},
		Route{Method: "GET", Path: "/payment-batches/{id}/file", Tag: "payments", Summary: "Download an exported batch's file again, byte for byte", Response: Raw{}, Handle: batchFile(false)},
		Route{Method: "POST", Path: "/payment-status", Tag: "payments", Summary: "Import a provider's status file (pain.002, camt.053 or camt.054 XML, or CSV, sent as the request body), all or nothing",
			Description: "Unknown EndToEndIds, duplicates, contradictions (a confirmation of a failed payment) and, in a bank statement (camt.053) or debit notification (camt.054), amounts or currencies that differ from the payment's are refused with the rows (entries) named, and nothing changes; the same file twice is refused. A statement's booked debits of our payments mark them paid; its returns (return information, reversals, credits of our EndToEndIds) mark them returned with the reason; its other entries are ignored and counted in `ignored`.",
			Query:       []Param{memberParam, {Name: "format", Description: "pain.002, camt.053, camt.054 or csv; by default the file's own: its ISO 20022 namespace, CSV when it is not XML"}}, Response: payment.StatusImport{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				return payments(a).ImportStatus(r.Context(), mid, r.URL.Query().Get("format"), limits.Reader(r.Body, "", a.Limits.Uncompressed))
			}},
		Route{Method: "POST", Path: "/payment-entitlements/{id}/cancel", Tag: "payments", Summary: "Cancel an entitlement with nothing in progress; its money returns to the budget (approver)",
			Query: []Param{memberParam}, Body: CancelRequest{}, Response: Done{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[CancelRequest](r)
				if err != nil {
					return nil, err
				}
				return Done{true}, payments(a).CancelEntitlement(r.Context(), mid, id, b.Reason)
			}},
		Route{Method: "POST", Path: "/payment-programs/{id}/budget", Tag: "payments", Summary: "Add money to a program's budget (approver)",
			Query: []Param{memberParam}, Body: BudgetRequest{}, Response: Done{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				if _, err := programs(a).Get(r.Context(), id); err != nil {
					return nil, err
				}
				b, err := Decode[BudgetRequest](r)
				if err != nil {
					return nil, err
				}
				return Done{true}, payments(a).AllocateBudget(r.Context(), mid, id, b.Amount, b.Memo)
			}},
		Route{Method: "GET", Path: "/payment-history/{household}", Tag: "payments", Summary: "A household's payment attempts, newest first",
			Query: []Param{memberParam}, Response: List[payment.History]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				id, err := PathInt(r, "household")
				if err != nil {
					return nil, err
				}
				hs, err := payments(a).HouseholdHistory(r.Context(), mid, id)
				return List[payment.History]{nonNil(hs)}, err
			}},
		Route{Method: "GET", Path: "/payment-instruments", Tag: "payments", Summary: "A household's payment instruments: active, pending and history",
			Query: []Param{memberParam, {Name: "household", Description: "household id (required)"}}, Response: List[payment.Instrument]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				hh, err := QueryInt(r, "household", 0)
				if err != nil {
					return nil, err
				}
				is, err := payments(a).Instruments(r.Context(), mid, hh)
				return List[payment.Instrument]{nonNil(is)}, err
			}},
		Route{Method: "POST", Path: "/payment-instruments", Tag: "payments", Summary: "Propose a household's bank account, wallet or cash pickup; a second person approves it",
			Query: []Param{memberParam}, Body: payment.Instrument{}, Response: payment.Instrument{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[payment.Instrument](r)
				if err != nil {
					return nil, err
				}
				in.MemberID = mid
				return payments(a).ProposeInstrument(r.Context(), in)
			}},
		Route{Method: "POST", Path: "/payment-instruments/{id}/decision", Tag: "payments", Summary: "Approve or reject a proposed instrument (approver; not who proposed it)",
			Body: DecisionRequest{}, Response: payment.Instrument{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := payments(a).InstrumentByID(r.Context(), id)
				if err != nil {
					return nil, err
				}
				b, err := Decode[DecisionRequest](r)
				if err != nil {
					return nil, err
				}
				return payments(a).DecideInstrument(r.Context(), in.MemberID, in.ID, b.Approve, b.Reason)
			}},
		Route{Method: "GET", Path: "/payment-providers", Tag: "payments", Summary: "A member's banks, wallet providers and cash agents",
			Query: []Param{memberParam}, Response: List[payment.Provider]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				ps, err := payments(a).Providers(r.Context(), mid)
				return List[payment.Provider]{nonNil(ps)}, err
			}},
		Route{Method: "POST", Path: "/payment-providers", Tag: "payments", Summary: "Add a bank (with its pain.001 version and the debtor account), wallet provider or cash agent (approver)",
			Query: []Param{memberParam}, Body: payment.Provider{}, Response: payment.Provider{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				p, err := Decode[payment.Provider](r)
				if err != nil {
					return nil, err
				}
				p.MemberID = mid
				return payments(a).AddProvider(r.Context(), p)
			}},
		Route{Method: "GET", Path: "/ledger/balances", Tag: "payments", Summary: "Ledger balances by account (program budget, payable, in transit, paid, returned) and the trial balance, at a date",
			Query:    []Param{memberParam, {Name: "prefix", Description: "only accounts whose code starts with this, for example program:7:"}, {Name: "at", Description: "balances at the end of this day, YYYY-MM-DD; default now"}},
			Response: Balances{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				at, err := parseDay(r.URL.Query().Get("at"))
				if err != nil {
					return nil, err
				}
				if !at.IsZero() {
					at = at.Add(24*time.Hour - time.Nanosecond)
				}
				l := a.Ledger
				bs, err := l.Balances(r.Context(), mid, r.URL.Query().Get("prefix"), at)
				if err != nil {
					return nil, err
				}
				tb, err := l.TrialBalance(r.Context(), mid, at)
				return Balances{nonNil(bs), nonNil(tb)}, err
			}},
	)
}
