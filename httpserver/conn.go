package httpserver

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/socket"
)

// bufSize is the size of each buffer of an active connection.
const bufSize = 4096

// buffers are what an active connection reads and writes with, and the
// state of its input and output; an idle connection gives them back to its
// hub, so that it keeps only what conn holds.
type buffers struct {
	rbuf []byte // input buffer: in, or a larger one for a long head
	r, w int    // unread input is rbuf[r:w]
	rerr error  // read error seen after data
	wbuf []byte // pending output, in out (or larger)
	werr error  // sticky write error

	// hdr is the response header map, handed to one request at a time
	// (response.Header) and emptied after its response; sent holds the
	// keys commit found in it (nsent of them, when they were all), which
	// resetHeader deletes instead of clearing the whole map.
	hdr   http.Header
	sent  [4]string
	nsent int

	cur *response // the request being served

	in    [bufSize]byte
	out   [bufSize]byte // status line, headers, body
	stage [bufSize]byte // a response body staged until its header is decided

	// proto is the request being parsed, before WithContext copies it with
	// its context attached: scratch space here rather than a second
	// http.Request in every response. It is zero between requests.
	proto http.Request
}

// maxFreeBuffers bounds the spare buffers a hub keeps for long. While the
// sweeper runs, a hub keeps up to one per open connection (many long polls
// answered at once go idle together and come back together), and each sweep
// drops the spares above maxFreeBuffers that no connection took since the
// previous one.
const maxFreeBuffers = 256

func (hs *hubState) getBuffers() *buffers {
	if n := len(hs.free); n > 0 {
		b := hs.free[n-1]
		hs.free[n-1] = nil
		hs.free = hs.free[:n-1]
		hs.freeLow = min(hs.freeLow, n-1)
		return b
	}
	hs.freeLow = 0
	return new(buffers)
}

func (hs *hubState) putBuffers(b *buffers) {
	if len(hs.free) < maxFreeBuffers || hs.trims && len(hs.free) < hs.nconns {
		hs.free = append(hs.free, b)
	}
}

// trimFree drops the spare buffers above maxFreeBuffers that were not
// needed since the previous call (the fewest spares there were meanwhile).
// The sweeper calls it once per sweep.
func (hs *hubState) trimFree() {
	if extra := min(hs.freeLow, len(hs.free)-maxFreeBuffers); extra > 0 {
		n := len(hs.free) - extra
		clear(hs.free[n:])
		hs.free = hs.free[:n]
	}
	hs.freeLow = len(hs.free)
}

// connList is an intrusive doubly linked list of connections.
type connList struct{ head, tail *conn }

func (l *connList) push(c *conn) {
	c.list, c.prev, c.next = l, l.tail, nil
	if l.tail != nil {
		l.tail.next = c
	} else {
		l.head = c
	}
	l.tail = c
}

func (l *connList) remove(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		l.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		l.tail = c.prev
	}
	c.list, c.prev, c.next = nil, nil, nil
}

// conn is one client connection. Its fields are hub-only.
type conn struct {
	hs  *hubState
	sc  *socket.Conn
	rwc net.Conn // sc, or the TLS connection over it
	tls *tls.ConnectionState

	list       *connList
	prev, next *conn
	// idleSince is the loop time (ns) of the accept or of the end of the
	// last response; while the greenlet reads a head (readingHead), the
	// time that head began, for the sweeper to enforce ReadHeaderTimeout.
	idleSince int64

	g      *gevent.Greenlet[struct{}] // serving greenlet; nil while idle
	runFn  func()                     // c.run, made once
	remote string

	*buffers // nil while idle

	plain         bool // rwc is sc: no TLS
	handshook     bool
	woken         bool // the loop reported input for an idle connection
	readingHead   bool
	readDeadline  bool // a read deadline is set on rwc
	headDeadline  bool // the deadline set is the head's, to replace before reading a body
	writeDeadline bool
	closed        bool
	hijacked      bool
}

