//go:build darwin || dragonfly || freebsd || netbsd || openbsd

// Facts about kqueue that shape this file (kqueue(2) and kevent(2):
// https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2,
// https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/kqueue.2.html):
//
//   - A kevent is keyed by (ident, filter), so read and write readiness are two
//     registrations and may come back as two kevents in one call. Every
//     descriptor gets EVFILT_READ and EVFILT_WRITE with EV_ADD|EV_CLEAR once, in
//     Add, as runtime/netpoll_kqueue.go does; EV_CLEAR makes both
//     edge-triggered. Wait merges the two kevents of a descriptor into one
//     Event.
//   - udata is a pointer (*byte) on most of these systems and an integer on
//     NetBSD. It is left zero: a Go pointer in kernel memory is invisible to
//     the garbage collector. The generation lives in a table indexed by fd, so
//     Modify is a table update without a system call, and events carry the
//     generation current when Wait returns.
//   - Unlike epoll, kqueue re-adding an existing registration silently updates
//     it, so Add detects duplicates in the table. close(2) removes a
//     descriptor's kevents, but the contract still asks for Delete first.
//   - EV_EOF on EVFILT_READ means the peer will send no more; on EVFILT_WRITE
//     that the reader is gone. fflags then holds a pending socket error, if any.
//   - Wake uses EVFILT_USER with NOTE_TRIGGER where golang.org/x/sys defines it
//     (macOS, FreeBSD, DragonFly; the runtime switched to it in
//     https://github.com/golang/go/issues/66760). NetBSD (EVFILT_USER only
//     since 10.0) and OpenBSD fall back to the self-pipe of waker_unix.go.
//   - A kqueue is not inherited across fork(2); close-on-exec is set anyway.

package poller

import (
	"fmt"
	"os"
	"time"

	"github.com/geventgo/gevent/internal/eintr"
	"golang.org/x/sys/unix"
)

func init() { backends[Kqueue] = openKqueue }

// defaultBackend is the backend Open uses for the name "".
const defaultBackend = Kqueue

const (
	// kqueueInitialEvents is the initial size of the kevent buffer; Wait grows
	// it to len(events) when that is larger.
	kqueueInitialEvents = 128

	// kqueueWakeIdent is the ident of the EVFILT_USER wake event. Idents of
	// EVFILT_USER do not collide with descriptors of other filters.
	kqueueWakeIdent = 0
)

// kqueueReg is the kqueue backend's per-descriptor state.
type kqueueReg struct {
	gen   uint32 // generation for events
	on    bool   // registered
	batch uint32 // the Wait that last reported this fd, for merging
	slot  int32  // its index in that Wait's events
}

// kqueue is the edge-triggered BSD and macOS backend. See the package
// documentation for the contract. Only Wake may be called from another
// goroutine.
type kqueue struct {
	kq    int              // the kqueue; -1 after Close
	regs  []kqueueReg      // indexed by fd; grows on Add
	buf   []unix.Kevent_t  // Wait's kernel buffer, reused across calls
	chg   [2]unix.Kevent_t // change list scratch for open, Add and Delete
	ts    unix.Timespec    // Wait's timeout
	batch uint32           // counts Waits; 0 is never used

	// Wake state, read by other goroutines: everything but gate is
	// immutable after open, and gate synchronizes itself.
	wk      *waker           // self-pipe where EVFILT_USER is missing, else nil
	wakekq  int              // copy of kq that survives Close; used inside gate
	gate    wakeGate         // coalesces EVFILT_USER wakes
	trigger [1]unix.Kevent_t // the NOTE_TRIGGER change; read-only
}

