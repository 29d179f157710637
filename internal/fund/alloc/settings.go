package alloc

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
)

// ProgramSetting is what the fund knows of one program: the target groups
// it serves (fund.Groups: needs, never religion, ethnicity or tribe) and
// its zakat category ("" when it is not a zakat program).
type ProgramSetting struct {
	ProgramID     int64    `json:"program_id"`
	Groups        []string `json:"groups"`
	ZakatCategory string   `json:"zakat_category,omitempty"`
}

// Settings are the fund's settings of one member: the zakat categories
// (fund.ZakatCategories) its programs serve, and its programs' settings.
// A program without a row serves no group and is not a zakat program.
type Settings struct {
	MemberID        int64            `json:"member_id"`
	ZakatCategories []string         `json:"zakat_categories"`
	Programs        []ProgramSetting `json:"programs"`
	UpdatedAt       *time.Time       `json:"updated_at,omitempty"`
}

// Program returns the setting of program p (zero groups when none).
func (st Settings) Program(p int64) ProgramSetting {
	for _, ps := range st.Programs {
		if ps.ProgramID == p {
			return ps
		}
	}
	return ProgramSetting{ProgramID: p, Groups: []string{}}
}

// Settings returns the member's fund settings. The actor needs fund.read.
func (s *Service) Settings(ctx context.Context, memberID int64) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return Settings{}, err
	}
	return s.settings(ctx, s.db.QueryRow, s.db.Query, memberID)
}

type rowFunc func(ctx context.Context, q string, args ...any) *sql.Row
type rowsFunc func(ctx context.Context, q string, args ...any) (*sql.Rows, error)

func (s *Service) settings(ctx context.Context, row rowFunc, rows rowsFunc, memberID int64) (Settings, error) {
	st := Settings{MemberID: memberID, ZakatCategories: []string{}, Programs: []ProgramSetting{}}
	var cats string
	var at time.Time
	err := row(ctx, `SELECT zakat_categories, updated_at FROM fund_alloc_settings WHERE member_id = ?`, memberID).Scan(&cats, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return st, internal(err, "settings of member %d", memberID)
	default:
		st.ZakatCategories = unwrap(cats)
		at = at.UTC()
		st.UpdatedAt = &at
	}
	rs, err := rows(ctx, `SELECT program_id, target_groups, zakat_category FROM fund_alloc_programs WHERE member_id = ? ORDER BY program_id`, memberID)
	if err != nil {
		return st, internal(err, "program settings of member %d", memberID)
	}
	defer rs.Close()
	for rs.Next() {
		var p ProgramSetting
		var groups string
		if err := rs.Scan(&p.ProgramID, &groups, &p.ZakatCategory); err != nil {
			return st, internal(err, "program settings")
		}
		p.Groups = unwrap(groups)
		st.Programs = append(st.Programs, p)
	}
	return st, internal(rs.Err(), "program settings")
}

// SaveSettings replaces the member's fund settings. The actor needs
// fund.write. Every group must be one of fund.Groups and every category
// one of fund.ZakatCategories; a program's zakat category must be one the
// fund serves, and the program the member's. Allocations already proposed
// keep the target they were proposed with.
func (s *Service) SaveSettings(ctx context.Context, st Settings) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.FundWrite, st.MemberID); err != nil {
		return Settings{}, err
	}
	bad := errs.E(errs.Invalid, "error.invalid_input")
	var cats []string
	for _, c := range st.ZakatCategories {
		if !slices.Contains(fund.ZakatCategories, c) {
			bad.WithField("zakat_categories", "fund_alloc.zakat_unknown", "category", c)
			continue
		}
		if !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	if len(st.Programs) > 1000 {
		bad.WithField("programs", "fund_alloc.too_many_programs", "max", 1000)
	}
	sys := actor.System(ctx)
	seen := map[int64]bool{}
	var progs []ProgramSetting
	for _, p := range st.Programs {
		if seen[p.ProgramID] {
			continue
		}
		seen[p.ProgramID] = true
		pr, err := s.programs.Get(sys, p.ProgramID)
		if errs.Is(err, errs.NotFound) || (err == nil && pr.MemberID != st.MemberID) {
			bad.WithField("programs", "fund_alloc.program_not_found", "id", p.ProgramID)
			continue
		}
		if err != nil {
			return Settings{}, err
		}
		var groups []string
		for _, g := range p.Groups {
			if !slices.Contains(fund.Groups, g) {
				bad.WithField("groups", "fund_alloc.group_unknown", "group", g)
			} else if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
		if p.ZakatCategory != "" && !slices.Contains(cats, p.ZakatCategory) {
			bad.WithField("zakat_category", "fund_alloc.zakat_not_served", "category", p.ZakatCategory)
		}
		slices.Sort(groups)
		progs = append(progs, ProgramSetting{ProgramID: p.ProgramID, Groups: groups, ZakatCategory: p.ZakatCategory})
	}
	if len(bad.Fields) > 0 {
		return Settings{}, bad
	}
	now := s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO fund_alloc_settings (member_id, zakat_categories, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET zakat_categories = excluded.zakat_categories, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			st.MemberID, wrap(cats), actorID(ctx), now); err != nil {
			return internal(err, "save settings")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM fund_alloc_programs WHERE member_id = ?`, st.MemberID); err != nil {
			return internal(err, "save settings")
		}
		for _, p := range progs {
			if len(p.Groups) == 0 && p.ZakatCategory == "" {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO fund_alloc_programs (member_id, program_id, target_groups, zakat_category, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				st.MemberID, p.ProgramID, wrap(p.Groups), p.ZakatCategory, actorID(ctx), now); err != nil {
				return internal(err, "save program settings")
			}
		}
		saved, err := s.settings(ctx, tx.QueryRow, tx.Query, st.MemberID)
		if err != nil {
			return err
		}
		st = saved
		return audit.Append(ctx, tx, audit.Entry{MemberID: st.MemberID, Action: "fund.settings.save", EntityType: "fund_settings", EntityID: id(st.MemberID), State: st})
	})
	if err != nil {
		return Settings{}, err
	}
	return st, nil
}

// Target returns what an allocation to program (for campaign, 0 for none)
// of member pays, from the member's settings, with the zakat categories the
// settings name. The actor needs fund.read.
func (s *Service) Target(ctx context.Context, memberID, programID, campaignID int64) (fund.Target, []string, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return fund.Target{}, nil, err
	}
	st, err := s.settings(ctx, s.db.QueryRow, s.db.Query, memberID)
	if err != nil {
		return fund.Target{}, nil, err
	}
	ps := st.Program(programID)
	return fund.Target{MemberID: memberID, ProgramID: programID, Groups: ps.Groups, ZakatCategory: ps.ZakatCategory, CampaignID: campaignID}, st.ZakatCategories, nil
}

// ProgramRef is a program as the fund's pages name it.
type ProgramRef struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	NameAR string `json:"name_ar"`
	NameEN string `json:"name_en"`
}

// Programs lists the member's programs by name, for the fund's pages: a
// fund user may not read programs otherwise, and names are no secret (the
// portal lists them). The actor needs fund.read.
func (s *Service) Programs(ctx context.Context, memberID int64) ([]ProgramRef, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	ps, err := s.programs.List(actor.System(ctx), memberID)
	if err != nil {
		return nil, err
	}
	out := make([]ProgramRef, 0, len(ps))
	for _, p := range ps {
		if p.MemberID == memberID {
			out = append(out, ProgramRef{ID: p.ID, Code: p.Code, NameAR: p.NameAR, NameEN: p.NameEN})
		}
	}
	return out, nil
}
