package pool

import (
	"cmp"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/options"
	"github.com/geventgo/gevent/lock"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrPoolFull is returned by TryAdd, AddTimeout and TrySpawn when the
	// Pool has no free slot (gevent's PoolFull).
	ErrPoolFull = errors.New("pool: pool is full")
)

// Group is a set of greenlets that leave it when they finish
// (gevent.pool.Group): spawn into it, wait for all of them with Join, kill
// them all with Kill. A Group has no size limit; a Pool, which is a Group
// with one, makes spawning wait for a free slot.
//
// Members may be greenlets of any result type and of any hub: a member is a
// gevent.Killable, identified by its value (use pointers, such as the
// *gevent.Greenlet that gevent.Spawn returns). All methods may be called
// from any goroutine. The zero value is an empty Group ready to use. A Group
// must not be copied after first use.
type Group struct {
	_ noCopy

	// sem holds one permit per free slot; nil when there is no limit.
	// Immutable.
	sem  *lock.Semaphore
	size int // immutable; 0 when there is no limit

	aff hubapi.Affinity
	// foreign is set once a member of another hub than its adder's, or of
	// no known hub, joins: a Join must then keep its hub alive.
	foreign atomic.Bool

	mu      sync.Mutex       // guards the fields below
	members map[any]*member  // by the member's value
	seq     uint64           // insertion counter, for Members' order
	joiners []*gevent.Waiter // Joins waiting for the group to be empty
}

// member is one greenlet of a Group.
type member struct {
	k    gevent.Killable
	seq  uint64
	link gevent.LinkID // the link that removes it; guarded by Group.mu
}

// NewGroup returns an empty Group.
func NewGroup() *Group { return &Group{} }

// Spawner is implemented by *Group and *Pool only: the set that Spawn,
// TrySpawn, Apply, Map, IMap and IMapUnordered spawn into.
type Spawner interface {
	Len() int
	group() *Group
}

func (g *Group) group() *Group { return g }

// Len returns the number of members.
func (g *Group) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.members)
}

// Has reports whether k is a member (gevent's `in`).
func (g *Group) Has(k gevent.Killable) bool { return g.has(k) }

func (g *Group) has(k any) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.members[k]
	return ok
}

// Members returns the members in the order they were added.
func (g *Group) Members() []gevent.Killable {
	g.mu.Lock()
	ms := make([]*member, 0, len(g.members))
	for _, m := range g.members {
		ms = append(ms, m)
	}
	g.mu.Unlock()
	slices.SortFunc(ms, func(a, b *member) int { return cmp.Compare(a.seq, b.seq) })
	ks := make([]gevent.Killable, len(ms))
	for i, m := range ms {
		ks[i] = m.k
	}
	return ks
}

// Add makes k a member until it finishes or is discarded (gevent's add).
// It does not start k. In a Pool it waits for a free slot first and returns
// the error that ended that wait, as lock.Semaphore.Acquire does; in a
// Group it never blocks. Adding a member again does nothing.
func (g *Group) Add(k gevent.Killable) error {
	hubapi.Touch(&g.aff)
	if g.has(k) {
		return nil
	}
	if g.sem != nil {
		if err := g.sem.Acquire(); err != nil {
			return err
		}
	}
	g.insert(k)
	return nil
}

// TryAdd is Add without waiting: it returns ErrPoolFull when a Pool has no
// free slot.
func (g *Group) TryAdd(k gevent.Killable) error {
	hubapi.Touch(&g.aff)
	if g.has(k) {
		return nil
	}
	if g.sem != nil && !g.sem.TryAcquire() {
		return ErrPoolFull
	}
	g.insert(k)
	return nil
}

// AddTimeout is Add with a limit on the wait for a slot: it returns
// ErrPoolFull when d passes first. With d <= 0 it does not wait.
func (g *Group) AddTimeout(k gevent.Killable, d time.Duration) error {
	hubapi.Touch(&g.aff)
	if g.has(k) {
		return nil
	}
	if g.sem != nil {
		ok, err := g.sem.AcquireTimeout(d)
		if err != nil {
			return err
		}
		if !ok {
			return ErrPoolFull
		}
	}
	g.insert(k)
	return nil
}

// insert adds k, holding a slot of a Pool, and links its removal.
func (g *Group) insert(k gevent.Killable) {
	if h, ok := k.(interface{ Hub() *gevent.Hub }); !ok || h.Hub() != hubapi.CurrentHubIfAny() {
		g.foreign.Store(true)
	}
	g.mu.Lock()
	if _, dup := g.members[k]; dup {
		g.mu.Unlock()
		g.releaseSlot()
		return
	}
	if g.members == nil {
		g.members = make(map[any]*member)
	}
	g.seq++
	m := &member{k: k, seq: g.seq}
	g.members[k] = m
	g.mu.Unlock()
	id := k.RawLink(func() { g.remove(k, m, false) })
	g.mu.Lock()
	m.link = id
	g.mu.Unlock()
}

// Discard removes k from the group without waiting for it or killing it,
// and frees its slot in a Pool. Discarding a non-member does nothing.
func (g *Group) Discard(k gevent.Killable) { g.remove(k, nil, true) }

