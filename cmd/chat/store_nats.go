package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// With -nats, the chat keeps its state in NATS JetStream, so that several
// chat processes form one chat:
//
//   - Each room is a stream CHAT_{room} on the subject chat.{room}; a
//     message's ID is its stream sequence, which increases by one per room.
//     A node publishes and answers once the stream has acknowledged the
//     message; every node delivers the stream's messages to its own users
//     through an ordered consumer per room.
//   - The cookie signing key is the value "cookie" in the bucket chat_keys,
//     created by the first node (an atomic create) and read by the others.
//   - The names of live sessions are in the bucket chat_names, one entry per
//     name with the session id and its rooms, expired by the bucket's TTL
//     (the idle timeout of the node that created it) and refreshed by the
//     nodes where the session is active.

const (
	natsKeyBucket   = "chat_keys"
	natsNamesBucket = "chat_names"
	natsTimeout     = 5 * time.Second
)

func natsStream(room string) string  { return "CHAT_" + room }
func natsSubject(room string) string { return "chat." + room }

// natsStore is a Store on JetStream and the chat's name registry.
type natsStore struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	names    jetstream.KeyValue
	rooms    []string
	start    map[string]uint64 // the last sequence of each room at open
	observe  func(op string, d time.Duration)
	idle     time.Duration
	replicas int

	mu        sync.Mutex
	deliver   func(Message)
	delivered map[string]uint64 // the last sequence delivered per room
	wake      chan struct{}     // closed and replaced on every delivery
	closed    bool
	consumers []jetstream.ConsumeContext
	watcher   jetstream.KeyWatcher
	stopWatch context.CancelFunc
	onName    func(uid string, ne nameEntry)

	// touchMu guards touched. It is taken under the App's mutex, which
	// mu is not (receive calls the App under mu).
	touchMu sync.Mutex
	touched map[string]nameTouch // sessions active here, by uid

	quit, done chan struct{}
	closeOnce  sync.Once
}

type nameTouch struct {
	sid   string
	rooms []string
	last  time.Time
}

// natsMessage is a message as stored in a room's stream.
type natsMessage struct {
	UID  string `json:"uid"`
	Text string `json:"text"`
	Time int64  `json:"time"` // Unix milliseconds
}

// nameEntry is a live name in the chat_names bucket.
type nameEntry struct {
	SID   string   `json:"sid"`
	Rooms []string `json:"rooms"`
}

// openNATS connects to url, creates the rooms' streams and the buckets if
// they are missing, and returns the store and the cookie signing key.
func openNATS(url string, cfg Config, observe func(op string, d time.Duration)) (*natsStore, []byte, error) {
	s := &natsStore{
		rooms: cfg.Rooms, start: map[string]uint64{}, observe: observe,
		idle: cfg.IdleTimeout, replicas: max(cfg.NATSReplicas, 1),
		deliver: func(Message) {}, delivered: map[string]uint64{}, wake: make(chan struct{}),
		touched: map[string]nameTouch{}, quit: make(chan struct{}), done: make(chan struct{}),
	}
	nc, err := nats.Connect(url,
		nats.Name("chat"),
		nats.ReconnectHandler(func(*nats.Conn) { go s.reconnected() }),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		// A publish while disconnected fails at once (503) instead of
		// waiting in a buffer for a server that may never come back.
		nats.ReconnectBufSize(-1),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("chat: nats %s: %w", url, err)
	}
	s.nc = nc
	if s.observe == nil {
		s.observe = func(string, time.Duration) {}
	}
	key, err := s.setup()
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	go s.refresher()
	return s, key, nil
}

