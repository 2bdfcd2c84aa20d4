package pool

import (
	"iter"
	"sync"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// Spawn starts fn in a new greenlet of the caller's hub and adds it to s
// (gevent's Group.spawn). In a full Pool it first waits for a free slot, in
// the order spawners started waiting, and returns nil and the error that
// ended the wait: the caller's Kill (gevent.ErrGreenletExit) or Timeout,
// gevent.ErrLoopExit, gevent.ErrBlockingSwitchOut in a loop callback.
// Otherwise it returns at once; the greenlet runs when the caller next
// switches, and leaves s when it finishes.
func Spawn[T any](s Spawner, fn func() (T, error)) (*gevent.Greenlet[T], error) {
	g := s.group()
	hubapi.Touch(&g.aff)
	if g.sem != nil {
		if err := g.sem.Acquire(); err != nil {
			return nil, err
		}
	}
	return start(g, fn), nil
}

// TrySpawn is Spawn without waiting: it returns nil and ErrPoolFull when a
// Pool has no free slot.
func TrySpawn[T any](s Spawner, fn func() (T, error)) (*gevent.Greenlet[T], error) {
	g := s.group()
	hubapi.Touch(&g.aff)
	if g.sem != nil && !g.sem.TryAcquire() {
		return nil, ErrPoolFull
	}
	return start(g, fn), nil
}

// start creates the greenlet, adds it with the slot already taken, and
// starts it.
func start[T any](g *Group, fn func() (T, error)) *gevent.Greenlet[T] {
	gr := gevent.New(fn)
	g.insert(gr)
	gr.Start()
	return gr
}

// Apply runs fn in s and returns its result (gevent's apply). Called from a
// greenlet that is a member of s, it calls fn directly, so that a task of a
// Pool of size 1 can apply another without waiting for itself. Otherwise it
// spawns fn as Spawn does and waits for it; the error is fn's, or the one
// that ended a wait (see Spawn and gevent.Greenlet.Get).
func Apply[T any](s Spawner, fn func() (T, error)) (T, error) {
	if cur := gevent.Current(); cur != nil && s.group().has(cur) {
		return fn()
	}
	gr, err := Spawn(s, fn)
	if err != nil {
		var zero T
		return zero, err
	}
	return gr.Get()
}

// Map calls fn on every item of in, each in a greenlet spawned into s, and
// returns the results in input order with the first error in input order
// (gevent's map); a failed call's result is what fn returned with its
// error (as gevent.Greenlet.Get keeps it), or the zero value after a panic. If the
// caller's wait is interrupted (its Kill or Timeout), Map returns the
// results so far with that error, and the unfinished calls are killed.
func Map[In, Out any](s Spawner, in iter.Seq[In], fn func(In) (Out, error)) ([]Out, error) {
	var out []Out
	var first error
	for v, err := range IMap(s, in, fn) {
		out = append(out, v)
		if err != nil && first == nil {
			first = err
		}
	}
	return out, first
}

// IMap calls fn on every item of in, each in a greenlet spawned into s, and
// yields the results in input order as they become available (gevent's
// imap). A call that fails yields what it returned and its error at its
// position, and iteration goes on with the next one. The items are read, and the calls spawned, by
// the iterating context, between the results it yields: in a full Pool,
// reading waits for a free slot. If that wait or the wait for a result is
// interrupted (the caller's Kill or Timeout), IMap yields the zero value
// and that error, then stops. When iteration stops early, the calls whose
// results were not yielded are killed (without waiting for them).
func IMap[In, Out any](s Spawner, in iter.Seq[In], fn func(In) (Out, error)) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		m := &mapper[In, Out]{s: s, fn: fn, ordered: true, yield: yield}
		m.run(in)
	}
}

