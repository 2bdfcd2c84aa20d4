package pool

import (
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/lock"
)

// Pool is a Group with a limit on its size (gevent.pool.Pool): spawning
// into a full Pool waits until a member finishes, TryAdd and TrySpawn fail
// with ErrPoolFull instead, and FreeCount, Full and WaitAvailable tell
// about the free slots. The slots are a lock.Semaphore: waiting spawners get
// them in the order they started waiting.
//
// All methods may be called from any goroutine. The zero Pool has no limit,
// like gevent's Pool(None); use New for a limit. A Pool must not be copied
// after first use.
type Pool struct {
	Group
}

// New returns a Pool of at most size members. A size <= 0 means no limit:
// the Pool then behaves as a Group (gevent's Pool(None)).
func New(size int) *Pool {
	if size <= 0 {
		return &Pool{}
	}
	return &Pool{Group{sem: lock.NewSemaphore(size), size: size}}
}

// Size returns the Pool's limit, or 0 when it has none.
func (g *Group) Size() int { return g.size }

// FreeCount returns the number of free slots (gevent's free_count): members
// that can be added without waiting. Without a limit it returns 1, as
// gevent does, so that `FreeCount() > 0` holds.
func (g *Group) FreeCount() int {
	if g.sem == nil {
		return 1
	}
	return max(g.sem.Value(), 0)
}

// Full reports whether no slot is free. A Group is never full.
func (g *Group) Full() bool { return g.sem != nil && g.sem.Locked() }

// WaitAvailable waits until a slot is free, without taking it, and returns
// the number of free slots (gevent's wait_available), or 0 and the error
// that ended the wait, as lock.Semaphore.Wait does. Without a limit it
// returns at once.
func (g *Group) WaitAvailable() (int, error) {
	if g.sem == nil {
		return 1, nil
	}
	if err := g.sem.Wait(); err != nil {
		return 0, err
	}
	return g.FreeCount(), nil
}

// WaitAvailableTimeout is WaitAvailable with a limit: after d it returns
// the number of free slots, 0 if none came free.
func (g *Group) WaitAvailableTimeout(d time.Duration) (int, error) {
	if g.sem == nil {
		return 1, nil
	}
	if _, err := g.sem.WaitTimeout(d); err != nil {
		return 0, err
	}
	return g.FreeCount(), nil
}

// Go spawns fn into the group in a new greenlet of the caller's hub. In a
// full Pool it waits for a free slot first and returns the error that ended
// that wait; otherwise it returns nil. See Spawn.
func (g *Group) Go(fn func()) error {
	_, err := Spawn(g, noResult(fn))
	return err
}

// TryGo spawns fn like Go if a slot is free, and reports whether it did.
// It never blocks.
func (g *Group) TryGo(fn func()) bool {
	_, err := TrySpawn(g, noResult(fn))
	return err == nil
}

func noResult(fn func()) func() (struct{}, error) {
	return func() (struct{}, error) {
		fn()
		return struct{}{}, nil
	}
}

var (
	_ Spawner         = (*Group)(nil)
	_ Spawner         = (*Pool)(nil)
	_ gevent.Killable = (*gevent.Greenlet[int])(nil)
)