func (s *natsStore) setup() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*natsTimeout)
	defer cancel()
	js, err := jetstream.New(s.nc)
	if err != nil {
		return nil, fmt.Errorf("chat: nats: %w", err)
	}
	s.js = js
	for _, room := range s.rooms {
		st, err := js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        natsStream(room),
			Description: "chat room " + room,
			Subjects:    []string{natsSubject(room)},
			Storage:     jetstream.FileStorage,
			Replicas:    s.replicas,
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			// Made by another node with other settings: use it as it is.
			st, err = js.Stream(ctx, natsStream(room))
		}
		if err != nil {
			return nil, fmt.Errorf("chat: nats: stream %s: %w", natsStream(room), err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("chat: nats: stream %s: %w", natsStream(room), err)
		}
		s.start[room] = info.State.LastSeq
		s.delivered[room] = info.State.LastSeq
	}
	keys, err := s.bucket(ctx, jetstream.KeyValueConfig{
		Bucket: natsKeyBucket, Description: "chat cookie signing key",
		Storage: jetstream.FileStorage, Replicas: s.replicas,
	})
	if err != nil {
		return nil, err
	}
	key := make([]byte, keySize)
	rand.Read(key)
	if _, err := keys.Create(ctx, "cookie", key); errors.Is(err, jetstream.ErrKeyExists) {
		e, gerr := keys.Get(ctx, "cookie")
		if gerr != nil {
			return nil, fmt.Errorf("chat: nats: read key: %w", gerr)
		}
		key = e.Value()
	} else if err != nil {
		return nil, fmt.Errorf("chat: nats: create key: %w", err)
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("chat: nats: key in %s: want %d bytes, have %d", natsKeyBucket, keySize, len(key))
	}
	s.names, err = s.bucket(ctx, jetstream.KeyValueConfig{
		Bucket: natsNamesBucket, Description: "chat names held by live sessions",
		TTL: s.idle, Storage: jetstream.FileStorage, Replicas: s.replicas,
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// bucket creates the bucket of cfg, or opens it if another node made it.
func (s *natsStore) bucket(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := s.js.CreateKeyValue(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		kv, err = s.js.KeyValue(ctx, cfg.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("chat: nats: bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}

// Subscribe sets fn and starts one ordered consumer per room from the
// message after the last one at open. A consumer that cannot be created now
// is retried in the background until Close.
func (s *natsStore) Subscribe(fn func(Message)) {
	s.mu.Lock()
	s.deliver = fn
	s.mu.Unlock()
	for _, room := range s.rooms {
		if err := s.consume(room); err != nil {
			go s.retryConsume(room)
		}
	}
}

func (s *natsStore) retryConsume(room string) {
	for {
		select {
		case <-s.quit:
			return
		case <-time.After(250 * time.Millisecond):
		}
		if s.consume(room) == nil {
			return
		}
	}
}

func (s *natsStore) consume(room string) error {
	ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
	defer cancel()
	c, err := s.js.OrderedConsumer(ctx, natsStream(room), jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   s.start[room] + 1,
	})
	if err != nil {
		return err
	}
	cc, err := c.Consume(func(msg jetstream.Msg) { s.receive(room, msg) },
		// Short heartbeats: after a NATS restart the consumer is made again
		// within seconds.
		jetstream.PullExpiry(4*time.Second), jetstream.PullHeartbeat(time.Second),
		jetstream.ConsumeErrHandler(func(jetstream.ConsumeContext, error) {}))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		cc.Stop()
		return nil
	}
	s.consumers = append(s.consumers, cc)
	return nil
}

// receive runs on nats.go's goroutine of room's consumer, in stream order.
func (s *natsStore) receive(room string, msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		return
	}
	m, ok := decodeNATS(room, md.Sequence.Stream, msg.Data())
	s.mu.Lock()
	defer s.mu.Unlock()
	if md.Sequence.Stream <= s.delivered[room] {
		return
	}
	s.delivered[room] = md.Sequence.Stream
	if ok {
		s.deliver(m)
	}
	close(s.wake)
	s.wake = make(chan struct{})
}

func decodeNATS(room string, seq uint64, data []byte) (Message, bool) {
	var nm natsMessage
	if err := json.Unmarshal(data, &nm); err != nil || nm.UID == "" {
		return Message{}, false // not one of ours: skipped
	}
	return Message{Room: room, ID: int64(seq), UID: nm.UID, Text: nm.Text, Time: time.UnixMilli(nm.Time).UTC()}, true
}

// Append publishes the message and returns it once the stream has
// acknowledged it and this node's consumer has delivered it (or after
// natsTimeout, if the consumer lags: the message is stored all the same).
func (s *natsStore) Append(ctx context.Context, room, uid, text string) (Message, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return Message{}, ErrStoreClosed
	}
	start := time.Now()
	ts := start.UTC().Truncate(time.Millisecond)
	data, _ := json.Marshal(natsMessage{UID: uid, Text: text, Time: ts.UnixMilli()})
	pctx, cancel := context.WithTimeout(ctx, natsTimeout)
	ack, err := s.js.Publish(pctx, natsSubject(room), data, jetstream.WithExpectStream(natsStream(room)))
	cancel()
	s.observe("append", time.Since(start))
	if err != nil {
		return Message{}, fmt.Errorf("chat: nats: publish: %w", err)
	}
	m := Message{Room: room, ID: int64(ack.Sequence), UID: uid, Text: text, Time: ts}
	deadline := time.NewTimer(natsTimeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		done, wake := s.delivered[room] >= ack.Sequence || s.closed, s.wake
		s.mu.Unlock()
		if done {
			return m, nil
		}
		select {
		case <-wake:
		case <-deadline.C:
			return m, nil
		case <-ctx.Done():
			return m, nil
		}
	}
}

// lastSeq returns the last sequence of room's stream.
func (s *natsStore) lastSeq(ctx context.Context, room string) (uint64, error) {
	st, err := s.js.Stream(ctx, natsStream(room))
	if err != nil {
		return 0, err
	}
	return st.CachedInfo().State.LastSeq, nil
}

func (s *natsStore) History(ctx context.Context, room string, after int64, limit int) ([]Message, error) {
	defer s.timed("history", time.Now())
	ctx, cancel := context.WithTimeout(ctx, natsTimeout)
	defer cancel()
	last, err := s.lastSeq(ctx, room)
	if err != nil {
		return nil, fmt.Errorf("chat: nats: history: %w", err)
	}
	return s.read(ctx, room, uint64(max(after, 0)), last, limit)
}

func (s *natsStore) Last(ctx context.Context, room string, n int) ([]Message, error) {
	defer s.timed("last", time.Now())
	ctx, cancel := context.WithTimeout(ctx, natsTimeout)
	defer cancel()
	last, err := s.lastSeq(ctx, room)
	if err != nil {
		return nil, fmt.Errorf("chat: nats: history: %w", err)
	}
	after := uint64(0)
	if last > uint64(n) {
		after = last - uint64(n)
	}
	return s.read(ctx, room, after, last, n)
}

// read returns up to limit messages of room with sequences in (after, last].
func (s *natsStore) read(ctx context.Context, room string, after, last uint64, limit int) ([]Message, error) {
	if after >= last || limit <= 0 {
		return nil, nil
	}
	want := int(min(uint64(limit), last-after))
	c, err := s.js.OrderedConsumer(ctx, natsStream(room), jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       after + 1,
		InactiveThreshold: 2 * time.Second, // the server drops it soon after
	})
	if err != nil {
		return nil, fmt.Errorf("chat: nats: history: %w", err)
	}
	wait := natsTimeout
	if d, ok := ctx.Deadline(); ok {
		wait = max(time.Until(d), time.Millisecond)
	}
	batch, err := c.Fetch(want, jetstream.FetchMaxWait(wait))
	if err != nil {
		return nil, fmt.Errorf("chat: nats: history: %w", err)
	}
	var ms []Message
	var got uint64
	for msg := range batch.Messages() {
		md, err := msg.Metadata()
		if err != nil {
			continue
		}
		got = md.Sequence.Stream
		if m, ok := decodeNATS(room, got, msg.Data()); ok {
			ms = append(ms, m)
		}
	}
	// Messages removed by the stream's limits may make the batch end early;
	// an error is one only if nothing up to last arrived.
	if err := batch.Error(); err != nil && got < last && len(ms) < want {
		return nil, fmt.Errorf("chat: nats: history: %w", err)
	}
	return ms, nil
}

func (s *natsStore) timed(op string, start time.Time) { s.observe(op, time.Since(start)) }

func (s *natsStore) Ping(ctx context.Context) error {
	if !s.nc.IsConnected() {
		return errors.New("chat: nats: not connected")
	}
	ctx, cancel := context.WithTimeout(ctx, natsTimeout)
	defer cancel()
	if _, err := s.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("chat: nats: %w", err)
	}
	return nil
}

