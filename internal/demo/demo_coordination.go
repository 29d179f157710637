package demo

import (
	"bytes"
	"context"
	"errors"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/coordination"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// The coordination demo: JO's case supervisor asks Egypt about a displaced
// family, with the family's file attached (approved by jo.approver) and
// messages both ways; Egypt's administrator asks the union for an
// emergency response; a JO draft waits for its household's approval in
// the approvals inbox.
func init() {
	AddLateStep(Step{Name: "coordination", Run: loadCoordination}) // after the registry's households
}

func loadCoordination(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	users := auth.NewWith(d, auth.Options{})
	as := func(name string) (context.Context, error) {
		u, err := users.UserByUsername(sys, name)
		if err != nil {
			return nil, err
		}
		return actor.With(ctx, u.Actor()), nil
	}
	joSup, err := as("jo.supervisor")
	if err != nil {
		return err
	}
	joApp, err := as("jo.approver")
	if err != nil {
		return err
	}
	egAdmin, err := as("eg.admin")
	if err != nil {
		return err
	}
	egSup, err := as("eg.supervisor")
	if err != nil {
		return err
	}
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		return err
	}
	reg := registry.NewWith(d, registry.Options{})
	var refs []string
	if err := reg.EachListedHousehold(sys, registry.HouseholdQuery{MemberID: jo.ID}, 2, func(h registry.Household) error {
		refs = append(refs, h.Ref)
		return nil
	}); err != nil {
		return err
	}
	if len(refs) < 2 {
		return errors.New("demo: coordination needs two JO households")
	}
	s := coordination.New(d, coordination.Options{Registry: reg})
	ts, err := s.Types(sys)
	if err != nil {
		return err
	}
	typ := map[string]int64{}
	for _, t := range ts {
		typ[t.Code] = t.ID
	}
	// JO → EG: a displaced family's file.
	r, err := s.Create(joSup, coordination.NewRequest{To: "EG", TypeID: typ["displaced_family"], Subject: "أسرة نازحة انتقلت إلى القاهرة",
		Body: "انتقلت الأسرة المرفق ملفها من عمّان إلى القاهرة الشهر الماضي. نرجو التحقق من تسجيلها لديكم وإبلاغنا لنوقف صرف المساعدة هنا.", Households: refs[:1], Full: true})
	if err != nil {
		return err
	}
	doc, err := s.AddDocument(joSup, r.ID, coordination.File{Name: "قرار-اللجنة.pdf", Body: bytes.NewReader(demoPDF)}, true)
	if err != nil {
		return err
	}
	as1, err := s.Attachments(joSup, r.ID)
	if err != nil {
		return err
	}
	for _, a := range as1 {
		if _, err := s.Decide(joApp, a.ID, true, ""); err != nil {
			return err
		}
	}
	_ = doc
	if r, err = s.Send(joSup, r.ID, 0); err != nil {
		return err
	}
	egSupUser, err := users.UserByUsername(sys, "eg.supervisor")
	if err != nil {
		return err
	}
	if r, err = s.Assign(egAdmin, r.ID, 0, egSupUser.ID); err != nil {
		return err
	}
	if _, err := s.AddMessage(egSup, r.ID, "استلمنا الملف، ونراجع سجلّنا في محافظة القاهرة. نعود إليكم خلال أيام."); err != nil {
		return err
	}
	if _, err := s.AddMessage(joSup, r.ID, "شكرًا لكم. رقم هاتف رب الأسرة في الملف محدّث."); err != nil {
		return err
	}
	// EG → the union: an emergency response.
	e, err := s.Create(egAdmin, coordination.NewRequest{TypeID: typ["emergency_response"], Subject: "سيول في محافظة أسوان",
		Body: "نطلب دعم الاتحاد العاجل بمواد إيواء لنحو ثلاثمئة أسرة متضررة من السيول.", Send: true})
	if err != nil {
		return err
	}
	if _, err := s.AddDocument(egAdmin, e.ID, coordination.File{Name: "تقرير-الأضرار.pdf", Body: bytes.NewReader(demoPDF)}, false); err != nil {
		return err
	}
	// A JO draft whose household waits for the approver (the inbox).
	if _, err := s.Create(joSup, coordination.NewRequest{To: "EG", TypeID: typ["duplicate_followup"], Subject: "تكرار محتمل عبر الحدود",
		Body: "قد يكون فرد من هذه الأسرة مسجّلًا لديكم أيضًا.", Households: refs[1:2]}); err != nil {
		return err
	}
	progress("coordination: 3 requests")
	return nil
}
