// On Linux the poll backend waits with ppoll(2), whose timespec timeout keeps
// sub-millisecond timeouts exact instead of rounding them up to 1 ms
// (https://man7.org/linux/man-pages/man2/ppoll.2.html). A nil signal mask
// leaves the thread's mask alone, so ppoll behaves as poll otherwise.

package poller

import (
	"time"

	"golang.org/x/sys/unix"
)

// pollSyscall names the wait system call in errors.
const pollSyscall = "ppoll"

// pollWait waits for fds like ppoll(2), using *ts as scratch for the timeout.
// A negative timeout waits forever.
func pollWait(fds []unix.PollFd, timeout time.Duration, ts *unix.Timespec) (int, error) {
	return unix.Ppoll(fds, durationToTimespec(timeout, ts), nil)
}
