package main

import (
	"context"
	"errors"
	"time"
)

// Message is one accepted chat message. IDs increase by one per room, from 1.
type Message struct {
	Room string    `json:"room"`
	ID   int64     `json:"id"`
	UID  string    `json:"uid"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

// Legacy is the message as the seed's chat room shows it: "uid:text".
func (m *Message) Legacy() string { return m.UID + ":" + m.Text }

// Store keeps the rooms' history and orders the rooms' messages.
//
// All methods are plain blocking Go calls that may be called from any
// goroutine; the chat calls them through gevent.BlockingContext so that a
// slow disk parks only the calling greenlet, and a killed caller cancels ctx.
type Store interface {
	// Append stores a message in room, assigning its ID and time, and
	// returns it once it is durable. Before Append returns, the message has
	// been passed to the function given to Subscribe, and the messages of a
	// room are passed in ID order. ctx ends only the wait for a turn to
	// write: a message handed to the disk is stored whatever ctx does.
	Append(ctx context.Context, room, uid, text string) (Message, error)
	// History returns up to limit messages of room with IDs above after,
	// in ID order.
	History(ctx context.Context, room string, after int64, limit int) ([]Message, error)
	// Last returns the last n messages of room, in ID order.
	Last(ctx context.Context, room string, n int) ([]Message, error)
	// Subscribe sets the function that receives every accepted message. It
	// is called before the first Append, and fn must not block.
	Subscribe(fn func(Message))
	// Ping checks that the store works.
	Ping(ctx context.Context) error
	// Close stores what was accepted and releases the store. Append after
	// Close fails with ErrStoreClosed.
	Close() error
}

// ErrStoreClosed is returned by a Store's Append after Close.
var ErrStoreClosed = errors.New("chat: store closed")
