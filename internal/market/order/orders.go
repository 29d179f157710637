package order

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Order is a buyer's order of one product.
type Order struct {
	ID           int64      `json:"id"`
	MemberID     int64      `json:"member_id"`
	Number       string     `json:"number"` // JO-M-2026-000123
	ProductID    int64      `json:"product_id"`
	ShopID       int64      `json:"shop_id"`
	HouseholdID  int64      `json:"household_id"`
	ProductAR    string     `json:"product_ar"`
	ProductEN    string     `json:"product_en"`
	BuyerID      int64      `json:"buyer_id"`
	BuyerName    string     `json:"buyer_name"`
	Quantity     int        `json:"quantity"`
	UnitPrice    int64      `json:"unit_price"` // minor units of Currency
	Amount       int64      `json:"amount"`
	Currency     string     `json:"currency"`
	Delivery     string     `json:"delivery"` // pickup or delivery
	Address      string     `json:"address,omitempty"`
	Payment      string     `json:"payment"` // cash or transfer
	TransferRef  string     `json:"transfer_ref,omitempty"`
	Status       string     `json:"status"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	CancelledBy  string     `json:"cancelled_by,omitempty"`
	PlacedAt     time.Time  `json:"placed_at"`
	ConfirmedAt  *time.Time `json:"confirmed_at,omitempty"`
	ShippedAt    *time.Time `json:"shipped_at,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// OrderInput is what a buyer orders.
type OrderInput struct {
	ProductID   int64  `json:"product_id"`
	Quantity    int    `json:"quantity"`
	Delivery    string `json:"delivery"`          // pickup or delivery
	Address     string `json:"address,omitempty"` // for delivery
	Payment     string `json:"payment"`           // cash or transfer
	TransferRef string `json:"transfer_ref,omitempty"`
}

const orderCols = `o.id, o.member_id, o.number, o.product_id, o.shop_id, o.household_id, o.product_ar, o.product_en, o.buyer_id, a.name,
	o.quantity, o.unit_price, o.amount, o.currency, o.delivery, o.address, o.payment, o.transfer_ref, o.status, o.cancel_reason, o.cancelled_by,
	o.placed_at, o.confirmed_at, o.shipped_at, o.delivered_at, o.cancelled_at, o.updated_at`

const orderFrom = ` FROM market_orders o JOIN market_order_accounts a ON a.id = o.buyer_id`

func scanOrder(r interface{ Scan(...any) error }) (Order, error) {
	var o Order
	err := r.Scan(&o.ID, &o.MemberID, &o.Number, &o.ProductID, &o.ShopID, &o.HouseholdID, &o.ProductAR, &o.ProductEN, &o.BuyerID, &o.BuyerName,
		&o.Quantity, &o.UnitPrice, &o.Amount, &o.Currency, &o.Delivery, &o.Address, &o.Payment, &o.TransferRef, &o.Status, &o.CancelReason, &o.CancelledBy,
		&o.PlacedAt, &o.ConfirmedAt, &o.ShippedAt, &o.DeliveredAt, &o.CancelledAt, &o.UpdatedAt)
	return o, err
}

func (in *OrderInput) check(buyer *Account) error {
	in.Address = strings.TrimSpace(in.Address)
	in.TransferRef = oneLine(in.TransferRef)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !buyer.Buyer() {
		return errs.E(errs.Forbidden, "order.buyers_only")
	}
	if in.Quantity < 1 || in.Quantity > maxQuantity {
		e.WithField("quantity", "order.quantity_invalid", "max", maxQuantity)
	}
	switch in.Delivery {
	case Pickup:
		in.Address = ""
	case Delivery:
		if in.Address == "" {
			e.WithField("address", "order.address_required")
		} else if runes(in.Address) > maxAddress {
			e.WithField("address", "order.too_long", "max", maxAddress)
		} else if markup(in.Address) {
			e.WithField("address", "order.markup")
		}
	default:
		e.WithField("delivery", "order.delivery_invalid")
	}
	switch in.Payment {
	case Cash:
		in.TransferRef = ""
	case Transfer:
		if in.TransferRef == "" {
			e.WithField("transfer_ref", "order.transfer_ref_required")
		} else if runes(in.TransferRef) > maxRef || markup(in.TransferRef) {
			e.WithField("transfer_ref", "order.transfer_ref_invalid", "max", maxRef)
		}
	default:
		e.WithField("payment", "order.payment_invalid")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Place places a buyer's order: the product's stock is taken in the same
// transaction as the order is written (Catalog.ReserveTx), so that when two
// buyers race for the last item one wins and the other is told it is out
// of stock, with nothing written for them.
func (s *Service) Place(ctx context.Context, buyer *Account, in OrderInput) (Order, error) {
	if err := in.check(buyer); err != nil {
		return Order{}, err
	}
	p, err := s.product(ctx, in.ProductID)
	if err != nil {
		return Order{}, err
	}
	if in.Quantity > p.Stock {
		return Order{}, errs.E(errs.Conflict, "order.out_of_stock", "left", p.Stock).WithField("quantity", "order.out_of_stock", "left", p.Stock)
	}
	m, err := s.member(ctx, p.MemberID)
	if err != nil {
		return Order{}, err
	}
	var o Order
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		p, err := s.o.Catalog.ReserveTx(ctx, tx, in.ProductID, in.Quantity)
		if err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				return errs.E(errs.Conflict, "order.out_of_stock_now").WithField("quantity", "order.out_of_stock_now").Cause(err)
			}
			if errs.CodeOf(err) == errs.NotFound {
				return notFound("order.product_not_found")
			}
			return err
		}
		year := now.In(m.Location()).Year()
		var seq int64
		err = tx.QueryRow(ctx, `INSERT INTO market_order_numbers (member_id, year, last) VALUES (?, ?, 1)
			ON CONFLICT (member_id, year) DO UPDATE SET last = market_order_numbers.last + 1 RETURNING last`, p.MemberID, year).Scan(&seq)
		if err != nil {
			return errs.Wrapf(err, "order: number")
		}
		o = Order{MemberID: p.MemberID, Number: fmt.Sprintf("%s-M-%d-%06d", m.Code, year, seq), ProductID: p.ID, ShopID: p.ShopID, HouseholdID: p.HouseholdID,
			ProductAR: p.NameAR, ProductEN: p.NameEN, BuyerID: buyer.ID, BuyerName: buyer.Name, Quantity: in.Quantity, UnitPrice: p.Price,
			Amount: p.Price * int64(in.Quantity), Currency: p.Currency, Delivery: in.Delivery, Address: in.Address, Payment: in.Payment,
			TransferRef: in.TransferRef, Status: Placed, PlacedAt: now, UpdatedAt: now}
		o.ID, err = tx.InsertID(ctx, `INSERT INTO market_orders (member_id, number, product_id, shop_id, household_id, product_ar, product_en, buyer_id, quantity, unit_price, amount, currency,
			delivery, address, payment, transfer_ref, status, placed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'placed', ?, ?) RETURNING id`,
			o.MemberID, o.Number, o.ProductID, o.ShopID, o.HouseholdID, o.ProductAR, o.ProductEN, o.BuyerID, o.Quantity, o.UnitPrice, o.Amount, o.Currency,
			o.Delivery, o.Address, o.Payment, o.TransferRef, now, now)
		if err != nil {
			return errs.Wrapf(err, "order: place")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: o.MemberID, Action: "market_order.place", EntityType: "market_order", EntityID: idStr(o.ID),
			State: map[string]any{"number": o.Number, "product_id": o.ProductID, "quantity": o.Quantity, "amount": o.Amount, "currency": o.Currency,
				"payment": o.Payment, "delivery": o.Delivery, "buyer_id": o.BuyerID, "status": Placed}})
	})
	if err != nil {
		return Order{}, err
	}
	return o, nil
}

