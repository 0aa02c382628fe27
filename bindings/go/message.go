package missive

/*
#include "missive.h"
*/
import "C"

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Message is an email message. Its methods may be called from several goroutines (a lock
// serialises them); Close frees it (idempotent), and a finalizer frees a forgotten one.
type Message struct {
	mu sync.RWMutex
	p  *C.missive_message
}

// NewMessage makes an empty message.
func NewMessage() *Message {
	p := C.missive_message_new()
	if p == nil {
		panic("missive: missive_message_new failed")
	}
	return wrapMessage(p)
}

func wrapMessage(p *C.missive_message) *Message {
	m := &Message{p: p}
	runtime.SetFinalizer(m, (*Message).Close)
	return m
}

// LoadOption changes how LoadFile, LoadBytes and Load read a message.
type LoadOption func(*loadConfig)

type loadConfig struct {
	strict bool
}

// WithStrictLoading(true) refuses what a lenient load (the default) accepts with a warning
// (see Message.LoadWarnings): a multipart that never closes (ResultTruncatedEML), a header line
// that is not a field (ResultMalformedEML).
func WithStrictLoading(strict bool) LoadOption {
	return func(c *loadConfig) { c.strict = strict }
}

// load makes a message and runs one load call on it; on failure the message is freed.
func load(opts []LoadOption, call func(p *C.missive_message) C.enum_missive_result) (*Message, error) {
	var cfg loadConfig
	for _, o := range opts {
		o(&cfg)
	}
	m := NewMessage()
	err := m.mutate(func(p *C.missive_message) C.enum_missive_result {
		if r := C.missive_message_set_strict_loading(p, C.bool(cfg.strict)); Result(r) != ResultOK {
			return r
		}
		return call(p)
	})
	if err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// LoadFile reads an .eml file. Sent or saved unchanged, its bytes go out as they are.
func LoadFile(path string, opts ...LoadOption) (*Message, error) {
	return load(opts, func(p *C.missive_message) C.enum_missive_result {
		s, n := str(path)
		return C.missive_message_load_file(p, s, n)
	})
}

// LoadBytes reads a message from .eml bytes (copied).
func LoadBytes(eml []byte, opts ...LoadOption) (*Message, error) {
	return load(opts, func(p *C.missive_message) C.enum_missive_result {
		b, n := bytesArg(eml)
		return C.missive_message_load_bytes(p, b, n)
	})
}

// Load reads a whole message from r.
func Load(r io.Reader, opts ...LoadOption) (*Message, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return LoadBytes(b, opts...)
}

// LoadWarnings lists what loading the message accepted leniently (e.g. a multipart that never
// closes), one sentence each; empty for a composed message or a clean load.
func (m *Message) LoadWarnings() ([]string, error) {
	s, err := m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_load_warnings(p, b, n, o)
	})
	if err != nil {
		return nil, err
	}
	if s == "" {
		return []string{}, nil
	}
	return strings.Split(s, "\n"), nil
}

// LoadPickupFile reads a pickup file (X-Sender / X-Receiver lines, then the message) with its
// envelope: every send of the message then uses that envelope (MAIL FROM, RCPT TO, Bcc
// recipients included) instead of its From/To/Cc/Bcc, until ClearEnvelope. Envelope-looking
// lines inside the message are content, never envelope.
func LoadPickupFile(path string) (*Message, error) {
	m := NewMessage()
	err := m.mutate(func(p *C.missive_message) C.enum_missive_result {
		s, n := str(path)
		return C.missive_message_load_pickup_file(p, s, n)
	})
	if err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Envelope gives the envelope the message's sends use: the sender ("" for the null sender)
// and the recipients. ok is false when the message has no envelope of its own (its Sender or
// From and its To, Cc and Bcc are used).
func (m *Message) Envelope() (sender string, recipients []string, ok bool, err error) {
	count := messageValue(m, 0, func(p *C.missive_message) int {
		return int(C.missive_message_envelope_recipient_count(p))
	})
	sender, err = m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_envelope_sender(p, b, n, o)
	})
	if errors.Is(err, ResultNotFound) {
		return "", nil, false, nil
	}
	if err != nil {
		return "", nil, false, err
	}
	recipients = make([]string, 0, count)
	for i := 0; i < count; i++ {
		r, err := m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_message_envelope_recipient(p, C.size_t(i), b, n, o)
		})
		if err != nil {
			return "", nil, false, err
		}
		recipients = append(recipients, r)
	}
	return sender, recipients, true, nil
}

