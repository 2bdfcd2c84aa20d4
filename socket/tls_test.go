//go:build unix

package socket_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/testcert"
	"github.com/geventgo/gevent/socket"
)

// tlsPair runs both handshakes on a fresh TCP pair, in two greenlets.
func tlsPair(t *testing.T, serverConf, clientConf *tls.Config) (client, server *tls.Conn) {
	t.Helper()
	c, s := streamPair(t, "tcp", "127.0.0.1:0")
	srv := gevent.Spawn(func() (*tls.Conn, error) { return socket.TLSServer(s, serverConf) })
	cli := gevent.Spawn(func() (*tls.Conn, error) { return socket.TLSClient(c, clientConf) })
	server, serr := srv.Get()
	client, cerr := cli.Get()
	if serr != nil || cerr != nil {
		t.Fatalf("handshakes: server %v, client %v", serr, cerr)
	}
	return client, server
}

// message returns the i-th test message of a stream: size bytes that name
// their index.
func message(i, size int) []byte {
	m := bytes.Repeat([]byte{byte('a' + i%26)}, size)
	copy(m, fmt.Sprintf("%08d", i))
	return m
}

// TestTLSReaderAndWriterGreenlets shares each end of a TLS connection
// between a reader greenlet and a writer greenlet, all four in one hub, with
// enough data in flight that writers park on full buffers while readers
// run.
func TestTLSReaderAndWriterGreenlets(t *testing.T) {
	const msgs, size = 300, 8 << 10
	gevent.Run(func() {
		serverConf, clientConf := testcert.Configs(t)
		client, server := tlsPair(t, serverConf, clientConf)
		if st := server.ConnectionState(); !st.HandshakeComplete {
			t.Fatal("TLSServer returned before the handshake completed")
		}
		writer := func(c *tls.Conn) func() (int, error) {
			return func() (int, error) {
				for i := range msgs {
					if _, err := c.Write(message(i, size)); err != nil {
						return i, err
					}
				}
				return msgs, nil
			}
		}
		reader := func(c *tls.Conn) func() (int, error) {
			return func() (int, error) {
				buf := make([]byte, size)
				for i := range msgs {
					if _, err := io.ReadFull(c, buf); err != nil {
						return i, err
					}
					if !bytes.Equal(buf, message(i, size)) {
						return i, fmt.Errorf("message %d corrupted: %.12q", i, buf)
					}
				}
				return msgs, nil
			}
		}
		gs := []*gevent.Greenlet[int]{
			gevent.Spawn(reader(server)), gevent.Spawn(writer(server)),
			gevent.Spawn(reader(client)), gevent.Spawn(writer(client)),
		}
		if done, err := gevent.JoinAll(gs, gevent.Within(20*time.Second)); len(done) != 4 || err != nil {
			t.Fatalf("JoinAll = %d done, %v; want 4, nil", len(done), err)
		}
		for i, name := range []string{"server reader", "server writer", "client reader", "client writer"} {
			if n, err := gs[i].Get(); n != msgs || err != nil {
				t.Errorf("%s = %d, %v; want %d, nil", name, n, err, msgs)
			}
		}
		client.Close()
		server.Close()
	})
}

// TestTLSWithPlainPeer talks TLS between a greenlet (TLSServer on an accepted
// Conn) and a plain goroutine using crypto/tls over package net.
func TestTLSWithPlainPeer(t *testing.T) {
	serverConf, clientConf := testcert.Configs(t)
	gevent.Run(func() {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		srv := gevent.Spawn(func() (string, error) {
			c, err := ln.Accept()
			if err != nil {
				return "", err
			}
			tc, err := socket.TLSServer(c, serverConf)
			if err != nil {
				return "", err
			}
			defer tc.Close()
			buf := make([]byte, 4)
			if _, err := io.ReadFull(tc, buf); err != nil {
				return "", err
			}
			_, err = tc.Write([]byte("pong"))
			return string(buf), err
		})
		reply, err := gevent.Blocking(func() (string, error) {
			c, err := tls.Dial("tcp", ln.Addr().String(), clientConf)
			if err != nil {
				return "", err
			}
			defer c.Close()
			c.Write([]byte("ping"))
			buf := make([]byte, 4)
			_, err = io.ReadFull(c, buf)
			return string(buf), err
		})
		if reply != "pong" || err != nil {
			t.Errorf("client got %q, %v; want \"pong\", nil", reply, err)
		}
		if got, err := srv.Get(); got != "ping" || err != nil {
			t.Errorf("server got %q, %v; want \"ping\", nil", got, err)
		}
	})
}

// TestTLSHandshakeFailureClosesConn: a client that does not trust the
// certificate fails the handshake, and both helpers close their Conn.
func TestTLSHandshakeFailureClosesConn(t *testing.T) {
	gevent.Run(func() {
		gevent.CurrentHub().SetErrorStream(nil) // the failing greenlets are expected
		serverConf, _ := testcert.Configs(t)
		c, s := streamPair(t, "tcp", "127.0.0.1:0")
		srv := gevent.Spawn(func() (*tls.Conn, error) { return socket.TLSServer(s, serverConf) })
		cli := gevent.Spawn(func() (*tls.Conn, error) {
			return socket.TLSClient(c, &tls.Config{ServerName: "127.0.0.1"})
		})
		if tc, err := cli.Get(); tc != nil || !errors.As(err, new(*tls.CertificateVerificationError)) {
			t.Errorf("TLSClient = %v, %v; want nil, a certificate error", tc, err)
		}
		if tc, err := srv.Get(); tc != nil || err == nil {
			t.Errorf("TLSServer = %v, %v; want nil, an error", tc, err)
		}
		for name, conn := range map[string]*socket.Conn{"client": c, "server": s} {
			if err := conn.Close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("%s Conn after the failed handshake: Close = %v; want net.ErrClosed (already closed)", name, err)
			}
		}
	})
}
