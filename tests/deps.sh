#!/bin/sh
# Installs the Debian 12 packages that building, running and testing rmgate need,
# and only those that are missing (checked with dpkg -s). Run as root.
set -u

PACKAGES="
build-essential pkg-config clang
freerdp2-dev libwinpr2-dev libpcap-dev libzstd-dev libsqlite3-dev libpng-dev libssl-dev libseccomp-dev libcmocka-dev
freerdp2-x11 freerdp2-shadow-x11 winpr-utils rdesktop
xrdp tigervnc-standalone-server xvfb x11-utils x11-apps x11-xserver-utils xterm xfonts-base xclip xdotool
imagemagick ffmpeg openssl sqlite3 procps iproute2 psmisc util-linux mount cups-daemon cups-client python3
debhelper gettext locales
libmicrohttpd-dev chromium chromium-driver python3-selenium fonts-ipafont-mincho fonts-ipafont-gothic poppler-utils
"

missing=""
for p in $PACKAGES; do
    if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
        missing="$missing $p"
    fi
done

# The Japanese locale: rmgate's messages are Japanese under LANG=ja_JP.UTF-8 (common/i18n.h),
# which glibc honours only when that locale is installed; the tests run programs under it.
ensure_ja_locale() {
    locale -a 2>/dev/null | grep -qix 'ja_JP.utf8' && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "deps: the ja_JP.UTF-8 locale is missing; run 'make deps' as root" >&2
        return 1
    fi
    echo "deps: generating the ja_JP.UTF-8 locale"
    localedef -i ja_JP -c -f UTF-8 -A /usr/share/locale/locale.alias ja_JP.UTF-8
}

if [ -z "$missing" ]; then
    echo "deps: all packages present"
    ensure_ja_locale
    exit $?
fi
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing; run 'make deps' as root" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# xrdp and cups are installed only for the tests: xrdp's package would start a system RDP server on
# 0.0.0.0:3389 (and sesman on 3350, which the test bench needs). Keep every service these
# packages bring from starting, for the length of this install (Debian's policy-rc.d).
rc_policy=/usr/sbin/policy-rc.d
own_rc_policy=0
if [ ! -e "$rc_policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$rc_policy" && chmod 0755 "$rc_policy" && own_rc_policy=1
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
status=$?
[ "$own_rc_policy" = 1 ] && rm -f "$rc_policy"
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now xrdp xrdp-sesman cups cups.socket >/dev/null 2>&1 || true
fi
[ "$status" = 0 ] || exit "$status"
ensure_ja_locale
