//! DKIM signing (RFC 6376, with Ed25519 from RFC 8463) of every message a client delivers.
//!
//! The signing itself is done by the `mail-auth` crate (from the authors of mail-parser and
//! mail-builder): canonicalization and the signature format are easy to get subtly wrong, and
//! it is tested against other implementations. This module reads the key, picks the header
//! fields, and puts the `DKIM-Signature` fields in front of the bytes that go out.
//!
//! Signing happens in one place, [`outgoing`], which every delivery path runs on the final bytes
//! after `Bcc`, `X-Sender` and `X-Receiver` are removed (see `envelope_fields`): composed,
//! loaded, TNEF, calendar, forwarded (RESEND, ATTACH and REDIRECT, where the forwarder's
//! signature goes on top of the original ones), bulk, pickup and queue alike.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256, SigningKey};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{Canonicalization as MaCanon, DkimSigner as MaSigner, Done};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer};
use zeroize::{Zeroize, Zeroizing};

use super::envelope_fields::{strip_envelope_fields, strip_envelope_fields_reader};
use crate::message::{MessageError, MessageErrorKind};

/// The signing algorithm (`a=` tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DkimAlgorithm {
    /// RSA with SHA-256 (RFC 6376): a PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`.
    RsaSha256,
    /// Ed25519 with SHA-256 (RFC 8463): a PKCS#8 `PRIVATE KEY`.
    Ed25519Sha256,
}

impl DkimAlgorithm {
    /// The name in the `a=` tag.
    pub fn name(self) -> &'static str {
        match self {
            DkimAlgorithm::RsaSha256 => "rsa-sha256",
            DkimAlgorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }
}

/// A canonicalization algorithm (RFC 6376 section 3.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DkimCanonicalization {
    /// `relaxed`: tolerates re-folding and white-space changes (the default).
    #[default]
    Relaxed,
    /// `simple`: byte for byte, apart from trailing empty lines of the body.
    Simple,
}

impl DkimCanonicalization {
    fn to_mail_auth(self) -> MaCanon {
        match self {
            DkimCanonicalization::Relaxed => MaCanon::Relaxed,
            DkimCanonicalization::Simple => MaCanon::Simple,
        }
    }
}

/// Header fields signed when the message has them (each occurrence once; when absent they are
/// not listed, so that one added later by a forwarder does not break the signature).
pub const SIGNED_FIELDS: &[&str] = &[
    "Reply-To",
    "Sender",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Resent-From",
    "Resent-To",
    "Resent-Cc",
    "Resent-Date",
    "Resent-Message-ID",
];

/// Header fields over-signed (RFC 6376 section 8.15): each is listed once more than it occurs,
/// so that adding one more of them (a second `From`, a `List-Unsubscribe` where there was
/// none) breaks the signature.
pub const OVERSIGNED_FIELDS: &[&str] = &[
    "From",
    "Subject",
    "To",
    "Cc",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

enum Key {
    Rsa(MaSigner<RsaKey<Sha256>, Done>),
    Ed25519(MaSigner<Ed25519Key, Done>),
}

/// One DKIM signing identity: domain (`d=`), selector (`s=`), private key, algorithm and
/// canonicalization. The key is zeroized when the signer is dropped. `Debug` never shows the
/// key.
pub struct DkimSigner {
    domain: String,
    selector: String,
    algorithm: DkimAlgorithm,
    header_canonicalization: DkimCanonicalization,
    body_canonicalization: DkimCanonicalization,
    key: Key,
}

impl fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSigner")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .field("algorithm", &self.algorithm)
            .field("header_canonicalization", &self.header_canonicalization)
            .field("body_canonicalization", &self.body_canonicalization)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// Why a signer could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DkimErrorKind {
    /// The key is not a PEM private key of the algorithm asked for.
    KeyInvalid,
    /// The domain or the selector is not a valid DNS name.
    InvalidArgument,
    /// The key file could not be read (not found, permission denied, other I/O).
    File(MessageErrorKind),
}

/// A signer that could not be made, with a message naming the problem (never key material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimError {
    /// What was wrong.
    pub kind: DkimErrorKind,
    /// What happened, for people.
    pub message: String,
}

impl fmt::Display for DkimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DkimError {}