// ClearEnvelope removes the envelope LoadPickupFile gave: sends use the message's own
// addresses again.
func (m *Message) ClearEnvelope() error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		return C.missive_message_clear_envelope(p)
	})
}

// Close frees the message. Calling it again does nothing.
func (m *Message) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p != nil {
		C.missive_message_free(m.p)
		m.p = nil
		runtime.SetFinalizer(m, nil)
	}
	return nil
}

// Clone makes an independent copy.
func (m *Message) Clone() (*Message, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.p == nil {
		return nil, ErrClosed
	}
	c := C.missive_message_clone(m.p)
	runtime.KeepAlive(m)
	if c == nil {
		return nil, &Error{Code: ResultPanic}
	}
	return wrapMessage(c), nil
}

// errorText reads the message's error text; the caller holds the lock.
func (m *Message) errorText() string {
	_, s := fetchText(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_error(m.p, b, n, o)
	})
	return s
}

func (m *Message) check(r C.enum_missive_result) error {
	if Result(r) == ResultOK {
		return nil
	}
	return &Error{Code: Result(r), Detail: m.errorText()}
}

// mutate runs a changing call under the write lock and turns its code into an error.
func (m *Message) mutate(call func(p *C.missive_message) C.enum_missive_result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p == nil {
		return ErrClosed
	}
	err := m.check(call(m.p))
	runtime.KeepAlive(m)
	return err
}

// read runs a size-then-fill getter under the read lock.
func (m *Message) read(text bool, call func(p *C.missive_message, buf unsafe.Pointer, n C.size_t, out *C.size_t) C.enum_missive_result) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.p == nil {
		return nil, ErrClosed
	}
	r, b := fetch(func(buf unsafe.Pointer, n C.size_t, out *C.size_t) C.enum_missive_result {
		return call(m.p, buf, n, out)
	}, text)
	var err error
	if r != ResultOK {
		err = &Error{Code: r, Detail: m.errorText()}
	}
	runtime.KeepAlive(m)
	return b, err
}

func (m *Message) readText(call func(p *C.missive_message, buf *C.char, n C.size_t, out *C.size_t) C.enum_missive_result) (string, error) {
	b, err := m.read(true, func(p *C.missive_message, buf unsafe.Pointer, n C.size_t, out *C.size_t) C.enum_missive_result {
		return call(p, (*C.char)(buf), n, out)
	})
	return string(b), err
}

// value runs a call that returns a plain value under the read lock.
func messageValue[T any](m *Message, zero T, call func(p *C.missive_message) T) T {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.p == nil {
		return zero
	}
	v := call(m.p)
	runtime.KeepAlive(m)
	return v
}

// ---- saving ----

// Bytes gives the message as MIME (.eml bytes).
func (m *Message) Bytes() ([]byte, error) {
	return m.read(false, func(p *C.missive_message, b unsafe.Pointer, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_save_buffer(p, (*C.uint8_t)(b), n, o)
	})
}

// WriteTo writes the .eml bytes to w.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	b, err := m.Bytes()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// SaveFile writes the message as an .eml file, atomically.
func (m *Message) SaveFile(path string) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.p == nil {
		return ErrClosed
	}
	s, n := str(path)
	err := m.check(C.missive_message_save_file(m.p, s, n))
	runtime.KeepAlive(m)
	return err
}

// ---- addresses ----

// SetFrom sets From: one mailbox ("a@b", "Name <a@b>").
func (m *Message) SetFrom(address string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		s, n := str(address)
		return C.missive_message_set_from(p, s, n)
	})
}

