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
package server