// startConn serves a newly accepted connection. A plain connection waits
// for its first request in the loop, like an idle one (for at most
// ReadHeaderTimeout); a TLS connection gets a greenlet for its handshake.
func (hs *hubState) startConn(sc *socket.Conn) {
	c := &conn{hs: hs, sc: sc, rwc: sc, plain: hs.s.TLSConfig == nil}
	if ra := sc.RemoteAddr(); ra != nil {
		c.remote = ra.String()
	}
	c.runFn = c.run
	hs.nconns++
	if c.plain {
		c.idleSince = hs.now()
		hs.fresh.push(c)
		if c.sc.NotifyReadable(c.runFn) == nil {
			return
		}
		hs.fresh.remove(c)
	}
	hs.active.push(c)
	c.g = gevent.Go(c.runFn)
}

// run is both the connection's greenlet (serve) and its NotifyReadable
// callback (readable): one closure per connection instead of two.
func (c *conn) run() {
	if _, inCallback := hubapi.Here(); inCallback {
		c.readable()
		return
	}
	c.serve()
}

// wake runs in a loop callback when a connection waiting in the loop (idle,
// or new) becomes readable: it gets a greenlet again.
func (c *conn) wake() {
	if c.closed {
		return
	}
	c.list.remove(c)
	c.hs.active.push(c)
	c.woken = true
	c.hs.enqueue(c)
}

// closeIdle closes an idle connection (IdleTimeout, shutdown).
func (c *conn) closeIdle() {
	c.list.remove(c)
	c.closed = true
	c.sc.Close()
	c.hs.connClosed()
}

// shutdown is called for an active connection when the server shuts down:
// the request's context is cancelled, and a connection waiting for its next
// request is closed.
func (c *conn) shutdown() {
	if c.buffers == nil {
		return // its greenlet has not started yet: it sees hs.stopping
	}
	if c.cur != nil {
		c.cur.ctx.cancel()
		return
	}
	if c.r == c.w {
		c.rwc.Close() // its greenlet's read fails and it ends
	}
}

// serve serves requests until the connection closes, is hijacked, or has
// no input left, in which case it is left idle without a greenlet.
func (c *conn) serve() {
	keep := false
	defer func() {
		c.g = nil
		if c.hijacked {
			return
		}
		if !keep {
			c.close()
		}
	}()
	if c.buffers == nil {
		c.buffers = c.hs.getBuffers()
		c.rbuf = c.in[:]
		c.wbuf = c.out[:0]
	}
	if c.hs.s.TLSConfig != nil && !c.handshook {
		if !c.handshake() {
			return
		}
	}
	woken := c.woken // input is waiting: read it before going idle again
	c.woken = false
	for {
		if c.hs.stopping {
			return
		}
		if c.r == c.w && c.served() && !woken {
			if c.plain {
				// Nothing buffered: wait for the next request without a
				// greenlet.
				keep = c.goIdle()
				return
			}
			if !c.waitNext() {
				return
			}
		}
		woken = false
		if !c.serveOne() {
			return
		}
	}
}

// served reports whether the connection has served a request, so that an
// empty input buffer means it waits for the next one.
func (c *conn) served() bool { return c.list != &c.hs.fresh && c.idleSince != 0 }

// readable is the connection's NotifyReadable callback: for an idle
// connection its next request has come; while a handler runs, the client
// may have gone.
func (c *conn) readable() {
	if c.buffers != nil && c.cur != nil {
		c.watchClient()
	} else {
		c.wake()
	}
}

// goIdle gives the buffers back and asks the loop to wake the connection
// when its next request arrives. It reports false if that failed.
func (c *conn) goIdle() bool {
	c.releaseBuffers()
	if err := c.sc.NotifyReadable(c.runFn); err != nil {
		return false
	}
	c.hs.active.remove(c)
	c.hs.idle.push(c)
	return true
}

// waitNext waits in the greenlet for the next request on a connection that
// cannot go idle without one (TLS), for at most IdleTimeout.
func (c *conn) waitNext() bool {
	if t := c.hs.st.idleTimeout; t > 0 {
		c.rwc.SetReadDeadline(time.Now().Add(t))
		c.readDeadline = true
	}
	return c.fill(len(c.rbuf)) == nil
}

