#!/usr/bin/env python3
"""Slow servers for missive's deadline tests, on 127.0.0.1 only.

  trickle_server.py MODE CERT KEY

listens on an ephemeral port, prints "PORT <n>" on stdout, and serves each connection on a
thread of its own as MODE says:

  tls-record       implicit TLS: completes the handshake, then sends a TLS record header
                   announcing 16 KB of application data and trickles the record's bytes, one
                   every 2 s
  starttls-record  plain greeting, EHLO offering STARTTLS, STARTTLS, the handshake, then the
                   same trickled record
  handshake        implicit TLS: reads the ClientHello, then sends a handshake record header
                   announcing 16 KB and trickles its bytes, one every 2 s
  slow-replies     plain SMTP where every reply comes 1 s after the command (and the greeting
                   1 s after connecting); accepts everything

A trickle ends when the client goes away, or after 60 s.
"""
import os
import socket
import ssl
import sys
import threading
import time


def trickle(sock, header):
    sock.sendall(header)
    end = time.monotonic() + 60
    try:
        while time.monotonic() < end:
            time.sleep(2)
            sock.sendall(b"\x00")
    except OSError:
        pass


def raw_of(tls_sock):
    """A plain socket on the same connection, to write bytes past the TLS layer."""
    return socket.socket(fileno=os.dup(tls_sock.fileno()))


def read_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


APP_RECORD = bytes([0x17, 0x03, 0x03, 0x40, 0x00])
HANDSHAKE_RECORD = bytes([0x16, 0x03, 0x03, 0x40, 0x00])


def serve(mode, ctx, conn):
    try:
        if mode == "tls-record":
            tls = ctx.wrap_socket(conn, server_side=True)
            trickle(raw_of(tls), APP_RECORD)
        elif mode == "starttls-record":
            conn.sendall(b"220 trickle ESMTP\r\n")
            read_line(conn)
            conn.sendall(b"250-trickle\r\n250 STARTTLS\r\n")
            read_line(conn)
            conn.sendall(b"220 go ahead\r\n")
            tls = ctx.wrap_socket(conn, server_side=True)
            trickle(raw_of(tls), APP_RECORD)
        elif mode == "handshake":
            conn.recv(65536)
            trickle(conn, HANDSHAKE_RECORD)
        elif mode == "slow-replies":
            time.sleep(1)
            conn.sendall(b"220 slow ESMTP\r\n")
            in_data = False
            buf = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if in_data:
                        if line.rstrip(b"\r") == b".":
                            in_data = False
                            time.sleep(1)
                            conn.sendall(b"250 ok\r\n")
                        continue
                    verb = line[:4].upper()
                    time.sleep(1)
                    if verb == b"DATA":
                        in_data = True
                        conn.sendall(b"354 go on\r\n")
                    elif verb == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        return
                    elif verb == b"EHLO":
                        conn.sendall(b"250 slow\r\n")
                    else:
                        conn.sendall(b"250 ok\r\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    mode, cert, key = sys.argv[1:4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(16)
    print("PORT %d" % lst.getsockname()[1], flush=True)
    while True:
        conn, _ = lst.accept()
        threading.Thread(target=serve, args=(mode, ctx, conn), daemon=True).start()


if __name__ == "__main__":
    main()
