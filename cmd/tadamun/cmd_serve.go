package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/server"
	"github.com/tadamun/tadamun/internal/union"
)

func init() {
	register("serve", "run the web UI and the JSON API", serve)
}

func serve(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("TADAMUN_ADDR", "127.0.0.1:8080"), "address to listen on (TADAMUN_ADDR)")
	withDemo := fs.Bool("demo", false, "load the demo data first if the database has none")
	cpEvery := fs.Duration("checkpoint-every", time.Minute, "how often to sign a checkpoint of the audit log when it has grown")
	wholeCheck := fs.Bool("audit-check-whole", os.Getenv("TADAMUN_AUDIT_CHECK_WHOLE") == "1", "at start, verify the whole audit log, not only the records after the last checkpoint signed (TADAMUN_AUDIT_CHECK_WHOLE=1)")
	sweepEvery := fs.Duration("sweep-every", 5*time.Minute, "how often to warn about grievances near their deadline and escalate late ones, and escalate late referral follow-ups (0: never)")
	retentionEvery := fs.Duration("retention-every", 24*time.Hour, "how often to delete stored copies of personal data past each member's retention period: DCI answers, printed batches, ended coordination requests' personal attachments (0: never)")
	secure := fs.Bool("secure-cookies", os.Getenv("TADAMUN_SECURE_COOKIES") == "1", "always mark cookies Secure (TADAMUN_SECURE_COOKIES=1); set it behind a TLS proxy that does not send X-Forwarded-Proto")
	dciPrivate := fs.Bool("dci-allow-private-callbacks", os.Getenv("TADAMUN_DCI_ALLOW_PRIVATE_CALLBACKS") == "1", "let DCI callbacks reach loopback, link-local and private addresses (TADAMUN_DCI_ALLOW_PRIVATE_CALLBACKS=1); only for receivers on an internal network")
	logFormat := fs.String("log-format", env("TADAMUN_LOG_FORMAT", "text"), "log format: text or json (TADAMUN_LOG_FORMAT)")
	jobsMax := fs.Int("jobs-max", envInt("TADAMUN_JOBS_MAX", jobs.DefaultMax), "how many jobs (targeting runs, imports, statistics, DCI callbacks) run at once; more wait their turn (TADAMUN_JOBS_MAX)")
	chromium := fs.String("chromium", env("TADAMUN_CHROMIUM", ""), "Chromium or Chrome that prints documents to PDF (TADAMUN_CHROMIUM; default: chromium, chromium-browser, google-chrome on the PATH; \"none\": only the print view)")
	cardKey := fs.String("card-key", env("TADAMUN_CARD_KEY", "tadamun-card.key"), "secret the members' beneficiary-card keys are derived from, created on first use (TADAMUN_CARD_KEY)")
	printMax := fs.Int("print-max", 2, "how many documents Chromium prints at once")
	dbRead := fs.String("db-read", env("TADAMUN_DB_READ", ""), "a read-only database (a PostgreSQL streaming replica) for the heavy read-only work: the portal statistics, the union reports and the exports of households, persons, run decisions and enrollments (TADAMUN_DB_READ); default: --db")
	role := fs.String("role", env("TADAMUN_ROLE", union.RoleBoth), "the union level: node (keeps its members' data, publishes signed reports), hub (receives reports, the union dashboard) or both (TADAMUN_ROLE)")
	hub := fs.String("hub", env("TADAMUN_HUB", ""), "a node's union hub address (https://…): the node pushes its reports there after making them (TADAMUN_HUB); empty: the hub pulls them")
	reportEvery := fs.Duration("report-every", 24*time.Hour, "how often a node makes its signed reports (and pushes them to --hub); 0 never")
	pullEvery := fs.Duration("pull-every", time.Hour, "how often a hub pulls the reports of nodes that have a pull address; 0 never")
	lim := limits.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	limit, err := lim()
	if err != nil {
		return err
	}
	if *role != union.RoleNode && *role != union.RoleHub && *role != union.RoleBoth {
		return fmt.Errorf("serve: --role %q: want node, hub or both", *role)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *logFormat == "json" {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	slog.SetDefault(logger)
	return withDB(ctx, g, func(d *db.DB) error {
		l, err := openLog(d, g)
		if err != nil {
			return err
		}
		if *withDemo {
			if err := freshDemoWitness(ctx, l, g, logger); err != nil {
				return err
			}
			if err := demo.Load(ctx, d, func(s string) { logger.Info("demo", "loaded", s) }); err != nil {
				return err
			}
		}
		cards, err := printer.LoadCardKeys(*cardKey)
		if err != nil {
			return err
		}
		chrome := findChromium(*chromium)
		if chrome == "" {
			logger.Warn("no Chromium found: printing to PDF is off, the print view works (--chromium)")
		}
		var read *db.DB
		if *dbRead != "" && *dbRead != g.dsn {
			if read, err = db.OpenReadOnly(ctx, *dbRead); err != nil {
				return err
			}
			defer read.Close()
			logger.Info("heavy reads go to the read-only database (--db-read)", "dialect", read.Dialect)
		}
		svc := services(d, app.Options{Read: read, Audit: l, Log: logger, Limits: limit, DCI: app.DCIOptions{AllowPrivateCallbacks: *dciPrivate}, JobsMax: *jobsMax, UnionRole: *role,
			Print: app.PrintOptions{Chromium: chrome, Concurrent: *printMax, Cards: cards}})
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := svc.Close(cctx); err != nil {
				logger.Warn("DCI callbacks still in flight at shutdown", "err", err)
			}
		}()
		// A targeting run still running now was left by a server that
		// stopped; its row says so from here on.
		if n, err := svc.Programs.RecoverRuns(actor.System(ctx)); err != nil {
			return err
		} else if n > 0 {
			logger.Warn("targeting runs left running by a stopped server marked failed", "runs", n)
		}
		// Long-running work has one runner for the process (internal/jobs,
		// in Services): a job a stopped server left queued or running fails
		// now, with that reason, and every job is drained at shutdown.
		if n, err := svc.Jobs.Recover(actor.System(ctx)); err != nil {
			return err
		} else if n > 0 {
			logger.Warn("jobs left unfinished by a stopped server marked failed", "jobs", n)
		}
		// A notification a stopped server was sending may have gone out:
		// it becomes "unknown" and is not sent again unless an officer
		// retries it. The sender runs until svc.Close.
		if n, err := svc.Notify.Recover(actor.System(ctx)); err != nil {
			return err
		} else if n > 0 {
			logger.Warn("notifications left sending by a stopped server marked unknown", "notifications", n)
		}
		svc.Notify.Start()
		srv, err := server.New(server.Config{Services: svc, SecureCookies: *secure})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		url := "http://" + ln.Addr().String() + "/"
		logger.Info("serving", "url", url, "db", d.Dialect)
		if *withDemo {
			fmt.Fprintf(os.Stderr, "\nTadamun is running at %s\nSign in with a demo account, password %q: %s (union admin), jo.admin, jo.registrar, jo.programs, jo.approver, jo.finance, … (see README)\n\n", url, demo.Password, demo.Accounts[0].Username)
		}
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		go signCheckpoints(sctx, l, *cpEvery, *wholeCheck, logger)
		// The portal's statistics are computed now (/readyz waits for
		// them) and kept fresh until shutdown.
		go svc.Statistics.Run(sctx)
		go every(sctx, *sweepEvery, func(ctx context.Context) {
			alerts, err := svc.Grievances.Sweep(actor.System(ctx))
			if err != nil && ctx.Err() == nil {
				logger.Error("grievance sweep", "err", err)
			} else if len(alerts) > 0 {
				logger.Info("grievance sweep", "alerts", len(alerts))
			}
		})
		go every(sctx, *retentionEvery, func(ctx context.Context) {
			rep, err := svc.Retention.Run(actor.System(ctx), false)
			if err != nil && ctx.Err() == nil {
				logger.Error("retention sweep", "err", err)
			} else if rep.Total() > 0 {
				logger.Info("retention sweep", "deleted", rep.Total())
			}
		})
		// Overdue referral follow-ups are escalated on the same schedule,
		// until svc.Close.
		svc.Referrals.Start(*sweepEvery)
		// The union level: a node makes its signed reports every day (and
		// pushes them to its hub); a hub pulls the nodes that wait to be
		// asked.
		if n, err := svc.Union.SelfRegister(actor.System(ctx)); err != nil {
			logger.Error("union: the members served here as nodes", "err", err)
		} else if n > 0 {
			logger.Info("union: members served here recorded as nodes of this hub", "members", n)
		}
		if *role != union.RoleHub {
			go every(sctx, *reportEvery, func(ctx context.Context) {
				if _, err := svc.Union.Publish(actor.System(ctx), ""); err != nil && ctx.Err() == nil {
					logger.Error("union report", "err", err)
					return
				}
				if *hub != "" {
					if n, err := svc.Union.Push(actor.System(ctx), *hub); err != nil && ctx.Err() == nil {
						logger.Warn("union push: the reports wait in the outbox", "hub", *hub, "sent", n, "err", err)
					}
				}
			})
		}
		if *role != union.RoleNode {
			go every(sctx, *pullEvery, func(ctx context.Context) {
				if n, err := svc.Union.Pull(actor.System(ctx), ""); err != nil && ctx.Err() == nil {
					logger.Warn("union pull", "stored", n, "err", err)
				}
			})
		}
		// Job matching runs nightly for every member with open vacancies
		// (a run once its last is a day old), checked on the same schedule.
		svc.Match.Start(*sweepEvery)
		svc.Employment.Start(*sweepEvery) // late employment follow-ups, the same way
		errc := make(chan error, 1)
		go func() { errc <- hs.Serve(ln) }()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		logger.Info("shutting down: finishing requests in flight")
		shctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		// Jobs first, so that a request waiting on one ends with it; then
		// the targeting runs a request runs itself (POST /runs without
		// background), which are not jobs.
		if err := svc.Jobs.Drain(shctx); err != nil {
			logger.Error("stopping jobs: the unfinished ones are marked failed", "err", err)
		}
		// Runs first, so that a request waiting on one ends with it.
		if err := svc.Programs.DrainRuns(shctx); err != nil {
			logger.Error("stopping targeting runs", "err", err)
		}
		err = hs.Shutdown(shctx)
		if cerr := svc.Close(shctx); cerr != nil {
			logger.Warn("DCI callbacks still in flight at shutdown", "err", cerr)
		}
		stop()
		if l.Health().Ready() {
			signOnce(context.Background(), l, logger)
		}
		if err == nil || errors.Is(err, http.ErrServerClosed) {
			logger.Info("stopped")
			return nil
		}
		return err
	})
}

