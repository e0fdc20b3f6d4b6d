# shellcheck shell=bash disable=SC2034
# (SC2034: the BENCH_XRDP_*, BENCH_SESMAN_* and BENCH_CHANSRV_DIR variables are
# the API, read by the test scripts.)
# The xrdp target: xrdp and xrdp-sesman (and what sesman starts: the sessions'
# Xvnc, window manager and chansrv) run in private mount namespaces where the
# run dir's files stand over the machine's (lib/xrdp-namespace.sh):
#
#     seen inside            is, on the machine
#     /etc/passwd, /etc/group, /etc/shadow
#                            copies of $BENCH_DIR/xrdp-etc/*: the machine's
#                            with the test user added (every other account's
#                            password locked), in an overlay over /etc
#     /etc/xrdp/sesman.ini   a copy of $BENCH_DIR/sesman.ini (chansrv reads
#                            only this path), in the same overlay
#     /home                  $BENCH_DIR/xrdp-home (the test user's home)
#     /run/xrdp              $BENCH_DIR/xrdp-run (pid files, session sockets)
#
# So the test user exists only for these processes (elsewhere its files and
# processes show a bare UID), and nothing in /etc, /home or /run/xrdp changes
# on the machine. Sessions still use the machine's /tmp (their X displays are
# reached from outside); the cleanup removes what the test UID left there.
# One xrdp target at a time on the machine (sesman's port 3350 and the
# session displays from :50 are machine-wide): the flock on BENCH_XRDP_LOCK.
# Part of the bench: sourced by lib/bench.sh.

BENCH_XRDP_USER=rmgate-e2e
BENCH_XRDP_PASS=rdpPass123
BENCH_XRDP_LOCK=/tmp/rmgate-e2e-xrdp.lock
BENCH_XRDP_LOCK_FD=

# bench_start_xrdp: xrdp + xrdp-sesman with Xvnc sessions, DEBUG logs in the
# run dir, on 127.0.0.1 and a free port (sesman on 3350), in their private
# mount namespaces. Takes the xrdp lock first, held until the script ends
# (other scripts wait for it, up to 300 s). Sets BENCH_XRDP_PORT,
# BENCH_XRDP_PID, BENCH_SESMAN_PID, BENCH_XRDP_LOG, BENCH_SESMAN_LOG,
# BENCH_CHANSRV_DIR (chansrv logs, one per session display), BENCH_XRDP_UID
# and BENCH_XRDP_HOME (the test user's, in the run dir); uses
# BENCH_XRDP_USER and BENCH_XRDP_PASS.
bench_start_xrdp() {
    # unshare needs CAP_SYS_ADMIN (root outside a container, or a privileged one).
    unshare --mount --propagation private true 2>/dev/null ||
        bench_die "cannot make a mount namespace (unshare --mount) for the xrdp target: root with CAP_SYS_ADMIN needed"
    case "$BENCH_DIR" in *,*) bench_die "the run dir $BENCH_DIR has a comma: it cannot name an overlay's upper dir" ;; esac
    bench__xrdp_lock
    bench__xrdp_user
    bench__xrdp_config
    bench__xrdp_spawn sesman-out xrdp-sesman --nodaemon -c "$BENCH_DIR/sesman.ini"
    BENCH_SESMAN_PID=$BENCH_PID
    bench_wait_port 3350 20 ||
        bench_die "xrdp-sesman not listening on 3350: $(tail -n 3 "$BENCH_DIR/sesman-out.log")"
    bench__xrdp_spawn xrdp-out xrdp --nodaemon -c "$BENCH_DIR/xrdp.ini"
    BENCH_XRDP_PID=$BENCH_PID
    bench_wait_port "$BENCH_XRDP_PORT" 20 ||
        bench_die "xrdp not listening on $BENCH_XRDP_PORT: $(tail -n 3 "$BENCH_DIR/xrdp-out.log")"
    bench_log "xrdp on 127.0.0.1:$BENCH_XRDP_PORT (sesman pid $BENCH_SESMAN_PID, xrdp pid $BENCH_XRDP_PID)"
}

# bench__xrdp_spawn NAME CMD...: bench_spawn of CMD in a new private mount
# namespace set up by lib/xrdp-namespace.sh. unshare and the helper exec
# CMD, so BENCH_PID is CMD's own and its command line still names the run
# dir (bench__xrdp_free_3350 relies on that).
bench__xrdp_spawn() {
    local name=$1
    shift
    bench_spawn "$name" unshare --mount --propagation private \
        sh "$BENCH_LIB/xrdp-namespace.sh" "$BENCH_DIR" "$@"
}

