//! The client: where and how messages are delivered.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};

use super::pickup::{PickupDelivery, Prepared, deliver_to_pickup_signed, message_bytes};
use crate::message::{DsnReturn, MailMessage, MessageError, MessageErrorKind, MimeOptions};
use crate::smtp::{
    Capabilities, Credentials, DsnNotify, DsnRet, Envelope, Recipient, Reply, SendResult,
    SmtpClient, SmtpConfig, SmtpError, SmtpErrorKind,
};

/// Where `send` puts a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeliveryMethod {
    /// Over SMTP to the configured server.
    #[default]
    Network,
    /// As an `.eml` file into the pickup directory.
    PickupDirectory,
}

/// The client's settings. `Debug` shows `<redacted>` in place of the password and the token.
#[derive(Clone)]
pub struct ClientConfig {
    /// The SMTP settings: host, port, security, TLS, timeouts, pipelining, protocol log.
    /// Its `credentials` are made from `username`, `password` and `oauth2_token` at send time.
    pub smtp: SmtpConfig,
    /// User name for AUTH; empty means no authentication.
    pub username: String,
    /// Password for AUTH.
    pub password: String,
    /// An OAuth 2 access token: when set, AUTH uses OAUTHBEARER or XOAUTH2 with it instead of
    /// the password.
    pub oauth2_token: Option<String>,
    /// A source of OAuth 2 tokens, asked before each AUTH (and once more after a refused
    /// token); when set it wins over `oauth2_token` and the password.
    pub token_provider: Option<crate::smtp::TokenProvider>,
    /// Where messages go.
    pub delivery_method: DeliveryMethod,
    /// The pickup directory, for `DeliveryMethod::PickupDirectory`.
    pub pickup_directory: Option<PathBuf>,
    /// How composed messages are written.
    pub mime: MimeOptions,
    /// Send every message as TNEF (`winmail.dat`), over SMTP and into the pickup directory.
    pub use_tnef: bool,
    /// The forwarding address: MAIL FROM of forwarded messages, `Resent-From` of RESEND,
    /// `From` of ATTACH (see `forward.rs`).
    pub forward_sender: Option<String>,
    /// The on-disk queue and its retry policy (see `queue.rs`).
    pub queue: super::queue::QueueSettings,
    /// DKIM signers: every message delivered is signed by each, in order (see `dkim.rs`).
    pub dkim: Vec<std::sync::Arc<super::dkim::DkimSigner>>,
    /// A database queue (instead of the directory), the lease of its claims, and idempotent
    /// enqueue (see `queue.rs`, `queue_pg.rs`).
    pub queue_backend: super::queue_url::QueueBackendSettings,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            smtp: SmtpConfig::new(""),
            username: String::new(),
            password: String::new(),
            oauth2_token: None,
            token_provider: None,
            delivery_method: DeliveryMethod::Network,
            pickup_directory: None,
            mime: MimeOptions::default(),
            use_tnef: false,
            forward_sender: None,
            queue: super::queue::QueueSettings::default(),
            dkim: Vec::new(),
            queue_backend: super::queue_url::QueueBackendSettings::default(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |set: bool| if set { "<redacted>" } else { "" };
        f.debug_struct("ClientConfig")
            .field("smtp", &self.smtp)
            .field("username", &self.username)
            .field("password", &redacted(!self.password.is_empty()))
            .field(
                "oauth2_token",
                &self.oauth2_token.as_ref().map(|_| "<redacted>"),
            )
            .field("delivery_method", &self.delivery_method)
            .field("pickup_directory", &self.pickup_directory)
            .field("mime", &self.mime)
            .field("use_tnef", &self.use_tnef)
            .field("forward_sender", &self.forward_sender)
            .field("queue", &self.queue)
            .field("dkim", &self.dkim)
            .field("queue_backend", &self.queue_backend)
            .finish_non_exhaustive()
    }
}

impl Drop for ClientConfig {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.password.zeroize();
        if let Some(t) = self.oauth2_token.as_mut() {
            t.zeroize();
        }
    }
}

