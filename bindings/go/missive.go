// Package missive sends email through the missive library (a Rust core behind a C ABI).
//
//	c, err := missive.NewClient(
//		missive.WithHost("smtp.example.com", 587),
//		missive.WithSecurity(missive.SecuritySSLExplicit),
//		missive.WithAuth("me@example.com", "app-password"),
//		missive.WithTimeout(10*time.Second, 60*time.Second))
//	if err != nil { ... }
//	defer c.Close()
//	m := missive.NewMessage()
//	defer m.Close()
//	m.SetFrom("Me <me@example.com>")
//	m.AddTo("you@example.org")
//	m.SetSubject("Hello")
//	m.SetBody("Sent with missive.\n")
//	res, err := c.Send(ctx, m)
//	var se *missive.SendError
//	if errors.As(err, &se) { ... se.ReplyCode, se.Rejected, se.Temporary() ... }
//
// # Getting and linking it
//
// The module is example.invalid/missive/bindings/go (the repository's path plus
// /bindings/go; the package is named missive). It carries its own copy of the C header
// (missive.h, checked against the library's), and finds the native library with pkg-config
// (#cgo pkg-config: missive), so a program needs nothing but PKG_CONFIG_PATH:
//
//	cmake --install build --prefix /opt/missive      # the library, missive.pc, the header
//	export PKG_CONFIG_PATH=/opt/missive/lib/pkgconfig # (lib64 or lib/<multiarch> on some systems)
//	go get example.invalid/missive/bindings/go
//	go build
//
// The installed missive.pc puts -Wl,-rpath,<libdir> into Libs, so the program finds
// libmissive.so again at run time without LD_LIBRARY_PATH. From a checkout, a CMake build
// writes a missive.pc for the build tree into <build>/pkgconfig:
//
//	cmake -S . -B build && cmake --build build
//	export PKG_CONFIG_PATH=$PWD/build/pkgconfig
//
// (with a replace directive pointing the module path at bindings/go, as examples/go/go.mod
// does). Without pkg-config, build with -tags missive_no_pkgconfig and give the linker flags
// yourself: CGO_LDFLAGS="-L<libdir> -Wl,-rpath,<libdir>" go build -tags missive_no_pkgconfig.
//
// # Errors
//
// A failed call returns *Error; a failed send *SendError (the server's reply, refused
// recipients, Temporary, Timeout); a collection send *BulkError. All of them match their
// Result with errors.Is (errors.Is(err, missive.ResultAuthFailed)), and the standard errors
// where one applies: fs.ErrNotExist (a missing file), fs.ErrPermission (os.ErrPermission),
// context.DeadlineExceeded (a timeout) and context.Canceled (a cancelled send).
//
// Every handle (Client, Message, Collection) has an idempotent Close and a finalizer as a
// safety net. Error details are read from the handle that failed, right after the call and
// under the handle's lock: never from thread-local state, which a goroutine could read on
// another OS thread.
package missive

/*
#include <stdlib.h>
#include "missive.h"
*/
import "C"

import (
	"context"
	"io/fs"
	"strconv"
	"unsafe"
)

// Version is the native library's version, e.g. "0.1.0".
func Version() string { return C.GoString(C.missive_version()) }

// HeaderVersion is the version of the header this package was compiled against.
const HeaderVersion = C.MISSIVE_VERSION

// Security says how the SMTP connection is secured.
type Security int32

const (
	SecurityNone        Security = C.MISSIVE_SECURITY_NONE
	SecuritySSLExplicit Security = C.MISSIVE_SECURITY_SSL_EXPLICIT // STARTTLS required
	SecuritySSLImplicit Security = C.MISSIVE_SECURITY_SSL_IMPLICIT // TLS from the first byte
	SecurityAuto        Security = C.MISSIVE_SECURITY_AUTO
)

// DeliveryMethod says where Send puts messages.
type DeliveryMethod int32

const (
	DeliveryNetwork         DeliveryMethod = C.MISSIVE_DELIVERY_METHOD_NETWORK
	DeliveryPickupDirectory DeliveryMethod = C.MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY
)

// RecipientKind names an address list of a message.
type RecipientKind int32

const (
	To      RecipientKind = C.MISSIVE_RECIPIENT_KIND_TO
	Cc      RecipientKind = C.MISSIVE_RECIPIENT_KIND_CC
	Bcc     RecipientKind = C.MISSIVE_RECIPIENT_KIND_BCC
	ReplyTo RecipientKind = C.MISSIVE_RECIPIENT_KIND_REPLY_TO
)

// PartKind names a list of parts of a message.
type PartKind int32

