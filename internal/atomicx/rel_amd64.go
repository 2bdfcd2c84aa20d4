//go:build amd64 && !race

package atomicx

// storeRel32 and storeRel64 are plain moves in assembly: a store on amd64
// is a release, and an assembly call is a barrier to the compiler.
//
//go:noescape
func storeRel32(p *int32, v int32)

//go:noescape
func storeRel64(p *int64, v int64)
