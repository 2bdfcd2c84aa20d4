package hubapi_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// TestEnterHome: the home hub's sections run without the mutex until
// another context uses the object; then every section, the home hub's too,
// takes it, and the object reports sharing.
func TestEnterHome(t *testing.T) {
	var a hubapi.Affinity
	var mu sync.Mutex
	runHub(t, func(*gevent.Hub) {
		for i := range 2 {
			shared, biased := hubapi.Enter(&a, &mu, hubapi.Current())
			if shared || !biased {
				t.Errorf("home Enter %d = %v, %v; want false, true", i, shared, biased)
			}
			if !mu.TryLock() {
				t.Error("a biased section holds the mutex")
			} else {
				mu.Unlock()
			}
			hubapi.Leave(&a, &mu, biased)
		}
		done := make(chan [2]bool)
		go func() {
			shared, biased := hubapi.Enter(&a, &mu, hubapi.Current())
			hubapi.Leave(&a, &mu, biased)
			done <- [2]bool{shared, biased}
		}()
		if got := <-done; got != [2]bool{true, false} {
			t.Errorf("plain goroutine's Enter = %v; want [true false]", got)
		}
		shared, biased := hubapi.Enter(&a, &mu, hubapi.Current())
		if !shared || biased {
			t.Errorf("home Enter after sharing = %v, %v; want true, false", shared, biased)
		}
		if mu.TryLock() {
			t.Error("a section of a shared object does not hold the mutex")
			mu.Unlock()
		}
		hubapi.Leave(&a, &mu, biased)
		if hubapi.Home(&a) != nil || !hubapi.Shared(&a) {
			t.Error("object not shared after a plain goroutine's Enter")
		}
	})
}

// TestShareWaitsForHomeSection: a revocation does not return while the home
// hub is in a section without the mutex, and the revoker sees what the
// section wrote.
func TestShareWaitsForHomeSection(t *testing.T) {
	var a hubapi.Affinity
	var mu sync.Mutex
	var data int // guarded by the section
	runHub(t, func(*gevent.Hub) {
		_, biased := hubapi.Enter(&a, &mu, hubapi.Current())
		if !biased {
			t.Fatal("first Enter of the home hub is not biased")
		}
		var returned atomic.Bool
		done := make(chan int)
		go func() {
			hubapi.Share(&a)
			returned.Store(true)
			mu.Lock()
			done <- data
			mu.Unlock()
		}()
		// Block the hub's thread in the section (no switch), long enough
		// for the revoker to have reached its wait.
		time.Sleep(50 * time.Millisecond)
		if returned.Load() {
			t.Error("Share returned while the home hub was in its section")
		}
		data = 42
		hubapi.Leave(&a, &mu, biased)
		if got := <-done; got != 42 {
			t.Errorf("revoker read %d; want 42 (the section's write)", got)
		}
	})
}

// TestBiasRevokedUnderLoad: greenlets of the home hub count in sections
// while plain goroutines start counting in theirs: no increment is lost,
// whenever the revocation falls (-race reports a section that ran without
// the mutex after it).
func TestBiasRevokedUnderLoad(t *testing.T) {
	const greenlets, goroutines, per = 4, 2, 2000
	for round := range 20 {
		var a hubapi.Affinity
		var mu sync.Mutex
		count := 0
		var wg sync.WaitGroup
		runHub(t, func(*gevent.Hub) {
			var gs []*gevent.Greenlet[struct{}]
			for range greenlets {
				gs = append(gs, gevent.Go(func() {
					for i := range per {
						_, b := hubapi.Enter(&a, &mu, hubapi.Current())
						count++
						hubapi.Leave(&a, &mu, b)
						if i%64 == 0 {
							gevent.Sleep(0)
						}
					}
				}))
				if len(gs) == 2 {
					for range goroutines {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for range per {
								_, b := hubapi.Enter(&a, &mu, hubapi.Current())
								count++
								hubapi.Leave(&a, &mu, b)
							}
						}()
					}
				}
			}
			gevent.JoinAll(gs)
		})
		wg.Wait()
		if want := (greenlets + goroutines) * per; count != want {
			t.Fatalf("round %d: count = %d; want %d", round, count, want)
		}
	}
}
