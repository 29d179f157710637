package web

import (
	"context"
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

// historyRow is one change of a household's history as a person reads it:
// the author by name, the field by its name, the values by theirs.
type historyRow struct {
	At                time.Time
	Author            string // empty: the system
	ImportID          int64
	Action, PersonRef string
	Field, Old, New   string
	ActorID           int64
}

// historyRows names the changes' authors, fields and values in the
// request's language. Areas are named from the household's member.
func (s *Server) historyRows(r *http.Request, memberID int64, hist []registry.Change) []historyRow {
	ctx := r.Context()
	l := Lang(r)
	var ids []int64
	for _, c := range hist {
		if c.ActorID != 0 {
			ids = append(ids, c.ActorID)
		}
	}
	names, _ := s.Auth.UserNames(ctx, ids) // without names the rows say "a user"
	areas := s.areaNames(ctx, memberID, l)
	out := make([]historyRow, len(hist))
	for i, c := range hist {
		row := historyRow{At: c.At, ImportID: c.ImportID, Action: c.Action, PersonRef: c.PersonRef, ActorID: c.ActorID}
		if c.ActorID != 0 {
			row.Author = names[c.ActorID]
			if row.Author == "" {
				row.Author = tr(l, "names.unknown_user")
			}
		}
		if c.Field != "" {
			row.Field, _ = Label(l, "field", c.Field)
		}
		switch c.Field {
		case "governorate", "district", "locality":
			row.Old, row.New = codeName(areas, c.Old), codeName(areas, c.New)
		default:
			row.Old, row.New = fieldValue(l, c.Field, c.Old), fieldValue(l, c.Field, c.New)
		}
		out[i] = row
	}
	return out
}

// areaNames maps the codes of a member's areas to their names in l.
func (s *Server) areaNames(ctx context.Context, memberID int64, l i18n.Lang) map[string]string {
	out := map[string]string{}
	m, err := s.Members.ByID(ctx, memberID)
	if err != nil {
		return out
	}
	as, err := s.Members.Areas(ctx, m.Code)
	if err != nil {
		return out
	}
	for _, a := range as {
		out[a.Code] = a.NameAR
		if l == i18n.EN && a.NameEN != "" {
			out[a.Code] = a.NameEN
		}
	}
	return out
}

func codeName(areas map[string]string, code string) string {
	if n, ok := areas[code]; ok {
		return n
	}
	return code
}
