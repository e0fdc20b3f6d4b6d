#!/bin/bash
# The Debian package, as an administrator meets it: `dpkg-buildpackage -us -uc -b` builds
# rmgate_*.deb from a copy of this tree; it holds the three programs (hardened), the man pages,
# the service unit, /etc/rmgate/rmgate.conf as a conffile and the user documents only; `dpkg -i`
# creates the rmgate system user (no login, no home) and /var/lib/rmgate (root, 0700); the
# installed unit passes `systemd-analyze verify`; `rmgate-proxy --check-config` passes on the
# installed configuration and creates the gate's files in /var/lib/rmgate; the installed
# programs default to /etc/rmgate/rmgate.conf and /var/lib/rmgate; the installed gate listens. `dpkg --purge` removes the user and the configuration but keeps the evidence in
# /var/lib/rmgate; with RMGATE_PURGE_EVIDENCE=yes the purge removes it too.
#
# The package is installed on this machine for the length of the test and purged at its end
# (also when a check fails); a machine that already has rmgate installed is not touched.
# Normal pass only: no memory bug of ours can hide in packaging (CI's SAN pass runs the same
# programs through every other test).
. "$(dirname "$0")/lib/bench.sh"

if [ "${SAN:-}" = 1 ]; then
    echo "SKIP: the .deb build and installation (normal pass only: packaging cannot hide a memory bug)"
    exit 0
fi
if dpkg-query -W -f='${Status}' rmgate 2>/dev/null | grep -q 'installed'; then
    bench_die "rmgate is installed on this machine: the package test would replace it"
fi
[ -e /var/lib/rmgate ] && bench_die "/var/lib/rmgate exists on this machine: the package test would mix its files with it"

purge_all() { RMGATE_PURGE_EVIDENCE=yes dpkg --purge rmgate >/dev/null 2>&1; rm -rf /var/lib/rmgate; }
bench_at_exit purge_all

# --- build --------------------------------------------------------------------------------
SRC=$BENCH_DIR/src/rmgate-0.1.0
mkdir -p "$SRC"
tar -C "$PWD" --exclude=./build --exclude=./var --exclude=./.git -cf - . | tar -C "$SRC" -xf -
bench_check "dpkg-buildpackage builds the package" \
    bash -c "cd '$SRC' && DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b >'$BENCH_DIR/build.log' 2>&1"
