package gift

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
)

// Campaign statuses.
const (
	Draft  = "draft"
	Open   = "open"
	Closed = "closed"
)

// Progress is what a campaign raised: the sum of its live donations in the
// member's currency and how many donors gave.
type Progress struct {
	Raised    int64 `json:"raised"`
	Donors    int64 `json:"donors"`
	Donations int64 `json:"donations"`
	Percent   int   `json:"percent"` // of the goal, 0 without a goal
}

// CampaignView is a campaign with its progress, for lists.
type CampaignView struct {
	fund.CampaignRef
	Progress Progress `json:"progress"`
}

var codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

func (s *Service) checkCampaign(ctx context.Context, c *fund.CampaignRef) error {
	c.Code, c.Name, c.NameEn = strings.ToUpper(strings.TrimSpace(c.Code)), strings.TrimSpace(c.Name), strings.TrimSpace(c.NameEn)
	c.Story, c.StoryEn = strings.TrimSpace(c.Story), strings.TrimSpace(c.StoryEn)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !codeRe.MatchString(c.Code) {
		e.WithField("code", "gift.campaign_code_invalid")
	}
	if c.Name == "" || len(c.Name) > 300 {
		e.WithField("name", "error.required")
	}
	if len(c.NameEn) > 300 || len(c.Story) > 20000 || len(c.StoryEn) > 20000 {
		e.WithField("story", "gift.too_long")
	}
	if c.Goal < 0 {
		e.WithField("goal", "gift.amount_positive")
	}
	if c.Starts.IsZero() {
		e.WithField("starts", "error.required")
	}
	if !c.Ends.IsZero() && !c.Ends.After(c.Starts) {
		e.WithField("ends", "gift.campaign_ends_before")
	}
	if c.Status == "" {
		c.Status = Draft
	}
	if c.Status != Draft && c.Status != Open && c.Status != Closed {
		e.WithField("status", "gift.campaign_status_invalid")
	}
	r := c.Restriction
	r.Zakat = false
	if r.Kind == fund.RestrictCampaign || !r.Valid() {
		e.WithField("restriction", "gift.restriction_invalid")
	} else if err := s.checkRestrictionTarget(ctx, c.MemberID, r); err != nil {
		return err
	}
	c.Restriction = r
	if len(e.Fields) > 0 {
		return e
	}
	m, err := s.memberOf(ctx, c.MemberID)
	if err != nil {
		return err
	}
	c.Currency = m.Currency
	return nil
}