fn key_invalid(message: impl Into<String>) -> DkimError {
    DkimError {
        kind: DkimErrorKind::KeyInvalid,
        message: message.into(),
    }
}

/// Checks a domain or selector: dot-separated labels of letters, digits, `-` and `_`, each
/// 1 to 63 characters (after punycode for an international domain).
fn dns_name(what: &str, value: &str) -> Result<String, DkimError> {
    let bad = |why: &str| DkimError {
        kind: DkimErrorKind::InvalidArgument,
        message: format!("the DKIM {what} {value:?} {why}"),
    };
    let value = value.trim().trim_end_matches('.');
    if value.is_empty() {
        return Err(bad("is empty"));
    }
    let ascii = if value.is_ascii() {
        value.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(value).map_err(|_| bad("is not a valid domain name"))?
    };
    if ascii.len() > 253 {
        return Err(bad("is longer than 253 characters"));
    }
    for label in ascii.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(bad("has an empty label or one longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad(
                "may hold only letters, digits, '-', '_' and '.' (it names a DNS record)",
            ));
        }
    }
    Ok(ascii)
}

impl DkimSigner {
    /// Makes a signer from a PEM private key: PKCS#8 `PRIVATE KEY` (RSA or Ed25519) or PKCS#1
    /// `RSA PRIVATE KEY` (RSA). The key must be of `algorithm`'s kind. Canonicalization is
    /// relaxed/relaxed; see [`DkimSigner::with_canonicalization`].
    pub fn from_pem(
        domain: &str,
        selector: &str,
        pem: &[u8],
        algorithm: DkimAlgorithm,
    ) -> Result<DkimSigner, DkimError> {
        let domain = dns_name("domain", domain)?;
        let selector = dns_name("selector", selector)?;
        let pem = Zeroizing::new(pem.to_vec());
        let mut der = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
            key_invalid(format!(
                "the DKIM key is not a PEM private key ({}): expected \
                 \"-----BEGIN PRIVATE KEY-----\" (PKCS#8) or \"-----BEGIN RSA PRIVATE KEY-----\"",
                pem_error_text(&e)
            ))
        })?;
        let rsa = |view: PrivateKeyDer<'_>| {
            let kind = pem_kind(&view);
            RsaKey::<Sha256>::from_key_der(view)
                .map(|k| Key::Rsa(signer_for(k)))
                .map_err(|_| {
                    key_invalid(format!(
                        "the DKIM key is not an RSA private key ({kind} PEM), as rsa-sha256 needs"
                    ))
                })
        };
        let key = match (algorithm, &der) {
            // Views of the same bytes (no copy that would be freed unwiped).
            (DkimAlgorithm::RsaSha256, PrivateKeyDer::Pkcs1(k)) => rsa(PrivateKeyDer::Pkcs1(
                PrivatePkcs1KeyDer::from(k.secret_pkcs1_der()),
            )),
            (DkimAlgorithm::RsaSha256, PrivateKeyDer::Pkcs8(k)) => rsa(PrivateKeyDer::Pkcs8(
                PrivatePkcs8KeyDer::from(k.secret_pkcs8_der()),
            )),
            (DkimAlgorithm::Ed25519Sha256, PrivateKeyDer::Pkcs8(p)) => {
                Ed25519Key::from_pkcs8_maybe_unchecked_der(p.secret_pkcs8_der())
                    .map(|k| Key::Ed25519(signer_for(k)))
                    .map_err(|_| {
                        key_invalid(
                            "the DKIM key is not an Ed25519 private key (PKCS#8 PEM), as \
                             ed25519-sha256 needs",
                        )
                    })
            }
            (DkimAlgorithm::Ed25519Sha256, _) => Err(key_invalid(format!(
                "the DKIM key is a {} PEM key; ed25519-sha256 needs a PKCS#8 \
                 \"PRIVATE KEY\" holding an Ed25519 key",
                pem_kind(&der)
            ))),
            (DkimAlgorithm::RsaSha256, _) => Err(key_invalid(format!(
                "the DKIM key is a {} PEM key; rsa-sha256 needs \"RSA PRIVATE KEY\" (PKCS#1) \
                 or \"PRIVATE KEY\" (PKCS#8) holding an RSA key",
                pem_kind(&der)
            ))),
        };
        der.zeroize();
        let key = key?;
        let mut signer = DkimSigner {
            domain,
            selector,
            algorithm,
            header_canonicalization: DkimCanonicalization::Relaxed,
            body_canonicalization: DkimCanonicalization::Relaxed,
            key,
        };
        signer.rebuild();
        Ok(signer)
    }

    /// [`DkimSigner::from_pem`] with the PEM read from the file at `path` (its bytes are
    /// zeroized after use).
    pub fn from_pem_file(
        domain: &str,
        selector: &str,
        path: &std::path::Path,
        algorithm: DkimAlgorithm,
    ) -> Result<DkimSigner, DkimError> {
        let pem = Zeroizing::new(std::fs::read(path).map_err(|e| {
            let m = MessageError::from_io(
                &e,
                format!("cannot read the DKIM key file {}", path.display()),
            );
            DkimError {
                kind: DkimErrorKind::File(m.kind()),
                message: m.message().to_string(),
            }
        })?);
        DkimSigner::from_pem(domain, selector, &pem, algorithm)
    }

    /// Sets the header and body canonicalization (`c=`; relaxed/relaxed by default).
    pub fn with_canonicalization(
        mut self,
        header: DkimCanonicalization,
        body: DkimCanonicalization,
    ) -> DkimSigner {
        self.header_canonicalization = header;
        self.body_canonicalization = body;
        self.rebuild();
        self
    }

    /// Writes domain, selector and canonicalization into the mail-auth signer (the header list
    /// is made for each message, see [`header_list`]).
    fn rebuild(&mut self) {
        fn set<T: SigningKey>(s: &mut MaSigner<T, Done>, me: (&str, &str, MaCanon, MaCanon)) {
            s.template.d = me.0.to_string();
            s.template.s = me.1.to_string();
            s.template.ch = me.2;
            s.template.cb = me.3;
        }
        let me = (
            self.domain.as_str(),
            self.selector.as_str(),
            self.header_canonicalization.to_mail_auth(),
            self.body_canonicalization.to_mail_auth(),
        );
        match &mut self.key {
            Key::Rsa(s) => set(s, me),
            Key::Ed25519(s) => set(s, me),
        }
    }

    /// The signing domain (`d=`), in ASCII.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The selector (`s=`).
    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// The algorithm.
    pub fn algorithm(&self) -> DkimAlgorithm {
        self.algorithm
    }

    /// The `DKIM-Signature` field (ending in CRLF) for a whole message in `message` (CRLF line
    /// ends).
    pub fn sign(&self, message: &[u8]) -> Result<String, MessageError> {
        let h = header_list(&present_fields(&mut &message[..]));
        let sig = match &self.key {
            Key::Rsa(s) => per_message(s, h).sign(message),
            Key::Ed25519(s) => per_message(s, h).sign(message),
        };
        sig.map(|s| tidy(s.to_header()))
            .map_err(|e| sign_failed(self, &e))
    }

    /// The `DKIM-Signature` field for a message read from `reader` to its end (CRLF line ends),
    /// through a fixed-size buffer: headers are kept, the body is only hashed. `fields` are the
    /// names of the header fields the message has (see [`present_fields`]).
    fn sign_reader(
        &self,
        reader: &mut dyn Read,
        fields: &[String],
    ) -> io::Result<Result<String, MessageError>> {
        fn run<T: SigningKey>(
            s: &MaSigner<T, Done>,
            h: Vec<String>,
            reader: &mut dyn Read,
        ) -> io::Result<mail_auth::Result<String>>
        where
            <<T as SigningKey>::Hasher as mail_auth::common::crypto::HashImpl>::Context:
                mail_auth::common::crypto::HashContext,
        {
            let signer = per_message(s, h);
            let mut stream = signer.sign_streaming();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                stream.write(&buf[..n]);
            }
            Ok(stream.finish().map(|sig| tidy(sig.to_header())))
        }
        let h = header_list(fields);
        let r = match &self.key {
            Key::Rsa(s) => run(s, h, reader)?,
            Key::Ed25519(s) => run(s, h, reader)?,
        };
        Ok(r.map_err(|e| sign_failed(self, &e)))
    }
}

