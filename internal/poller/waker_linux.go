// Facts about eventfd that shape this file (eventfd(2),
// https://man7.org/linux/man-pages/man2/eventfd.2.html):
//
//   - An eventfd is a 64-bit counter behind one descriptor. write adds an 8-byte
//     value in host byte order, read returns the counter and sets it to zero
//     (without EFD_SEMAPHORE), and the descriptor polls readable while the
//     counter is not zero. That is all a waker needs: one descriptor instead of
//     a pipe's two, and no pipe buffer to fill up.
//   - With EFD_NONBLOCK, read on a zero counter and a write that would overflow
//     it fail with EAGAIN. Neither is an error here: the first means there was
//     nothing to drain, the second that a wake-up is already pending.
//   - The runtime wakes its netpoller the same way (runtime/netpoll_epoll.go,
//     netpollBreak) and de-duplicates with a CAS flag, as wakeGate does.
//
// The eventfd is registered level-triggered (EPOLLIN without EPOLLET), again as
// in the runtime: if a drain were ever skipped, the next Wait would see the
// descriptor again instead of losing the wake-up.

package poller

import (
	"encoding/binary"
	"os"

	"github.com/geventgo/gevent/internal/eintr"
	"golang.org/x/sys/unix"
)

// wakeValue is the 8-byte, host-order 1 that Wake writes to the eventfd. It is
// only ever read.
var wakeValue = binary.NativeEndian.AppendUint64(nil, 1)

// waker makes a Wait return from another goroutine. On Linux it is an eventfd
// that both the epoll and the poll backend watch for reading.
//
// wake may be called from any goroutine; fd, drain and close belong to the
// goroutine that owns the Poller. A waker must not be copied.
type waker struct {
	efd  int      // the eventfd; immutable until close
	gate wakeGate // coalesces wake calls; guards efd against close
	rbuf [8]byte  // drain's read buffer; owner-only
}

// newWaker returns a waker backed by a new non-blocking, close-on-exec eventfd.
func newWaker() (*waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("eventfd", err)
	}
	return &waker{efd: fd}, nil
}

// fd returns the descriptor to watch for reading.
func (w *waker) fd() int { return w.efd }

// wake makes the watched descriptor readable unless a wake-up is already
// pending. It returns errClosed after close and nil otherwise, unless the
// write fails.
func (w *waker) wake() error {
	ok, err := w.gate.enter()
	if !ok {
		return err
	}
	defer w.gate.leave()
	_, err = eintr.Retry(func() (int, error) { return unix.Write(w.efd, wakeValue) })
	if err != nil && err != unix.EAGAIN {
		return os.NewSyscallError("write", err)
	}
	return nil
}

// drain consumes a pending wake-up and re-arms wake. Wait calls it when the
// descriptor is readable. The counter is read before the gate is reset; see
// wakeGate for why the order matters.
func (w *waker) drain() {
	// A read error can only be EAGAIN (nothing to drain): an eventfd read of
	// 8 bytes has no other failure once the descriptor is open.
	_, _ = eintr.Retry(func() (int, error) { return unix.Read(w.efd, w.rbuf[:]) })
	w.gate.reset()
}

// close waits for a wake in progress, makes later wakes return errClosed and
// closes the eventfd. A second close returns errClosed.
func (w *waker) close() error {
	if !w.gate.shut() {
		return errClosed
	}
	if err := unix.Close(w.efd); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}
