package httpserver

import (
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// protoError is a request the server refuses: status is the response code,
// msg what is logged. Every protoError closes the connection after the
// response, so that nothing the client sent after it is read as a request.
type protoError struct {
	status int
	msg    string
}

func (e *protoError) Error() string { return "httpserver: " + e.msg }

func badRequest(msg string) error { return &protoError{http.StatusBadRequest, msg} }

// Character classes of RFC 9110 §5.6.2 and §5.5.
var (
	isTchar  [256]bool // token characters
	isVchar  [256]bool // field-value characters: VCHAR, obs-text, SP, HTAB
	isTarget [256]bool // request-target characters: visible ASCII
)

func init() {
	for c := 0; c < 256; c++ {
		isVchar[c] = c == '\t' || (c >= 0x20 && c != 0x7f)
		isTarget[c] = c > 0x20 && c < 0x7f
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		isTchar[c] = true
	}
}

// commonHeaders interns the canonical form of frequent field names, so that
// canonicalising them does not allocate.
var commonHeaders = map[string]string{}

func init() {
	for _, h := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Authorization", "Cache-Control", "Connection", "Content-Disposition", "Content-Encoding",
		"Content-Language", "Content-Length", "Content-Type", "Cookie", "Date", "Dnt", "Etag",
		"Expect", "Forwarded", "From", "Host", "If-Match", "If-Modified-Since", "If-None-Match",
		"If-Range", "If-Unmodified-Since", "Keep-Alive", "Origin", "Pragma", "Priority", "Range",
		"Referer", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Sec-Fetch-Dest",
		"Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User", "Sec-Websocket-Extensions",
		"Sec-Websocket-Key", "Sec-Websocket-Protocol", "Sec-Websocket-Version", "Te", "Trailer",
		"Transfer-Encoding", "Upgrade", "Upgrade-Insecure-Requests", "User-Agent", "Via",
		"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "X-Requested-With",
	} {
		commonHeaders[h] = h
	}
}

// canonicalKey returns the canonical form of the valid field name k
// (textproto's): a substring of k when k is canonical already, an interned
// string for common names, a new string otherwise.
func canonicalKey(k string) string {
	upper := true
	canonical := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canonical = false
			break
		}
		upper = c == '-'
	}
	if canonical {
		return k
	}
	var stack [64]byte
	var b []byte
	if len(k) <= len(stack) {
		b = stack[:len(k)]
	} else {
		b = make([]byte, len(k))
	}
	upper = true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
		upper = c == '-'
	}
	if s, ok := commonHeaders[string(b)]; ok {
		return s
	}
	return string(b)
}