// openKqueue returns a new kqueue Poller with its wake event registered.
func openKqueue() (Poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq)
	p := &kqueue{kq: kq, wakekq: kq, buf: make([]unix.Kevent_t, kqueueInitialEvents)}
	if evfiltUser != 0 {
		unix.SetKevent(&p.chg[0], kqueueWakeIdent, evfiltUser, unix.EV_ADD|unix.EV_CLEAR)
		unix.SetKevent(&p.trigger[0], kqueueWakeIdent, evfiltUser, 0)
		p.trigger[0].Fflags = noteTrigger
	} else {
		if p.wk, err = newWaker(); err != nil {
			unix.Close(kq)
			return nil, err
		}
		unix.SetKevent(&p.chg[0], p.wk.fd(), unix.EVFILT_READ, unix.EV_ADD)
	}
	if err := p.kevent(p.chg[:1]); err != nil {
		if p.wk != nil {
			p.wk.close()
		}
		unix.Close(kq)
		return nil, os.NewSyscallError("kevent", err)
	}
	return p, nil
}

// kevent submits changes without receiving events, retrying on EINTR.
func (p *kqueue) kevent(changes []unix.Kevent_t) error {
	_, err := eintr.Retry(func() (int, error) { return unix.Kevent(p.kq, changes, nil, nil) })
	return err
}

// Name returns "kqueue".
func (p *kqueue) Name() string { return Kqueue }

// EdgeTriggered reports true: readiness is reported once per change, and both
// directions are reported whatever the registration wants.
func (p *kqueue) EdgeTriggered() bool { return true }

// Add registers fd for both directions, edge-triggered, whatever want says. It
// fails with EEXIST if fd is already registered.
func (p *kqueue) Add(fd int, gen uint32, want Interest) error {
	if p.kq < 0 {
		return errClosed
	}
	if err := checkFD(fd); err != nil {
		return err
	}
	if fd < len(p.regs) && p.regs[fd].on {
		return fmt.Errorf("poller: add fd %d: %w", fd, unix.EEXIST)
	}
	unix.SetKevent(&p.chg[0], fd, unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR)
	unix.SetKevent(&p.chg[1], fd, unix.EVFILT_WRITE, unix.EV_ADD|unix.EV_CLEAR)
	if err := p.kevent(p.chg[:]); err != nil {
		// The read filter may be in; take it out again (best effort).
		unix.SetKevent(&p.chg[0], fd, unix.EVFILT_READ, unix.EV_DELETE)
		_ = p.kevent(p.chg[:1])
		return os.NewSyscallError("kevent", err)
	}
	for fd >= len(p.regs) {
		p.regs = append(p.regs, kqueueReg{})
	}
	p.regs[fd] = kqueueReg{gen: gen, on: true}
	return nil
}

// Modify only replaces the generation of a registered fd; want is ignored and
// no system call is made. It fails with ENOENT if fd is not registered.
func (p *kqueue) Modify(fd int, gen uint32, want Interest) error {
	if p.kq < 0 {
		return errClosed
	}
	if fd < 0 || fd >= len(p.regs) || !p.regs[fd].on {
		return fmt.Errorf("poller: modify fd %d: %w", fd, unix.ENOENT)
	}
	p.regs[fd].gen = gen
	return nil
}

