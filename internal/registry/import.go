package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/chunked"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/money"

	"github.com/xuri/excelize/v2"
)

// ImportOptions tunes an import. The zero value imports UTF-8 files.
type ImportOptions struct {
	// Encoding of CSV files: "" or "utf-8", or "windows-1256" to decode the
	// legacy Arabic Windows code page. Without it, text that is not UTF-8
	// is reported (with what it would say in Windows-1256) and nothing is
	// imported.
	Encoding string
	// DryRun validates everything, inside the database too, and then
	// rolls back: nothing is written.
	DryRun bool
	// Progress, if set, is called every 10,000 rows and at each file's end
	// with the file's name and the rows read so far.
	Progress func(file string, rows int)
	// MaxErrors caps the problems reported (default 1000); the count of
	// the others is in the error's "more" argument.
	MaxErrors int
	// ConfirmDuplicates is the import's duplicate policy (DuplicatePolicy):
	// every new person is checked against the registry as it stood before
	// the import (Options.Duplicates), and a likely duplicate is a problem
	// of its row, refusing the import, unless the registrar confirmed;
	// then it is a line of ImportBatch.Duplicates, as every possible one
	// is, and the confirmation is recorded in the import's audit record.
	ConfirmDuplicates bool
	// Limits bound the files (bytes, rows, columns, cell length), checked
	// as they are read; zero fields are limits.Default's.
	Limits limits.Limits
}

// ImportCSV imports a households CSV and a members CSV for member memberID,
// all or nothing. A household or person whose reference already exists is
// updated, never duplicated. A bad import returns an errs.Invalid error
// whose Fields hold every problem: Row is the file row (the header is 1),
// Field the column as written in the file, Args["file"] the file.
func (s *Service) ImportCSV(ctx context.Context, memberID int64, hhName string, hh io.Reader, mName string, m io.Reader, opt ImportOptions) (ImportBatch, error) {
	sum := sha256.New()
	lim := opt.Limits.Or()
	ht, err := newCSVTable(hhName, io.TeeReader(limits.Reader(hh, hhName, lim.Uncompressed), sum), opt.Encoding, lim)
	if err != nil {
		return ImportBatch{}, err
	}
	mt, err := newCSVTable(mName, io.TeeReader(limits.Reader(m, mName, lim.Uncompressed), sum), opt.Encoding, lim)
	if err != nil {
		return ImportBatch{}, err
	}
	return s.runImport(ctx, memberID, hhName+", "+mName, sum, ht, mt, opt)
}

// ImportXLSX imports an .xlsx workbook with a households sheet and a members
// sheet (named so in English or Arabic, or else the first two sheets), as
// ImportCSV does. Dates may be Excel dates or text.
func (s *Service) ImportXLSX(ctx context.Context, memberID int64, name string, r io.Reader, opt ImportOptions) (ImportBatch, error) {
	sum := sha256.New()
	f, ht, mt, err := openXLSX(ctx, name, r, sum, opt.Limits.Or())
	if err != nil {
		if limits.Is(err) || ctx.Err() != nil {
			return ImportBatch{}, err
		}
		var re *readError
		if errors.As(err, &re) {
			e := errs.E(errs.Invalid, "import.failed", "file", name)
			e.Fields = append(e.Fields, errs.FieldError{Key: re.key, Args: withFile(re.args, name)})
			return ImportBatch{}, e
		}
		return ImportBatch{}, err
	}
	defer f.Close()
	return s.runImport(ctx, memberID, name, sum, ht, mt, opt)
}

func withFile(args map[string]any, file string) map[string]any {
	out := map[string]any{"file": file}
	for k, v := range args {
		out[k] = v
	}
	return out
}

// hhState is what the import knows about one household reference.
type hhState struct {
	id      int64
	row     int32 // row in the households file; 0 when not in it
	heads   int32 // heads after the import, as far as read
	firstM  int32 // first row of the members file that names it
	dbHead  int64 // the head in the database now: 0 none, -1 a new person not yet written
	existed bool
	reg     string // registration date given in the households file
}

// personState is what the import knows about one member reference.
type personState struct {
	id   int64
	hh   *hhState
	head bool
	row  int32 // row in the members file; 0 when not in it
}

type importer struct {
	s        *Service
	tx       *db.Tx
	mi       *memberInfo
	opt      ImportOptions
	today    string
	now      time.Time
	actor    int64
	importID int64
	w        *bulkWriter
	fail     *errs.Error
	problems int
	hh       map[string]*hhState
	persons  map[string]personState // the member's stored persons, by member_ref
	seen     refRows                // member_ref of a new person → its row in the file
	merged   map[string]string      // member_ref of a merged record → the kept record's
	dups     importDuplicates
	batch    ImportBatch

	// cur is the batch being read; full batches go to the writer, which
	// writes them on the import's transaction while the next is read and
	// checked (two cores: one validates, one writes).
	cur      writeBatch
	queue    chan writeBatch
	werr     error         // the writer's first error; read once wfailed or done is closed
	wfailed  chan struct{} // closed when the writer fails
	done     chan struct{} // closed when the writer has written all it was given
	deferred []pendingPerson
	present  map[string]bool // columns of the file being read
	// audit holds the import's audit entries until the end: appending
	// takes the audit log's lock until commit, and a long import must
	// not hold it while it reads files. Each is kept as the entity's id
	// and the SHA-256 of its JSON, so that a million of them stay small.
	audit chunked.Array[auditRef] // in blocks: a growing import never copies them
}

