package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/geventgo/gevent"
)

// storeCall runs a storage call through gevent's context bridge: on a
// greenlet it parks only the calling greenlet while fn waits for the disk,
// and a kill of the greenlet cancels fn's context.
func storeCall[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	return gevent.BlockingContext(ctx, fn)
}

func isBlank(s string) bool { return strings.TrimFunc(s, unicode.IsSpace) == "" }

// validText reports whether s is UTF-8 without control characters other
// than newline and tab.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return false
		}
	}
	return true
}

func (a *App) routes() {
	mux := http.NewServeMux()
	// The seed's routes.
	mux.HandleFunc("GET /{$}", a.handleChoose)
	mux.HandleFunc("GET /{uid}", a.handleRooms)
	mux.HandleFunc("GET /{room}/{uid}", a.handleJoin)
	mux.HandleFunc("POST /put/{room}/{uid}", a.handlePut)
	mux.HandleFunc("POST /poll/{uid}", a.handlePoll)
	// Operations.
	mux.HandleFunc("GET /healthz", a.handleHealth)
	mux.Handle("GET /metrics", a.m.handler())
	mux.Handle("GET /static/{file}", staticHandler())
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	// The JSON API.
	mux.HandleFunc("GET /api/rooms", a.apiRooms)
	mux.HandleFunc("GET /api/rooms/{room}/messages", a.apiHistory)
	mux.HandleFunc("POST /api/rooms/{room}/messages", a.apiPost)
	mux.HandleFunc("POST /api/join/{room}/{uid}", a.apiJoin)
	mux.HandleFunc("POST /api/poll/{uid}", a.apiPoll)
	mux.HandleFunc("GET /ws/{uid}", a.handleWS)
	a.mux = mux
}

// ServeHTTP serves the chat and writes the access log.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	lw := &logWriter{ResponseWriter: w}
	a.mux.ServeHTTP(lw, r)
	if lw.code == 0 {
		lw.code = http.StatusOK
	}
	a.m.request(lw.code)
	if a.cfg.AccessLog {
		a.log.LogAttrs(r.Context(), accessLevel(lw.code), "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", lw.code),
			slog.Int("bytes", lw.n), slog.Duration("dur", time.Since(start)), slog.String("remote", r.RemoteAddr))
	}
}

// logWriter records the status and size of a response. It passes Flush and
// Hijack through, and Unwrap lets http.ResponseController reach the rest.
type logWriter struct {
	http.ResponseWriter
	code int
	n    int
}

func (w *logWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += n
	return n, err
}

func (w *logWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *logWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("chat: the server does not support hijacking")
	}
	c, rw, err := h.Hijack()
	if err == nil {
		w.code = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// fail writes e as a plain text answer.
func fail(w http.ResponseWriter, e *httpError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.code)
	w.Write([]byte(e.msg + "\n"))
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(w, errorf(http.StatusInternalServerError, "encode: %v", err))
		return
	}
	h := w.Header() // canonical keys: set without canonicalizing them again
	h["Content-Type"] = []string{"application/json"}
	h["Cache-Control"] = []string{"no-store"}
	w.Write(append(b, '\n'))
}

// bodyLimit bounds a request body: room for a message of the largest size
// in any encoding, plus the form or JSON around it.
func (a *App) bodyLimit() int64 { return int64(a.cfg.MaxMessage)*6 + 1024 }

// parseForm reads the form of a POST: 413 if the body is too large, 400
// if it is malformed.
func (a *App) parseForm(w http.ResponseWriter, r *http.Request) *httpError {
	r.Body = http.MaxBytesReader(w, r.Body, a.bodyLimit())
	if err := r.ParseForm(); err != nil {
		return bodyError(err, "malformed form")
	}
	return nil
}

func bodyError(err error, what string) *httpError {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, "request body too large: at most %d bytes", mbe.Limit)
	}
	return errorf(http.StatusBadRequest, "%s: %v", what, err)
}

// decodeJSON reads a JSON request body into v.
func (a *App) decodeJSON(w http.ResponseWriter, r *http.Request, v any) *httpError {
	r.Body = http.MaxBytesReader(w, r.Body, a.bodyLimit())
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return bodyError(err, "malformed JSON")
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "malformed JSON: more than one value")
	}
	return nil
}

// --- the seed's routes ---

