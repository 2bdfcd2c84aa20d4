package pool_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/pool"
)

func newPool(t *testing.T, size int) *pool.Pool {
	t.Helper()
	return pool.New(size)
}

// TestNew: New never fails; a size <= 0 is a Pool without a limit.
func TestNew(t *testing.T) {
	for _, tc := range []struct {
		size, wantSize, wantFree int
	}{
		{-1, 0, 1},
		{0, 0, 1},
		{1, 1, 1},
		{3, 3, 3},
	} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			p := pool.New(tc.size)
			if p.Size() != tc.wantSize || p.FreeCount() != tc.wantFree || p.Full() || p.Len() != 0 {
				t.Errorf("Size, FreeCount, Full, Len = %d, %d, %v, %d; want %d, %d, false, 0",
					p.Size(), p.FreeCount(), p.Full(), p.Len(), tc.wantSize, tc.wantFree)
			}
		})
	}
	var zero pool.Pool
	if zero.Size() != 0 || zero.FreeCount() != 1 || zero.Full() {
		t.Errorf("zero Pool: Size, FreeCount, Full = %d, %d, %v; want 0, 1, false", zero.Size(), zero.FreeCount(), zero.Full())
	}
}

// TestPoolSpawnBlocksWhileFull checks that the third spawn into a Pool of 2
// waits until a member has finished and its slot is free.
func TestPoolSpawnBlocksWhileFull(t *testing.T) {
	run(t, func() {
		p := newPool(t, 2)
		var log []string
		for i := range 4 {
			err := p.Go(func() {
				log = append(log, fmt.Sprint("start ", i))
				gevent.Sleep(0)
				log = append(log, fmt.Sprint("end ", i))
			})
			if err != nil {
				t.Fatalf("Go %d = %v", i, err)
			}
			log = append(log, fmt.Sprintf("spawned %d (free %d)", i, p.FreeCount()))
		}
		if !p.Full() || p.Len() != 2 {
			t.Errorf("Full, Len = %v, %d; want true, 2", p.Full(), p.Len())
		}
		if err := p.Join(); err != nil {
			t.Errorf("Join = %v", err)
		}
		want := []string{
			"spawned 0 (free 1)", "spawned 1 (free 0)",
			// The third spawn waits: both members run and one finishes.
			"start 0", "start 1", "end 0", "end 1",
			"spawned 2 (free 1)", "spawned 3 (free 0)",
			"start 2", "start 3", "end 2", "end 3",
		}
		if !slices.Equal(log, want) {
			t.Errorf("log:\n%q\nwant:\n%q", log, want)
		}
		if p.FreeCount() != 2 || p.Len() != 0 {
			t.Errorf("FreeCount, Len = %d, %d; want 2, 0", p.FreeCount(), p.Len())
		}
	})
}

// TestPoolSpawnersFIFO checks that spawners waiting for a slot get one in
// the order they started waiting.
func TestPoolSpawnersFIFO(t *testing.T) {
	run(t, func() {
		p := newPool(t, 1)
		s := gate(t)
		p.Go(func() { s.Acquire() })
		var order []int
		var spawners []*gevent.Greenlet[struct{}]
		for i := range 3 {
			spawners = append(spawners, gevent.Go(func() {
				if err := p.Go(func() { order = append(order, i); s.Acquire() }); err != nil {
					t.Errorf("Go = %v", err)
				}
			}))
		}
		gevent.Sleep(0)
		for range 4 {
			s.Release()
			gevent.Sleep(0)
		}
		gevent.JoinAll(spawners)
		p.Join()
		if !slices.Equal(order, []int{0, 1, 2}) {
			t.Errorf("members ran in order %v; want [0 1 2]", order)
		}
	})
}

