package db_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// owners names the package under internal/ that owns each table: only its
// SQL may name the table; every other package asks it through its exported
// API (ledger.LockedBalance, auth.Scope, registry.ChangesSince, …), so that
// a change of one capability's schema cannot silently break another.
var owners = map[string]string{
	"schema_migrations": "db",
	"settings":          "grievance",
	"members":           "member", "admin_areas": "member",
	"users": "auth", "sessions": "auth", "api_tokens": "auth", "auth_secrets": "auth", "approvals": "auth", "role_grants": "auth",
	"audit_records": "audit", "audit_checkpoints": "audit",
	"print_files": "printer",
	"households":  "registry", "persons": "registry", "registry_change_requests": "registry", "person_names": "registry", "person_tokens": "registry", "registry_history": "registry",
	"registry_imports": "registry", "registry_merges": "registry",
	"fund_public_journal": "fund", "fund_public_rollups": "fund", "fund_public_balances": "fund", // internal/fund/transparency
	"ledger_accounts": "ledger", "ledger_entries": "ledger", "ledger_lines": "ledger",
	"programs": "program", "program_versions": "program", "program_runs": "program", "program_decisions": "program",
	"program_run_fairness": "program", "program_enrollments": "program", "program_enrollment_events": "program",
	"payment_cycles": "payment", "payment_entitlements": "payment", "payment_batches": "payment", "payments": "payment",
	"payment_instruments": "payment", "payment_providers": "payment", "payment_status_imports": "payment", "payment_status_rows": "payment",
	"dedup_runs": "dedup", "dedup_pairs": "dedup", "dedup_clusters": "dedup", "dedup_decisions": "dedup",
	"grievances": "grievance", "grievance_events": "grievance", "grievance_settings": "grievance", "appeals": "grievance",
	"whistle_reports": "grievance", "whistle_accused": "grievance", "whistle_releases": "grievance",
	"dci_transactions": "exchange", "dci_subscriptions": "exchange", "dci_senders": "exchange",
	"jobs":                "jobs",
	"fund_alloc_settings": "fund", "fund_alloc_programs": "fund", "fund_lots": "fund", "fund_allocations": "fund", "fund_allocation_sources": "fund", // internal/fund/alloc
	"partners": "partner", "partner_agreements": "partner", "partner_documents": "partner", "partner_pledges": "partner", "partner_deliveries": "partner",
	"referral_settings": "casework", "referral_providers": "casework", "referral_provider_areas": "casework",
	"referral_provider_services": "casework", "referral_plans": "casework", "referral_plan_items": "casework",
	"referral_referrals": "casework", "referral_events": "casework", "referral_followups": "casework",
	"assess_forms": "casework", "assess_assessments": "casework",
	"case_settings": "casework", "case_departments": "casework", "case_offices": "casework", "case_staff": "casework",
	"case_types": "casework", "case_counters": "casework", "cases": "casework", "case_team": "casework", "case_history": "casework",
	"case_notes": "casework", "case_attachments": "casework", "case_transfers": "casework",
	"notify_settings": "notify", "notify_templates": "notify", "notifications": "notify", "notification_attempts": "notify",
	"casework_field_syncs": "casework", "casework_field_conflicts": "casework", // internal/casework/field
	"casework_quality_targets": "casework",                        // internal/casework/quality
	"fund_donors":              "fund", "fund_donor_keys": "fund", // internal/fund/donor
	"volunteers": "volunteer", "volunteer_opportunities": "volunteer", "volunteer_shifts": "volunteer",
	"volunteer_signups": "volunteer", "volunteer_certificates": "volunteer",
	"fund_rates": "fund", "fund_campaigns": "fund", "fund_pledges": "fund", "fund_receipt_counters": "fund", "fund_donations": "fund", // internal/fund/gift
	"fund_bank_imports": "fund", "fund_bank_reports": "fund", "fund_bank_lines": "fund", // internal/fund/bank
	"training_courses": "training", "training_sessions": "training", "training_enrollments": "training", // internal/training
	"training_attendance": "training", "training_assessments": "training", "training_scores": "training",
	"union_outbox": "union", "union_nodes": "union", "union_reports": "union",

	"training_certificates": "training",                                       // internal/training/certificate
	"employment_match_runs": "employment", "employment_matches": "employment", // internal/employment/match
	"market_order_accounts": "market", "market_order_sessions": "market", "market_order_numbers": "market", "market_orders": "market", // internal/market/order
	"market_order_inquiries": "market", "market_order_messages": "market", "market_order_settings": "market", "market_order_consents": "market", "market_order_incomes": "market",
	"coordination_types": "coordination", "coordination_requests": "coordination", "coordination_messages": "coordination",
	"coordination_attachments": "coordination", "coordination_events": "coordination",
	"retention_settings":  "retention",
	"employment_settings": "employment", "employment_skills": "employment", "employment_seekers": "employment", "employment_employers": "employment", // internal/employment
	"employment_vacancies": "employment", "employment_applications": "employment", "employment_followups": "employment",
	"crossborder_batches": "crossborder", "crossborder_tokens": "crossborder", "crossborder_pairs": "crossborder",
	"market_categories": "market", "market_shops": "market", "market_products": "market", "market_photos": "market",
	"market_photo_files": "market", "market_search_state": "market",
}

var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_][a-z0-9_]*)`)

// TestCapabilitiesReadOnlyTheirTables (issue 13 item 5): every table of a
// fresh schema has an owner, and no SQL outside the owner's package (its
// subpackages included) names it. Tests are not checked: they may look
// at any table to assert what was written.
func TestCapabilitiesReadOnlyTheirTables(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	rows, err := d.Query(context.Background(), `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables[name] = true
		if owners[name] == "" {
			t.Errorf("table %s has no owner: add it to owners", name)
		}
	}
	rows.Close()

	root := filepath.Join("..") // internal/
	var found []string
	err = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		pkg := strings.Split(filepath.ToSlash(rel), "/")[0]
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, m := range tableRef.FindAllStringSubmatch(s, -1) {
				if name := strings.ToLower(m[1]); tables[name] && owners[name] != pkg {
					found = append(found, rel+": "+pkg+" names "+name+" (owned by "+owners[name]+")")
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(found)
	for _, f := range slices.Compact(found) {
		t.Errorf("%s: ask its owner's API instead", f)
	}
}