/// The field with a closing `;` that mail-auth folded onto a line of its own put back at the
/// end of the `b=` value. The signature was computed over `b=;`; RFC 6376 (3.7) has verifiers
/// delete the value "including all surrounding whitespace", which OpenDKIM does, but dkimpy
/// keeps the folding before that `;` and then fails. Without it every verifier reads `b=;`.
fn tidy(field: String) -> String {
    match field.strip_suffix("\r\n\t;\r\n") {
        Some(rest) => format!("{rest};\r\n"),
        None => field,
    }
}

/// The stored key, borrowed by a signer made for one message (its own `h=` list).
struct KeyRef<'a, T>(&'a T);

impl<T: SigningKey> SigningKey for KeyRef<'_, T> {
    type Hasher = T::Hasher;

    fn sign(&self, input: impl mail_auth::common::headers::Writable) -> mail_auth::Result<Vec<u8>> {
        self.0.sign(input)
    }

    fn algorithm(&self) -> mail_auth::common::crypto::Algorithm {
        self.0.algorithm()
    }
}

/// A signer for one message: the stored signer's domain, selector and canonicalization, its
/// key borrowed, and the header list `h`.
fn per_message<T: SigningKey>(
    s: &MaSigner<T, Done>,
    h: Vec<String>,
) -> MaSigner<KeyRef<'_, T>, Done> {
    let mut m = MaSigner::from_key(KeyRef(&s.key))
        .domain(s.template.d.clone())
        .selector(s.template.s.clone())
        .headers(h);
    m.template.ch = s.template.ch;
    m.template.cb = s.template.cb;
    m
}

