//go:build unix

// Facts about poll(2) that shape this file (poll(2),
// https://pubs.opengroup.org/onlinepubs/9799919799/functions/poll.html,
// https://man7.org/linux/man-pages/man2/poll.2.html):
//
//   - poll is level-triggered and stateless: the whole set goes to the kernel on
//     every call, so Wait costs O(registered descriptors). It is the portable
//     backend, forced with GEVENT_BACKEND=poll, and the test suite runs against
//     it on every host (mio's force-poll mode, libev's EVBACKEND_POLL).
//   - POLLERR, POLLHUP and POLLNVAL are reported even when events is 0. A
//     registration that wants nothing therefore keeps its slot but polls fd -1,
//     which poll skips and reports as revents 0; otherwise a hung-up descriptor
//     nobody asked about would make every Wait return at once.
//   - POLLHUP may come without POLLIN when a pipe's writer is gone, and POLLNVAL
//     means the descriptor was closed without Delete. Both make both directions
//     ready, filtered to what the registration wants.
//   - poll takes milliseconds; Linux's ppoll takes a timespec and is used there
//     (pollwait_linux.go, pollwait_unix.go).
//   - Events are reported with the generation current when Wait returns, so the
//     caller can drop those that a callback of the same batch made stale by
//     closing and reusing the number.

package poller

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// pollReg is what the poll backend knows of a registration besides its
// unix.PollFd.
type pollReg struct {
	fd   int32    // the registered descriptor, even while its PollFd says -1
	gen  uint32   // generation for events
	want Interest // Read and Write bits asked for
}

// pollPoller is the level-triggered poll(2) backend. See the package
// documentation for the contract. Only Wake may be called from another
// goroutine.
type pollPoller struct {
	// Registration state; slot 0 is the waker, slots 1.. are registrations.
	fds   []unix.PollFd   // passed to the kernel; Fd is -1 while want is 0
	regs  []pollReg       // parallel to fds
	index map[int32]int32 // registered fd → slot; nil after Close

	wk   *waker        // immutable, never nil
	ts   unix.Timespec // Wait's timeout for ppoll
	next int           // slot after the last one reported into a full buffer
}

// openPoll returns a new poll Poller.
func openPoll() (Poller, error) {
	wk, err := newWaker()
	if err != nil {
		return nil, err
	}
	p := &pollPoller{
		fds:   []unix.PollFd{{Fd: int32(wk.fd()), Events: unix.POLLIN}},
		regs:  []pollReg{{fd: int32(wk.fd()), want: Read}},
		index: make(map[int32]int32),
		wk:    wk,
	}
	return p, nil
}

// Name returns "poll".
func (p *pollPoller) Name() string { return Poll }

// EdgeTriggered reports false: a descriptor is reported by every Wait while it
// is ready and wanted.
func (p *pollPoller) EdgeTriggered() bool { return false }

// Add registers fd for the directions in want. It fails with EEXIST if fd is
// already registered.
func (p *pollPoller) Add(fd int, gen uint32, want Interest) error {
	if p.index == nil {
		return errClosed
	}
	if err := checkFD(fd); err != nil {
		return err
	}
	if _, ok := p.index[int32(fd)]; ok {
		return fmt.Errorf("poller: add fd %d: %w", fd, unix.EEXIST)
	}
	p.index[int32(fd)] = int32(len(p.fds))
	p.fds = append(p.fds, unix.PollFd{})
	p.regs = append(p.regs, pollReg{})
	p.set(len(p.fds)-1, int32(fd), gen, want)
	return nil
}

// Modify changes the generation and wanted directions of fd. With want 0 the fd
// stays registered but is not reported. It fails with ENOENT if fd is not
// registered.
func (p *pollPoller) Modify(fd int, gen uint32, want Interest) error {
	if p.index == nil {
		return errClosed
	}
	i, ok := p.index[int32(fd)]
	if !ok {
		return fmt.Errorf("poller: modify fd %d: %w", fd, unix.ENOENT)
	}
	p.set(int(i), int32(fd), gen, want)
	return nil
}

