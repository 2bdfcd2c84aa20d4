package hubapi

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hooks"
)

// Affinity records which contexts use an object, so that waits on an object
// shared by several hubs or goroutines keep the waiting hub alive (see
// SetRef), while an object used by one hub only keeps gevent's deadlock
// detection (ErrLoopExit). The zero value is ready to use and
// goroutine-safe.
//
// A waitable object embeds its Affinity under an unexported alias
// (type aff = hubapi.Affinity), so that nothing of it shows in the object's
// API: gevent's JoinAll, Wait and IWait find the object's home hub through
// it and keep the waiting hub alive only for objects that another context
// may wake. Its operations are therefore functions, not methods.
//
// An object that guards its state with a mutex may let the Affinity be its
// lock instead (Enter, Leave): while only its home hub has used it, the
// hub's greenlets, which never run at once, enter their sections without
// the mutex. The first other context to use it revokes that bias: it waits
// until the home hub is out of its section, and from then on every section
// takes the mutex.
type Affinity struct {
	home  atomic.Pointer[gevent.Hub]
	state atomic.Uint32 // stBiased, stShared; both: a revocation is under way
	busy  uint32        // 1 while the home hub is in a section without the mutex (setBusy)
}

// Affinity states. Zero: used by no context yet, or by its home hub through
// Touch only.
const (
	stBiased uint32 = 1 << iota // the home hub's sections run without the mutex
	stShared                    // used by more than one context: sections take the mutex
)

// affinity makes the objects that embed an Affinity homed.
func (a *Affinity) affinity() *Affinity { return a }

type homed interface{ affinity() *Affinity }

func init() {
	hooks.HomeOf = func(obj any) any {
		if o, ok := obj.(homed); ok {
			if h := Home(o.affinity()); h != nil {
				return h
			}
		}
		return nil
	}
}

// Touch records the calling context and reports whether the object has been
// used by more than one hub, or by a goroutine without a hub.
func Touch(a *Affinity) bool { return TouchIn(a, Current()) }

// TouchIn is Touch for the context c.
func TouchIn(a *Affinity, c Ctx) bool {
	if a.state.Load()&stShared != 0 {
		return true
	}
	if h := c.hub; h != nil {
		if home := a.home.Load(); home == h || (home == nil && a.home.CompareAndSwap(nil, h)) {
			return false
		}
	}
	share(a)
	return true
}

// Share marks the object shared in advance, for an object that a hub will
// wait on before the other hub or goroutine that wakes it has touched it:
// its waits then keep the waiting hub alive from the start. Called while the
// home hub is in a section without the mutex, it waits until that section
// is over; it must not be called inside a section.
func Share(a *Affinity) { share(a) }

// Home returns the hub the object has been used from, or nil when it is
// shared or has not been used.
func Home(a *Affinity) *gevent.Hub {
	if a.state.Load()&stShared != 0 {
		return nil
	}
	return a.home.Load()
}

// Shared reports whether Touch has seen more than one context.
func Shared(a *Affinity) bool { return a.state.Load()&stShared != 0 }

// AtHome reports whether c runs on the hub the object a was first used
// from (shared or not): the callers for which that holds never run at once.
func AtHome(a *Affinity, c Ctx) bool { return c.hub != nil && a.home.Load() == c.hub }

// Enter begins a section of the object that a and mu guard, for the calling
// context c: it is TouchIn (shared is its result) and mu.Lock in one, except
// that on the object's home hub, while no other context has used the
// object, the section runs without mu (biased reports that). The caller ends
// the section with Leave(a, mu, biased). A section must not switch or
// block: it is a critical section of mu either way. Enter may wait, without
// switching, for a revocation of the bias under way on another goroutine
// (see Share).
func Enter(a *Affinity, mu *sync.Mutex, c Ctx) (shared, biased bool) {
	if c.hub != nil && a.state.Load() == stBiased && a.home.Load() == c.hub && markBusy(a) {
		return false, true
	}
	return enterSlow(a, mu, c)
}

// markBusy announces a section of the home hub without the mutex and
// reports whether the object is still biased; if not, it takes the
// announcement back.
func markBusy(a *Affinity) bool {
	setBusy(&a.busy, 1)
	if a.state.Load() == stBiased { // after busy: see revoke
		return true
	}
	setBusy(&a.busy, 0)
	return false
}

// enterSlow is Enter when the fast path did not apply: it makes the object
// biased to c's hub when c is the first context to use it, or shares it.
func enterSlow(a *Affinity, mu *sync.Mutex, c Ctx) (shared, biased bool) {
	for {
		st := a.state.Load()
		if st&stShared != 0 {
			break
		}
		h := c.hub
		if h == nil {
			share(a)
			break
		}
		home := a.home.Load()
		if home == nil && a.home.CompareAndSwap(nil, h) {
			home = h
		} else if home == nil {
			continue
		}
		if home != h {
			share(a)
			break
		}
		if st == 0 && !a.state.CompareAndSwap(0, stBiased) {
			continue
		}
		if markBusy(a) {
			return false, true
		}
	}
	awaitShared(a)
	mu.Lock()
	return true, false
}

// EnterShared is Enter for a caller that cannot tell whether it runs at
// the object's home (a wait unwound by its hub's destruction): it shares
// the object and locks mu. The caller ends the section with Leave(a, mu,
// false).
func EnterShared(a *Affinity, mu *sync.Mutex) {
	share(a)
	mu.Lock()
}

// Leave ends the section that Enter began; biased is Enter's result.
func Leave(a *Affinity, mu *sync.Mutex, biased bool) {
	if biased {
		setBusy(&a.busy, 0)
		return
	}
	unlock(mu)
}

// unlock is mu.Unlock out of line, so that Leave is inlined.
//
//go:noinline
func unlock(mu *sync.Mutex) { mu.Unlock() }

// share marks the object shared; if it was biased, it revokes the bias.
func share(a *Affinity) {
	for {
		switch st := a.state.Load(); st {
		case stShared:
			return
		case 0:
			if a.state.CompareAndSwap(0, stShared) {
				return
			}
		case stBiased:
			if a.state.CompareAndSwap(stBiased, stBiased|stShared) {
				revoke(a)
				return
			}
		default: // another goroutine revokes the bias
			awaitShared(a)
			return
		}
	}
}

// revoke ends the bias of an object whose state the caller has just set to
// stBiased|stShared. The home hub sets busy before it checks the state
// (Enter) with a plain store where an asymmetric fence is available: the
// fence makes that store visible here, or the state visible there, before
// busy is read, as a full fence on both sides would (Dekker's protocol).
// Once busy reads 0, no section is under way without the mutex and none
// will begin: every later section takes the mutex.
func revoke(a *Affinity) {
	asymmetricFence()
	for i := 0; atomic.LoadUint32(&a.busy) != 0; i++ {
		backoff(i)
	}
	a.state.Store(stShared)
}

// awaitShared waits until a revocation under way on another goroutine is
// over. A section is short and never blocks, so the wait is too.
func awaitShared(a *Affinity) {
	for i := 0; a.state.Load() != stShared; i++ {
		backoff(i)
	}
}

// backoff is the i-th round of a short spin-wait: yields first, then
// sleeps, for a home hub descheduled in its section.
func backoff(i int) {
	if i < 64 {
		runtime.Gosched()
		return
	}
	time.Sleep(time.Duration(min(i-63, 100)) * time.Microsecond)
}
