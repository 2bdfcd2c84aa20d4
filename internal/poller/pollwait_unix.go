//go:build unix && !linux

// Outside Linux the poll backend waits with poll(2), which takes milliseconds:
// positive timeouts are rounded up, never down to a non-blocking 0. ppoll
// exists on some BSDs but not everywhere x/sys supports poll, and the BSDs
// default to kqueue anyway.

package poller

import (
	"time"

	"golang.org/x/sys/unix"
)

// pollSyscall names the wait system call in errors.
const pollSyscall = "poll"

// pollWait waits for fds like poll(2). ts is unused; it keeps the signature of
// the Linux version. A negative timeout waits forever.
func pollWait(fds []unix.PollFd, timeout time.Duration, _ *unix.Timespec) (int, error) {
	return unix.Poll(fds, durationToMillis(timeout))
}