// set fills slot i.
func (p *pollPoller) set(i int, fd int32, gen uint32, want Interest) {
	want &= Read | Write
	p.regs[i] = pollReg{fd: fd, gen: gen, want: want}
	pfd := unix.PollFd{Fd: fd}
	if want&Read != 0 {
		pfd.Events |= unix.POLLIN
	}
	if want&Write != 0 {
		pfd.Events |= unix.POLLOUT
	}
	if want == 0 {
		pfd.Fd = -1
	}
	p.fds[i] = pfd
}

// Delete removes fd by moving the last slot into its place. It fails with
// ENOENT if fd is not registered.
func (p *pollPoller) Delete(fd int) error {
	if p.index == nil {
		return errClosed
	}
	i, ok := p.index[int32(fd)]
	if !ok {
		return fmt.Errorf("poller: delete fd %d: %w", fd, unix.ENOENT)
	}
	last := len(p.fds) - 1
	p.fds[i] = p.fds[last]
	p.regs[i] = p.regs[last]
	p.index[p.regs[i].fd] = i
	p.fds = p.fds[:last]
	p.regs = p.regs[:last]
	delete(p.index, int32(fd))
	return nil
}

// Wait blocks as the package documentation describes and stores at most
// len(events) events, one per descriptor. When more are ready than fit, the
// next Wait starts where this one stopped, so no descriptor starves. Wait
// does not allocate.
func (p *pollPoller) Wait(events []Event, timeout time.Duration) (int, error) {
	if p.index == nil {
		return 0, errClosed
	}
	if len(events) == 0 {
		return 0, errNoEvents
	}
	n, err := pollWait(p.fds, timeout, &p.ts)
	if err != nil {
		if err == unix.EINTR {
			return 0, nil
		}
		return 0, os.NewSyscallError(pollSyscall, err)
	}
	if n == 0 {
		return 0, nil
	}
	if p.fds[0].Revents != 0 {
		p.wk.drain()
		n--
	}
	m := len(p.fds) - 1 // registrations
	if p.next >= m {
		p.next = 0
	}
	k := 0
	for j := 0; j < m && n > 0; j++ {
		i := 1 + (p.next+j)%m
		revents := p.fds[i].Revents
		if revents == 0 {
			continue
		}
		n--
		reg := &p.regs[i]
		ready := pollReady(uint16(revents), reg.want)
		if ready == 0 {
			continue
		}
		events[k] = Event{FD: reg.fd, Gen: reg.gen, Ready: ready}
		k++
		if k == len(events) {
			p.next = (p.next + j + 1) % m
			break
		}
	}
	return k, nil
}

// pollReady translates revents, keeping only the directions in want plus Error
// and Hangup.
func pollReady(revents uint16, want Interest) Interest {
	var r Interest
	if revents&unix.POLLIN != 0 {
		r |= Read
	}
	if revents&unix.POLLOUT != 0 {
		r |= Write
	}
	if revents&(unix.POLLERR|unix.POLLNVAL) != 0 {
		r |= Error | Read | Write
	}
	if revents&unix.POLLHUP != 0 {
		r |= Hangup | Read | Write
	}
	return r & (want | Error | Hangup)
}

// Wake makes a concurrent or the next Wait return. It may be called from any
// goroutine; calls before that Wait cost one kernel write in total. After Close
// it returns an error.
func (p *pollPoller) Wake() error { return p.wk.wake() }

// Close closes the waker and forgets every registration. Registered descriptors
// are not closed. Calls after the first return an error.
func (p *pollPoller) Close() error {
	if p.index == nil {
		return errClosed
	}
	p.index, p.fds, p.regs = nil, nil, nil
	return p.wk.close()
}