const (
	PartAttachment     PartKind = C.MISSIVE_PART_KIND_ATTACHMENT
	PartInlineResource PartKind = C.MISSIVE_PART_KIND_INLINE_RESOURCE
	PartAlternateView  PartKind = C.MISSIVE_PART_KIND_ALTERNATE_VIEW
)

// PartField names a field of a part.
type PartField int32

const (
	FieldName        PartField = C.MISSIVE_PART_FIELD_NAME
	FieldContentType PartField = C.MISSIVE_PART_FIELD_CONTENT_TYPE
	FieldContentID   PartField = C.MISSIVE_PART_FIELD_CONTENT_ID
	FieldContent     PartField = C.MISSIVE_PART_FIELD_CONTENT
	FieldCharset     PartField = C.MISSIVE_PART_FIELD_CHARSET
)

// Priority of a message.
type Priority int32

const (
	PriorityNormal Priority = C.MISSIVE_PRIORITY_NORMAL
	PriorityLow    Priority = C.MISSIVE_PRIORITY_LOW
	PriorityHigh   Priority = C.MISSIVE_PRIORITY_HIGH
)

// DSNNotify flags (RFC 3461 NOTIFY), OR-ed together.
type DSNNotify uint32

const (
	DSNDefault DSNNotify = C.MISSIVE_DSN_NOTIFY_DEFAULT
	DSNSuccess DSNNotify = C.MISSIVE_DSN_NOTIFY_SUCCESS
	DSNFailure DSNNotify = C.MISSIVE_DSN_NOTIFY_FAILURE
	DSNDelay   DSNNotify = C.MISSIVE_DSN_NOTIFY_DELAY
	DSNNever   DSNNotify = C.MISSIVE_DSN_NOTIFY_NEVER
)

// DSNReturn says what a failure notification returns (RFC 3461 RET).
type DSNReturn int32

const (
	DSNReturnDefault DSNReturn = C.MISSIVE_DSN_RET_DEFAULT
	DSNReturnFull    DSNReturn = C.MISSIVE_DSN_RET_FULL
	DSNReturnHeaders DSNReturn = C.MISSIVE_DSN_RET_HEADERS
)

// AuthMechanism is an SMTP AUTH mechanism.
type AuthMechanism int32

const (
	AuthAuto    AuthMechanism = C.MISSIVE_AUTH_MECHANISM_AUTO
	AuthPlain   AuthMechanism = C.MISSIVE_AUTH_MECHANISM_PLAIN
	AuthLogin   AuthMechanism = C.MISSIVE_AUTH_MECHANISM_LOGIN
	AuthCramMD5 AuthMechanism = C.MISSIVE_AUTH_MECHANISM_CRAM_MD5
	AuthXOAuth2 AuthMechanism = C.MISSIVE_AUTH_MECHANISM_XOAUTH2
	// AuthScramSHA256 is SCRAM-SHA-256 (RFC 7677); the server's signature is verified.
	AuthScramSHA256 AuthMechanism = C.MISSIVE_AUTH_MECHANISM_SCRAM_SHA256
	// AuthScramSHA1 is SCRAM-SHA-1 (RFC 5802).
	AuthScramSHA1 AuthMechanism = C.MISSIVE_AUTH_MECHANISM_SCRAM_SHA1
	// AuthOAuthBearer is OAUTHBEARER (RFC 7628), with a token like XOAUTH2.
	AuthOAuthBearer AuthMechanism = C.MISSIVE_AUTH_MECHANISM_OAUTHBEARER
)

// TLSVersion is a minimum TLS version.
type TLSVersion int32

const (
	TLS12 TLSVersion = C.MISSIVE_TLS_VERSION_TLS12
	TLS13 TLSVersion = C.MISSIVE_TLS_VERSION_TLS13
)

// LogDirection tells a protocol-log line's direction.
type LogDirection int32

const (
	LogSent     LogDirection = C.MISSIVE_LOG_DIRECTION_SENT
	LogReceived LogDirection = C.MISSIVE_LOG_DIRECTION_RECEIVED
)

// Result is a result code of the C library. It is an error, so that errors.Is(err,
// missive.ResultAuthFailed) tells what failed.
type Result int32

