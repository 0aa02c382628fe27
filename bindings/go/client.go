package missive

/*
#include <stdint.h>
#include "missive.h"

extern void missiveGoLog(void *userdata, int32_t direction, char *line, size_t line_len);
extern void missiveGoFree(void *userdata);
extern int32_t missiveGoProgress(void *userdata, missive_progress *progress);
extern int32_t missiveGoToken(void *userdata, _Bool refresh, char *buf, size_t buf_len, size_t *out_len);

// The userdata is a runtime/cgo.Handle (an integer), turned into a pointer on the C side so
// that Go never makes an unsafe.Pointer out of an integer.
static enum missive_result missive_go_set_protocol_log(missive_client *client, uintptr_t handle) {
	if (handle == 0) return missive_client_set_protocol_log(client, NULL, NULL, NULL);
	return missive_client_set_protocol_log(client, (missive_log_cb)missiveGoLog,
	                                       (void *)handle, missiveGoFree);
}

static enum missive_result missive_go_set_token_provider(missive_client *client, uintptr_t handle) {
	if (handle == 0) return missive_client_set_token_provider(client, NULL, NULL, NULL);
	return missive_client_set_token_provider(client, (missive_token_cb)missiveGoToken,
	                                         (void *)handle, missiveGoFree);
}

static enum missive_result missive_go_set_progress(missive_client *client, uintptr_t handle) {
	if (handle == 0) return missive_client_set_progress_callback(client, NULL, NULL, NULL);
	return missive_client_set_progress_callback(client, (missive_progress_cb)missiveGoProgress,
	                                            (void *)handle, missiveGoFree);
}

*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"time"
)

// Client sends messages over SMTP or into a pickup directory. Safe for concurrent use.
// Close frees it (idempotent); a finalizer frees a forgotten one.
type Client struct {
	mu sync.RWMutex // write-locked only by Close
	p  *C.missive_client
}

// Option configures a Client (NewClient applies them in order).
type Option func(*Client) error

// NewClient makes a client: NETWORK delivery, AUTO security, then the options.
func NewClient(opts ...Option) (*Client, error) {
	p := C.missive_client_new()
	if p == nil {
		return nil, &Error{Code: ResultPanic, Detail: "missive_client_new failed"}
	}
	c := &Client{p: p}
	runtime.SetFinalizer(c, (*Client).Close)
	for _, o := range opts {
		if err := o(c); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Close sends QUIT on kept connections and frees the client. Calling it again does nothing.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil {
		C.missive_client_free(c.p)
		c.p = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

func (c *Client) errorText() string {
	_, s := fetchText(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_client_error(c.p, b, n, o)
	})
	return s
}

// do runs one call under the read lock (Close waits for it) and turns its code into an error
// with the client's error text, read at once (not from thread-local state).
func (c *Client) do(call func(p *C.missive_client) C.enum_missive_result) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.p == nil {
		return ErrClosed
	}
	r := Result(call(c.p))
	var err error
	if r != ResultOK {
		err = &Error{Code: r, Detail: c.errorText()}
	}
	runtime.KeepAlive(c)
	return err
}

func strOption(set func(p *C.missive_client, s *C.char, n C.size_t) C.enum_missive_result, v string) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			s, n := str(v)
			return set(p, s, n)
		})
	}
}

// ---- options ----

// WithHost sets the SMTP server and port (0: the default for the security option).
func WithHost(host string, port uint16) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			s, n := str(host)
			if r := C.missive_client_set_host(p, s, n); r != C.MISSIVE_RESULT_OK {
				return r
			}
			return C.missive_client_set_port(p, C.uint16_t(port))
		})
	}
}

// WithURL sets host, port, security and credentials from a URL (smtp://, smtp+starttls://,
// smtps://, smtp+plain://).
func WithURL(url string) Option {
	return strOption(func(p *C.missive_client, s *C.char, n C.size_t) C.enum_missive_result {
		return C.missive_client_set_url(p, s, n)
	}, url)
}

// WithSecurity chooses how the connection is secured.
func WithSecurity(s Security) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_security(p, C.int32_t(s))
		})
	}
}

// WithAuth sets the user name and password.
func WithAuth(username, password string) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			u, un := str(username)
			if r := C.missive_client_set_username(p, u, un); r != C.MISSIVE_RESULT_OK {
				return r
			}
			pw, pn := str(password)
			return C.missive_client_set_password(p, pw, pn)
		})
	}
}

// WithOAuth2 authenticates with XOAUTH2: a user name and an access token.
func WithOAuth2(username, token string) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			u, un := str(username)
			if r := C.missive_client_set_username(p, u, un); r != C.MISSIVE_RESULT_OK {
				return r
			}
			t, tn := str(token)
			return C.missive_client_set_oauth2_token(p, t, tn)
		})
	}
}

// WithTokenProvider authenticates with OAuth 2 tokens from f (OAUTHBEARER when the server
// offers it, else XOAUTH2) for the user name: f(false) is asked before each AUTH, and
// f(true) once more after the server refused that token, then AUTH is retried once. An error
// from f fails the send with ResultTokenProviderFailed and its text. f runs on the thread that
// opens a connection and must not call the client. A nil f removes the provider.
func WithTokenProvider(username string, f TokenFunc) Option {
	return func(c *Client) error {
		var h cgo.Handle
		if f != nil {
			h = cgo.NewHandle(f)
		}
		err := c.do(func(p *C.missive_client) C.enum_missive_result {
			if f != nil {
				u, un := str(username)
				if r := C.missive_client_set_username(p, u, un); r != C.MISSIVE_RESULT_OK {
					return r
				}
			}
			return C.missive_go_set_token_provider(p, C.uintptr_t(h))
		})
		if err != nil && h != 0 {
			h.Delete()
		}
		return err
	}
}

// WithProxy sends every connection through a proxy: "socks5://user:pass@host:port" (or
// socks5h), "socks4a://host:port", or "http://user:pass@host:port" (HTTP CONNECT). The SMTP
// host's name is resolved by the proxy and TLS runs end to end. "" removes it.
func WithProxy(url string) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			u, un := str(url)
			return C.missive_client_set_proxy(p, u, un)
		})
	}
}

// WithAuthMechanism picks the AUTH mechanism.
func WithAuthMechanism(m AuthMechanism) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_auth_mechanism(p, C.int32_t(m))
		})
	}
}

// WithTimeout sets the connect timeout and the per-command timeout (0 keeps a value).
func WithTimeout(connect, command time.Duration) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_timeouts(p, C.uint32_t(connect.Milliseconds()), C.uint32_t(command.Milliseconds()))
		})
	}
}

// WithTotalTimeout bounds one call (connect, TLS, and the transactions of that call: one
// message, one batch of a collection); 0 removes the limit (default 10 minutes).
func WithTotalTimeout(total time.Duration) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_total_timeout(p, C.uint64_t(total.Milliseconds()))
		})
	}
}

// WithDkimSigner adds a DKIM signer: every message the client delivers is signed for domain
// and selector with the PEM private key keyPEM (PKCS#8 "PRIVATE KEY" for RSA or Ed25519,
// PKCS#1 "RSA PRIVATE KEY" for RSA). Several may be given; each adds its own DKIM-Signature.
func WithDkimSigner(domain, selector string, keyPEM []byte, alg DkimAlgorithm, flags DkimFlags) Option {
	return func(c *Client) error { return c.AddDkimSigner(domain, selector, keyPEM, alg, flags) }
}

// WithDkimSignerFile is WithDkimSigner with the PEM key read from the file at keyPath.
func WithDkimSignerFile(domain, selector, keyPath string, alg DkimAlgorithm, flags DkimFlags) Option {
	return func(c *Client) error { return c.AddDkimSignerFile(domain, selector, keyPath, alg, flags) }
}

// AddDkimSigner adds a DKIM signer (see WithDkimSigner).
func (c *Client) AddDkimSigner(domain, selector string, keyPEM []byte, alg DkimAlgorithm, flags DkimFlags) error {
	return c.do(func(p *C.missive_client) C.enum_missive_result {
		d, dn := str(domain)
		s, sn := str(selector)
		k, kn := bytesArg(keyPEM)
		return C.missive_client_add_dkim_signer(p, d, dn, s, sn, k, kn, C.int32_t(alg), C.uint32_t(flags))
	})
}

// AddDkimSignerFile adds a DKIM signer with the PEM key read from keyPath.
func (c *Client) AddDkimSignerFile(domain, selector, keyPath string, alg DkimAlgorithm, flags DkimFlags) error {
	return c.do(func(p *C.missive_client) C.enum_missive_result {
		d, dn := str(domain)
		s, sn := str(selector)
		k, kn := str(keyPath)
		return C.missive_client_add_dkim_signer_file(p, d, dn, s, sn, k, kn, C.int32_t(alg), C.uint32_t(flags))
	})
}

// ClearDkimSigners removes every DKIM signer.
func (c *Client) ClearDkimSigners() error {
	return c.do(func(p *C.missive_client) C.enum_missive_result {
		return C.missive_client_clear_dkim_signers(p)
	})
}

// DkimSignerCount is the number of DKIM signers set (0 after Close).
func (c *Client) DkimSignerCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.p == nil {
		return 0
	}
	n := int(C.missive_client_dkim_signer_count(c.p))
	runtime.KeepAlive(c)
	return n
}

// WithPickupDirectory delivers into dir as .eml files instead of over SMTP.
func WithPickupDirectory(dir string) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			if r := C.missive_client_set_delivery_method(p, C.int32_t(DeliveryPickupDirectory)); r != C.MISSIVE_RESULT_OK {
				return r
			}
			s, n := str(dir)
			return C.missive_client_set_pickup_directory(p, s, n)
		})
	}
}

// WithDeliveryMethod chooses NETWORK or PICKUP_DIRECTORY delivery.
func WithDeliveryMethod(m DeliveryMethod) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_delivery_method(p, C.int32_t(m))
		})
	}
}

// WithClientName sets the EHLO name.
func WithClientName(name string) Option {
	return strOption(func(p *C.missive_client, s *C.char, n C.size_t) C.enum_missive_result {
		return C.missive_client_set_client_name(p, s, n)
	}, name)
}

// WithCAFile trusts the CA certificates of a PEM file too.
func WithCAFile(path string) Option {
	return strOption(func(p *C.missive_client, s *C.char, n C.size_t) C.enum_missive_result {
		return C.missive_client_set_ca_file(p, s, n)
	}, path)
}

// WithClientCertificate presents a client certificate (PEM chain and key files).
func WithClientCertificate(certPath, keyPath string) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			cs, cn := str(certPath)
			ks, kn := str(keyPath)
			return C.missive_client_set_client_certificate(p, cs, cn, ks, kn)
		})
	}
}

// WithMinTLSVersion sets the minimum TLS version.
func WithMinTLSVersion(v TLSVersion) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_min_tls_version(p, C.int32_t(v))
		})
	}
}

// WithDangerousAcceptInvalidCerts accepts any server certificate. Test servers only.
func WithDangerousAcceptInvalidCerts(accept bool) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_dangerous_accept_invalid_certs(p, C.bool(accept))
		})
	}
}

// WithPipelining turns use of PIPELINING on (the default) or off.
func WithPipelining(enable bool) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_pipelining(p, C.bool(enable))
		})
	}
}

// WithChunking turns use of CHUNKING (BDAT, several messages in flight) on (the default:
// used when the server offers it) or off (DATA).
func WithChunking(enable bool) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_chunking(p, C.bool(enable))
		})
	}
}

// WithRequireAllRecipients sends nothing when any recipient is refused.
func WithRequireAllRecipients(require bool) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_require_all_recipients(p, C.bool(require))
		})
	}
}

// WithProtocolLogConnectionNumbers starts each protocol-log line with its connection's
// number, "[N] " (connections numbered 1, 2, ... in the order the client opens them).
func WithProtocolLogConnectionNumbers(enabled bool) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_protocol_log_connection_numbers(p, C.bool(enabled))
		})
	}
}

// WithProtocolLog receives every SMTP line (secrets redacted); nil removes it.
func WithProtocolLog(f LogFunc) Option {
	return func(c *Client) error {
		var h cgo.Handle
		if f != nil {
			h = cgo.NewHandle(f)
		}
		err := c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_go_set_protocol_log(p, C.uintptr_t(h))
		})
		if err != nil && h != 0 {
			h.Delete()
		}
		return err
	}
}

// WithMultiConnection sends collections over n connections at once (1 to 64); n <= 1 turns
// it off.
func WithMultiConnection(n int) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			if n <= 1 {
				return C.missive_client_set_multi_connection(p, false)
			}
			if r := C.missive_client_set_connections(p, C.size_t(n)); r != C.MISSIVE_RESULT_OK {
				return r
			}
			return C.missive_client_set_multi_connection(p, true)
		})
	}
}

// WithBatchSize sets the most messages per batch of a collection send (1 to 10000; default
// 100). A collection of n messages over c connections goes in batches of ceil(n / c), at most
// this many.
func WithBatchSize(n int) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			if n < 1 {
				return C.MISSIVE_RESULT_INVALID_ARGUMENT
			}
			return C.missive_client_set_batch_size(p, C.size_t(n))
		})
	}
}

// WithRetryPolicy bounds the attempts per message of a collection after transient failures;
// retryUnknown also resends a message whose outcome is unknown (it may arrive twice).
func WithRetryPolicy(maxAttempts int, retryUnknown bool) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_retry_policy(p, C.uint32_t(maxAttempts), C.bool(retryUnknown))
		})
	}
}

// WithProgress receives the progress of collection sends; returning false cancels. nil
// removes it.
func WithProgress(f ProgressFunc) Option {
	return func(c *Client) error {
		var h cgo.Handle
		if f != nil {
			h = cgo.NewHandle(f)
		}
		err := c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_go_set_progress(p, C.uintptr_t(h))
		})
		if err != nil && h != 0 {
			h.Delete()
		}
		return err
	}
}

// Set applies options to an existing client.
func (c *Client) Set(opts ...Option) error {
	for _, o := range opts {
		if err := o(c); err != nil {
			return err
		}
	}
	return nil
}

// ---- sending ----

// run calls a blocking C function honouring ctx: it returns ctx.Err() as soon as ctx is done.
// The C API cannot abandon an SMTP exchange yet, so one already under way then finishes in the
// background (holding the locks, so Close waits for it).
func run[T any](ctx context.Context, call func() T) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if ctx.Done() == nil {
		return call(), nil
	}
	done := make(chan T, 1)
	go func() { done <- call() }()
	select {
	case v := <-done:
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

type sendOutcome struct {
	result *SendResult
	err    error
}

func (c *Client) finish(r C.enum_missive_result, raw *C.missive_send_result) sendOutcome {
	res := copyResult(raw)
	C.missive_send_result_free(raw)
	if Result(r) == ResultOK {
		return sendOutcome{result: res}
	}
	// The send's own detail; the client's text only when no result was made (argument errors).
	var detail string
	if res != nil {
		detail = res.Detail
	} else {
		detail = c.errorText()
	}
	return sendOutcome{result: res, err: &SendError{Code: Result(r), Detail: detail, Result: res}}
}

// Send delivers one message. A failure is a *SendError (errors.As) carrying the server's reply
// and the refused recipients; with ResultSomeRecipientsRejected the others did get it
// (SendError.Result.Delivered).
func (c *Client) Send(ctx context.Context, m *Message) (*SendResult, error) {
	out, err := run(ctx, func() sendOutcome {
		c.mu.RLock()
		defer c.mu.RUnlock()
		m.mu.RLock()
		defer m.mu.RUnlock()
		if c.p == nil || m.p == nil {
			return sendOutcome{err: ErrClosed}
		}
		var raw *C.missive_send_result
		r := C.missive_client_send(c.p, m.p, &raw)
		o := c.finish(r, raw)
		runtime.KeepAlive(c)
		runtime.KeepAlive(m)
		return o
	})
	if err != nil {
		return nil, err
	}
	return out.result, out.err
}

// SendCollection delivers every message of a collection, in order, and reports each one; a
// failure of one message does not stop the others. Unless all were delivered the error is a
// *BulkError (carrying the same result). A done ctx cancels: messages not yet started are
// reported BulkNotAttempted.
func (c *Client) SendCollection(ctx context.Context, coll *Collection) (*BulkResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	op, err := c.SendCollectionAsync(coll)
	if err != nil {
		return nil, err
	}
	defer op.Close()
	select {
	case <-op.Done():
	case <-ctx.Done():
		_ = op.Cancel()
		<-op.Done()
	}
	return op.Wait(context.Background())
}

// SendAll delivers messages as one collection (see SendCollection).
func (c *Client) SendAll(ctx context.Context, msgs ...*Message) (*BulkResult, error) {
	coll := NewCollection()
	defer coll.Close()
	for _, m := range msgs {
		if err := coll.Add(m); err != nil {
			return nil, err
		}
	}
	return c.SendCollection(ctx, coll)
}

// SendCollectionSync is SendCollection on the calling goroutine's thread, through the
// blocking C call (the progress callback then runs on this thread).
func (c *Client) SendCollectionSync(coll *Collection) (*BulkResult, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	coll.mu.RLock()
	defer coll.mu.RUnlock()
	if c.p == nil || coll.p == nil {
		return nil, ErrClosed
	}
	var raw *C.missive_bulk_result
	r := Result(C.missive_client_send_collection(c.p, coll.p, &raw))
	res := copyBulkResult(raw)
	C.missive_bulk_result_free(raw)
	var err error
	if r != ResultOK {
		err = &BulkError{Code: r, Detail: c.errorText(), Result: res}
	}
	runtime.KeepAlive(c)
	runtime.KeepAlive(coll)
	return res, err
}

// SendRaw sends message bytes as they are, with an explicit envelope.
func (c *Client) SendRaw(ctx context.Context, mailFrom string, recipients []string, data []byte) (*SendResult, error) {
	rcpts := strings.Join(recipients, ",")
	out, err := run(ctx, func() sendOutcome {
		c.mu.RLock()
		defer c.mu.RUnlock()
		if c.p == nil {
			return sendOutcome{err: ErrClosed}
		}
		f, fn := str(mailFrom)
		rs, rn := str(rcpts)
		d, dn := bytesArg(data)
		var raw *C.missive_send_result
		r := C.missive_client_send_raw(c.p, f, fn, rs, rn, d, dn, &raw)
		o := c.finish(r, raw)
		runtime.KeepAlive(c)
		runtime.KeepAlive(data)
		return o
	})
	if err != nil {
		return nil, err
	}
	return out.result, out.err
}

// Noop checks the server is reachable (NOOP on the kept connection).
func (c *Client) Noop(ctx context.Context) error {
	err, cerr := run(ctx, func() error {
		return c.do(func(p *C.missive_client) C.enum_missive_result { return C.missive_client_noop(p) })
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// ValidateCredentials connects and authenticates on a connection of its own.
func (c *Client) ValidateCredentials(ctx context.Context) error {
	err, cerr := run(ctx, func() error {
		return c.do(func(p *C.missive_client) C.enum_missive_result { return C.missive_client_validate_credentials(p) })
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// Capabilities lists the server's EHLO capabilities.
func (c *Client) Capabilities(ctx context.Context) ([]string, error) {
	type caps struct {
		list []string
		err  error
	}
	out, err := run(ctx, func() caps {
		var text string
		e := c.do(func(p *C.missive_client) C.enum_missive_result {
			r, s := fetchText(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
				return C.missive_client_capabilities(p, b, n, o)
			})
			text = s
			return C.enum_missive_result(r)
		})
		if e != nil {
			return caps{err: e}
		}
		return caps{list: strings.Split(text, "\n")}
	})
	if err != nil {
		return nil, err
	}
	return out.list, out.err
}

// Disconnect QUITs and closes the kept SMTP connections (the next send opens a new one).
func (c *Client) Disconnect() error {
	return c.do(func(p *C.missive_client) C.enum_missive_result { return C.missive_client_close(p) })
}

// copyResult copies a C send result into Go values (nil for NULL).
func copyResult(raw *C.missive_send_result) *SendResult {
	if raw == nil {
		return nil
	}
	text := func(call func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result) string {
		r, s := fetchText(call)
		if r != ResultOK {
			return ""
		}
		return s
	}
	res := &SendResult{
		// First: the error text belongs to the most recent call on the result.
		Err: text(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_send_result_error(raw, b, n, o)
		}),
	}
	res.Code = Result(C.missive_send_result_code(raw))
	res.Detail = text(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_send_result_detail(raw, b, n, o)
	})
	res.Delivered = bool(C.missive_send_result_delivered(raw))
	res.Transient = bool(C.missive_send_result_is_transient(raw))
	res.OutcomeUnknown = bool(C.missive_send_result_outcome_unknown(raw))
	res.ReplyCode = int(C.missive_send_result_reply_code(raw))
	field := func(which C.int32_t) string {
		return text(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_send_result_text(raw, which, b, n, o)
		})
	}
	res.ReplyText = field(C.MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT)
	res.EnhancedCode = field(C.MISSIVE_SEND_RESULT_FIELD_ENHANCED_CODE)
	res.QueueID = field(C.MISSIVE_SEND_RESULT_FIELD_QUEUE_ID)
	res.PickupPath = field(C.MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH)
	for i := C.size_t(0); i < C.missive_send_result_accepted_count(raw); i++ {
		res.Accepted = append(res.Accepted, text(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_send_result_accepted(raw, i, b, n, o)
		}))
	}
	for i := C.size_t(0); i < C.missive_send_result_rejected_count(raw); i++ {
		var code C.uint16_t
		addr := text(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_send_result_rejected(raw, i, b, n, o, &code)
		})
		reply := text(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_send_result_rejected_reply(raw, i, b, n, o)
		})
		res.Rejected = append(res.Rejected, RejectedRecipient{Address: addr, ReplyCode: int(code), Reply: reply})
	}
	return res
}