// TestPoolNonBlocking covers TrySpawn, TryGo, TryAdd and AddTimeout on a
// full Pool.
func TestPoolNonBlocking(t *testing.T) {
	run(t, func() {
		p := newPool(t, 1)
		s := gate(t)
		first, err := pool.TrySpawn(p, func() (int, error) { return 0, s.Acquire() })
		if err != nil || first == nil {
			t.Fatalf("TrySpawn = %v, %v; want a greenlet", first, err)
		}
		if gr, err := pool.TrySpawn(p, func() (int, error) { return 1, nil }); gr != nil || !errors.Is(err, pool.ErrPoolFull) {
			t.Errorf("TrySpawn on a full pool = %v, %v; want nil, ErrPoolFull", gr, err)
		}
		if p.TryGo(func() {}) {
			t.Error("TryGo on a full pool = true; want false")
		}
		other := gevent.New(func() (int, error) { return 2, nil })
		if err := p.TryAdd(other); !errors.Is(err, pool.ErrPoolFull) {
			t.Errorf("TryAdd = %v; want ErrPoolFull", err)
		}
		if err := p.AddTimeout(other, 5*time.Millisecond); !errors.Is(err, pool.ErrPoolFull) {
			t.Errorf("AddTimeout = %v; want ErrPoolFull", err)
		}
		if err := p.TryAdd(first); err != nil {
			t.Errorf("TryAdd of a member = %v; want nil", err)
		}
		s.Release()
		first.Join()
		gevent.Sleep(0) // the member's link frees the slot
		if err := p.TryAdd(other); err != nil || p.Len() != 1 {
			t.Errorf("TryAdd after the member finished = %v, Len %d; want nil, 1", err, p.Len())
		}
		p.Discard(other)
		if p.FreeCount() != 1 {
			t.Errorf("FreeCount after Discard = %d; want 1", p.FreeCount())
		}
	})
}

func TestPoolWaitAvailable(t *testing.T) {
	run(t, func() {
		p := newPool(t, 1)
		s := gate(t)
		p.Go(func() { s.Acquire() })
		if n, err := p.WaitAvailableTimeout(5 * time.Millisecond); n != 0 || err != nil {
			t.Errorf("WaitAvailableTimeout = %d, %v; want 0, nil", n, err)
		}
		gevent.Go(func() { s.Release() })
		if n, err := p.WaitAvailable(); n != 1 || err != nil {
			t.Errorf("WaitAvailable = %d, %v; want 1, nil", n, err)
		}
		if n, err := p.WaitAvailableTimeout(0); n != 1 || err != nil {
			t.Errorf("WaitAvailableTimeout(0) with a free slot = %d, %v; want 1, nil", n, err)
		}
		g := pool.NewGroup()
		if n, err := g.WaitAvailable(); n != 1 || err != nil {
			t.Errorf("Group WaitAvailable = %d, %v; want 1, nil", n, err)
		}
	})
}

// TestPoolSpawnInterrupted covers spawns that give up waiting for a slot:
// none of them may take a slot.
func TestPoolSpawnInterrupted(t *testing.T) {
	run(t, func() {
		p := newPool(t, 1)
		s := gate(t)
		p.Go(func() { s.Acquire() })
		var err error
		spawner := gevent.Spawn(func() (bool, error) {
			var gr *gevent.Greenlet[int]
			gr, err = pool.Spawn(p, func() (int, error) { return 0, nil })
			return gr != nil, nil
		})
		gevent.Sleep(0)
		spawner.Kill()
		if got, _ := spawner.Get(); got || !errors.Is(err, gevent.ErrGreenletExit) {
			t.Errorf("killed Spawn = %v, %v; want no greenlet, ErrGreenletExit", got, err)
		}
		var cbErr error
		gevent.CurrentHub().RunCallback(func() { cbErr = p.Go(func() {}) })
		gevent.Sleep(0)
		if !errors.Is(cbErr, gevent.ErrBlockingSwitchOut) {
			t.Errorf("Go in a loop callback on a full pool = %v; want ErrBlockingSwitchOut", cbErr)
		}
		s.Release()
		p.Join()
		if p.FreeCount() != 1 || p.Len() != 0 {
			t.Errorf("FreeCount, Len = %d, %d; want 1, 0", p.FreeCount(), p.Len())
		}
	})
}
