package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/union"
)

// The union level's pages: the hub's dashboard of the members' signed
// reports side by side, a node's reports and their checks, the nodes the
// hub knows; and a node's outbox, where a member's administrator
// publishes the member's report. Templates are under templates/union/.
func init() {
	Register(Module{
		Name: "union",
		Menu: []MenuItem{{Path: "/union", Key: "union.menu", Perm: auth.UnionRead, Order: 95},
			{Path: "/union/outbox", Key: "union.outbox_menu", Perm: auth.UnionPublish, Order: 96}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /union", auth.UnionRead, s.unionDashboard)
			s.Handle(mux, "GET /union/nodes/{member}", auth.UnionRead, s.unionNode)
			s.Handle(mux, "GET /union/nodes/new", auth.UnionManage, s.unionNodeNew)
			s.Handle(mux, "POST /union/nodes", auth.UnionManage, s.unionNodeSave)
			s.Handle(mux, "POST /union/nodes/{member}/pull", auth.UnionManage, s.unionPull)
			s.Handle(mux, "GET /union/outbox", auth.UnionPublish, s.unionOutbox)
			s.Handle(mux, "POST /union/outbox", auth.UnionPublish, s.unionPublish)
		},
	})
}

// unionRow is one member on the dashboard: its node and its latest report.
type unionRow struct {
	Node     union.Node
	Latest   *union.Received
	Programs int
	// Population is the share of the member's population (the union's
	// denominator) living in a household that receives a benefit; "" when
	// either is unknown or the count is hidden.
	Population string
	Registry   string // the same share of the registry's persons
}

type unionDashboard struct {
	Rows   []unionRow
	Groups []string            // SDG 1.3.1 groups, in order
	SDG    map[string][]string // member code → percent per group ("" hidden)
	Trends []lineChart         // covered persons by report, per member
}

