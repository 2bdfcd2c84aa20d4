package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/geventgo/gevent/queue"
)

// Config holds every setting of the chat; see the package comment.
type Config struct {
	Addr            string
	Data            string
	Rooms           []string
	PollTimeout     time.Duration
	IdleTimeout     time.Duration
	QueueSize       int
	MaxUsers        int
	Rate            int
	RateWindow      time.Duration
	MaxMessage      int
	Backlog         int
	WebSocket       bool
	Hubs            int
	ShutdownTimeout time.Duration
	LogFormat       string
	AccessLog       bool
	NATS            string
	NATSReplicas    int
}

// DefaultConfig returns the settings used when no flag or variable is given.
func DefaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:5000",
		Data:            "./chat-data",
		Rooms:           []string{"topic1", "topic2"},
		PollTimeout:     10 * time.Second,
		IdleTimeout:     30 * time.Second,
		QueueSize:       256,
		MaxUsers:        10000,
		Rate:            20,
		RateWindow:      10 * time.Second,
		MaxMessage:      4096,
		Backlog:         25,
		WebSocket:       true,
		Hubs:            1,
		ShutdownTimeout: 10 * time.Second,
		LogFormat:       "text",
		AccessLog:       true,
		NATSReplicas:    1,
	}
}

// validName is what a uid or a room name may be.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// reserved are the first path segments the chat's own routes use, which
// therefore cannot name a room.
var reserved = []string{"api", "ws", "static", "put", "poll", "healthz", "metrics", "favicon.ico"}

func (c *Config) check() error {
	if len(c.Rooms) == 0 {
		return errors.New("no rooms")
	}
	seen := map[string]bool{}
	for _, r := range c.Rooms {
		if !validName.MatchString(r) {
			return fmt.Errorf("room name %q: want 1 to 32 of A-Z a-z 0-9 _ -", r)
		}
		if slices.Contains(reserved, r) {
			return fmt.Errorf("room name %q is a route of the chat", r)
		}
		if seen[r] {
			return fmt.Errorf("room %q given twice", r)
		}
		seen[r] = true
	}
	if c.PollTimeout <= 0 || c.IdleTimeout <= 0 || c.RateWindow <= 0 {
		return errors.New("timeouts and the rate window must be positive")
	}
	if c.QueueSize <= 0 || c.MaxUsers <= 0 || c.Rate <= 0 || c.MaxMessage <= 0 || c.Backlog < 0 {
		return errors.New("sizes and limits must be positive")
	}
	return nil
}

// user is one name held by one browser session.
type user struct {
	uid, sid string
	token    string // the session cookie's value: signer.token(uid, sid)
	q        *queue.Queue[Message]
	rooms    map[string]bool
	lastSeen time.Time   // last join, poll start or poll end
	active   int         // polls and WebSockets in progress
	sent     []time.Time // times of the posts in the rate window, oldest first
}

// room is one chat room with its subscribers and its recent messages.
type room struct {
	name    string
	subs    map[*user]struct{}
	backlog []Message // the last Config.Backlog messages
}

// App is the chat as an http.Handler. Its methods may be called from any
// goroutine or greenlet; its state is guarded by one mutex held only for
// short sections that never switch.
type App struct {
	cfg   Config
	store Store
	names nameRegistry // nil on one node
	sign  signer
	log   *slog.Logger
	m     *metrics
	mux   *http.ServeMux
	now   func() time.Time

	mu        sync.Mutex
	users     map[string]*user
	rooms     map[string]*room
	draining  bool
	wsWG      sync.WaitGroup
	stopReap  chan struct{}
	reapDone  chan struct{}
	closeOnce sync.Once
}

// NewApp returns the chat serving cfg's rooms from store, signing cookies
// with key. It reads each room's recent messages from store and starts a
// goroutine that drops idle users; Close stops it.
func NewApp(cfg Config, store Store, key []byte, log *slog.Logger) (*App, error) {
	return newApp(cfg, store, key, log, newMetrics())
}

func newApp(cfg Config, store Store, key []byte, log *slog.Logger, m *metrics) (*App, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	a := &App{
		cfg: cfg, store: store, sign: signer{key: key}, log: log,
		m: m, now: time.Now,
		users: map[string]*user{}, rooms: map[string]*room{},
		stopReap: make(chan struct{}), reapDone: make(chan struct{}),
	}
	for _, name := range cfg.Rooms {
		r := &room{name: name, subs: map[*user]struct{}{}}
		if cfg.Backlog > 0 {
			ms, err := store.Last(context.Background(), name, cfg.Backlog)
			if err != nil {
				return nil, err
			}
			r.backlog = ms
		}
		a.rooms[name] = r
	}
	if err := a.joinCluster(store); err != nil {
		return nil, err
	}
	store.Subscribe(a.deliver)
	a.routes()
	go a.reaper()
	return a, nil
}

