package goid

import "github.com/geventgo/gevent/internal/atomicx"

// Slot holds the id of the goroutine that runs something now (a hub's
// current runner). One goroutine at a time writes it, each write made by
// the goroutine that hands the run over, and any goroutine may read it. A
// reader sees at least every write that happens before its read; a reader
// compares it with its own id, so a stale value is never its own unless it
// was. That is release and acquire (atomicx), not the sequential
// consistency of atomic.Int64.Store. The zero value holds 0.
type Slot struct{ v atomicx.Int64 }

// Load returns the id last stored.
func (s *Slot) Load() int64 { return s.v.Load() }

// Store sets the id, with release semantics.
func (s *Slot) Store(id int64) { s.v.StoreRelease(id) }