/// The names (lower case) of the header fields of the message read from `reader`, from its
/// header section only (read up to the empty line, at most 1 MiB).
fn present_fields(reader: &mut dyn Read) -> Vec<String> {
    use std::io::BufRead;
    let mut r = io::BufReader::new(reader.take(1 << 20));
    let mut names = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            continue;
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let name = String::from_utf8_lossy(&line[..colon])
                .trim()
                .to_ascii_lowercase();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

fn signer_for<T: SigningKey>(key: T) -> MaSigner<T, Done> {
    MaSigner::from_key(key)
        .domain("invalid")
        .selector("invalid")
        .headers(["From"])
}

/// `h=` for a message with the header fields `present` (lower-case names): every
/// over-signed field twice (mail-auth signs each occurrence present and lists absent names once
/// more, which is the over-signing), the others only when present (so that a field a forwarder
/// may add later, such as Resent-From or Sender, does not break the signature when it was not
/// there).
fn header_list(present: &[String]) -> Vec<String> {
    let mut h: Vec<String> = Vec::new();
    for f in OVERSIGNED_FIELDS {
        h.push((*f).to_string());
        h.push((*f).to_string());
    }
    h.extend(
        SIGNED_FIELDS
            .iter()
            .filter(|f| present.iter().any(|p| p.eq_ignore_ascii_case(f)))
            .map(|f| (*f).to_string()),
    );
    h
}

fn sign_failed(s: &DkimSigner, e: &mail_auth::Error) -> MessageError {
    MessageError::new(
        MessageErrorKind::DkimSigningFailed,
        format!(
            "DKIM signing for {} (selector {}) failed: {e}",
            s.domain, s.selector
        ),
    )
}

fn pem_kind(der: &PrivateKeyDer<'_>) -> &'static str {
    match der {
        PrivateKeyDer::Pkcs1(_) => "PKCS#1 RSA",
        PrivateKeyDer::Pkcs8(_) => "PKCS#8",
        PrivateKeyDer::Sec1(_) => "SEC1 EC",
        _ => "unsupported",
    }
}

/// The PEM reader's error without any of the input.
fn pem_error_text(e: &rustls::pki_types::pem::Error) -> &'static str {
    use rustls::pki_types::pem::Error as E;
    match e {
        E::NoItemsFound => "no private key block found",
        E::MissingSectionEnd { .. } => "a PEM block has no END line",
        E::IllegalSectionStart { .. } => "a PEM BEGIN line is malformed",
        E::Base64Decode(_) => "the PEM block is not valid base64",
        _ => "it cannot be read",
    }
}

/// `data` with every bare LF and bare CR made CRLF, and ending in CRLF, as it goes over SMTP:
/// the signature must cover the bytes the receiver sees.
fn crlf(data: &[u8]) -> Cow<'_, [u8]> {
    let needs = (!data.is_empty() && !data.ends_with(b"\r\n"))
        || data.iter().enumerate().any(|(i, &b)| {
            (b == b'\n' && (i == 0 || data[i - 1] != b'\r'))
                || (b == b'\r' && data.get(i + 1) != Some(&b'\n'))
        });
    if !needs {
        return Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if data.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    Cow::Owned(out)
}

/// The bytes that go out for a message: `Bcc`, `X-Sender` and `X-Receiver` removed, and, when
/// `signers` is not empty, line ends made CRLF and one `DKIM-Signature` per signer put in front
/// (in the order the signers were added, the first one on top). Borrows `data` when nothing
/// changes.
pub(crate) fn outgoing<'a>(
    data: &'a [u8],
    signers: &[Arc<DkimSigner>],
) -> Result<Cow<'a, [u8]>, MessageError> {
    let stripped = strip_envelope_fields(data);
    if signers.is_empty() {
        return Ok(stripped);
    }
    let body = crlf(&stripped);
    let mut fields = Vec::with_capacity(signers.len());
    for s in signers {
        fields.push(s.sign(&body)?);
    }
    let len = fields.iter().map(String::len).sum::<usize>() + body.len();
    let mut out = Vec::with_capacity(len);
    for f in &fields {
        out.extend_from_slice(f.as_bytes());
    }
    out.extend_from_slice(&body);
    Ok(Cow::Owned(out))
}

