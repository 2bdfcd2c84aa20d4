// Command dns is the seed article's DNS example: three greenlets look up
// three host names at the same time and the program waits for them with
// JoinAll(Within(5s)), then prints one address per host. The look-ups
// overlap, so the whole takes about as long as the slowest one, not the sum.
//
// So that it runs offline, the program first starts a DNS server of its own
// on 127.0.0.1, which answers the three names with documentation addresses
// after different delays, and points socket.DefaultResolver at it: a
// socket.LoopResolver, which speaks DNS on the event loop, so that each
// look-up parks only its greenlet.
package main

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
	"golang.org/x/net/dns/dnsmessage"
)

// hosts are the names looked up, with the address and the delay of the
// local server's answer.
var hosts = []struct {
	name  string
	addr  string
	delay time.Duration
}{
	{"www.baidu.com", "192.0.2.1", 450 * time.Millisecond},
	{"www.gevent.org", "198.51.100.2", 150 * time.Millisecond},
	{"www.python.org", "203.0.113.3", 300 * time.Millisecond},
}

func main() { run(os.Stdout) }

func run(w io.Writer) {
	server, err := startServer()
	if err != nil {
		fmt.Fprintln(w, "cannot start the local DNS server:", err)
		return
	}
	defer server.Close()
	socket.DefaultResolver = &socket.LoopResolver{
		Nameservers: []string{server.LocalAddr().String()},
		HostsFile:   os.DevNull, // only the local server answers
		ConfigFile:  os.DevNull,
	}

	gevent.Run(func() {
		var jobs []*gevent.Greenlet[string]
		for _, h := range hosts {
			jobs = append(jobs, gevent.Spawn(func() (string, error) {
				return socket.GetHostByName(h.name)
			}))
		}
		gevent.JoinAll(jobs, gevent.Within(5*time.Second))
		for i, job := range jobs {
			switch {
			case !job.Ready():
				fmt.Fprintln(w, hosts[i].name, "timed out")
			case job.Err() != nil:
				fmt.Fprintln(w, hosts[i].name, "failed:", job.Err())
			default:
				fmt.Fprintln(w, hosts[i].name, job.Value())
			}
		}
	})
}

// startServer starts the local DNS server on a plain goroutine, as an
// outside server would be: each query is answered on a goroutine of its own
// after the host's delay; other names get NXDOMAIN.
func startServer() (net.PacketConn, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			buf := make([]byte, 512)
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return // closed
			}
			go func() {
				if resp, delay, ok := answer(buf[:n]); ok {
					time.Sleep(delay)
					pc.WriteTo(resp, from)
				}
			}()
		}
	}()
	return pc, nil
}

// answer builds the response to one query.
func answer(query []byte) ([]byte, time.Duration, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, 0, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, 0, false
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, RecursionDesired: h.RecursionDesired,
		RecursionAvailable: true, RCode: dnsmessage.RCodeNameError}
	var addr string
	var delay time.Duration
	for _, host := range hosts {
		if strings.EqualFold(q.Name.String(), host.name+".") {
			rh.RCode, addr, delay = dnsmessage.RCodeSuccess, host.addr, host.delay
		}
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	if addr != "" && q.Type == dnsmessage.TypeA {
		hdr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
		b.AResource(hdr, dnsmessage.AResource{A: netip.MustParseAddr(addr).As4()})
	}
	resp, err := b.Finish()
	return resp, delay, err == nil
}
