// Package atomicx has the release stores that sync/atomic lacks. On amd64
// every store is a release, so a plain move is enough where a reader needs
// only to see what was written before the store (acquire and release);
// sync/atomic's Store is an exchange there (sequential consistency), which
// costs a full fence. Elsewhere, and under the race detector (which must see
// the store), the stores are sync/atomic's.
package atomicx

import "sync/atomic"

// Int32 is an atomic int32 (the operations of sync/atomic.Int32) with a
// release store. The zero value is 0.
type Int32 struct{ v int32 }

// Load atomically loads the value.
func (x *Int32) Load() int32 { return atomic.LoadInt32(&x.v) }

// Store atomically stores v (sequentially consistent).
func (x *Int32) Store(v int32) { atomic.StoreInt32(&x.v, v) }

// StoreRelease stores v with release semantics only: a reader that loads v
// sees every write made before the store, but a load that follows the store
// on this goroutine may be performed before the store is visible to others.
func (x *Int32) StoreRelease(v int32) { storeRel32(&x.v, v) }

// CompareAndSwap executes the compare-and-swap operation for x.
func (x *Int32) CompareAndSwap(old, new int32) bool {
	return atomic.CompareAndSwapInt32(&x.v, old, new)
}

// Int64 is an atomic int64 with a release store. The zero value is 0.
type Int64 struct{ v int64 }

// Load atomically loads the value.
func (x *Int64) Load() int64 { return atomic.LoadInt64(&x.v) }

// StoreRelease stores v with release semantics only (see Int32.StoreRelease).
func (x *Int64) StoreRelease(v int64) { storeRel64(&x.v, v) }