func (a *App) handleChoose(w http.ResponseWriter, r *http.Request) {
	if uid := r.URL.Query().Get("uid"); uid != "" {
		if e := checkUID(uid); e != nil {
			a.render(w, http.StatusBadRequest, "choose", pageData{Error: e.msg, UID: uid})
			return
		}
		http.Redirect(w, r, "/"+uid, http.StatusSeeOther)
		return
	}
	a.render(w, http.StatusOK, "choose", pageData{})
}

func (a *App) handleRooms(w http.ResponseWriter, r *http.Request) {
	uid := r.PathValue("uid")
	if e := checkUID(uid); e != nil {
		fail(w, e)
		return
	}
	a.render(w, http.StatusOK, "rooms", pageData{UID: uid, Rooms: a.roomInfo()})
}

func (a *App) handleJoin(w http.ResponseWriter, r *http.Request) {
	roomName, uid := r.PathValue("room"), r.PathValue("uid")
	// A bad uid is 400 even in a room that does not exist.
	if e := checkUID(uid); e != nil {
		fail(w, e)
		return
	}
	if _, e := a.claim(w, r, uid, roomName); e != nil {
		fail(w, e)
		return
	}
	a.mu.Lock()
	backlog := append([]Message(nil), a.rooms[roomName].backlog...)
	a.mu.Unlock()
	var last int64
	if len(backlog) > 0 {
		last = backlog[len(backlog)-1].ID
	}
	a.render(w, http.StatusOK, "room", pageData{
		UID: uid, Room: roomName, Rooms: a.roomInfo(), Messages: backlog,
		Last: last, WebSocket: a.cfg.WebSocket,
	})
}

