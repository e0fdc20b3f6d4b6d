#!/bin/sh
# Runs xrdp or xrdp-sesman of the e2e bench with the bench's files in place of
# the machine's. Started by bench__xrdp_spawn (lib/bench/xrdp.sh) as
#     unshare --mount --propagation private sh xrdp-namespace.sh RUNDIR CMD...
# so it runs as the first process of a new mount namespace whose mounts never
# reach the machine's. Inside that namespace only:
#   /etc       is an overlay: the machine's /etc, under RUNDIR/xrdp-etc/passwd,
#              group, shadow and RUNDIR/sesman.ini (as /etc/xrdp/sesman.ini),
#              copied into a tmpfs on RUNDIR/xrdp-ns. Not bind mounts of the
#              files: a bind mount on /etc/passwd is dropped as soon as
#              useradd, chpasswd or apt replace the machine's file (rename),
#              which may happen while a test runs; an overlay's upper files
#              stay. Whatever the namespace writes to /etc stays in the tmpfs.
#   /home      is RUNDIR/xrdp-home (the test user's home)
#   /run/xrdp  is RUNDIR/xrdp-run (xrdp's pid files and session sockets,
#              shared by the namespaces of xrdp and xrdp-sesman)
# then execs CMD (same PID). Every process CMD starts (sessions, Xvnc,
# chansrv) inherits the namespace; it ends with the last of them.
# mount -n: no line in /run/mount/utab (which mount would otherwise create on
# the machine). A failed step ends the script before CMD runs.
set -eu

dir=$1
shift
ns=$dir/xrdp-ns
mount -n -t tmpfs -o mode=0700 rmgate-e2e-etc "$ns"
mkdir -p "$ns/upper/xrdp" "$ns/work"
cp -p "$dir/xrdp-etc/passwd" "$dir/xrdp-etc/group" "$dir/xrdp-etc/shadow" "$ns/upper/"
cp -p "$dir/sesman.ini" "$ns/upper/xrdp/sesman.ini"
chmod 0755 "$ns/upper" "$ns/upper/xrdp"
mount -n -t overlay rmgate-e2e-etc -o "lowerdir=/etc,upperdir=$ns/upper,workdir=$ns/work" /etc
mount -n --bind "$dir/xrdp-home" /home
mount -n --bind "$dir/xrdp-run" /run/xrdp
exec "$@"
