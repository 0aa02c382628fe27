package missive

/*
#include <stdint.h>
#include "missive.h"

extern void missiveGoComplete(void *userdata, enum missive_result code, missive_bulk_result *result);
extern void missiveGoFree(void *userdata);

static enum missive_result missive_go_start_send(missive_client *client,
		const missive_message *message, uintptr_t handle, missive_operation **op) {
	return missive_client_send_async(client, message, (missive_completion_cb)missiveGoComplete,
	                                 (void *)handle, missiveGoFree, op);
}

static enum missive_result missive_go_start_collection(missive_client *client,
		const missive_message_collection *collection, uintptr_t handle, missive_operation **op) {
	return missive_client_send_collection_async(client, collection,
	                                            (missive_completion_cb)missiveGoComplete,
	                                            (void *)handle, missiveGoFree, op);
}
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
)

// Operation is a send running in the background (Client.SendAsync, SendCollectionAsync).
// Close frees the handle (idempotent; it does not cancel the send); a finalizer frees a
// forgotten one.
type Operation struct {
	mu     sync.RWMutex
	p      *C.missive_operation
	done   chan struct{}
	single bool
	detail string // the client's error text is not the operation's: kept from the start
}

func startOperation(single bool, start func(h C.uintptr_t, op **C.missive_operation) Result) (*Operation, error) {
	done := make(chan struct{})
	h := cgo.NewHandle(done)
	var p *C.missive_operation
	if r := start(C.uintptr_t(h), &p); r != ResultOK {
		h.Delete() // on failure the library never calls the callbacks
		return nil, r
	}
	o := &Operation{p: p, done: done, single: single}
	runtime.SetFinalizer(o, (*Operation).Close)
	return o, nil
}

// SendAsync starts sending m in the background and returns at once (m is copied first).
func (c *Client) SendAsync(m *Message) (*Operation, error) {
	var detail string
	op, err := startOperation(true, func(h C.uintptr_t, op **C.missive_operation) Result {
		c.mu.RLock()
		defer c.mu.RUnlock()
		m.mu.RLock()
		defer m.mu.RUnlock()
		if c.p == nil || m.p == nil {
			return ResultNullArgument
		}
		r := Result(C.missive_go_start_send(c.p, m.p, h, op))
		if r != ResultOK {
			detail = c.errorText()
		}
		runtime.KeepAlive(c)
		runtime.KeepAlive(m)
		return r
	})
	return op, startError(err, detail)
}

// SendCollectionAsync starts sending a collection in the background (the messages are copied
// first), with the client's multi-connection, retry and progress settings.
func (c *Client) SendCollectionAsync(coll *Collection) (*Operation, error) {
	var detail string
	op, err := startOperation(false, func(h C.uintptr_t, op **C.missive_operation) Result {
		c.mu.RLock()
		defer c.mu.RUnlock()
		coll.mu.RLock()
		defer coll.mu.RUnlock()
		if c.p == nil || coll.p == nil {
			return ResultNullArgument
		}
		r := Result(C.missive_go_start_collection(c.p, coll.p, h, op))
		if r != ResultOK {
			detail = c.errorText()
		}
		runtime.KeepAlive(c)
		runtime.KeepAlive(coll)
		return r
	})
	return op, startError(err, detail)
}

func startError(err error, detail string) error {
	if err == nil {
		return nil
	}
	if r, ok := err.(Result); ok {
		if r == ResultNullArgument {
			return ErrClosed
		}
		return &Error{Code: r, Detail: detail}
	}
	return err
}

// Done is closed when the operation has completed.
func (o *Operation) Done() <-chan struct{} { return o.done }

// Wait waits for the operation (or ctx) and gives its outcomes. For SendAsync a failure is a
// *SendError; for a collection a *BulkError. A done ctx returns ctx.Err() and leaves the
// operation running (Cancel stops it).
func (o *Operation) Wait(ctx context.Context) (*BulkResult, error) {
	select {
	case <-o.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.p == nil {
		return nil, ErrClosed
	}
	// The completion callback has run; wait until the library has marked the operation done.
	code := Result(C.missive_operation_wait(o.p, -1))
	res := copyBulkResult(C.missive_operation_result(o.p))
	var err error
	if code != ResultOK {
		detail := o.errorText()
		if o.single && res != nil && len(res.Items) == 1 {
			own := res.Items[0].Error
			if r := res.Items[0].Result; r != nil {
				own = r.Detail
			}
			err = &SendError{Code: code, Detail: firstNonEmpty(own, detail), Result: res.Items[0].Result}
		} else {
			err = &BulkError{Code: code, Detail: detail, Result: res}
		}
	}
	runtime.KeepAlive(o)
	return res, err
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// WaitTimeout waits at most d (negative: no limit) and returns ResultPending when the time ran
// out first, else the operation's code.
func (o *Operation) WaitTimeout(d time.Duration) Result {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.p == nil {
		return ResultNullArgument
	}
	ms := d.Milliseconds()
	if d < 0 {
		ms = -1
	}
	r := Result(C.missive_operation_wait(o.p, C.int64_t(ms)))
	runtime.KeepAlive(o)
	return r
}

// Cancel stops the operation: batches being sent finish, the rest is not attempted.
func (o *Operation) Cancel() error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.p == nil {
		return ErrClosed
	}
	r := Result(C.missive_operation_cancel(o.p))
	runtime.KeepAlive(o)
	if r != ResultOK {
		return &Error{Code: r, Detail: o.errorText()}
	}
	return nil
}

// IsDone reports whether the operation has completed.
func (o *Operation) IsDone() bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.p == nil {
		return false
	}
	v := bool(C.missive_operation_is_done(o.p))
	runtime.KeepAlive(o)
	return v
}

// Code is ResultPending while the operation runs, then its outcome.
func (o *Operation) Code() Result {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.p == nil {
		return ResultNullArgument
	}
	r := Result(C.missive_operation_result_code(o.p))
	runtime.KeepAlive(o)
	return r
}

func (o *Operation) errorText() string {
	_, s := fetchText(func(b *C.char, n C.size_t, out *C.size_t) C.enum_missive_result {
		return C.missive_operation_error(o.p, b, n, out)
	})
	return s
}

// Close frees the operation handle (the send goes on unless cancelled). Idempotent.
func (o *Operation) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.p != nil {
		C.missive_operation_free(o.p)
		o.p = nil
		runtime.SetFinalizer(o, nil)
	}
	return nil
}

// copyBulkResult copies a C bulk result into Go values (nil for NULL).
func copyBulkResult(raw *C.missive_bulk_result) *BulkResult {
	if raw == nil {
		return nil
	}
	_, errText := fetchText(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_bulk_result_error(raw, b, n, o)
	})
	res := &BulkResult{
		Err:          errText,
		Code:         Result(C.missive_bulk_result_code(raw)),
		Cancelled:    bool(C.missive_bulk_result_was_cancelled(raw)),
		Sent:         int(C.missive_bulk_result_count(raw, C.int32_t(BulkSent))),
		Failed:       int(C.missive_bulk_result_count(raw, C.int32_t(BulkFailed))),
		Unknown:      int(C.missive_bulk_result_count(raw, C.int32_t(BulkUnknown))),
		NotAttempted: int(C.missive_bulk_result_count(raw, C.int32_t(BulkNotAttempted))),
	}
	n := int(C.missive_bulk_result_len(raw))
	res.Items = make([]BulkItem, n)
	for i := 0; i < n; i++ {
		var status C.int32_t
		var code C.enum_missive_result
		it := &res.Items[i]
		if Result(C.missive_bulk_result_item(raw, C.size_t(i), &status, &code)) == ResultOK {
			it.Status, it.Code = BulkStatus(status), Result(code)
		}
		_, it.Error = fetchText(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_bulk_result_message_error(raw, C.size_t(i), b, n, o)
		})
		it.Result = copyResult(C.missive_bulk_result_get(raw, C.size_t(i)))
	}
	return res
}
