// Package socket is gevent's cooperative socket module for Go: a Conn that is
// a real net.Conn, a Listener that is a real net.Listener, a PacketConn,
// Dial, Listen, Socketpair, cooperative DNS look-ups, WaitRead/WaitWrite for
// any descriptor, and TLS helpers.
//
// # Concurrency
//
// A socket belongs to the hub of the goroutine that created it, and its
// readiness is watched by that hub's event loop (epoll registered once per
// descriptor, edge-triggered). A call that would block parks the calling
// greenlet until the loop reports readiness, a deadline passes, the socket is
// closed, or the greenlet is killed or times out (the call then returns that
// error inside a *net.OpError). A socket created by a goroutine without a
// hub (net/http's dialing goroutine, for one) belongs to a background hub
// that the package starts on its own goroutine on first use and keeps
// running.
//
// Every method may also be called from a plain goroutine or from a greenlet
// of another hub — crypto/tls, net/http and WebSocket libraries call Close and
// SetDeadline from their own goroutines. Such calls block their own goroutine
// (or park their own greenlet) and are served by the owning hub's loop, which
// must be running: its goroutine must be blocked in a gevent call, as a
// server's is.
//
// Host names are looked up with DefaultResolver: Go's resolver on a worker
// goroutine (Resolver, gevent's thread resolver) by default, or DNS spoken on
// the event loop itself (LoopResolver). Either way only the calling greenlet
// waits.
//
// One read and one write may be in progress at a time. A second greenlet
// reading while another waits gets a *gevent.ConcurrentUseError (gevent's
// ConcurrentObjectUseError); plain goroutines queue, as on a net.Conn.
//
// # Monkey patching
//
// Go has no monkey patching; a program uses these types where it would use
// package net. See docs/monkey.md for gevent's patch table and the Go
// equivalents.
package socket
