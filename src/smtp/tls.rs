//! rustls client configuration (ring provider): roots, CA file, client certificate, minimum
//! version, and the explicitly dangerous "accept invalid certificates" verifier.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::config::{TlsOptions, TlsVersion};
use super::{SmtpError, SmtpErrorKind};

fn invalid(msg: String) -> SmtpError {
    SmtpError::new(SmtpErrorKind::InvalidInput, msg)
}

/// The operating system's trusted certificates, loaded once per process.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// A PEM reading error as a clause, without Rust's "(os error N)".
fn pem_reason(e: &rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) => crate::message::error::io_reason(io),
        other => other.to_string(),
    }
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, SmtpError> {
    let iter = CertificateDer::pem_file_iter(path).map_err(|e| {
        invalid(format!(
            "cannot read {what} {}: {}",
            path.display(),
            pem_reason(&e)
        ))
    })?;
    let certs = iter.collect::<Result<Vec<_>, _>>().map_err(|e| {
        invalid(format!(
            "bad PEM in {what} {}: {}",
            path.display(),
            pem_reason(&e)
        ))
    })?;
    if certs.is_empty() {
        return Err(invalid(format!(
            "no certificate found in {what} {}",
            path.display()
        )));
    }
    Ok(certs)
}

/// Builds the rustls client configuration for `opts`.
pub(crate) fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, SmtpError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&'static rustls::SupportedProtocolVersion] = match opts.min_version {
        TlsVersion::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
        TlsVersion::Tls13 => &[&rustls::version::TLS13],
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| SmtpError::from_tls(&e))?;
    let builder = if opts.dangerous_accept_invalid_certs {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate { provider }))
    } else {
        let mut roots = RootCertStore::empty();
        if opts.use_webpki_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if opts.use_system_roots {
            // Unparsable system certificates are skipped, as browsers do.
            let _ = roots.add_parsable_certificates(system_roots().iter().cloned());
        }
        if let Some(ca) = &opts.ca_file {
            for cert in read_certs(ca, "CA file")? {
                roots.add(cert).map_err(|e| {
                    invalid(format!("bad certificate in CA file {}: {e}", ca.display()))
                })?;
            }
        }
        if roots.is_empty() {
            return Err(invalid(
                "no trusted root certificates configured".to_string(),
            ));
        }
        builder.with_root_certificates(roots)
    };
    let config = match &opts.client_certificate {
        Some(cc) => {
            let chain = read_certs(&cc.cert_chain_file, "client certificate file")?;
            let key = PrivateKeyDer::from_pem_file(&cc.key_file).map_err(|e| {
                invalid(format!(
                    "cannot read client key {}: {}",
                    cc.key_file.display(),
                    pem_reason(&e)
                ))
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| SmtpError::from_tls(&e))?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The name to verify the certificate against: the SNI override, or the host (an IP address
/// becomes `ServerName::IpAddress`, which sends no SNI and is checked against IP SANs).
pub(crate) fn server_name(host: &str, opts: &TlsOptions) -> Result<ServerName<'static>, SmtpError> {
    let name = opts.sni_override.as_deref().unwrap_or(host);
    let name = name.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(name.to_string())
        .map_err(|_| invalid(format!("{name:?} is not a valid TLS server name")))
}

/// Accepts any certificate chain, but still checks that the handshake was signed by the key
/// of the certificate presented (so the peer holds that key). Used only when the user set
/// `dangerous_accept_invalid_certs`.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