// deliver records m in its room's backlog and queues it for the room's
// subscribers. A subscriber whose queue is full misses it (and catches up
// through history). Called by the store, in ID order per room.
func (a *App) deliver(m Message) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.rooms[m.Room]
	if r == nil {
		return
	}
	if n := len(r.backlog); n > 0 && m.ID <= r.backlog[n-1].ID {
		return // read by NewApp already
	}
	if a.cfg.Backlog > 0 {
		if len(r.backlog) >= a.cfg.Backlog {
			r.backlog = slices.Delete(r.backlog, 0, len(r.backlog)-a.cfg.Backlog+1)
		}
		r.backlog = append(r.backlog, m)
	}
	a.m.accepted.Inc()
	for u := range r.subs {
		if u.q.TryPut(m) != nil {
			a.m.dropped.Inc()
		}
	}
}

// live reports whether u still holds its name.
func (a *App) liveLocked(u *user, now time.Time) bool {
	return u.active > 0 || now.Sub(u.lastSeen) <= a.cfg.IdleTimeout
}

func (a *App) removeLocked(u *user) {
	if a.users[u.uid] != u {
		return
	}
	delete(a.users, u.uid)
	for name := range u.rooms {
		delete(a.rooms[name].subs, u)
	}
	u.q.ShutdownNow()
	a.m.users.Dec()
}

// reaper drops the users that have not polled for the idle timeout.
func (a *App) reaper() {
	defer close(a.reapDone)
	every := min(a.cfg.IdleTimeout/4, time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-a.stopReap:
			return
		case <-t.C:
		}
		a.mu.Lock()
		now := a.now()
		for _, u := range a.users {
			if !a.liveLocked(u, now) {
				a.log.Debug("dropped idle user", "uid", u.uid)
				a.removeLocked(u)
			}
		}
		a.touchLiveLocked(now)
		a.mu.Unlock()
	}
}

// Drain prepares a shutdown: waiting polls answer at once, new polls do not
// wait, and WebSockets are closed with a close frame. It waits up to
// timeout for the WebSocket sessions to end.
func (a *App) Drain(timeout time.Duration) {
	a.mu.Lock()
	a.draining = true
	for _, u := range a.users {
		u.q.Shutdown()
	}
	a.mu.Unlock()
	done := make(chan struct{})
	go func() { a.wsWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		a.log.Warn("WebSocket sessions still open after the shutdown timeout")
	}
}

// Close stops the idle-user reaper. It does not close the store.
func (a *App) Close() {
	a.closeOnce.Do(func() {
		close(a.stopReap)
		<-a.reapDone
	})
}

// errorf is an HTTP error with the body the client sees.
type httpError struct {
	code int
	msg  string
	// retryAfter, if positive, is sent as Retry-After (seconds).
	retryAfter int
}