// auditRef is one audit entry of an import, held until the end, in 40
// bytes: the SHA-256 of the entity's JSON, and the entity's id with the
// action (an index in auditActions) in its top byte (ids are below 2⁵⁶:
// a sequence would take 2 billion years at a million rows a second).
type auditRef struct {
	sum      [sha256.Size]byte
	idAction uint64
}

func (r auditRef) action() uint8 { return uint8(r.idAction >> 56) }
func (r auditRef) id() int64     { return int64(r.idAction & (1<<56 - 1)) }

var auditActions = [...]struct{ action, entity string }{{"household.import", "household"}, {"household.update", "household"}, {"person.update", "person"},
	{"person.duplicate_confirmed", "person"}}

// actionDuplicateConfirmed is person.duplicate_confirmed's index in auditActions.
const actionDuplicateConfirmed = 3

// note keeps the audit entry of action (an index in auditActions) on
// entity id with state v.
func (im *importer) note(action uint8, id int64, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("registry: audit state of %T: %v", v, err)) // a Household or a Person always encodes
	}
	im.audit.Add(auditRef{sum: sha256.Sum256(b), idAction: uint64(action)<<56 | uint64(id)})
}

// appendAudit appends the import's held entries and then last, in blocks,
// so that the records being hashed stay few at any time.
func (im *importer) appendAudit(ctx context.Context, last audit.Entry) error {
	const block = 10000
	es := make([]audit.Entry, 0, min(block, im.audit.Len()))
	for i := range im.audit.Len() {
		r := im.audit.At(i)
		a := auditActions[r.action()]
		// The State is the hex SHA-256 of the record's JSON, as
		// audit.StateHash gives it.
		es = append(es, audit.Entry{MemberID: im.mi.ID, Action: a.action, EntityType: a.entity, EntityID: strconv.FormatInt(r.id(), 10),
			State: hex.EncodeToString(r.sum[:])})
		if len(es) == block || i == im.audit.Len()-1 {
			if err := audit.Append(ctx, im.tx, es...); err != nil {
				return err
			}
			es = es[:0]
		}
	}
	im.audit = chunked.Array[auditRef]{}
	return audit.Append(ctx, im.tx, last)
}

// The import's page cache (SQLite) before each batch: half the database,
// at most 2 GiB. Its inserts go all over the name tokens and the persons'
// indexes (keyed by name, national ID, phone, reference and, as persons
// arrive in random order, household): all of the database but the tables,
// which grow at their end. A page that falls out of the cache is read
// again from the write-ahead log, at a cost that grows with the log (SQLite
// looks a page up in the log's index block by block). With 32 MB the rate
// over 4.9 million persons in random order was a third of the rate over 1
// million (issue 15, item 15); over 200,000 and 1,000,000 persons a third
// of the database made 1.08 million page reads at 1 million, a half 0.67
// million.
const (
	importCachePart   = 2
	importCacheMaxMiB = 2048
)

// importBatch is how many checked rows make a batch for the writer; tests
// make it small.
var importBatch = 20000

// writeBatch is rows read and checked, for the writer. A new household or
// person carries the state of its household, where the writer leaves the
// household's id.
type writeBatch struct {
	newHH   []*Household
	newHHSt []*hhState
	updHH   []*Household
	newP    []*Person
	newPSt  []*hhState
	updP    []*Person
	present map[string]bool // columns of the file the rows came from
}

func (b *writeBatch) size() int { return len(b.newHH) + len(b.updHH) + len(b.newP) + len(b.updP) }

// pendingPerson is a person held until everything else is written.
type pendingPerson struct {
	p  *Person
	hs *hhState
}

// startWriter starts the goroutine that writes batches, in order, on im.tx.
// After the first error it only drains the queue.
func (im *importer) startWriter(ctx context.Context) {
	queue, failed, done := make(chan writeBatch, 1), make(chan struct{}), make(chan struct{})
	im.queue, im.wfailed, im.done = queue, failed, done
	go func() {
		defer close(done)
		for b := range queue {
			if im.werr != nil {
				continue
			}
			if err := im.write(ctx, &b); err != nil {
				im.werr = err
				close(failed)
			}
		}
	}()
}

// stopWriter waits for the writer to write what it was given and returns
// its error. It may be called more than once.
func (im *importer) stopWriter() error {
	if im.queue != nil {
		close(im.queue)
		im.queue = nil
	}
	if im.done == nil {
		return nil
	}
	<-im.done
	return im.werr
}

// writerFailed returns the writer's error if it has failed.
func (im *importer) writerFailed() error {
	select {
	case <-im.wfailed:
		return im.werr
	default:
		return nil
	}
}

var errDryRun = errors.New("registry: dry run")

