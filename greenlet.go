package gevent

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent/internal/loop"
	"github.com/geventgo/gevent/internal/options"
)

// Greenlet states.
const (
	unstarted uint32 = iota
	scheduled        // start queued on the hub
	running          // switched into at least once, not finished
	dead
)

// LinkID identifies a link for Unlink.
type LinkID uint64

type linkKind uint8

const (
	linkAll linkKind = iota
	linkValue
	linkError
)

type link struct {
	id   LinkID
	kind linkKind
	fn   func(any)
	arg  any
}

// runner is implemented by *Greenlet[T]: it calls the user's function and
// stores its value.
type runner interface {
	runBody() error
	self() any
}

// greenlet is the non-generic core of Greenlet[T].
type greenlet struct {
	task
	r     runner
	fnPtr uintptr // the function, for reports

	state atomic.Uint32

	mu        sync.Mutex // guards the fields below
	id        uint64
	name      string
	err       error
	links     []link
	linkSeq   LinkID
	notifying bool // a notifyLinks call is queued or running

	// Hub-only.
	worker     *worker
	startTimer *loop.Timer
}

// Greenlet is a function running cooperatively on a hub (gevent.Greenlet).
// Create one with Spawn, Go, SpawnLater or New. Its methods may be called
// from any goroutine, including greenlets of other hubs; the greenlet itself
// always runs on the hub that created it. A Greenlet must not be copied.
type Greenlet[T any] struct {
	g     greenlet
	fn    func() (T, error)
	value T // written once before the state becomes dead
}

// New returns an unstarted greenlet for fn on the caller's hub (creating the
// hub if the goroutine has none). Start or StartLater schedules it. If the
// hub cannot be created the greenlet is dead at once with that error.
func New[T any](fn func() (T, error)) *Greenlet[T] {
	gr := &Greenlet[T]{fn: fn}
	g := &gr.g
	g.r = gr
	g.task.g = g
	h, _, err := ensureHub()
	if err != nil {
		g.err = err
		g.state.Store(dead)
		return gr
	}
	g.hub = h
	h.unstarted.Add(1)
	if fn != nil {
		g.fnPtr = reflect.ValueOf(fn).Pointer()
	}
	return gr
}

// Spawn starts fn in a new greenlet and returns at once (gevent.spawn). The
// greenlet runs when the caller next switches, after the greenlets and
// callbacks queued before it.
func Spawn[T any](fn func() (T, error)) *Greenlet[T] {
	gr := New(fn)
	gr.Start()
	return gr
}

// Go spawns a function without a result.
func Go(fn func()) *Greenlet[struct{}] {
	return Spawn(func() (struct{}, error) {
		fn()
		return struct{}{}, nil
	})
}

// SpawnLater starts fn in a new greenlet after d (gevent.spawn_later).
func SpawnLater[T any](d time.Duration, fn func() (T, error)) *Greenlet[T] {
	gr := New(fn)
	gr.StartLater(d)
	return gr
}

func (gr *Greenlet[T]) runBody() error {
	if gr.fn == nil {
		return errors.New("gevent: greenlet has no function")
	}
	v, err := gr.fn()
	gr.value = v
	return err
}

func (gr *Greenlet[T]) self() any { return gr }

// Start schedules the greenlet to run (gevent's start). Starting a started,
// finished or killed greenlet does nothing. It never blocks and may be called
// from any goroutine.
func (gr *Greenlet[T]) Start() { gr.g.start(0, false) }

// StartLater schedules the greenlet to run after d (gevent's start_later).
func (gr *Greenlet[T]) StartLater(d time.Duration) { gr.g.start(d, true) }

func (g *greenlet) start(d time.Duration, later bool) {
	if !g.state.CompareAndSwap(unstarted, scheduled) {
		return
	}
	g.hub.unstarted.Add(-1)
	if later {
		g.hub.post(startLater, &startReq{g, d})
		return
	}
	g.hub.post(startGreenlet, g)
}

type startReq struct {
	g *greenlet
	d time.Duration
}

func startLater(arg any) {
	req := arg.(*startReq)
	g := req.g
	if g.state.Load() != scheduled {
		return
	}
	g.startTimer = g.hub.loop.NewTimer(func() { startGreenlet(g) })
	g.hub.loop.UpdateNow()
	g.startTimer.Start(req.d, 0)
}

// startGreenlet runs on the hub: it gives the greenlet a worker and switches
// into it, unless it was killed meanwhile.
func startGreenlet(arg any) {
	g := arg.(*greenlet)
	h := g.hub
	if h.destroyed.Load() {
		if g.state.CompareAndSwap(scheduled, dead) {
			g.killBeforeStart(ErrHubDestroyed)
		}
		return
	}
	if !g.state.CompareAndSwap(scheduled, running) {
		return
	}
	g.mu.Lock()
	g.id = h.ids.get()
	g.mu.Unlock()
	w := h.getWorker()
	w.t = &g.task
	g.worker = w
	h.switchTo(&g.task)
}

