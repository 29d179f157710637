package demo

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/market/order"
	"github.com/tadamun/tadamun/internal/member"
)

// The crafts market's trade demo: a buyer's account (phone 0790000601,
// the demo password), the account of the first shop's family (phone
// 0790000602, the demo password) with its consent to income proposals,
// orders in every state (delivered ones over the last three months), an
// inquiry answered by the family, and a message held for the moderator
// jo.market because it carries a phone number.
func init() {
	AddStep(Step{Name: "market orders", Run: loadOrders, Late: true}) // after the market's shops (a late step too)
}

// orderCatalog gives this step the crafts market's catalog and the JO
// products to order from, once the market's demo step made them
// (internal/market's demo sets it). Nil, or no product, skips the step.
var orderCatalog func(ctx context.Context, d *db.DB) (develop.Catalog, []develop.Product, error)

// Demo phones of the market's light accounts.
const (
	DemoBuyerPhone  = "0790000601"
	DemoSellerPhone = "0790000602"
)

func loadOrders(ctx context.Context, d *db.DB, progress func(string)) error {
	if orderCatalog == nil {
		progress("market orders: no market catalog, skipped")
		return nil
	}
	ctx = actor.System(ctx)
	cat, products, err := orderCatalog(ctx, d)
	if err != nil {
		return err
	}
	if len(products) == 0 {
		progress("market orders: no products, skipped")
		return nil
	}
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		return err
	}
	return LoadOrders(ctx, d, cat, jo, products)
}

// LoadOrders writes the trade demo of member m over products (the first
// one's shop is the family with an account) through cat. Tests call it
// with their own catalog.
func LoadOrders(ctx context.Context, d *db.DB, cat develop.Catalog, m member.Member, products []develop.Product) error {
	ctx = actor.System(ctx)
	loc := m.Location()
	now := d.Now().In(loc)
	clock := calendar.NewManual(time.Date(now.Year(), now.Month(), 1, 10, 0, 0, 0, loc).AddDate(0, -3, 0))
	s := order.New(d, order.Options{Catalog: cat, Challenges: acceptAll{}, Clock: clock.Clock()})
	_, buyer, err := s.SignUp(ctx, order.SignUpInput{MemberID: m.ID, Name: "سلمى الحسن", Phone: DemoBuyerPhone, Password: Password})
	if err != nil {
		return err
	}
	first := products[0]
	pick := func(i int) develop.Product { return products[i%len(products)] }
	place := func(i, qty int, delivery string) (order.Order, error) {
		in := order.OrderInput{ProductID: pick(i).ID, Quantity: qty, Delivery: order.Pickup, Payment: order.Cash}
		if delivery != "" {
			in.Delivery, in.Address = order.Delivery, delivery
			in.Payment, in.TransferRef = order.Transfer, "TRX-204471"
		}
		return s.Place(ctx, &buyer, in)
	}
	move := func(o order.Order, steps int) error {
		for _, f := range []func(context.Context, *order.Account, int64) (order.Order, error){s.Confirm, s.Ship, s.Deliver}[:steps] {
			if _, err := f(ctx, nil, o.ID); err != nil {
				return err
			}
		}
		return nil
	}
	// Three months of delivered orders, two a month, from the first shop.
	for month := range 3 {
		for k := range 2 {
			clock.Set(time.Date(now.Year(), now.Month(), 4+7*k, 11, 0, 0, 0, loc).AddDate(0, month-3, 0))
			o, err := s.Place(ctx, &buyer, order.OrderInput{ProductID: first.ID, Quantity: 1 + k, Delivery: order.Pickup, Payment: order.Cash})
			if err != nil {
				return err
			}
			clock.Advance(48 * time.Hour)
			if err := move(o, 3); err != nil {
				return err
			}
		}
	}
	clock.Set(now.Add(-48 * time.Hour))
	// The family's account, made by the moderator now that its shop has orders.
	if _, err := s.CreateSeller(ctx, first.ShopID, order.SignUpInput{Name: "أم خالد", Phone: DemoSellerPhone, Password: Password}); err != nil {
		return err
	}
	if _, err := s.RecordConsent(ctx, first.ShopID, order.ConsentInput{GivenBy: "أم خالد", GivenOn: clock.Clock().Now().In(loc).Format(time.DateOnly)}); err != nil {
		return err
	}
	// One order in each other state.
	placed, err := place(1, 1, "")
	if err != nil {
		return err
	}
	confirmed, err := place(2, 1, "عمّان، جبل اللويبدة، شارع الكلية العلمية")
	if err != nil {
		return err
	}
	if err := move(confirmed, 1); err != nil {
		return err
	}
	shipped, err := place(3, 2, "")
	if err != nil {
		return err
	}
	if err := move(shipped, 2); err != nil {
		return err
	}
	cancelled, err := place(0, 1, "")
	if err != nil {
		return err
	}
	if _, err := s.Cancel(ctx, &buyer, cancelled.ID, ""); err != nil {
		return err
	}
	clock.Advance(time.Hour)
	if _, err := s.PostOnOrder(ctx, &buyer, placed.ID, "هل يمكن تغليفها هدية؟"); err != nil {
		return err
	}
	// A message with a phone number, held for the moderator.
	if _, err := s.SetSettings(ctx, order.Settings{MemberID: m.ID, ModerateContacts: true}); err != nil {
		return err
	}
	if _, err := s.PostOnOrder(ctx, &buyer, confirmed.ID, "اتصلي بي على ٠٧٩٥٥٥١٢٣٤ عند الوصول"); err != nil {
		return err
	}
	// An inquiry from a visitor, answered by the moderator.
	q, _, err := s.Inquire(ctx, order.InquiryInput{ProductID: first.ID, Name: "كريم", Contact: "karim@example.org", Message: "هل تصنعون مقاسًا أكبر؟"})
	if err != nil {
		return err
	}
	_, err = s.PostOnInquiry(ctx, nil, q.ID, "نعم، أرسل المقاس المطلوب وستجيبك الأسرة.")
	return err
}
