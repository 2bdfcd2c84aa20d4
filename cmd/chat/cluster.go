package main

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/geventgo/gevent/queue"
)

// nameRegistry is the cluster-wide record of the names held by live
// sessions, kept by a store shared by several nodes (the NATS store). With
// it, a name is held in the whole chat, and a node serves a user that
// joined on another node.
type nameRegistry interface {
	// claimName records that session sid holds uid and is in room (if not
	// empty); errNameTaken if another live session holds uid. It blocks.
	claimName(ctx context.Context, uid, sid, room string) error
	// lookupName returns the live session holding uid; ok false if none. It
	// blocks.
	lookupName(ctx context.Context, uid string) (ne nameEntry, ok bool, err error)
	// touch notes that the session is active here. It does not block.
	touch(uid, sid string, rooms []string)
	// watchNames calls fn with every later change of a name's entry, on a
	// goroutine of the registry.
	watchNames(fn func(uid string, ne nameEntry)) error
}

// joinCluster uses store's name registry, if it has one: names are then held
// in the whole chat, and a user's rooms joined on another node are followed
// here.
func (a *App) joinCluster(store Store) error {
	nr, ok := store.(nameRegistry)
	if !ok {
		return nil
	}
	a.names = nr
	return nr.watchNames(a.nameChanged)
}

// nameChanged subscribes the local user of uid's session to the rooms the
// session joined on another node.
func (a *App) nameChanged(uid string, ne nameEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[uid]
	if u == nil || u.sid != ne.SID {
		return
	}
	for _, name := range ne.Rooms {
		if rm := a.rooms[name]; rm != nil && !u.rooms[name] {
			u.rooms[name] = true
			rm.subs[u] = struct{}{}
		}
	}
}

// clusterClaim claims uid for the session *sid (a new one if empty) in the
// name registry, if there is one: 409 if another live session holds it, 503
// if the registry cannot be reached.
func (a *App) clusterClaim(r *http.Request, uid string, sid *string, room string) *httpError {
	if a.names == nil {
		return nil
	}
	if *sid == "" {
		*sid = newSID()
	}
	_, err := storeCall(r.Context(), func(ctx context.Context) (struct{}, error) {
		return struct{}{}, a.names.claimName(ctx, uid, *sid, room)
	})
	if errors.Is(err, errNameTaken) {
		a.m.rejected.WithLabelValues("name_taken").Inc()
		return errorf(http.StatusConflict, "the name %q is in use by another session", uid)
	}
	if err != nil {
		a.log.Warn("storage error", "op", "claim", "uid", uid, "err", err)
		a.m.rejected.WithLabelValues("storage").Inc()
		e := errorf(http.StatusServiceUnavailable, "name registry unavailable; try again")
		e.retryAfter = 1
		return e
	}
	return nil
}

// adopt returns a local user for uid when the request carries the cookie of
// the session that holds uid in the name registry (it joined on another
// node), subscribed to the session's rooms. It answers 403 if the cookie is
// valid but another live session holds the name, and nil, nil otherwise
// (authorize then answers as for an unknown user).
func (a *App) adopt(r *http.Request, uid string) (*user, *httpError) {
	if a.names == nil {
		return nil, nil
	}
	c, err := r.Cookie(cookieName(uid))
	if err != nil {
		return nil, nil
	}
	sid, ok := a.sign.verify(c.Value, uid)
	if !ok {
		return nil, nil
	}
	type found struct {
		ne nameEntry
		ok bool
	}
	f, err := storeCall(r.Context(), func(ctx context.Context) (found, error) {
		ne, ok, err := a.names.lookupName(ctx, uid)
		return found{ne, ok}, err
	})
	if err != nil {
		a.log.Warn("storage error", "op", "lookup", "uid", uid, "err", err)
		e := errorf(http.StatusServiceUnavailable, "name registry unavailable; try again")
		e.retryAfter = 1
		return nil, e
	}
	if !f.ok {
		return nil, nil
	}
	if f.ne.SID != sid {
		a.m.rejected.WithLabelValues("forbidden").Inc()
		return nil, errorf(http.StatusForbidden, "the name %q is held by another session", uid)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if u := a.users[uid]; u != nil {
		if u.sid != sid {
			return nil, errorf(http.StatusForbidden, "the name %q is held by another session", uid)
		}
		return u, nil // adopted meanwhile by another request, or joined here
	}
	if len(a.users) >= a.cfg.MaxUsers {
		a.m.rejected.WithLabelValues("full").Inc()
		e := errorf(http.StatusServiceUnavailable, "the chat is full (%d users); try again later", a.cfg.MaxUsers)
		e.retryAfter = int(a.cfg.IdleTimeout.Seconds()) + 1
		return nil, e
	}
	u := &user{uid: uid, sid: sid, token: a.sign.token(uid, sid), q: queue.New[Message](a.cfg.QueueSize), rooms: map[string]bool{}, lastSeen: a.now()}
	u.q.Share()
	if a.draining {
		u.q.Shutdown()
	}
	for _, name := range f.ne.Rooms {
		if rm := a.rooms[name]; rm != nil {
			u.rooms[name] = true
			rm.subs[u] = struct{}{}
		}
	}
	a.users[uid] = u
	a.m.users.Inc()
	a.log.Debug("adopted user of another node", "uid", uid)
	return u, nil
}

// touchLiveLocked tells the registry which users are live here (polling,
// holding a WebSocket, or seen within the idle timeout). The reaper calls
// it with a.mu held.
func (a *App) touchLiveLocked(now time.Time) {
	if a.names == nil {
		return
	}
	for _, u := range a.users {
		if a.liveLocked(u, now) {
			a.names.touch(u.uid, u.sid, slices.Sorted(maps.Keys(u.rooms)))
		}
	}
}

// touchName tells the registry that u is active here.
func (a *App) touchName(u *user) {
	if a.names == nil {
		return
	}
	a.mu.Lock()
	rooms := make([]string, 0, len(u.rooms))
	for name := range u.rooms {
		rooms = append(rooms, name)
	}
	a.mu.Unlock()
	slices.Sort(rooms)
	a.names.touch(u.uid, u.sid, rooms)
}