func (e *httpError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) *httpError {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

// isName reports whether s matches validName, without the regexp (it is
// checked on every request).
func isName(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkUID validates a uid from a path.
func checkUID(uid string) *httpError {
	if !isName(uid) {
		return errorf(http.StatusBadRequest, "invalid user name %q: use 1 to 32 of A-Z a-z 0-9 _ -", uid)
	}
	return nil
}

func (a *App) checkRoom(name string) *httpError {
	if _, ok := a.rooms[name]; !ok {
		return errorf(http.StatusNotFound, "no room %q", name)
	}
	return nil
}

// claim gives uid to the request's browser session (join): it creates the
// user or takes back its own session, and subscribes it to room. It answers
// 409 if another live session holds the name and 503 if the chat is full.
func (a *App) claim(w http.ResponseWriter, r *http.Request, uid, roomName string) (*user, *httpError) {
	if e := checkUID(uid); e != nil {
		return nil, e
	}
	if roomName != "" {
		if e := a.checkRoom(roomName); e != nil {
			return nil, e
		}
	}
	sid := ""
	if c, err := r.Cookie(cookieName(uid)); err == nil {
		sid, _ = a.sign.verify(c.Value, uid)
	}
	if e := a.clusterClaim(r, uid, &sid, roomName); e != nil {
		return nil, e
	}
	a.mu.Lock()
	now := a.now()
	u := a.users[uid]
	if u != nil && u.sid != sid {
		if a.liveLocked(u, now) {
			a.mu.Unlock()
			a.m.rejected.WithLabelValues("name_taken").Inc()
			return nil, errorf(http.StatusConflict, "the name %q is in use by another session", uid)
		}
		a.removeLocked(u)
		u = nil
	}
	if u == nil {
		if len(a.users) >= a.cfg.MaxUsers {
			a.mu.Unlock()
			a.m.rejected.WithLabelValues("full").Inc()
			e := errorf(http.StatusServiceUnavailable, "the chat is full (%d users); try again later", a.cfg.MaxUsers)
			e.retryAfter = int(a.cfg.IdleTimeout.Seconds()) + 1
			return nil, e
		}
		if sid == "" {
			sid = newSID()
		}
		u = &user{uid: uid, sid: sid, token: a.sign.token(uid, sid), q: queue.New[Message](a.cfg.QueueSize), rooms: map[string]bool{}}
		u.q.Share()
		if a.draining {
			u.q.Shutdown()
		}
		a.users[uid] = u
		a.m.users.Inc()
	}
	u.lastSeen = now
	if roomName != "" && !u.rooms[roomName] {
		u.rooms[roomName] = true
		a.rooms[roomName].subs[u] = struct{}{}
	}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(uid), Value: u.token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	return u, nil
}

// authorize returns the user uid if the request carries its session
// cookie: 400 for a bad uid, 404 for an unknown user, 403 without the
// cookie or with a forged or stale one.
func (a *App) authorize(r *http.Request, uid string) (*user, *httpError) {
	if e := checkUID(uid); e != nil {
		return nil, e
	}
	a.mu.Lock()
	u := a.users[uid]
	if u != nil && !a.liveLocked(u, a.now()) {
		a.removeLocked(u)
		u = nil
	}
	a.mu.Unlock()
	if u == nil {
		var e *httpError
		if u, e = a.adopt(r, uid); e != nil { // joined on another node
			return nil, e
		}
	}
	if u == nil {
		return nil, errorf(http.StatusNotFound, "unknown user %q: join a room first", uid)
	}
	c, err := r.Cookie(cookieName(uid))
	if err != nil {
		a.m.rejected.WithLabelValues("forbidden").Inc()
		return nil, errorf(http.StatusForbidden, "no session cookie for %q: join a room first", uid)
	}
	// The cookie the user was given: no need to check its MAC again.
	if subtle.ConstantTimeCompare([]byte(c.Value), []byte(u.token)) == 1 {
		return u, nil
	}
	sid, ok := a.sign.verify(c.Value, uid)
	if !ok {
		a.m.rejected.WithLabelValues("forbidden").Inc()
		return nil, errorf(http.StatusForbidden, "invalid session cookie for %q", uid)
	}
	if sid != u.sid {
		a.m.rejected.WithLabelValues("forbidden").Inc()
		return nil, errorf(http.StatusForbidden, "the name %q is held by another session", uid)
	}
	return u, nil
}

// allow applies the rate limit to a post by u: nil, or 429 with the
// seconds until the next post is allowed.
func (a *App) allow(u *user) *httpError {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	i := 0
	for i < len(u.sent) && now.Sub(u.sent[i]) >= a.cfg.RateWindow {
		i++
	}
	u.sent = u.sent[i:]
	if len(u.sent) >= a.cfg.Rate {
		wait := a.cfg.RateWindow - now.Sub(u.sent[0])
		a.m.rejected.WithLabelValues("rate").Inc()
		e := errorf(http.StatusTooManyRequests, "too many messages: at most %d per %s", a.cfg.Rate, a.cfg.RateWindow)
		e.retryAfter = int((wait + time.Second - 1) / time.Second)
		return e
	}
	u.sent = append(u.sent, now)
	return nil
}

// post checks and stores one message; the message is durable and fanned
// out when post returns it.
func (a *App) post(r *http.Request, u *user, roomName, text string) (Message, *httpError) {
	if len(text) > a.cfg.MaxMessage {
		a.m.rejected.WithLabelValues("too_large").Inc()
		return Message{}, errorf(http.StatusRequestEntityTooLarge, "message too long: %d bytes, at most %d", len(text), a.cfg.MaxMessage)
	}
	if text == "" || isBlank(text) {
		return Message{}, errorf(http.StatusBadRequest, "empty message")
	}
	if !validText(text) {
		return Message{}, errorf(http.StatusBadRequest, "message is not valid UTF-8 text")
	}
	if e := a.allow(u); e != nil {
		return Message{}, e
	}
	m, err := storeCall(r.Context(), func(ctx context.Context) (Message, error) {
		return a.store.Append(ctx, roomName, u.uid, text)
	})
	if err != nil {
		a.log.Warn("storage error", "op", "append", "room", roomName, "err", err)
		a.m.rejected.WithLabelValues("storage").Inc()
		e := errorf(http.StatusServiceUnavailable, "message not stored: storage unavailable; try again")
		e.retryAfter = 1
		return Message{}, e
	}
	return m, nil
}

// beginWait marks u busy (a poll or a WebSocket) so that it is not dropped.
func (a *App) beginWait(u *user) (draining bool) {
	a.mu.Lock()
	u.active++
	u.lastSeen = a.now()
	draining = a.draining
	a.mu.Unlock()
	a.touchName(u)
	return draining
}

func (a *App) endWait(u *user) {
	a.mu.Lock()
	u.active--
	u.lastSeen = a.now()
	a.mu.Unlock()
}

// next waits up to d for u's next message. ok is false on timeout, when ctx
// ends (the client went away, the server shuts down) and when the chat
// shuts down or drops u. A message taken after ctx ended goes back to the
// queue (at its end; the client's next poll catches up in ID order through
// history).
func (a *App) next(ctx context.Context, u *user, d time.Duration) (m Message, ok bool) {
	stop := context.AfterFunc(ctx, func() { u.q.TryPut(Message{}) })
	defer stop()
	deadline := time.Now().Add(d)
	for {
		m, err := u.q.GetTimeout(time.Until(deadline))
		if err != nil {
			return Message{}, false
		}
		if ctx.Err() != nil {
			if m.ID > 0 {
				u.q.TryPut(m)
			}
			return Message{}, false
		}
		if m.ID > 0 { // skip wake-ups (ID 0)
			return m, true
		}
	}
}
