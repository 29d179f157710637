package main

import (
	"context"
	"os"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
)

// services is the composition root: it builds every service over d once
// (app.New), with the keys and settings main reads from the environment,
// so that no library reads them itself:
//
//	TADAMUN_WHISTLE_KEY    whistleblower contacts' key (./tadamun-whistle.key)
//	TADAMUN_CASE_KEY       sensitive cases' notes and attachments key (./tadamun-case.key)
//	TADAMUN_DCI_KEY        the DCI signing key (./tadamun-dci.key)
//	TADAMUN_DCI_KEYS       DCI senders' public keys outside the sender registry
//	TADAMUN_DCI_SENDER_ID  this registry's DCI sender id (tadamun)
//
// o carries what the command decided (audit log, logger, limits, DCI
// private callbacks).
func services(d *db.DB, o app.Options) *app.Services {
	o.WhistleKeyFile = env("TADAMUN_WHISTLE_KEY", "tadamun-whistle.key")
	o.CaseKeyFile = env("TADAMUN_CASE_KEY", "tadamun-case.key")
	o.CrossBorderKeyFile = env("TADAMUN_CROSSBORDER_KEY", "tadamun-crossborder.key")
	o.DCI.KeyFile = env("TADAMUN_DCI_KEY", "tadamun-dci.key")
	o.DCI.KeysFile = os.Getenv("TADAMUN_DCI_KEYS")
	o.DCI.SenderID = env("TADAMUN_DCI_SENDER_ID", "tadamun")
	return app.New(d, o)
}

// withServices opens the database as withDB does and gives fn the
// services built over it, closed when fn returns.
func withServices(ctx context.Context, g globals, fn func(s *app.Services) error) error {
	return withDB(ctx, g, func(d *db.DB) error {
		s := services(d, app.Options{})
		defer s.Close(context.WithoutCancel(ctx))
		return fn(s)
	})
}
