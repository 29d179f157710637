// Package ordertest holds a fake crafts-market catalog for the tests of
// the orders and of the server, until they run against internal/market's.
// Its stock lives in memory, guarded by a mutex: reservations are not
// undone when the caller's transaction rolls back.
package ordertest

import (
	"context"
	"sync"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
)

// Catalog is an in-memory develop.Catalog. It is safe for concurrent use.
type Catalog struct {
	mu       sync.Mutex
	products map[int64]develop.Product
	next     int64
}

// New returns an empty catalog whose ids start at first.
func New(first int64) *Catalog {
	return &Catalog{products: map[int64]develop.Product{}, next: first}
}

// Add adds p (active) with a new id, which it returns.
func (c *Catalog) Add(p develop.Product) develop.Product {
	c.mu.Lock()
	defer c.mu.Unlock()
	p.ID, p.Active = c.next, true
	c.next++
	c.products[p.ID] = p
	return p
}

// Products lists the products of memberID (0: all).
func (c *Catalog) Products(memberID int64) []develop.Product {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []develop.Product
	for id := int64(0); id < c.next; id++ {
		if p, ok := c.products[id]; ok && (memberID == 0 || p.MemberID == memberID) {
			out = append(out, p)
		}
	}
	return out
}

// Product implements develop.Catalog.
func (c *Catalog) Product(_ context.Context, id int64) (develop.Product, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.products[id]
	if !ok {
		return develop.Product{}, errs.E(errs.NotFound, "error.not_found")
	}
	return p, nil
}

// ReserveTx implements develop.Catalog.
func (c *Catalog) ReserveTx(_ context.Context, _ *db.Tx, id int64, qty int) (develop.Product, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.products[id]
	if !ok {
		return develop.Product{}, errs.E(errs.NotFound, "error.not_found")
	}
	if p.Stock < qty {
		return develop.Product{}, errs.E(errs.Conflict, "market.out_of_stock")
	}
	p.Stock -= qty
	c.products[id] = p
	return p, nil
}

// ReleaseTx implements develop.Catalog.
func (c *Catalog) ReleaseTx(_ context.Context, _ *db.Tx, id int64, qty int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.products[id]
	if !ok {
		return errs.E(errs.NotFound, "error.not_found")
	}
	p.Stock += qty
	c.products[id] = p
	return nil
}
