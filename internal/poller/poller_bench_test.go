//go:build unix

package poller

import "testing"

// BenchmarkWaitEmpty measures the floor of one loop iteration: a
// non-blocking Wait with nothing ready. It must not allocate.
func BenchmarkWaitEmpty(b *testing.B) {
	for _, be := range testBackends() {
		b.Run(be.name, func(b *testing.B) {
			p := openT(b, be)
			evs := make([]Event, 128)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Wait(evs, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWakeWait measures one cross-goroutine wake-up as the loop sees it:
// Wake, then a Wait that consumes it.
func BenchmarkWakeWait(b *testing.B) {
	for _, be := range testBackends() {
		b.Run(be.name, func(b *testing.B) {
			p := openT(b, be)
			evs := make([]Event, 128)
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Wake(); err != nil {
					b.Fatal(err)
				}
				if _, err := p.Wait(evs, -1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