// CreateCampaign creates a campaign of c.MemberID. It needs fund.write.
func (s *Service) CreateCampaign(ctx context.Context, c fund.CampaignRef) (fund.CampaignRef, error) {
	if err := auth.RequireMember(ctx, auth.FundWrite, c.MemberID); err != nil {
		return fund.CampaignRef{}, err
	}
	if err := s.checkCampaign(ctx, &c); err != nil {
		return fund.CampaignRef{}, err
	}
	now := s.now().UTC()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		rj, _ := json.Marshal(c.Restriction)
		var err error
		c.ID, err = tx.InsertID(ctx, `INSERT INTO fund_campaigns (member_id, code, name, name_en, story, story_en, goal, currency, starts, ends, restriction, public, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.MemberID, c.Code, c.Name, c.NameEn, c.Story, c.StoryEn, c.Goal, c.Currency, c.Starts.UTC(), nullTime(c.Ends), string(rj), c.Public, c.Status, actorID(ctx), now, now)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "gift.campaign_code_taken", "code", c.Code).WithField("code", "gift.campaign_code_taken", "code", c.Code)
		}
		if err != nil {
			return errs.Wrapf(err, "gift: create campaign")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "fund.campaign.create", EntityType: "fund_campaign", EntityID: itoa(c.ID), State: c})
	})
	return c, err
}

// UpdateCampaign changes campaign c.ID: its texts, goal, period,
// restriction, public flag and status. A campaign that has donations keeps
// its restriction (its donations carry it). It needs fund.write.
func (s *Service) UpdateCampaign(ctx context.Context, c fund.CampaignRef) (fund.CampaignRef, error) {
	old, err := s.campaign(ctx, s.db.QueryRow, c.ID)
	if err != nil {
		return fund.CampaignRef{}, err
	}
	if err := auth.RequireMember(ctx, auth.FundWrite, old.MemberID); err != nil {
		return fund.CampaignRef{}, err
	}
	c.MemberID = old.MemberID
	if err := s.checkCampaign(ctx, &c); err != nil {
		return fund.CampaignRef{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM fund_donations WHERE campaign_id = ? AND campaign_id <> 0`, c.ID).Scan(&n); err != nil {
			return errs.Wrapf(err, "gift: campaign donations")
		}
		if n > 0 && c.Restriction.Key() != old.Restriction.Key() {
			return errs.E(errs.Conflict, "gift.campaign_restriction_fixed").WithField("restriction", "gift.campaign_restriction_fixed")
		}
		rj, _ := json.Marshal(c.Restriction)
		res, err := tx.Exec(ctx, `UPDATE fund_campaigns SET name = ?, name_en = ?, story = ?, story_en = ?, goal = ?, starts = ?, ends = ?, restriction = ?, public = ?, status = ?, updated_at = ?
			WHERE id = ? AND status = ?`, c.Name, c.NameEn, c.Story, c.StoryEn, c.Goal, c.Starts.UTC(), nullTime(c.Ends), string(rj), c.Public, c.Status, s.now().UTC(), c.ID, old.Status)
		if err != nil {
			return errs.Wrapf(err, "gift: update campaign")
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errs.E(errs.Conflict, "gift.changed_meanwhile")
		}
		c.Code = old.Code
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "fund.campaign.update", EntityType: "fund_campaign", EntityID: itoa(c.ID), State: c})
	})
	return c, err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

const campaignCols = `id, member_id, code, name, name_en, story, story_en, goal, currency, starts, ends, restriction, public, status`

type rowFunc func(ctx context.Context, q string, args ...any) *sql.Row

func scanCampaign(row interface{ Scan(...any) error }) (fund.CampaignRef, error) {
	var c fund.CampaignRef
	var ends sql.NullTime
	var rj string
	err := row.Scan(&c.ID, &c.MemberID, &c.Code, &c.Name, &c.NameEn, &c.Story, &c.StoryEn, &c.Goal, &c.Currency, &c.Starts, &ends, &rj, &c.Public, &c.Status)
	if err != nil {
		return c, err
	}
	if ends.Valid {
		c.Ends = ends.Time
	}
	_ = json.Unmarshal([]byte(rj), &c.Restriction)
	return c, nil
}

