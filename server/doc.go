// Package server is gevent's server module for Go: StreamServer accepts
// connections and runs a handler greenlet for each; DatagramServer runs a
// handler greenlet for each datagram.
//
// # Concurrency
//
// A server runs on hubs: with Hubs ≤ 1, on the hub of the goroutine that
// calls Start or ServeForever; with Hubs = n > 1, on n hubs of its own, each
// on a goroutine locked to an OS thread and each with its own SO_REUSEPORT
// listener, so that the kernel spreads connections across them. A handler
// runs on the hub that accepted its connection. Start, ServeForever, Stop,
// Close and LocalAddr may be called from any goroutine.
//
// Handlers should use the connection from their own greenlet and may spawn
// more; the connection is closed when the handler returns.
//
// # Accept errors
//
// A failed accept is reported to ErrorLog and retried after a delay that
// starts at 5 ms and doubles up to 1 s; a successful accept resets it, and
// the listener is not watched meanwhile. When the process is out of file
// descriptors (EMFILE, ENFILE) each hub uses libuv's trick instead: it keeps
// one spare descriptor open, and on EMFILE closes it, accepts and closes the
// pending connections, and reopens it, so that clients see their connection
// closed at once rather than wait in the backlog; it then waits for the next
// client without spinning.
package server
