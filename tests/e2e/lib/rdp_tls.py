#!/usr/bin/env python3
"""Hostile and measuring RDP front-end clients for the e2e tests (bounded in count and time).

An RDP server speaks TLS only after the X.224 Connection Request / Confirm (MS-RDPBCGR
2.2.1.1-2); every command here sends that request (asking for TLS and CredSSP) first.

  rdp_tls.py scan HOST PORT [--source ADDR]
      Tries each TLS 1.2 cipher suite this Python's OpenSSL knows, one connection each; prints
      "accepted NAME kx=KEA aead=BOOL" per suite the server agreed to, then "scanned N".
  rdp_tls.py handshakes HOST PORT COUNT [--source ADDR]
      COUNT complete TLS handshakes one after the other (X.224, TLS, close); prints
      "handshakes ok=N failed=M". A refused connection counts as failed.
  rdp_tls.py connects HOST PORT COUNT [--source ADDR]
      COUNT TCP connections opened and closed at once without a byte, 50 ms apart (so the
      server ends each before the next); prints the count.
  rdp_tls.py hold HOST PORT COUNT SECONDS [--source ADDR]
      Opens COUNT idle TCP connections, prints "holding N" (flushed) and keeps them open for
      SECONDS (the ones the server closes stay closed).
"""
import argparse
import socket
import ssl
import sys
import time

X224_CR_TLS_CREDSSP = bytes.fromhex("030000130ee000000000000100080003000000")


def connect(host, port, source, timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    return s


def x224(s):
    """Sends the Connection Request; True when a Connection Confirm selecting TLS or CredSSP
    came back (19 bytes, RDP_NEG_RSP)."""
    s.sendall(X224_CR_TLS_CREDSSP)
    data = b""
    while len(data) < 19:
        chunk = s.recv(19 - len(data))
        if not chunk:
            return False
        data += chunk
    return data[0] == 3 and data[5] == 0xD0 and data[11] == 0x02 and data[15] in (1, 2, 3)


def tls_context(ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if ciphers:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(ciphers + ":@SECLEVEL=0")
    return ctx


def handshake(host, port, source, ctx):
    """One X.224 + TLS handshake; True when TLS completed."""
    try:
        with connect(host, port, source) as s:
            if not x224(s):
                return False
            with ctx.wrap_socket(s, server_hostname=None, do_handshake_on_connect=False) as t:
                t.do_handshake()
                return True
    except (OSError, ssl.SSLError):
        return False


def tls12_suites():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    return [c for c in ctx.get_ciphers() if c.get("protocol") != "TLSv1.3"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["scan", "handshakes", "connects", "hold"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int, nargs="?", default=0)
    ap.add_argument("seconds", type=float, nargs="?", default=0.0)
    ap.add_argument("--source")
    a = ap.parse_args()
    if a.count > 10000 or a.seconds > 600:
        sys.exit("bounded: at most 10000 connections and 600 seconds")
    if a.command == "scan":
        suites = tls12_suites()
        for c in suites:
            if handshake(a.host, a.port, a.source, tls_context(c["name"])):
                print("accepted %s kx=%s aead=%s" % (c["name"], c.get("kea"), c.get("aead")),
                      flush=True)
        print("scanned %d" % len(suites))
    elif a.command == "handshakes":
        ctx = tls_context()
        ok = sum(1 for _ in range(a.count) if handshake(a.host, a.port, a.source, ctx))
        print("handshakes ok=%d failed=%d" % (ok, a.count - ok))
    elif a.command == "connects":
        for _ in range(a.count):
            try:
                connect(a.host, a.port, a.source).close()
            except OSError:
                pass
            time.sleep(0.05)
        print("connects %d" % a.count)
    else:
        held = []
        for _ in range(a.count):
            try:
                held.append(connect(a.host, a.port, a.source))
            except OSError:
                pass
        print("holding %d" % len(held), flush=True)
        time.sleep(a.seconds)
        for s in held:
            s.close()


if __name__ == "__main__":
    main()