// From gives From: (ResultNotFound when unset).
func (m *Message) From() (string, error) {
	return m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_from(p, b, n, o)
	})
}

// SetSender sets Sender: (and the envelope sender); "" removes it.
func (m *Message) SetSender(address string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		s, n := str(address)
		return C.missive_message_set_sender(p, s, n)
	})
}

// AddRecipients adds addresses (each one mailbox or a comma-separated list) to one list.
func (m *Message) AddRecipients(kind RecipientKind, addresses ...string) error {
	for _, a := range addresses {
		err := m.mutate(func(p *C.missive_message) C.enum_missive_result {
			s, n := str(a)
			return C.missive_message_add_recipients(p, C.int32_t(kind), s, n)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// AddTo adds To recipients (each argument one address or a comma-separated list).
func (m *Message) AddTo(addresses ...string) error { return m.AddRecipients(To, addresses...) }

// AddCc adds Cc recipients.
func (m *Message) AddCc(addresses ...string) error { return m.AddRecipients(Cc, addresses...) }

// AddBcc adds Bcc recipients (in the envelope, never in the header).
func (m *Message) AddBcc(addresses ...string) error { return m.AddRecipients(Bcc, addresses...) }

// AddReplyTo adds Reply-To addresses.
func (m *Message) AddReplyTo(addresses ...string) error {
	return m.AddRecipients(ReplyTo, addresses...)
}

// ClearRecipients empties one list.
func (m *Message) ClearRecipients(kind RecipientKind) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		return C.missive_message_clear_recipients(p, C.int32_t(kind))
	})
}

// Recipients lists one list's addresses ("Name <a@b>" or "a@b").
func (m *Message) Recipients(kind RecipientKind) ([]string, error) {
	count := messageValue(m, 0, func(p *C.missive_message) int {
		return int(C.missive_message_recipient_count(p, C.int32_t(kind)))
	})
	out := make([]string, 0, count)
	for i := 0; i < count; i++ {
		s, err := m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_message_recipient(p, C.int32_t(kind), C.size_t(i), b, n, o)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ---- content ----

// SetSubject sets the subject (non-ASCII is encoded on output).
func (m *Message) SetSubject(subject string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		s, n := str(subject)
		return C.missive_message_set_subject(p, s, n)
	})
}

// Subject is the message's subject.
func (m *Message) Subject() (string, error) {
	return m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_subject(p, b, n, o)
	})
}

// SetBody sets the body (plain text, or HTML with SetIsBodyHTML and no HTML body).
func (m *Message) SetBody(body string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		s, n := str(body)
		return C.missive_message_set_body(p, s, n)
	})
}

// Body is the plain-text body.
func (m *Message) Body() (string, error) {
	return m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_body(p, b, n, o)
	})
}

// SetHTMLBody sets the HTML body (the body becomes its plain-text alternative); "" removes it.
func (m *Message) SetHTMLBody(html string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		s, n := str(html)
		return C.missive_message_set_html_body(p, s, n)
	})
}

// HTMLBody gives the HTML body (ResultNotFound when there is none).
func (m *Message) HTMLBody() (string, error) {
	return m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_html_body(p, b, n, o)
	})
}

// SetIsBodyHTML says whether the body set with SetBody is HTML.
func (m *Message) SetIsBodyHTML(html bool) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		return C.missive_message_set_is_body_html(p, C.bool(html))
	})
}

// IsBodyHTML reports whether the body is HTML.
func (m *Message) IsBodyHTML() bool {
	return messageValue(m, false, func(p *C.missive_message) bool {
		return bool(C.missive_message_is_body_html(p))
	})
}

// AddAlternateView adds another representation of the body; charset "" means utf-8 for text.
func (m *Message) AddAlternateView(contentType, charset string, content []byte) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		ct, ctn := str(contentType)
		cs, csn := str(charset)
		b, bn := bytesArg(content)
		return C.missive_message_add_alternate_view(p, ct, ctn, cs, csn, b, bn)
	})
}

