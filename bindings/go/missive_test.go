package missive_test

// Tests against the real aiosmtpd server of the CTest fixture "smtp_server":
// $MISSIVE_SMTP_FIXTURE_DIR holds `port` and `maildir`; message n is stored as
// maildir/msg-<n>.env and .eml and acknowledged "queued as Q<n>". Recipients starting with
// "reject" are refused with 550.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	missive "example.invalid/missive/bindings/go"
)

func fixture(t *testing.T) (port int, mailDir string) {
	t.Helper()
	dir := os.Getenv("MISSIVE_SMTP_FIXTURE_DIR")
	p, err := os.ReadFile(filepath.Join(dir, "port"))
	if dir == "" || err != nil {
		t.Fatalf("no SMTP fixture: MISSIVE_SMTP_FIXTURE_DIR must name a running smtp_fixture.py directory (CTest sets it): %v", err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "maildir"))
	if err != nil {
		t.Fatal(err)
	}
	port, err = strconv.Atoi(strings.TrimSpace(string(p)))
	if err != nil {
		t.Fatal(err)
	}
	return port, strings.TrimSpace(string(md))
}

func client(t *testing.T, opts ...missive.Option) *missive.Client {
	t.Helper()
	port, _ := fixture(t)
	base := []missive.Option{
		missive.WithHost("127.0.0.1", uint16(port)),
		missive.WithSecurity(missive.SecurityNone),
		missive.WithTimeout(5*time.Second, 20*time.Second),
	}
	c, err := missive.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func arrived(t *testing.T, r *missive.SendResult, ext string) string {
	t.Helper()
	_, md := fixture(t)
	if r == nil || len(r.QueueID) < 2 {
		t.Fatalf("no queue id in %+v", r)
	}
	b, err := os.ReadFile(filepath.Join(md, "msg-"+r.QueueID[1:]+ext))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func simple(t *testing.T, subject, to string) *missive.Message {
	t.Helper()
	m := missive.NewMessage()
	t.Cleanup(func() { m.Close() })
	must(t, m.SetFrom("Sender <sender@example.com>"))
	must(t, m.AddTo(to))
	must(t, m.SetSubject(subject))
	must(t, m.SetBody("Hello from the Go tests.\n"))
	return m
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestVersion(t *testing.T) {
	if missive.Version() != missive.HeaderVersion {
		t.Fatalf("library %s, header %s", missive.Version(), missive.HeaderVersion)
	}
}

func TestMessageRoundTrip(t *testing.T) {
	m := missive.NewMessage()
	defer m.Close()
	must(t, m.SetFrom(`"Last, First" <sender@example.com>`))
	must(t, m.SetSender("bounce@example.com"))
	must(t, m.AddTo("to-a@example.com, B <b@example.com>"))
	must(t, m.AddCc("cc-c@example.com"))
	must(t, m.AddBcc("bcc-d@example.com"))
	must(t, m.AddReplyTo("r@example.com"))
	must(t, m.SetSubject("Grüße"))
	must(t, m.SetBody("plain"))
	must(t, m.SetHTMLBody("<p>html</p>"))
	if s, _ := m.Subject(); s != "Grüße" {
		t.Fatalf("subject %q", s)
	}
	if s, _ := m.Body(); s != "plain" {
		t.Fatalf("body %q", s)
	}
	if s, _ := m.HTMLBody(); s != "<p>html</p>" || !m.IsBodyHTML() {
		t.Fatalf("html %q", s)
	}
	must(t, m.SetIsBodyHTML(false))
	if m.IsBodyHTML() {
		t.Fatal("IsBodyHTML after SetIsBodyHTML(false)")
	}
	if to, _ := m.Recipients(missive.To); len(to) != 2 || to[1] != "B <b@example.com>" {
		t.Fatalf("to %q", to)
	}
	if f, _ := m.From(); !strings.Contains(f, "sender@example.com") {
		t.Fatalf("from %q", f)
	}
	must(t, m.ClearRecipients(missive.Cc))
	must(t, m.AddAlternateView("text/calendar; method=REQUEST", "", []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")))
	must(t, m.AddAttachment("data.bin", "", []byte{0, 1, 2}))
	must(t, m.AddInlineResource("logo@x", "logo.png", "image/png", []byte("PNG")))
	if m.PartCount(missive.PartAttachment) != 1 || m.PartCount(missive.PartAlternateView) != 1 {
		t.Fatal("part counts")
	}
	if b, _ := m.PartField(missive.PartAttachment, 0, missive.FieldContent); !bytes.Equal(b, []byte{0, 1, 2}) {
		t.Fatalf("content %v", b)
	}
	if b, _ := m.PartField(missive.PartAttachment, 0, missive.FieldContentType); string(b) != "application/octet-stream" {
		t.Fatalf("content type %q", b)
	}
	if _, err := m.PartField(missive.PartAttachment, 0, missive.FieldContentID); !errors.Is(err, missive.ResultNotFound) {
		t.Fatalf("content id of an attachment: %v", err)
	}
	must(t, m.AddHeader("X-Campaign", "spring"))
	if h, _ := m.Header("x-campaign"); h != "spring" {
		t.Fatalf("header %q", h)
	}
	must(t, m.SetPriority(missive.PriorityHigh))
	must(t, m.SetDate(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))))
	must(t, m.SetMessageID("abc@example.com"))
	if id, _ := m.MessageID(); id != "abc@example.com" {
		t.Fatalf("id %q", id)
	}
	must(t, m.SetDeliveryNotification(missive.DSNSuccess|missive.DSNFailure, missive.DSNReturnHeaders, "env-1"))
	if m.NeedsSMTPUTF8() {
		t.Fatal("NeedsSMTPUTF8")
	}
	eml, err := m.Bytes()
	must(t, err)
	for _, want := range []string{"X-Campaign: spring", "X-Priority: 1", "+0100"} {
		if !bytes.Contains(eml, []byte(want)) {
			t.Errorf("no %q in\n%s", want, eml)
		}
	}
	if bytes.Contains(eml, []byte("bcc-d@example.com")) || bytes.Contains(eml, []byte("cc-c@example.com")) {
		t.Error("Bcc or cleared Cc in the headers")
	}
	cp, err := m.Clone()
	must(t, err)
	defer cp.Close()
	loaded, err := missive.Load(bytes.NewReader(eml))
	must(t, err)
	defer loaded.Close()
	var buf bytes.Buffer
	_, err = loaded.WriteTo(&buf)
	must(t, err)
	if !bytes.Equal(buf.Bytes(), eml) {
		t.Error("a loaded, unchanged message is not saved byte for byte")
	}
}

func TestFilesAndErrors(t *testing.T) {
	dir := t.TempDir()
	m := simple(t, "Saved", "x@example.com")
	notes := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(notes, []byte("notes"), 0o644))
	must(t, m.AddAttachmentFile(notes, "", ""))
	path := filepath.Join(dir, "m.eml")
	must(t, m.SaveFile(path))
	loaded, err := missive.LoadFile(path)
	must(t, err)
	defer loaded.Close()
	if s, _ := loaded.Subject(); s != "Saved" {
		t.Fatalf("subject %q", s)
	}
	if _, err := missive.LoadFile(filepath.Join(dir, "missing.eml")); !errors.Is(err, missive.ResultFileNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	err = m.SetFrom("bad\r\nBcc: evil@example.com")
	var me *missive.Error
	if !errors.As(err, &me) || me.Code != missive.ResultInvalidAddress || me.Detail == "" {
		t.Fatalf("bad address: %#v", err)
	}
	if _, err := missive.NewClient(missive.WithHost("bad host", 25)); !errors.Is(err, missive.ResultInvalidArgument) {
		t.Fatalf("bad host: %v", err)
	}
}

// unclosedEML is a multipart/mixed whose closing "--BOUNDARY--" line never comes.
const unclosedEML = "From: Alice <alice@example.com>\r\n" +
	"To: bob@example.com\r\n" +
	"Subject: Unclosed\r\n" +
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n" +
	"Message-ID: <unclosed@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n" +
	"\r\n" +
	"--BOUNDARY\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"The first part.\r\n" +
	"--BOUNDARY\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"The second part, and then the data ends.\r\n"

// nestedEML is `levels` nested multipart/mixed entities (each closed) around one text part.
func nestedEML(levels int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n")
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nleaf\r\n")
	for i := levels - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return []byte(b.String())
}

// editEML is a loaded message with folded, encoded and oddly spaced fields, a preamble and an
// epilogue.
const editEML = "Return-Path: <alice@example.com>\r\n" +
	"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;\r\n" +
	"\th=from:to:subject:date:message-id;\r\n" +
	"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\r\n" +
	"From: \"Alice Example\" <alice@example.com>\r\n" +
	"To: Bob <bob@example.com>,\r\n" +
	"  carol@example.org\r\n" +
	"Cc: dave@example.net\r\n" +
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=  and two  spaces\r\n" +
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n" +
	"Message-ID: <edit-keeps-bytes@example.com>\r\n" +
	"X-Odd-Spacing:    value   with spaces\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"ALT\"\r\n" +
	"\r\n" +
	"This is the preamble.\r\n" +
	"--ALT\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Gr=C3=BC=C3=9Fe, Bob.\r\n" +
	"--ALT\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+R3LDvMOfZSwgQm9iLjwvcD4=\r\n" +
	"--ALT--\r\n" +
	"The epilogue.\r\n"

func TestStrictLoadingAndWarnings(t *testing.T) {
	composed := missive.NewMessage()
	defer composed.Close()
	if w, err := composed.LoadWarnings(); err != nil || len(w) != 0 {
		t.Fatalf("composed: %q, %v", w, err)
	}
	// Lenient (the default): it loads, with one warning naming the missing line.
	m, err := missive.LoadBytes([]byte(unclosedEML))
	must(t, err)
	defer m.Close()
	w, err := m.LoadWarnings()
	must(t, err)
	if len(w) != 1 || !strings.Contains(w[0], "--BOUNDARY--") {
		t.Fatalf("warnings %q", w)
	}
	if b, _ := m.Bytes(); string(b) != unclosedEML {
		t.Fatalf("saved unchanged:\n%s", b)
	}
	// Strict: refused with ResultTruncatedEML (no message is made), from bytes, a reader or a file.
	if m, err := missive.LoadBytes([]byte(unclosedEML), missive.WithStrictLoading(true)); !errors.Is(err, missive.ResultTruncatedEML) || m != nil {
		t.Fatalf("strict bytes: %v", err)
	} else if !strings.Contains(err.Error(), "--BOUNDARY--") {
		t.Fatalf("error text: %v", err)
	}
	if _, err := missive.Load(strings.NewReader(unclosedEML), missive.WithStrictLoading(true)); !errors.Is(err, missive.ResultTruncatedEML) {
		t.Fatalf("strict reader: %v", err)
	}
	path := filepath.Join(t.TempDir(), "unclosed.eml")
	must(t, os.WriteFile(path, []byte(unclosedEML), 0o644))
	if _, err := missive.LoadFile(path, missive.WithStrictLoading(true)); !errors.Is(err, missive.ResultTruncatedEML) {
		t.Fatalf("strict file: %v", err)
	}
	lenient, err := missive.LoadFile(path, missive.WithStrictLoading(false))
	must(t, err)
	defer lenient.Close()
	if w, _ := lenient.LoadWarnings(); len(w) != 1 {
		t.Fatalf("lenient file warnings %q", w)
	}
	prose := []byte("From: a@example.com\r\nSubject: prose\r\nsome prose\r\n\r\nbody\r\n")
	if _, err := missive.LoadBytes(prose, missive.WithStrictLoading(true)); !errors.Is(err, missive.ResultMalformedEML) {
		t.Fatalf("strict prose: %v", err)
	}
	// A clean message loads strictly, without warnings.
	clean, err := missive.LoadBytes([]byte("From: a@example.com\r\nSubject: clean\r\n\r\nbody\r\n"), missive.WithStrictLoading(true))
	must(t, err)
	defer clean.Close()
	if w, err := clean.LoadWarnings(); err != nil || len(w) != 0 {
		t.Fatalf("clean: %q, %v", w, err)
	}
	m.Close()
	if _, err := m.LoadWarnings(); !errors.Is(err, missive.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

func TestTooComplexIsRefused(t *testing.T) {
	_, err := missive.LoadBytes(nestedEML(150))
	var me *missive.Error
	if !errors.Is(err, missive.ResultMessageTooComplex) || !errors.As(err, &me) || !strings.Contains(me.Detail, "100") {
		t.Fatalf("150 levels: %v", err)
	}
	if int(missive.ResultMessageTooComplex) != 305 {
		t.Fatalf("code %d", missive.ResultMessageTooComplex)
	}
	m, err := missive.LoadBytes(nestedEML(50))
	must(t, err)
	defer m.Close()
	if b, _ := m.Body(); b != "leaf" {
		t.Fatalf("body %q", b)
	}
}

func TestEditKeepsOtherBytes(t *testing.T) {
	to := strings.Index(editEML, "\r\nTo:") + 2
	toEnd := strings.Index(editEML, "\r\nCc:") + 2
	m, err := missive.LoadBytes([]byte(editEML))
	must(t, err)
	defer m.Close()
	must(t, m.AddTo("erin@example.com"))
	b, err := m.Bytes()
	must(t, err)
	out := string(b)
	// Every byte before and after the To field is the input's.
	if !strings.HasPrefix(out, editEML[:to]) || !strings.HasSuffix(out, editEML[toEnd:]) || len(out) <= to+len(editEML)-toEnd {
		t.Fatalf("other bytes changed:\n%s", out)
	}
	field := out[to : len(out)-(len(editEML)-toEnd)]
	if !strings.HasPrefix(field, "To:") {
		t.Fatalf("field %q", field)
	}
	for _, a := range []string{"bob@example.com", "carol@example.org", "erin@example.com"} {
		if !strings.Contains(field, a) {
			t.Fatalf("%s not in %q", a, field)
		}
	}
	again, err := missive.LoadBytes(b)
	must(t, err)
	defer again.Close()
	if r, _ := again.Recipients(missive.To); len(r) != 3 {
		t.Fatalf("To %q", r)
	}
}

func TestOptionsAccepted(t *testing.T) {
	c, err := missive.NewClient(
		missive.WithHost("smtp.example.com", 587),
		missive.WithSecurity(missive.SecuritySSLExplicit),
		missive.WithAuth("me", "pw"),
		missive.WithOAuth2("me", "token"),
		missive.WithAuthMechanism(missive.AuthPlain),
		missive.WithAuthMechanism(missive.AuthScramSHA256),
		missive.WithAuthMechanism(missive.AuthOAuthBearer),
		missive.WithProxy("socks5://user:pass@127.0.0.1:1080"),
		missive.WithProxy(""),
		missive.WithTokenProvider("me", nil),
		missive.WithClientName("client.example.com"),
		missive.WithCAFile("/etc/ssl/certs/ca-certificates.crt"),
		missive.WithClientCertificate("", ""),
		missive.WithMinTLSVersion(missive.TLS13),
		missive.WithDangerousAcceptInvalidCerts(false),
		missive.WithPipelining(true),
		missive.WithChunking(true),
		missive.WithRequireAllRecipients(false),
		missive.WithDeliveryMethod(missive.DeliveryNetwork),
		missive.WithURL("smtp+starttls://u:p@smtp.example.com:587"),
	)
	must(t, err)
	must(t, c.Disconnect())
	if err := c.Set(missive.WithClientCertificate("cert.pem", "")); !errors.Is(err, missive.ResultInvalidArgument) {
		t.Fatalf("half a client certificate: %v", err)
	}
	must(t, c.Close())
}

func TestTokenProviderRefreshesOnce(t *testing.T) {
	var mu sync.Mutex
	var asked []bool
	// The fixture knows only carol's "fresh-token-42": the first token is refused.
	c := client(t, missive.WithTokenProvider("carol", func(refresh bool) (string, error) {
		mu.Lock()
		asked = append(asked, refresh)
		mu.Unlock()
		if refresh {
			return "fresh-token-42", nil
		}
		return "stale-token-1", nil
	}))
	defer c.Close()
	m := simple(t, "Go OAuth", "to@example.com")
	r, err := c.Send(context.Background(), m)
	must(t, err)
	if len(asked) != 2 || asked[0] || !asked[1] {
		t.Fatalf("asked %v, want [false true]", asked)
	}
	if env := arrived(t, r, ".env"); !strings.Contains(env, "AUTH carol") {
		t.Fatalf("envelope %q", env)
	}
	must(t, c.Set(missive.WithTokenProvider("carol", func(bool) (string, error) {
		return "", errors.New("offline")
	})))
	_, err = c.Send(context.Background(), m)
	if !errors.Is(err, missive.ResultTokenProviderFailed) || !strings.Contains(err.Error(), "offline") {
		t.Fatalf("failing provider: %v", err)
	}
	must(t, c.Set(missive.WithTokenProvider("", nil)))
}

func TestProxy(t *testing.T) {
	c := client(t)
	defer c.Close()
	err := c.Set(missive.WithProxy("gopher://u:hunter2@127.0.0.1:1"))
	if !errors.Is(err, missive.ResultInvalidArgument) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad proxy URL: %v", err)
	}
	must(t, c.Set(missive.WithProxy("socks5://127.0.0.1:1")))
	if err := c.Noop(context.Background()); !errors.Is(err, missive.ResultProxyFailed) {
		t.Fatalf("proxy nobody listens on: %v", err)
	}
	must(t, c.Set(missive.WithProxy("")))
	must(t, c.Noop(context.Background()))
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	c, err := missive.NewClient()
	must(t, err)
	m := missive.NewMessage()
	coll := missive.NewCollection()
	for i := 0; i < 2; i++ {
		must(t, c.Close())
		must(t, m.Close())
		must(t, coll.Close())
	}
	if err := m.SetSubject("x"); !errors.Is(err, missive.ErrClosed) {
		t.Fatalf("message after Close: %v", err)
	}
	if _, err := c.Send(context.Background(), m); !errors.Is(err, missive.ErrClosed) {
		t.Fatalf("client after Close: %v", err)
	}
	if err := coll.Add(m); !errors.Is(err, missive.ErrClosed) {
		t.Fatalf("collection after Close: %v", err)
	}
}

func TestPickupDirectory(t *testing.T) {
	dir := t.TempDir()
	c, err := missive.NewClient(missive.WithPickupDirectory(dir))
	must(t, err)
	defer c.Close()
	r, err := c.Send(context.Background(), simple(t, "Pickup", "p@example.com"))
	must(t, err)
	b, err := os.ReadFile(r.PickupPath)
	must(t, err)
	if !r.Delivered || !strings.Contains(string(b), "X-Receiver: p@example.com") {
		t.Fatalf("pickup file:\n%s", b)
	}
}

func TestDkimSignedPickupFileVerifies(t *testing.T) {
	keys, err := filepath.Abs("../../tests/fixtures/dkim")
	must(t, err)
	rsa, err := os.ReadFile(filepath.Join(keys, "rsa-pkcs1.pem"))
	must(t, err)
	dir := t.TempDir()
	c, err := missive.NewClient(missive.WithPickupDirectory(dir),
		missive.WithDkimSigner("example.com", "rsa1", rsa, missive.DkimRsaSha256, 0),
		missive.WithDkimSignerFile("example.com", "ed", filepath.Join(keys, "ed25519.pem"),
			missive.DkimEd25519Sha256, missive.DkimHeaderSimple|missive.DkimBodySimple))
	must(t, err)
	defer c.Close()
	if n := c.DkimSignerCount(); n != 2 {
		t.Fatalf("%d signers", n)
	}
	ec, err := os.ReadFile(filepath.Join(keys, "ec-sec1.pem"))
	must(t, err)
	var me *missive.Error
	if err := c.AddDkimSigner("example.com", "x", ec, missive.DkimRsaSha256, 0); !errors.As(err, &me) || me.Code != missive.ResultDkimKeyInvalid {
		t.Fatalf("EC key: %v", err)
	}
	m := simple(t, "Signed from Go", "p@example.com")
	if err := m.SetListUnsubscribe("http://example.com/u", "", true); !errors.As(err, &me) || me.Code != missive.ResultListUnsubscribeInvalid {
		t.Fatalf("one-click over http: %v", err)
	}
	must(t, m.SetListUnsubscribe("https://example.com/u/5", "unsub@example.com", true))
	r, err := c.Send(context.Background(), m)
	must(t, err)
	out, err := exec.Command("python3", "../../tests/support/py/dkim_verify.py",
		filepath.Join(keys, "keys.txt"), r.PickupPath).Output()
	must(t, err)
	v := string(out)
	for _, want := range []string{`"s": "rsa1"`, `"s": "ed"`, `"dkimpy": true`, `"opendkim": true`} {
		if !strings.Contains(v, want) {
			t.Fatalf("verdict lacks %s: %s", want, v)
		}
	}
	if strings.Contains(v, "false") {
		t.Fatalf("a verifier failed: %s", v)
	}
	must(t, c.ClearDkimSigners())
	if n := c.DkimSignerCount(); n != 0 {
		t.Fatalf("%d signers after clear", n)
	}
}

func TestPickupFileKeepsItsEnvelope(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pickup")
	must(t, os.WriteFile(in, []byte("X-Sender: desk@example.com\r\nX-Receiver: bob@example.com\r\n"+
		"X-Receiver: audit@example.net\r\nX-Sender: spoofed@evil.example\r\n"+
		"X-Receiver: hidden@evil.example\r\nFrom: alice@example.com\r\n"+
		"To: bob@example.com\r\nSubject: pickup\r\n\r\nbody\r\n"), 0o600))
	m, err := missive.LoadPickupFile(in)
	must(t, err)
	defer m.Close()
	must(t, os.Remove(in))
	sender, rcpts, ok, err := m.Envelope()
	must(t, err)
	if !ok || sender != "desk@example.com" || strings.Join(rcpts, ",") != "bob@example.com,audit@example.net" {
		t.Fatalf("envelope: %v %q %q", ok, sender, rcpts)
	}
	c, err := missive.NewClient(missive.WithPickupDirectory(dir))
	must(t, err)
	defer c.Close()
	r, err := c.Send(context.Background(), m)
	must(t, err)
	b, err := os.ReadFile(r.PickupPath)
	must(t, err)
	want := "X-Sender: desk@example.com\r\nX-Receiver: bob@example.com\r\n" +
		"X-Receiver: audit@example.net\r\nFrom: alice@example.com\r\n"
	if !strings.HasPrefix(string(b), want) || strings.Contains(string(b), "evil.example") {
		t.Fatalf("pickup file:\n%s", b)
	}
	must(t, m.ClearEnvelope())
	if _, _, ok, err := m.Envelope(); ok || err != nil {
		t.Fatalf("after ClearEnvelope: %v %v", ok, err)
	}
	if _, err := missive.LoadPickupFile(filepath.Join(dir, "missing.eml")); !errors.Is(err, missive.ResultFileNotFound) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSendArrives(t *testing.T) {
	var mu sync.Mutex
	lines := 0
	c := client(t, missive.WithProtocolLog(func(missive.LogDirection, string) {
		mu.Lock()
		lines++
		mu.Unlock()
	}))
	r, err := c.Send(context.Background(), simple(t, "Go send", "to@example.com"))
	must(t, err)
	if !r.Delivered || r.ReplyCode != 250 || r.EnhancedCode != "2.0.0" || r.Transient || r.OutcomeUnknown || r.Err != "" {
		t.Fatalf("result %+v", r)
	}
	if len(r.Accepted) != 1 || r.Accepted[0] != "to@example.com" || len(r.Rejected) != 0 {
		t.Fatalf("recipients %+v", r)
	}
	if !strings.Contains(arrived(t, r, ".eml"), "Subject: Go send") || !strings.Contains(arrived(t, r, ".env"), "RCPT to@example.com") {
		t.Fatal("message did not arrive as sent")
	}
	mu.Lock()
	if lines < 4 {
		t.Errorf("protocol log saw %d lines", lines)
	}
	mu.Unlock()
	must(t, c.Set(missive.WithProtocolLog(nil)))
	must(t, c.Noop(context.Background()))
	caps, err := c.Capabilities(context.Background())
	must(t, err)
	if !strings.Contains(strings.Join(caps, "\n"), "8BITMIME") {
		t.Fatalf("capabilities %q", caps)
	}
	must(t, c.Disconnect())
}

// Several goroutines send at once through one client ("async" in Go: goroutines and a context).
func TestSendConcurrentAndContext(t *testing.T) {
	c := client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m := missive.NewMessage()
			defer m.Close()
			_ = m.SetFrom("sender@example.com")
			_ = m.AddTo("async@example.com")
			_ = m.SetSubject("Go async " + strconv.Itoa(i))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := c.Send(ctx, m)
			if err == nil && !strings.Contains(arrived(t, r, ".eml"), "Go async "+strconv.Itoa(i)) {
				err = errors.New("wrong message arrived")
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Send(ctx, simple(t, "Go cancelled", "x@example.com")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestRejectedRecipientIsTyped(t *testing.T) {
	c := client(t)
	_, err := c.Send(context.Background(), simple(t, "Go reject", "reject-me@example.com"))
	var se *missive.SendError
	if !errors.As(err, &se) {
		t.Fatalf("not a *SendError: %#v", err)
	}
	if !errors.Is(err, missive.ResultAllRecipientsRejected) || se.Temporary() || !se.Permanent() {
		t.Fatalf("error %v", se)
	}
	rej := se.Rejected()
	if len(rej) != 1 || rej[0].Address != "reject-me@example.com" || rej[0].ReplyCode != 550 || !strings.Contains(rej[0].Reply, "5.1.1") {
		t.Fatalf("rejected %+v", rej)
	}
	m := simple(t, "Go partial", "ok@example.com")
	must(t, m.AddCc("reject-cc@example.com"))
	_, err = c.Send(context.Background(), m)
	if !errors.As(err, &se) || se.Code != missive.ResultSomeRecipientsRejected || !se.Result.Delivered {
		t.Fatalf("partial: %v", err)
	}
	if strings.Contains(arrived(t, se.Result, ".env"), "reject-cc") {
		t.Fatal("refused recipient in the envelope")
	}
}

// Two goroutines fail on ONE client at the same time in different ways: one sends to a
// recipient the server refuses (a new address each time), the other, for as long as the first
// runs, messages without recipients. Each *SendError's text is its own send's (from its
// result), never the other's, although the client's error text holds whichever failed last.
func TestConcurrentFailuresKeepTheirOwnDetail(t *testing.T) {
	c := client(t)
	const rounds = 30
	empty := missive.NewMessage()
	t.Cleanup(func() { empty.Close() })
	must(t, empty.SetFrom("Sender <sender@example.com>"))
	must(t, empty.SetSubject("Go race, no recipients"))
	refused := make([]*missive.Message, rounds)
	for i := range refused {
		refused[i] = simple(t, "Go race", fmt.Sprintf("reject-go%d@example.com", i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var wrong []string
	note := func(s string) { mu.Lock(); wrong = append(wrong, s); mu.Unlock() }
	done := make(chan struct{})
	emptySends := 0
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(done)
		for i, m := range refused {
			to := fmt.Sprintf("reject-go%d@example.com", i)
			_, err := c.Send(context.Background(), m)
			var se *missive.SendError
			switch {
			case !errors.As(err, &se):
				note(fmt.Sprintf("%s: %v", to, err))
			case se.Code != missive.ResultAllRecipientsRejected || !strings.Contains(se.Detail, to) ||
				se.Result == nil || se.Result.Code != se.Code || se.Result.Detail != se.Detail:
				note(fmt.Sprintf("%s: %v (result %+v)", to, se, se.Result))
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				if emptySends >= rounds {
					return
				}
			default:
			}
			emptySends++
			_, err := c.Send(context.Background(), empty)
			var se *missive.SendError
			if !errors.As(err, &se) || se.Code != missive.ResultNoRecipients ||
				strings.Contains(se.Detail, "reject-go") || se.Result == nil || se.Result.Detail != se.Detail {
				note(fmt.Sprintf("no recipients: %v", err))
			}
		}
	}()
	wg.Wait()
	t.Logf("%d refused sends against %d sends without recipients", rounds, emptySends)
	if len(wrong) > 0 {
		t.Fatalf("%d errors did not describe their own send, first: %s", len(wrong), wrong[0])
	}
}

func TestCollectionAndRaw(t *testing.T) {
	c := client(t)
	coll := missive.NewCollection()
	defer coll.Close()
	for i := 0; i < 3; i++ {
		must(t, coll.Add(simple(t, "bulk "+strconv.Itoa(i), "bulk@example.com")))
	}
	if coll.Len() != 3 {
		t.Fatal("len")
	}
	got, err := coll.Get(2)
	must(t, err)
	if s, _ := got.Subject(); s != "bulk 2" {
		t.Fatalf("get %q", s)
	}
	got.Close()
	if _, err := coll.Get(3); !errors.Is(err, missive.ResultIndexOutOfRange) {
		t.Fatalf("get past the end: %v", err)
	}
	res, err := c.SendCollection(context.Background(), coll)
	must(t, err)
	if res.Sent != 3 || len(res.Items) != 3 || res.Code != missive.ResultOK {
		t.Fatalf("collection %+v", res)
	}
	if !strings.Contains(arrived(t, res.Items[1].Result, ".eml"), "Subject: bulk 1") {
		t.Fatal("bulk message 1 did not arrive")
	}
	res, err = c.SendAll(context.Background(), simple(t, "all 1", "a@example.com"), simple(t, "all 2", "reject-all@example.com"))
	var be *missive.BulkError
	if !errors.As(err, &be) || !errors.Is(err, missive.ResultPartialFailure) || be.Delivered() != 1 || res.Sent != 1 {
		t.Fatalf("SendAll: %+v %v", res, err)
	}
	if it := res.Items[1]; it.Status != missive.BulkFailed || it.Code != missive.ResultAllRecipientsRejected || it.Error == "" || it.Result.Rejected[0].ReplyCode != 550 {
		t.Fatalf("failed item %+v", it)
	}
	res, err = c.SendCollectionSync(coll)
	must(t, err)
	if res.Sent != 3 {
		t.Fatalf("sync collection %+v", res)
	}
	r, err := c.SendRaw(context.Background(), "raw@example.com", []string{"r1@example.com", "r2@example.com"}, []byte("Subject: raw\r\n\r\nraw body\r\n"))
	must(t, err)
	if !strings.Contains(arrived(t, r, ".eml"), "raw body") || len(r.Accepted) != 2 {
		t.Fatalf("raw %+v", r)
	}
}

func TestAsyncSends(t *testing.T) {
	c := client(t)
	op, err := c.SendAsync(simple(t, "Go native async", "async@example.com"))
	must(t, err)
	defer op.Close()
	res, err := op.Wait(context.Background())
	must(t, err)
	if !op.IsDone() || op.Code() != missive.ResultOK || op.WaitTimeout(0) != missive.ResultOK {
		t.Fatalf("operation state: %v %v", op.IsDone(), op.Code())
	}
	if !strings.Contains(arrived(t, res.Items[0].Result, ".eml"), "Subject: Go native async") {
		t.Fatal("async message did not arrive")
	}
	must(t, op.Close())
	must(t, op.Close())

	// A rejected recipient surfaces as *SendError from an async send too.
	op, err = c.SendAsync(simple(t, "Go async reject", "reject-async@example.com"))
	must(t, err)
	_, err = op.Wait(context.Background())
	var se *missive.SendError
	if !errors.As(err, &se) || se.ReplyCode() != 550 || !errors.Is(err, missive.ResultAllRecipientsRejected) {
		t.Fatalf("async reject: %v", err)
	}
	op.Close()

	// Several connections, a progress callback, then one that cancels.
	var mu sync.Mutex
	lastDone := 0
	must(t, c.Set(missive.WithMultiConnection(2), missive.WithRetryPolicy(2, false),
		missive.WithProgress(func(p missive.Progress) bool {
			mu.Lock()
			lastDone = p.Done
			mu.Unlock()
			return true
		})))
	coll := missive.NewCollection()
	defer coll.Close()
	for i := 0; i < 5; i++ {
		must(t, coll.Add(simple(t, "Go multi "+strconv.Itoa(i), "multi@example.com")))
	}
	res, err = c.SendCollection(context.Background(), coll)
	must(t, err)
	mu.Lock()
	if res.Sent != 5 || lastDone != 5 {
		t.Fatalf("multi-connection: %+v, progress %d", res, lastDone)
	}
	mu.Unlock()
	must(t, c.Set(missive.WithMultiConnection(1), missive.WithProgress(func(missive.Progress) bool { return false })))
	many := missive.NewCollection()
	defer many.Close()
	m := simple(t, "Go cancel", "cancel@example.com")
	for i := 0; i < 150; i++ {
		must(t, many.Add(m))
	}
	res, err = c.SendCollection(context.Background(), many)
	if !errors.Is(err, missive.ResultCancelled) || !res.Cancelled || res.NotAttempted == 0 {
		t.Fatalf("cancelled by progress: %+v %v", res, err)
	}
	must(t, c.Set(missive.WithProgress(nil)))
	op, err = c.SendCollectionAsync(many)
	must(t, err)
	must(t, op.Cancel())
	<-op.Done()
	op.Close()
}

func TestForward(t *testing.T) {
	c := client(t, missive.WithForwardSender("Desk <desk@example.com>"))
	m := simple(t, "Go forward", "original@example.com")
	r, err := c.Forward(context.Background(), m, missive.ForwardAttach, "fwd-attach@example.com")
	must(t, err)
	if !strings.Contains(arrived(t, r, ".eml"), "message/rfc822") || !strings.Contains(arrived(t, r, ".env"), "MAIL_FROM desk@example.com") {
		t.Fatal("attach-forward did not arrive as expected")
	}
	path := filepath.Join(t.TempDir(), "m.eml")
	must(t, m.SaveFile(path))
	want, err := os.ReadFile(path)
	must(t, err)
	r, err = c.ForwardFile(context.Background(), path, "desk@example.com", "fwd-file@example.com")
	must(t, err)
	if arrived(t, r, ".eml") != string(want) {
		t.Fatal("ForwardFile changed the bytes")
	}
	f, err := os.Open(path)
	must(t, err)
	r, err = c.ForwardOSFile(context.Background(), f, "desk@example.com", "fwd-fd@example.com")
	f.Close()
	must(t, err)
	if arrived(t, r, ".eml") != string(want) {
		t.Fatal("ForwardOSFile changed the bytes")
	}
	r, err = c.ForwardReader(context.Background(), bytes.NewReader(want), int64(len(want)), "desk@example.com", "fwd-stream@example.com")
	must(t, err)
	if arrived(t, r, ".eml") != string(want) {
		t.Fatal("ForwardReader changed the bytes")
	}
	broken := errors.New("disk on fire")
	_, err = c.ForwardReader(context.Background(), &failingReader{err: broken}, -1, "desk@example.com", "fwd-broken@example.com")
	if !errors.Is(err, missive.ResultIO) || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("broken reader: %v", err)
	}
}

type failingReader struct{ err error }

func (r *failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestQueue(t *testing.T) {
	c := client(t, missive.WithQueueDirectory(t.TempDir()), missive.WithQueueRetry(time.Second, time.Minute, 3))
	must(t, c.Enqueue(simple(t, "Go queued", "queued@example.com")))
	st, err := c.QueueState()
	must(t, err)
	list, err := c.QueueList()
	must(t, err)
	if st.Queued != 1 || len(list) != 1 || list[0].State != "queued" {
		t.Fatalf("queue %+v %+v", st, list)
	}
	counts, err := c.DrainQueue(context.Background(), 0, 0)
	must(t, err)
	st, _ = c.QueueState()
	if counts.Delivered != 1 || st.Queued != 0 {
		t.Fatalf("drain %+v, state %+v", counts, st)
	}
}

// Nothing listens on the port: the drain stops with ResultQueueServerUnavailable and its
// counts beside the error; the message stays queued.
func TestQueueDrainServerDownKeepsCounts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	closed := l.Addr().(*net.TCPAddr).Port
	must(t, l.Close())
	c := client(t, missive.WithHost("127.0.0.1", uint16(closed)), missive.WithQueueDirectory(t.TempDir()))
	must(t, c.Enqueue(simple(t, "Go queued, server down", "queued-down@example.com")))
	counts, err := c.DrainQueue(context.Background(), 0, 0)
	if !errors.Is(err, missive.ResultQueueServerUnavailable) {
		t.Fatalf("drain error %v, want ResultQueueServerUnavailable", err)
	}
	if counts.Remaining != 1 || counts.Delivered != 0 || counts.DeadLettered != 0 {
		t.Fatalf("counts with the error %+v, want remaining 1", counts)
	}
	st, err := c.QueueState()
	must(t, err)
	if st.Queued != 1 {
		t.Fatalf("queued %d after the failed drain, want 1", st.Queued)
	}
}

func TestQueueURLLeaseIdempotent(t *testing.T) {
	c := client(t, missive.WithQueueURL("file://"+t.TempDir()), missive.WithQueueLease(5*time.Second), missive.WithQueueIdempotent(true))
	m := simple(t, "Go queued once", "queued-once@example.com")
	must(t, c.Enqueue(m))
	must(t, c.Enqueue(m)) // the same Message-ID: not queued again
	st, err := c.QueueState()
	must(t, err)
	if st.Queued != 1 {
		t.Fatalf("queued %d, want 1", st.Queued)
	}
	counts, err := c.DrainQueue(context.Background(), 0, 0)
	must(t, err)
	if counts.Delivered != 1 {
		t.Fatalf("drain %+v", counts)
	}
	if err := c.Set(missive.WithQueueURL("ftp://example.com/queue")); !errors.Is(err, missive.ResultQueueURLInvalid) {
		t.Fatalf("bad queue URL: %v", err)
	}
	if err := c.Set(missive.WithQueueLease(100 * time.Millisecond)); !errors.Is(err, missive.ResultInvalidArgument) {
		t.Fatalf("short lease: %v", err)
	}
}

func TestAppointmentAndTNEF(t *testing.T) {
	a := missive.NewAppointment()
	defer a.Close()
	must(t, a.SetSummary("Planning"))
	must(t, a.SetDescription("Line one\nLine two"))
	must(t, a.SetLocation("Room 1"))
	must(t, a.SetTimes(time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC), time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)))
	must(t, a.SetOrganizer("Boss <boss@example.com>"))
	must(t, a.AddAttendee("room@example.com", missive.RoleResource, false))
	must(t, a.SetStatus(missive.StatusTentative))
	must(t, a.SetReminder(15*time.Minute))
	must(t, a.SetRecurrence(missive.FrequencyWeekly, 1, 4, time.Time{}))
	if uid, err := a.UID(); err != nil || uid == "" {
		t.Fatalf("uid %q %v", uid, err)
	}
	ics, err := a.ICS(missive.CalendarRequest)
	must(t, err)
	if !bytes.Contains(ics, []byte("SUMMARY:Planning")) || !bytes.Contains(ics, []byte("RRULE:FREQ=WEEKLY")) {
		t.Fatalf("ics:\n%s", ics)
	}
	if err := a.SetTimes(time.Unix(10, 0), time.Unix(5, 0)); !errors.Is(err, missive.ResultInvalidArgument) {
		t.Fatalf("end before start: %v", err)
	}
	local := missive.NewAppointment()
	must(t, local.SetLocalTimes("Europe/Berlin", time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC), time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)))
	must(t, local.SetAllDay(time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC), 2))
	must(t, local.SetUID("fixed-uid@example.com"))
	must(t, local.Close())
	must(t, local.Close())

	c := client(t)
	m := simple(t, "Go meeting", "invitee@example.com")
	must(t, m.AddAppointment(a, missive.CalendarRequest, true))
	r, err := c.Send(context.Background(), m)
	must(t, err)
	if eml := arrived(t, r, ".eml"); !strings.Contains(eml, "text/calendar") || !strings.Contains(eml, "invite.ics") {
		t.Fatalf("meeting request:\n%s", eml)
	}
	if seq, err := a.IncrementSequence(); err != nil || seq != 1 {
		t.Fatalf("sequence %d %v", seq, err)
	}

	tm := simple(t, "Go tnef", "tnef@example.com")
	if tm.UseTNEF() {
		t.Fatal("TNEF by default")
	}
	must(t, tm.SetUseTNEF(true))
	if !tm.UseTNEF() {
		t.Fatal("SetUseTNEF(true) did not stick")
	}
	r, err = c.Send(context.Background(), tm)
	must(t, err)
	if !strings.Contains(arrived(t, r, ".eml"), "application/ms-tnef") {
		t.Fatal("not TNEF")
	}
	must(t, c.Set(missive.WithTNEF(true)))
	r, err = c.Send(context.Background(), simple(t, "Go tnef client", "tnef@example.com"))
	must(t, err)
	if !strings.Contains(arrived(t, r, ".eml"), "winmail.dat") {
		t.Fatal("client TNEF not applied")
	}
}

func TestCredentials(t *testing.T) {
	port, _ := fixture(t)
	c, err := missive.NewClient(missive.WithURL("smtp+plain://alice:wonderland@127.0.0.1:"+strconv.Itoa(port)),
		missive.WithTimeout(5*time.Second, 20*time.Second))
	must(t, err)
	defer c.Close()
	must(t, c.ValidateCredentials(context.Background()))
	must(t, c.Set(missive.WithAuth("alice", "wrong")))
	if err := c.ValidateCredentials(context.Background()); !errors.Is(err, missive.ResultAuthFailed) {
		t.Fatalf("wrong password: %v", err)
	}
}

func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	must(t, err)
	pages, err := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	must(t, err)
	return pages * int64(os.Getpagesize())
}

// 1,000 create/free cycles, half closed explicitly and half left to the finalizers.
func TestThousandCyclesDoNotGrowMemory(t *testing.T) {
	attachment := make([]byte, 16<<10)
	cycle := func(i int) {
		c, err := missive.NewClient(missive.WithHost("localhost", 25))
		must(t, err)
		m := missive.NewMessage()
		must(t, m.AddAttachment("a.bin", "", attachment))
		coll := missive.NewCollection()
		must(t, coll.Add(m))
		cp, err := coll.Get(0)
		must(t, err)
		a := missive.NewAppointment()
		must(t, a.SetSummary("cycle"))
		if i%2 == 0 {
			a.Close()
			c.Close()
			m.Close()
			coll.Close()
			cp.Close()
		}
	}
	settle := func() {
		for i := 0; i < 5; i++ {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The first 1,000 cycles bring the process to its steady state (malloc keeps what it has
	// grown to, and the finalizers run only after a GC); the next 1,000 must not grow it.
	phase := func() {
		for i := 0; i < 1000; i++ {
			cycle(i)
			if i%100 == 99 {
				runtime.GC()
			}
		}
		settle()
	}
	phase()
	before := rss(t)
	phase()
	// A leaked message holds at least its 16 KiB attachment (three copies per cycle).
	if growth := rss(t) - before; growth > 8<<20 {
		t.Fatalf("RSS grew by %d bytes over 1000 cycles", growth)
	}
}
