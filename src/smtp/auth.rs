//! SASL helpers: mechanism choice, CRAM-MD5 (HMAC-MD5 by hand), XOAUTH2 and PLAIN strings.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use md5::{Digest, Md5};

use super::config::{AuthMechanism, Credentials};
use super::{Capabilities, SmtpError, SmtpErrorKind};

pub(crate) fn b64(data: &[u8]) -> String {
    B64.encode(data)
}

pub(crate) fn unb64(data: &str) -> Option<Vec<u8>> {
    B64.decode(data.trim()).ok()
}

/// Chooses the mechanism: the configured one, or the strongest both sides support
/// (OAUTHBEARER > XOAUTH2 for a token; SCRAM-SHA-256 > SCRAM-SHA-1 > CRAM-MD5 > PLAIN > LOGIN
/// for a password).
pub(crate) fn choose(
    caps: &Capabilities,
    creds: &Credentials,
    wanted: Option<AuthMechanism>,
) -> Result<AuthMechanism, SmtpError> {
    let unsupported = |msg: String| SmtpError::new(SmtpErrorKind::AuthUnsupported, msg);
    if caps.auth.is_empty() {
        return Err(unsupported(
            "credentials are configured but the server does not offer AUTH".to_string(),
        ));
    }
    let is_token = creds.secret.is_token();
    if let Some(m) = wanted {
        if m.uses_token() != is_token {
            return Err(unsupported(format!(
                "AUTH {} cannot be used with {}",
                m.name(),
                if is_token {
                    "an OAuth 2 token"
                } else {
                    "a password"
                }
            )));
        }
        if !caps.supports_auth(m.name()) {
            return Err(unsupported(format!(
                "the server does not offer AUTH {} (it offers {})",
                m.name(),
                caps.auth.join(" ")
            )));
        }
        return Ok(m);
    }
    let order: &[AuthMechanism] = if is_token {
        &[AuthMechanism::OAuthBearer, AuthMechanism::XOAuth2]
    } else {
        &[
            AuthMechanism::ScramSha256,
            AuthMechanism::ScramSha1,
            AuthMechanism::CramMd5,
            AuthMechanism::Plain,
            AuthMechanism::Login,
        ]
    };
    order
        .iter()
        .copied()
        .find(|m| caps.supports_auth(m.name()))
        .ok_or_else(|| {
            unsupported(format!(
                "no usable AUTH mechanism for {}: the server offers {}",
                if is_token {
                    "an OAuth 2 token"
                } else {
                    "a password"
                },
                caps.auth.join(" ")
            ))
        })
}

/// HMAC-MD5 (RFC 2104).
pub(crate) fn hmac_md5(key: &[u8], message: &[u8]) -> [u8; 16] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..16].copy_from_slice(&Md5::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Md5::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Md5::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// The CRAM-MD5 response (before base64): `user SP hex(hmac_md5(password, challenge))`.
pub(crate) fn cram_md5(user: &str, password: &str, challenge: &[u8]) -> String {
    let mac = hmac_md5(password.as_bytes(), challenge);
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("{user} {hex}")
}

/// The PLAIN initial response (before base64): `\0user\0password`.
pub(crate) fn plain(user: &str, password: &str) -> Vec<u8> {
    format!("\0{user}\0{password}").into_bytes()
}

/// The XOAUTH2 initial response (before base64).
pub(crate) fn xoauth2(user: &str, token: &str) -> Vec<u8> {
    format!("user={user}\x01auth=Bearer {token}\x01\x01").into_bytes()
}

/// The OAUTHBEARER initial response (RFC 7628, before base64): the GS2 header with the user
/// name as authorization identity, then `host`, `port` and the bearer token.
pub(crate) fn oauthbearer(user: &str, host: &str, port: u16, token: &str) -> Vec<u8> {
    let name = user.replace('=', "=3D").replace(',', "=2C");
    format!("n,a={name},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cram_md5_rfc2195_vector() {
        assert_eq!(
            cram_md5(
                "tim",
                "tanstaaftanstaaf",
                b"<1896.697170952@postoffice.reston.mci.net>"
            ),
            "tim b913a602c7eda7a495b4e6e7334d3890"
        );
    }

    #[test]
    fn oauthbearer_rfc7628_example() {
        // RFC 7628 section 4.1 (with the user name of its example).
        assert_eq!(
            oauthbearer("user@example.com", "server.example.com", 143, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="),
            b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
        );
        assert!(oauthbearer("a,b=c", "h", 1, "t").starts_with(b"n,a=a=2Cb=3Dc,"));
    }

    #[test]
    fn hmac_md5_rfc2104_vector() {
        let mac = hmac_md5(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "750c783e6ab0b503eaa86e310a5db738");
    }
}
