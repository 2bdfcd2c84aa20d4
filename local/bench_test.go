package local_test

import (
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/local"
)

var sink int

// BenchmarkLocalGet measures Get of a set value inside a greenlet.
func BenchmarkLocalGet(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		var l local.Local[int]
		gevent.Go(func() {
			l.Set(1)
			b.ResetTimer()
			for range b.N {
				v, _ := l.Get()
				sink += v
			}
		}).Join()
	})
}

// BenchmarkLocalSet measures Set of an existing value inside a greenlet.
func BenchmarkLocalSet(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		var l local.Local[int]
		gevent.Go(func() {
			l.Set(0)
			b.ResetTimer()
			for i := range b.N {
				l.Set(i)
			}
		}).Join()
	})
}
