//go:build amd64 || arm64

package goid

const fast = true

// getg returns the address of the calling goroutine's runtime.g.
func getg() uintptr

// load reads the int64 at addr. It is written in assembly so that the
// address never becomes an unsafe.Pointer (checkptr would reject it).
func load(addr uintptr) int64

// loadAt reads the int64 at offset bytes into the calling goroutine's
// runtime.g: getg and load in one call.
func loadAt(offset uintptr) int64
