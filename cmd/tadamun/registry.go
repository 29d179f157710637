package main

import (
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/registry"
)

// newRegistry builds the registry of a command over d with its duplicate
// index as the one hook (registry.Options.Duplicates): registrations are
// checked against it, and every write tells it.
func newRegistry(d *db.DB) *registry.Service {
	return registry.NewWith(d, registry.Options{Duplicates: source.Index(source.NewChecker(d))})
}
