//go:build !unix

// This operating system (Windows, Plan 9, js/wasm, wasip1) has no backend: the
// package compiles so that the module builds everywhere, and Open fails, in
// the manner of mio's "shell" selector. Available returns nothing, Open("")
// returns an error that matches both ErrUnknownBackend and
// errors.ErrUnsupported, and Open of a named backend returns ErrUnknownBackend.

package poller

import (
	"errors"
	"fmt"
	"runtime"
)

// unsupported is the name defaultBackend maps to here. It is not a backend
// name Available reports.
const unsupported = "unsupported"

// defaultBackend is the backend Open uses for the name "".
const defaultBackend = unsupported

// backends holds only the entry that makes Open("") fail with
// errors.ErrUnsupported.
var backends = map[string]func() (Poller, error){
	unsupported: openUnsupported,
}

// openUnsupported always fails.
func openUnsupported() (Poller, error) {
	return nil, fmt.Errorf("%w: no backend on %s: %w", ErrUnknownBackend, runtime.GOOS, errors.ErrUnsupported)
}
