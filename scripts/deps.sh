#!/bin/sh
# Installs the Debian packages kansoku needs to build, test and benchmark,
# skipping those already present. Runs apt-get as root or through sudo.
set -e
PKGS="build-essential pkg-config libpcap-dev libsqlite3-dev sqlite3 libmaxminddb-dev libjansson-dev jq
libxxhash-dev libzstd-dev libxml2-dev libpcre2-dev libxml2-utils clang-14 libclang-rt-14-dev tcpdump tshark
wireshark-common time iproute2 iputils-ping softflowd nfdump strace procps"
# Active survey: libsodium (discovery cookies), libssh and libcurl (credential checks); the real
# daemons of the test lab (tests/lab/) and of the loopback tests, the clients that check them,
# and the peers of the discovery test and benchmark (nmap, zmap, masscan).
PKGS="$PKGS libsodium-dev libssh-dev libcurl4-openssl-dev
inetutils-inetd inetutils-telnetd systemd dropbear-bin lighttpd vsftpd mosquitto mosquitto-clients
dnsmasq-base ncat curl bind9-dnsutils openssl python3 passwd util-linux nmap zmap masscan"
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
# No daemon may start on install (lighttpd, vsftpd, mosquitto...): a
# policy-rc.d that refuses every start, unless the machine already has one.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\n# kansoku scripts/deps.sh: no service starts during the install\nexit 101\n' |
		$SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	trap '$SUDO rm -f "$policy"' EXIT
	trap 'exit 1' INT TERM
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