/// A stream to be delivered with signatures: the message is spooled once into an unnamed
/// temporary file (envelope fields removed, line ends made CRLF) while it is hashed, because
/// the `DKIM-Signature` fields go in front of the bytes they cover. Memory stays bounded.
pub(crate) struct SignedSpool {
    /// The signature fields, to be sent first.
    pub head: Vec<u8>,
    /// The message, positioned at its start.
    pub file: std::fs::File,
    /// The number of bytes in `file`.
    pub len: u64,
}

impl SignedSpool {
    /// Spools and signs `message` (read to its end).
    pub(crate) fn new(
        message: &mut dyn Read,
        signers: &[Arc<DkimSigner>],
    ) -> Result<SignedSpool, MessageError> {
        let io_err = |e: io::Error| {
            MessageError::from_io(
                &e,
                "cannot spool the message for DKIM signing in the temporary directory",
            )
        };
        let mut file = spool_file().map_err(io_err)?;
        let mut filtered = strip_envelope_fields_reader(message);
        let mut w = CrlfWriter::new(io::BufWriter::with_capacity(64 * 1024, &mut file));
        io::copy(&mut filtered, &mut w).map_err(io_err)?;
        w.finish().map_err(io_err)?;
        let len = file.stream_position().map_err(io_err)?;
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let fields = present_fields(&mut file);
        let mut head = Vec::new();
        for s in signers {
            file.seek(SeekFrom::Start(0)).map_err(io_err)?;
            let mut reader = io::BufReader::with_capacity(64 * 1024, &mut file);
            head.extend_from_slice(
                s.sign_reader(&mut reader, &fields)
                    .map_err(io_err)??
                    .as_bytes(),
            );
        }
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        Ok(SignedSpool { head, file, len })
    }

    /// The whole signed message as a reader: the fields, then the spooled message.
    pub(crate) fn reader(&mut self) -> impl Read + '_ {
        io::Cursor::new(&self.head[..]).chain(&mut self.file)
    }
}

/// An unnamed temporary file (created and unlinked at once), so nothing is left behind.
fn spool_file() -> io::Result<std::fs::File> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!(".missive-dkim-{}.tmp", super::stream::unique_id()));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(f)
}

/// Writes its input with bare CR and LF made CRLF (the same rule as [`crlf`], across writes).
struct CrlfWriter<W: Write> {
    inner: W,
    pending_cr: bool,
    /// Whether the output so far is empty or ends with CRLF.
    at_line_start: bool,
}