// Delete removes both filters of fd; its queued events are dropped. It fails
// with ENOENT if fd is not registered. The fd is forgotten even if the kernel
// reports an error (EBADF when fd was closed first).
func (p *kqueue) Delete(fd int) error {
	if p.kq < 0 {
		return errClosed
	}
	if fd < 0 || fd >= len(p.regs) || !p.regs[fd].on {
		return fmt.Errorf("poller: delete fd %d: %w", fd, unix.ENOENT)
	}
	p.regs[fd] = kqueueReg{}
	unix.SetKevent(&p.chg[0], fd, unix.EVFILT_READ, unix.EV_DELETE)
	unix.SetKevent(&p.chg[1], fd, unix.EVFILT_WRITE, unix.EV_DELETE)
	// EV_DELETE is not idempotent, so EINTR is not retried.
	if _, err := unix.Kevent(p.kq, p.chg[:], nil, nil); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

// Wait blocks as the package documentation describes and stores at most
// len(events) events, one per descriptor. It does not allocate unless
// len(events) is larger than any earlier call's.
func (p *kqueue) Wait(events []Event, timeout time.Duration) (int, error) {
	if p.kq < 0 {
		return 0, errClosed
	}
	if len(events) == 0 {
		return 0, errNoEvents
	}
	if len(p.buf) < len(events) {
		p.buf = make([]unix.Kevent_t, len(events))
	}
	buf := p.buf[:len(events)]
	n, err := unix.Kevent(p.kq, nil, buf, durationToTimespec(timeout, &p.ts))
	if err != nil {
		if err == unix.EINTR {
			return 0, nil
		}
		return 0, os.NewSyscallError("kevent", err)
	}
	p.nextBatch()
	k := 0
	for i := range buf[:n] {
		ev := &buf[i]
		if p.isWake(ev) {
			continue
		}
		fd := int(ev.Ident)
		if fd >= len(p.regs) || !p.regs[fd].on {
			continue // deleted while the event was being returned
		}
		reg := &p.regs[fd]
		if reg.batch == p.batch {
			events[reg.slot].Ready |= kqueueReady(ev)
			continue
		}
		reg.batch, reg.slot = p.batch, int32(k)
		events[k] = Event{FD: int32(fd), Gen: reg.gen, Ready: kqueueReady(ev)}
		k++
	}
	return k, nil
}

// nextBatch starts a new Wait for merging; on wrap-around it clears every
// registration's batch so that none matches by accident.
func (p *kqueue) nextBatch() {
	p.batch++
	if p.batch == 0 {
		for i := range p.regs {
			p.regs[i].batch = 0
		}
		p.batch = 1
	}
}

// isWake reports whether ev is the wake-up, and consumes it if so.
func (p *kqueue) isWake(ev *unix.Kevent_t) bool {
	if p.wk != nil {
		if ev.Filter == unix.EVFILT_READ && int(ev.Ident) == p.wk.fd() {
			p.wk.drain()
			return true
		}
		return false
	}
	if evfiltUser != 0 && ev.Filter == evfiltUser && ev.Ident == kqueueWakeIdent {
		// EV_CLEAR already reset the trigger; re-arm Wake.
		p.gate.reset()
		return true
	}
	return false
}

// kqueueReady translates one kevent. Errors make both directions ready, so
// that whichever side is waiting runs and meets the error in its next call.
func kqueueReady(ev *unix.Kevent_t) Interest {
	var r Interest
	switch ev.Filter {
	case unix.EVFILT_READ:
		r = Read
	case unix.EVFILT_WRITE:
		r = Write
	}
	if ev.Flags&unix.EV_EOF != 0 {
		r |= Hangup
		if ev.Fflags != 0 {
			r |= Error | Read | Write
		}
	}
	if ev.Flags&unix.EV_ERROR != 0 {
		r |= Error | Read | Write
	}
	return r
}

// Wake makes a concurrent or the next Wait return. It may be called from any
// goroutine; calls before that Wait cost one kernel call in total. After Close
// it returns an error.
func (p *kqueue) Wake() error {
	if p.wk != nil {
		return p.wk.wake()
	}
	ok, err := p.gate.enter()
	if !ok {
		return err
	}
	defer p.gate.leave()
	_, err = eintr.Retry(func() (int, error) { return unix.Kevent(p.wakekq, p.trigger[:], nil, nil) })
	if err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

// Close closes the kqueue and, where used, the self-pipe. Registered
// descriptors are not closed. Calls after the first return an error.
func (p *kqueue) Close() error {
	if p.kq < 0 {
		return errClosed
	}
	var errW error
	if p.wk != nil {
		errW = p.wk.close()
	} else {
		p.gate.shut()
	}
	err := unix.Close(p.kq)
	p.kq, p.regs = -1, nil
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return errW
}
