package missive

/*
#include <stdint.h>
#include <stddef.h>
#include "missive.h"
*/
import "C"

import (
	"fmt"
	"io"
	"runtime/cgo"
	"unsafe"
)

// LogFunc receives one protocol line. It may run on several goroutines' threads at once and
// must not call the client.
type LogFunc func(direction LogDirection, line string)

//export missiveGoLog
func missiveGoLog(userdata unsafe.Pointer, direction C.int32_t, line *C.char, n C.size_t) {
	defer func() { _ = recover() }() // a panic must not unwind into the library
	f := cgo.Handle(uintptr(userdata)).Value().(LogFunc)
	f(LogDirection(direction), C.GoStringN(line, C.int(n)))
}

//export missiveGoFree
func missiveGoFree(userdata unsafe.Pointer) {
	cgo.Handle(uintptr(userdata)).Delete()
}

// TokenFunc gives an OAuth 2 access token; refresh is true when the server has just refused
// the last one.
type TokenFunc func(refresh bool) (string, error)

//export missiveGoToken
func missiveGoToken(userdata unsafe.Pointer, refresh C._Bool, buf *C.char, bufLen C.size_t, outLen *C.size_t) (ret C.int32_t) {
	var text string
	code := C.int32_t(C.MISSIVE_RESULT_OK)
	func() {
		defer func() {
			if p := recover(); p != nil {
				text = fmt.Sprintf("the token provider panicked: %v", p)
				code = C.int32_t(C.MISSIVE_RESULT_TOKEN_PROVIDER_FAILED)
			}
		}()
		f := cgo.Handle(uintptr(userdata)).Value().(TokenFunc)
		token, err := f(bool(refresh))
		if err != nil {
			text = err.Error()
			code = C.int32_t(C.MISSIVE_RESULT_TOKEN_PROVIDER_FAILED)
		} else {
			text = token
		}
	}()
	if C.size_t(len(text)) > bufLen {
		if code == C.int32_t(C.MISSIVE_RESULT_OK) {
			*outLen = C.size_t(len(text))
			return C.int32_t(C.MISSIVE_RESULT_BUFFER_TOO_SMALL)
		}
		text = text[:bufLen] // an error message is cut to fit
	}
	if len(text) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(buf)), len(text)), text)
	}
	*outLen = C.size_t(len(text))
	return code
}

// Progress of a collection send.
type Progress struct {
	Done, Sent, Failed, Total int
	BytesSent, BytesTotal     uint64
}

// ProgressFunc receives the progress of a collection send; returning false cancels it. It
// runs on the sending goroutine's thread or on a library thread.
type ProgressFunc func(Progress) bool

//export missiveGoProgress
func missiveGoProgress(userdata unsafe.Pointer, p *C.missive_progress) (ret C.int32_t) {
	defer func() {
		if recover() != nil {
			ret = 1
		}
	}()
	f := cgo.Handle(uintptr(userdata)).Value().(ProgressFunc)
	if f(Progress{Done: int(p.done), Sent: int(p.sent), Failed: int(p.failed), Total: int(p.total),
		BytesSent: uint64(p.bytes_sent), BytesTotal: uint64(p.bytes_total)}) {
		return 0
	}
	return 1
}

//export missiveGoComplete
func missiveGoComplete(userdata unsafe.Pointer, code C.enum_missive_result, result *C.missive_bulk_result) {
	defer func() { _ = recover() }()
	close(cgo.Handle(uintptr(userdata)).Value().(chan struct{}))
}

// reader state for Client.ForwardReader.
type readState struct {
	r   io.Reader
	err error
}

//export missiveGoRead
func missiveGoRead(userdata unsafe.Pointer, buf *C.uint8_t, n C.size_t) (ret C.int64_t) {
	st := cgo.Handle(uintptr(userdata)).Value().(*readState)
	defer func() {
		if p := recover(); p != nil {
			st.err = fmt.Errorf("missive: reader panicked: %v", p)
			ret = -1
		}
	}()
	if n == 0 {
		return 0
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
	for {
		k, err := st.r.Read(dst)
		if k > 0 {
			return C.int64_t(k)
		}
		if err == io.EOF {
			return 0
		}
		if err != nil {
			st.err = err
			return -1
		}
	}
}
