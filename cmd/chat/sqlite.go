package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver "sqlite"
)

// sqliteStore keeps history in one SQLite database in WAL mode. One writer
// goroutine commits appends in batches (a group commit: one fsync for all the
// messages that arrived while the previous batch was written), assigns the
// IDs and hands the committed messages to the subscriber in ID order.
type sqliteStore struct {
	wdb, rdb *sql.DB
	reqs     chan *appendReq
	quit     chan struct{}
	done     chan struct{}
	next     map[string]int64 // last ID per room; owned by the writer
	deliver  func(Message)
	observe  func(op string, d time.Duration)

	closing   sync.RWMutex // held for writing to set closed
	closed    bool
	closeOnce sync.Once
	closeErr  error
}

type appendReq struct {
	room, uid, text string
	m               Message
	err             error
	done            chan struct{}
}

// maxBatch bounds the messages one transaction commits.
const maxBatch = 512

const schema = `
CREATE TABLE IF NOT EXISTS messages (
	room TEXT NOT NULL,
	id   INTEGER NOT NULL,
	uid  TEXT NOT NULL,
	text TEXT NOT NULL,
	ts   INTEGER NOT NULL,
	PRIMARY KEY (room, id)
) WITHOUT ROWID;`

// openSQLite opens (creating if needed) the history database in dir.
// observe, if not nil, receives the duration of every storage operation.
func openSQLite(dir string, observe func(op string, d time.Duration)) (*sqliteStore, error) {
	path := filepath.Join(dir, "history.db")
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	dsn := "file:" + path + "?" + q.Encode()
	wdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("chat: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	if _, err := wdb.Exec(schema); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("chat: create schema in %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("chat: open %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(4)
	s := &sqliteStore{
		wdb: wdb, rdb: rdb,
		reqs:    make(chan *appendReq, maxBatch),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		next:    map[string]int64{},
		deliver: func(Message) {},
		observe: observe,
	}
	if s.observe == nil {
		s.observe = func(string, time.Duration) {}
	}
	rows, err := wdb.Query(`SELECT room, MAX(id) FROM messages GROUP BY room`)
	if err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("chat: read %s: %w", path, err)
	}
	for rows.Next() {
		var room string
		var id int64
		if err := rows.Scan(&room, &id); err != nil {
			rows.Close()
			s.closeDBs()
			return nil, fmt.Errorf("chat: read %s: %w", path, err)
		}
		s.next[room] = id
	}
	rows.Close()
	go s.writer()
	return s, nil
}

func (s *sqliteStore) closeDBs() error {
	return errors.Join(s.rdb.Close(), s.wdb.Close())
}

func (s *sqliteStore) Subscribe(fn func(Message)) { s.deliver = fn }

func (s *sqliteStore) Append(ctx context.Context, room, uid, text string) (Message, error) {
	req := &appendReq{room: room, uid: uid, text: text, done: make(chan struct{})}
	// The read lock orders the send before Close's final drain.
	s.closing.RLock()
	if s.closed {
		s.closing.RUnlock()
		return Message{}, ErrStoreClosed
	}
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		s.closing.RUnlock()
		return Message{}, context.Cause(ctx)
	}
	s.closing.RUnlock()
	<-req.done
	return req.m, req.err
}

// writer commits the queued appends until Close, then the ones still queued.
func (s *sqliteStore) writer() {
	defer close(s.done)
	batch := make([]*appendReq, 0, maxBatch)
	for {
		var first *appendReq
		select {
		case first = <-s.reqs:
		case <-s.quit:
			// Appends that raced with Close are in the channel: answer them.
			for {
				select {
				case r := <-s.reqs:
					s.commit(append(batch[:0], r))
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit writes batch in one transaction, then delivers and answers it.
func (s *sqliteStore) commit(batch []*appendReq) {
	start := time.Now()
	err := s.write(batch, start)
	s.observe("append", time.Since(start))
	if err != nil {
		err = fmt.Errorf("chat: store: %w", err)
		for _, r := range batch {
			r.err = err
			close(r.done)
		}
		return
	}
	for _, r := range batch {
		s.next[r.room] = r.m.ID
		s.deliver(r.m)
	}
	for _, r := range batch {
		close(r.done)
	}
}

func (s *sqliteStore) write(batch []*appendReq, now time.Time) error {
	tx, err := s.wdb.Begin()
	if err != nil {
		return err
	}
	stmt, err := tx.Prepare(`INSERT INTO messages (room, id, uid, text, ts) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		return err
	}
	defer stmt.Close()
	ids := map[string]int64{}
	ts := now.UTC().Truncate(time.Millisecond)
	for _, r := range batch {
		id, ok := ids[r.room]
		if !ok {
			id = s.next[r.room]
		}
		id++
		ids[r.room] = id
		r.m = Message{Room: r.room, ID: id, UID: r.uid, Text: r.text, Time: ts}
		if _, err := stmt.Exec(r.room, id, r.uid, r.text, ts.UnixMilli()); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

func (s *sqliteStore) History(ctx context.Context, room string, after int64, limit int) ([]Message, error) {
	defer s.timed("history", time.Now())
	return s.query(ctx, `SELECT room, id, uid, text, ts FROM messages WHERE room = ? AND id > ? ORDER BY id LIMIT ?`, room, after, limit)
}

func (s *sqliteStore) Last(ctx context.Context, room string, n int) ([]Message, error) {
	defer s.timed("last", time.Now())
	ms, err := s.query(ctx, `SELECT room, id, uid, text, ts FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?`, room, n)
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms, err
}

func (s *sqliteStore) timed(op string, start time.Time) { s.observe(op, time.Since(start)) }

func (s *sqliteStore) query(ctx context.Context, q string, args ...any) ([]Message, error) {
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("chat: store: %w", err)
	}
	defer rows.Close()
	var ms []Message
	for rows.Next() {
		var m Message
		var ts int64
		if err := rows.Scan(&m.Room, &m.ID, &m.UID, &m.Text, &ts); err != nil {
			return nil, fmt.Errorf("chat: store: %w", err)
		}
		m.Time = time.UnixMilli(ts).UTC()
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chat: store: %w", err)
	}
	return ms, nil
}

func (s *sqliteStore) Ping(ctx context.Context) error {
	var one int
	if err := s.rdb.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("chat: store: %w", err)
	}
	return nil
}

func (s *sqliteStore) Close() error {
	s.closeOnce.Do(func() {
		s.closing.Lock()
		s.closed = true
		s.closing.Unlock()
		close(s.quit)
		<-s.done
		_, err := s.wdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		s.closeErr = errors.Join(err, s.closeDBs())
	})
	return s.closeErr
}
