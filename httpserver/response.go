package httpserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// response is the http.ResponseWriter of one request. It also implements
// http.Flusher, http.Hijacker and the methods http.ResponseController
// looks for (FlushError, SetReadDeadline, SetWriteDeadline,
// EnableFullDuplex). Its methods must be called from the handler's
// greenlet, as net/http requires of a ResponseWriter's users.
type response struct {
	c     *conn
	req   *http.Request
	ctx   reqCtx
	url   url.URL
	strs  [4]string // backing of the request's first header values
	body  body
	line  string // the request line, for the access log
	start time.Time

	header      http.Header
	pooledHdr   bool // header is the connection's map (buffers.hdr)
	status      int
	wroteHeader bool  // the status is decided
	headerSent  bool  // the header is in the output buffer
	chunked     bool  // the body is sent with chunked framing
	cl          int64 // the Content-Length sent or declared, -1 if none
	written     int64 // body bytes the handler wrote
	staged      int   // body bytes staged in c.stage before the header

	keepAlive  bool // the request allows keep-alive
	closeAfter bool // close the connection after this response
	isHEAD     bool
	upgrade    bool
	fullDuplex bool
	tooLarge   bool // the body exceeded MaxBodyBytes
	badBody    bool // the body was malformed
	sent       int64
}

var (
	_ http.ResponseWriter = (*response)(nil)
	_ http.Flusher        = (*response)(nil)
	_ http.Hijacker       = (*response)(nil)
)

// Header returns the response header map, as http.ResponseWriter's.
//
// The map is the connection's, reused: it is cleared once the response is
// done (the handler must not use it after ServeHTTP returns, as with every
// ResponseWriter method), so that a response costs no map of its own.
func (w *response) Header() http.Header {
	if w.header == nil {
		if b := w.c.buffers; b != nil {
			if b.hdr == nil {
				b.hdr = make(http.Header)
			}
			w.header, w.pooledHdr = b.hdr, true
		} else {
			w.header = make(http.Header) // hijacked: the buffers are gone
		}
	}
	return w.header
}

// WriteHeader sends the status (http.ResponseWriter). A 1xx status other
// than 101 is sent at once, with the current header fields, and the
// response goes on; a second final status is ignored and logged.
func (w *response) WriteHeader(code int) {
	c := w.c
	if c.hijacked {
		c.hs.s.logf("httpserver: WriteHeader on a hijacked connection from %s", c.remote)
		return
	}
	if w.wroteHeader {
		c.hs.s.logf("httpserver: superfluous WriteHeader(%d) from %s", code, callerOf())
		return
	}
	if code < 100 || code > 999 {
		c.hs.s.logf("httpserver: invalid WriteHeader code %d; sending 500", code)
		code = http.StatusInternalServerError
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		if code == http.StatusContinue {
			w.body.continueSent = true
		}
		b := appendStatusLine(c.wbuf, true, code)
		b = w.appendFields(b, nil)
		c.wbuf = append(b, "\r\n"...)
		c.flush()
		return
	}
	w.wroteHeader = true
	w.status = code
	w.cl = -1
	if v := w.header["Content-Length"]; len(v) > 0 {
		if n, ok := parseContentLength(strings.TrimSpace(v[0])); ok {
			w.cl = n
		} else {
			c.hs.s.logf("httpserver: invalid Content-Length %q in response; dropped", v[0])
			delete(w.header, "Content-Length")
		}
	}
}

// callerOf names the handler code that called into the writer, for logs.
func callerOf() string {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return "?"
	}
	return file + ":" + strconv.Itoa(line)
}

