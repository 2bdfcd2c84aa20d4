//go:build unix

package socket

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// LoopResolver resolves names on the event loop itself, with no worker
// goroutine (gevent's ares and dnspython resolvers): it consults the hosts
// file, then asks the name servers over UDP with this package's own
// cooperative sockets, and repeats a query over TCP when the UDP answer is
// truncated. A and AAAA queries go out together. Look-ups of several
// greenlets therefore run at the same time on one hub, and a Kill, a gevent
// Timeout or the context interrupts one at once.
//
// Configuration comes from the fields; a zero field takes its value from
// ConfigFile (resolv.conf: nameserver, search or domain, options ndots,
// timeout and attempts) and then from resolv.conf(5)'s defaults. Each server
// is tried in order, Attempts times, waiting Timeout for each answer; names
// are tried with the search suffixes by the ndots rule. Differences from Go's
// resolver: no nsswitch.conf (the hosts file always comes first), no
// "rotate", "edns0" or "single-request" options, no domain taken from the
// host name, and IPv4 addresses are returned before IPv6 ones rather than
// sorted by RFC 6724.
//
// The zero value is ready to use. All methods may be called from any
// goroutine; the exported fields must not change once look-ups have started,
// and a LoopResolver must not be copied after first use.
type LoopResolver struct {
	// Nameservers are the servers to ask: IP addresses, with an optional
	// port ("192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53"). Defaults to
	// ConfigFile's nameserver lines, or 127.0.0.1:53 and [::1]:53 when it
	// has none.
	Nameservers []string
	// HostsFile is read before any query. Defaults to /etc/hosts; os.DevNull
	// disables it.
	HostsFile string
	// ConfigFile is the resolv.conf to read. Defaults to /etc/resolv.conf;
	// os.DevNull gives the built-in defaults.
	ConfigFile string
	// Search is the list of domains appended to names with fewer than Ndots
	// dots. Defaults (nil) to ConfigFile's search or domain line; an empty
	// non-nil slice disables searching.
	Search []string
	// Ndots is the number of dots from which a name is first tried as is.
	// Defaults to ConfigFile's ndots option, or 1.
	Ndots int
	// Timeout is how long to wait for one server's answer. Defaults to
	// ConfigFile's timeout option, or 5 seconds.
	Timeout time.Duration
	// Attempts is how many times the list of servers is tried. Defaults to
	// ConfigFile's attempts option, or 2.
	Attempts int

	conf  fileCache[*dnsConfig]
	hosts fileCache[hostsTable]
}

// maxUDPSize is the size of UDP answers asked for with EDNS(0) and of the
// read buffer (the DNS flag day 2020 value, as Go's resolver uses).
const maxUDPSize = 1232

// LookupNetIP returns the addresses of host, IPv4 ones first. An IP literal
// is returned as is. It parks the calling greenlet while it waits for the
// servers, and returns a *net.DNSError on failure: IsNotFound when no server
// knows the name, IsTimeout when none answered. When the caller is killed or
// times out, or ctx ends, the error wraps that error (errors.Is sees it).
func (r *LoopResolver) LookupNetIP(ctx context.Context, host string) ([]netip.Addr, error) {
	return r.lookup(ctx, host, []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA})
}

// LookupHost is LookupNetIP returning strings.
func (r *LoopResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	addrs, err := r.LookupNetIP(ctx, host)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out, nil
}

// lookup resolves host for the query types (A, AAAA or both).
func (r *LoopResolver) lookup(ctx context.Context, host string, types []dnsmessage.Type) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	notFound := &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	if !validName(host) {
		return nil, notFound
	}
	st, err := r.settings()
	if err != nil {
		return nil, err
	}
	if addrs := st.hosts[hostsKey(host)]; len(addrs) > 0 {
		return sortFamilies(addrs, types), nil
	}
	var firstErr error
	for _, name := range st.nameList(host) {
		qname, err := dnsmessage.NewName(name)
		if err != nil {
			continue
		}
		addrs, err := r.tryName(ctx, &st, host, qname, types)
		switch {
		case len(addrs) > 0:
			return addrs, nil
		case err == nil:
			continue // no such name, or no address: try the next one
		case isFatal(ctx, err):
			return nil, err
		case firstErr == nil:
			firstErr = err
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, notFound
}

// sortFamilies returns the addresses of the queried families, IPv4 first.
func sortFamilies(addrs []netip.Addr, types []dnsmessage.Type) []netip.Addr {
	var v4, v6 []netip.Addr
	for _, a := range addrs {
		if a.Is4() || a.Is4In6() {
			v4 = append(v4, a.Unmap())
		} else {
			v6 = append(v6, a)
		}
	}
	var out []netip.Addr
	for _, t := range types {
		if t == dnsmessage.TypeA {
			out = append(out, v4...)
		} else {
			out = append(out, v6...)
		}
	}
	return out
}

// isFatal reports whether err ends the look-up: the caller was killed or
// timed out, or ctx ended.
func isFatal(ctx context.Context, err error) bool {
	return ctxErr(ctx) != nil || isInterrupt(err)
}

// ctxErr is ctx.Err(), and context.DeadlineExceeded as soon as ctx's
// deadline has passed: the sockets' deadlines, which are ctx's, may expire
// before ctx's own timer has run.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// validName reports whether host can be sent in a query: at most 253
// characters (a trailing dot aside) in labels of 1 to 63.
func validName(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return false
	}
	for label := range strings.SplitSeq(host, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
	}
	return true
}