// IMapUnordered is IMap yielding the results in the order the calls finish
// (gevent's imap_unordered).
func IMapUnordered[In, Out any](s Spawner, in iter.Seq[In], fn func(In) (Out, error)) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		m := &mapper[In, Out]{s: s, fn: fn, yield: yield}
		m.run(in)
	}
}

// mapper is one iteration of IMap or IMapUnordered. All fields but fin
// belong to the iterating context.
type mapper[In, Out any] struct {
	s       Spawner
	fn      func(In) (Out, error)
	ordered bool
	yield   func(Out, error) bool

	tasks []*gevent.Greenlet[Out]
	done  []bool // ordered: tasks[i] has finished
	given []bool // tasks[i]'s result was yielded
	next  int    // ordered: the index to yield next
	left  int    // tasks whose result was not yielded
	fin   finished
}

// finished collects the indexes of the tasks that finished, in completion
// order; the tasks' links add to it.
type finished struct {
	mu  sync.Mutex
	idx []int          // guarded by mu
	w   *gevent.Waiter // the iterating context while it waits; guarded by mu
}

func (f *finished) add(i int) {
	f.mu.Lock()
	f.idx = append(f.idx, i)
	w := f.w
	f.w = nil
	f.mu.Unlock()
	if w != nil {
		w.Switch()
	}
}

// take returns the finished indexes collected so far.
func (f *finished) take(buf []int) []int {
	f.mu.Lock()
	buf = append(buf[:0], f.idx...)
	f.idx = f.idx[:0]
	f.mu.Unlock()
	return buf
}

// wait waits until some task has finished.
func (f *finished) wait() error {
	f.mu.Lock()
	if len(f.idx) > 0 {
		f.mu.Unlock()
		return nil
	}
	w := gevent.NewWaiter() // the tasks run on this hub: no SetRef
	f.w = w
	f.mu.Unlock()
	err := w.Wait()
	if err != nil {
		f.mu.Lock()
		if f.w == w {
			f.w = nil
		}
		f.mu.Unlock()
	}
	return err
}

func (m *mapper[In, Out]) run(in iter.Seq[In]) {
	defer m.cleanup()
	for x := range in {
		gr, err := Spawn(m.s, func() (Out, error) { return m.fn(x) })
		if err != nil {
			m.fail(err)
			return
		}
		i := len(m.tasks)
		m.tasks = append(m.tasks, gr)
		m.done = append(m.done, false)
		m.given = append(m.given, false)
		m.left++
		gr.RawLink(func() { m.fin.add(i) })
		if !m.drain(false) {
			return
		}
	}
	for m.left > 0 {
		if !m.drain(true) {
			return
		}
	}
}

// drain yields the results that are due; with block it waits until it has
// yielded at least one. It reports false when iteration must stop.
func (m *mapper[In, Out]) drain(block bool) bool {
	var buf []int
	for {
		yielded := false
		buf = m.fin.take(buf)
		for _, i := range buf {
			if m.ordered {
				m.done[i] = true
				continue
			}
			if !m.emit(i) {
				return false
			}
			yielded = true
		}
		for m.ordered && m.next < len(m.tasks) && m.done[m.next] {
			if !m.emit(m.next) {
				return false
			}
			m.next++
			yielded = true
		}
		if !block || yielded || m.left == 0 {
			return true
		}
		if err := m.fin.wait(); err != nil {
			m.fail(err)
			return false
		}
	}
}

// emit yields task i's result.
func (m *mapper[In, Out]) emit(i int) bool {
	m.given[i] = true
	m.left--
	v, err := m.tasks[i].TryGet()
	return m.yield(v, err)
}

// fail yields the error that ended a wait of the iterating context.
func (m *mapper[In, Out]) fail(err error) {
	var zero Out
	m.yield(zero, err)
}

// cleanup kills the tasks whose results were not yielded.
func (m *mapper[In, Out]) cleanup() {
	for i, gr := range m.tasks {
		if !m.given[i] {
			gr.Kill(gevent.NoBlock())
		}
	}
}
