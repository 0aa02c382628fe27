package missive

import (
	"errors"
	"strconv"
	"strings"
)

// ErrClosed is returned by calls on a Client, Message or Collection after Close.
var ErrClosed = errors.New("missive: use of a closed handle")

// Error is a failed call: the result code and the handle's error text. errors.Is(err, code)
// matches its Code.
type Error struct {
	Code   Result
	Detail string // the handle's error text; may be empty
}

// Error is the library's sentence (the handle's error text), so that it reads the same from
// every language; the code's static text when there is none.
func (e *Error) Error() string {
	if e.Detail != "" {
		return "missive: " + e.Detail
	}
	return "missive: " + e.Code.Error()
}

// Unwrap gives the Result, so that errors.Is(err, missive.ResultInvalidAddress) works.
func (e *Error) Unwrap() error { return e.Code }

// RejectedRecipient is a recipient the server refused.
type RejectedRecipient struct {
	Address   string
	ReplyCode int
	Reply     string // e.g. "550 5.1.1 <x@example.com>: Recipient address rejected"
}

// SendResult is the outcome of sending one message (copied out of the C send result).
type SendResult struct {
	Delivered      bool
	Transient      bool // a 4xx reply, a timeout or a lost connection: try again later
	OutcomeUnknown bool // the connection broke after the data: it may have been delivered
	ReplyCode      int  // the final SMTP reply code; 0 for pickup delivery
	ReplyText      string
	EnhancedCode   string // e.g. "2.0.0"; empty when the server sent none
	QueueID        string
	PickupPath     string // the file written by pickup-directory delivery
	Accepted       []string
	Rejected       []RejectedRecipient
	Err            string // the result's own error text (the last failed call on it)
	// Code and Detail are the send's own outcome, fixed when it ended: ResultOK and "" when
	// delivered to every recipient, else the code and sentence of this send's failure (a
	// concurrent send on the same client cannot change them).
	Code   Result
	Detail string
}

// SendError is a failed send: the code, the send's own detail (from its result) and the
// server's reply.
// errors.Is(err, missive.ResultAllRecipientsRejected) matches its Code; errors.As gives it.
type SendError struct {
	Code   Result
	Detail string
	Result *SendResult // nil when no send was attempted
}

// Error is the library's sentence (which quotes the server's reply when there was one), with
// the reply code added only when the sentence does not already carry it.
func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("missive: ")
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else {
		b.WriteString("send failed: ")
		b.WriteString(e.Code.Error())
	}
	if e.Result != nil && e.Result.ReplyCode != 0 && !strings.Contains(e.Detail, strconv.Itoa(e.Result.ReplyCode)) {
		b.WriteString(" (server: ")
		b.WriteString(strconv.Itoa(e.Result.ReplyCode))
		if e.Result.EnhancedCode != "" {
			b.WriteString(" " + e.Result.EnhancedCode)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap gives the Result, for errors.Is (the code and the standard errors it matches).
func (e *SendError) Unwrap() error { return e.Code }

// ReplyCode is the server's final reply code, else the first refused recipient's (0 when
// there is none).
func (e *SendError) ReplyCode() int {
	if e.Result == nil {
		return 0
	}
	if e.Result.ReplyCode == 0 && len(e.Result.Rejected) > 0 {
		return e.Result.Rejected[0].ReplyCode
	}
	return e.Result.ReplyCode
}

// Reply is the server's final reply text.
func (e *SendError) Reply() string {
	if e.Result == nil {
		return ""
	}
	return e.Result.ReplyText
}

// EnhancedCode is the server's enhanced status code, e.g. "5.1.1".
func (e *SendError) EnhancedCode() string {
	if e.Result == nil {
		return ""
	}
	return e.Result.EnhancedCode
}

// Rejected lists the refused recipients.
func (e *SendError) Rejected() []RejectedRecipient {
	if e.Result == nil {
		return nil
	}
	return e.Result.Rejected
}

// Temporary reports a failure that may go away: a 4xx reply, a timeout, a lost connection.
func (e *SendError) Temporary() bool {
	if e.Result != nil {
		return e.Result.Transient
	}
	switch e.Code {
	case ResultConnectFailed, ResultTimeout, ResultConnectionLost:
		return true
	}
	return false
}

// Timeout reports a send that failed because the server did not answer in time (as
// net.Error's Timeout does); errors.Is(err, context.DeadlineExceeded) says the same.
func (e *SendError) Timeout() bool { return e.Code == ResultTimeout }

// Permanent reports a failure that trying again will not cure (and not an unknown outcome).
func (e *SendError) Permanent() bool {
	return !e.Temporary() && (e.Result == nil || !e.Result.OutcomeUnknown)
}

// BulkItem is the outcome of one message of a collection send.
type BulkItem struct {
	Status BulkStatus
	Code   Result      // OK when sent; the failure's code; ResultCancelled when not attempted
	Error  string      // why it was not delivered (empty when it was)
	Result *SendResult // the server's reply and recipients for this message
}

// BulkResult is the outcome of a collection send: one item per message, in order.
type BulkResult struct {
	Code         Result // OK, ResultCancelled, ResultPartialFailure or the first failure's code
	Cancelled    bool
	Sent         int
	Failed       int
	Unknown      int
	NotAttempted int
	Items        []BulkItem
	Err          string // the result's own error text
}

// BulkError is a collection send that did not deliver every message.
type BulkError struct {
	Code   Result // ResultPartialFailure, ResultCancelled, or the first failure's code
	Detail string // names the failed messages by index
	Result *BulkResult
}

// Delivered is the number of messages sent.
func (e *BulkError) Delivered() int {
	if e.Result == nil {
		return 0
	}
	return e.Result.Sent
}

// Error is the library's sentence with the number of messages delivered.
func (e *BulkError) Error() string {
	detail := e.Detail
	if detail == "" {
		detail = e.Code.Error()
	}
	return "missive: bulk send: " + detail + " (" + strconv.Itoa(e.Delivered()) + " delivered)"
}

// Unwrap gives the Result, for errors.Is.
func (e *BulkError) Unwrap() error { return e.Code }
