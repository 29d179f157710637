package demo

import (
	"context"
	"fmt"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/casework/assess"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
)

// The assessment forms of the demo: for each member, the example XLSForms
// of child protection and family conflict (Arabic and English), uploaded
// and published as version one.
func init() {
	AddStep(Step{Name: "assessment forms", Run: loadAssessmentForms})
}

func loadAssessmentForms(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	s := assess.New(d, assess.Options{})
	n := 0
	for _, code := range []string{"JO", "EG"} {
		m, err := member.New(d).Get(ctx, code)
		if err != nil {
			return err
		}
		for _, typ := range assess.ExampleTypes {
			def, _, err := assess.ExampleDefinition(ctx, typ)
			if err != nil {
				return fmt.Errorf("example form %s: %w", typ, err)
			}
			f, err := s.Create(ctx, m.ID, typ, def)
			if err != nil {
				return fmt.Errorf("form %s of %s: %w", typ, code, err)
			}
			if _, err := s.Publish(ctx, f.ID); err != nil {
				return fmt.Errorf("publish form %s of %s: %w", typ, code, err)
			}
			n++
		}
	}
	progress(fmt.Sprintf("%d assessment forms published", n))
	return nil
}