// bodyAllowed reports whether a status may have a body (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// Write writes body bytes (http.ResponseWriter). A body that fits in the
// staging buffer by the time the handler returns is sent with a
// Content-Length, in the same write as the header; a larger one, or one
// flushed early, is sent chunked (HTTP/1.1) or delimited by closing the
// connection (HTTP/1.0).
func (w *response) Write(p []byte) (int, error) {
	c := w.c
	if c.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.cl >= 0 && w.written+int64(len(p)) > w.cl {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if w.isHEAD {
		return len(p), nil
	}
	if !w.headerSent {
		if w.staged+len(p) <= len(c.stage) {
			w.staged += copy(c.stage[w.staged:], p)
			return len(p), nil
		}
		w.commit(false)
	}
	if err := w.writeBody(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString is Write for a string, without a conversion.
func (w *response) WriteString(s string) (int, error) {
	c := w.c
	if !w.wroteHeader && !c.hijacked {
		w.WriteHeader(http.StatusOK)
	}
	if !c.hijacked && w.wroteHeader && !w.headerSent && !w.isHEAD && bodyAllowed(w.status) &&
		w.staged+len(s) <= len(c.stage) && (w.cl < 0 || w.written+int64(len(s)) <= w.cl) {
		w.written += int64(len(s))
		w.staged += copy(c.stage[w.staged:], s)
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// writeBody sends body bytes after the header, framed.
func (w *response) writeBody(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	c := w.c
	if w.chunked {
		var hdr [18]byte
		b := strconv.AppendInt(hdr[:0], int64(len(p)), 16)
		b = append(b, '\r', '\n')
		if err := c.write(b); err != nil {
			return err
		}
		if err := c.write(p); err != nil {
			return err
		}
		return c.write(crlf)
	}
	return c.write(p)
}

var crlf = []byte("\r\n")

// settleBody deals with a request body the handler left unread before the
// response is sent: it is read and dropped up to a limit, or the connection
// closes after the response. A body announced with Expect: 100-continue
// and never asked for is not read; the client may or may not send it, so
// the connection closes.
func (w *response) settleBody() {
	b := &w.body
	if b.eof || w.fullDuplex && !w.headerSent {
		return
	}
	if b.err != nil || b.expectContinue && !b.continueSent || !b.discard() {
		w.closeAfter = true
	}
}

// commit puts the status line and header in the output buffer, and the
// staged body after them. final means that the handler has returned, so
// the staged body is the whole body and its length can be sent.
func (w *response) commit(final bool) {
	c := w.c
	if w.badBody || w.tooLarge {
		// The request body was malformed or too large: whatever the handler
		// meant to answer, the client gets the error, and the connection
		// closes (pywsgi answers a bad chunk the same way).
		w.replaceWithError()
	}
	if !w.fullDuplex || final {
		w.settleBody()
	}
	w.headerSent = true
	h := w.header
	status := w.status
	allowed := bodyAllowed(status)

	// One pass over the header map: the fields to write, in key order, and
	// the ones the framing depends on.
	var stack [24]string
	keys := stack[:0]
	var (
		te                                      string
		conn                                    []string
		hasTE, trailerKey, prefixed, date, ctyp bool
	)
	for k, vv := range h {
		switch k {
		case "Transfer-Encoding":
			// The server frames the body itself.
			if len(vv) > 0 {
				te, hasTE = vv[0], true
			}
			continue
		case "Trailer":
			trailerKey = true
		case "Connection":
			conn = vv
		case "Date":
			date = true
		case "Content-Type":
			ctyp = true
		}
		if strings.HasPrefix(k, http.TrailerPrefix) {
			prefixed = true // sent as a trailer, after the body
			continue
		}
		keys = append(keys, k)
	}
	if hasTE {
		delete(h, "Transfer-Encoding")
	}
	if len(keys) > 1 {
		slices.Sort(keys)
	}
	if w.pooledHdr && len(keys) == len(h) && len(keys) <= len(c.sent) {
		c.nsent = copy(c.sent[:], keys) // for resetHeader
	}
	// Trailers: a Trailer field, or (once the handler has returned) a key
	// with http.TrailerPrefix.
	trailers := trailerKey || final && prefixed
	writeCL := false
	switch {
	case !allowed || w.cl >= 0:
	case final && !trailers && te == "" && (!w.isHEAD || w.written > 0):
		w.cl = w.written
		writeCL = true
	case w.isHEAD:
	case w.req.ProtoMinor == 1:
		w.chunked = true
	default:
		w.closeAfter = true // HTTP/1.0: the close ends the body
	}
	if status == http.StatusSwitchingProtocols {
		w.closeAfter = true // unless the handler hijacks the connection
	}
	for _, s := range conn {
		if containsFoldClose(s) {
			w.closeAfter = true
		}
	}
	if c.hs.stopping {
		w.closeAfter = true
	}

	b := appendStatusLine(c.wbuf, w.req.ProtoMinor == 1, status)
	for _, k := range keys {
		if k == "Trailer" || httpguts.ValidHeaderFieldName(k) {
			b = appendField(b, k, h[k])
		}
	}
	if !date {
		b = append(b, "Date: "...)
		b = appendDate(b, c.hs.now())
		b = append(b, "\r\n"...)
	}
	if writeCL {
		b = append(b, "Content-Length: "...)
		b = appendInt(b, w.cl)
		b = append(b, "\r\n"...)
	}
	if !ctyp && allowed && w.staged > 0 {
		b = append(b, "Content-Type: "...)
		b = append(b, http.DetectContentType(c.stage[:min(w.staged, 512)])...)
		b = append(b, "\r\n"...)
	}
	if w.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case w.closeAfter && (w.keepAlive || w.req.ProtoMinor == 1) && conn == nil:
		b = append(b, "Connection: close\r\n"...)
	case !w.closeAfter && w.req.ProtoMinor == 0:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, "\r\n"...)
	w.sent += int64(len(b) - len(c.wbuf))
	c.wbuf = b
	if w.staged > 0 && allowed && !w.isHEAD {
		n := w.staged
		w.staged = 0
		w.writeBody(c.stage[:n])
	}
	w.staged = 0
}

// replaceWithError makes the response a 400 (malformed body) or 413 (body
// too large) with a short text body.
func (w *response) replaceWithError() {
	status := http.StatusBadRequest
	if w.tooLarge {
		status = http.StatusRequestEntityTooLarge
	}
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	w.header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
	w.status, w.wroteHeader, w.cl, w.isHEAD = status, true, -1, false
	w.written = int64(copy(w.c.stage[:], text))
	w.staged = int(w.written)
	w.closeAfter = true
}

// appendStatusLine appends "HTTP/1.x code text\r\n".
func appendStatusLine(b []byte, http11 bool, code int) []byte {
	if http11 {
		if code < len(statusLines) && statusLines[code] != "" {
			return append(b, statusLines[code]...)
		}
		b = append(b, "HTTP/1.1 "...)
	} else {
		b = append(b, "HTTP/1.0 "...)
	}
	b = appendInt(b, int64(code))
	b = append(b, ' ')
	if text := http.StatusText(code); text != "" {
		b = append(b, text...)
	} else {
		b = append(b, "status code "...)
		b = appendInt(b, int64(code))
	}
	return append(b, "\r\n"...)
}

// statusLines holds the HTTP/1.1 status line of every known status.
var statusLines = func() []string {
	lines := make([]string, 600)
	for code := range lines {
		if text := http.StatusText(code); text != "" {
			lines[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
		}
	}
	return lines
}()

// appendFields appends the header fields of h in key order, except the
// ones the server writes itself and trailers. Invalid names are skipped and
// CR or LF in values become spaces (no response splitting).
func (w *response) appendFields(b []byte, h http.Header) []byte {
	if h == nil {
		h = w.header
	}
	if len(h) == 0 {
		return b
	}
	var stack [24]string
	keys := stack[:0]
	for k := range h {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		slices.Sort(keys)
	}
	for _, k := range keys {
		if k == "Trailer" || strings.HasPrefix(k, http.TrailerPrefix) || !httpguts.ValidHeaderFieldName(k) {
			if k == "Trailer" {
				b = appendField(b, k, h[k])
			}
			continue
		}
		b = appendField(b, k, h[k])
	}
	return b
}

func appendField(b []byte, k string, vv []string) []byte {
	for _, v := range vv {
		b = append(b, k...)
		b = append(b, ':', ' ')
		start := len(b)
		b = append(b, strings.TrimSpace(v)...)
		for i := start; i < len(b); i++ {
			if b[i] == '\r' || b[i] == '\n' {
				b[i] = ' '
			}
		}
		b = append(b, '\r', '\n')
	}
	return b
}

// finish completes the response after the handler returned.
func (w *response) finish() {
	c := w.c
	if c.hijacked {
		return
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		w.commit(true)
	} else {
		w.settleBody()
		if w.chunked {
			b := append(c.wbuf, "0\r\n"...)
			b = w.appendTrailers(b)
			c.wbuf = append(b, "\r\n"...)
		}
	}
	if w.cl >= 0 && w.written < w.cl && bodyAllowed(w.status) && !w.isHEAD {
		w.closeAfter = true // the body is short: the client must not wait for the rest
	}
	if w.tooLarge || w.badBody {
		w.closeAfter = true
	}
	w.sent += int64(len(c.wbuf)) // an estimate when the body went out in pieces
	c.flush()
	c.accessLog(w.line, w.status, w.sent, w.start)
}

// appendTrailers appends the trailer fields of a chunked response.
func (w *response) appendTrailers(b []byte) []byte {
	for _, k := range w.header["Trailer"] {
		for k != "" {
			var name string
			name, k, _ = strings.Cut(k, ",")
			name = http.CanonicalHeaderKey(strings.TrimSpace(name))
			if vv := w.header[name]; len(vv) > 0 && httpguts.ValidHeaderFieldName(name) {
				b = appendField(b, name, vv)
			}
		}
	}
	for k, vv := range w.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && httpguts.ValidHeaderFieldName(name) {
			b = appendField(b, name, vv)
		}
	}
	return b
}

// Flush sends what the handler has written so far (http.Flusher).
func (w *response) Flush() { w.FlushError() }

// FlushError is Flush returning the write error (http.ResponseController).
func (w *response) FlushError() error {
	c := w.c
	if c.hijacked {
		return http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		w.commit(false)
	}
	w.sent += int64(len(c.wbuf))
	return c.flush()
}

// Hijack hands the connection over to the handler (http.Hijacker): the
// server neither reads, writes nor closes it again. A header already
// decided with WriteHeader (101 Switching Protocols, typically) is sent
// first. The returned reader holds what the client sent after the request.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c := w.c
	if c.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.wroteHeader && !w.headerSent {
		w.commit(false)
	}
	if err := c.flush(); err != nil {
		return nil, nil, err
	}
	c.stopWatch()
	c.hijacked = true
	if c.headDeadline || c.readDeadline {
		c.rwc.SetReadDeadline(time.Time{})
	}
	if c.writeDeadline {
		c.rwc.SetWriteDeadline(time.Time{})
	}
	c.hdr = nil // the handler may go on using its header map
	var r io.Reader = c.rwc
	if c.r < c.w {
		r = io.MultiReader(bytes.NewReader(bytes.Clone(c.rbuf[c.r:c.w])), c.rwc)
	}
	c.releaseBuffers()
	if c.list != nil {
		c.list.remove(c)
	}
	c.hs.connClosed()
	c.accessLog(w.line, w.statusForLog(), w.sent, w.start)
	return c.rwc, bufio.NewReadWriter(bufio.NewReader(r), bufio.NewWriter(c.rwc)), nil
}

func (w *response) statusForLog() int {
	if w.wroteHeader {
		return w.status
	}
	return 0
}

// SetReadDeadline sets the connection's read deadline
// (http.ResponseController); the zero time removes it.
func (w *response) SetReadDeadline(t time.Time) error {
	c := w.c
	c.headDeadline, c.readDeadline = false, !t.IsZero()
	return c.rwc.SetReadDeadline(t)
}

// SetWriteDeadline sets the connection's write deadline
// (http.ResponseController); the zero time removes it.
func (w *response) SetWriteDeadline(t time.Time) error {
	w.c.writeDeadline = !t.IsZero()
	return w.c.rwc.SetWriteDeadline(t)
}

// EnableFullDuplex lets the handler read the request body after it has
// started the response (http.ResponseController). Without it, as in
// net/http, the unread body is settled when the header is sent.
func (w *response) EnableFullDuplex() error {
	w.fullDuplex = true
	return nil
}

// serve runs the handler and completes the response.
func (w *response) serve() {
	c := w.c
	var h http.Handler = c.hs.s.handler
	if w.req.Method == http.MethodOptions && w.req.RequestURI == "*" {
		h = optionsHandler{}
	}
	if w.body.eof {
		c.startWatch()
	}
	w.callHandler(h)
	if !c.hijacked {
		c.stopWatch()
	}
	w.ctx.cancel()
	w.finish()
}

func (w *response) callHandler(h http.Handler) {
	defer func() {
		if v := recover(); v != nil {
			w.panicked(v)
		}
	}()
	h.ServeHTTP(w, w.req)
}

// panicked handles a handler's panic: it is reported (except
// http.ErrAbortHandler, which only aborts the response), the client gets a
// 500 if nothing was sent yet, and the connection closes.
func (w *response) panicked(v any) {
	c := w.c
	abort := v == http.ErrAbortHandler
	if !abort {
		buf := make([]byte, 64<<10)
		buf = buf[:runtime.Stack(buf, false)]
		c.hs.s.logf("httpserver: panic serving %s: %v\n%s", c.remote, v, buf)
	}
	if c.hijacked {
		return
	}
	w.closeAfter = true
	if abort || w.headerSent {
		c.werr = errAborted // drop what is buffered; close
		return
	}
	w.header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Content-Type-Options": {"nosniff"}}
	w.wroteHeader, w.status, w.cl, w.written, w.staged = true, http.StatusInternalServerError, -1, 0, 0
	w.isHEAD = false
	io.WriteString(w, "Internal Server Error\n")
}

var errAborted = fmt.Errorf("httpserver: handler aborted")

// optionsHandler answers "OPTIONS *" (net/http's globalOptionsHandler).
type optionsHandler struct{}

func (optionsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	if r.ContentLength != 0 {
		io.Copy(io.Discard, io.LimitReader(r.Body, 4<<10))
	}
}

// containsFoldClose reports whether s contains "close" in any ASCII case
// (strings.Contains(strings.ToLower(s), "close") without the copy).
func containsFoldClose(s string) bool {
	for i := 0; i+5 <= len(s); i++ {
		if s[i]|0x20 == 'c' && lowerASCIIEqual(s[i:i+5], "close") {
			return true
		}
	}
	return false
}
