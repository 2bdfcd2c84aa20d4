// Package httpclient is an HTTP client for greenlets, what gevent users get
// from requests after monkey.patch_all(): Do, Get, Head, Post and PostForm
// park only the calling greenlet while the hub runs the others, a Kill or a
// Timeout of that greenlet cancels the request, and the response body is
// read without holding the hub.
//
// A Client is a net/http.Client underneath, so its transport, connection
// pooling and keep-alive, TLS, HTTP/2, proxies, redirects, cookies and
// Timeout are net/http's own. Each request runs on a worker goroutine
// through gevent.BlockingContext; the greenlet waits on its hub meanwhile.
// Reads and Close of the response body go through the same bridge, so a
// slow body parks only the greenlet that reads it.
//
// # Cancellation
//
// A Kill or an expired Timeout of the calling greenlet ends Do at once with
// that error (inside a *url.Error, wrapped with this package's prefix;
// errors.Is(err, gevent.ErrGreenletExit) or errors.Is(err, timeout) hold) and
// cancels the request's context, so net/http closes the connection and the
// server sees the request cancelled. The same holds for a Read or Close of
// the body: the interrupted Read returns the error, the transfer is
// aborted, and later Reads fail. The request's own context
// (http.NewRequestWithContext) is honoured as with net/http.
//
// # Who may call
//
// Every method may be called from greenlets of any number of hubs at once
// and from plain goroutines, where it simply calls net/http. From a loop
// callback, which cannot park, the calls fail with
// gevent.ErrBlockingSwitchOut. The Client's own callbacks (CheckRedirect,
// the cookie Jar, the Transport) and the reads of a request body run on
// net/http's goroutines, not in the calling greenlet.
//
// A 101 Switching Protocols response keeps the Body net/http gives it (an
// io.ReadWriteCloser over the connection); reading it blocks the caller's
// hub, so hand it to gevent.Blocking or a goroutine.
//
// Errors carry the prefix "httpclient: " and wrap net/http's, so errors.Is
// and errors.As (for *url.Error, net.Error, a TLS error…) work through them.
// A body's Read returns io.EOF itself, unwrapped, as io.Reader requires.
package httpclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// Client makes HTTP requests that park only the calling greenlet. The zero
// value is ready to use and uses http.DefaultClient. A Client is safe for
// concurrent use by greenlets of several hubs and by goroutines, as its
// net/http client is; like that client, it should be made once and reused
// so that connections are kept alive.
type Client struct {
	// HTTP is the net/http client that makes the requests: its Transport,
	// CheckRedirect, Jar and Timeout apply. nil means http.DefaultClient.
	HTTP *http.Client
}

// DefaultClient is the Client used by the package's Get, Head, Post and
// PostForm; it uses http.DefaultClient.
var DefaultClient = &Client{}

func (c *Client) http() *http.Client {
	if c == nil || c.HTTP == nil {
		return http.DefaultClient
	}
	return c.HTTP
}

// Exchange states, for the hand-off of a response between the worker and a
// caller that may give up.
const (
	running   int32 = iota
	done            // the worker finished: the caller owns the response
	abandoned       // the caller gave up: the worker closes the response
)

// exchange is one request on a worker, and the body of its response.
type exchange struct {
	hc     *http.Client
	req    *http.Request
	cancel context.CancelCauseFunc // ends req's context
	state  atomic.Int32
	resp   *http.Response
	err    error
	body   body
}

func (ex *exchange) run(context.Context) (struct{}, error) {
	// The request runs under its own context (see Do), not the bridge's,
	// which ends when this function returns: the body outlives it.
	ex.resp, ex.err = ex.hc.Do(ex.req)
	if resp := ex.resp; ex.err == nil {
		if _, upgraded := resp.Body.(io.Writer); resp.Body != nil && resp.Body != http.NoBody && !upgraded {
			ex.body.start(resp.Body, ex.cancel)
			resp.Body = &ex.body
		}
	}
	if !ex.state.CompareAndSwap(running, done) && ex.resp != nil {
		ex.resp.Body.Close()
	}
	return struct{}{}, nil
}

// onWorker runs the exchange through the bridge and returns the error of a
// caller that gave up (killed, timed out), after cancelling the request.
func (ex *exchange) onWorker() (err error) {
	waited := false
	defer func() {
		if !waited {
			// The wait unwinds: the hub is being destroyed under it.
			ex.abandon(gevent.ErrHubDestroyed)
		}
	}()
	_, err = gevent.BlockingContext(context.Background(), ex.run)
	waited = true
	if err != nil {
		ex.abandon(err)
	}
	return err
}