impl<W: Write> CrlfWriter<W> {
    fn new(inner: W) -> Self {
        CrlfWriter {
            inner,
            pending_cr: false,
            at_line_start: true,
        }
    }

    fn finish(mut self) -> io::Result<()> {
        if self.pending_cr || !self.at_line_start {
            self.inner.write_all(b"\r\n")?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Write for CrlfWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            match b {
                b'\n' => {
                    self.inner.write_all(&buf[start..i])?;
                    self.inner.write_all(b"\r\n")?;
                    start = i + 1;
                    self.pending_cr = false;
                }
                _ if self.pending_cr => {
                    // A CR not followed by LF.
                    self.inner.write_all(b"\r\n")?;
                    self.pending_cr = false;
                    if b == b'\r' {
                        self.inner.write_all(&buf[start..i])?;
                        start = i + 1;
                        self.pending_cr = true;
                    }
                }
                b'\r' => {
                    self.inner.write_all(&buf[start..i])?;
                    start = i + 1;
                    self.pending_cr = true;
                }
                _ => {}
            }
        }
        self.inner.write_all(&buf[start..])?;
        if !buf.is_empty() {
            // Ends with a completed line break only when the last byte was an LF (a CR is
            // pending and counted in `finish`).
            self.at_line_start = buf[buf.len() - 1] == b'\n';
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the lengths before it, the `b=` value is never followed by a fold before the
    /// closing `;` (dkimpy would fail such a field), and no line exceeds 998 octets. The case
    /// does occur in mail-auth's own output for some of these lengths.
    #[test]
    fn no_fold_before_the_closing_semicolon() {
        let pem = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/dkim/rsa-pkcs1.pem"),
        )
        .unwrap();
        let signer =
            DkimSigner::from_pem("example.com", "rsa1", &pem, DkimAlgorithm::RsaSha256).unwrap();
        let Key::Rsa(inner) = &signer.key else {
            panic!("not an RSA signer")
        };
        let mut folded_by_mail_auth = 0;
        for n in 0..120 {
            let msg = format!(
                "From: a@example.com\r\nSubject: s\r\n{}: v\r\n\r\nbody\r\n",
                "X".repeat(n + 1)
            );
            let present = present_fields(&mut msg.as_bytes());
            // Longer h= lists move where b= starts.
            let mut h = header_list(&present);
            h.push(format!("X{}", "p".repeat(n % 60)));
            h.extend((0..n / 60).map(|i| format!("X-Pad-{i}")));
            let raw = per_message(inner, h)
                .sign(msg.as_bytes())
                .unwrap()
                .to_header();
            if raw.ends_with("\r\n\t;\r\n") {
                folded_by_mail_auth += 1;
            }
            let field = tidy(raw);
            assert!(!field.ends_with("\r\n\t;\r\n"), "{field}");
            assert!(field.ends_with("==;\r\n") || field.ends_with(";\r\n"));
            assert!(field.split("\r\n").all(|l| l.len() <= 998), "{field}");
            assert!(signer.sign(msg.as_bytes()).unwrap().ends_with(";\r\n"));
            assert!(
                !signer
                    .sign(msg.as_bytes())
                    .unwrap()
                    .ends_with("\r\n\t;\r\n")
            );
        }
        assert!(folded_by_mail_auth > 0, "the case was never exercised");
    }

    /// The streamed line-end fix-up writes what the in-memory one returns, however the input
    /// is cut into writes.
    #[test]
    fn crlf_writer_matches_crlf_for_every_split() {
        let inputs: [&[u8]; 8] = [
            b"a\nb\r\nc\rd\r\r\n\n",
            b"no final line break",
            b"\r",
            b"\n",
            b"",
            b"x\r\n",
            b"cr at end\r",
            b"\r\r\n\n\r",
        ];
        for input in inputs {
            let want = crlf(input).into_owned();
            assert!(want.is_empty() || want.ends_with(b"\r\n"));
            for cut in 0..=input.len() {
                let mut out = Vec::new();
                let mut w = CrlfWriter::new(&mut out);
                w.write_all(&input[..cut]).unwrap();
                w.write_all(&input[cut..]).unwrap();
                w.finish().unwrap();
                assert_eq!(out, want, "input {input:?} cut at {cut}");
            }
        }
    }
}
