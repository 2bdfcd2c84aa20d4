// Command chat is the chat room at the end of the gevent article, the
// project's main program: the seed's Flask chat (users with a queue each,
// long polling with a 10 s timeout, the last 25 messages on joining) rebuilt
// on this module's httpserver, greenlets and queues, and made into one that a
// team can run.
//
//	go run ./cmd/chat                # http://127.0.0.1:5000/, history in ./chat-data
//
// Every request runs in its connection's greenlet: a long poll waits in the
// user's bounded queue.Queue (GetTimeout), parking only its greenlet, and
// storage calls go through gevent.BlockingContext, so that a slow disk parks
// only the writer. History is kept in SQLite (modernc.org/sqlite, pure Go, WAL
// mode) in the data directory; one writer commits the messages that arrive
// together in one transaction, gives them their IDs and fans them out in ID
// order. A message answered 200 is on disk before the answer.
//
// # Routes
//
// The seed's routes, so that its page and jQuery script work against this
// server as a browser uses them:
//
//	GET  /                      choose a name (?uid=NAME redirects to /NAME)
//	GET  /{uid}                 the list of rooms, with online counts
//	GET  /{room}/{uid}          join: claims the name, subscribes, shows the last 25 messages
//	POST /put/{room}/{uid}      form field "message": stores and fans out "uid:message"; 200, empty body
//	POST /poll/{uid}            the user's next message as a JSON string "uid:message", or [] after -poll-timeout
//
// The JSON API and the page's live channel:
//
//	GET  /api/rooms                          {"rooms": [{"name", "online", "last_id"}]}
//	GET  /api/rooms/{room}/messages?after=ID&limit=N
//	                                         {"messages": [...], "more"}: IDs above after, N ≤ 1000 (100)
//	POST /api/rooms/{room}/messages          {"uid", "text"} → the stored message {"room", "id", "uid", "text", "time"}
//	POST /api/join/{room}/{uid}              join without the page: {"uid", "room", "messages": backlog}
//	POST /api/poll/{uid}?timeout=D           {"messages": [...]}: waits for the first, returns up to 100
//	GET  /ws/{uid}                           WebSocket: one JSON message per text frame
//	GET  /healthz                            "ok", or 503 while storage fails or the chat stops
//	GET  /metrics                            Prometheus text format
//	GET  /static/{file}                      the page's script and style sheet
//
// Message IDs increase by one per room, so a client that missed messages (a
// full queue, a reconnect) asks for history after the last ID it has; the
// page does so on every gap.
//
// # Identity
//
// Joining claims the name for the browser with a cookie chat_{uid} (HttpOnly,
// SameSite=Strict, Secure under TLS) holding a session token signed with
// HMAC-SHA256 under the key in DATA/cookie.key (with -nats, in the cluster),
// created on first start.
// Posting, polling or opening the WebSocket as a user without that user's
// cookie is 403; joining with a name another live session holds is 409. A
// user that has neither polled nor held a WebSocket for -idle-timeout is
// dropped and its name is free again.
//
// # Many nodes
//
// With -nats nats://host:4222, the chat keeps its state in NATS JetStream
// instead of the data directory, and several chat processes on one NATS
// server or cluster, behind a load balancer, form one chat:
//
//   - A room is the stream CHAT_{room} on the subject chat.{room}; a
//     message's ID is its stream sequence. A post is answered 200 once the
//     stream has acknowledged it (and this node has delivered it); every node
//     delivers every message to its own users, and history is read from the
//     stream.
//   - The cookie signing key is the entry "cookie" of the bucket chat_keys,
//     created by the first node, so a cookie from one node holds on all.
//   - The names of live sessions are entries of the bucket chat_names
//     (session and rooms; TTL: the -idle-timeout of the node that created
//     the bucket), renewed by every node where the session is live. A name
//     is held in the whole chat (409 on any node), a node serves the
//     requests of a session that joined on another one, and follows the
//     rooms it joins there. A name is free again at most 4/3 of the idle
//     timeout after its session was last live on any node.
//
// Streams and buckets are created with -nats-replicas replicas if missing,
// and used as they are if another node made them.
//
// # Limits and errors
//
// Unknown room: 404. Poll or post for an unknown user: 404. Empty message:
// 400. Message over -max-message bytes: 413. A uid outside
// [A-Za-z0-9_-]{1,32}: 400. More than -max-users users: 503. Malformed form
// or JSON: 400. Missing, wrong or forged cookie: 403. More than -rate posts
// per -rate-window: 429 with Retry-After. A storage error: 503 (nothing
// answered 200 is lost). Each answer has a plain-text body saying why; none
// is logged as a server error. A user's queue holds -queue messages; beyond,
// the user misses live messages and catches up through history.
//
// SIGINT or SIGTERM stops the chat: waiting polls are answered, WebSockets
// get a close frame (1001, going away), requests in flight finish (up to
// -shutdown-timeout), the history is flushed, and the process exits 0.
//
// # Settings
//
// Every flag can also be set by an environment variable, CHAT_ and the
// flag's name in upper case with - as _; a flag on the command line wins.
//
//	-addr host:port          CHAT_ADDR              listen address (127.0.0.1:5000)
//	-data dir                CHAT_DATA              data directory (./chat-data)
//	-rooms a,b               CHAT_ROOMS             room names (topic1,topic2)
//	-poll-timeout d          CHAT_POLL_TIMEOUT      long-poll wait (10s)
//	-idle-timeout d          CHAT_IDLE_TIMEOUT      drop users silent this long (30s)
//	-queue n                 CHAT_QUEUE             messages queued per user (256)
//	-max-users n             CHAT_MAX_USERS         users online at most (10000)
//	-rate n                  CHAT_RATE              posts per window and user (20)
//	-rate-window d           CHAT_RATE_WINDOW       the rate window (10s)
//	-max-message n           CHAT_MAX_MESSAGE       largest message in bytes (4096)
//	-backlog n               CHAT_BACKLOG           messages shown on joining (25)
//	-websocket bool          CHAT_WEBSOCKET         serve /ws/ (true)
//	-hubs n                  CHAT_HUBS              event loops of the HTTP server (1)
//	-shutdown-timeout d      CHAT_SHUTDOWN_TIMEOUT  graceful stop limit (10s)
//	-log-format text|json    CHAT_LOG_FORMAT        log format (text)
//	-log-level level         CHAT_LOG_LEVEL         debug, info, warn, error (info)
//	-access-log bool         CHAT_ACCESS_LOG        log every request with log/slog (true)
//	-nats url                CHAT_NATS              keep rooms, key and names in NATS JetStream (none: SQLite)
//	-nats-replicas n         CHAT_NATS_REPLICAS     replicas of the streams and buckets created (1)
//
// chat -help prints the same list. For benchmarks, CHAT_CPUPROFILE=file
// writes a CPU profile (runtime/pprof) of the whole run to file.
package main
