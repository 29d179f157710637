package registry

import "time"

// SetStreamSpan sets how many household ids one segment of EachHousehold
// covers and returns a function that restores it.
func SetStreamSpan(n int64) (restore func()) {
	old := streamSpan
	streamSpan = n
	return func() { streamSpan = old }
}

// SetImportBatch sets how many checked rows make a batch for the import's
// writer and returns a function that restores it.
func SetImportBatch(n int) (restore func()) {
	old := importBatch
	importBatch = n
	return func() { importBatch = old }
}

// SetNow makes s read the time from now (the age filters at 29 February).
func (s *Service) SetNow(now func() time.Time) { s.now = now }

// StreamPersonsQuery is EachHousehold's query of a segment's persons.
const StreamPersonsQuery = streamPersons