// handlePut is the seed's POST /put/{room}/{uid}: form field message,
// answers 200 with an empty body once the message is stored.
func (a *App) handlePut(w http.ResponseWriter, r *http.Request) {
	roomName, uid := r.PathValue("room"), r.PathValue("uid")
	if e := checkUID(uid); e != nil {
		fail(w, e)
		return
	}
	if e := a.checkRoom(roomName); e != nil {
		fail(w, e)
		return
	}
	u, e := a.authorize(r, uid)
	if e != nil {
		fail(w, e)
		return
	}
	if e := a.parseForm(w, r); e != nil {
		fail(w, e)
		return
	}
	text, ok := r.PostForm["message"]
	if !ok {
		fail(w, errorf(http.StatusBadRequest, "missing form field \"message\""))
		return
	}
	if _, e := a.post(r, u, roomName, text[0]); e != nil {
		fail(w, e)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// handlePoll is the seed's POST /poll/{uid}: the user's next message as a
// JSON string "uid:text", or [] after the poll timeout.
func (a *App) handlePoll(w http.ResponseWriter, r *http.Request) {
	u, e := a.authorize(r, r.PathValue("uid"))
	if e != nil {
		fail(w, e)
		return
	}
	a.m.polls.Inc()
	var m Message
	ok := false
	if !a.beginWait(u) {
		a.m.pollsNow.Inc()
		m, ok = a.next(r.Context(), u, a.cfg.PollTimeout)
		a.m.pollsNow.Dec()
	}
	a.endWait(u)
	if !ok {
		writeJSON(w, []string{})
		return
	}
	a.m.deliveredLegacy.get().Inc()
	writeJSON(w, m.Legacy())
}

func (a *App) handleHealth(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	draining := a.draining
	a.mu.Unlock()
	if draining {
		fail(w, errorf(http.StatusServiceUnavailable, "shutting down"))
		return
	}
	if _, err := storeCall(r.Context(), func(ctx context.Context) (struct{}, error) { return struct{}{}, a.store.Ping(ctx) }); err != nil {
		fail(w, errorf(http.StatusServiceUnavailable, "storage unavailable"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// --- the JSON API ---

// roomJSON is one room in /api/rooms and on the pages.
type roomJSON struct {
	Name   string `json:"name"`
	Online int    `json:"online"`
	LastID int64  `json:"last_id"`
}

func (a *App) roomInfo() []roomJSON {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]roomJSON, 0, len(a.cfg.Rooms))
	for _, name := range a.cfg.Rooms {
		r := a.rooms[name]
		ri := roomJSON{Name: name, Online: len(r.subs)}
		if n := len(r.backlog); n > 0 {
			ri.LastID = r.backlog[n-1].ID
		}
		out = append(out, ri)
	}
	return out
}

func (a *App) apiRooms(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"rooms": a.roomInfo()})
}

const (
	defaultHistory = 100
	maxHistory     = 1000
)

func (a *App) apiHistory(w http.ResponseWriter, r *http.Request) {
	roomName := r.PathValue("room")
	if e := a.checkRoom(roomName); e != nil {
		fail(w, e)
		return
	}
	q := r.URL.Query()
	after, limit := int64(0), defaultHistory
	if s := q.Get("after"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			fail(w, errorf(http.StatusBadRequest, "after=%q: want a message id (an integer >= 0)", s))
			return
		}
		after = v
	}
	if s := q.Get("limit"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > maxHistory {
			fail(w, errorf(http.StatusBadRequest, "limit=%q: want an integer from 1 to %d", s, maxHistory))
			return
		}
		limit = v
	}
	ms, err := storeCall(r.Context(), func(ctx context.Context) ([]Message, error) {
		return a.store.History(ctx, roomName, after, limit)
	})
	if err != nil {
		a.log.Warn("storage error", "op", "history", "room", roomName, "err", err)
		fail(w, errorf(http.StatusServiceUnavailable, "history unavailable: storage error; try again"))
		return
	}
	if ms == nil {
		ms = []Message{}
	}
	writeJSON(w, map[string]any{"room": roomName, "messages": ms, "more": len(ms) == limit})
}

// postJSON is the body of POST /api/rooms/{room}/messages.
type postJSON struct {
	UID  string  `json:"uid"`
	Text *string `json:"text"`
}

func (a *App) apiPost(w http.ResponseWriter, r *http.Request) {
	roomName := r.PathValue("room")
	if e := a.checkRoom(roomName); e != nil {
		fail(w, e)
		return
	}
	var body postJSON
	if e := a.decodeJSON(w, r, &body); e != nil {
		fail(w, e)
		return
	}
	if body.Text == nil {
		fail(w, errorf(http.StatusBadRequest, "missing field \"text\""))
		return
	}
	u, e := a.authorize(r, body.UID)
	if e != nil {
		fail(w, e)
		return
	}
	m, e := a.post(r, u, roomName, *body.Text)
	if e != nil {
		fail(w, e)
		return
	}
	writeJSON(w, m)
}

func (a *App) apiJoin(w http.ResponseWriter, r *http.Request) {
	roomName, uid := r.PathValue("room"), r.PathValue("uid")
	if e := checkUID(uid); e != nil {
		fail(w, e)
		return
	}
	if _, e := a.claim(w, r, uid, roomName); e != nil {
		fail(w, e)
		return
	}
	a.mu.Lock()
	backlog := append([]Message{}, a.rooms[roomName].backlog...)
	a.mu.Unlock()
	writeJSON(w, map[string]any{"uid": uid, "room": roomName, "messages": backlog})
}

// maxBatchPoll bounds the messages one JSON poll answers.
const maxBatchPoll = 100

// apiPoll waits up to the poll timeout (or ?timeout=, if shorter) for the
// user's next messages: {"messages": [...]}, empty on timeout.
func (a *App) apiPoll(w http.ResponseWriter, r *http.Request) {
	u, e := a.authorize(r, r.PathValue("uid"))
	if e != nil {
		fail(w, e)
		return
	}
	d := a.cfg.PollTimeout
	if s := r.URL.Query().Get("timeout"); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil {
			fail(w, errorf(http.StatusBadRequest, "timeout=%q: want a duration such as 10s", s))
			return
		}
		d = min(d, v)
	}
	a.m.polls.Inc()
	ms := []Message{}
	if !a.beginWait(u) {
		a.m.pollsNow.Inc()
		if m, ok := a.next(r.Context(), u, d); ok {
			ms = append(ms, m)
			for len(ms) < maxBatchPoll {
				m, err := u.q.TryGet()
				if err != nil {
					break
				}
				if m.ID > 0 {
					ms = append(ms, m)
				}
			}
		}
		a.m.pollsNow.Dec()
	}
	a.endWait(u)
	a.m.deliveredPoll.get().Add(float64(len(ms)))
	writeJSON(w, map[string]any{"messages": ms})
}

// accessLevel is the access log level of a status: client errors and
// refusals (4xx, 503) are normal traffic, not server errors; a storage error
// is logged where it happens.
func accessLevel(code int) slog.Level {
	if code == http.StatusInternalServerError {
		return slog.LevelError
	}
	return slog.LevelInfo
}
