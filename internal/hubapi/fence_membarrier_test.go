//go:build linux && amd64 && !race

package hubapi

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestAsymmetricFence is the store-buffering litmus test of the biased
// Affinity: one goroutine stores with setBusy and then loads, as the home
// hub's Enter does; the other stores atomically, fences with
// asymmetricFence and then loads, as revoke does. Both loads reading the
// old value is what the fence forbids; without it, a few rounds in a
// hundred show it on amd64.
func TestAsymmetricFence(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs two threads running at once")
	}
	var x, y uint32               // x: busy, y: state
	var start, done atomic.Uint32 // round started, round done by the other goroutine
	var r1, r2 uint32
	const rounds = 100000
	deadline := time.Now().Add(3 * time.Second)
	stop := make(chan struct{})
	n := 0
	defer close(stop)
	go func() {
		for i := uint32(1); ; i++ {
			for start.Load() != i {
				select {
				case <-stop:
					return
				default:
				}
			}
			setBusy(&x, 1)
			r1 = atomic.LoadUint32(&y)
			done.Store(i)
		}
	}()
	for i := uint32(1); i <= rounds && time.Now().Before(deadline); i++ {
		x, y = 0, 0
		start.Store(i)
		atomic.StoreUint32(&y, 1)
		asymmetricFence()
		r2 = atomic.LoadUint32(&x)
		for done.Load() != i {
			runtime.Gosched()
		}
		if r1 == 0 && r2 == 0 {
			t.Fatalf("round %d: both loads read 0 (asymmetric %v)", i, asymmetric)
		}
		n++
	}
	t.Logf("%d rounds, asymmetric %v", n, asymmetric)
}