// Close stops the consumers and closes the connection; every message
// answered by Append was acknowledged by the stream before.
func (s *natsStore) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		ccs := s.consumers
		s.consumers = nil
		close(s.wake)
		s.wake = make(chan struct{})
		w, stopWatch := s.watcher, s.stopWatch
		s.watcher = nil
		s.mu.Unlock()
		if w != nil {
			w.Stop()
			stopWatch()
		}
		close(s.quit)
		<-s.done
		for _, cc := range ccs {
			if cc != nil {
				cc.Stop()
			}
		}
		s.nc.Close()
	})
	return nil
}

// --- names ---

// errNameTaken is returned by claimName for a name another live session holds.
var errNameTaken = errors.New("chat: name held by another session")

// claimName records that session sid holds uid and is in room (if not
// empty). It fails with errNameTaken if the chat_names bucket holds uid for
// another session. Of two nodes claiming a free name at once, one wins
// (atomic create and compare-and-set updates).
func (s *natsStore) claimName(ctx context.Context, uid, sid, room string) error {
	ctx, cancel := context.WithTimeout(ctx, natsTimeout)
	defer cancel()
	for range 5 {
		e, err := s.names.Get(ctx, uid)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			v, _ := json.Marshal(nameEntry{SID: sid, Rooms: roomList(nil, room)})
			_, err = s.names.Create(ctx, uid, v)
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // another node was faster: look again
			}
			if err == nil {
				s.touch(uid, sid, roomList(nil, room))
			}
			return err
		}
		if err != nil {
			return err
		}
		var ne nameEntry
		if json.Unmarshal(e.Value(), &ne) != nil {
			ne = nameEntry{}
		}
		if ne.SID != "" && ne.SID != sid {
			return errNameTaken
		}
		ne.SID = sid
		ne.Rooms = roomList(ne.Rooms, room)
		v, _ := json.Marshal(ne)
		if _, err = s.names.Update(ctx, uid, v, e.Revision()); err == nil {
			s.touch(uid, sid, ne.Rooms)
			return nil
		}
		// A concurrent update (or the entry expired meanwhile): look again.
	}
	return errors.New("chat: nats: name entry changes too often")
}

