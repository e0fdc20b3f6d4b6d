#!/usr/bin/env python3
"""A compromised session worker, for the monitor's attack tests (test_gate_hostile_worker).

Takes over the monitor socket of a live worker: pidfd_getfd(2) copies the worker's descriptor
4 (its end of the socket pair, gate_worker.h), the worker is stopped (SIGSTOP) so that only
this script speaks on it, and one message is sent as the worker would (docs/process-model.md,
proxy/gate_ipc.h: u8 version | u8 type | u16 0 | u32 length, then fields u16 tag | u16 length
| value). Prints what came back within two seconds ("reply TYPE FIELDS..." or "no reply") and
"closed" when the monitor closed the socket. Needs root (pidfd_getfd needs ptrace rights).

usage: hostile_worker.py PID SCENARIO [ARG]
  second-admit          a W_ADMIT after the session was admitted
  refuse-other LOGIN    W_REFUSED bad_password for another account (its lock-out)
  hash-request LOGIN    W_NTLM_HASH for LOGIN (in TLS mode, or a second one)
  bad-event             W_EVENT of an unknown event type
  garbage               bytes that are not a message
  event-flood N         N valid W_EVENT messages (receipt events)
"""
import ctypes
import os
import signal
import socket
import struct
import sys
import time

SYS_PIDFD_GETFD = 438
W_ADMIT, W_NTLM_HASH, W_EVENT, W_INPUT, W_END, W_REFUSED = 1, 2, 3, 4, 5, 6
F_USER, F_DOMAIN, F_NLA, F_WIDTH, F_HEIGHT = 1, 2, 7, 8, 9
F_USER_UTF16, F_EVENT, F_DETAIL, F_REASON, F_LOGIN = 11, 13, 14, 15, 25


def steal_socket(pid):
    pidfd = os.pidfd_open(pid)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, 4, 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "pidfd_getfd")
    os.close(pidfd)
    return socket.socket(fileno=fd)


def field(tag, value):
    if isinstance(value, int):
        value = struct.pack("<I", value)
    elif isinstance(value, str):
        value = value.encode()
    return struct.pack("<HH", tag, len(value)) + value


def message(mtype, *fields):
    payload = b"".join(fields)
    return struct.pack("<BBHI", 1, mtype, 0, len(payload)) + payload


def main():
    pid, scenario = int(sys.argv[1]), sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    sock = steal_socket(pid)
    os.kill(pid, signal.SIGSTOP)
    if scenario == "second-admit":
        msgs = [message(W_ADMIT, field(F_USER, arg or "someone"), field(F_NLA, 0), field(F_WIDTH, 1024),
                        field(F_HEIGHT, 768))]
    elif scenario == "refuse-other":
        msgs = [message(W_REFUSED, field(F_REASON, "bad_password"), field(F_LOGIN, arg))]
    elif scenario == "hash-request":
        msgs = [message(W_NTLM_HASH, field(F_USER_UTF16, arg.encode("utf-16-le")))]
    elif scenario == "bad-event":
        msgs = [message(W_EVENT, field(F_EVENT, 200), field(F_DETAIL, "forged"))]
    elif scenario == "garbage":
        msgs = [b"\x07\x01garbage that is not a message"]
    elif scenario == "event-flood":
        msgs = [message(W_EVENT, field(F_EVENT, 6), field(F_DETAIL, "type=drive name=FLOOD%d" % i))
                for i in range(int(arg))]
    else:
        sys.exit("unknown scenario " + scenario)
    for m in msgs:
        try:
            sock.send(m)
        except OSError as e:
            print("send failed: %s" % e)
            break
    sock.settimeout(2)
    try:
        reply = sock.recv(65536)
        if not reply:
            print("closed")
        else:
            ver, mtype, _, length = struct.unpack("<BBHI", reply[:8])
            print("reply type=%d length=%d bytes=%s" % (mtype, length, reply[8:].hex()))
    except socket.timeout:
        print("no reply")
    except OSError as e:
        print("closed (%s)" % e)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