const (
	ResultOK                       Result = C.MISSIVE_RESULT_OK
	ResultNullArgument             Result = C.MISSIVE_RESULT_NULL_ARGUMENT
	ResultInvalidArgument          Result = C.MISSIVE_RESULT_INVALID_ARGUMENT
	ResultInvalidUTF8              Result = C.MISSIVE_RESULT_INVALID_UTF8
	ResultBufferTooSmall           Result = C.MISSIVE_RESULT_BUFFER_TOO_SMALL
	ResultPanic                    Result = C.MISSIVE_RESULT_PANIC
	ResultIndexOutOfRange          Result = C.MISSIVE_RESULT_INDEX_OUT_OF_RANGE
	ResultNotFound                 Result = C.MISSIVE_RESULT_NOT_FOUND
	ResultConnectFailed            Result = C.MISSIVE_RESULT_CONNECT_FAILED
	ResultTimeout                  Result = C.MISSIVE_RESULT_TIMEOUT
	ResultTLSFailed                Result = C.MISSIVE_RESULT_TLS_FAILED
	ResultCertificateInvalid       Result = C.MISSIVE_RESULT_CERTIFICATE_INVALID
	ResultStartTLSNotOffered       Result = C.MISSIVE_RESULT_START_TLS_NOT_OFFERED
	ResultConnectionLost           Result = C.MISSIVE_RESULT_CONNECTION_LOST
	ResultOutcomeUnknown           Result = C.MISSIVE_RESULT_OUTCOME_UNKNOWN
	ResultProxyFailed              Result = C.MISSIVE_RESULT_PROXY_FAILED
	ResultProxyRefused             Result = C.MISSIVE_RESULT_PROXY_REFUSED
	ResultProxyAuthFailed          Result = C.MISSIVE_RESULT_PROXY_AUTH_FAILED
	ResultServerRejected           Result = C.MISSIVE_RESULT_SERVER_REJECTED
	ResultAuthFailed               Result = C.MISSIVE_RESULT_AUTH_FAILED
	ResultAuthUnsupported          Result = C.MISSIVE_RESULT_AUTH_UNSUPPORTED
	ResultCredentialsRequireTLS    Result = C.MISSIVE_RESULT_CREDENTIALS_REQUIRE_TLS
	ResultAllRecipientsRejected    Result = C.MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED
	ResultSomeRecipientsRejected   Result = C.MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED
	ResultProtocolError            Result = C.MISSIVE_RESULT_PROTOCOL_ERROR
	ResultSMTPUTF8NotSupported     Result = C.MISSIVE_RESULT_SMTP_UTF8_NOT_SUPPORTED
	ResultMessageTooLarge          Result = C.MISSIVE_RESULT_MESSAGE_TOO_LARGE
	ResultTokenProviderFailed      Result = C.MISSIVE_RESULT_TOKEN_PROVIDER_FAILED
	ResultFileNotFound             Result = C.MISSIVE_RESULT_FILE_NOT_FOUND
	ResultPermissionDenied         Result = C.MISSIVE_RESULT_PERMISSION_DENIED
	ResultIO                       Result = C.MISSIVE_RESULT_IO
	ResultMalformedEML             Result = C.MISSIVE_RESULT_MALFORMED_EML
	ResultTruncatedEML             Result = C.MISSIVE_RESULT_TRUNCATED_EML
	ResultMessageTooComplex        Result = C.MISSIVE_RESULT_MESSAGE_TOO_COMPLEX
	ResultInvalidAddress           Result = C.MISSIVE_RESULT_INVALID_ADDRESS
	ResultInvalidHeader            Result = C.MISSIVE_RESULT_INVALID_HEADER
	ResultNoSender                 Result = C.MISSIVE_RESULT_NO_SENDER
	ResultNoRecipients             Result = C.MISSIVE_RESULT_NO_RECIPIENTS
	ResultPickupDirectoryNotSet    Result = C.MISSIVE_RESULT_PICKUP_DIRECTORY_NOT_SET
	ResultHostNotSet               Result = C.MISSIVE_RESULT_HOST_NOT_SET
	ResultPartialFailure           Result = C.MISSIVE_RESULT_PARTIAL_FAILURE
	ResultPending                  Result = C.MISSIVE_RESULT_PENDING
	ResultCancelled                Result = C.MISSIVE_RESULT_CANCELLED
	ResultQueueDirectoryNotSet     Result = C.MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET
	ResultQueueBusy                Result = C.MISSIVE_RESULT_QUEUE_BUSY
	ResultQueueServerUnavailable   Result = C.MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE
	ResultQueueURLInvalid          Result = C.MISSIVE_RESULT_QUEUE_URL_INVALID
	ResultQueueDatabaseUnavailable Result = C.MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE
	ResultQueueDatabaseError       Result = C.MISSIVE_RESULT_QUEUE_DATABASE_ERROR
	ResultUnknownTimeZone          Result = C.MISSIVE_RESULT_UNKNOWN_TIME_ZONE
	ResultIncompleteAppointment    Result = C.MISSIVE_RESULT_INCOMPLETE_APPOINTMENT
	ResultDkimKeyInvalid           Result = C.MISSIVE_RESULT_DKIM_KEY_INVALID
	ResultDkimSignerInvalid        Result = C.MISSIVE_RESULT_DKIM_SIGNER_INVALID
	ResultDkimSigningFailed        Result = C.MISSIVE_RESULT_DKIM_SIGNING_FAILED
	ResultListUnsubscribeInvalid   Result = C.MISSIVE_RESULT_LIST_UNSUBSCRIBE_INVALID
)

