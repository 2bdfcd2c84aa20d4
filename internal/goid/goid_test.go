package goid

import (
	"sync"
	"testing"
)

func TestGetMatchesStack(t *testing.T) {
	if fast && offset < 0 {
		t.Fatalf("calibration failed on a fast architecture")
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, want := Get(), slow(); got != want {
				t.Errorf("Get() = %d; want %d", got, want)
			}
		}()
	}
	wg.Wait()
	if got, want := Get(), slow(); got != want {
		t.Errorf("Get() = %d; want %d", got, want)
	}
}

func TestDistinct(t *testing.T) {
	ids := make(chan int64, 2)
	go func() { ids <- Get() }()
	go func() { ids <- Get() }()
	if a, b := <-ids, <-ids; a == b {
		t.Errorf("two goroutines share id %d", a)
	}
}

func BenchmarkGet(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Get()
	}
}
