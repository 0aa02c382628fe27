#!/usr/bin/env python3
"""Test SMTP server for missive's SMTP engine tests (aiosmtpd on 127.0.0.1 only).

  aiosmtpd_server.py --gen-certs DIR
      writes ca.pem, server.pem/server.key (signed by the CA, for localhost and 127.0.0.1),
      self.pem/self.key (self-signed, not signed by the CA), client.pem/client.key (signed by
      the CA), other.pem/other.key (signed by the CA for mail.other.test only: a certificate
      for another name) and exits.

  aiosmtpd_server.py --dir OUT [options]
      listens on 127.0.0.1, an ephemeral port, prints "PORT <n>" on stdout, and stores each
      message as OUT/msg-<n>.env (envelope, one "KEY value" per line) and OUT/msg-<n>.eml.
      Each connection accepted adds a line to OUT/connections, and each message's envelope
      names the connection it came over ("PEER host:port").

Recipients starting with "reject" get 550, with "defer" get 450. --data-delay-ms N waits N
milliseconds (without blocking other connections) before each final reply to DATA.

AUTH: --user NAME:PASSWORD for PLAIN, LOGIN, CRAM-MD5 and SCRAM-SHA-256/SHA-1 (written here
from RFC 5802; --scram-fault bad-signature|no-final for a server that cannot prove it knows the
password), --token NAME:TOKEN for XOAUTH2 and OAUTHBEARER (RFC 7628: a refused token gets the
JSON error challenge, then 535; each OAUTHBEARER attempt's user, host and port are appended to
OUT/oauthbearer). --mechs lists the mechanisms offered (default PLAIN,LOGIN,CRAM-MD5,XOAUTH2).
"""
import argparse
import asyncio
import base64
import datetime
import hashlib
import hmac
import ipaddress
import os
import ssl
import sys
import time


