//go:build !linux || !amd64 || race

package hubapi

import "sync/atomic"

// asymmetricFence does nothing: setBusy's store and the revoker's
// compare-and-swap of the state are sequentially consistent (and the race
// detector sees them).
func asymmetricFence() {}

// setBusy stores v at *p atomically.
func setBusy(p *uint32, v uint32) { atomic.StoreUint32(p, v) }