# Takes the xrdp lock (waiting up to 300 s), then frees port 3350.
bench__xrdp_lock() {
    [ -n "$BENCH_XRDP_LOCK_FD" ] && return 0
    local deadline
    exec {BENCH_XRDP_LOCK_FD}>>"$BENCH_XRDP_LOCK"
    BENCH_PRIVATE_FDS+=("$BENCH_XRDP_LOCK_FD")
    bench_log "waiting for the xrdp lock $BENCH_XRDP_LOCK"
    deadline=$(bench__deadline 300)
    # Short flock attempts, so that a signal (INT/TERM) is handled promptly.
    until flock -w 1 "$BENCH_XRDP_LOCK_FD"; do
        bench__past "$deadline" && bench_die "xrdp lock $BENCH_XRDP_LOCK still held after 300 s (another test running long?)"
    done
    bench_log "got the xrdp lock"
    BENCH_XRDP_T0_TICKS=$(bench__uptime_ticks)
    bench__xrdp_free_3350
}

# Releases the xrdp lock before the script ends (the bench's self-test
# takes it to look at the machine while no xrdp target runs).
bench__xrdp_unlock() {
    local fd=$BENCH_XRDP_LOCK_FD i
    [ -n "$fd" ] || return 0
    exec {fd}>&-
    for i in "${!BENCH_PRIVATE_FDS[@]}"; do
        [ "${BENCH_PRIVATE_FDS[$i]}" = "$fd" ] && unset "BENCH_PRIVATE_FDS[$i]"
    done
    BENCH_XRDP_LOCK_FD=
}

