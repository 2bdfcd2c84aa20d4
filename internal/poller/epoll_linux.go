// Facts about epoll that shape this file (epoll(7), epoll_ctl(2),
// epoll_wait(2): https://man7.org/linux/man-pages/man7/epoll.7.html,
// https://man7.org/linux/man-pages/man2/epoll_ctl.2.html,
// https://man7.org/linux/man-pages/man2/epoll_wait.2.html):
//
//   - epoll registers the open file description, not the descriptor number. The
//     registration outlives close(fd) while a duplicate of the descriptor is
//     open (dup, fork, SCM_RIGHTS), and events keep arriving under a number that
//     may by then name another file (epoll(7), Q6: "Will closing a file
//     descriptor cause it to be removed from all epoll interest lists?"). Hence the
//     contract: Delete before close, and every event carries the generation of
//     its registration so that the caller can drop stale ones. The runtime
//     learned this the hard way: https://github.com/golang/go/issues/59545.
//   - epoll_data is 64 bits. unix.EpollEvent splits it into Fd and Pad, which
//     hold the descriptor and the generation. A Go pointer stored there would
//     be invisible to the garbage collector, so none is.
//   - A descriptor is registered edge-triggered with EPOLLRDHUP and the
//     directions asked for (runtime/netpoll_epoll.go registers EPOLLOUT too,
//     always; here EPOLLOUT is added only when someone waits to write, which
//     spares a ping-pong server one event per ACK). Edge-triggered means an
//     event is reported when readiness changes, so the caller must read or
//     write until EAGAIN before it waits again, or it may wait forever. Modify
//     is EPOLL_CTL_MOD with the new mask and data; the kernel re-checks
//     readiness on MOD, so a still-ready descriptor is reported once more.
//   - EPOLLERR and EPOLLHUP are reported whether requested or not (epoll_ctl(2)).
//     EPOLLRDHUP (Linux 2.6.17) means the peer shut down its writing side.
//   - The events buffer bounds one call; events that do not fit stay on the
//     ready list for the next call, so a short buffer loses no edge.
//   - epoll_wait takes milliseconds, so sub-millisecond timeouts are rounded up,
//     never down to 0 (which would spin). epoll_pwait2 (Linux 5.11) takes a
//     timespec and has no wrapper in x/sys, so it is a raw system call, used
//     for positive timeouts only (0 and -1 are cheaper through epoll_wait). It
//     is probed once per process. Container seccomp profiles that predate it
//     answer EPERM rather than ENOSYS (https://github.com/buytenh/ivykis/pull/33),
//     so both mean "use epoll_wait".
//   - epoll_wait is never restarted after a signal handler (signal(7)); EINTR
//     returns 0 events and a nil error.

package poller

import (
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func init() { backends[Epoll] = openEpoll }

// defaultBackend is the backend Open uses for the name "".
const defaultBackend = Epoll

const (
	// epollFDEvents is the mask every registered descriptor gets, whatever it
	// wants; see the facts above.
	epollFDEvents = unix.EPOLLRDHUP | unix.EPOLLET

	// epollInitialEvents is the initial size of the event buffer; Wait grows it
	// to len(events) when that is larger.
	epollInitialEvents = 128
)

// pwait2 caches the probe for epoll_pwait2.
var pwait2 struct {
	once sync.Once
	ok   bool // the kernel (and any seccomp filter) allows epoll_pwait2
}

// epoll is the edge-triggered Linux backend. See the package documentation for
// the contract. Only Wake may be called from another goroutine.
type epoll struct {
	epfd   int               // the epoll descriptor; -1 after Close
	wk     *waker            // eventfd in the set; immutable, never nil
	buf    []unix.EpollEvent // Wait's kernel buffer, reused across calls
	ts     unix.Timespec     // Wait's timeout for epoll_pwait2
	pwait2 bool              // positive timeouts use epoll_pwait2; immutable after open
}

// openEpoll returns a new epoll Poller with its eventfd waker registered.
func openEpoll() (Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	pwait2.once.Do(func() { pwait2.ok = probePwait2(epfd) })
	wk, err := newWaker()
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wk.fd())}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wk.fd(), &ev); err != nil {
		wk.close()
		unix.Close(epfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return &epoll{
		epfd:   epfd,
		wk:     wk,
		buf:    make([]unix.EpollEvent, epollInitialEvents),
		pwait2: pwait2.ok,
	}, nil
}

// probePwait2 reports whether epoll_pwait2 works, by calling it without
// blocking on epfd, which must have nothing registered.
func probePwait2(epfd int) bool {
	var evs [1]unix.EpollEvent
	var ts unix.Timespec
	_, err := epollPwait2(epfd, evs[:], &ts)
	return err == nil || err == unix.EINTR
}

// epollPwait2 is epoll_pwait2(epfd, events, len(events), ts, NULL, 0). A nil ts
// waits forever. events must not be empty.
func epollPwait2(epfd int, events []unix.EpollEvent, ts *unix.Timespec) (int, error) {
	n, _, errno := unix.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(epfd),
		uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)),
		uintptr(unsafe.Pointer(ts)), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// Name returns "epoll".
func (p *epoll) Name() string { return Epoll }

