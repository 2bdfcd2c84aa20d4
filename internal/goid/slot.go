package goid

import "sync/atomic"

// Slot holds the id of the goroutine that runs something now (a hub's
// current runner). One goroutine at a time writes it, each write made by
// the goroutine that hands the run over, and any goroutine may read it. A
// reader sees at least every write that happens before its read; a reader
// compares it with its own id, so a stale value is never its own unless it
// was. That is release and acquire, which a Store on amd64 gives with a
// plain move instead of the exchange that atomic.Int64.Store costs
// (sequential consistency is not needed). The zero value holds 0.
type Slot struct{ v int64 }

// Load returns the id last stored.
func (s *Slot) Load() int64 { return atomic.LoadInt64(&s.v) }

// Store sets the id, with release semantics.
func (s *Slot) Store(id int64) { storeRelease(&s.v, id) }
