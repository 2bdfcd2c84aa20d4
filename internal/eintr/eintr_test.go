//go:build unix

package eintr_test

import (
	"errors"
	"testing"

	"github.com/geventgo/gevent/internal/eintr"
	"golang.org/x/sys/unix"
)

func TestRetry(t *testing.T) {
	errOther := errors.New("other")
	for _, tc := range []struct {
		name    string
		results []error // what fn returns, call after call
		wantErr error
		calls   int
	}{
		{"nil at once", []error{nil}, nil, 1},
		{"EINTR then nil", []error{unix.EINTR, unix.EINTR, nil}, nil, 3},
		{"EINTR then another error", []error{unix.EINTR, errOther}, errOther, 2},
		{"EAGAIN is not retried", []error{unix.EAGAIN, nil}, unix.EAGAIN, 1},
	} {
		calls := 0
		v, err := eintr.Retry(func() (int, error) {
			err := tc.results[calls]
			calls++
			return calls, err
		})
		if err != tc.wantErr || calls != tc.calls || v != tc.calls {
			t.Errorf("%s: Retry = %d, %v after %d calls; want %d, %v after %d", tc.name, v, err, calls, tc.calls, tc.wantErr, tc.calls)
		}
	}
}