// EdgeTriggered reports true: readiness is reported once per change, and both
// directions are reported whatever the registration wants.
func (p *epoll) EdgeTriggered() bool { return true }

// Add registers fd for both directions, edge-triggered, whatever want says.
// It fails with EEXIST if fd is already registered.
func (p *epoll) Add(fd int, gen uint32, want Interest) error {
	return p.ctl(unix.EPOLL_CTL_ADD, fd, gen, want)
}

// Modify replaces the generation and the directions of a registered fd. If
// fd is ready, the kernel reports it once more. It fails with ENOENT if fd is
// not registered.
func (p *epoll) Modify(fd int, gen uint32, want Interest) error {
	return p.ctl(unix.EPOLL_CTL_MOD, fd, gen, want)
}

// Delete removes fd from the set; its queued events are dropped. It fails with
// ENOENT if fd is not registered.
func (p *epoll) Delete(fd int) error {
	return p.ctl(unix.EPOLL_CTL_DEL, fd, 0, 0)
}

// ctl calls epoll_ctl with the mask for want and fd and gen as the data.
func (p *epoll) ctl(op, fd int, gen uint32, want Interest) error {
	if p.epfd < 0 {
		return errClosed
	}
	if err := checkFD(fd); err != nil {
		return err
	}
	// The event must be non-nil even for EPOLL_CTL_DEL (epoll_ctl(2), BUGS).
	ev := unix.EpollEvent{Events: epollMask(want), Fd: int32(fd), Pad: int32(gen)}
	if err := unix.EpollCtl(p.epfd, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// Wait blocks as the package documentation describes and stores at most
// len(events) events, one per descriptor. It does not allocate unless
// len(events) is larger than any earlier call's.
func (p *epoll) Wait(events []Event, timeout time.Duration) (int, error) {
	if p.epfd < 0 {
		return 0, errClosed
	}
	if len(events) == 0 {
		return 0, errNoEvents
	}
	if len(p.buf) < len(events) {
		p.buf = make([]unix.EpollEvent, len(events))
	}
	buf := p.buf[:len(events)]
	// Only positive timeouts need epoll_pwait2's resolution; for 0 and -1
	// epoll_wait is cheaper (no timespec to copy in).
	var n int
	var err error
	usePwait2 := p.pwait2 && timeout > 0
	switch {
	case timeout == 0:
		n, err = epollPoll(p.epfd, buf)
	case usePwait2:
		n, err = epollPwait2(p.epfd, buf, durationToTimespec(timeout, &p.ts))
	default:
		n, err = unix.EpollWait(p.epfd, buf, durationToMillis(timeout))
	}
	if err != nil {
		if err == unix.EINTR {
			return 0, nil
		}
		if usePwait2 {
			return 0, os.NewSyscallError("epoll_pwait2", err)
		}
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	wfd := int32(p.wk.fd())
	k := 0
	for i := range buf[:n] {
		ev := &buf[i]
		if ev.Fd == wfd {
			p.wk.drain()
			continue
		}
		events[k] = Event{FD: ev.Fd, Gen: uint32(ev.Pad), Ready: epollReady(ev.Events)}
		k++
	}
	return k, nil
}

// epollReady translates an epoll event mask. Errors and hang-ups make both
// directions ready, so that whichever side is waiting runs and meets the error
// or EOF in its next system call.
func epollReady(events uint32) Interest {
	var r Interest
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0 {
		r |= Read
	}
	if events&unix.EPOLLOUT != 0 {
		r |= Write
	}
	if events&unix.EPOLLRDHUP != 0 {
		r |= Hangup
	}
	if events&unix.EPOLLERR != 0 {
		r |= Error | Read | Write
	}
	if events&unix.EPOLLHUP != 0 {
		r |= Hangup | Read | Write
	}
	return r
}

// Wake makes a concurrent or the next Wait return. It may be called from any
// goroutine; calls before that Wait cost one eventfd write in total. After
// Close it returns an error.
func (p *epoll) Wake() error { return p.wk.wake() }

// Close closes the eventfd and the epoll descriptor. Registered descriptors are
// not closed. Calls after the first return an error.
func (p *epoll) Close() error {
	if p.epfd < 0 {
		return errClosed
	}
	errW := p.wk.close()
	err := unix.Close(p.epfd)
	p.epfd = -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return errW
}

// epollMask returns the events to register for want: edge-triggered, with
// hang-up reports, and EPOLLOUT only when asked for. Leaving EPOLLOUT out of
// a socket nobody waits to write on saves an event per ACK that frees send
// buffer space, which a ping-pong server would otherwise receive for every
// reply.
func epollMask(want Interest) uint32 {
	m := uint32(epollFDEvents)
	if want&Read != 0 {
		m |= unix.EPOLLIN
	}
	if want&Write != 0 {
		m |= unix.EPOLLOUT
	}
	return m
}

// epollPoll is epoll_pwait with a zero timeout, made as a raw system call:
// it cannot block, so it need not tell the Go scheduler it is entering a
// system call. That saves the entersyscall/exitsyscall pair, and a loop that
// polls without blocking while it is busy then does not make sysmon retake
// its P and wake other threads (gnet's poller does the same).
func epollPoll(epfd int, events []unix.EpollEvent) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd),
		uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
