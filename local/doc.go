// Package local provides greenlet-local storage, gevent.local for Go.
//
// # Concurrency model
//
// A Local[T] holds a separate value for each greenlet, each hub's owning
// goroutine and each goroutine without a hub; a caller only ever sees and
// changes its own value, so no method blocks, switches or needs a lock, and
// every method may be called from anywhere. A greenlet's values are dropped
// when the greenlet finishes, so a greenlet that starts later — even on a
// recycled coroutine — starts with none. Values of a hub's owning goroutine
// live as long as the hub; values of a goroutine without a hub live until
// deleted, since nothing reports that goroutine's end.
//
// Local is built on a per-context slot: a Get is a lookup of the current
// greenlet and an index into its table, a few nanoseconds.
//
// # Differences from gevent
//
// gevent's local is an object with per-greenlet attributes; here a Local[T]
// is one typed value per greenlet — use a struct type for several fields.
// Get reports whether the caller has a value instead of raising
// AttributeError. gevent's subclass __init__ rule becomes New(init): init
// runs the first time each greenlet uses the Local. There is nothing like
// gevent's shared __slots__ or class-attribute defaults; an initialiser
// covers the latter.
package local
