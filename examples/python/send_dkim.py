"""Beyond the seed: a DKIM-signed newsletter with one-click unsubscribe (RFC 8058), as the
large mailbox providers expect from bulk senders.

  MISSIVE_DKIM_KEY       the PEM private key file (PKCS#8 "PRIVATE KEY" for RSA or Ed25519,
                         PKCS#1 "RSA PRIVATE KEY" for RSA)
  MISSIVE_DKIM_DOMAIN    the signing domain (d=); the public key is published in DNS at
  MISSIVE_DKIM_SELECTOR  <selector>._domainkey.<domain>
  MISSIVE_DKIM_ALGORITHM rsa-sha256 (default) or ed25519-sha256
"""
import os
import sys

import missive as ae
from missive._native import DkimAlgorithm
from missive.clients import SmtpClient, SecurityOptions

# Server settings, as in the other examples: set by the CTest check, or by you.
HOST = os.environ.get("MISSIVE_SMTP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MISSIVE_SMTP_PORT", "25"))
USER = os.environ.get("MISSIVE_SMTP_USER")  # None: no AUTH
PASSWORD = os.environ.get("MISSIVE_SMTP_PASSWORD")
SECURITY = os.environ.get("MISSIVE_SMTP_SECURITY", "NONE")  # NONE, SSL_EXPLICIT, SSL_IMPLICIT, AUTO

key = os.environ.get("MISSIVE_DKIM_KEY")
domain = os.environ.get("MISSIVE_DKIM_DOMAIN")
selector = os.environ.get("MISSIVE_DKIM_SELECTOR")
if not (key and domain and selector):
    sys.exit("set MISSIVE_DKIM_KEY (a PEM private key file), MISSIVE_DKIM_DOMAIN and "
             "MISSIVE_DKIM_SELECTOR")
algorithm = {"rsa-sha256": DkimAlgorithm.RSA_SHA256,
             "ed25519-sha256": DkimAlgorithm.ED25519_SHA256}[
    os.environ.get("MISSIVE_DKIM_ALGORITHM", "rsa-sha256")]

with SmtpClient(HOST, PORT, USER, PASSWORD) as client:
    client.security_options = getattr(SecurityOptions, SECURITY)
    if os.environ.get("MISSIVE_PROXY_URL"):
        client.proxy = os.environ["MISSIVE_PROXY_URL"]
    client.add_dkim_signer_file(domain, selector, key, algorithm)
    message = ae.MailMessage("Newsletter <news@example.com>", "reader@example.com",
                             "A signed newsletter", "Hello,\n\nThis message is DKIM-signed.\n")
    message.set_list_unsubscribe("https://example.com/unsubscribe?u=1", "unsubscribe@example.com")
    result = client.send(message)
    print("signed (d=%s, s=%s) and sent: %s" % (domain, selector, result.reply_code))
