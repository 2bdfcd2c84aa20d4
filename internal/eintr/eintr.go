//go:build unix

// Package eintr retries system calls that a signal interrupted, as
// internal/poll's ignoringEINTR does for package os and net.
//
// The Go runtime installs its signal handlers with SA_RESTART, but some calls
// fail with EINTR regardless (signal(7), "Interruption of system calls and
// library functions by signal handlers",
// https://man7.org/linux/man-pages/man7/signal.7.html), and the runtime's
// preemption signal (SIGURG) arrives often. Only calls that can be repeated
// without effect are retried this way: never close(2), whose descriptor is
// gone even when it reports EINTR, and not the blocking waits of the
// poller, which treat EINTR as "no events" and recompute their timeout.
package eintr

import "golang.org/x/sys/unix"

// Retry calls fn until it returns an error other than EINTR, and returns
// what that call returned.
func Retry[T any](fn func() (T, error)) (T, error) {
	for {
		v, err := fn()
		if err != unix.EINTR {
			return v, err
		}
	}
}