// resetHeader empties the response header map for the next request.
func (b *buffers) resetHeader() {
	n := b.nsent
	b.nsent = 0
	switch {
	case len(b.hdr) > 8:
		b.hdr = nil // a large map would make every later pass over it slow
	case n == len(b.hdr):
		for i := range n {
			delete(b.hdr, b.sent[i])
		}
		if len(b.hdr) > 0 { // the handler changed the keys after commit
			clear(b.hdr)
		}
	case len(b.hdr) > 0:
		clear(b.hdr)
	}
	clear(b.sent[:n])
}

func (c *conn) releaseBuffers() {
	if b := c.buffers; b != nil {
		b.resetHeader()
		b.rbuf, b.wbuf, b.r, b.w, b.rerr, b.werr, b.cur = nil, nil, 0, 0, nil, nil, nil
		c.hs.putBuffers(b)
		c.buffers = nil
	}
}

// close closes the connection of a greenlet that is done with it.
func (c *conn) close() {
	if c.closed {
		return
	}
	c.closed = true
	c.releaseBuffers()
	c.rwc.Close()
	if c.list != nil {
		c.list.remove(c)
	}
	c.hs.connClosed()
}

// handshake completes a TLS handshake within ReadHeaderTimeout.
func (c *conn) handshake() bool {
	if t := c.hs.st.readHeaderTimeout; t > 0 {
		c.sc.SetDeadline(time.Now().Add(t))
	}
	tc, err := socket.TLSServer(c.sc, c.hs.s.TLSConfig)
	if err != nil {
		c.hs.s.logf("httpserver: TLS handshake error from %s: %v", c.remote, err)
		return false
	}
	c.sc.SetDeadline(time.Time{})
	state := tc.ConnectionState()
	c.tls, c.rwc, c.handshook = &state, tc, true
	return true
}

// errBufferFull: a head exceeded every limit the buffer can grow to.
var errBufferFull = errors.New("httpserver: buffer full")

// fill reads more input, compacting the buffer, or growing it up to limit.
func (c *conn) fill(limit int) error {
	if c.rerr != nil {
		return c.rerr
	}
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if c.w == len(c.rbuf) {
		switch {
		case c.r > 0:
			c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
			c.r = 0
		case len(c.rbuf) < limit:
			nb := make([]byte, min(2*len(c.rbuf), limit))
			c.w = copy(nb, c.rbuf[c.r:c.w])
			c.r = 0
			c.rbuf = nb
		default:
			return errBufferFull
		}
	}
	n, err := c.rwc.Read(c.rbuf[c.w:])
	c.w += n
	if err != nil {
		if n > 0 {
			c.rerr = err
			return nil
		}
		return err
	}
	return nil
}