// lookupName returns the live session of uid and its rooms; ok is false if
// no live session holds uid.
func (s *natsStore) lookupName(ctx context.Context, uid string) (ne nameEntry, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, natsTimeout)
	defer cancel()
	e, err := s.names.Get(ctx, uid)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nameEntry{}, false, nil
	}
	if err != nil {
		return nameEntry{}, false, err
	}
	if json.Unmarshal(e.Value(), &ne) != nil || ne.SID == "" {
		return nameEntry{}, false, nil
	}
	return ne, true, nil
}

func roomList(rooms []string, room string) []string {
	if room != "" && !slices.Contains(rooms, room) {
		rooms = append(rooms, room)
	}
	return rooms
}

// touch notes that uid's session sid is active on this node; it never
// blocks. The refresher renews the entries of the names touched within the
// idle timeout.
func (s *natsStore) touch(uid, sid string, rooms []string) {
	s.touchMu.Lock()
	s.touched[uid] = nameTouch{sid: sid, rooms: rooms, last: time.Now()}
	s.touchMu.Unlock()
}

// refresher renews, every third of the idle timeout, the chat_names entries
// of the sessions active here, so that a name stays held while its session
// polls on any node and expires an idle timeout after it stopped.
func (s *natsStore) refresher() {
	defer close(s.done)
	t := time.NewTicker(max(s.idle/3, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		now := time.Now()
		s.touchMu.Lock()
		live := map[string]nameTouch{}
		for uid, nt := range s.touched {
			if now.Sub(nt.last) > s.idle {
				delete(s.touched, uid)
				continue
			}
			live[uid] = nt
		}
		s.touchMu.Unlock()
		for uid, nt := range live {
			s.renew(uid, nt)
		}
	}
}

// renew rewrites uid's entry (resetting its TTL) if sid still holds it.
// If the entry expired meanwhile (a refresh delayed past the TTL), it is
// made again unless another session took the name.
func (s *natsStore) renew(uid string, nt nameTouch) {
	ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
	defer cancel()
	e, err := s.names.Get(ctx, uid)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			v, _ := json.Marshal(nameEntry{SID: nt.sid, Rooms: nt.rooms})
			s.names.Create(ctx, uid, v)
		}
		return
	}
	var ne nameEntry
	if json.Unmarshal(e.Value(), &ne) != nil || ne.SID != nt.sid {
		return
	}
	s.names.Update(ctx, uid, e.Value(), e.Revision())
}

// watchNames calls fn, on a goroutine of its own, with every entry of the
// chat_names bucket (the ones there now, then every change) until Close.
// After a reconnection to NATS the watch starts again, with every entry.
func (s *natsStore) watchNames(fn func(uid string, ne nameEntry)) error {
	s.mu.Lock()
	s.onName = fn
	s.mu.Unlock()
	return s.startWatch()
}

// startWatch starts a watch of the names, replacing the previous one.
func (s *natsStore) startWatch() error {
	// The watch lives as long as its context.
	ctx, cancel := context.WithCancel(context.Background())
	w, err := s.names.WatchAll(ctx)
	if err != nil {
		cancel()
		return fmt.Errorf("chat: nats: watch %s: %w", natsNamesBucket, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		w.Stop()
		cancel()
		return ErrStoreClosed
	}
	old, stopOld, fn := s.watcher, s.stopWatch, s.onName
	s.watcher, s.stopWatch = w, cancel
	s.mu.Unlock()
	if old != nil {
		old.Stop()
		stopOld()
	}
	go func() {
		for e := range w.Updates() {
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			var ne nameEntry
			if json.Unmarshal(e.Value(), &ne) == nil && ne.SID != "" {
				fn(e.Key(), ne)
			}
		}
	}()
	return nil
}

// reconnected starts the names' watch again after a reconnection (a NATS
// server restart loses the watch's consumer), retrying while JetStream
// recovers. It runs on a goroutine of its own.
func (s *natsStore) reconnected() {
	for {
		s.mu.Lock()
		closed, watching := s.closed, s.onName != nil
		s.mu.Unlock()
		if closed || !watching {
			return
		}
		if s.startWatch() == nil {
			return
		}
		select {
		case <-s.quit:
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}
