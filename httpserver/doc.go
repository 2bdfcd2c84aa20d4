// Package httpserver is gevent's pywsgi for Go: an HTTP/1.1 server for any
// net/http Handler (ServeMux, http.FileServer, chi…) with one greenlet per
// connection on a hub's event loop.
//
// # Concurrency
//
// A Server runs on hubs: Serve on the caller's hub, ListenAndServe on the
// caller's hub or on Hubs hubs of its own. A connection is served by a
// greenlet of the hub that accepted it while a request is being read or
// answered; between requests a keep-alive connection has no greenlet and no
// buffer, only its registration in the loop (socket.Conn.NotifyReadable),
// and gets a greenlet again when its next request arrives. Handlers run in
// that greenlet: they may block in gevent calls (sockets, queues, Sleep),
// which park only their greenlet, but a handler that blocks in a plain Go
// call (a channel, a sync.Mutex, package net) stalls the whole hub — use
// gevent.Blocking for such work. The greenlet is one of a pool of the hub
// that serves connections one after the other (a handler that blocks
// leaves the others to another greenlet of the pool): gevent.Current() in a
// handler is that greenlet, not one made for the request, and the
// greenlet-local values (package local) a handler sets are dropped when its
// request is done. A ResponseWriter's header map is reused by the
// connection's next request: like the ResponseWriter itself, it must not be
// used after ServeHTTP returns. Shutdown, Close and LocalAddr may be called
// from any goroutine.
//
// # Protocol
//
// The request parser is strict (RFC 9112), so that no front end and this
// server can disagree about where a request ends: a bad request line or
// field, a bare LF, obs-fold, a control character, conflicting or invalid
// Content-Length, Content-Length together with Transfer-Encoding, or a bad
// chunk is answered 400 and the connection closed; an unsupported version
// 505; a Transfer-Encoding other than chunked 501; a request line over
// MaxRequestLine 414; fields over MaxHeaderBytes 431; a body over
// MaxBodyBytes 413. Keep-alive follows HTTP/1.1 and HTTP/1.0 rules,
// pipelined requests are answered in order, a body the handler leaves unread
// is discarded (up to 256 KiB) before the next request, and
// "Expect: 100-continue" is answered on the body's first Read, never when the
// handler answers without reading.
//
// Responses follow net/http: a body that fits in 4 KiB when the handler
// returns gets a Content-Length and goes out with the header in one write;
// a longer or flushed one is chunked (HTTP/1.1); Date is added, Content-Type
// sniffed, HEAD, 1xx, 204 and 304 responses have no body. The writer
// implements http.Flusher and http.Hijacker, and the methods
// http.ResponseController uses. The request's context is cancelled when the
// client closes the connection, when the handler returns, and when the
// server shuts down.
package httpserver
