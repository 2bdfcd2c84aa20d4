package httpserver

import "testing"

// TestFreeBuffers: with the sweeper, a hub keeps a spare buffer per open
// connection while they are in use, and a sweep period in which they were
// not needed brings the spares back to maxFreeBuffers; without it, the
// spares never exceed maxFreeBuffers.
func TestFreeBuffers(t *testing.T) {
	const n = 1000
	cycle := func(hs *hubState) {
		bs := make([]*buffers, n)
		for i := range bs {
			bs[i] = hs.getBuffers()
		}
		for _, b := range bs {
			hs.putBuffers(b)
		}
	}
	hs := &hubState{trims: true, nconns: n}
	cycle(hs)
	if got := len(hs.free); got != n {
		t.Fatalf("after %d connections went idle together: %d spare buffers, want %d", n, got, n)
	}
	first := hs.free[0]
	hs.trimFree() // all were taken in this period: keep them
	if got := len(hs.free); got != n {
		t.Fatalf("after a busy period: %d spare buffers, want %d", got, n)
	}
	cycle(hs) // reused, not allocated anew
	found := false
	for _, b := range hs.free {
		found = found || b == first
	}
	if !found {
		t.Error("a second wave did not reuse the spare buffers")
	}
	hs.trimFree()
	hs.trimFree() // a period without use
	if got := len(hs.free); got != maxFreeBuffers {
		t.Fatalf("after an idle period: %d spare buffers, want %d", got, maxFreeBuffers)
	}
	for _, b := range hs.free[:cap(hs.free)][len(hs.free):] {
		if b != nil {
			t.Fatal("a dropped buffer is still referenced")
		}
	}

	plain := &hubState{nconns: n}
	cycle(plain)
	if got := len(plain.free); got != maxFreeBuffers {
		t.Fatalf("without the sweeper: %d spare buffers, want %d", got, maxFreeBuffers)
	}
}