// every runs fn now and then every interval until ctx ends; a zero
// interval never runs it.
func every(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	if interval <= 0 {
		return
	}
	fn(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// signCheckpoints verifies the audit log, then signs a checkpoint whenever
// the log has grown, every interval, so that the public can hold the server
// to its history. Until the log verified the server is not ready (/readyz
// answers 503); if it fails, nothing is signed again until a restart.
func signCheckpoints(ctx context.Context, l *audit.Log, interval time.Duration, whole bool, logger *slog.Logger) {
	checkLog(ctx, l, whole, logger)
	every(ctx, interval, func(ctx context.Context) { signOnce(ctx, l, logger) })
}

// checkLog verifies the log at start, logging its progress, and retries
// while the check cannot be made (the database is down, say).
func checkLog(ctx context.Context, l *audit.Log, whole bool, logger *slog.Logger) {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		start := time.Now()
		logger.Info("audit log: verifying before signing checkpoints", "whole", whole)
		h, err := l.Check(ctx, whole, func(done, total int64) {
			logger.Info("audit log: verifying", "done", done, "total", total, "elapsed", time.Since(start).Round(time.Millisecond))
		})
		switch {
		case h.State == audit.Verified:
			logger.Info("audit log verified", "records", h.Size, "elapsed", time.Since(start).Round(time.Millisecond))
			return
		case h.State == audit.Failed:
			return // signOnce, next, raises the alert
		case ctx.Err() != nil:
			return
		}
		logger.Error("audit log: cannot verify, trying again", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// alert logs that the log failed verification, with the first bad record.
func alert(logger *slog.Logger, h audit.Health) {
	logger.Error("ALERT: the audit log failed verification; no checkpoint is signed until the database is repaired and the server restarted",
		"first_bad_record", h.BadSeq, "reason", h.Reason, "found_at", h.At)
}

func signOnce(ctx context.Context, l *audit.Log, logger *slog.Logger) {
	if h := l.Health(); h.State == audit.Failed {
		alert(logger, h)
		return
	}
	size, err := l.Size(ctx)
	if err != nil || size == 0 {
		return
	}
	if cp, err := l.Latest(ctx); err == nil && cp.Size >= size {
		return
	}
	cp, err := l.Sign(ctx)
	if errors.Is(err, audit.ErrFailed) {
		alert(logger, l.Health())
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			logger.Error("audit checkpoint", "err", err)
		}
		return
	}
	logger.Info("audit checkpoint signed", "size", cp.Size)
}

// freshDemoWitness moves aside the witness file of an earlier database when
// serve --demo starts on a database whose audit log is empty: someone
// deleted the demo database to start over, and the new log cannot extend
// the old one's checkpoint. Only --demo does this; a real deployment whose
// log is emptied is refused, as it must be.
func freshDemoWitness(ctx context.Context, l *audit.Log, g globals, logger *slog.Logger) error {
	n, err := l.Size(ctx)
	if err != nil || n > 0 {
		return err
	}
	w := witnessPath(g)
	if _, err := os.Stat(w); err != nil {
		return nil
	}
	old := w + ".old-" + time.Now().UTC().Format("20060102T150405")
	if err := os.Rename(w, old); err != nil {
		return err
	}
	logger.Warn("a new demo database: the audit witness of the earlier database was moved aside", "moved_to", old)
	return nil
}

// envInt is env for a whole number; an unreadable value is def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}