// access checks that who may see order o: a buyer their own, a seller
// their shop's, staff (who == nil) with perm for its member.
func access(ctx context.Context, who *Account, o Order, perm auth.Permission) error {
	switch {
	case who == nil:
		return auth.RequireMember(ctx, perm, o.MemberID)
	case who.Buyer() && o.BuyerID == who.ID:
		return nil
	case who.Seller() && o.ShopID == who.ShopID && o.MemberID == who.MemberID:
		return nil
	}
	return notFound("order.not_found")
}

func (s *Service) get(ctx context.Context, q querier, id int64) (Order, error) {
	o, err := scanOrder(q.QueryRow(ctx, `SELECT `+orderCols+orderFrom+` WHERE o.id = ?`, id))
	if noRows(err) {
		return Order{}, notFound("order.not_found")
	}
	return o, errs.Wrapf(err, "order: get")
}

// Order returns order id as who sees it (nil: staff with market.read).
func (s *Service) Order(ctx context.Context, who *Account, id int64) (Order, error) {
	o, err := s.get(ctx, s.db, id)
	if err != nil {
		return Order{}, err
	}
	if err := access(ctx, who, o, auth.MarketRead); err != nil {
		return Order{}, err
	}
	return o, nil
}

// Filter selects orders.
type Filter struct {
	MemberID int64 // staff: the member's orders
	ShopID   int64
	Status   string
	Query    string // part of a number
	AfterID  int64  // ids below this one (newest first paging); 0 none
	Limit    int
}