// run executes the body on the worker's goroutine and records the outcome.
func (g *greenlet) run() {
	normal := false
	defer func() {
		r := recover()
		var err error
		switch {
		case r == errUnwind:
			err = ErrHubDestroyed
		case r != nil:
			err = &PanicError{Value: r, Stack: debug.Stack()}
		case !normal:
			err = errors.New("gevent: greenlet called runtime.Goexit")
		}
		if err != nil {
			g.finish(err, r != errUnwind)
		}
	}()
	err := g.r.runBody()
	normal = true
	g.finish(err, true)
}

// finish records the outcome, reports a failure and queues the links.
func (g *greenlet) finish(err error, report bool) {
	if errors.Is(err, ErrGreenletExit) {
		err = nil
	}
	h := g.hub
	g.mu.Lock()
	g.err = err
	id := g.id
	observed := len(g.links) > 0
	g.mu.Unlock()
	if g.startTimer != nil {
		g.startTimer.Close()
	}
	if g.timer != nil {
		g.timer.Close()
	}
	g.locals = nil
	g.state.Store(dead)
	if id != 0 {
		h.ids.put(id)
	}
	if err != nil && report && mustReport(err, observed) {
		h.report(g.repr(), err)
	}
	g.scheduleLinks()
}

// mustReport is the reporting rule of SetErrorHandler: a panic always, a
// returned error (or kill error) only when nothing observed the greenlet
// when it died.
func mustReport(err error, observed bool) bool {
	var pe *PanicError
	return !observed || errors.As(err, &pe)
}

// scheduleLinks queues notifyLinks on the greenlet's hub if there are links
// and no call is queued. On a destroyed hub, whose loop will not run again,
// the links run at once, so that waiters on other hubs and goroutines wake.
func (g *greenlet) scheduleLinks() {
	g.mu.Lock()
	need := len(g.links) > 0 && !g.notifying
	if need {
		g.notifying = true
	}
	g.mu.Unlock()
	switch {
	case !need:
	case g.hub.destroyed.Load():
		notifyLinks(g)
	default:
		g.hub.post(notifyLinks, g)
	}
}

// notifyLinks runs the links in registration order, including links added
// while it runs. A panicking link is reported and the rest still run.
func notifyLinks(arg any) {
	g := arg.(*greenlet)
	for {
		g.mu.Lock()
		if len(g.links) == 0 {
			g.notifying = false
			g.links = nil
			g.mu.Unlock()
			return
		}
		l := g.links[0]
		g.links[0] = link{}
		g.links = g.links[1:]
		failed := g.err != nil
		g.mu.Unlock()
		if (l.kind == linkValue && failed) || (l.kind == linkError && !failed) {
			continue
		}
		g.callLink(l)
	}
}

