#!/bin/sh
# Debian packages the tests need: Chromium (browser tests), Dovecot (IMAP tests),
# gettext (compiling translations). Installed only when missing; needs root or sudo.
set -e
want="${*:-chromium dovecot-imapd dovecot-pop3d gettext}"
missing=""
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
echo "Installing Debian packages:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