// remove removes k if it is a member (and, with m set, still the same
// membership). It runs as k's link when k finishes.
func (g *Group) remove(k gevent.Killable, m *member, unlink bool) {
	g.mu.Lock()
	cur := g.members[k]
	if cur == nil || (m != nil && cur != m) {
		g.mu.Unlock()
		return
	}
	delete(g.members, k)
	var joiners []*gevent.Waiter
	if len(g.members) == 0 {
		joiners, g.joiners = g.joiners, nil
	}
	id := cur.link
	g.mu.Unlock()
	if unlink && id != 0 {
		k.Unlink(id)
	}
	g.releaseSlot()
	for _, w := range joiners {
		w.Switch()
	}
}

// releaseSlot gives a Pool's slot back.
func (g *Group) releaseSlot() {
	if g.sem != nil {
		g.sem.Release() // never fails: the semaphore is not bounded
	}
}

// Join waits until the group is empty (gevent's join). It returns nil
// then, even if members were added afterwards, or the error that ended the
// wait: the caller's Kill or Timeout, gevent.ErrLoopExit,
// gevent.ErrBlockingSwitchOut. Joining from a member waits for itself.
//
// Join honours gevent.Within (wait at most d, d <= 0 does not wait; it
// returns gevent.ErrTimeout if the group is not empty by then) and
// gevent.RaiseError (after the wait, return the error of the first member
// present at the call, in the order they were added, that has failed). An
// error that interrupts the wait itself comes first.
func (g *Group) Join(opts ...gevent.Option) error {
	o := getOptions(opts)
	shared := hubapi.Touch(&g.aff) || g.foreign.Load()
	var snapshot []gevent.Killable
	if o.RaiseError {
		snapshot = g.Members()
	}
	g.mu.Lock()
	if len(g.members) == 0 {
		g.mu.Unlock()
		return firstError(snapshot)
	}
	if o.HasTimeout && o.Timeout <= 0 {
		g.mu.Unlock()
		return cmpOr(firstError(snapshot), gevent.ErrTimeout)
	}
	w := gevent.NewWaiter()
	hubapi.SetRef(w, shared)
	g.joiners = append(g.joiners, w)
	g.mu.Unlock()

	var ok bool
	var err error
	if !o.HasTimeout {
		err = w.Wait()
		ok = err == nil
	} else {
		ok, err = w.WaitTimeout(o.Timeout)
	}
	if !ok {
		g.mu.Lock()
		if i := slices.Index(g.joiners, w); i >= 0 {
			g.joiners = slices.Delete(g.joiners, i, i+1)
		}
		g.mu.Unlock()
	}
	if err != nil {
		return err
	}
	if e := firstError(snapshot); e != nil {
		return e
	}
	if !ok {
		return gevent.ErrTimeout
	}
	return nil
}

// JoinTimeout is Join(gevent.Within(d)).
func (g *Group) JoinTimeout(d time.Duration) error { return g.Join(gevent.Within(d)) }

// getOptions reads gevent options.
func getOptions(opts []gevent.Option) options.Options {
	var o options.Options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// firstError returns the error of the first of ks that has failed.
func firstError(ks []gevent.Killable) error {
	for _, k := range ks {
		if e, ok := k.(interface{ Err() error }); ok && k.Ready() && e.Err() != nil {
			return e.Err()
		}
	}
	return nil
}

func cmpOr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Kill kills every member, including members added while it runs
// (gevent's kill). It honours gevent.WithError (the error delivered; by
// default gevent.ErrGreenletExit), gevent.NoBlock (return once the kills
// are posted) and gevent.Within (wait at most d; d <= 0 does not wait).
// Without NoBlock it waits until the members have finished and returns
// nil, gevent.ErrTimeout if some survive Within's limit, or the error that
// interrupted the wait. A member that kills its own group is killed last,
// without waiting for itself: its next blocking call returns the error.
func (g *Group) Kill(opts ...gevent.Option) error {
	o := getOptions(opts)
	hubapi.Touch(&g.aff)
	me := gevent.Current()
	var deadline time.Time
	if o.HasTimeout {
		deadline = time.Now().Add(o.Timeout)
	}
	kill := []gevent.Option{gevent.WithError(o.Err), gevent.NoBlock()}
	killed := make(map[any]bool)
	var self gevent.Killable
	for {
		var others []gevent.Killable
		fresh := false
		for _, k := range g.Members() {
			if me != nil && any(k) == me {
				self = k
				continue
			}
			others = append(others, k)
			if !killed[k] {
				killed[k], fresh = true, true
				k.Kill(kill...)
			}
		}
		if o.NoBlock || len(others) == 0 {
			break
		}
		if !fresh && allReady(others) {
			break // finished members whose removal cannot run (their hub is gone)
		}
		var wopts []gevent.Option
		if o.HasTimeout {
			left := time.Until(deadline)
			if left <= 0 {
				return gevent.ErrTimeout
			}
			wopts = append(wopts, gevent.Within(left))
		}
		done, werr := gevent.JoinAll(others, wopts...)
		// Finished members leave now, not when their links run: a member
		// killed before it started is dead at once, and JoinAll does not
		// wait for what is ready.
		for _, k := range done {
			g.remove(k, nil, true)
		}
		if werr != nil {
			return werr
		}
		if len(done) < len(others) {
			return gevent.ErrTimeout
		}
	}
	if self != nil {
		self.Kill(kill...)
	}
	return nil
}

func allReady(ks []gevent.Killable) bool {
	for _, k := range ks {
		if !k.Ready() {
			return false
		}
	}
	return true
}

// noCopy makes go vet's copylocks check report copies of the types that
// embed it.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
