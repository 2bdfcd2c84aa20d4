// Package poller is the kernel readiness interface under package loop: epoll on
// Linux, kqueue on the BSDs and macOS, and poll(2) on any unix. It knows nothing
// of watchers or greenlets.
//
// # Contract
//
// A Poller has exactly these operations, and every backend implements them with
// the same observable behaviour (poller_test.go runs one conformance table
// against each backend available on the host):
//
//   - Add(fd, gen, want) registers fd. gen is an opaque generation number that
//     every later Event for fd carries, so that the caller can drop events that
//     were queued for an earlier user of the same fd number (see runtime/netpoll's
//     fdseq). Adding an fd that is already registered is an error.
//   - Modify(fd, gen, want) changes the interest set of a registered fd; want
//     may be 0, which keeps the registration but asks for no events. Edge-
//     triggered backends (EdgeTriggered reports true) register at least the
//     wanted directions, edge-triggered, and may report others too; their
//     caller only ever widens the set with Modify, and the kernel then reports
//     a direction that is already ready once more.
//   - Delete(fd) removes the registration. It must be called before fd is closed.
//   - Wait(events, timeout) blocks until at least one registered fd is ready, the
//     timeout passes, or Wake is called, and fills events. A negative timeout
//     waits forever, zero polls without blocking; positive timeouts are honoured
//     with the best resolution the kernel offers and never rounded down to zero.
//     An interrupted system call (EINTR) returns 0, nil. Wake-ups are consumed
//     inside Wait and never appear in events.
//   - Wake makes a concurrent or the next Wait return promptly. It is the only
//     method that may be called from any goroutine; repeated calls before the
//     next Wait are coalesced into one kernel write.
//   - Close releases the kernel objects. The Poller must not be used afterwards.
//
// Except for Wake, a Poller is not safe for concurrent use: it belongs to the
// goroutine that runs its loop.
package poller

import (
	"errors"
	"fmt"
	"time"
)

// Interest is a set of readiness conditions: what a registration asks for and
// what an Event reports.
type Interest uint32

// Readiness bits. Read and Write are requested and reported; Error and Hangup
// are only reported, and a watcher interested in either direction should treat
// them as readiness (the next system call returns the error or EOF).
const (
	Read Interest = 1 << iota
	Write
	Error
	Hangup
)

// String returns the set as "read|write|error|hangup" or "none".
func (i Interest) String() string {
	if i == 0 {
		return "none"
	}
	s := ""
	for _, b := range [...]struct {
		bit  Interest
		name string
	}{{Read, "read"}, {Write, "write"}, {Error, "error"}, {Hangup, "hangup"}} {
		if i&b.bit != 0 {
			if s != "" {
				s += "|"
			}
			s += b.name
		}
	}
	return s
}

// Event is one readiness report from Wait.
type Event struct {
	FD    int32    // the registered file descriptor
	Gen   uint32   // the generation passed to the latest Add or Modify of FD
	Ready Interest // what is ready; never 0
}

// Poller is the kernel interface; see the package documentation for the contract.
type Poller interface {
	Name() string
	EdgeTriggered() bool
	Add(fd int, gen uint32, want Interest) error
	Modify(fd int, gen uint32, want Interest) error
	Delete(fd int) error
	Wait(events []Event, timeout time.Duration) (int, error)
	Wake() error
	Close() error
}

// Backend names accepted by Open.
const (
	Epoll  = "epoll"
	Kqueue = "kqueue"
	Poll   = "poll"
)

// ErrUnknownBackend is returned by Open for a backend name it does not know or
// that this operating system does not provide.
var ErrUnknownBackend = errors.New("poller: unknown or unavailable backend")

// Open returns a new Poller of the named backend, or of the best backend of this
// operating system when name is "". It does not read the environment; package
// loop applies GEVENT_BACKEND.
func Open(name string) (Poller, error) {
	if name == "" {
		name = defaultBackend
	}
	open, ok := backends[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownBackend, name)
	}
	return open()
}

// Available lists the backends this operating system provides, best first.
func Available() []string {
	var names []string
	for _, n := range [...]string{Epoll, Kqueue, Poll} {
		if _, ok := backends[n]; ok {
			names = append(names, n)
		}
	}
	return names
}
