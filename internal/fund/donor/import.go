package donor

import (
	"context"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
)

// MaxImport is the most donors one CreateMany takes.
const MaxImport = 1_000_000

// Imported is what CreateMany wrote: how many donors, and their ids, in
// the order of the input.
type Imported struct {
	Count int     `json:"count"`
	IDs   []int64 `json:"ids"`
}

// CreateMany records many donors of one member at once, all or nothing:
// every row is checked and normalized as Create does (a bad row refuses
// the whole batch, naming its row), then the donors and their keys are
// written in bulk (db.Tx.Insert) with one audit record for the batch.
//
// It is for loading a trusted file — a migration from another donor
// system, a member's cleaned list, the benchmark's donors: there is NO
// duplicate check, neither against the donors already recorded nor within
// the batch. Anything a person types goes through Create. It needs
// fund.write.
func (s *Service) CreateMany(ctx context.Context, ins []Input) (Imported, error) {
	if len(ins) == 0 {
		return Imported{}, nil
	}
	if len(ins) > MaxImport {
		return Imported{}, errs.E(errs.Invalid, "fund_donor.import_too_large", "max", MaxImport)
	}
	memberID := ins[0].MemberID
	if err := auth.RequireMember(ctx, auth.FundWrite, memberID); err != nil {
		return Imported{}, err
	}
	cc, err := s.callingCode(ctx, memberID)
	if err != nil {
		return Imported{}, err
	}
	now := s.now().UTC()
	type row struct {
		in Input
		k  keys
	}
	rows := make([]row, len(ins))
	for i, in := range ins {
		if in.MemberID != memberID {
			return Imported{}, errs.E(errs.Invalid, "fund_donor.import_one_member")
		}
		in, k, err := s.clean(in, cc, now)
		if err != nil {
			if e := errs.As(err); e != nil {
				return Imported{}, errs.E(e.Code, "fund_donor.import_row", "row", i+1).Cause(err)
			}
			return Imported{}, err
		}
		rows[i] = row{in, k}
	}
	var uid any
	if u := actor.From(ctx).UserID; u != 0 {
		uid = u
	}
	var out Imported
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if len(rows) >= 10_000 {
			if err := tx.BulkMemory(ctx); err != nil {
				return errs.Wrapf(err, "donor: bulk")
			}
		}
		// The member's donor lock, as Create takes it: a donor typed in
		// meanwhile waits for the batch.
		if err := tx.LockKey(ctx, lockKey(memberID)); err != nil {
			return err
		}
		ids, err := tx.NextIDs(ctx, "fund_donors", len(rows))
		if err != nil {
			return errs.Wrapf(err, "donor: import ids")
		}
		i := 0
		if _, err := tx.Insert(ctx, "fund_donors", []string{"id", "member_id", "kind", "name", "name_key", "public_name", "consent_public", "consent_at",
			"language", "email", "email_key", "address", "reg_no", "reg_key", "notes", "version", "created_by", "created_at", "updated_at"},
			db.RowsFunc(func() ([]any, error) {
				if i == len(rows) {
					return nil, nil
				}
				in, k := rows[i].in, rows[i].k
				var consentAt any
				if in.ConsentPublic {
					consentAt = now
					if !in.ConsentAt.IsZero() {
						consentAt = in.ConsentAt.UTC()
					}
				}
				r := []any{ids[i], memberID, in.Kind, in.Name, k.nameKey, in.PublicName, in.ConsentPublic, consentAt, in.Language, in.Email, k.emailKey,
					in.Address, in.RegNo, k.regKey, in.Notes, 1, uid, now, now}
				i++
				return r, nil
			})); err != nil {
			return errs.Wrapf(err, "donor: import")
		}
		// The keys, streamed: a donor's phones, IBANs, references and name
		// words, as writeKeys writes them for one.
		d, kind, j := 0, 0, 0
		if _, err := tx.Insert(ctx, "fund_donor_keys", []string{"donor_id", "member_id", "kind", "norm", "value"}, db.RowsFunc(func() ([]any, error) {
			for d < len(rows) {
				k := &rows[d].k
				switch kind {
				case 0:
					if j < len(k.phones) {
						j++
						return []any{ids[d], memberID, "phone", k.phones[j-1].norm, k.phones[j-1].value}, nil
					}
				case 1:
					if j < len(k.ibans) {
						j++
						return []any{ids[d], memberID, "iban", k.ibans[j-1], k.ibans[j-1]}, nil
					}
				case 2:
					if j < len(k.refs) {
						j++
						return []any{ids[d], memberID, "ref", k.refs[j-1].norm, k.refs[j-1].value}, nil
					}
				case 3:
					if j < len(k.phon) {
						j++
						return []any{ids[d], memberID, "name", k.phon[j-1], ""}, nil
					}
				}
				kind, j = kind+1, 0
				if kind == 4 {
					d, kind = d+1, 0
				}
			}
			return nil, nil
		})); err != nil {
			return errs.Wrapf(err, "donor: import keys")
		}
		if len(rows) >= 10_000 {
			// The planner learns of the many rows before anything reads them.
			if err := tx.Analyze(ctx, "fund_donors", "fund_donor_keys"); err != nil {
				return errs.Wrapf(err, "donor: import analyze")
			}
		}
		out = Imported{Count: len(rows), IDs: ids}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "fund_donor.import", EntityType: "fund_donor", EntityID: id(ids[0]),
			State: map[string]any{"count": len(rows), "first_id": ids[0], "last_id": ids[len(ids)-1], "at": now.Format(time.RFC3339)}})
	})
	if err != nil {
		return Imported{}, err
	}
	return out, nil
}

// DonorRefs returns the donors of member among ids as the fund's other
// packages see them, in a few queries (a batch of bank credits asks for
// thousands at once); ids of no donor of member are absent from the map.
// A merged donor's ref has MergedInto naming the live donor at the end of
// its chain, as Donor gives it. It needs fund.read.
func (s *Service) DonorRefs(ctx context.Context, memberID int64, ids []int64) (map[int64]fund.DonorRef, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	out := make(map[int64]fund.DonorRef, len(ids))
	const chunk = 500
	args := make([]any, 0, chunk+1)
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		args = append(args[:0], memberID)
		for _, v := range ids[:n] {
			args = append(args, v)
		}
		ids = ids[n:]
		q := `SELECT ` + donorCols + ` FROM fund_donors WHERE member_id = ? AND id IN (?` + strings.Repeat(`, ?`, n-1) + `)`
		if err := func() error {
			rows, err := s.db.Query(ctx, q, args...)
			if err != nil {
				return errs.Wrapf(err, "donor: refs")
			}
			defer rows.Close()
			for rows.Next() {
				d, err := scanDonor(rows)
				if err != nil {
					return errs.Wrapf(err, "donor: refs")
				}
				out[d.ID] = d.Ref()
			}
			return rows.Err()
		}(); err != nil {
			return nil, err
		}
	}
	// Merged donors (few): the live donor at the end of the chain.
	for id, r := range out {
		if r.MergedInto == 0 {
			continue
		}
		live, err := s.Donor(ctx, memberID, id)
		if err != nil {
			return nil, err
		}
		out[id] = live
	}
	return out, nil
}
