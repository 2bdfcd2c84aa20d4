package hubapi

import (
	"sync/atomic"

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
type Affinity struct {
	home   atomic.Pointer[gevent.Hub]
	shared atomic.Bool
}

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

// Share marks the object shared in advance, for an object that a hub will
// wait on before the other hub or goroutine that wakes it has touched it:
// its waits then keep the waiting hub alive from the start.
func Share(a *Affinity) { a.shared.Store(true) }

// Home returns the hub the object has been used from, or nil when it is
// shared or has not been used.
func Home(a *Affinity) *gevent.Hub {
	if a.shared.Load() {
		return nil
	}
	return a.home.Load()
}

// Shared reports whether Touch has seen more than one context.
func Shared(a *Affinity) bool { return a.shared.Load() }