# Makes sure port 3350 (xrdp-sesman's, fixed) is free. Holding the lock, an
# xrdp-sesman there is either a bench one whose script died without its
# cleanup (SIGKILL): its config is in that script's run dir, named after the
# script's PID; it is stopped with its xrdp; or a foreign one: the test
# fails with its PID, after 30 s.
bench__xrdp_free_3350() {
    local deadline pid cmd dir owner p
    deadline=$(bench__deadline 30)
    while :; do
        pid=$(ss -Hltnp 'sport = :3350' 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
        [ -z "$(ss -Hltn 'sport = :3350' 2>/dev/null)" ] && return 0
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")
        dir=$(printf '%s' "$cmd" | grep -o -E '/[^ ]*/e2e-run/[^/ ]+-[0-9]+/' | head -n 1)
        owner=${dir%/}
        owner=${owner##*-}
        if [ -n "$dir" ] && ! bench_alive "$owner"; then
            bench_log "stopping xrdp left by the ended bench script $owner ($dir)"
            for p in /proc/[0-9]*; do
                case "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" in
                    xrdp*"$dir"*) bench_stop "${p#/proc/}" ;;
                esac
            done
        fi
        bench__past "$deadline" && bench_die "port 3350 is taken by a process not started by a bench (pid ${pid:-?}: $cmd)"
        sleep 0.5
    done
}

# The test user, for the namespace only: copies of /etc/passwd, /etc/group
# and /etc/shadow in $BENCH_DIR/xrdp-etc with the user added under a UID and
# GID that no account or group of the machine has (from 59000 up), its
# password hashed by openssl, and every other account's password locked
# (xrdp-sesman in the namespace logs in the test user only, and no hash of
# the machine lands in the run dir). Its home, $BENCH_DIR/xrdp-home/USER
# (/home/USER inside), starts as a copy of /etc/skel, as useradd -m makes it.
bench__xrdp_user() {
    local etc=$BENCH_DIR/xrdp-etc user=$BENCH_XRDP_USER id=59000 hash
    while getent passwd "$id" >/dev/null || getent group "$id" >/dev/null; do
        id=$((id + 1))
    done
    BENCH_XRDP_UID=$id
    BENCH_XRDP_HOME=$BENCH_DIR/xrdp-home/$user
    hash=$(printf '%s\n' "$BENCH_XRDP_PASS" | openssl passwd -6 -stdin) ||
        bench_die "cannot hash the password of $user"
    mkdir -p "$etc" || bench_die "cannot create $etc"
    {
        awk -F: -v u="$user" '$1 != u' /etc/passwd &&
            echo "$user:x:$id:$id:rmgate e2e bench:/home/$user:/bin/bash"
    } >"$etc/passwd" &&
        {
            awk -F: -v u="$user" '$1 != u' /etc/group && echo "$user:x:$id:"
        } >"$etc/group" &&
        {
            awk -F: -v OFS=: -v u="$user" '$1 != u { $2 = "*"; print }' /etc/shadow &&
                echo "$user:$hash:$(($(date +%s) / 86400)):0:99999:7:::"
        } >"$etc/shadow" &&
        chmod 0644 "$etc/passwd" "$etc/group" && chmod 0640 "$etc/shadow" ||
        bench_die "cannot write the test user's passwd, group and shadow in $etc"
    install -d -m 0755 "$BENCH_DIR/xrdp-home" && cp -a /etc/skel "$BENCH_XRDP_HOME" &&
        chown -R "$id:$id" "$BENCH_XRDP_HOME" && chmod 0700 "$BENCH_XRDP_HOME" ||
        bench_die "cannot make the home $BENCH_XRDP_HOME"
}

# Writes xrdp.ini and sesman.ini into the run dir (sesman.ini is also
# /etc/xrdp/sesman.ini in the namespace, the only file chansrv reads), makes
# the chansrv log dir in the test user's home, xrdp's runtime dir (/run/xrdp
# in the namespace, as xrdp's own socksetup makes it) and the mount point of
# the namespace's tmpfs (xrdp-ns, empty outside).
bench__xrdp_config() {
    local run=$BENCH_DIR/xrdp-run
    BENCH_XRDP_PORT=$(bench_free_port) || bench_die "no free port"
    BENCH_XRDP_LOG=$BENCH_DIR/xrdp.log
    BENCH_SESMAN_LOG=$BENCH_DIR/xrdp-sesman.log
    BENCH_CHANSRV_DIR=$BENCH_XRDP_HOME/chansrv-logs
    # The mount point of the private /run/xrdp: xrdp's init script makes
    # /run/xrdp; on a machine where it never ran, the bench makes it (empty)
    # and removes it at the end.
    if [ ! -d /run/xrdp ]; then
        mkdir /run/xrdp || bench_die "cannot make the mount point /run/xrdp"
        BENCH_XRDP_MADE_RUN=1
    fi
    install -d -o "$BENCH_XRDP_UID" -g "$BENCH_XRDP_UID" -m 0700 "$BENCH_CHANSRV_DIR" &&
        install -d -m 0700 "$BENCH_DIR/xrdp-ns" &&
        install -d -o root -g xrdp -m 2775 "$run" &&
        install -d -o root -g xrdp -m 3777 "$run/sockdir" ||
        bench_die "cannot make $BENCH_CHANSRV_DIR and $run"
    sed -e "s|@PORT@|$BENCH_XRDP_PORT|" -e "s|@LOG@|$BENCH_XRDP_LOG|" \
        "$BENCH_LIB/xrdp.ini.in" >"$BENCH_DIR/xrdp.ini"
    sed -e "s|@LOG@|$BENCH_SESMAN_LOG|" -e "s|@CHANSRV@|/home/$BENCH_XRDP_USER/chansrv-logs|" \
        "$BENCH_LIB/sesman.ini.in" >"$BENCH_DIR/sesman.ini"
}

# bench_xrdp_session_display [TIMEOUT=20]: waits for the Xvnc session that
# xrdp-sesman started and prints its display (":50"); the newest one if there
# were several.
bench_xrdp_session_display() {
    local deadline n
    deadline=$(bench__deadline "${1:-20}")
    while :; do
        n=$(bench__session_displays | tail -n 1)
        if [ -n "$n" ] && [ -S "/tmp/.X11-unix/X$n" ]; then
            echo ":$n"
            return 0
        fi
        bench__past "$deadline" && { echo "no xrdp session display" >&2; return 1; }
        sleep 0.2
    done
}

# Session display numbers from the sesman log, oldest first.
bench__session_displays() {
    grep -a -o -E 'Starting X server on display [0-9]+' "$BENCH_SESMAN_LOG" 2>/dev/null |
        grep -o -E '[0-9]+$' | awk '!seen[$0]++'
}

# bench_xrdp_end_sessions: stops the Xvnc of every session this xrdp-sesman
# started, with the session's other processes (sessions survive a disconnect,
# and a new login would reconnect to the old one, its old chansrv and log),
# and moves their chansrv logs out of BENCH_CHANSRV_DIR, so that the chansrv
# reports that follow are about the next session only.
bench_xrdp_end_sessions() {
    bench__xrdp_stop_sessions
    # The next session on the same display would append to the same chansrv
    # log: move the ended sessions' logs to the run dir (chansrv-ended-N).
    if [ -n "$(ls -A "$BENCH_CHANSRV_DIR" 2>/dev/null)" ]; then
        BENCH_SEQ=$((BENCH_SEQ + 1))
        mkdir -p "$BENCH_DIR/chansrv-ended-$BENCH_SEQ" &&
            mv "$BENCH_CHANSRV_DIR"/* "$BENCH_DIR/chansrv-ended-$BENCH_SEQ/"
    fi
    return 0
}

bench__xrdp_stop_sessions() {
    local pids=() p n
    for p in $(bench_xrdp_xvnc_pids); do
        pids+=("$p")
        # The session process (Xvnc's parent, a fork of sesman) and its tree:
        # window manager, xterm, ssh-agent, chansrv.
        n=$(bench__ppid "$p")
        [ -n "$n" ] && [ "$n" != 1 ] && [ "$n" != "${BENCH_SESMAN_PID:-}" ] && pids+=("$n")
    done
    [ ${#pids[@]} -gt 0 ] && bench_stop "${pids[@]}"
    for n in $(bench__session_displays); do
        bench_alive "$(tr -dc '0-9' 2>/dev/null <"/tmp/.X$n-lock")" ||
            rm -f "/tmp/.X$n-lock" "/tmp/.X11-unix/X$n"
    done
    return 0
}

# bench_xrdp_xvnc_pids: the PIDs of the live Xvnc servers of this script's
# xrdp sessions (from /tmp/.X<n>-lock), one per line.
bench_xrdp_xvnc_pids() {
    local n pid
    for n in $(bench__session_displays); do
        pid=$(tr -dc '0-9' 2>/dev/null <"/tmp/.X$n-lock")
        [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = Xvnc ] && echo "$pid"
    done
    return 0
}

# PIDs of the test user's live processes started since this script took the
# xrdp lock. The lock makes them ours: the test UID belongs to no account of
# the machine, and no other bench script runs xrdp meanwhile. This catches
# session processes that left the session's tree (ssh-agent daemonizes).
bench__xrdp_user_pids() {
    local uid=${BENCH_XRDP_UID:-} p line k v
    [ -n "${BENCH_XRDP_T0_TICKS:-}" ] && [ -n "$uid" ] || return 0
    for p in /proc/[0-9]*; do
        v=
        while read -r k v _; do
            [ "$k" = Uid: ] && break
        done 2>/dev/null <"$p/status"
        [ "$v" = "$uid" ] || continue
        read -r line 2>/dev/null <"$p/stat" || continue
        line=${line##*) }
        # shellcheck disable=SC2086 # the fields of /proc/PID/stat, split on purpose
        set -- $line
        [ "${20:-0}" -ge "$BENCH_XRDP_T0_TICKS" ] && bench_alive "${p#/proc/}" && echo "${p#/proc/}"
    done
    return 0
}

# The xrdp part of the cleanup, after the bench stopped the processes it
# started: the sessions (their Xvnc and their processes, also those that
# left the session's tree), then the files the session left in the machine's
# /tmp (owned by the test UID, which no account of the machine has), and
# chansrv's logs into $BENCH_DIR/chansrv, and the mount point /run/xrdp if
# the bench made it. The namespaces end with their last process, and their
# mounts with them.
bench__xrdp_cleanup() {
    local pids
    [ -n "${BENCH_SESMAN_LOG:-}" ] || return 0
    bench__xrdp_stop_sessions 2>/dev/null
    mapfile -t pids < <(bench__xrdp_user_pids)
    [ ${#pids[@]} -gt 0 ] && bench_stop "${pids[@]}"
    find /tmp -mindepth 1 -maxdepth 1 -uid "$BENCH_XRDP_UID" -exec rm -rf {} + 2>/dev/null
    if [ -d "$BENCH_CHANSRV_DIR" ]; then
        mkdir -p "$BENCH_DIR/chansrv" && mv "$BENCH_CHANSRV_DIR"/* "$BENCH_DIR/chansrv/" 2>/dev/null
    fi
    [ "${BENCH_XRDP_MADE_RUN:-0}" = 1 ] && rmdir /run/xrdp 2>/dev/null
    return 0
}
