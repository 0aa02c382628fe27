package missive

/*
#include <stdint.h>
#include "missive.h"

extern int64_t missiveGoRead(void *userdata, uint8_t *buf, size_t len);

static enum missive_result missive_go_forward_stream(missive_client *client, uintptr_t handle,
		int64_t size_hint, const char *from, size_t from_len, const char *rcpts,
		size_t rcpts_len, missive_send_result **out) {
	return missive_client_forward_stream(client, (missive_read_cb)missiveGoRead, (void *)handle,
	                                     size_hint, from, from_len, rcpts, rcpts_len, out);
}
*/
import "C"

import (
	"context"
	"io"
	"os"
	"runtime"
	"runtime/cgo"
	"strings"
)

// WithForwardSender sets the forwarding address: the envelope sender of every forward, the
// Resent-From of ForwardResend and the From of ForwardAttach.
func WithForwardSender(address string) Option {
	return strOption(func(p *C.missive_client, s *C.char, n C.size_t) C.enum_missive_result {
		return C.missive_client_set_forward_sender(p, s, n)
	}, address)
}

// sendLike runs one call that makes a send result, honouring ctx as Send does.
func (c *Client) sendLike(ctx context.Context, call func(p *C.missive_client, out **C.missive_send_result) C.enum_missive_result) (*SendResult, error) {
	out, err := run(ctx, func() sendOutcome {
		c.mu.RLock()
		defer c.mu.RUnlock()
		if c.p == nil {
			return sendOutcome{err: ErrClosed}
		}
		var raw *C.missive_send_result
		r := call(c.p, &raw)
		o := c.finish(r, raw)
		runtime.KeepAlive(c)
		return o
	})
	if err != nil {
		return nil, err
	}
	return out.result, out.err
}

// Forward sends m to recipients (and nobody else) in the given mode; m is not changed.
func (c *Client) Forward(ctx context.Context, m *Message, mode ForwardMode, recipients ...string) (*SendResult, error) {
	rcpts := strings.Join(recipients, ",")
	return c.sendLike(ctx, func(p *C.missive_client, out **C.missive_send_result) C.enum_missive_result {
		m.mu.RLock()
		defer m.mu.RUnlock()
		if m.p == nil {
			return C.MISSIVE_RESULT_NULL_ARGUMENT
		}
		s, n := str(rcpts)
		r := C.missive_client_forward(p, m.p, C.int32_t(mode), s, n, out)
		runtime.KeepAlive(m)
		return r
	})
}

// ForwardFile forwards the .eml file at path without loading it: a new envelope, the bytes
// unchanged but for Bcc header fields; memory does not grow with the file.
func (c *Client) ForwardFile(ctx context.Context, path, mailFrom string, recipients ...string) (*SendResult, error) {
	rcpts := strings.Join(recipients, ",")
	return c.sendLike(ctx, func(p *C.missive_client, out **C.missive_send_result) C.enum_missive_result {
		ps, pn := str(path)
		fs, fn := str(mailFrom)
		rs, rn := str(rcpts)
		return C.missive_client_forward_file(p, ps, pn, fs, fn, rs, rn, out)
	})
}

// ForwardOSFile forwards the message in f, from its offset to its end (f stays open).
func (c *Client) ForwardOSFile(ctx context.Context, f *os.File, mailFrom string, recipients ...string) (*SendResult, error) {
	rcpts := strings.Join(recipients, ",")
	res, err := c.sendLike(ctx, func(p *C.missive_client, out **C.missive_send_result) C.enum_missive_result {
		fs, fn := str(mailFrom)
		rs, rn := str(rcpts)
		return C.missive_client_forward_fd(p, C.int32_t(f.Fd()), fs, fn, rs, rn, out)
	})
	runtime.KeepAlive(f)
	return res, err
}

// ForwardReader forwards the message r yields, streaming it (nothing is read before the
// server accepted the envelope). sizeHint is its size when known, else -1. An error from r
// aborts the transaction: nothing is delivered and the error is returned.
func (c *Client) ForwardReader(ctx context.Context, r io.Reader, sizeHint int64, mailFrom string, recipients ...string) (*SendResult, error) {
	rcpts := strings.Join(recipients, ",")
	st := &readState{r: r}
	h := cgo.NewHandle(st)
	defer h.Delete()
	res, err := c.sendLike(ctx, func(p *C.missive_client, out **C.missive_send_result) C.enum_missive_result {
		fs, fn := str(mailFrom)
		rs, rn := str(rcpts)
		return C.missive_go_forward_stream(p, C.uintptr_t(h), C.int64_t(sizeHint), fs, fn, rs, rn, out)
	})
	if st.err != nil && err != nil {
		return res, &SendError{Code: ResultIO, Detail: st.err.Error(), Result: res}
	}
	return res, err
}