def gen_certs(out):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(stem, cert, key):
        with open(os.path.join(out, stem + ".pem"), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(os.path.join(out, stem + ".key"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))

    def build(cn, key, issuer_name, issuer_key, ca, eku=None, sans=None):
        b = (x509.CertificateBuilder()
             .subject_name(name(cn)).issuer_name(issuer_name)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(days=1))
             .not_valid_after(now + datetime.timedelta(days=30))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ca:
            b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                              key_encipherment=False, data_encipherment=False,
                                              key_agreement=False, key_cert_sign=True,
                                              crl_sign=True, encipher_only=False,
                                              decipher_only=False), critical=True)
            b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                critical=False)
        else:
            b = b.add_extension(x509.SubjectAlternativeName(sans or [
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            if eku:
                b = b.add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
        return b.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("missive test CA", ca_key, name("missive test CA"), ca_key, True)
    write("ca", ca, ca_key)
    srv_key = ec.generate_private_key(ec.SECP256R1())
    write("server", build("localhost", srv_key, ca.subject, ca_key, False,
                          ExtendedKeyUsageOID.SERVER_AUTH), srv_key)
    cli_key = ec.generate_private_key(ec.SECP256R1())
    write("client", build("missive test client", cli_key, ca.subject, ca_key, False,
                          ExtendedKeyUsageOID.CLIENT_AUTH), cli_key)
    other_key = ec.generate_private_key(ec.SECP256R1())
    write("other", build("mail.other.test", other_key, ca.subject, ca_key, False,
                         ExtendedKeyUsageOID.SERVER_AUTH,
                         [x509.DNSName("mail.other.test")]), other_key)
    self_key = ec.generate_private_key(ec.SECP256R1())
    write("self", build("localhost", self_key, name("localhost"), self_key, False,
                        ExtendedKeyUsageOID.SERVER_AUTH), self_key)


class Handler:
    def __init__(self, out, implicit_tls, users, tokens, data_delay=0.0):
        self.out = out
        self.data_delay = data_delay
        self.n = 0
        self.implicit_tls = implicit_tls
        self.users = users
        self.tokens = tokens
        self.scram_fault = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        if address.startswith("defer"):
            return "450 4.2.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        self.n += 1
        stem = os.path.join(self.out, "msg-%d" % self.n)
        tls = "yes" if (self.implicit_tls or session.ssl is not None) else "no"
        lines = ["MAIL_FROM " + envelope.mail_from]
        lines += ["MAIL_OPT " + o for o in envelope.mail_options]
        for rcpt, opts in zip(envelope.rcpt_tos, envelope.rcpt_options):
            lines.append("RCPT " + rcpt)
            lines.append("RCPT_OPT " + rcpt + " " + " ".join(opts))
        lines.append("TLS " + tls)
        login = getattr(session.auth_data, "login", session.auth_data)
        if isinstance(login, bytes):
            login = login.decode("utf-8", "replace")
        lines.append("AUTH " + (login or "-"))
        lines.append("PEER %s:%s" % tuple(session.peer[:2]))
        with open(stem + ".eml", "wb") as f:
            f.write(envelope.content)
        with open(stem + ".env.tmp", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(stem + ".env.tmp", stem + ".env")
        return "250 2.0.0 Ok: queued as Q%d" % self.n

    async def auth_CRAM__MD5(self, server, args):
        from aiosmtpd.smtp import AuthResult
        challenge = ("<%d.%d@aiosmtpd.test>" % (os.getpid(), time.time_ns())).encode()
        resp = await server.challenge_auth(challenge)
        if not isinstance(resp, bytes):
            return AuthResult(success=False, handled=True)
        user, _, digest = resp.decode("utf-8", "replace").partition(" ")
        password = self.users.get(user)
        if password is not None:
            want = hmac.new(password.encode(), challenge, "md5").hexdigest()
            if hmac.compare_digest(want, digest):
                return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    async def auth_XOAUTH2(self, server, args):
        from aiosmtpd.smtp import AuthResult
        if len(args) == 2:
            raw = base64.b64decode(args[1])
        else:
            raw = await server.challenge_auth("")
            if not isinstance(raw, bytes):
                return AuthResult(success=False, handled=True)
        parts = dict(p.split("=", 1) for p in raw.decode().split("\x01") if "=" in p)
        user = parts.get("user")
        if user in self.tokens and parts.get("auth") == "Bearer " + self.tokens[user]:
            return AuthResult(success=True, auth_data=user)
        err = base64.b64encode(b'{"status":"401","schemes":"bearer"}').decode()
        await server.challenge_auth(err, encode_to_b64=False)
        return AuthResult(success=False, handled=False, message="535 5.7.8 Bad token")

    async def auth_OAUTHBEARER(self, server, args):
        """RFC 7628: a GS2 header with the user, then host, port and the bearer token; a bad
        token gets a 334 JSON error challenge, the client's ^A, and 535."""
        from aiosmtpd.smtp import AuthResult
        if len(args) == 2:
            raw = base64.b64decode(args[1])
        else:
            raw = await server.challenge_auth("")
            if not isinstance(raw, bytes):
                return AuthResult(success=False, handled=True)
        gs2, _, rest = raw.partition(b"\x01")
        user = None
        for field in gs2.decode("utf-8", "replace").split(","):
            if field.startswith("a="):
                user = field[2:].replace("=2C", ",").replace("=3D", "=")
        parts = dict(p.split("=", 1) for p in rest.decode().split("\x01") if "=" in p)
        with open(os.path.join(self.out, "oauthbearer"), "a") as f:
            f.write("user=%s host=%s port=%s\n" % (user, parts.get("host"), parts.get("port")))
        if user in self.tokens and parts.get("auth") == "Bearer " + self.tokens[user]:
            return AuthResult(success=True, auth_data=user)
        err = base64.b64encode(
            b'{"status":"invalid_token","scope":"mail","openid-configuration":'
            b'"https://example.test/.well-known/openid-configuration"}').decode()
        ack = await server.challenge_auth(err, encode_to_b64=False)
        if ack != b"\x01":
            return AuthResult(success=False, handled=False,
                              message="501 5.5.2 expected ^A after the error challenge")
        return AuthResult(success=False, handled=False, message="535 5.7.8 Bad token")

    async def _scram(self, server, args, hname):
        """SCRAM-SHA-* (RFC 5802, RFC 7677) written here from the RFC: an implementation
        independent of the client's. --scram-bad-signature sends a wrong server signature,
        --scram-no-final accepts without sending it."""
        from aiosmtpd.smtp import AuthResult
        fail = AuthResult(success=False, handled=False,
                          message="535 5.7.8 Error: authentication failed")
        if len(args) == 2:
            first = base64.b64decode(args[1])
        else:
            first = await server.challenge_auth("")
            if not isinstance(first, bytes):
                return AuthResult(success=False, handled=True)
        first = first.decode("utf-8")
        cbflag, authzid, bare = first.split(",", 2)
        gs2_header = cbflag + "," + authzid + ","
        attrs = dict(kv.split("=", 1) for kv in bare.split(","))
        user = attrs["n"].replace("=2C", ",").replace("=3D", "=")
        snonce = attrs["r"] + base64.b64encode(os.urandom(18)).decode()
        salt, iters = os.urandom(16), 4096
        server_first = "r=%s,s=%s,i=%d" % (snonce, base64.b64encode(salt).decode(), iters)
        final = await server.challenge_auth(server_first)
        if not isinstance(final, bytes):
            return AuthResult(success=False, handled=True)
        without_proof, _, proof = final.decode("utf-8").rpartition(",p=")
        fattrs = dict(kv.split("=", 1) for kv in without_proof.split(","))
        password = self.users.get(user)
        if (password is None or fattrs.get("r") != snonce
                or base64.b64decode(fattrs.get("c", "")) != gs2_header.encode()):
            return fail
        salted = hashlib.pbkdf2_hmac(hname, password.encode(), salt, iters)
        client_key = hmac.new(salted, b"Client Key", hname).digest()
        stored_key = hashlib.new(hname, client_key).digest()
        auth_message = (bare + "," + server_first + "," + without_proof).encode()
        client_sig = hmac.new(stored_key, auth_message, hname).digest()
        want = bytes(a ^ b for a, b in zip(client_key, client_sig))
        if not hmac.compare_digest(want, base64.b64decode(proof)):
            return fail
        server_key = hmac.new(salted, b"Server Key", hname).digest()
        server_sig = hmac.new(server_key, auth_message, hname).digest()
        if self.scram_fault == "bad-signature":
            server_sig = bytes(b ^ 0x55 for b in server_sig)
        if self.scram_fault != "no-final":
            ack = await server.challenge_auth("v=" + base64.b64encode(server_sig).decode())
            if ack != b"":
                return AuthResult(success=False, handled=True)
        return AuthResult(success=True, auth_data=user)

    async def auth_SCRAM__SHA__256(self, server, args):
        return await self._scram(server, args, "sha256")

    async def auth_SCRAM__SHA__1(self, server, args):
        return await self._scram(server, args, "sha1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen-certs")
    ap.add_argument("--dir")
    ap.add_argument("--user", action="append", default=[], help="name:password")
    ap.add_argument("--token", action="append", default=[], help="name:oauth2-token")
    ap.add_argument("--mechs", default="PLAIN,LOGIN,CRAM-MD5,XOAUTH2")
    ap.add_argument("--auth-require-tls", action="store_true")
    ap.add_argument("--scram-fault", choices=["bad-signature", "no-final"])
    ap.add_argument("--auth-required", action="store_true")
    ap.add_argument("--no-auth", action="store_true", help="advertise no AUTH")
    ap.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--client-ca", help="require a client certificate signed by this CA")
    ap.add_argument("--smtputf8", action="store_true")
    ap.add_argument("--size", type=int, default=33554432)
    ap.add_argument("--data-delay-ms", type=int, default=0)
    a = ap.parse_args()
    if a.gen_certs:
        gen_certs(a.gen_certs)
        return

    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    users = dict(u.split(":", 1) for u in a.user)
    tokens = dict(t.split(":", 1) for t in a.token)

    def ctx_for(pair):
        if not pair:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pair[0], pair[1])
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        return ctx

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            if users.get(user) == auth_data.password.decode("utf-8", "replace"):
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    implicit = ctx_for(a.implicit_tls)
    starttls = ctx_for(a.starttls)
    handler = Handler(a.dir, implicit is not None, users, tokens, a.data_delay_ms / 1000.0)
    wanted = set(m for m in a.mechs.split(",") if m)
    exclude = [m for m in ("PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER",
                          "SCRAM-SHA-256", "SCRAM-SHA-1")
               if m not in wanted]
    handler.scram_fault = a.scram_fault

    def factory():
        with open(os.path.join(a.dir, "connections"), "a") as f:
            f.write("connection\n")
        return SMTP(handler, hostname="aiosmtpd.test", decode_data=False,
                    data_size_limit=a.size, enable_SMTPUTF8=a.smtputf8,
                    tls_context=starttls, require_starttls=a.require_starttls,
                    authenticator=authenticator, auth_required=a.auth_required,
                    # --no-auth: with auth_require_tls and no TLS, aiosmtpd advertises no AUTH.
                    auth_require_tls=a.auth_require_tls or a.no_auth,
                    auth_exclude_mechanism=exclude)

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(factory, host="127.0.0.1", port=0, ssl=implicit)
        print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
