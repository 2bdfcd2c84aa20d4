// Package gevent is the core of gevent for Go: greenlets scheduled
// cooperatively by a hub that runs an event loop (internal/loop), with
// gevent's API in Go form.
//
// # The cooperative model
//
// A greenlet is a Go runtime coroutine (iter.Pull). The greenlets of one hub
// run one at a time and switch only at blocking calls of this module; the hub
// resumes them in FIFO order. Code shared by the greenlets of one hub needs no
// locks, and every run of a program sees the same interleaving.
//
// # One hub per goroutine
//
// The goroutine that first spawns a greenlet, calls Run or CurrentHub, or
// starts a Timeout owns a hub, created lazily. When that goroutine blocks in
// a gevent call (JoinAll, Sleep, Greenlet.Join…), it runs its hub's loop
// until the call is satisfied, as gevent's main greenlet switches to the
// hub. A plain goroutine that owns no hub and waits on a gevent object (a
// Greenlet's Join, an event, a queue) parks on a channel instead, and its
// Sleep is time.Sleep: blocking calls create no hub, so a goroutine that
// makes them and exits leaves nothing behind. A hub created lazily is
// released again (as by Hub.Destroy) when a blocking call of its owner
// returns with nothing left on it — no greenlet alive or unstarted, no
// pending loop work, no Waiter made by NewWaiter there and not waited on
// yet — unless the hub was handed out (CurrentHub,
// Greenlet.Hub, a Timeout, a signal handler, or an object of this module
// that waits or does I/O on it), which keeps it until Destroy: so
// go func() { gevent.Go(f).Join() }() leaves nothing behind either, and
// the goroutine's next gevent call creates a new hub. A goroutine keeps its
// identity when it gets a hub (its local values, the RLocks it holds).
// Several goroutines may each run a hub at the same time.
//
// # Switch points
//
// These functions may switch to the hub, and so return an error that carries
// Kill and Timeout: Sleep, Idle, JoinAll, KillAll and Kill (unless NoBlock),
// Wait, IWait's iteration, Greenlet.Get/GetTimeout/Join/JoinTimeout,
// Blocking, WithTimeout's function, Waiter.Wait and WaitTimeout, and
// everything built on them in the packages event, queue, lock, pool and
// socket. Nothing else switches.
//
// # Durations and options
//
// One rule for every duration of this module: d <= 0 means "do not wait" —
// the call takes what is ready now, or the Timeout expires at once — as
// with time.AfterFunc and context.WithTimeout. Waiting forever is the form
// of the call without a duration (Join, not JoinTimeout(d); JoinAll without
// Within). Optional behaviour is given as Option values: Within, Count,
// RaiseError, WithError and NoBlock; each function says which it honours.
//
// # Errors, Kill and Timeout
//
// A greenlet's function returns (T, error). The error, or a recovered panic
// (*PanicError), is stored and returned by Get; the T is kept too. The hub's
// error handler reports panics, and errors that nobody observed (see
// Hub.SetErrorHandler); an error never reaches the spawner otherwise.
// ErrGreenletExit counts as success. Kill makes the greenlet's pending or
// next blocking call return ErrGreenletExit, and every later one too (kill is
// sticky); Shield runs cleanup with kills and outer Timeouts held back. A
// Timeout makes the pending or next blocking call of the greenlet that
// started it return the Timeout (or its custom error) once. Neither can
// interrupt a loop that never calls a switch point.
//
// # Hazards
//
// A greenlet that blocks in a plain Go call (a channel, sync.Mutex,
// time.Sleep, the standard net package) stalls its whole hub: use Blocking,
// or the greenlet-aware primitives of this module. Holding a sync.Mutex
// across a switch can deadlock the hub. Calling runtime.LockOSThread inside a
// greenlet and then switching is a fatal error of the Go runtime. The hub
// monitor (Hub.SetMonitor, GEVENT_MONITOR=1) reports greenlets that hold the
// hub too long.
package gevent
