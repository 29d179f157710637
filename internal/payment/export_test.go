package payment

// SetStatusChunk makes SQLite apply a status file in ranges of n staged
// rows, for a test; it returns the function that restores the size.
func SetStatusChunk(n int64) (restore func()) {
	old := statusChunk
	statusChunk = n
	return func() { statusChunk = old }
}
