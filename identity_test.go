package gevent_test

import (
	"fmt"
	"testing"

	"github.com/geventgo/gevent"
)

// TestGoroutineKeepsIdentityWhenItGetsAHub: a goroutine without a hub sets
// a local.Local and takes an RLock, then gets a hub by gevent.Go(f).Join(),
// which releases it again, twice; then it takes a hub that stays
// (CurrentHub), takes the lock again and destroys that hub. The value and
// the lock ownership survive every step (issue 8 §5; gevent 22.10.2, in a
// new thread: prints the local's value and releases the lock).
func TestGoroutineKeepsIdentityWhenItGetsAHub(t *testing.T) {
	var id identity
	onPlainGoroutine(t, func() {
		if !id.take(t) {
			return
		}
		for i := range 2 {
			if err := gevent.Go(func() {}).Join(); err != nil {
				t.Errorf("Join %d = %v", i, err)
			}
			if gevent.HasHub() {
				t.Errorf("hub kept after Join %d", i)
			}
			if !id.kept(t, fmt.Sprintf("after Join %d made and released a hub", i)) {
				return
			}
		}
		h := gevent.CurrentHub()
		if err := id.rl.Acquire(); err != nil {
			t.Errorf("re-entrant Acquire on the hub = %v", err)
		}
		h.Destroy()
		id.kept(t, "after the hub's Destroy")
		id.drop(t, 2)
	})
}
