package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/geventgo/gevent/event"
)

// wsPing is how often an idle WebSocket is pinged; a peer that does not
// answer within it is dropped.
const wsPing = 20 * time.Second

// handleWS is GET /ws/{uid}: the user's messages as JSON text frames, one
// message a frame. The connection is taken over through http.Hijacker; the
// session runs on plain goroutines (the WebSocket library waits on
// channels), while the request's greenlet parks on an event until it ends.
func (a *App) handleWS(w http.ResponseWriter, r *http.Request) {
	if !a.cfg.WebSocket {
		fail(w, errorf(http.StatusNotFound, "WebSocket disabled; use POST /api/poll/{uid}"))
		return
	}
	u, e := a.authorize(r, r.PathValue("uid"))
	if e != nil {
		fail(w, e)
		return
	}
	if a.beginWait(u) {
		a.endWait(u)
		fail(w, errorf(http.StatusServiceUnavailable, "shutting down"))
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		a.endWait(u)
		return // Accept answered the client
	}
	a.wsWG.Add(1)
	a.m.websockets.Inc()
	a.m.wsNow.Inc()
	var done event.Event
	done.Share()
	go func() {
		defer done.Set()
		defer a.wsWG.Done()
		defer a.m.wsNow.Dec()
		defer a.endWait(u)
		a.wsSession(c, u)
	}()
	done.Wait()
}

// wsSession sends u's messages over c until the peer goes away, u is
// dropped or the chat shuts down (a close frame "going away").
func (a *App) wsSession(c *websocket.Conn, u *user) {
	// CloseRead reads (and answers control frames) in the background; its
	// context ends when the peer closes or the connection breaks.
	ctx := c.CloseRead(context.Background())
	go func() {
		<-ctx.Done()
		u.q.TryPut(Message{}) // wake the loop below; ID 0 is skipped by polls
	}()
	for {
		m, err := u.q.GetTimeout(wsPing)
		if ctx.Err() != nil {
			if m.ID > 0 {
				u.q.TryPut(m) // not sent; leave it for the next poll or socket
			}
			c.CloseNow()
			return
		}
		switch {
		case err == nil && m.ID == 0:
			continue
		case err == nil:
			b, _ := json.Marshal(m)
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err = c.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.CloseNow()
				return
			}
			a.m.deliveredWS.get().Inc()
		case u.q.IsShutDown():
			c.Close(websocket.StatusGoingAway, "server shutting down")
			return
		default: // idle: check the peer is there
			pctx, cancel := context.WithTimeout(ctx, wsPing)
			err = c.Ping(pctx)
			cancel()
			if err != nil {
				c.CloseNow()
				return
			}
		}
	}
}
