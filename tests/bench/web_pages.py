#!/usr/bin/python3
"""web_pages.py: times the console's pages on a big database (called by web_pages.sh).

    web_pages.py URL ROUNDS SPEC...      SPEC = ROLE:LOGIN:PASSWORD:PATH[,PATH...]

Logs each login on through the form (over one kept-alive HTTPS connection), fetches every
path once to warm the caches, then ROUNDS times, and prints one line per page: the server's
time of the first fetch (cold caches), then its own time (its Server-Timing header: the page built, without the network), the client's time
for the whole answer, and its size. Figures only: nothing passes or fails here.
"""
import http.client
import re
import ssl
import statistics
import sys
import time
import urllib.parse


def connect(url):
    parts = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the console's own self-signed certificate
    return http.client.HTTPSConnection(parts.hostname, parts.port, context=ctx, timeout=600)


def cookies_of(resp, jar):
    for value in resp.msg.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name] = rest.split(";", 1)[0]


def cookie_header(jar):
    return "; ".join("%s=%s" % kv for kv in jar.items() if kv[1])


def log_on(conn, login, password):
    jar = {}
    conn.request("GET", "/login")
    resp = conn.getresponse()
    body = resp.read().decode()
    cookies_of(resp, jar)
    token = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode({"csrf": token, "login": login, "password": password})
    conn.request("POST", "/login", body=form, headers={
        "Cookie": cookie_header(jar), "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    cookies_of(resp, jar)
    if resp.status != 303 or not jar.get("rmgate_session"):
        sys.exit("web_pages: logon of %s failed (%d)" % (login, resp.status))
    return jar


def fetch(conn, jar, path):
    start = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie_header(jar)})
    resp = conn.getresponse()
    body = resp.read()
    took = (time.perf_counter() - start) * 1000
    timing = resp.getheader("Server-Timing") or ""
    match = re.search(r"dur=([0-9.]+)", timing)
    if resp.status != 200:
        sys.exit("web_pages: GET %s answered %d" % (path, resp.status))
    return float(match.group(1)) if match else float("nan"), took, len(body)


def main():
    url, rounds = sys.argv[1], int(sys.argv[2])
    print("%-9s %-58s %9s %9s %9s %9s %9s" % ("role", "page", "first", "server50", "server-max", "client50", "bytes"))
    worst = 0.0
    for spec in sys.argv[3:]:
        role, login, password, paths = spec.split(":", 3)
        conn = connect(url)
        jar = log_on(conn, login, password)
        for path in paths.split(","):
            first = fetch(conn, jar, path)[0]  # warms SQLite's page cache and the verification cache
            runs = [fetch(conn, jar, path) for _ in range(rounds)]
            server = [r[0] for r in runs]
            client = [r[1] for r in runs]
            worst = max(worst, max(server))
            print("%-9s %-58s %7.1fms %7.1fms %8.1fms %7.1fms %9d" % (
                role, path[:58], first, statistics.median(server), max(server), statistics.median(client), runs[-1][2]))
        conn.close()
    print("slowest page, server time: %.1f ms (goal <= 100 ms)" % worst)


if __name__ == "__main__":
    main()