func (s *Server) unionDashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	ns, err := s.Union.Nodes(ctx)
	if err != nil {
		return err
	}
	d := unionDashboard{SDG: map[string][]string{}, Groups: []string{"total", "children", "older", "disability", "women", "men"}}
	for _, n := range ns {
		row := unionRow{Node: n}
		rs, err := s.Union.Reports(ctx, n.Member, 12)
		if err != nil {
			return err
		}
		if len(rs) > 0 && rs[0].Report != nil {
			row.Latest = &rs[0]
			f := rs[0].Report.Figures
			row.Programs = len(f.Programs)
			row.Population = share(f.Covered, n.Population)
			for _, c := range f.SDG {
				if c.Group == "total" {
					row.Registry = c.Percent
				}
			}
			pct := make([]string, len(d.Groups))
			for i, g := range d.Groups {
				for _, c := range f.SDG {
					if c.Group == g {
						pct[i] = c.Percent
					}
				}
			}
			d.SDG[n.Member] = pct
			// The trend, oldest first.
			var labels []string
			var values []int64
			for i := len(rs) - 1; i >= 0; i-- {
				if rs[i].Report == nil {
					continue
				}
				v, err := strconv.ParseInt(rs[i].Report.Figures.Covered, 10, 64)
				if err != nil {
					continue // hidden: under ten
				}
				labels, values = append(labels, rs[i].AsOf[5:]), append(values, v) // MM-DD: the title says whose
			}
			if len(values) > 1 {
				ch := line(labels, values, l.Dir() == "rtl")
				ch.chartTable = chartTable{ID: "trend-" + n.Member, Title: i18n.T(l, "union.trend_title", map[string]any{"member": pickerName(l, n.NameAR, n.NameEN)}),
					LabelTH: tr(l, "union.as_of"), ValueTH: tr(l, "union.covered")}
				d.Trends = append(d.Trends, ch)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	return s.Render(w, r, "union/dashboard", View{Title: "union.title", Data: d})
}

// share is covered (a count as published) of population as a whole
// percent, "" when unknown.
func share(covered string, population int64) string {
	n, err := strconv.ParseInt(covered, 10, 64)
	if err != nil || population <= 0 {
		return ""
	}
	return strconv.FormatInt((n*100+population/2)/population, 10)
}

type unionNodePage struct {
	Node    union.Node
	Reports []union.Received
	Latest  *union.Report
	Form    *Form // the node's form
	Pull    *Form // what a pull that failed says
	CanEdit bool
}

func (s *Server) unionNode(w http.ResponseWriter, r *http.Request) error {
	return s.unionNodeRender(w, r, strings.ToUpper(r.PathValue("member")), nil, http.StatusOK)
}

func (s *Server) unionNodeRender(w http.ResponseWriter, r *http.Request, code string, pull *Form, status int) error {
	ctx := r.Context()
	ns, err := s.Union.Nodes(ctx)
	if err != nil {
		return err
	}
	p := unionNodePage{Pull: pull, CanEdit: auth.Can(actor.From(r.Context()), auth.UnionManage)}
	found := false
	for _, n := range ns {
		if n.Member == code {
			p.Node, found = n, true
		}
	}
	if !found {
		return errs.E(errs.NotFound, "union.unknown_node", "member", code)
	}
	if p.Reports, err = s.Union.Reports(ctx, code, 100); err != nil {
		return err
	}
	if len(p.Reports) > 0 {
		p.Latest = p.Reports[0].Report
	}
	p.Form = nodeForm(p.Node)
	return s.Render(w, r, "union/node", View{Title: "union.node_title", Data: p, Status: status})
}

func nodeForm(n union.Node) *Form {
	v := url.Values{}
	v.Set("member", n.Member)
	v.Set("name_ar", n.NameAR)
	v.Set("name_en", n.NameEN)
	v.Set("verifier_key", n.Key)
	v.Set("pull_url", n.PullURL)
	if n.Population > 0 {
		v.Set("population", strconv.FormatInt(n.Population, 10))
	}
	if n.PopYear > 0 {
		v.Set("population_year", strconv.Itoa(n.PopYear))
	}
	return &Form{Values: v, Errors: map[string]string{}}
}

func (s *Server) unionNodeNew(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, "union/node_new", View{Title: "union.node_new", Data: struct{ Form *Form }{nodeForm(union.Node{})}})
}

func (s *Server) unionNodeSave(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	num := func(k string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSpace(arabic.Digits(f.Values.Get(k))), 10, 64)
		return n
	}
	in := union.NodeInput{Member: f.Values.Get("member"), NameAR: f.Values.Get("name_ar"), NameEN: f.Values.Get("name_en"),
		Key: f.Values.Get("verifier_key"), PullURL: f.Values.Get("pull_url"), Population: num("population"), PopYear: int(num("population_year"))}
	n, err := s.Union.SaveNode(r.Context(), in)
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "union/node_new", View{Title: "union.node_new", Data: struct{ Form *Form }{f}, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/union/nodes/"+url.PathEscape(n.Member), http.StatusSeeOther)
	return nil
}

func (s *Server) unionPull(w http.ResponseWriter, r *http.Request) error {
	code := strings.ToUpper(r.PathValue("member"))
	if _, err := s.Union.Pull(r.Context(), code); err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		f := NewForm(r)
		f.Fail(Lang(r), err)
		return s.unionNodeRender(w, r, code, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "union.pulled")
	http.Redirect(w, r, "/union/nodes/"+url.PathEscape(code), http.StatusSeeOther)
	return nil
}

func (s *Server) unionOutbox(w http.ResponseWriter, r *http.Request) error {
	return s.unionOutboxRender(w, r, nil, http.StatusOK)
}

func (s *Server) unionOutboxRender(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	out, err := s.Union.Pending(r.Context(), 100)
	if err != nil {
		return err
	}
	if f == nil {
		f = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "union/outbox", View{Title: "union.outbox_title", Data: struct {
		Items []union.Outgoing
		Form  *Form
	}{out, f}, Status: status})
}

func (s *Server) unionPublish(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	if _, err := s.Union.Publish(r.Context(), ""); err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		f.Fail(Lang(r), err)
		return s.unionOutboxRender(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "union.published")
	http.Redirect(w, r, "/union/outbox", http.StatusSeeOther)
	return nil
}
