#!/usr/bin/env python3
"""Hostile and measuring RDP front-end clients for the e2e tests (bounded in count and time).

An RDP server speaks TLS only after the X.224 Connection Request / Confirm (MS-RDPBCGR
2.2.1.1-2); every command here sends that request (asking for TLS and CredSSP) first.

  rdp_tls.py scan HOST PORT [--source ADDR]
      Tries each TLS 1.2 cipher suite this Python's OpenSSL knows, one connection each; prints
      "accepted NAME kx=KEA aead=BOOL" per suite the server agreed to, then "scanned N".
  rdp_tls.py handshakes HOST PORT COUNT [--source ADDR] [--wait-close]
      COUNT complete TLS handshakes one after the other (X.224, TLS, close); prints
      "handshakes ok=N failed=M". A refused connection counts as failed. With --wait-close,
      each half-closes and waits until the server closed its end (its session is gone).
  rdp_tls.py connects HOST PORT COUNT [--source ADDR]
      COUNT TCP connections opened and closed at once without a byte, 50 ms apart (so the
      server ends each before the next); prints the count.
  rdp_tls.py hold HOST PORT COUNT SECONDS [--source ADDR]
      Opens COUNT idle TCP connections, prints "holding N" (flushed) and keeps them open for
      SECONDS (the ones the server closes stay closed).
  rdp_tls.py target PORT COUNT SECONDS --cert PEM --key PEM --ciphers LIST
      A fake RDP target on 127.0.0.1:PORT for a client's TLS offer: answers up to COUNT X.224
      requests selecting TLS, then accepts TLS 1.2 with only the OpenSSL cipher LIST; prints
      "listening" first, then "tls-ok CIPHER" or "tls-failed REASON" per connection, and
      closes each. Ends after COUNT connections or SECONDS.

--source takes one address or a range A.B.C.D-A.B.C.E: connections then come from each
address in turn (spreading a long run over several sources, each under the per-source limits).
"""
import argparse
import ipaddress
import socket
import ssl
import sys
import time

X224_CR_TLS_CREDSSP = bytes.fromhex("030000130ee000000000000100080003000000")


class Sources:
    """Round-robin over --source: None, one address, or a range of IPv4 addresses."""

    def __init__(self, spec):
        self.addrs = [None]
        if spec and "-" in spec:
            lo, hi = spec.split("-", 1)
            a, b = ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi)
            if int(b) < int(a) or int(b) - int(a) > 1000:
                sys.exit("bad --source range")
            self.addrs = [str(ipaddress.IPv4Address(i)) for i in range(int(a), int(b) + 1)]
        elif spec:
            self.addrs = [spec]
        self.i = 0

    def next(self):
        a = self.addrs[self.i % len(self.addrs)]
        self.i += 1
        return a


def connect(host, port, sources, timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    source = sources.next()
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


def handshake(host, port, sources, ctx, wait_close=False):
    """One X.224 + TLS handshake; True when TLS completed. With wait_close, then half-closes
    and waits (10 s at most) until the server has closed its end too, so that the server's
    session is gone before the next connection starts."""
    try:
        with connect(host, port, sources) as s:
            if not x224(s):
                return False
            with ctx.wrap_socket(s, server_hostname=None, do_handshake_on_connect=False) as t:
                t.do_handshake()
                if wait_close:
                    t.shutdown(socket.SHUT_WR)
                    try:
                        while t.recv(4096):
                            pass
                    except (OSError, ssl.SSLError):
                        pass
                return True
    except (OSError, ssl.SSLError):
        return False


def tls12_suites():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    return [c for c in ctx.get_ciphers() if c.get("protocol") != "TLSv1.3"]


def fake_target(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(a.ciphers + ":@SECLEVEL=0")
    ctx.load_cert_chain(a.cert, a.key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(8)
    print("listening", flush=True)
    end = time.monotonic() + a.seconds
    for _ in range(a.count):
        left = end - time.monotonic()
        if left <= 0:
            break
        srv.settimeout(left)
        try:
            c, _peer = srv.accept()
        except OSError:
            break
        c.settimeout(10)
        try:
            req = c.recv(4096)
            if len(req) < 11 or req[0] != 3:
                print("x224-bad", flush=True)
                continue
            # Connection Confirm, RDP_NEG_RSP selecting PROTOCOL_SSL.
            c.sendall(bytes.fromhex("030000130ed000001234000200080001000000"))
            with ctx.wrap_socket(c, server_side=True) as t:
                print("tls-ok %s" % t.cipher()[0], flush=True)
        except (OSError, ssl.SSLError) as e:
            print("tls-failed %s" % (getattr(e, "reason", None) or e), flush=True)
        finally:
            c.close()


def main():
    ap = argparse.ArgumentParser()
    if len(sys.argv) > 1 and sys.argv[1] == "target":
        ap.add_argument("command")
        ap.add_argument("port", type=int)
        ap.add_argument("count", type=int)
        ap.add_argument("seconds", type=float)
        for o in ("--cert", "--key", "--ciphers"):
            ap.add_argument(o, required=True)
        a = ap.parse_args()
        if a.count > 10000 or a.seconds > 600:
            sys.exit("bounded: at most 10000 connections and 600 seconds")
        fake_target(a)
        return
    ap.add_argument("command", choices=["scan", "handshakes", "connects", "hold"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int, nargs="?", default=0)
    ap.add_argument("seconds", type=float, nargs="?", default=0.0)
    ap.add_argument("--source")
    ap.add_argument("--wait-close", action="store_true")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--ciphers")
    a = ap.parse_args()
    if a.count > 10000 or a.seconds > 600:
        sys.exit("bounded: at most 10000 connections and 600 seconds")
    src = Sources(a.source)
    if a.command == "scan":
        suites = tls12_suites()
        for c in suites:
            if handshake(a.host, a.port, src, tls_context(c["name"])):
                print("accepted %s kx=%s aead=%s" % (c["name"], c.get("kea"), c.get("aead")),
                      flush=True)
        print("scanned %d" % len(suites))
    elif a.command == "handshakes":
        ctx = tls_context()
        ok = sum(1 for _ in range(a.count) if handshake(a.host, a.port, src, ctx, a.wait_close))
        print("handshakes ok=%d failed=%d" % (ok, a.count - ok))
    elif a.command == "connects":
        for _ in range(a.count):
            try:
                connect(a.host, a.port, src).close()
            except OSError:
                pass
            time.sleep(0.05)
        print("connects %d" % a.count)
    else:
        held = []
        for _ in range(a.count):
            try:
                held.append(connect(a.host, a.port, src))
            except OSError:
                pass
        print("holding %d" % len(held), flush=True)
        time.sleep(a.seconds)
        for s in held:
            s.close()


if __name__ == "__main__":
    main()