// lowerASCIIEqual reports whether s equals the lower-case ASCII word lower,
// ignoring case.
func lowerASCIIEqual(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// trimOWS removes optional white space (SP, HTAB) at both ends.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// framing is what the head says about the body and the connection.
type framing struct {
	contentLength  int64 // -1: chunked; 0: no body
	chunked        bool
	keepAlive      bool
	expectContinue bool
	upgrade        bool
}

// parseRequestLine parses "method SP request-target SP HTTP-version" (line
// without its CRLF) strictly.
func parseRequestLine(line string, req *http.Request) error {
	sp1 := strings.IndexByte(line, ' ')
	if sp1 <= 0 {
		return badRequest("malformed request line")
	}
	method := line[:sp1]
	for i := 0; i < len(method); i++ {
		if !isTchar[method[i]] {
			return badRequest("invalid method")
		}
	}
	rest := line[sp1+1:]
	sp2 := strings.IndexByte(rest, ' ')
	if sp2 <= 0 {
		return badRequest("malformed request line")
	}
	target, proto := rest[:sp2], rest[sp2+1:]
	for i := 0; i < len(target); i++ {
		if !isTarget[target[i]] {
			return badRequest("invalid request target")
		}
	}
	switch proto {
	case "HTTP/1.1":
		req.ProtoMinor = 1
	case "HTTP/1.0":
		req.ProtoMinor = 0
	default:
		if len(proto) == 8 && strings.HasPrefix(proto, "HTTP/") && isDigit(proto[5]) && proto[6] == '.' && isDigit(proto[7]) {
			return &protoError{http.StatusHTTPVersionNotSupported, "unsupported HTTP version " + proto}
		}
		return badRequest("malformed HTTP version")
	}
	req.Method, req.RequestURI, req.Proto, req.ProtoMajor = method, target, proto, 1
	return parseTarget(method, target, req.URL)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// parseTarget fills u from the request target (RFC 9112 §3.2): origin-form,
// absolute-form, authority-form for CONNECT, or "*" for OPTIONS.
func parseTarget(method, target string, u *url.URL) error {
	if method == http.MethodConnect {
		if strings.HasPrefix(target, "/") {
			// net/http accepts a path for CONNECT (used by some proxies).
			return parseOrigin(target, u)
		}
		// authority-form is host ":" port (RFC 9112 §3.2.3); the host is
		// checked as net/http checks it, by parsing it as a URL's.
		i := strings.LastIndexByte(target, ':')
		if i < 0 || i == len(target)-1 || strings.ContainsAny(target, "/?#@") || !allDigits(target[i+1:]) {
			return badRequest("invalid CONNECT target")
		}
		if pu, err := url.Parse("http://" + target); err != nil || pu.Host != target {
			return badRequest("invalid CONNECT target")
		}
		u.Host = target
		return nil
	}
	switch {
	case target[0] == '/':
		return parseOrigin(target, u)
	case target == "*":
		if method != http.MethodOptions {
			return badRequest("'*' target needs OPTIONS")
		}
		u.Path = "*"
		return nil
	case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") ||
		strings.HasPrefix(target, "HTTP://") || strings.HasPrefix(target, "HTTPS://"):
		pu, err := url.ParseRequestURI(target)
		if err != nil || pu.Host == "" {
			return badRequest("invalid request target")
		}
		*u = *pu
		return nil
	}
	return badRequest("invalid request target")
}

// parseOrigin parses an origin-form target ("/path?query").
func parseOrigin(target string, u *url.URL) error {
	path, query := target, ""
	if i := strings.IndexByte(target, '?'); i >= 0 {
		path, query = target[:i], target[i+1:]
	}
	if strings.IndexByte(target, '#') >= 0 {
		return badRequest("fragment in request target")
	}
	if strings.IndexByte(path, '%') < 0 {
		u.Path, u.RawQuery = path, query
		return nil
	}
	pu, err := url.ParseRequestURI(target)
	if err != nil {
		return badRequest("invalid request target")
	}
	*u = *pu
	return nil
}

// parseHeaders parses the field lines of s (each ending in CRLF, the last
// line of s being the empty one) into req.Header and returns the framing.
// The values' slices are carved from spare when it is long enough.
// Validation is RFC 9112's, strict: no obs-fold, no white space before the
// colon, token names, no control characters in values, one Host in
// HTTP/1.1, Content-Length and Transfer-Encoding never together.
func parseHeaders(s string, req *http.Request, spare []string) (framing, error) {
	var f framing
	// One slice backs every value (textproto's trick): count the lines.
	n := strings.Count(s, "\n") - 1
	if n < 0 {
		n = 0
	}
	// The map is made at the first field other than Host: a request
	// with Host alone gets an empty map without a group.
	var h http.Header
	strs := spare
	if n > len(spare) {
		strs = make([]string, n)
	}
	var (
		hosts, cls, tes int
		host            string
		cl              string
		te              string
		conn            []string
	)
	for len(s) > 2 {
		i := strings.IndexByte(s, '\n')
		line := s[:i-1] // the head reader checked the CR
		s = s[i+1:]
		if line[0] == ' ' || line[0] == '\t' {
			return f, badRequest("obs-fold in header")
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			return f, badRequest("malformed header line")
		}
		name := line[:colon]
		for j := 0; j < len(name); j++ {
			if !isTchar[name[j]] {
				return f, badRequest("invalid header name")
			}
		}
		value := trimOWS(line[colon+1:])
		for j := 0; j < len(value); j++ {
			if !isVchar[value[j]] {
				return f, badRequest("invalid header value")
			}
		}
		key := canonicalKey(name)
		switch key {
		case "Host":
			// Kept out of the map (net/http removes it from Header
			// too): a request with no other field then costs no map
			// group.
			hosts++
			host = value
			continue
		case "Content-Length":
			if cls > 0 && value != cl {
				return f, badRequest("conflicting Content-Length")
			}
			cls++
			cl = value
		case "Transfer-Encoding":
			tes++
			te = value
		case "Connection":
			conn = append(conn, value)
		case "Expect":
			if lowerASCIIEqual(value, "100-continue") {
				f.expectContinue = true
			} else {
				return f, &protoError{http.StatusExpectationFailed, "unsupported Expect"}
			}
		}
		if h == nil {
			h = make(http.Header, n)
		}
		if vv := h[key]; vv != nil {
			h[key] = append(vv, value)
		} else {
			strs[0] = value
			h[key] = strs[:1:1]
			strs = strs[1:]
		}
	}
	if h == nil {
		h = make(http.Header)
	}
	req.Header = h

	if req.ProtoMinor == 1 && hosts != 1 || hosts > 1 {
		return f, badRequest("missing or repeated Host")
	}
	if hosts == 1 {
		if !httpguts.ValidHostHeader(host) {
			return f, badRequest("invalid Host")
		}
		if req.URL.Host == "" {
			req.Host = host
		} else {
			req.Host = req.URL.Host
		}
	} else {
		req.Host = req.URL.Host
	}

	if tes > 0 {
		if cls > 0 {
			return f, badRequest("Content-Length with Transfer-Encoding")
		}
		if req.ProtoMinor == 0 {
			return f, badRequest("Transfer-Encoding in HTTP/1.0")
		}
		if tes > 1 || !lowerASCIIEqual(te, "chunked") {
			return f, &protoError{http.StatusNotImplemented, "unsupported Transfer-Encoding"}
		}
		f.chunked, f.contentLength = true, -1
		delete(h, "Transfer-Encoding")
	} else if cls > 0 {
		n, ok := parseContentLength(cl)
		if !ok {
			return f, badRequest("invalid Content-Length")
		}
		f.contentLength = n
	}

	// Keep-alive (RFC 9112 §9.3).
	f.keepAlive = req.ProtoMinor == 1
	for _, v := range conn {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			tok = trimOWS(tok)
			switch {
			case lowerASCIIEqual(tok, "close"):
				f.keepAlive = false
				req.Close = true
			case lowerASCIIEqual(tok, "keep-alive"):
				if req.ProtoMinor == 0 && !req.Close {
					f.keepAlive = true
				}
			case lowerASCIIEqual(tok, "upgrade"):
				f.upgrade = true
			}
		}
	}
	if !f.keepAlive {
		req.Close = true
	}
	return f, nil
}

// parseContentLength parses 1*DIGIT without overflow.
func parseContentLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// parseTrailer parses the trailer section of a chunked body (field lines,
// each ending in CRLF, the last line of s being the empty one) into t.
func parseTrailer(s string, t http.Header) error {
	for len(s) > 2 {
		i := strings.IndexByte(s, '\n')
		line := s[:i-1]
		s = s[i+1:]
		if line[0] == ' ' || line[0] == '\t' {
			return badRequest("obs-fold in trailer")
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			return badRequest("malformed trailer line")
		}
		name := line[:colon]
		for j := 0; j < len(name); j++ {
			if !isTchar[name[j]] {
				return badRequest("invalid trailer name")
			}
		}
		value := trimOWS(line[colon+1:])
		for j := 0; j < len(value); j++ {
			if !isVchar[value[j]] {
				return badRequest("invalid trailer value")
			}
		}
		key := canonicalKey(name)
		switch key {
		case "Content-Length", "Transfer-Encoding", "Host", "Trailer":
			continue // framing fields have no meaning as trailers
		}
		t[key] = append(t[key], value)
	}
	return nil
}