// tryName asks the servers about one fully qualified name. It returns the
// addresses, or none and a nil error when the name does not exist or has no
// address, or the error of the last server asked.
func (r *LoopResolver) tryName(ctx context.Context, st *lookupSettings, host string, name dnsmessage.Name, types []dnsmessage.Type) ([]netip.Addr, error) {
	var lastErr error
	for range st.attempts {
		for _, server := range st.servers {
			addrs, rcode, err := exchange(ctx, server, name, types, st.timeout)
			if err != nil {
				lastErr = dnsError(ctx, host, server, err)
				if isFatal(ctx, err) {
					return nil, lastErr
				}
				continue
			}
			switch rcode {
			case dnsmessage.RCodeSuccess, dnsmessage.RCodeNameError:
				return addrs, nil
			}
			lastErr = &net.DNSError{Err: "server misbehaving: " + rcode.String(), Name: host, Server: server, IsTemporary: true}
		}
	}
	return nil, lastErr
}

// dnsError turns an exchange failure into a *net.DNSError that wraps it.
func dnsError(ctx context.Context, host, server string, err error) error {
	if cerr := ctxErr(ctx); cerr != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		err = cerr // the deadline was ctx's, or set to interrupt the wait
	}
	de := &net.DNSError{Err: err.Error(), Name: host, Server: server, UnwrapErr: err}
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		de.Err, de.IsTimeout, de.IsTemporary = "i/o timeout", true, true
	}
	return de
}

// exchange sends one query per type for name to server over UDP and waits
// for the answers, switching to TCP for a type whose answer is truncated.
// The rcode is NameError if the name does not exist, Success if every answer
// was received, and otherwise a server failure.
func exchange(ctx context.Context, server string, name dnsmessage.Name, types []dnsmessage.Type, timeout time.Duration) ([]netip.Addr, dnsmessage.RCode, error) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c, err := (&Dialer{Deadline: deadline}).DialContext(ctx, "udp", server)
	if err != nil {
		return nil, 0, err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	ids := make([]uint16, len(types))
	for i, t := range types {
		ids[i] = uint16(rand.IntN(1<<16-1)) + 1 // never 0, the "answered" mark
		q, err := buildQuery(nil, ids[i], name, t)
		if err != nil {
			return nil, 0, err
		}
		if _, err := c.Write(q); err != nil {
			return nil, 0, err
		}
	}
	results := make([][]netip.Addr, len(types))
	rcode := dnsmessage.RCodeSuccess
	pending := len(types)
	buf := make([]byte, maxUDPSize)
	for pending > 0 {
		n, err := c.Read(buf)
		if err != nil {
			return nil, 0, err
		}
		var p dnsmessage.Parser
		i, h, ok := matchAnswer(&p, buf[:n], ids, name, types)
		if !ok {
			continue // not an answer to a pending query: ignore it
		}
		ids[i] = 0 // answered: a duplicate is ignored
		if h.Truncated {
			results[i], h.RCode, err = exchangeTCP(ctx, server, name, types[i], deadline)
			if err != nil {
				return nil, 0, err
			}
		} else {
			results[i] = answerAddrs(&p, name)
		}
		pending--
		switch {
		case h.RCode == dnsmessage.RCodeNameError:
			return nil, h.RCode, nil // the name does not exist for any type
		case h.RCode != dnsmessage.RCodeSuccess:
			rcode = h.RCode
		}
	}
	var addrs []netip.Addr
	for _, a := range results {
		addrs = append(addrs, a...)
	}
	if len(addrs) > 0 {
		rcode = dnsmessage.RCodeSuccess // use what one query found
	}
	return addrs, rcode, nil
}