impl ClientConfig {
    /// The SMTP configuration with the credentials filled in.
    pub fn smtp_config(&self) -> SmtpConfig {
        let mut c = self.smtp.clone();
        c.credentials = if self.username.is_empty() {
            None
        } else if let Some(provider) = &self.token_provider {
            Some(Credentials::oauth2_provider(
                self.username.clone(),
                provider.clone(),
            ))
        } else if let Some(token) = &self.oauth2_token {
            Some(Credentials::oauth2(self.username.clone(), token.clone()))
        } else {
            Some(Credentials::password(
                self.username.clone(),
                self.password.clone(),
            ))
        };
        c
    }
}

/// Why a delivery failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliverErrorKind {
    /// The message could not be written or is incomplete (no sender, no recipients, I/O).
    Message(MessageErrorKind),
    /// `PickupDirectory` delivery was chosen but no directory is set.
    PickupDirectoryNotSet,
    /// `Network` delivery was chosen but no host is set.
    HostNotSet,
    /// The SMTP exchange failed (see the attached [`SmtpError`]).
    Smtp(SmtpErrorKind),
}

/// A delivery failure with a message naming the problem.
#[derive(Clone, Debug)]
pub struct DeliverError {
    /// The kind of failure.
    pub kind: DeliverErrorKind,
    /// What happened, for people.
    pub message: String,
    /// The SMTP detail (reply, refused recipients) when the failure came from the server.
    pub smtp: Option<Box<SmtpError>>,
}

impl DeliverError {
    fn new(kind: DeliverErrorKind, message: impl Into<String>) -> Self {
        DeliverError {
            kind,
            message: message.into(),
            smtp: None,
        }
    }
}

impl fmt::Display for DeliverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeliverError {}

impl From<MessageError> for DeliverError {
    fn from(e: MessageError) -> Self {
        DeliverError::new(DeliverErrorKind::Message(e.kind()), e.message())
    }
}

impl From<SmtpError> for DeliverError {
    fn from(e: SmtpError) -> Self {
        DeliverError {
            kind: DeliverErrorKind::Smtp(e.kind),
            message: e.to_string(),
            smtp: Some(Box::new(e)),
        }
    }
}

/// What a successful delivery did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Written into the pickup directory.
    Pickup(PickupDelivery),
    /// Accepted by the SMTP server (possibly with some recipients refused: see `rejected`).
    Smtp(SendResult),
}

impl Delivery {
    /// The recipients that were accepted.
    pub fn accepted(&self) -> &[String] {
        match self {
            Delivery::Pickup(p) => &p.recipients,
            Delivery::Smtp(r) => &r.accepted,
        }
    }

    /// The recipients the server refused, with its replies (never any for pickup delivery).
    pub fn rejected(&self) -> &[(String, Reply)] {
        match self {
            Delivery::Pickup(_) => &[],
            Delivery::Smtp(r) => &r.rejected,
        }
    }
}

/// SMTP connections kept between sends, made for one version of the settings.
#[derive(Default)]
struct Pool {
    generation: u64,
    idle: Vec<SmtpClient>,
}

/// An email client. Safe to share between threads: settings are read under a lock for each
/// send, and each concurrent send uses its own SMTP connection; connections are kept for reuse
/// until the settings change or [`Client::close`] is called.
#[derive(Default)]
pub struct Client {
    config: RwLock<(u64, ClientConfig)>,
    pool: Mutex<Pool>,
    /// Bulk-send settings (see `bulk.rs`); changing them keeps the connections.
    pub(super) bulk: RwLock<super::bulk::BulkSettings>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config())
            .finish_non_exhaustive()
    }
}

/// The pickup directory, or the error that says none is set.
pub(super) fn pickup_directory(config: &ClientConfig) -> Result<&std::path::Path, DeliverError> {
    config.pickup_directory.as_deref().ok_or_else(|| {
        DeliverError::new(
            DeliverErrorKind::PickupDirectoryNotSet,
            "delivery method is PICKUP_DIRECTORY but no pickup directory is set",
        )
    })
}