DEB=$(ls "$BENCH_DIR"/src/rmgate_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || bench_die "no rmgate_*.deb (see $BENCH_DIR/build.log)"
bench_log "package: $(basename "$DEB"), $(stat -c %s "$DEB") bytes"

dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$BENCH_DIR/contents.txt"
for path in /usr/bin/rmgate-proxy /usr/bin/rmgate-policy /usr/bin/rmgate-replay /usr/bin/rmgate-web \
    /lib/systemd/system/rmgate.service /lib/systemd/system/rmgate-web.service /etc/rmgate/rmgate.conf \
    /usr/share/locale/ja/LC_MESSAGES/rmgate.mo \
    /usr/share/man/man1/rmgate-proxy.1.gz /usr/share/man/man1/rmgate-web.1.gz /usr/share/man/man5/rmgate.conf.5.gz \
    /usr/share/man/ja/man1/rmgate-replay.1.gz /usr/share/man/ja/man5/rmgate.conf.5.gz \
    /usr/share/locale/ja/LC_MESSAGES/rmgate.mo \
    /usr/share/doc/rmgate/gate.md.gz; do
    bench_check "package holds $path" grep -qx "$path" "$BENCH_DIR/contents.txt"
done
bench_check "package holds no developer notes (test bench, architecture)" \
    bash -c "! grep -E 'test-bench|architecture' '$BENCH_DIR/contents.txt'"
bench_check "/etc/rmgate/rmgate.conf is a conffile" \
    bash -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xOf - ./conffiles | grep -qx /etc/rmgate/rmgate.conf"
mkdir -p "$BENCH_DIR/deb-root" && dpkg-deb -x "$DEB" "$BENCH_DIR/deb-root"
relro_now_pie() {
    local dynamic header
    dynamic=$(readelf -dW "$1") header=$(readelf -hW "$1")
    grep -q 'Type: *DYN' <<<"$header" && grep -Eq 'BIND_NOW|FLAGS_1.*NOW' <<<"$dynamic"
}
bench_check "packaged rmgate-proxy is a PIE with full RELRO" relro_now_pie "$BENCH_DIR/deb-root/usr/bin/rmgate-proxy"

# --- install ---------------------------------------------------------------------------------
bench_check "dpkg -i installs the package" bash -c "dpkg -i '$DEB' >'$BENCH_DIR/install.log' 2>&1"
bench_check "the rmgate system user exists, without a login shell" \
    bash -c "getent passwd rmgate | grep -Eq '^rmgate:x:[0-9]+:[0-9]+:.*:/nonexistent:/usr/sbin/nologin$'"
bench_expect_eq "/var/lib/rmgate is root's, mode 0700" "700 root root" "$(stat -c '%a %U %G' /var/lib/rmgate)"
bench_check "the installed units pass systemd-analyze verify" \
    systemd-analyze verify --man=no /lib/systemd/system/rmgate.service /lib/systemd/system/rmgate-web.service
bench_check "rmgate-proxy --check-config passes on the installed configuration" \
    bash -c "/usr/bin/rmgate-proxy -c /etc/rmgate/rmgate.conf --check-config >'$BENCH_DIR/check-config.log' 2>&1"
bench_check "the gate's certificate and key are in /var/lib/rmgate" \
    bash -c "ls /var/lib/rmgate | grep -q . "
# The installed programs default to the FHS places (no -c, no -d).
bench_check "rmgate-proxy without -c reads /etc/rmgate/rmgate.conf, files in /var/lib/rmgate" \
    bash -c "cd / && /usr/bin/rmgate-proxy --check-config | grep -qF 'configuration OK (/etc/rmgate/rmgate.conf): 1 listen address(es), files in /var/lib/rmgate,'"
bench_check "the installed gate's sessions run as the rmgate user" \
    bash -c "cd / && /usr/bin/rmgate-proxy --check-config | grep -qF 'sessions run as rmgate'"
bench_check "rmgate-policy without -d uses /var/lib/rmgate/rmgate.db" \
    bash -c "cd / && /usr/bin/rmgate-policy init >/dev/null && test -f /var/lib/rmgate/rmgate.db && /usr/bin/rmgate-policy verify >/dev/null"
bench_check "rmgate-web without -c reads /etc/rmgate/rmgate.conf ([web] and [gate]'s files in /var/lib/rmgate)" \
    bash -c "cd / && /usr/bin/rmgate-web --check-config | grep -qF 'configuration ok: https://127.0.0.1:8443/, database /var/lib/rmgate/rmgate.db, certificate /var/lib/rmgate/web.crt'"
bench_check "the installed programs speak Japanese under ja_JP.UTF-8" \
    bash -c "cd / && LC_ALL= LANG=ja_JP.UTF-8 /usr/bin/rmgate-policy nosuch-command 2>&1 | grep -qF 'を参照してください'"
product_like_wait() { local i; for i in $(seq 50); do eval "$1" && return 0; sleep 0.2; done; return 1; }
PORT=$(bench_free_port) || bench_die "no free port"
bench_spawn installed-gate /usr/bin/rmgate-proxy -c /etc/rmgate/rmgate.conf --listen "127.0.0.1:$PORT"
bench_check "the installed gate listens" bench_wait_port "$PORT" 20
INSTALLED_GATE=$BENCH_PID
# A connection gets its own worker process, as the rmgate user.
bench_spawn idle-client python3 "$BENCH_ROOT/tests/e2e/lib/rdp_tls.py" hold 127.0.0.1 "$PORT" 1 20 --source 127.0.0.1
IDLE=$BENCH_PID
worker_uid() { local w; w=$(bench__descendants "$INSTALLED_GATE" | awk '{print $1}'); [ -n "$w" ] && awk '/^Uid:/ {print $2}' "/proc/$w/status"; }
bench_check "the installed gate's worker for a connection runs as rmgate" \
    product_like_wait 'worker_uid | grep -qx "$(id -u rmgate)"'
bench_stop "$IDLE" "$INSTALLED_GATE"
ls -a /var/lib/rmgate >"$BENCH_DIR/state-before-purge.txt"

# --- purge -------------------------------------------------------------------------------------
bench_check "dpkg --purge removes the package" bash -c "dpkg --purge rmgate >'$BENCH_DIR/purge.log' 2>&1"
bench_check "purge: the rmgate user is gone" bash -c "! getent passwd rmgate"
bench_check "purge: /etc/rmgate is gone" test ! -e /etc/rmgate
bench_check "purge: the evidence in /var/lib/rmgate is kept" \
    bash -c "[ -d /var/lib/rmgate ] && [ \"\$(ls -a /var/lib/rmgate)\" = \"\$(cat '$BENCH_DIR/state-before-purge.txt')\" ]"
bench_expect_log "purge: says where the evidence is" "$BENCH_DIR/purge.log" 'kept /var/lib/rmgate' 1
bench_check "reinstall" bash -c "dpkg -i '$DEB' >>'$BENCH_DIR/install.log' 2>&1"
bench_check "purge with RMGATE_PURGE_EVIDENCE=yes" \
    bash -c "RMGATE_PURGE_EVIDENCE=yes dpkg --purge rmgate >>'$BENCH_DIR/purge.log' 2>&1"
bench_check "purge with RMGATE_PURGE_EVIDENCE=yes: /var/lib/rmgate is gone" test ! -e /var/lib/rmgate
