package missive

/*
#include "missive.h"
*/
import "C"

import (
	"runtime"
	"sync"
)

// Collection is an ordered list of messages sent together (Client.SendCollection). Add stores
// a copy. Close frees it (idempotent); a finalizer frees a forgotten one.
type Collection struct {
	mu sync.RWMutex
	p  *C.missive_message_collection
}

// NewCollection makes an empty collection.
func NewCollection() *Collection {
	p := C.missive_message_collection_new()
	if p == nil {
		panic("missive: missive_message_collection_new failed")
	}
	c := &Collection{p: p}
	runtime.SetFinalizer(c, (*Collection).Close)
	return c
}

// Close frees the collection and its copies. Calling it again does nothing.
func (c *Collection) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil {
		C.missive_message_collection_free(c.p)
		c.p = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

func (c *Collection) errorText() string {
	_, s := fetchText(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_collection_error(c.p, b, n, o)
	})
	return s
}

// Add appends a copy of m (the caller still closes m).
func (c *Collection) Add(m *Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if c.p == nil || m.p == nil {
		return ErrClosed
	}
	r := Result(C.missive_message_collection_add(c.p, m.p))
	var err error
	if r != ResultOK {
		err = &Error{Code: r, Detail: c.errorText()}
	}
	runtime.KeepAlive(c)
	runtime.KeepAlive(m)
	return err
}

// Len is the number of messages.
func (c *Collection) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.p == nil {
		return 0
	}
	n := int(C.missive_message_collection_len(c.p))
	runtime.KeepAlive(c)
	return n
}

// Get gives a copy of the message at index (close it).
func (c *Collection) Get(index int) (*Message, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.p == nil {
		return nil, ErrClosed
	}
	if index < 0 {
		return nil, &Error{Code: ResultIndexOutOfRange}
	}
	borrowed := C.missive_message_collection_get(c.p, C.size_t(index))
	if borrowed == nil {
		return nil, &Error{Code: ResultIndexOutOfRange}
	}
	cp := C.missive_message_clone(borrowed)
	runtime.KeepAlive(c)
	if cp == nil {
		return nil, &Error{Code: ResultPanic}
	}
	return wrapMessage(cp), nil
}
