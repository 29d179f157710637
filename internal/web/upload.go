package web

import (
	"errors"
	"net/http"

	"github.com/tadamun/tadamun/internal/limits"
)

// uploadTooLarge returns the limits.body error when err comes from a form
// bigger than the upload limit, else nil: the form then looks as if a file
// were missing, and the person must be told why.
func uploadTooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return limits.Body(mbe.Limit)
	}
	return nil
}
