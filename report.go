package gevent

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Report is one failure the hub reports: a greenlet that failed, a link
// that panicked, or a greenlet the monitor found holding the hub.
type Report struct {
	Time    time.Time
	Context string // what failed, such as `<Greenlet "Greenlet-1" at 0x…: main.fail>`
	Err     error
	Stack   []byte // the stack of a panic or of a blocking greenlet; may be nil
}

// String formats the report as gevent prints it: the stack if any, then
// "<time> <context> failed with <error>".
func (r Report) String() string {
	s := ""
	if len(r.Stack) > 0 {
		s = string(r.Stack)
		if s[len(s)-1] != '\n' {
			s += "\n"
		}
	}
	return s + fmt.Sprintf("%s %s failed with %v\n", r.Time.UTC().Format(time.RFC3339), r.Context, r.Err)
}

// SetErrorHandler replaces the hub's error handler (gevent's
// hub.handle_error). fn receives every report; it runs on the hub's goroutine
// for failures and on the monitor's goroutine for monitor reports, and must
// not block. nil restores the default, which prints Report.String to the
// error stream. May be called from any goroutine.
//
// What is reported: a greenlet that panicked (always); a greenlet that
// returned an error, or was killed with an error other than ErrGreenletExit,
// only if nobody observed it when it died — an error is a value, and the
// code that waits for it handles it. A greenlet is observed while a Get,
// Join, JoinAll, Wait or IWait waits for it, while it has a link (Link,
// RawLink…) that has not run, and while it is a member of a pool.Group. So
// gevent.Spawn(f) whose result nobody waits for is reported when f fails,
// while an error read through Get or IWait is not; an error that a Get
// reads only after the greenlet died was reported at its death. Also
// reported: a link that panicked, and the monitor's findings.
func (h *Hub) SetErrorHandler(fn func(Report)) {
	h.errMu.Lock()
	h.handler = fn
	h.errMu.Unlock()
}

// SetErrorStream sets where the default handler prints (gevent's
// exception_stream); nil silences it. Defaults to os.Stderr.
func (h *Hub) SetErrorStream(w io.Writer) {
	h.errMu.Lock()
	h.stream = w
	h.errMu.Unlock()
}

// Report sends a failure to the hub's error handler, as the hub does for a
// failed greenlet: context names what failed (gevent's context argument of
// handle_error). Objects built on the core use it for panicking callbacks.
// It may be called from any goroutine.
func (h *Hub) Report(context string, err error) { h.report(context, err) }

// report sends one report to the handler.
func (h *Hub) report(context string, err error) {
	r := Report{Time: time.Now(), Context: context, Err: err}
	var pe *PanicError
	if errors.As(err, &pe) {
		r.Stack = pe.Stack
	}
	h.deliverReport(r)
}

func (h *Hub) deliverReport(r Report) {
	h.errMu.Lock()
	fn, w := h.handler, h.stream
	h.errMu.Unlock()
	if fn != nil {
		fn(r)
		return
	}
	if w != nil {
		io.WriteString(w, r.String()+"\n")
	}
}
