//! The client: where and how messages are delivered.

use std::fmt;
use std::path::PathBuf;
use std::sync::RwLock;

use super::pickup::{PickupDelivery, Prepared, deliver_to_pickup};
use crate::message::{MailMessage, MessageError, MessageErrorKind, MimeOptions};
use crate::smtp::Security;

/// Where `send` puts a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeliveryMethod {
    /// Over SMTP to the configured server.
    #[default]
    Network,
    /// As an `.eml` file into the pickup directory.
    PickupDirectory,
}

/// The client's settings.
#[derive(Clone, Debug, Default)]
pub struct ClientConfig {
    /// SMTP server host name or address.
    pub host: String,
    /// SMTP server port; 0 means the default for the security option (465 implicit, else 25).
    pub port: u16,
    /// User name for AUTH; empty means no authentication.
    pub username: String,
    /// Password (or access token) for AUTH.
    pub password: String,
    /// How the connection is secured.
    pub security: Security,
    /// Where messages go.
    pub delivery_method: DeliveryMethod,
    /// The pickup directory, for `DeliveryMethod::PickupDirectory`.
    pub pickup_directory: Option<PathBuf>,
    /// How messages are written.
    pub mime: MimeOptions,
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
    /// Network delivery is not available in this build.
    NetworkUnavailable,
}

/// A delivery failure with a message naming the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliverError {
    /// The kind of failure.
    pub kind: DeliverErrorKind,
    /// What happened, for people.
    pub message: String,
}

impl fmt::Display for DeliverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeliverError {}

impl From<MessageError> for DeliverError {
    fn from(e: MessageError) -> Self {
        DeliverError {
            kind: DeliverErrorKind::Message(e.kind()),
            message: e.message().to_string(),
        }
    }
}

/// An email client. Safe to share between threads: settings are read under a lock for each send.
#[derive(Debug, Default)]
pub struct Client {
    config: RwLock<ClientConfig>,
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
            .clone()
    }

    /// Changes the settings.
    pub fn configure<R>(&self, f: impl FnOnce(&mut ClientConfig) -> R) -> R {
        f(&mut self.config.write().unwrap_or_else(|e| e.into_inner()))
    }

    /// Delivers one message by the configured method.
    pub fn send(&self, msg: &MailMessage) -> Result<PickupDelivery, DeliverError> {
        let prepared = Prepared::from_message(msg, &self.config().mime)?;
        self.send_prepared(&prepared)
    }

    /// Delivers a prepared message (envelope and bytes) by the configured method.
    pub fn send_prepared(&self, prepared: &Prepared) -> Result<PickupDelivery, DeliverError> {
        let config = self.config();
        match config.delivery_method {
            DeliveryMethod::PickupDirectory => {
                let dir = config
                    .pickup_directory
                    .as_ref()
                    .ok_or_else(|| DeliverError {
                        kind: DeliverErrorKind::PickupDirectoryNotSet,
                        message:
                            "delivery method is PICKUP_DIRECTORY but no pickup directory is set"
                                .into(),
                    })?;
                Ok(deliver_to_pickup(dir, prepared)?)
            }
            DeliveryMethod::Network => {
                if config.host.is_empty() {
                    return Err(DeliverError {
                        kind: DeliverErrorKind::HostNotSet,
                        message: "delivery method is NETWORK but no SMTP host is set".into(),
                    });
                }
                Err(DeliverError {
                    kind: DeliverErrorKind::NetworkUnavailable,
                    message: "SMTP delivery is not available in this version of missive; use the \
                              PICKUP_DIRECTORY delivery method"
                        .into(),
                })
            }
        }
    }

    /// Delivers each message in turn. Every message is attempted; the result for each is
    /// returned in order.
    pub fn send_all<'a>(
        &self,
        msgs: impl IntoIterator<Item = &'a MailMessage>,
    ) -> Vec<Result<PickupDelivery, DeliverError>> {
        msgs.into_iter().map(|m| self.send(m)).collect()
    }
}
