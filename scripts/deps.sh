#!/bin/sh
# Installs the Debian packages kansoku needs to build, test and benchmark,
# skipping those already present. Runs apt-get as root or through sudo.
set -e
PKGS="build-essential pkg-config libpcap-dev libsqlite3-dev sqlite3 libmaxminddb-dev libjansson-dev jq
libxxhash-dev libzstd-dev libxml2-dev libpcre2-dev libxml2-utils clang-14 libclang-rt-14-dev tcpdump tshark
wireshark-common time iproute2 iputils-ping softflowd nfdump strace procps"
# TCP discovery (h/disc): SipHash cookies; zmap, masscan, nmap and ncat for its tests and bench.
PKGS="$PKGS libsodium-dev zmap masscan nmap ncat"
# Credential checks (h/cred): libssh, libcurl; daemons for their tests.
PKGS="$PKGS libssh-dev libcurl4-openssl-dev dropbear-bin lighttpd vsftpd inetutils-telnetd systemd"
# survey grab integration test (tests/integration/t_survey_grab.sh): real daemons on loopback
PKGS="$PKGS lighttpd dropbear-bin mosquitto vsftpd dnsmasq-base ncat openssl inetutils-telnetd systemd"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "kansoku: installing Debian packages:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
# tshark asks whether non-root users may capture; answer no, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