func (s *Service) runImport(ctx context.Context, memberID int64, files string, sum hash.Hash, ht, mt table, opt ImportOptions) (ImportBatch, error) {
	if err := auth.RequireMember(ctx, auth.RegistryWrite, memberID); err != nil {
		return ImportBatch{}, err
	}
	mi, err := s.memberInfo(ctx, memberID)
	if err != nil {
		return ImportBatch{}, err
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 1000
	}
	im := &importer{s: s, mi: mi, opt: opt, today: s.today(), now: s.now(), actor: actorID(ctx),
		w: newBulkWriter(), fail: errs.E(errs.Invalid, "import.failed", "file", files),
		hh: map[string]*hhState{}, persons: map[string]personState{}, seen: newRefRows(), merged: map[string]string{},
		dups: importDuplicates{check: s.dup, member: memberID, refuse: !opt.ConfirmDuplicates}}
	im.batch = ImportBatch{MemberID: memberID, Files: files, ActorID: im.actor, At: im.now, DuplicatesConfirmed: opt.ConfirmDuplicates && s.dup != nil}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		im.tx = tx
		defer im.w.close()
		// The name-token b-tree takes inserts all over its key space;
		// with a small page cache a big import spends its time
		// re-reading pages. 32 MB to begin with, and more as the
		// database grows (ScaleCache before each batch).
		if err := tx.LargeCache(ctx, 32); err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO registry_imports (member_id, files, sha256, households_new, households_upd, persons_new, persons_upd, actor_id, at)
			VALUES (?, ?, '', 0, 0, 0, 0, ?, ?) RETURNING id`, memberID, files, im.actor, im.now)
		if err != nil {
			return err
		}
		im.importID, im.batch.ID = id, id
		if err := im.preload(ctx); err != nil {
			return err
		}
		// A first load into an empty registry has nothing to duplicate
		// there; its rows are still compared with each other.
		im.dups.empty = len(im.persons) == 0
		im.startWriter(ctx)
		defer im.stopWriter() // on every way out: nothing may use tx after it ends
		if err := im.readHouseholds(ctx, ht); err != nil {
			return err
		}
		if err := im.readMembers(ctx, mt); err != nil {
			return err
		}
		im.checkHeads()
		if err := im.flushAll(ctx); err != nil {
			return err
		}
		if err := im.stopWriter(); err != nil {
			return err
		}
		if len(im.fail.Fields) > 0 {
			return im.fail
		}
		// The writer is done: the rest is written here.
		for _, d := range im.deferred {
			if d.p.ID == 0 {
				im.cur.newP, im.cur.newPSt = append(im.cur.newP, d.p), append(im.cur.newPSt, d.hs)
			} else {
				im.cur.updP = append(im.cur.updP, d.p)
			}
		}
		im.cur.present = im.present
		if err := im.write(ctx, &im.cur); err != nil {
			return err
		}
		im.batch.Duplicates, im.batch.DuplicatesFound, im.batch.DuplicatesLikely = im.dups.lines, im.dups.found, im.dups.likely
		im.noteConfirmed()
		im.batch.SHA256 = hex.EncodeToString(sum.Sum(nil))
		b := im.batch
		if _, err := tx.Exec(ctx, `UPDATE registry_imports SET sha256 = ?, households_new = ?, households_upd = ?, persons_new = ?, persons_upd = ? WHERE id = ?`,
			b.SHA256, b.HouseholdsNew, b.HouseholdsUpd, b.PersonsNew, b.PersonsUpd, b.ID); err != nil {
			return err
		}
		// The batch record hashes both files, so every person row is covered.
		if err := im.appendAudit(ctx, audit.Entry{MemberID: memberID, Action: "registry.import", EntityType: "registry_import",
			EntityID: strconv.FormatInt(b.ID, 10), State: b}); err != nil {
			return err
		}
		if opt.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return im.batch, nil
	}
	if err == nil {
		s.stale(memberID) // the next registration is checked against the new persons
	}
	if b := im.batch; err == nil && b.HouseholdsNew+b.HouseholdsUpd+b.PersonsNew+b.PersonsUpd >= 10000 {
		// The import is in; tidying up after it is best effort.
		if err := s.db.AfterBulkWrite(ctx, s.bulkTables()...); err != nil {
			slog.WarnContext(ctx, "registry: after import", "batch", b.ID, "err", err)
		}
	}
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Code != errs.Internal {
			return ImportBatch{}, err
		}
		return ImportBatch{}, errs.Wrapf(err, "registry: import %s", files)
	}
	return im.batch, nil
}

// problem records one problem; it reports whether more may be recorded.
func (im *importer) problem(file string, row int, field, key string, args map[string]any) {
	im.problems++
	if len(im.fail.Fields) >= im.opt.MaxErrors {
		im.fail.Args["more"] = im.problems - len(im.fail.Fields)
		return
	}
	im.fail.Fields = append(im.fail.Fields, errs.FieldError{Field: field, Row: row, Key: key, Args: withFile(args, file)})
}

func (im *importer) failed() bool { return len(im.fail.Fields) > 0 }

// preload reads the member's existing household and person references.
func (im *importer) preload(ctx context.Context) error {
	byID := map[int64]*hhState{}
	rows, err := im.tx.Query(ctx, `SELECT id, household_ref FROM households WHERE member_id = ?`, im.mi.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		st := &hhState{existed: true}
		var ref string
		if err := rows.Scan(&st.id, &ref); err != nil {
			rows.Close()
			return err
		}
		im.hh[ref], byID[st.id] = st, st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = im.tx.Query(ctx, `SELECT id, member_ref, household_id, relationship FROM persons WHERE member_id = ?`, im.mi.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ps personState
		var ref, rel string
		var hid int64
		if err := rows.Scan(&ps.id, &ref, &hid, &rel); err != nil {
			return err
		}
		ps.hh, ps.head = byID[hid], rel == "head"
		if ps.head {
			ps.hh.heads++
			ps.hh.dbHead = ps.id
		}
		im.persons[ref] = ps
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return im.preloadMerged(ctx)
}

// header reads a table's header row and maps columns.
type header struct {
	names   []string       // as written
	col     map[string]int // canonical name → index
	attrs   []int          // columns kept as custom attributes
	written map[string]string
}

func (im *importer) readHeader(t table, cols []Column) (*header, bool) {
	rec, row, err := t.Next()
	if err == io.EOF {
		im.problem(t.Name(), 1, "", "registry.empty_file", nil)
		return nil, false
	}
	if err != nil {
		im.readProblem(t, nil, row, err)
		return nil, false
	}
	idx := headerIndex(cols)
	h := &header{col: map[string]int{}, written: map[string]string{}}
	ok := true
	for i, name := range rec {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		h.names = append(h.names, name)
		if name == "" {
			continue
		}
		c, known := idx[headerKey(name)]
		if !known {
			h.attrs = append(h.attrs, i)
			continue
		}
		if prev, dup := h.col[c]; dup {
			im.problem(t.Name(), 1, name, "registry.duplicate_column", map[string]any{"column": name, "first": h.names[prev]})
			ok = false
		}
		h.col[c], h.written[c] = i, name
	}
	for _, c := range cols {
		if _, have := h.col[c.Name]; c.Required && !have {
			im.problem(t.Name(), 1, c.Name, "import.missing_column", map[string]any{"column": c.Name})
			ok = false
		}
	}
	im.present = map[string]bool{}
	for c := range h.col {
		im.present[c] = true
	}
	return h, ok
}

func (im *importer) readProblem(t table, h *header, row int, err error) {
	var re *readError
	if errors.As(err, &re) {
		field := ""
		if re.col > 0 {
			field = strconv.Itoa(re.col)
			if h != nil && re.col <= len(h.names) && h.names[re.col-1] != "" {
				field = h.names[re.col-1]
			}
		}
		args := re.args
		if _, ok := args["column"]; ok && field != "" {
			args["column"] = field
		}
		im.problem(t.Name(), re.row, field, re.key, args)
		return
	}
	if limits.Is(err) {
		e := errs.As(err)
		im.problem(t.Name(), row, "", e.Key, e.Args)
		return
	}
	im.problem(t.Name(), row, "", "registry.bad_file", map[string]any{"detail": err.Error()})
}

// cells gives a row's cells by canonical column name.
type cells struct {
	rec []string
	h   *header
	p   *problems
	t   table
	exp int
}

func (c cells) get(name string) string {
	if i, ok := c.h.col[name]; ok && i < len(c.rec) {
		return c.rec[i]
	}
	return ""
}

func (c cells) intp(name string, lo, hi int) *int {
	s := strings.TrimSpace(c.get(name))
	if s == "" {
		return nil
	}
	n, err := arabic.ParseInt(s)
	if err != nil || n < int64(lo) || n > int64(hi) {
		c.p.add(name, "registry.out_of_range", "value", s, "min", lo, "max", hi)
		return nil
	}
	v := int(n)
	return &v
}

func (c cells) money(name string) *int64 {
	s := strings.TrimSpace(c.get(name))
	if s == "" {
		return nil
	}
	d, err := arabic.ParseDecimal(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		c.p.add(name, "registry.bad_amount", "value", s)
		return nil
	}
	v, err := money.Parse(d, c.exp)
	if err != nil {
		c.p.add(name, "registry.bad_amount", "value", s)
		return nil
	}
	return &v
}

func (c cells) yesno(name string) *bool {
	s := strings.TrimSpace(c.get(name))
	if s == "" {
		return nil
	}
	v, ok := yesNo(s)
	if !ok {
		c.p.add(name, "registry.bad_yes_no", "value", s)
		return nil
	}
	return &v
}

// date returns a date cell as text for checkDate, turning Excel serial
// numbers into dates.
func (c cells) date(name string) string {
	s := strings.TrimSpace(c.get(name))
	if c.t.ExcelDates() && s != "" && strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }) < 0 {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 100000 {
			if t, err := excelize.ExcelDateToTime(f, false); err == nil {
				return t.Format(time.DateOnly)
			}
		}
	}
	return s
}

func (c cells) attrs() map[string]string {
	if len(c.h.attrs) == 0 {
		return nil
	}
	m := make(map[string]string, len(c.h.attrs))
	for _, i := range c.h.attrs {
		if i < len(c.rec) {
			if v := strings.TrimSpace(c.rec[i]); v != "" {
				m[c.h.names[i]] = v
			}
		}
	}
	return m
}

func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// rowProblems reports a row's problems with the column names as written.
func (im *importer) rowProblems(t table, h *header, row int, p *problems) {
	for _, f := range p.fields {
		field := f.Field
		if w, ok := h.written[field]; ok {
			field = w
		}
		im.problem(t.Name(), row, field, f.Key, f.Args)
	}
}

func (im *importer) progress(t table, row int, done bool) {
	if im.opt.Progress != nil && (done || row%10000 == 0) {
		im.opt.Progress(t.Name(), row-1)
	}
}

func (im *importer) readHouseholds(ctx context.Context, t table) error {
	h, ok := im.readHeader(t, HouseholdColumns)
	if !ok {
		return nil
	}
	for {
		rec, row, err := t.Next()
		if err == io.EOF {
			im.progress(t, row, true)
			break
		}
		if row%limits.CheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err != nil {
			im.readProblem(t, h, row, err)
			var re *readError
			if !errors.As(err, &re) || re.key != "registry.not_utf8" {
				break // the rest of the file cannot be trusted
			}
			continue
		}
		im.progress(t, row, false)
		if blank(rec) {
			continue
		}
		if len(rec) != len(h.names) {
			im.problem(t.Name(), row, "", "import.column_count", map[string]any{"got": len(rec), "want": len(h.names)})
			continue
		}
		p := problems{row: row}
		c := cells{rec: rec, h: h, p: &p, t: t, exp: im.mi.Exponent}
		hh := &Household{
			Ref: c.get("household_ref"), Governorate: c.get("governorate"), District: c.get("district"), Locality: c.get("locality"),
			Address: c.get("address"), DwellingType: c.get("dwelling_type"), Rooms: c.intp("rooms", 0, 100),
			WaterSource: c.get("water_source"), Sanitation: c.get("sanitation"), Electricity: c.yesno("electricity"),
			MonthlyIncome: c.money("monthly_income"), RegisteredOn: c.date("registration_date"), Source: c.get("source"),
			Consent: c.yesno("consent"), Attrs: c.attrs(),
			ContactConsent: c.yesno("contact_consent"), ContactLang: c.get("contact_lang"), ContactEmail: c.get("contact_email"),
		}
		if as := strings.TrimSpace(c.get("assets")); as != "" {
			hh.Assets = strings.FieldsFunc(as, func(r rune) bool { return r == ';' || r == '؛' || r == ',' || r == '،' })
		}
		if hh.Source == "" {
			hh.Source = "import"
		}
		hh.normalize(&p, im.mi, im.today)
		st := im.hh[hh.Ref]
		if hh.Ref != "" && st != nil && st.row != 0 {
			p.add("household_ref", "registry.duplicate_household_ref", "ref", hh.Ref, "row", st.row)
		} else if hh.Ref != "" {
			if st == nil {
				// Known even when the row is bad, so that its members
				// are not reported again as naming an unknown household.
				st = &hhState{}
				// Cloned: the ref is a slice of the CSV line, which a
				// map key would otherwise keep alive for the whole import.
				im.hh[strings.Clone(hh.Ref)] = st
			}
			st.row = int32(row)
		}
		if len(p.fields) > 0 {
			im.rowProblems(t, h, row, &p)
			continue
		}
		if im.present["registration_date"] {
			st.reg = hh.RegisteredOn
		}
		hh.Version, hh.CreatedAt, hh.UpdatedAt = 1, im.now, im.now
		if st.existed {
			hh.ID = st.id
			im.cur.updHH = append(im.cur.updHH, hh)
		} else {
			im.cur.newHH, im.cur.newHHSt = append(im.cur.newHH, hh), append(im.cur.newHHSt, st)
		}
		if err := im.maybeFlush(ctx); err != nil {
			return err
		}
	}
	if im.failed() {
		return nil
	}
	if err := im.flushAll(ctx); err != nil {
		return err
	}
	return nil
}

func (im *importer) readMembers(ctx context.Context, t table) error {
	h, ok := im.readHeader(t, MemberColumns)
	if !ok {
		return nil
	}
	for {
		rec, row, err := t.Next()
		if err == io.EOF {
			im.progress(t, row, true)
			break
		}
		if row%limits.CheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err != nil {
			im.readProblem(t, h, row, err)
			var re *readError
			if !errors.As(err, &re) || re.key != "registry.not_utf8" {
				break
			}
			continue
		}
		im.progress(t, row, false)
		if blank(rec) {
			continue
		}
		if len(rec) != len(h.names) {
			im.problem(t.Name(), row, "", "import.column_count", map[string]any{"got": len(rec), "want": len(h.names)})
			continue
		}
		p := problems{row: row}
		c := cells{rec: rec, h: h, p: &p, t: t, exp: im.mi.Exponent}
		q := &Person{
			HouseholdRef: arabic.Digits(clean(c.get("household_ref"))), Ref: c.get("member_ref"), Relationship: c.get("relationship"),
			FirstName: c.get("first_name"), FatherName: c.get("father_name"), GrandfatherName: c.get("grandfather_name"),
			FamilyName: c.get("family_name"), NameLatin: c.get("name_latin"), Sex: c.get("sex"), BirthDate: c.date("birth_date"),
			NationalID: c.get("national_id"), NationalIDType: c.get("national_id_type"), Phone: c.get("phone"),
			MaritalStatus: c.get("marital_status"), Education: c.get("education"), EmploymentStatus: c.get("employment_status"),
			MonthlyIncome: c.money("monthly_income"), Orphan: c.get("orphan"), Attrs: c.attrs(),
		}
		for i, name := range WGDomains {
			if v := c.intp(name, 1, 4); v != nil {
				q.Disability[i] = int8(*v)
			}
		}
		if v := c.yesno("pregnant"); v != nil {
			q.Pregnant = *v
		}
		q.normalize(&p, im.mi, im.today)
		hs := im.hh[q.HouseholdRef]
		switch {
		case q.HouseholdRef == "":
			p.add("household_ref", "error.required")
		case hs == nil:
			p.add("household_ref", "registry.unknown_household", "ref", q.HouseholdRef)
		case hs.reg != "" && q.BirthDate > hs.reg:
			p.add("birth_date", "registry.birth_after_registration", "birth", q.BirthDate, "registered", hs.reg)
		}
		old, exists := im.persons[q.Ref]
		first, again := int32(0), false
		if !exists {
			first, again = im.seen.get(q.Ref)
		}
		switch {
		case q.Ref == "":
		case again:
			p.add("member_ref", "registry.duplicate_member_ref", "ref", q.Ref, "row", first)
		case exists && old.row != 0:
			p.add("member_ref", "registry.duplicate_member_ref", "ref", q.Ref, "row", old.row)
		case exists && im.merged[q.Ref] != "":
			p.add("member_ref", "registry.merged_ref", "ref", q.Ref, "into", im.merged[q.Ref])
		case exists && hs != nil && old.hh != hs:
			p.add("member_ref", "registry.member_in_other_household", "ref", q.Ref)
		}
		if !exists && !again && len(p.fields) == 0 {
			// The real-time check against the registry as it stood.
			if err := im.dups.person(ctx, t.Name(), row, q, &p); err != nil {
				return err
			}
		}
		if len(p.fields) > 0 {
			im.rowProblems(t, h, row, &p)
			if q.Ref != "" && !exists && !again {
				im.seen.set(q.Ref, int32(row)) // later duplicates are still found
			}
			continue
		}
		if hs.firstM == 0 {
			hs.firstM = int32(row)
		}
		head := q.Relationship == "head"
		// Cloned: the ref is a slice of the CSV line, which a map key would
		// keep alive for the whole import (storing under an equal key
		// replaces the key).
		if exists {
			im.persons[strings.Clone(q.Ref)] = personState{id: old.id, hh: hs, head: head, row: int32(row)}
		} else {
			// A new person needs only its row: any later row with its
			// ref is a duplicate.
			im.seen.set(q.Ref, int32(row))
		}
		switch {
		case exists && old.head && !head:
			hs.heads--
		case exists && !old.head && head:
			hs.heads++
		case !exists && head:
			hs.heads++
		}
		q.Version, q.CreatedAt, q.UpdatedAt = 1, im.now, im.now
		if hs.existed {
			q.HouseholdID = hs.id // a new household's id is the writer's to give
		}
		q.ID = old.id
		if exists && old.head && !head && hs.dbHead == old.id {
			hs.dbHead = 0 // written in order, before any deferred promotion
		}
		switch {
		case head && hs.dbHead != 0 && hs.dbHead != old.id:
			// The household's present head steps down later in the file
			// (or the file is wrong, which checkHeads reports): promote
			// after everything else is written.
			im.deferred = append(im.deferred, pendingPerson{q, hs})
			continue
		case head:
			hs.dbHead = -1
			if exists {
				hs.dbHead = old.id
			}
		}
		if exists {
			im.cur.updP = append(im.cur.updP, q)
		} else {
			im.cur.newP, im.cur.newPSt = append(im.cur.newP, q), append(im.cur.newPSt, hs)
		}
		if err := im.maybeFlush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// checkHeads reports every household of the import that would not have
// exactly one head.
func (im *importer) checkHeads() {
	for ref, st := range im.hh {
		if st.row == 0 && st.firstM == 0 {
			continue // not touched by this import
		}
		if st.heads == 1 {
			continue
		}
		file, row := "households", int(st.row)
		if row == 0 {
			file, row = "members", int(st.firstM)
		}
		key := "registry.no_head"
		if st.heads > 1 {
			key = "registry.two_heads"
		}
		im.problem(im.fileName(file), row, "household_ref", key, map[string]any{"ref": ref, "count": st.heads})
	}
}

func (im *importer) fileName(which string) string {
	files := strings.Split(im.batch.Files, ", ")
	if which == "members" && len(files) > 1 {
		return files[1]
	}
	return files[0]
}

func (im *importer) maybeFlush(ctx context.Context) error {
	if im.failed() {
		// Nothing will be written: keep validating without holding rows.
		im.cur = writeBatch{}
		return nil
	}
	if im.cur.size() < importBatch {
		return nil
	}
	return im.flushAll(ctx)
}

// flushAll hands the batch read so far to the writer.
func (im *importer) flushAll(ctx context.Context) error {
	if im.failed() || im.cur.size() == 0 {
		return nil
	}
	if err := im.writerFailed(); err != nil {
		return err
	}
	im.cur.present = im.present
	select {
	case im.queue <- im.cur:
	case <-im.wfailed:
		return im.werr
	case <-ctx.Done():
		return ctx.Err()
	}
	im.cur = writeBatch{}
	return nil
}

// write writes batch b: households first, then persons, whose households
// then all have ids.
func (im *importer) write(ctx context.Context, b *writeBatch) error {
	if err := im.tx.ScaleCache(ctx, importCachePart, importCacheMaxMiB); err != nil {
		return err
	}
	if err := im.writeHouseholds(ctx, b); err != nil {
		return err
	}
	return im.writePersons(ctx, b)
}

func (im *importer) writeHouseholds(ctx context.Context, b *writeBatch) error {
	if len(b.newHH) > 0 {
		if err := im.w.households(ctx, im.tx, b.newHH, im.importID); err != nil {
			return err
		}
		for i, h := range b.newHH {
			b.newHHSt[i].id = h.ID
			im.note(0, h.ID, h)
		}
		im.batch.HouseholdsNew += len(b.newHH)
	}
	if len(b.updHH) > 0 {
		if err := im.updateHouseholds(ctx, b.updHH, b.present); err != nil {
			return err
		}
		im.batch.HouseholdsUpd += len(b.updHH)
	}
	return nil
}

func (im *importer) writePersons(ctx context.Context, b *writeBatch) error {
	if len(b.newP) > 0 {
		for i, p := range b.newP {
			if p.HouseholdID == 0 {
				p.HouseholdID = b.newPSt[i].id
			}
		}
		if err := im.w.persons(ctx, im.tx, b.newP, im.importID); err != nil {
			return err
		}
		var tokens []string
		var ids, sigs, setIDs []int64
		var sets [][]string
		var buf []string
		for _, p := range b.newP {
			buf = p.nameTokens(buf[:0])
			sig := nameSig(buf)
			for _, t := range buf {
				tokens = append(tokens, t)
				ids = append(ids, p.ID)
				sigs = append(sigs, sig)
			}
			if len(buf) > 0 && im.s.db.Dialect == db.Postgres {
				sets = append(sets, slices.Clone(buf))
				setIDs = append(setIDs, p.ID)
			}
		}
		// In index order, the token b-tree is written page by page.
		sort.Sort(byToken{tokens, ids, sigs})
		if err := im.w.names(ctx, im.tx, im.mi.ID, tokens, ids, sigs, sets, setIDs); err != nil {
			return err
		}
		im.batch.PersonsNew += len(b.newP)
	}
	if len(b.updP) > 0 {
		if err := im.updatePersons(ctx, b.updP, b.present); err != nil {
			return err
		}
		im.batch.PersonsUpd += len(b.updP)
	}
	return nil
}

// updateHouseholds writes re-imported households over the stored ones,
// keeping what the file has no column for, with history and audit.
func (im *importer) updateHouseholds(ctx context.Context, hs []*Household, present map[string]bool) error {
	ids := make([]any, len(hs))
	for i, h := range hs {
		ids[i] = h.ID
	}
	old, err := storedByID(ctx, im.tx, `SELECT `+householdCols+` FROM households h WHERE h.id IN `, ids,
		func(r scanner) (Household, error) { return scanHousehold(r) }, func(h Household) int64 { return h.ID })
	if err != nil {
		return err
	}
	var hist []historyRow
	for _, h := range hs {
		o := old[h.ID]
		keepHousehold(h, &o, present)
		changes := diff(o.fields(im.mi.Exponent), h.fields(im.mi.Exponent))
		if len(changes) == 0 {
			continue
		}
		h.Version, h.CreatedAt = o.Version+1, o.CreatedAt
		if _, err := im.tx.Exec(ctx, householdUpdate, householdUpdateArgs(h)...); err != nil {
			return err
		}
		for _, c := range changes {
			hist = append(hist, historyRow{household: h.ID, action: "import", c: c})
		}
		im.note(1, h.ID, h)
	}
	return writeHistory(ctx, im.tx, im.mi.ID, im.actor, im.importID, im.now, hist)
}

// storedByID reads the stored records with the given ids, 500 per query:
// query ends with "IN ", and the id list is appended to it.
func storedByID[T any](ctx context.Context, tx *db.Tx, query string, ids []any, scan func(scanner) (T, error), id func(T) int64) (map[int64]T, error) {
	out := make(map[int64]T, len(ids))
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		rows, err := tx.Query(ctx, query+`(?`+strings.Repeat(", ?", len(part)-1)+`)`, part...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[id(v)] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// keepHousehold copies into h the stored values of the columns the file
// does not have.
func keepHousehold(h, old *Household, present map[string]bool) {
	for _, c := range HouseholdColumns {
		if present[c.Name] {
			continue
		}
		switch c.Name {
		case "governorate":
			h.Governorate = old.Governorate
		case "district":
			h.District = old.District
		case "locality":
			h.Locality = old.Locality
		case "dwelling_type":
			h.DwellingType = old.DwellingType
		case "rooms":
			h.Rooms = old.Rooms
		case "water_source":
			h.WaterSource = old.WaterSource
		case "sanitation":
			h.Sanitation = old.Sanitation
		case "electricity":
			h.Electricity = old.Electricity
		case "assets":
			h.Assets = old.Assets
		case "monthly_income":
			h.MonthlyIncome = old.MonthlyIncome
		case "address":
			h.Address = old.Address
		case "registration_date":
			h.RegisteredOn = old.RegisteredOn
		case "consent":
			h.Consent = old.Consent
		case "contact_consent":
			h.ContactConsent = old.ContactConsent
		case "contact_lang":
			h.ContactLang = old.ContactLang
		case "contact_email":
			h.ContactEmail = old.ContactEmail
		case "source":
			h.Source = old.Source
		}
	}
	h.Attrs = mergeAttrs(old.Attrs, h.Attrs)
}

func mergeAttrs(old, new map[string]string) map[string]string {
	if len(old) == 0 {
		return new
	}
	out := cloneAttrs(old)
	for k, v := range new {
		out[k] = v
	}
	return out
}

// keepPerson copies into q the stored values of the columns the file does
// not have.
func keepPerson(q, old *Person, present map[string]bool) {
	for _, c := range MemberColumns {
		if present[c.Name] {
			continue
		}
		switch c.Name {
		case "father_name":
			q.FatherName = old.FatherName
		case "grandfather_name":
			q.GrandfatherName = old.GrandfatherName
		case "family_name":
			q.FamilyName = old.FamilyName
		case "name_latin":
			q.NameLatin = old.NameLatin
		case "birth_date":
			q.BirthDate = old.BirthDate
		case "national_id":
			q.NationalID, q.IDKey = old.NationalID, old.IDKey
		case "national_id_type":
			q.NationalIDType = old.NationalIDType
		case "phone":
			q.Phone, q.PhoneKey = old.Phone, old.PhoneKey
		case "marital_status":
			q.MaritalStatus = old.MaritalStatus
		case "education":
			q.Education = old.Education
		case "employment_status":
			q.EmploymentStatus = old.EmploymentStatus
		case "monthly_income":
			q.MonthlyIncome = old.MonthlyIncome
		case "orphan":
			q.Orphan = old.Orphan
		case "pregnant":
			q.Pregnant = old.Pregnant
		default:
			for i, d := range WGDomains {
				if d == c.Name {
					q.Disability[i] = old.Disability[i]
				}
			}
		}
	}
	q.Attrs = mergeAttrs(old.Attrs, q.Attrs)
	q.NameKey = arabic.NameKey(q.FullName())
}

// updatePersons writes re-imported persons over the stored ones, with
// history and one audit record per changed person.
func (im *importer) updatePersons(ctx context.Context, ps []*Person, present map[string]bool) error {
	ids := make([]any, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	old, err := storedByID(ctx, im.tx, `SELECT `+personCols+personFrom+` WHERE p.id IN `, ids, scanPerson, func(p Person) int64 { return p.ID })
	if err != nil {
		return err
	}
	var hist []historyRow
	for _, q := range ps {
		o := old[q.ID]
		keepPerson(q, &o, present)
		changes := diff(o.fields(im.mi.Exponent), q.fields(im.mi.Exponent))
		if len(changes) == 0 {
			continue
		}
		q.CreatedAt, q.Version = o.CreatedAt, o.Version+1
		if err := im.s.updatePerson(ctx, im.tx, &o, q, o.Version); err != nil {
			return err
		}
		for _, c := range changes {
			hist = append(hist, historyRow{household: q.HouseholdID, person: q.ID, action: "import", c: c})
		}
		im.note(2, q.ID, q)
	}
	return writeHistory(ctx, im.tx, im.mi.ID, im.actor, im.importID, im.now, hist)
}

// ImportFailure is one problem of a failed import, for reports.
type ImportFailure struct {
	File, Column string
	Row          int
	Key          string
	Args         map[string]any
}

// Failures lists the problems of an import error, in order.
func Failures(err error) []ImportFailure {
	var e *errs.Error
	if !errors.As(err, &e) {
		return nil
	}
	out := make([]ImportFailure, 0, len(e.Fields))
	for _, f := range e.Fields {
		file, _ := f.Args["file"].(string)
		out = append(out, ImportFailure{File: file, Column: f.Field, Row: f.Row, Key: f.Key, Args: f.Args})
	}
	return out
}

// bulkTables are the tables an import writes in bulk, for AfterBulkWrite.
func (s *Service) bulkTables() []string {
	if s.db.Dialect == db.Postgres {
		return []string{"households", "persons", "person_names", "person_tokens"}
	}
	return []string{"households", "persons", "person_names"}
}

// byToken sorts name tokens with their person ids by (token, id).
type byToken struct {
	t       []string
	id, sig []int64
}

func (b byToken) Len() int { return len(b.t) }
func (b byToken) Less(i, j int) bool {
	return b.t[i] < b.t[j] || b.t[i] == b.t[j] && b.id[i] < b.id[j]
}
func (b byToken) Swap(i, j int) {
	b.t[i], b.t[j] = b.t[j], b.t[i]
	b.id[i], b.id[j] = b.id[j], b.id[i]
	b.sig[i], b.sig[j] = b.sig[j], b.sig[i]
}