// AddAttachment attaches data; contentType "" means guessed from the name.
func (m *Message) AddAttachment(name, contentType string, data []byte) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		nm, nmn := str(name)
		ct, ctn := str(contentType)
		b, bn := bytesArg(data)
		return C.missive_message_add_attachment(p, nm, nmn, ct, ctn, b, bn)
	})
}

// AddAttachmentFile attaches the file at path (read now); name "" means the file's name.
func (m *Message) AddAttachmentFile(path, name, contentType string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		ps, pn := str(path)
		nm, nmn := str(name)
		ct, ctn := str(contentType)
		return C.missive_message_add_attachment_file(p, ps, pn, nm, nmn, ct, ctn)
	})
}

// AddInlineResource adds a part the HTML body shows as cid:contentID.
func (m *Message) AddInlineResource(contentID, name, contentType string, data []byte) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		id, idn := str(contentID)
		nm, nmn := str(name)
		ct, ctn := str(contentType)
		b, bn := bytesArg(data)
		return C.missive_message_add_inline_resource(p, id, idn, nm, nmn, ct, ctn, b, bn)
	})
}

// PartCount counts the parts of one kind.
func (m *Message) PartCount(kind PartKind) int {
	return messageValue(m, 0, func(p *C.missive_message) int {
		return int(C.missive_message_part_count(p, C.int32_t(kind)))
	})
}

// PartField gives one field of one part (FieldContent as raw bytes); ResultNotFound when the
// part has no such field.
func (m *Message) PartField(kind PartKind, index int, field PartField) ([]byte, error) {
	return m.read(field != FieldContent, func(p *C.missive_message, b unsafe.Pointer, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_part_field(p, C.int32_t(kind), C.size_t(index), C.int32_t(field), (*C.uint8_t)(b), n, o)
	})
}

// ---- headers and options ----

// AddHeader adds a custom header.
func (m *Message) AddHeader(name, value string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		ns, nn := str(name)
		vs, vn := str(value)
		return C.missive_message_add_header(p, ns, nn, vs, vn)
	})
}

// SetListUnsubscribe sets List-Unsubscribe (RFC 2369) from an https URL and/or a mailto
// address, and with oneClick also List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC
// 8058, needs an https URL). Both empty removes the fields.
func (m *Message) SetListUnsubscribe(url, mailto string, oneClick bool) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		us, un := str(url)
		ms, mn := str(mailto)
		return C.missive_message_set_list_unsubscribe(p, us, un, ms, mn, C.bool(oneClick))
	})
}

// Header gives the first custom header called name (ResultNotFound when none).
func (m *Message) Header(name string) (string, error) {
	return m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		ns, nn := str(name)
		return C.missive_message_header(p, ns, nn, b, n, o)
	})
}

// SetPriority sets the message's priority.
func (m *Message) SetPriority(priority Priority) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		return C.missive_message_set_priority(p, C.int32_t(priority))
	})
}

// SetDate sets Date: (shown in t's zone).
func (m *Message) SetDate(t time.Time) error {
	_, offset := t.Zone()
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		return C.missive_message_set_date(p, C.int64_t(t.Unix()), C.int32_t(offset/60))
	})
}

// SetMessageID sets the Message-ID; "" means one is generated.
func (m *Message) SetMessageID(id string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		s, n := str(id)
		return C.missive_message_set_message_id(p, s, n)
	})
}

// MessageID gives the Message-ID, without angle brackets.
func (m *Message) MessageID() (string, error) {
	return m.readText(func(p *C.missive_message, b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_message_message_id(p, b, n, o)
	})
}

// SetDeliveryNotification asks for delivery-status notifications (when the server offers DSN).
func (m *Message) SetDeliveryNotification(notify DSNNotify, ret DSNReturn, envelopeID string) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		s, n := str(envelopeID)
		return C.missive_message_set_delivery_notification(p, C.uint32_t(notify), C.int32_t(ret), s, n)
	})
}

// NeedsSMTPUTF8 reports an address with a non-ASCII local part.
func (m *Message) NeedsSMTPUTF8() bool {
	return messageValue(m, false, func(p *C.missive_message) bool {
		return bool(C.missive_message_needs_smtputf8(p))
	})
}