// DkimAlgorithm is a DKIM signing algorithm.
type DkimAlgorithm int32

const (
	// DkimRsaSha256 is rsa-sha256 (RFC 6376): PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY".
	DkimRsaSha256 DkimAlgorithm = C.MISSIVE_DKIM_ALGORITHM_RSA_SHA256
	// DkimEd25519Sha256 is ed25519-sha256 (RFC 8463): PKCS#8 "PRIVATE KEY".
	DkimEd25519Sha256 DkimAlgorithm = C.MISSIVE_DKIM_ALGORITHM_ED25519_SHA256
)

// DkimFlags are DKIM signer options, OR-ed; 0 is relaxed/relaxed canonicalization.
type DkimFlags uint32

const (
	DkimHeaderSimple DkimFlags = C.MISSIVE_DKIM_FLAGS_HEADER_SIMPLE // c=simple/...
	DkimBodySimple   DkimFlags = C.MISSIVE_DKIM_FLAGS_BODY_SIMPLE   // c=.../simple
)

// ForwardMode says how Client.Forward forwards a message.
type ForwardMode int32

const (
	ForwardRedirect ForwardMode = C.MISSIVE_FORWARD_MODE_REDIRECT // new envelope, bytes unchanged
	ForwardResend   ForwardMode = C.MISSIVE_FORWARD_MODE_RESEND   // Resent-* block on top
	ForwardAttach   ForwardMode = C.MISSIVE_FORWARD_MODE_ATTACH   // a "Fwd:" message carrying the original
)

// BulkStatus is the outcome of one message of a collection send.
type BulkStatus int32

const (
	BulkSent         BulkStatus = C.MISSIVE_BULK_STATUS_SENT
	BulkFailed       BulkStatus = C.MISSIVE_BULK_STATUS_FAILED
	BulkUnknown      BulkStatus = C.MISSIVE_BULK_STATUS_UNKNOWN // the final reply was lost
	BulkNotAttempted BulkStatus = C.MISSIVE_BULK_STATUS_NOT_ATTEMPTED
)

// Error is the static English text of the code, with its number.
func (r Result) Error() string {
	return C.GoString(C.missive_result_str(C.int32_t(r))) + " (" + strconv.Itoa(int(r)) + ")"
}

// Is matches the standard error that means the same: fs.ErrNotExist for ResultFileNotFound,
// fs.ErrPermission for ResultPermissionDenied, context.DeadlineExceeded for ResultTimeout and
// context.Canceled for ResultCancelled. (Every error of this package unwraps to its Result,
// so errors.Is(err, fs.ErrNotExist) works on them.)
func (r Result) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return r == ResultFileNotFound
	case fs.ErrPermission:
		return r == ResultPermissionDenied
	case context.DeadlineExceeded:
		return r == ResultTimeout
	case context.Canceled:
		return r == ResultCancelled
	}
	return false
}

// ---- passing data to C ------------------------------------------------------------------

// str passes a Go string as (pointer, length) without copying: the C API copies what it keeps
// and never retains the pointer. The empty string is (NULL, 0).
func str(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// fetch runs a size-then-fill getter: the code, and on success the value (text without NUL).
func fetch(call func(buf unsafe.Pointer, n C.size_t, out *C.size_t) C.enum_missive_result, text bool) (Result, []byte) {
	var need C.size_t
	r := Result(call(nil, 0, &need))
	for attempt := 0; attempt < 4; attempt++ {
		if r == ResultOK && need == 0 {
			return r, []byte{}
		}
		if r != ResultOK && r != ResultBufferTooSmall {
			return r, nil
		}
		buf := make([]byte, int(need))
		var got C.size_t
		r = Result(call(unsafe.Pointer(unsafe.SliceData(buf)), C.size_t(len(buf)), &got))
		if r == ResultOK {
			n := int(got)
			if text && n > 0 {
				n--
			}
			return r, buf[:n]
		}
		need = got
	}
	return r, nil
}

func fetchText(call func(buf *C.char, n C.size_t, out *C.size_t) C.enum_missive_result) (Result, string) {
	r, b := fetch(func(buf unsafe.Pointer, n C.size_t, out *C.size_t) C.enum_missive_result {
		return call((*C.char)(buf), n, out)
	}, true)
	return r, string(b)
}