// Orders lists orders newest first: a buyer's own, a seller's shop's, or
// for staff (who == nil, market.read) the member's.
func (s *Service) Orders(ctx context.Context, who *Account, f Filter) ([]Order, error) {
	var where []string
	var args []any
	switch {
	case who == nil:
		if err := auth.RequireMember(ctx, auth.MarketRead, f.MemberID); err != nil {
			return nil, err
		}
		where, args = append(where, "o.member_id = ?"), append(args, f.MemberID)
		if f.ShopID > 0 {
			where, args = append(where, "o.shop_id = ?"), append(args, f.ShopID)
		}
	case who.Buyer():
		where, args = append(where, "o.buyer_id = ?"), append(args, who.ID)
	case who.Seller():
		where, args = append(where, "o.shop_id = ? AND o.member_id = ?"), append(args, who.ShopID, who.MemberID)
	default:
		return nil, notFound("order.not_found")
	}
	if f.Status != "" {
		if !slices.Contains(Statuses, f.Status) {
			return nil, errs.E(errs.Invalid, "order.status_invalid")
		}
		where, args = append(where, "o.status = ?"), append(args, f.Status)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where, args = append(where, "UPPER(o.number) LIKE ?"), append(args, "%"+strings.ToUpper(q)+"%")
	}
	if f.AfterID > 0 {
		where, args = append(where, "o.id < ?"), append(args, f.AfterID)
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	rows, err := s.db.Query(ctx, `SELECT `+orderCols+orderFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY o.id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, errs.Wrapf(err, "order: list")
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Confirm, Ship and Deliver move an order on (the shop's seller, or a
// moderator with market.moderate); Cancel ends it.
func (s *Service) Confirm(ctx context.Context, who *Account, id int64) (Order, error) {
	return s.move(ctx, who, id, Placed, Confirmed, "")
}

// Ship marks a confirmed order shipped (or ready to be picked up).
func (s *Service) Ship(ctx context.Context, who *Account, id int64) (Order, error) {
	return s.move(ctx, who, id, Confirmed, Shipped, "")
}

// Deliver marks a shipped order delivered; its delivery address is
// forgotten, being needed no more.
func (s *Service) Deliver(ctx context.Context, who *Account, id int64) (Order, error) {
	return s.move(ctx, who, id, Shipped, Delivered, "")
}

// Cancel cancels an order: the buyer while it is only placed, the seller
// or a moderator before it is delivered, with a reason. The stock comes
// back (Catalog.ReleaseTx) in the same transaction, and the address is
// forgotten.
func (s *Service) Cancel(ctx context.Context, who *Account, id int64, reason string) (Order, error) {
	return s.move(ctx, who, id, "", Cancelled, reason)
}

var stamp = map[string]string{Confirmed: "confirmed_at", Shipped: "shipped_at", Delivered: "delivered_at", Cancelled: "cancelled_at"}

func (s *Service) move(ctx context.Context, who *Account, id int64, from, to, reason string) (Order, error) {
	reason = oneLine(reason)
	var o Order
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if o, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		if err := access(ctx, who, o, auth.MarketModerate); err != nil {
			return err
		}
		by := Moderator
		if who != nil {
			by = who.Kind
		}
		if to != Cancelled && by == BuyerKind {
			return errs.E(errs.Forbidden, "order.seller_only")
		}
		allowed := []string{from}
		if to == Cancelled {
			allowed = []string{Placed}
			if by != BuyerKind {
				allowed = []string{Placed, Confirmed, Shipped}
				if reason == "" {
					return errs.E(errs.Invalid, "order.reason_required").WithField("reason", "order.reason_required")
				}
			}
			if runes(reason) > maxReason || markup(reason) {
				return errs.E(errs.Invalid, "order.reason_invalid", "max", maxReason).WithField("reason", "order.reason_invalid", "max", maxReason)
			}
		}
		if !slices.Contains(allowed, o.Status) {
			return s.badMove(o.Status, to, by)
		}
		now := s.now()
		set := stamp[to] + ` = ?, status = ?, updated_at = ?`
		args := []any{now, to, now}
		if to == Cancelled || to == Delivered {
			set += `, address = ''`
		}
		if to == Cancelled {
			set += `, cancel_reason = ?, cancelled_by = ?`
			args = append(args, reason, by)
		}
		res, err := tx.Exec(ctx, `UPDATE market_orders SET `+set+` WHERE id = ? AND status = ?`, append(args, id, o.Status)...)
		if err != nil {
			return errs.Wrapf(err, "order: %s", to)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "order.changed")
		}
		if to == Cancelled {
			if s.o.Catalog == nil {
				return errs.E(errs.NotFound, "order.market_closed")
			}
			if err := s.o.Catalog.ReleaseTx(ctx, tx, o.ProductID, o.Quantity); err != nil {
				return err
			}
		}
		prev := o.Status
		o.Status, o.UpdatedAt = to, now
		switch to {
		case Confirmed:
			o.ConfirmedAt = &now
		case Shipped:
			o.ShippedAt = &now
		case Delivered:
			o.DeliveredAt, o.Address = &now, ""
		case Cancelled:
			o.CancelledAt, o.Address, o.CancelReason, o.CancelledBy = &now, "", reason, by
		}
		state := map[string]any{"number": o.Number, "from": prev, "status": to, "by": by}
		if who != nil {
			state["account_id"] = who.ID
		}
		if reason != "" {
			state["reason"] = reason
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: o.MemberID, Action: "market_order." + to, EntityType: "market_order", EntityID: idStr(o.ID), State: state})
	})
	if err != nil {
		return Order{}, err
	}
	return o, nil
}

func (s *Service) badMove(status, to, by string) error {
	if to == Cancelled && by == BuyerKind && status != Cancelled {
		return errs.E(errs.Conflict, "order.buyer_cancel_placed")
	}
	return errs.E(errs.Conflict, "order.bad_transition")
}
