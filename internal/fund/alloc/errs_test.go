package alloc_test

import (
	"errors"

	"github.com/tadamun/tadamun/internal/errs"
)

func errsAs(err error, e **errs.Error) bool { return errors.As(err, e) }
