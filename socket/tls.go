//go:build unix

package socket

import (
	"crypto/tls"
	"net"
)

// TLSServer wraps c as the server side of a TLS connection and completes the
// handshake before returning, so that a reader greenlet and a writer greenlet
// can then share the connection: crypto/tls takes a sync.Mutex around the
// handshake (handshakeMutex) that would block the whole hub if two greenlets
// of one hub raced to do the first I/O. On error c is closed.
func TLSServer(c net.Conn, config *tls.Config) (*tls.Conn, error) {
	tc := tls.Server(c, config)
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// TLSClient is TLSServer's client side.
func TLSClient(c net.Conn, config *tls.Config) (*tls.Conn, error) {
	tc := tls.Client(c, config)
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}
