//go:build amd64 && !race

package goid

// storeRelease stores v at *p with a plain move: on amd64 every store is a
// release, and an assembly call is a barrier to the compiler.
//
//go:noescape
func storeRelease(p *int64, v int64)