// exchangeTCP asks server about name over TCP (RFC 7766: each message is
// preceded by its length in two bytes).
func exchangeTCP(ctx context.Context, server string, name dnsmessage.Name, t dnsmessage.Type, deadline time.Time) ([]netip.Addr, dnsmessage.RCode, error) {
	c, err := (&Dialer{Deadline: deadline}).DialContext(ctx, "tcp", server)
	if err != nil {
		return nil, 0, err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	id := uint16(rand.IntN(1<<16-1)) + 1
	q, err := buildQuery([]byte{0, 0}, id, name, t)
	if err != nil {
		return nil, 0, err
	}
	binary.BigEndian.PutUint16(q, uint16(len(q)-2))
	if _, err := c.Write(q); err != nil {
		return nil, 0, err
	}
	var size [2]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		return nil, 0, err
	}
	msg := make([]byte, binary.BigEndian.Uint16(size[:]))
	if _, err := io.ReadFull(c, msg); err != nil {
		return nil, 0, err
	}
	var p dnsmessage.Parser
	_, h, ok := matchAnswer(&p, msg, []uint16{id}, name, []dnsmessage.Type{t})
	if !ok {
		return nil, 0, errors.New("socket: DNS answer over TCP does not match the query")
	}
	return answerAddrs(&p, name), h.RCode, nil
}

// buildQuery appends a recursive query for name and type t, with an EDNS(0)
// record offering maxUDPSize, to buf.
func buildQuery(buf []byte, id uint16, name dnsmessage.Name, t dnsmessage.Type) ([]byte, error) {
	b := dnsmessage.NewBuilder(buf, dnsmessage.Header{ID: id, RecursionDesired: true})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(dnsmessage.Question{Name: name, Type: t, Class: dnsmessage.ClassINET}); err != nil {
		return nil, err
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	var rh dnsmessage.ResourceHeader
	if err := rh.SetEDNS0(maxUDPSize, dnsmessage.RCodeSuccess, false); err != nil {
		return nil, err
	}
	if err := b.OPTResource(rh, dnsmessage.OPTResource{}); err != nil {
		return nil, err
	}
	return b.Finish()
}

// matchAnswer parses msg's header and question with p and reports which of
// the pending queries (ids, zero when answered) it answers. On success p is
// positioned at the answer section.
func matchAnswer(p *dnsmessage.Parser, msg []byte, ids []uint16, name dnsmessage.Name, types []dnsmessage.Type) (int, dnsmessage.Header, bool) {
	h, err := p.Start(msg)
	if err != nil || !h.Response {
		return 0, h, false
	}
	q, err := p.Question()
	if err != nil || q.Class != dnsmessage.ClassINET || !strings.EqualFold(q.Name.String(), name.String()) {
		return 0, h, false
	}
	if err := p.SkipAllQuestions(); err != nil {
		return 0, h, false
	}
	for i, id := range ids {
		if id != 0 && id == h.ID && types[i] == q.Type {
			return i, h, true
		}
	}
	return 0, h, false
}

// answerAddrs returns the addresses of name in the answer section, following
// CNAME records (at most 10 of them).
func answerAddrs(p *dnsmessage.Parser, name dnsmessage.Name) []netip.Addr {
	type record struct {
		owner string
		addr  netip.Addr
	}
	var records []record
	cnames := map[string]string{}
	for {
		h, err := p.AnswerHeader()
		if err != nil {
			break // the end of the section, or a malformed record
		}
		owner := strings.ToLower(h.Name.String())
		switch {
		case h.Class != dnsmessage.ClassINET:
			err = p.SkipAnswer()
		case h.Type == dnsmessage.TypeA:
			var r dnsmessage.AResource
			if r, err = p.AResource(); err == nil {
				records = append(records, record{owner, netip.AddrFrom4(r.A)})
			}
		case h.Type == dnsmessage.TypeAAAA:
			var r dnsmessage.AAAAResource
			if r, err = p.AAAAResource(); err == nil {
				records = append(records, record{owner, netip.AddrFrom16(r.AAAA)})
			}
		case h.Type == dnsmessage.TypeCNAME:
			var r dnsmessage.CNAMEResource
			if r, err = p.CNAMEResource(); err == nil {
				cnames[owner] = strings.ToLower(r.CNAME.String())
			}
		default:
			err = p.SkipAnswer()
		}
		if err != nil {
			break
		}
	}
	names := map[string]bool{}
	cur := strings.ToLower(name.String())
	for range 11 {
		names[cur] = true
		next, ok := cnames[cur]
		if !ok || names[next] {
			break
		}
		cur = next
	}
	var addrs []netip.Addr
	for _, r := range records {
		if names[r.owner] {
			addrs = append(addrs, r.addr)
		}
	}
	return addrs
}