// abandon cancels the request of a caller that gave up, and closes the
// response if the worker handed it over just then.
func (ex *exchange) abandon(cause error) {
	ex.cancel(cause)
	if !ex.state.CompareAndSwap(running, abandoned) && ex.resp != nil {
		// Closing an unread body talks to the transport's goroutines:
		// not on the hub.
		go ex.resp.Body.Close()
	}
}

// Do sends req and returns the response, parking only the calling greenlet
// until the response headers have arrived (net/http.Client.Do's contract
// otherwise: a non-2xx status is not an error, the caller must close the
// body, a redirect is followed as the client's CheckRedirect says). The
// returned response's Body parks only its reader as well.
//
// A Kill or a Timeout of the caller ends Do at once with that error and
// cancels the request (see the package documentation). Cancelling req's
// context, or the client's Timeout, ends it as with net/http.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, fmt.Errorf("httpclient: nil request")
	}
	if req.URL == nil {
		return nil, fmt.Errorf("httpclient: nil request URL")
	}
	hub, inCallback := hubapi.Here()
	if inCallback {
		return nil, requestError(req, gevent.ErrBlockingSwitchOut)
	}
	// The request's context is ours to cancel: on a kill or timeout of the
	// caller, of Do or of a later body Read, and when the body is closed.
	ctx, cancel := context.WithCancelCause(req.Context())
	ex := &exchange{hc: c.http(), req: req.WithContext(ctx), cancel: cancel}
	if hub == nil {
		ex.run(ctx)
	} else if err := ex.onWorker(); err != nil {
		return nil, requestError(req, err)
	}
	resp, err := ex.resp, ex.err
	if err != nil {
		cancel(nil)
		// net/http returns a response with an error only for a failed
		// CheckRedirect, and that response's body is closed already.
		return resp, fmt.Errorf("httpclient: %w", err)
	}
	if resp.Body != &ex.body {
		// No body to read through us (none, or a protocol upgrade, whose
		// Body is net/http's connection): the request's context stays.
		if resp.Body == nil || resp.Body == http.NoBody {
			cancel(nil)
		}
	}
	return resp, nil
}

// requestError reports that the caller gave up on req, in net/http's form.
func requestError(req *http.Request, err error) error {
	return fmt.Errorf("httpclient: %w", &url.Error{Op: urlOp(req.Method), URL: req.URL.Redacted(), Err: err})
}

// urlOp is net/http's *url.Error Op for a method: "Get", "Post"…
func urlOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// Get issues a GET to url (net/http.Client.Get), parking only the calling
// greenlet; see Do.
func (c *Client) Get(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("httpclient: %w", err)
	}
	return c.Do(req)
}

// Head issues a HEAD to url (net/http.Client.Head); see Do.
func (c *Client) Head(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodHead, url, nil)
	if err != nil {
		return nil, fmt.Errorf("httpclient: %w", err)
	}
	return c.Do(req)
}

// Post issues a POST to url with the given content type and body
// (net/http.Client.Post); body is read, and closed if it is an io.Closer,
// on net/http's goroutines. See Do.
func (c *Client) Post(url, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return nil, fmt.Errorf("httpclient: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	return c.Do(req)
}

// PostForm issues a POST to url with data URL-encoded as the body
// (net/http.Client.PostForm); see Do.
func (c *Client) PostForm(url string, data url.Values) (*http.Response, error) {
	return c.Post(url, "application/x-www-form-urlencoded", strings.NewReader(data.Encode()))
}

// CloseIdleConnections closes the idle keep-alive connections of the
// client's transport (net/http.Client.CloseIdleConnections). It does not
// block.
func (c *Client) CloseIdleConnections() { c.http().CloseIdleConnections() }

// Get issues a GET with DefaultClient.
func Get(url string) (*http.Response, error) { return DefaultClient.Get(url) }

// Head issues a HEAD with DefaultClient.
func Head(url string) (*http.Response, error) { return DefaultClient.Head(url) }

// Post issues a POST with DefaultClient.
func Post(url, contentType string, body io.Reader) (*http.Response, error) {
	return DefaultClient.Post(url, contentType, body)
}

// PostForm issues a POST of URL-encoded data with DefaultClient.
func PostForm(url string, data url.Values) (*http.Response, error) {
	return DefaultClient.PostForm(url, data)
}
