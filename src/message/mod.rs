//! The mail model: addresses, messages, views, attachments, MIME output and EML input.
#![forbid(unsafe_code)]

pub mod address;
pub mod date;
mod edit;
pub mod eml;
pub mod error;
pub mod mime;
mod mime_types;
pub mod model;
pub mod tree;

pub use address::{MailAddress, parse_address_list};
pub use error::{MessageError, MessageErrorKind};
pub use mime::{MimeOptions, to_mime};
pub use mime_types::guess_content_type;
pub use model::{
    AlternateView, Attachment, DeliveryNotification, DsnNotify, DsnReturn, Header, MailMessage,
    Priority, RecipientKind,
};
