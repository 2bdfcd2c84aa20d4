package gevent

import (
	"fmt"
	"testing"

	"github.com/geventgo/gevent/internal/goid"
)

// BenchmarkLoopExitCheck measures one deadlock check's dump and scan
// (checkLoopExit without its lock and marks) with n other goroutines
// blocked on a channel.
func BenchmarkLoopExitCheck(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			block := make(chan struct{})
			defer close(block)
			for range n {
				go func() { <-block }()
			}
			var buf []byte
			skip := map[int64]bool{goid.Get(): true}
			// Wait until every goroutine has parked.
			for !allBlocked(goroutineDump(&buf), skip) {
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if !allBlocked(goroutineDump(&buf), skip) {
					b.Fatal("a goroutine runs")
				}
			}
		})
	}
}
