#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: system packages through apt-get
# and Python packages through pip. Quick when everything is already there.
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have cmake    || need_apt+=(cmake)
have ninja    || need_apt+=(ninja-build)
have valgrind || need_apt+=(valgrind)
have python3  || need_apt+=(python3 python3-pip)
have cc       || need_apt+=(gcc)
have nm       || need_apt+=(binutils)
have openssl  || need_apt+=(openssl)
# Postfix provides smtp-sink and smtpd, the real SMTP servers the tests talk to.
[ -x /usr/sbin/smtp-sink ] || [ -x /usr/lib/postfix/sbin/smtp-sink ] || need_apt+=(postfix)
# PostgreSQL for the database queue's tests (tests/queue_postgres.rs, the examples and the
# queue benchmark start private servers of their own with initdb; no cluster of the package
# is wanted, see below). setpriv (util-linux) runs them as the postgres user when root.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
# The wrappers' suites (bindings/): C++ with GoogleTest, .NET with Mono and NUnit, Go; the
# install check uses pkg-config.
have c++         || need_apt+=(g++)
have pkg-config  || need_apt+=(pkg-config)
# The API reference (docs/Doxyfile, CTest row api_reference).
have doxygen     || need_apt+=(doxygen)
[ -f /usr/include/gtest/gtest.h ] || need_apt+=(libgtest-dev)
have mcs         || need_apt+=(mono-mcs)
have mono        || need_apt+=(mono-runtime)
have nunit-console || need_apt+=(nunit-console)
ls /usr/lib/cli/nunit.framework-*/nunit.framework.dll >/dev/null 2>&1 || need_apt+=(libnunit-cil-dev)
have go || [ -x /usr/local/go/bin/go ] || need_apt+=(golang-go)
# Independent TNEF readers (tests/tnef_roundtrip.rs) and libical for Debian's own Python 3
# (tests/calendar_itip.rs runs it with /usr/bin/python3, which sees python3-gi).
have tnef       || need_apt+=(tnef)
have ytnefprint || need_apt+=(ytnef-tools)
[ -f /usr/lib/x86_64-linux-gnu/girepository-1.0/ICalGLib-3.0.typelib ] \
  || ls /usr/lib/*/girepository-1.0/ICalGLib-3.0.typelib >/dev/null 2>&1 || need_apt+=(gir1.2-ical-3.0)
/usr/bin/python3 -c "import gi" 2>/dev/null || need_apt+=(python3-gi)
# venv for the Python package's install check (Debian splits it out of python3).
python3 -c "import venv, ensurepip" 2>/dev/null || need_apt+=(python3-venv)
# Programs that drive the CLI's sendmail mode in tests/cli.rs: git send-email (with the
# Mail::Address module it needs, only recommended by git-email) and bsd-mailx.
[ -x "$(git --exec-path 2>/dev/null)/git-send-email" ] || need_apt+=(git-email)
perl -MMail::Address -e1 2>/dev/null || need_apt+=(libmailtools-perl)
have bsd-mailx  || need_apt+=(bsd-mailx)
# OpenDKIM's verifier (`opendkim -t` with TestPublicKeys) checks missive's DKIM signatures.
[ -x /usr/sbin/opendkim ] || need_apt+=(opendkim)
# Real proxies for tests/smtp_proxy.rs (Dante for SOCKS, tinyproxy for HTTP CONNECT) and
# Dovecot's SASL server behind Postfix for SCRAM in tests/smtp_auth_modern.rs.
[ -x /usr/sbin/danted ]   || need_apt+=(dante-server)
[ -x /usr/bin/tinyproxy ] || need_apt+=(tinyproxy)
[ -x /usr/sbin/dovecot ]  || need_apt+=(dovecot-core)

# Shopify's Toxiproxy: latency and faults in front of real servers (tests/toxiproxy_faults.rs,
# benches/latency_peers.rs), built with Go as toxiproxy-server.
need_toxiproxy=0
have toxiproxy-server || [ -x /usr/local/bin/toxiproxy-server ] || need_toxiproxy=1

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing with apt-get: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # Postfix asks debconf questions; answer them so the install is unattended.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections || true
  # Debian's postgresql would create and start a "main" cluster on port 5432: not wanted.
  $SUDO mkdir -p /etc/postgresql-common
  [ -f /etc/postgresql-common/createcluster.conf ] \
    || echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Python packages: aiosmtpd (a real SMTP server), cryptography (test certificates).
py_missing=()
python3 -c "import aiosmtpd" 2>/dev/null || py_missing+=(aiosmtpd)
python3 -c "import cryptography" 2>/dev/null || py_missing+=(cryptography)
# tnefparse (a TNEF reader) and icalendar check TNEF and meeting-request output.
python3 -c "import tnefparse" 2>/dev/null || py_missing+=(tnefparse)
python3 -c "import icalendar" 2>/dev/null || py_missing+=(icalendar)
# The Python package's tests (bindings/python): pytest; setuptools and wheel build its wheel
# without downloading a build environment (tests/wheel_check.py), venv installs it.
python3 -c "import pytest" 2>/dev/null || py_missing+=(pytest)
python3 -c "import setuptools" 2>/dev/null || py_missing+=(setuptools)
python3 -c "import wheel" 2>/dev/null || py_missing+=(wheel)
# dkimpy (with PyNaCl for Ed25519) is the second verifier of missive's DKIM signatures.
python3 -c "import dkim" 2>/dev/null || py_missing+=(dkimpy)
python3 -c "import nacl" 2>/dev/null || py_missing+=(pynacl)
# pproxy: a SOCKS5 server that checks a user name and password (tests/smtp_proxy.rs).
python3 -c "import pproxy" 2>/dev/null || py_missing+=(pproxy)
# aiosmtplib: an asyncio SMTP client, a peer in benches/latency_peers.rs.
python3 -c "import aiosmtplib" 2>/dev/null || py_missing+=(aiosmtplib)
if [ ${#py_missing[@]} -gt 0 ]; then
  echo "installing with pip: ${py_missing[*]}"
  python3 -m pip install --quiet --disable-pip-version-check "${py_missing[@]}" \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${py_missing[@]}"
fi

if [ "$need_toxiproxy" -eq 1 ]; then
  echo "installing with go install: github.com/Shopify/toxiproxy/v2/cmd/server (as toxiproxy-server)"
  GO=go; have go || GO=/usr/local/go/bin/go
  gobin=$(mktemp -d)
  GOBIN="$gobin" "$GO" install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO install -m 0755 "$gobin/server" /usr/local/bin/toxiproxy-server
  rm -rf "$gobin"
fi