func (s *Service) campaign(ctx context.Context, q rowFunc, id int64) (fund.CampaignRef, error) {
	c, err := scanCampaign(q(ctx, `SELECT `+campaignCols+` FROM fund_campaigns WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.E(errs.NotFound, "gift.campaign_not_found")
	}
	if err != nil {
		return c, errs.Wrapf(err, "gift: campaign %d", id)
	}
	return c, nil
}

// Campaign returns campaign id: anyone may read a public campaign that is
// not a draft; any other needs fund.read in its member.
func (s *Service) Campaign(ctx context.Context, id int64) (fund.CampaignRef, error) {
	c, err := s.campaign(ctx, s.db.QueryRow, id)
	if err != nil {
		return c, err
	}
	if c.Public && c.Status != Draft {
		return c, nil
	}
	if err := auth.RequireMember(ctx, auth.FundRead, c.MemberID); err != nil {
		return fund.CampaignRef{}, errs.E(errs.NotFound, "gift.campaign_not_found")
	}
	return c, nil
}

// CampaignByCode returns member's campaign with code (fund.read).
func (s *Service) CampaignByCode(ctx context.Context, memberID int64, code string) (fund.CampaignRef, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return fund.CampaignRef{}, err
	}
	c, err := scanCampaign(s.db.QueryRow(ctx, `SELECT `+campaignCols+` FROM fund_campaigns WHERE member_id = ? AND code = ?`, memberID, strings.ToUpper(strings.TrimSpace(code))))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.E(errs.NotFound, "gift.campaign_not_found")
	}
	return c, errs.Wrapf(err, "gift: campaign %s", code)
}

func (s *Service) campaigns(ctx context.Context, q string, args ...any) ([]fund.CampaignRef, error) {
	rows, err := s.db.Query(ctx, `SELECT `+campaignCols+` FROM fund_campaigns WHERE `+q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "gift: campaigns")
	}
	defer rows.Close()
	var out []fund.CampaignRef
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "gift: campaigns")
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Campaigns lists member's campaigns with their progress, open ones first
// (fund.read).
func (s *Service) Campaigns(ctx context.Context, memberID int64) ([]CampaignView, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	cs, err := s.campaigns(ctx, `member_id = ? ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'draft' THEN 1 ELSE 2 END, starts DESC, id DESC LIMIT 1000`, memberID)
	if err != nil {
		return nil, err
	}
	out := make([]CampaignView, 0, len(cs))
	for _, c := range cs {
		p, err := s.progress(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, CampaignView{CampaignRef: c, Progress: p})
	}
	return out, nil
}

// Progress returns what campaign id raised (as Campaign, for who may read it).
func (s *Service) Progress(ctx context.Context, id int64) (Progress, error) {
	c, err := s.Campaign(ctx, id)
	if err != nil {
		return Progress{}, err
	}
	return s.progress(ctx, c)
}

func (s *Service) progress(ctx context.Context, c fund.CampaignRef) (Progress, error) {
	var p Progress
	err := s.db.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0), COUNT(DISTINCT donor_id), COUNT(*) FROM fund_donations WHERE campaign_id = ? AND campaign_id <> 0 AND status = 'recorded'`, c.ID).
		Scan(&p.Raised, &p.Donors, &p.Donations)
	if err != nil {
		return p, errs.Wrapf(err, "gift: campaign progress")
	}
	if c.Goal > 0 {
		p.Percent = int(min(p.Raised*100/c.Goal, 999))
	}
	return p, nil
}

// PublicCampaigns lists the public campaigns that are not drafts of member
// (0: every member), open ones first. It needs no permission.
func (s *Service) PublicCampaigns(ctx context.Context, memberID int64) ([]fund.CampaignRef, error) {
	q, args := `public = ? AND status <> 'draft'`, []any{true}
	if memberID != 0 {
		q += ` AND member_id = ?`
		args = append(args, memberID)
	}
	return s.campaigns(ctx, q+` ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, starts DESC, id DESC LIMIT 500`, args...)
}

// NamedDonors returns the public names of the campaign's donors who
// consented to be named, at most limit, largest total first, and how many
// donors gave in all. The campaign must be readable by the caller (public,
// or fund.read).
func (s *Service) NamedDonors(ctx context.Context, campaignID int64, limit int) ([]string, int64, error) {
	c, err := s.Campaign(ctx, campaignID)
	if err != nil {
		return nil, 0, err
	}
	limit = min(max(limit, 0), 500)
	rows, err := s.db.Query(ctx, `SELECT donor_id, SUM(amount) FROM fund_donations WHERE campaign_id = ? AND campaign_id <> 0 AND status = 'recorded' GROUP BY donor_id ORDER BY SUM(amount) DESC, donor_id`, c.ID)
	if err != nil {
		return nil, 0, errs.Wrapf(err, "gift: campaign donors")
	}
	type dt struct{ id, total int64 }
	var all []dt
	for rows.Next() {
		var d dt
		if err := rows.Scan(&d.id, &d.total); err != nil {
			rows.Close()
			return nil, 0, errs.Wrapf(err, "gift: campaign donors")
		}
		all = append(all, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrapf(err, "gift: campaign donors")
	}
	var names []string
	if s.o.Donors != nil {
		// The donors service checks fund.read; the portal reads as the system.
		sys := actor.System(ctx)
		for _, d := range all {
			if len(names) >= limit {
				break
			}
			ref, err := s.o.Donors.Donor(sys, c.MemberID, d.id)
			if err != nil {
				continue
			}
			if ref.PublicName != "" {
				names = append(names, ref.PublicName)
			}
		}
	}
	return names, int64(len(all)), nil
}