// readHead reads a request head, from the request line to the empty line
// that ends the fields, and returns it as one string (every field of the
// request is a substring of it). It enforces MaxRequestLine (414) and
// MaxHeaderBytes (431), and rejects a line that does not end in CRLF. A
// connection that closes before its first byte returns io.EOF.
func (c *conn) readHead() (string, error) {
	st := c.hs.st
	maxLine, maxHdr := st.maxRequestLine, st.maxHeaderBytes
	limit := maxLine + maxHdr + 64
	scan, lineStart, hdrStart := 0, 0, -1 // offsets from c.r
	for {
		buf := c.rbuf[c.r:c.w]
		for scan < len(buf) {
			i := bytes.IndexByte(buf[scan:], '\n')
			if i < 0 {
				scan = len(buf)
				break
			}
			nl := scan + i
			if nl == lineStart || buf[nl-1] != '\r' {
				return "", badRequest("line not ended by CRLF")
			}
			switch {
			case hdrStart < 0 && nl == lineStart+1:
				// An empty line before the request line (RFC 9112 §2.2).
				c.r += nl + 1
				buf = c.rbuf[c.r:c.w]
				scan, lineStart = 0, 0
				continue
			case hdrStart < 0:
				if nl-1-lineStart > maxLine {
					return "", &protoError{http.StatusRequestURITooLong, "request line too long"}
				}
				hdrStart = nl + 1
			case nl == lineStart+1:
				head := string(buf[:nl+1])
				c.r += nl + 1
				return head, nil
			case nl+1-hdrStart > maxHdr:
				return "", &protoError{http.StatusRequestHeaderFieldsTooLarge, "header fields too large"}
			}
			scan = nl + 1
			lineStart = scan
		}
		if hdrStart < 0 {
			if len(buf)-lineStart > maxLine+1 {
				return "", &protoError{http.StatusRequestURITooLong, "request line too long"}
			}
		} else if len(buf)-hdrStart > maxHdr {
			return "", &protoError{http.StatusRequestHeaderFieldsTooLarge, "header fields too large"}
		}
		if err := c.fill(limit); err != nil {
			if err == errBufferFull {
				return "", &protoError{http.StatusRequestHeaderFieldsTooLarge, "header fields too large"}
			}
			if err == io.EOF && len(buf) > 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
}

// serveOne reads one request and answers it. It reports whether the
// connection may serve another.
func (c *conn) serveOne() bool {
	st := c.hs.st
	var start time.Time
	if st.readTimeout > 0 || c.hs.s.AccessLog != nil || c.hs.s.AccessLogger != nil {
		start = time.Now()
	}
	if st.readTimeout > 0 {
		d := st.readTimeout
		if rht := st.readHeaderTimeout; rht > 0 && rht < d {
			d = rht
		}
		c.rwc.SetReadDeadline(start.Add(d))
		c.readDeadline, c.headDeadline = true, true
	} else if c.readDeadline {
		c.rwc.SetReadDeadline(time.Time{})
		c.readDeadline = false
	}
	// ReadHeaderTimeout alone is enforced by the hub's sweeper, which
	// closes a connection whose head has been read for too long: no
	// deadline (and no clock read per socket read) on the fast path.
	if st.readHeaderTimeout > 0 && !c.headDeadline {
		c.idleSince = c.hs.now()
		c.readingHead = true
	}
	head, err := c.readHead()
	c.readingHead = false
	if err != nil {
		var pe *protoError
		if errors.As(err, &pe) {
			c.reject(pe, "", start)
		}
		return false
	}
	w, err := c.newRequest(head, start)
	if err != nil {
		var pe *protoError
		if errors.As(err, &pe) {
			line, _, _ := strings.Cut(head, "\r")
			c.reject(pe, line, start)
		}
		return false
	}
	if st.writeTimeout > 0 {
		c.rwc.SetWriteDeadline(time.Now().Add(st.writeTimeout))
		c.writeDeadline = true
	} else if c.writeDeadline {
		c.rwc.SetWriteDeadline(time.Time{})
		c.writeDeadline = false
	}
	c.cur = w
	w.serve()
	c.cur = nil
	hubapi.ResetLocals() // the next request may be served by this greenlet too
	if c.buffers != nil {
		c.buffers.resetHeader()
	}
	c.idleSince = c.hs.now()
	if c.hijacked {
		return false
	}
	return !w.closeAfter && c.werr == nil
}

// newRequest builds the request and its response writer from a head.
func (c *conn) newRequest(head string, start time.Time) (*response, error) {
	w := &response{c: c, start: start}
	w.ctx.c = c
	req := &c.proto // filled here, then copied with the context attached
	defer func() { *req = http.Request{} }()
	req.URL = &w.url
	req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/1.1", 1, 1
	nl := strings.IndexByte(head, '\n')
	w.line = head[:nl-1]
	if err := parseRequestLine(w.line, req); err != nil {
		return nil, err
	}
	f, err := parseHeaders(head[nl+1:], req, w.strs[:])
	if err != nil {
		return nil, err
	}
	req.RemoteAddr = c.remote
	req.TLS = c.tls
	if _, ok := req.Header["Trailer"]; ok {
		req.Trailer = make(http.Header)
		for _, v := range req.Header["Trailer"] {
			for v != "" {
				var k string
				k, v, _ = strings.Cut(v, ",")
				if k = trimOWS(k); k != "" {
					req.Trailer[canonicalKey(k)] = nil
				}
			}
		}
		delete(req.Header, "Trailer")
	}
	if max := c.hs.st.maxBodyBytes; max > 0 && f.contentLength > max {
		return nil, &protoError{http.StatusRequestEntityTooLarge, "body too large"}
	}
	w.keepAlive = f.keepAlive
	w.closeAfter = !f.keepAlive
	w.isHEAD = req.Method == http.MethodHead
	if f.contentLength != 0 {
		w.body = body{w: w, remaining: max(f.contentLength, 0), chunked: f.chunked, expectContinue: f.expectContinue && req.ProtoMinor == 1}
		req.Body = &w.body
		req.ContentLength = f.contentLength
		if f.chunked {
			req.TransferEncoding = []string{"chunked"}
		}
	} else {
		w.body.eof = true
		req.Body = http.NoBody
	}
	w.upgrade = f.upgrade
	w.req = req.WithContext(&w.ctx)
	return w, nil
}

// reject answers a refused request with status and closes the connection
// (after the response, so that the client reads it).
func (c *conn) reject(pe *protoError, line string, start time.Time) {
	if c.remote != "" {
		c.hs.s.logf("httpserver: %s: %s", c.remote, pe.msg)
	} else {
		c.hs.s.logf("httpserver: %s", pe.msg)
	}
	text := http.StatusText(pe.status)
	c.wbuf = append(c.wbuf[:0], "HTTP/1.1 "...)
	c.wbuf = appendInt(c.wbuf, int64(pe.status))
	c.wbuf = append(c.wbuf, ' ')
	c.wbuf = append(c.wbuf, text...)
	c.wbuf = append(c.wbuf, "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	c.wbuf = appendInt(c.wbuf, int64(len(text)+4))
	c.wbuf = append(c.wbuf, "\r\n\r\n"...)
	c.wbuf = appendInt(c.wbuf, int64(pe.status))
	c.wbuf = append(c.wbuf, ' ')
	c.wbuf = append(c.wbuf, text...)
	n := len(c.wbuf)
	c.flush()
	c.accessLog(line, pe.status, int64(n), start)
	c.lingerClose()
}

// lingerClose closes the writing side, then reads and drops what the
// client still sends for a moment, so that the kernel does not answer it
// with a reset that could destroy the response before the client reads it
// (net/http's closeWriteAndWait, gevent's final recv).
func (c *conn) lingerClose() {
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.rwc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	c.readDeadline = true
	var buf [512]byte
	for total := 0; total < 64<<10; {
		n, err := c.rwc.Read(buf[:])
		total += n
		if err != nil {
			return
		}
	}
}

// write queues p for the client, writing the buffer out when it fills.
func (c *conn) write(p []byte) error {
	if c.werr != nil {
		return c.werr
	}
	if len(c.wbuf)+len(p) <= cap(c.wbuf) {
		c.wbuf = append(c.wbuf, p...)
		return nil
	}
	if err := c.flush(); err != nil {
		return err
	}
	if len(p) >= cap(c.wbuf) {
		_, err := c.rwc.Write(p)
		c.werr = err
		return err
	}
	c.wbuf = append(c.wbuf, p...)
	return nil
}

// flush writes the buffered output.
func (c *conn) flush() error {
	if c.werr != nil {
		return c.werr
	}
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.rwc.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	c.werr = err
	return err
}

// appendInt appends the decimal form of n ≥ 0.
func appendInt(b []byte, n int64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// watchClient runs in a loop callback when the connection becomes readable
// while a handler runs with the whole request read: a client that closed
// cancels the request's context; a pipelined request is left for later.
func (c *conn) watchClient() {
	if c.buffers == nil || c.cur == nil {
		return
	}
	w := c.cur
	if closed, _ := c.sc.PeerClosed(); closed {
		w.ctx.cancel()
	}
}

// startWatch asks the loop to tell the handler's context when the client
// goes away; the request must have been read completely.
func (c *conn) startWatch() {
	if !c.plain || c.r != c.w || c.hijacked {
		return // TLS buffers input; buffered input is a pipelined request
	}
	c.sc.NotifyReadable(c.runFn)
}

func (c *conn) stopWatch() {
	if c.plain {
		c.sc.StopNotify()
	}
}