/// The SMTP envelope for a prepared message.
pub fn envelope_for(p: &Prepared) -> Envelope {
    let notify = (!p.dsn.notify.is_default()).then_some(DsnNotify {
        never: p.dsn.notify.never,
        success: p.dsn.notify.success,
        failure: p.dsn.notify.failure,
        delay: p.dsn.notify.delay,
    });
    Envelope {
        mail_from: p.mail_from.clone(),
        recipients: p
            .recipients
            .iter()
            .map(|a| Recipient {
                address: a.clone(),
                notify,
            })
            .collect(),
        smtputf8: p.smtputf8,
        eight_bit: p.data.iter().any(|b| *b >= 0x80),
        dsn_ret: p.dsn.ret.map(|r| match r {
            DsnReturn::Full => DsnRet::Full,
            DsnReturn::Headers => DsnRet::Headers,
        }),
        dsn_envid: p.dsn.envelope_id.clone(),
    }
}

impl Client {
    /// A client with default settings (network delivery, `Auto` security, no host).
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the settings.
    pub fn config(&self) -> ClientConfig {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    fn config_with_generation(&self) -> (u64, ClientConfig) {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Changes the settings. Kept SMTP connections are closed, as they were made with the old
    /// settings.
    pub fn configure<R>(&self, f: impl FnOnce(&mut ClientConfig) -> R) -> R {
        let r = {
            let mut guard = self.config.write().unwrap_or_else(|e| e.into_inner());
            guard.0 += 1;
            f(&mut guard.1)
        };
        self.close();
        r
    }

    /// Sends QUIT on every kept SMTP connection and closes it. Several kept connections (after
    /// a multi-connection bulk send) are closed at once, so the wait for the replies to QUIT is
    /// one round trip, not one per connection.
    pub fn close(&self) {
        let idle = std::mem::take(&mut self.pool.lock().unwrap_or_else(|e| e.into_inner()).idle);
        if idle.len() <= 1 {
            drop(idle); // SmtpClient sends QUIT on drop
            return;
        }
        std::thread::scope(|s| {
            for mut smtp in idle {
                s.spawn(move || smtp.close());
            }
        });
    }

    /// Runs `f` with a kept SMTP connection for the current settings (or a new one), and keeps
    /// the connection afterwards if the settings did not change meanwhile.
    pub(super) fn with_smtp<R>(
        &self,
        f: impl FnOnce(&mut SmtpClient) -> Result<R, SmtpError>,
    ) -> Result<R, DeliverError> {
        let (generation, mut smtp) = self.checkout_smtp()?;
        let result = f(&mut smtp);
        self.checkin_smtp(generation, smtp);
        Ok(result?)
    }

    /// Takes a kept SMTP connection for the current settings (or a new, unconnected client),
    /// with the settings' generation, for a bulk worker; give it back with `checkin_smtp`.
    pub(super) fn checkout_smtp(&self) -> Result<(u64, SmtpClient), DeliverError> {
        let (generation, config) = self.config_with_generation();
        if config.smtp.host.is_empty() {
            return Err(DeliverError::new(
                DeliverErrorKind::HostNotSet,
                "delivery method is NETWORK but no SMTP host is set",
            ));
        }
        let kept = {
            let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
            if pool.generation != generation {
                pool.generation = generation;
                pool.idle.clear();
            }
            pool.idle.pop()
        };
        let smtp = kept.unwrap_or_else(|| SmtpClient::new(config.smtp_config()));
        Ok((generation, smtp))
    }

    /// Keeps a connection taken with `checkout_smtp` if the settings did not change meanwhile.
    pub(super) fn checkin_smtp(&self, generation: u64, smtp: SmtpClient) {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if pool.generation == generation && smtp.is_connected() {
            pool.idle.push(smtp);
        }
    }

    /// Delivers one message by the configured method.
    pub fn send(&self, msg: &MailMessage) -> Result<Delivery, DeliverError> {
        let prepared = self.prepare(msg)?;
        self.send_prepared(&prepared)
    }

    /// Delivers `msg` with an envelope given apart from its header fields (e.g. the one
    /// [`load_pickup_file`](super::load_pickup_file) returned): MAIL FROM and RCPT TO are
    /// exactly `envelope`'s, whatever the message's From, To, Cc and Bcc say.
    pub fn send_with_envelope(
        &self,
        msg: &MailMessage,
        envelope: &super::Envelope,
    ) -> Result<Delivery, DeliverError> {
        let bytes = message_bytes(msg, &self.config().mime);
        self.send_prepared(&Prepared::with_envelope(msg, bytes, envelope)?)
    }

    /// Whether this client sends messages as TNEF, so that a message that is not TNEF
    /// already must be written as TNEF (see [`Client::prepare`]).
    pub fn converts_to_tnef(&self, msg: &MailMessage) -> bool {
        self.config().use_tnef && !msg.use_tnef()
    }

    /// Prepares a message for delivery under this client's settings: with `use_tnef` on the
    /// client, a message that is not TNEF already is written as TNEF from its model.
    pub fn prepare(&self, msg: &MailMessage) -> Result<Prepared, crate::message::MessageError> {
        let mime = self.config().mime.clone();
        if self.converts_to_tnef(msg) {
            let mut m = msg.clone();
            m.set_use_tnef(true);
            return Prepared::from_message(&m, &mime);
        }
        Prepared::from_message(msg, &mime)
    }

    /// Delivers a prepared message (envelope and bytes) by the configured method, as it is
    /// (the client's `use_tnef` applies when a message is prepared, see [`Client::prepare`]).
    pub fn send_prepared(&self, prepared: &Prepared) -> Result<Delivery, DeliverError> {
        let config = self.config();
        self.deliver_as_is(&config, prepared)
    }

    /// Delivers a prepared message by the configured method exactly as it is (no TNEF
    /// conversion: forwarding keeps the bytes it was given), less any Bcc, X-Sender and
    /// X-Receiver fields: those never go out, whoever made the `Prepared`.
    pub(super) fn deliver_as_is(
        &self,
        config: &ClientConfig,
        prepared: &Prepared,
    ) -> Result<Delivery, DeliverError> {
        match config.delivery_method {
            DeliveryMethod::PickupDirectory => Ok(Delivery::Pickup(deliver_to_pickup_signed(
                pickup_directory(config)?,
                prepared,
                &config.dkim,
            )?)),
            DeliveryMethod::Network => {
                let envelope = envelope_for(prepared);
                let data = super::dkim::outgoing(&prepared.data, &config.dkim)?;
                self.with_smtp(|s| s.send(&envelope, &data))
                    .map(Delivery::Smtp)
            }
        }
    }

    /// Sends a NOOP over the kept connection (connecting first when there is none) and
    /// returns the server's reply.
    pub fn noop(&self) -> Result<Reply, DeliverError> {
        self.with_smtp(|s| s.connection()?.noop())
    }

    /// The capabilities the server announced in its EHLO reply (connecting when needed).
    pub fn capabilities(&self) -> Result<Capabilities, DeliverError> {
        self.with_smtp(|s| Ok(s.connection()?.capabilities().clone()))
    }

    /// Connects, authenticates with the configured credentials and quits, on a connection of
    /// its own.
    pub fn validate_credentials(&self) -> Result<(), DeliverError> {
        let config = self.config();
        if config.smtp.host.is_empty() {
            return Err(DeliverError::new(
                DeliverErrorKind::HostNotSet,
                "no SMTP host is set",
            ));
        }
        Ok(crate::smtp::validate_credentials(&config.smtp_config())?)
    }

    /// Delivers each message in turn. Every message is attempted; the result for each is
    /// returned in order.
    pub fn send_all<'a>(
        &self,
        msgs: impl IntoIterator<Item = &'a MailMessage>,
    ) -> Vec<Result<Delivery, DeliverError>> {
        msgs.into_iter().map(|m| self.send(m)).collect()
    }
}
