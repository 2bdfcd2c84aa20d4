package atomicx

import (
	"sync"
	"testing"
)

// TestStoreRelease: a value stored with StoreRelease is what Load and
// CompareAndSwap see, on this goroutine and on another that synchronizes
// with it; and a reader that sees the flag sees the data written before it
// (message passing, the pattern release and acquire are for).
func TestStoreRelease(t *testing.T) {
	var x Int32
	x.StoreRelease(7)
	if got := x.Load(); got != 7 {
		t.Fatalf("Load after StoreRelease(7) = %d", got)
	}
	if !x.CompareAndSwap(7, 8) || x.CompareAndSwap(7, 9) || x.Load() != 8 {
		t.Fatalf("CompareAndSwap after StoreRelease: value %d; want 8", x.Load())
	}
	x.Store(-1)
	if x.Load() != -1 {
		t.Fatalf("Load after Store(-1) = %d", x.Load())
	}
	var y Int64
	y.StoreRelease(1 << 40)
	if y.Load() != 1<<40 {
		t.Fatalf("Int64 Load = %d", y.Load())
	}

	const rounds = 20000
	var data [rounds]int64
	var flag Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := int64(1); i <= rounds; i++ {
			for flag.Load() < i {
			}
			if data[i-1] != i {
				t.Errorf("round %d: data = %d after the flag; want %d", i, data[i-1], i)
				return
			}
		}
	}()
	for i := int64(1); i <= rounds; i++ {
		data[i-1] = i
		flag.StoreRelease(i)
	}
	wg.Wait()
}
