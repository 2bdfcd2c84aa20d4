//go:build !amd64 || race

package goid

import "sync/atomic"

// storeRelease stores v at *p atomically (and visibly to the race
// detector).
func storeRelease(p *int64, v int64) { atomic.StoreInt64(p, v) }
