package grievance

import (
	"context"
	"strings"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/notify"
)

// tell notifies the complainant of grievance g of event kind, in tx: at
// the contact they gave (an e-mail address or a phone), which they gave to
// be answered, or else at the household's as the registry has it (with
// its consent). An anonymous grievance, or one without either, tells no
// one.
func (s *Service) tell(ctx context.Context, tx *db.Tx, g Grievance, kind, lang string, args map[string]string) error {
	if s.notify == nil || g.Anonymous {
		return nil
	}
	e := notify.Event{Kind: kind, MemberID: g.MemberID, EntityType: "grievance", EntityID: id(g.ID), Args: map[string]string{"number": id(g.Number)}}
	for k, v := range args {
		e.Args[k] = v
	}
	switch c := strings.TrimSpace(g.Contact); {
	case c != "":
		to := &notify.Recipient{Lang: lang, Consent: true}
		if strings.Contains(c, "@") {
			to.Email = c
		} else {
			to.Phone = c
		}
		e.To = to
	case g.HouseholdID != 0:
		e.HouseholdID = g.HouseholdID
	default:
		return nil
	}
	return s.notify.Enqueue(ctx, tx, e)
}
