//go:build unix && !linux

// Facts about the self-pipe that shape this file:
//
//   - Without eventfd, the portable way to make poll(2) or kevent return from
//     another thread is a pipe whose read end is watched (D. J. Bernstein, "The
//     self-pipe trick", https://cr.yp.to/docs/selfpipe.html; libev and libuv do
//     the same). Both ends are non-blocking: a full pipe already means a
//     wake-up is pending, and the drain reads until EAGAIN.
//   - pipe2(O_CLOEXEC) is missing on macOS and AIX, so the pipe is made with
//     pipe(2) and marked close-on-exec under syscall.ForkLock, as package os
//     does, so that a concurrent fork+exec cannot inherit it.
//   - wakeGate coalesces Wake calls, so at most one byte is in the pipe per
//     Wait and the pipe never fills in practice.
//
// The kqueue backend uses this waker only where EVFILT_USER is missing
// (NetBSD and OpenBSD in golang.org/x/sys); the poll backend uses it on every
// unix except Linux.

package poller

import (
	"os"
	"syscall"

	"github.com/geventgo/gevent/internal/eintr"
	"golang.org/x/sys/unix"
)

// wakeByte is what wake writes to the pipe. It is only ever read.
var wakeByte = []byte{1}

// waker makes a Wait return from another goroutine: a self-pipe whose read end
// the backend watches for reading.
//
// wake may be called from any goroutine; fd, drain and close belong to the
// goroutine that owns the Poller. A waker must not be copied.
type waker struct {
	r, w int      // pipe ends; immutable until close
	gate wakeGate // coalesces wake calls; guards w against close
	rbuf [64]byte // drain's read buffer; owner-only
}

// newWaker returns a waker backed by a new non-blocking, close-on-exec pipe.
func newWaker() (*waker, error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, os.NewSyscallError("pipe", err)
	}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return nil, os.NewSyscallError("fcntl", err)
		}
	}
	return &waker{r: p[0], w: p[1]}, nil
}

// fd returns the descriptor to watch for reading.
func (w *waker) fd() int { return w.r }

// wake makes the watched descriptor readable unless a wake-up is already
// pending. It returns errClosed after close and nil otherwise, unless the
// write fails.
func (w *waker) wake() error {
	ok, err := w.gate.enter()
	if !ok {
		return err
	}
	defer w.gate.leave()
	_, err = eintr.Retry(func() (int, error) { return unix.Write(w.w, wakeByte) })
	if err != nil && err != unix.EAGAIN {
		return os.NewSyscallError("write", err)
	}
	return nil
}

// drain consumes pending wake-ups and re-arms wake. Wait calls it when the
// descriptor is readable. The pipe is emptied before the gate is reset; see
// wakeGate for why the order matters.
func (w *waker) drain() {
	for {
		n, err := eintr.Retry(func() (int, error) { return unix.Read(w.r, w.rbuf[:]) })
		if err != nil || n < len(w.rbuf) {
			break
		}
	}
	w.gate.reset()
}

// close waits for a wake in progress, makes later wakes return errClosed and
// closes both ends of the pipe. A second close returns errClosed.
func (w *waker) close() error {
	if !w.gate.shut() {
		return errClosed
	}
	errR := unix.Close(w.r)
	errW := unix.Close(w.w)
	if errR == nil {
		errR = errW
	}
	if errR != nil {
		return os.NewSyscallError("close", errR)
	}
	return nil
}
