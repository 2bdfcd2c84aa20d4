//go:build !amd64 || race

package atomicx

import "sync/atomic"

func storeRel32(p *int32, v int32) { atomic.StoreInt32(p, v) }

func storeRel64(p *int64, v int64) { atomic.StoreInt64(p, v) }