func (g *greenlet) callLink(l link) {
	defer func() {
		if r := recover(); r != nil {
			g.hub.report(fmt.Sprintf("link of %s", g.repr()), &PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	l.fn(l.arg)
}

func (g *greenlet) addLink(kind linkKind, fn func(any), arg any) LinkID {
	g.mu.Lock()
	g.linkSeq++
	id := g.linkSeq
	g.links = append(g.links, link{id: id, kind: kind, fn: fn, arg: arg})
	g.mu.Unlock()
	if g.state.Load() == dead {
		g.scheduleLinks()
	}
	return id
}

func (g *greenlet) unlink(id LinkID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, l := range g.links {
		if l.id == id {
			g.links = append(g.links[:i], g.links[i+1:]...)
			return true
		}
	}
	return false
}

func callLinkFunc(arg any) { arg.(func())() }

// Link registers fn to run on the greenlet's hub when the greenlet finishes,
// after the links registered before it and before Join returns to waiters
// that joined later (gevent's link; fn runs as a hub callback, so it must
// not block). Linking a finished greenlet schedules fn at once.
func (gr *Greenlet[T]) Link(fn func(*Greenlet[T])) LinkID {
	return gr.g.addLink(linkAll, callLinkFunc, func() { fn(gr) })
}

// LinkValue is Link for successful completion only.
func (gr *Greenlet[T]) LinkValue(fn func(*Greenlet[T])) LinkID {
	return gr.g.addLink(linkValue, callLinkFunc, func() { fn(gr) })
}

// LinkError is Link for failure only.
func (gr *Greenlet[T]) LinkError(fn func(*Greenlet[T])) LinkID {
	return gr.g.addLink(linkError, callLinkFunc, func() { fn(gr) })
}

// RawLink registers fn like Link, without the greenlet argument; it makes
// Greenlet a Waitable.
func (gr *Greenlet[T]) RawLink(fn func()) LinkID {
	return gr.g.addLink(linkAll, callLinkFunc, fn)
}

// Unlink removes a link that has not run yet; unknown ids are ignored.
func (gr *Greenlet[T]) Unlink(id LinkID) { gr.g.unlink(id) }

// Started reports whether the greenlet is scheduled or running and has not
// finished (gevent's started / bool(g)).
func (gr *Greenlet[T]) Started() bool {
	s := gr.g.state.Load()
	return s == scheduled || s == running
}

// Ready reports whether the greenlet has finished or was killed.
func (gr *Greenlet[T]) Ready() bool { return gr.g.state.Load() == dead }

// Dead reports the same as Ready (gevent's dead).
func (gr *Greenlet[T]) Dead() bool { return gr.Ready() }

// Successful reports whether the greenlet finished without an error; a
// greenlet killed with ErrGreenletExit counts as successful.
func (gr *Greenlet[T]) Successful() bool { return gr.Ready() && gr.Err() == nil }

// Value returns what the function returned, even when it also returned an
// error (like the n of io.Reader's n, err), or the zero value before it
// finished, after a panic, and for a greenlet killed before it started.
func (gr *Greenlet[T]) Value() T {
	var zero T
	if !gr.Ready() {
		return zero
	}
	return gr.value
}

// Err returns the error the greenlet failed with: the function's non-nil
// error, a *PanicError, the kill error (see WithError) of a greenlet killed
// before it started, or nil.
func (gr *Greenlet[T]) Err() error {
	if !gr.Ready() {
		return nil
	}
	gr.g.mu.Lock()
	defer gr.g.mu.Unlock()
	return gr.g.err
}

// Get waits until the greenlet finishes and returns its value and error,
// the value as Value returns it (kept even when the function also returned
// an error). If the wait itself fails (the caller is killed or times out),
// Get returns the zero value and that error.
func (gr *Greenlet[T]) Get() (T, error) {
	if err := gr.Join(); err != nil {
		var zero T
		return zero, err
	}
	return gr.Value(), gr.Err()
}

// GetTimeout is Get with a limit; after d it returns ErrTimeout. A d <= 0
// does not wait.
func (gr *Greenlet[T]) GetTimeout(d time.Duration) (T, error) {
	var zero T
	if err := gr.JoinTimeout(d); err != nil {
		return zero, err
	}
	return gr.Value(), gr.Err()
}

// TryGet returns the value and error of a finished greenlet without
// blocking, or ErrNotReady.
func (gr *Greenlet[T]) TryGet() (T, error) {
	if !gr.Ready() {
		var zero T
		return zero, ErrNotReady
	}
	return gr.Value(), gr.Err()
}

// Join waits until the greenlet finishes. It returns nil then, whatever the
// greenlet's outcome, or the error that ended the wait: the caller's kill or
// Timeout, ErrLoopExit, ErrBlockingSwitchOut.
func (gr *Greenlet[T]) Join() error {
	_, err := gr.g.join(-1)
	return err
}

// JoinTimeout is Join with a limit: after d it returns ErrTimeout. A d <= 0
// does not wait.
func (gr *Greenlet[T]) JoinTimeout(d time.Duration) error {
	ok, err := gr.g.join(max(d, 0))
	if err == nil && !ok {
		return ErrTimeout
	}
	return err
}

func switchWaiter(arg any) { arg.(*Waiter).Switch() }

// join waits for the greenlet; d < 0 waits forever. It reports false, nil
// when d passed first.
func (g *greenlet) join(d time.Duration) (bool, error) {
	if g.state.Load() == dead {
		return true, nil
	}
	h, t := current()
	var w *Waiter
	if t != nil && h == g.hub && t != &g.task {
		w = &t.joinW // safe to reuse: links of this hub cannot be mid-call now
		w.hub, w.t = h, t
		w.reset()
	} else {
		w = NewWaiter()
		w.setRef(h != g.hub)
	}
	if h != nil && t == &h.main {
		h.mainWaitFor = g
	}
	id := g.addLink(linkAll, switchWaiter, w)
	ok, err := w.wait(d)
	if h != nil && t == &h.main {
		h.mainWaitFor = nil
	}
	if !ok {
		g.unlink(id)
	}
	return ok, err
}

// Kill kills the greenlet (gevent's kill): its pending or next blocking
// call returns the kill error, and so does every later one (the kill is
// sticky, like a cancelled context): cleanup that must block after a kill
// runs inside Shield, which holds the kill back until its function returns
// or its own bound passes. A greenlet that has not
// started never runs: it is dead at once, its links still run, and it
// counts as successful when killed with ErrGreenletExit.
//
// Kill honours WithError (the error delivered; by default ErrGreenletExit),
// NoBlock (return once the kill is posted) and Within (wait at most d for
// the greenlet to finish; d <= 0 does not wait). Without NoBlock it waits
// until the greenlet has finished and returns nil, ErrTimeout if it
// survives Within's limit (a greenlet may ignore the kill), or the error
// that interrupted the wait (the caller's own kill or Timeout). Kill on a
// dead greenlet returns nil at once. It may be called from any goroutine; a
// greenlet may kill itself (it does not wait then; the kill takes effect at
// its next blocking call), and a loop callback never waits.
func (gr *Greenlet[T]) Kill(opts ...Option) error {
	return gr.g.kill(makeOptions(opts))
}

func (g *greenlet) kill(o options.Options) error {
	err := o.Err
	if err == nil {
		err = ErrGreenletExit
	}
	if g.state.CompareAndSwap(unstarted, dead) {
		g.hub.unstarted.Add(-1)
		g.killBeforeStart(err)
		return nil
	}
	if g.state.CompareAndSwap(scheduled, dead) {
		g.killBeforeStart(err)
		return nil
	}
	if g.state.Load() == dead {
		return nil
	}
	g.hub.post(killGreenlet, &killReq{g, err})
	// A loop callback (a hub but no task) cannot wait; a plain goroutine
	// (no hub) waits on a channel.
	if h, t := current(); o.NoBlock || t == &g.task || (h != nil && t == nil) {
		return nil
	}
	d := time.Duration(-1)
	if o.HasTimeout {
		d = o.Timeout
	}
	ok, jerr := g.join(d)
	if jerr != nil {
		return jerr
	}
	if !ok {
		return ErrTimeout
	}
	return nil
}

type killReq struct {
	g   *greenlet
	err error
}

// killGreenlet runs on the greenlet's hub.
func killGreenlet(arg any) {
	req := arg.(*killReq)
	t := &req.g.task
	if req.g.state.Load() == dead {
		return
	}
	if t.killErr == nil {
		t.killErr = req.err
	}
	if t.shields == 0 {
		t.interrupt(req.err)
	}
}

func (g *greenlet) killBeforeStart(err error) {
	if errors.Is(err, ErrGreenletExit) {
		err = nil
	}
	g.mu.Lock()
	g.err = err
	observed := len(g.links) > 0
	g.mu.Unlock()
	if err != nil && g.hub != nil && !errors.Is(err, ErrHubDestroyed) && mustReport(err, observed) {
		g.hub.report(g.repr(), err)
	}
	if g.hub != nil {
		g.scheduleLinks()
	}
}

// hubOf is Hub without pinning the hub, for comparisons.
func (gr *Greenlet[T]) hubOf() *Hub { return gr.g.hub }

// Hub returns the hub the greenlet runs on. The hub is kept then: an
// implicit hub handed out is not released (see the package documentation).
func (gr *Greenlet[T]) Hub() *Hub {
	if h := gr.g.hub; h != nil {
		h.pin()
	}
	return gr.g.hub
}

// Name returns the greenlet's name; by default "Greenlet-<id>".
func (gr *Greenlet[T]) Name() string {
	gr.g.mu.Lock()
	defer gr.g.mu.Unlock()
	if gr.g.name != "" {
		return gr.g.name
	}
	return fmt.Sprintf("Greenlet-%d", gr.g.id)
}

// SetName sets the greenlet's name.
func (gr *Greenlet[T]) SetName(name string) {
	gr.g.mu.Lock()
	gr.g.name = name
	gr.g.mu.Unlock()
}

// ID returns the greenlet's small id: unique among the live greenlets of its
// hub, the smallest free one when it started, reused after it finished
// (gevent's minimal_ident). It is 0 before the greenlet starts.
func (gr *Greenlet[T]) ID() uint64 {
	gr.g.mu.Lock()
	defer gr.g.mu.Unlock()
	return gr.g.id
}

// String returns gevent's repr: <Greenlet "name" at 0x…: function>.
func (gr *Greenlet[T]) String() string { return gr.g.repr() }

func (g *greenlet) repr() string {
	g.mu.Lock()
	name := g.name
	if name == "" {
		name = fmt.Sprintf("Greenlet-%d", g.id)
	}
	g.mu.Unlock()
	fn := "?"
	if f := runtime.FuncForPC(g.fnPtr); f != nil {
		fn = f.Name()
	}
	return fmt.Sprintf("<Greenlet %q at %p: %s>", name, g, fn)
}
