# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash disable=SC2034  # the LAB_ variables are for callers
# The survey test lab: two network namespaces linked by a veth pair, real
# daemons playing vulnerable IoT devices on addresses of 198.18.1.0/24, and a
# teardown that works after any failure. Source it (bash), then:
#
#   lab_up                 build the lab; 0, or 1 with the reason on stderr
#                          (call lab_down afterwards in both cases: put it in
#                          a trap EXIT before lab_up)
#   ip netns exec "$LAB_SCANNER_NS" kansoku survey run --scope "$LAB_DIR/scope.txt" ...
#   lab_fix DEVICE         make one device (or "all") no longer vulnerable, as
#                          tests/lab/expected.tsv column after_fix says
#   lab_down               stop every daemon, delete the namespaces, the
#                          throwaway user and LAB_DIR; idempotent
#   lab_expected [-n] [FIXED...]  the findings a survey must list (below)
#   lab_findings JSON      kansoku's findings JSON in the same form, to compare
#   lab_open_ports [-d]    the open ports (all, or -d: default-list ones)
#
# Call lab_up in the test's own shell, not in $(...) or ( ): it sets
# LAB_DIR and the lock for lab_fix and lab_down.
#
# Variables set when sourced (names carry LAB_ID, default $$, so concurrent
# labs never share a name): LAB_SCANNER_NS, LAB_DEVICE_NS, LAB_ID, the
# addresses below and LAB_DEVICES; LAB_DIR (a temporary directory with
# configs, logs, pids and scope.txt) is set by lab_up.
#
# Topology (tests/lab/README.md):
#   scanner ns  198.18.0.1/30 --veth-- 198.18.0.2/30  device ns
#               route 198.18.1.0/24 via 198.18.0.2    devices: 198.18.1.X/32 on lo
#                                                     upstream DNS 198.18.2.53 (not routed
#                                                     from the scanner, not in scope)
# Unassigned addresses of 198.18.1.0/24 (LAB_SILENT among them) are routed
# to the device namespace, which does not forward: nothing answers. LAB_CLOSED
# is local there with no listener: the kernel answers RST.
#
# Safety: needs root; nothing is created in the initial namespace except
# the throwaway user (LAB_USER, created only if absent, tagged with LAB_ID in
# its GECOS field and removed only with that tag) and files under LAB_DIR.
# Daemons run in the device namespace; lab_down kills the PIDs the lab
# recorded and then any process left inside the lab's own namespaces (ip
# netns pids), never anything by name. One lab at a time per machine holds
# /run/lock/kansoku-lab.lock (the user name is shared); lab_up waits for it.
#
# lab_up first removes what a lab killed without teardown left behind
# (namespaces kslab-N-*, the user tagged "kansoku lab N", its LAB_DIR).
#
# Knobs: LAB_FAIL_AT=STAGE makes lab_up fail on purpose at that stage (tests
# of the teardown); LAB_KEEP=1 keeps LAB_DIR; LAB_WAIT_TRIES (default 100)
# bounds every wait (x 0.1 s).

LAB_ID=${LAB_ID:-$$}
LAB_SCANNER_NS=kslab-$LAB_ID-scan
LAB_DEVICE_NS=kslab-$LAB_ID-dev
LAB_VETH_S=ksl${LAB_ID}s
LAB_VETH_D=ksl${LAB_ID}d
LAB_DIR=""
LAB_LOCK=/run/lock/kansoku-lab.lock
[ -d /run/lock ] || LAB_LOCK=/tmp/kansoku-lab.lock
LAB_WAIT_TRIES=${LAB_WAIT_TRIES:-100}
LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

LAB_SCANNER_ADDR=198.18.0.1
LAB_GW_ADDR=198.18.0.2
LAB_NET=198.18.1.0/24
LAB_TELNET=198.18.1.10     # telnetd + fake BusyBox login, root/xc3511
LAB_TELNET_BB=198.18.1.11  # BusyBox-style telnet (prompt without negotiation), root/vizxv
LAB_SSH=198.18.1.20        # dropbear, support/support
LAB_SSH_STRONG=198.18.1.21 # dropbear, no weak account (negative case)
LAB_CAMERA=198.18.1.30     # lighttpd, HTTP Basic "IPCamera", admin/admin; RTSP on 554
LAB_DVR=198.18.1.31        # lighttpd as "Boa/0.94.14rc21", HTTP Digest "DVR", admin/admin
LAB_FTP=198.18.1.40        # vsftpd, local user support/support
LAB_MQTT=198.18.1.50       # mosquitto, anonymous clients allowed
LAB_RESOLVER=198.18.1.53   # dnsmasq, open recursive resolver
LAB_DNS_LOCAL=198.18.1.54  # dnsmasq, local names only (negative case)
LAB_UPNP=198.18.1.60       # SSDP responder + description XML on :49152
LAB_HTTPS=198.18.1.70      # openssl s_server, expired self-signed cert, TLS 1.0
LAB_SENSOR=198.18.1.80     # NTP 123/udp and CoAP 5683/udp (no finding)
LAB_CLOSED=198.18.1.250    # local, no listener: RST
LAB_SILENT=198.18.1.251    # routed, nothing answers
LAB_UPSTREAM=198.18.2.53   # the resolver's upstream (answers every name)
LAB_UPNP_HTTP_PORT=49152
LAB_USER=support
LAB_PASS=support
LAB_DEVICES="telnet telnet_bb ssh ssh_strong camera dvr ftp mqtt resolver dns_local upnp https sensor"

_lab_log() { echo "lab: $*" >&2; }
_lab_dev() { ip netns exec "$LAB_DEVICE_NS" "$@"; }

# Deliberate failure point for the teardown tests.
_lab_stage() {
	if [ "${LAB_FAIL_AT:-}" == "$1" ]; then
		_lab_log "failing on purpose at stage $1 (LAB_FAIL_AT)"
		return 1
	fi
	return 0
}

# _lab_spawn NAME CMD...: starts CMD in the device namespace, in the
# background, logging to LAB_DIR/log/NAME.log; records its PID (ip netns
# exec execs CMD, so $! is the daemon itself). Started from a subshell that
# exits at once, so daemons are not jobs of the caller's shell (a bare
# `wait` in a test does not wait for them, killing them prints nothing).
_lab_spawn() {
	local name=$1
	shift
	(
		ip netns exec "$LAB_DEVICE_NS" "$@" </dev/null >>"$LAB_DIR/log/$name.log" 2>&1 {LAB_LOCK_FD}>&- &
		echo $! >"$LAB_DIR/pids/$name"
	)
}

# _lab_alive PID: the process exists and is not a zombie waiting for init.
_lab_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# _lab_stop NAME: TERM then (bounded) KILL the recorded PID of NAME.
_lab_stop() {
	local f=$LAB_DIR/pids/$1 pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	rm -f "$f"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < LAB_WAIT_TRIES; i++)); do
		_lab_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# _lab_wait_listen tcp|udp ADDR PORT NAME: polls (bounded) until a socket of
# the device namespace listens on ADDR:PORT; fails early if NAME died.
_lab_wait_listen() {
	local proto=$1 addr=$2 port=$3 name=$4 i flag=-Hltn pid
	[ "$proto" == udp ] && flag=-Hlun
	pid=$(cat "$LAB_DIR/pids/$name" 2>/dev/null)
	for ((i = 0; i < LAB_WAIT_TRIES; i++)); do
		if [ -n "$(_lab_dev ss $flag src "$addr:$port" 2>/dev/null)" ]; then
			return 0
		fi
		if [ -n "$pid" ] && ! _lab_alive "$pid"; then
			break
		fi
		sleep 0.1
	done
	_lab_log "$name did not listen on $addr:$port/$proto; its log:"
	tail -n 20 "$LAB_DIR/log/$name.log" >&2 2>/dev/null
	return 1
}

_lab_net() {
	ip netns add "$LAB_SCANNER_NS" || return 1
	ip netns add "$LAB_DEVICE_NS" || return 1
	ip -n "$LAB_SCANNER_NS" link set lo up || return 1
	ip -n "$LAB_DEVICE_NS" link set lo up || return 1
	ip link add "$LAB_VETH_S" netns "$LAB_SCANNER_NS" type veth \
		peer name "$LAB_VETH_D" netns "$LAB_DEVICE_NS" || return 1
	_lab_stage veth || return 1
	ip -n "$LAB_SCANNER_NS" addr add "$LAB_SCANNER_ADDR/30" dev "$LAB_VETH_S" || return 1
	ip -n "$LAB_DEVICE_NS" addr add "$LAB_GW_ADDR/30" dev "$LAB_VETH_D" || return 1
	ip -n "$LAB_SCANNER_NS" link set "$LAB_VETH_S" up || return 1
	ip -n "$LAB_DEVICE_NS" link set "$LAB_VETH_D" up || return 1
	ip -n "$LAB_SCANNER_NS" route add "$LAB_NET" via "$LAB_GW_ADDR" || return 1
	# The device namespace must not forward (fresh namespaces default to 0).
	_lab_dev sysctl -q -w net.ipv4.ip_forward=0 || return 1
	# No ICMP rate limit: UDP probes of closed ports get their port-unreachable
	# at once (nmap -sU, kansoku UDP probes), as from separate real devices.
	_lab_dev sysctl -q -w net.ipv4.icmp_ratelimit=0 || return 1
	local a
	for a in $LAB_TELNET $LAB_TELNET_BB $LAB_SSH $LAB_SSH_STRONG $LAB_CAMERA $LAB_DVR $LAB_FTP \
		$LAB_MQTT $LAB_RESOLVER $LAB_DNS_LOCAL $LAB_UPNP $LAB_HTTPS $LAB_SENSOR $LAB_CLOSED $LAB_UPSTREAM; do
		ip -n "$LAB_DEVICE_NS" addr add "$a/32" dev lo || return 1
	done
	return 0
}

_lab_user() {
	if getent passwd "$LAB_USER" >/dev/null || getent group "$LAB_USER" >/dev/null; then
		_lab_log "user or group '$LAB_USER' already exists: refusing to touch it"
		return 1
	fi
	# /bin/sh because dropbear and vsftpd's PAM (pam_shells) want a shell
	# from /etc/shells; dropbear runs a forced command (iot-login.sh shell)
	# instead, and vsftpd runs no shell.
	useradd -M -N -g nogroup -d "$LAB_DIR/ftp" -s /bin/sh -c "kansoku lab $LAB_ID" "$LAB_USER" || return 1
	echo "$LAB_USER:$LAB_PASS" | chpasswd || return 1
	return 0
}

# The user exists and carries this lab's tag.
_lab_user_ours() {
	local gecos
	gecos=$(getent passwd "$LAB_USER" | cut -d: -f5)
	[ "$gecos" == "kansoku lab $LAB_ID" ]
}

_lab_files() {
	local d=$LAB_DIR
	mkdir -p "$d/log" "$d/pids" "$d/bin" "$d/etc" "$d/ssh" "$d/ftp" "$d/www" "$d/tls" || return 1
	# The throwaway user reaches bin/ (dropbear's forced command) and ftp/
	# (vsftpd's chroot); configs, keys and logs stay root's.
	chmod 755 "$d" "$d/bin" "$d/ftp" || return 1
	chmod 700 "$d/log" "$d/pids" "$d/etc" "$d/ssh" "$d/www" "$d/tls" || return 1
	install -m 755 "$LAB_SRC/iot-login.sh" "$LAB_SRC/ssdp-device.py" "$LAB_SRC/telnet-busybox.py" \
		"$LAB_SRC/iot-services.py" "$d/bin/" || return 1
	# telnetd -E takes one word: a wrapper names the password file.
	printf '#!/bin/sh\nexec %s login %s\n' "$d/bin/iot-login.sh" "$d/etc/telnet.pass" >"$d/bin/telnet-login"
	chmod 755 "$d/bin/telnet-login" || return 1
	printf '# kansoku survey lab %s (tests/lab)\n%s lab-org allow-reserved\n' "$LAB_ID" "$LAB_NET" >"$d/scope.txt"
	printf 'root\nxc3511\n' >"$d/etc/telnet.pass"
	printf 'Lab camera firmware 1.0.3\n' >"$d/ftp/readme.txt"
	mkdir -p "$d/www/camera" "$d/www/dvr"
	cat >"$d/www/camera/index.html" <<-'EOF'
	<html><head><title>IP Camera Login</title></head>
	<body><form action="/login.cgi" method="post">User <input name="user"> Password <input type="password" name="pass"></form></body></html>
	EOF
	cat >"$d/www/dvr/index.html" <<-'EOF'
	<html><head><title>DVR Web Client</title></head>
	<body><form action="/login.cgi" method="post">User <input name="user"> Password <input type="password" name="pass"></form></body></html>
	EOF
	printf 'admin:admin\n' >"$d/etc/camera.users"
	printf 'admin:admin\n' >"$d/etc/dvr.users"
	echo "$LAB_USER" >"$d/etc/ftp-allowed.weak"
	: >"$d/etc/ftp-allowed.fixed"
	dropbearkey -t ed25519 -f "$d/ssh/ssh.key" >/dev/null 2>&1 || return 1
	dropbearkey -t ed25519 -f "$d/ssh/ssh_strong.key" >/dev/null 2>&1 || return 1
	_lab_tls || return 1
	return 0
}

# An expired (2020-01-01 .. 2021-01-01) self-signed certificate for the
# HTTPS device, made with `openssl ca -selfsign` (which takes explicit dates).
_lab_tls() {
	local t=$LAB_DIR/tls
	: >"$t/index.txt"
	echo 01 >"$t/serial"
	cat >"$t/ca.cnf" <<-EOF
	[ ca ]
	default_ca = lab
	[ lab ]
	dir = $t
	database = $t/index.txt
	new_certs_dir = $t
	serial = $t/serial
	default_md = sha256
	policy = pol
	unique_subject = no
	[ pol ]
	commonName = supplied
	organizationName = optional
	EOF
	openssl req -new -newkey rsa:2048 -nodes -keyout "$t/key.pem" \
		-subj "/O=Kansoku Lab Devices/CN=ipcam.lab" -out "$t/req.pem" >"$t/openssl.log" 2>&1 || return 1
	openssl ca -batch -config "$t/ca.cnf" -selfsign -keyfile "$t/key.pem" -in "$t/req.pem" \
		-out "$t/cert.pem" -startdate 20200101000000Z -enddate 20210101000000Z -notext \
		>>"$t/openssl.log" 2>&1 || { cat "$t/openssl.log" >&2; return 1; }
	return 0
}

# --- devices: _lab_start_NAME weak|fixed starts NAME and waits for it ---

_lab_start_telnet() {
	local mode=$1
	if [ "$mode" == fixed ]; then
		printf 'root\n%s\n' "$(_lab_strong_pass)" >"$LAB_DIR/etc/telnet.pass"
	else
		printf 'root\nxc3511\n' >"$LAB_DIR/etc/telnet.pass"
	fi
	# The login program reads the password file at each attempt: a running
	# inetd keeps serving, with the new password.
	[ -f "$LAB_DIR/pids/telnet" ] && return 0
	printf '%s:telnet stream tcp nowait root /usr/sbin/telnetd telnetd -h -E %s\n' \
		"$LAB_TELNET" "$LAB_DIR/bin/telnet-login" >"$LAB_DIR/etc/inetd.conf"
	# --rate: inetd's default (40 a minute) would shut the service down for
	# 10 minutes in the middle of a credential check.
	_lab_spawn telnet inetutils-inetd -d --rate=100000 --pidfile="$LAB_DIR/run-inetd.pid" "$LAB_DIR/etc/inetd.conf"
	_lab_wait_listen tcp "$LAB_TELNET" 23 telnet
}

# BusyBox-style: options and "login: " at once, without waiting for the
# client's answers (tests/lab/telnet-busybox.py).
_lab_start_telnet_bb() {
	local pw=vizxv
	[ "$1" == fixed ] && pw=$(_lab_strong_pass)
	printf 'root\n%s\n' "$pw" >"$LAB_DIR/etc/telnet_bb.pass"
	[ -f "$LAB_DIR/pids/telnet_bb" ] && return 0
	_lab_spawn telnet_bb "$(_lab_py)" -u "$LAB_DIR/bin/telnet-busybox.py" "$LAB_TELNET_BB" 23 "$LAB_DIR/etc/telnet_bb.pass"
	_lab_wait_listen tcp "$LAB_TELNET_BB" 23 telnet_bb
}

_lab_dropbear() {
	local name=$1 addr=$2
	shift 2
	_lab_spawn "$name" dropbear -F -E -m -w -p "$addr:22" -r "$LAB_DIR/ssh/$name.key" \
		-P "$LAB_DIR/run-$name.pid" -c "$LAB_DIR/bin/iot-login.sh shell" "$@"
	_lab_wait_listen tcp "$addr" 22 "$name"
}

_lab_start_ssh() {
	_lab_stop ssh
	if [ "$1" == fixed ]; then
		_lab_dropbear ssh "$LAB_SSH" -s # password logins disabled
	else
		_lab_dropbear ssh "$LAB_SSH"
	fi
}

# Password logins on, but only members of group root may log in and root
# may not: no account answers to any ID/password pair.
_lab_start_ssh_strong() {
	_lab_stop ssh_strong
	_lab_dropbear ssh_strong "$LAB_SSH_STRONG" -G root
}

_lab_lighttpd() {
	local name=$1 addr=$2 method=$3 realm=$4 tag=$5 conf
	conf=$LAB_DIR/etc/$name.conf
	cat >"$conf" <<-EOF
	server.bind = "$addr"
	server.port = 80
	server.document-root = "$LAB_DIR/www/$name"
	server.errorlog = "$LAB_DIR/log/$name-error.log"
	server.tag = "$tag"
	server.modules = ("mod_auth", "mod_authn_file")
	index-file.names = ("index.html")
	mimetype.assign = (".html" => "text/html")
	auth.backend = "plain"
	auth.backend.plain.userfile = "$LAB_DIR/etc/$name.users"
	auth.require = ("/" => ("method" => "$method", "realm" => "$realm", "require" => "valid-user"))
	EOF
	_lab_spawn "$name" lighttpd -D -f "$conf"
	_lab_wait_listen tcp "$addr" 80 "$name"
}

_lab_strong_pass() { echo "Kl-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

_lab_start_camera() {
	_lab_stop camera
	if [ "$1" == fixed ]; then
		printf 'admin:%s\n' "$(_lab_strong_pass)" >"$LAB_DIR/etc/camera.users"
	else
		printf 'admin:admin\n' >"$LAB_DIR/etc/camera.users"
	fi
	_lab_lighttpd camera "$LAB_CAMERA" basic IPCamera "lighttpd" || return 1
	# The camera's RTSP server (iot-services.py rtsp); lab_fix leaves it.
	[ -f "$LAB_DIR/pids/camera_rtsp" ] && return 0
	_lab_spawn camera_rtsp "$(_lab_py)" -u "$LAB_DIR/bin/iot-services.py" rtsp "$LAB_CAMERA" 554
	_lab_wait_listen tcp "$LAB_CAMERA" 554 camera_rtsp
}

# NTP and CoAP responders (iot-services.py sensor): identification only, no
# finding; lab_fix leaves them.
_lab_start_sensor() {
	[ -f "$LAB_DIR/pids/sensor" ] && return 0
	_lab_spawn sensor "$(_lab_py)" -u "$LAB_DIR/bin/iot-services.py" sensor "$LAB_SENSOR"
	_lab_wait_listen udp "$LAB_SENSOR" 5683 sensor && _lab_wait_listen udp "$LAB_SENSOR" 123 sensor
}

# The DVR announces a Boa version with a known vulnerability (CVE-2017-9833
# in data/vulns/iot-starter.vulns); its "firmware update" changes both the
# server and the password.
_lab_start_dvr() {
	_lab_stop dvr
	if [ "$1" == fixed ]; then
		printf 'admin:%s\n' "$(_lab_strong_pass)" >"$LAB_DIR/etc/dvr.users"
		_lab_lighttpd dvr "$LAB_DVR" digest DVR "lighttpd"
	else
		printf 'admin:admin\n' >"$LAB_DIR/etc/dvr.users"
		_lab_lighttpd dvr "$LAB_DVR" digest DVR "Boa/0.94.14rc21"
	fi
}

_lab_start_ftp() {
	local conf=$LAB_DIR/etc/vsftpd.conf
	_lab_stop ftp
	# userlist_deny=NO: only users named in userlist_file may log in.
	cat >"$conf" <<-EOF
	listen=YES
	listen_ipv6=NO
	listen_address=$LAB_FTP
	listen_port=21
	background=NO
	anonymous_enable=NO
	local_enable=YES
	write_enable=NO
	chroot_local_user=YES
	userlist_enable=YES
	userlist_deny=NO
	userlist_file=$LAB_DIR/etc/ftp-allowed.$1
	pam_service_name=vsftpd
	secure_chroot_dir=/var/run/vsftpd/empty
	seccomp_sandbox=NO
	isolate=NO
	isolate_network=NO
	xferlog_enable=NO
	vsftpd_log_file=$LAB_DIR/log/ftp-xfer.log
	pasv_min_port=40000
	pasv_max_port=40009
	EOF
	_lab_spawn ftp vsftpd "$conf"
	_lab_wait_listen tcp "$LAB_FTP" 21 ftp
}

_lab_start_mqtt() {
	local conf=$LAB_DIR/etc/mosquitto.conf anon=true
	_lab_stop mqtt
	[ "$1" == fixed ] && anon=false
	cat >"$conf" <<-EOF
	listener 1883 $LAB_MQTT
	allow_anonymous $anon
	persistence false
	log_dest stderr
	EOF
	_lab_spawn mqtt mosquitto -c "$conf"
	_lab_wait_listen tcp "$LAB_MQTT" 1883 mqtt
}

# _lab_dnsmasq NAME ADDR ARGS...: a dnsmasq bound to ADDR only, reading no
# system file (no /etc/dnsmasq.conf, /etc/hosts, /etc/resolv.conf).
_lab_dnsmasq() {
	local name=$1 addr=$2
	shift 2
	_lab_spawn "$name" dnsmasq -k -C /dev/null --pid-file= --bind-interfaces --listen-address="$addr" \
		--no-hosts --no-resolv --no-poll --cache-size=0 --log-facility=- --log-queries "$@"
	_lab_wait_listen udp "$addr" 53 "$name"
}

_lab_start_resolver() {
	_lab_stop resolver
	if [ "$1" == fixed ]; then
		_lab_dnsmasq resolver "$LAB_RESOLVER" --host-record=gw.lan,"$LAB_RESOLVER"
	else
		_lab_dnsmasq resolver "$LAB_RESOLVER" --server="$LAB_UPSTREAM"
	fi
}

_lab_start_dns_local() {
	_lab_stop dns_local
	_lab_dnsmasq dns_local "$LAB_DNS_LOCAL" --host-record=router.lan,"$LAB_DNS_LOCAL"
}

# The upstream of the open resolver: answers every A query with 192.0.2.1.
_lab_start_upstream() {
	_lab_stop upstream
	_lab_dnsmasq upstream "$LAB_UPSTREAM" --address=/#/192.0.2.1
}

_lab_py() {
	if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi
}

_lab_start_upnp() {
	_lab_stop upnp
	[ "$1" == fixed ] && return 0 # fixed: UPnP switched off
	_lab_spawn upnp "$(_lab_py)" -u "$LAB_DIR/bin/ssdp-device.py" "$LAB_UPNP" "$LAB_UPNP_HTTP_PORT"
	_lab_wait_listen udp "$LAB_UPNP" 1900 upnp && _lab_wait_listen tcp "$LAB_UPNP" "$LAB_UPNP_HTTP_PORT" upnp
}

# TLS 1.0 and 1.1 need security level 0 with OpenSSL 3; fixed: TLS 1.2 and
# later only (the certificate stays expired and self-signed).
_lab_start_https() {
	local t=$LAB_DIR/tls
	_lab_stop https
	if [ "$1" == fixed ]; then
		_lab_spawn https openssl s_server -quiet -www -accept "$LAB_HTTPS:443" -cert "$t/cert.pem" \
			-key "$t/key.pem" -min_protocol TLSv1.2
	else
		_lab_spawn https openssl s_server -quiet -www -accept "$LAB_HTTPS:443" -cert "$t/cert.pem" \
			-key "$t/key.pem" -min_protocol TLSv1 -cipher 'DEFAULT:@SECLEVEL=0'
	fi
	_lab_wait_listen tcp "$LAB_HTTPS" 443 https
}

# Removes what a lab killed without its teardown (SIGKILL, power loss) left:
# namespaces kslab-N-scan|dev with their processes, the user tagged
# "kansoku lab N", and LAB_DIRs of N no longer running. Only called while
# holding the lock, when no other lab can be up.
_lab_reap_stale() {
	local ns id left gecos dir i
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^kslab-[0-9]+-(scan|dev)$'); do
		id=${ns#kslab-}
		id=${id%-*}
		[ "$id" == "$LAB_ID" ] && continue
		_lab_log "removing stale namespace $ns"
		for ((i = 0; i < LAB_WAIT_TRIES; i++)); do
			left=$(ip netns pids "$ns" 2>/dev/null)
			[ -z "$left" ] && break
			# shellcheck disable=SC2086
			kill -KILL $left 2>/dev/null
			sleep 0.1
		done
		ip netns del "$ns" 2>/dev/null
	done
	gecos=$(getent passwd "$LAB_USER" | cut -d: -f5)
	case $gecos in
	"kansoku lab "*)
		id=${gecos#kansoku lab }
		if [ "$id" != "$LAB_ID" ]; then
			_lab_log "removing stale user $LAB_USER of lab $id"
			userdel -f "$LAB_USER" 2>/dev/null
		fi
		;;
	esac
	for dir in /tmp/kansoku-lab-*.*; do
		[ -d "$dir" ] || continue
		id=${dir##*/kansoku-lab-}
		id=${id%%.*}
		case $id in '' | *[!0-9]*) continue ;; esac
		[ "$id" == "$LAB_ID" ] && continue
		kill -0 "$id" 2>/dev/null && continue
		[ -e "$dir/kept" ] && continue # LAB_KEEP=1: kept for a human
		rm -rf "$dir"
	done
	return 0
}

lab_up() {
	if [ "$(id -u)" -ne 0 ]; then
		_lab_log "needs root (network namespaces, a throwaway user)"
		return 1
	fi
	local t
	for t in ip inetutils-inetd dropbear dropbearkey lighttpd vsftpd mosquitto dnsmasq openssl useradd chpasswd flock; do
		command -v "$t" >/dev/null || { _lab_log "needs $t (run scripts/deps.sh)"; return 1; }
	done
	[ -x /usr/sbin/telnetd ] || { _lab_log "needs /usr/sbin/telnetd (inetutils-telnetd)"; return 1; }
	[ -n "$(_lab_py)" ] || { _lab_log "needs python3"; return 1; }
	if [ -n "${LAB_LOCK_FD:-}" ]; then
		_lab_log "lab $LAB_ID is already up (or not torn down): run lab_down first"
		return 1
	fi
	exec {LAB_LOCK_FD}>>"$LAB_LOCK" || return 1
	if ! flock -w 600 "$LAB_LOCK_FD"; then
		_lab_log "another lab holds $LAB_LOCK for more than 600 s"
		return 1
	fi
	_lab_reap_stale
	# Under /tmp whatever TMPDIR says: the throwaway user (dropbear's forced
	# command, vsftpd's chroot) must be able to reach it.
	LAB_DIR=$(mktemp -d "/tmp/kansoku-lab-$LAB_ID.XXXXXX") || return 1
	_lab_files || { _lab_log "preparing $LAB_DIR failed"; return 1; }
	_lab_stage files || return 1
	_lab_net || { _lab_log "building the namespaces failed"; return 1; }
	_lab_stage net || return 1
	_lab_user || return 1
	_lab_stage user || return 1
	_lab_start_upstream || return 1
	local d
	for d in $LAB_DEVICES; do
		"_lab_start_$d" weak || { _lab_log "device $d did not start"; return 1; }
		_lab_stage "$d" || return 1
	done
	return 0
}

# lab_fix DEVICE|all: restarts DEVICE in its fixed configuration.
lab_fix() {
	local d=${1:?lab_fix DEVICE}
	if [ "$d" == all ]; then
		for d in $LAB_DEVICES; do lab_fix "$d" || return 1; done
		return 0
	fi
	case " $LAB_DEVICES " in
	*" $d "*) ;;
	*) _lab_log "no device '$d' (devices: $LAB_DEVICES)"; return 1 ;;
	esac
	[ -d "$LAB_DIR/pids" ] || { _lab_log "the lab is not up"; return 1; }
	"_lab_start_$d" fixed
}

# lab_expected [-n] [FIXED_DEVICE...]: the findings `survey findings` must
# list, one "address<TAB>port<TAB>type<TAB>status" line each, sorted:
# every expected.tsv row, with status after_fix for the devices named as
# fixed (lab_fix between rounds) and open for the others. -n: a survey
# without --check-credentials (rows requiring credentials left out).
lab_expected() {
	local nocred=0
	if [ "${1:-}" == -n ]; then
		nocred=1
		shift
	fi
	awk -F'\t' -v nocred="$nocred" -v fixed=" $* " '
		$1 !~ /^[0-9]/ { next }
		nocred && $7 == "credentials" { next }
		{ print $1 "\t" $2 "\t" $4 "\t" (index(fixed, " " $6 " ") || fixed == " all " ? $5 : "open") }
	' "$LAB_SRC/expected.tsv" | LC_ALL=C sort
}

# lab_findings JSONFILE: `survey findings --format json` output (an array of
# objects with address, port, type, status) in lab_expected's format.
lab_findings() {
	jq -r '.[] | [.address, (.port | tostring), .type, .status] | @tsv' "$1" | LC_ALL=C sort
}

# lab_open_ports [-d]: "address port/proto" lines of open_ports.tsv, sorted;
# -d: only ports of kansoku's default port list.
lab_open_ports() {
	local d=0
	[ "${1:-}" == -d ] && d=1
	awk -F'\t' -v d="$d" '$1 ~ /^[0-9]/ && (!d || $5 == "yes") { print $1 " " $2 "/" $3 }' \
		"$LAB_SRC/open_ports.tsv" | LC_ALL=C sort
}

lab_down() {
	local f ns i left
	if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR/pids" ]; then
		for f in "$LAB_DIR"/pids/*; do
			[ -f "$f" ] || continue
			_lab_stop "${f##*/}"
		done
	fi
	# Whatever is left inside the lab's namespaces (telnetd sessions, SSH
	# sessions, processes a test started there) belongs to the lab.
	for ns in "$LAB_DEVICE_NS" "$LAB_SCANNER_NS"; do
		[ -e "/run/netns/$ns" ] || continue
		for ((i = 0; i < LAB_WAIT_TRIES; i++)); do
			left=$(ip netns pids "$ns" 2>/dev/null)
			[ -z "$left" ] && break
			if [ "$i" -lt $((LAB_WAIT_TRIES / 2)) ]; then
				# shellcheck disable=SC2086
				kill -TERM $left 2>/dev/null
			else
				# shellcheck disable=SC2086
				kill -KILL $left 2>/dev/null
			fi
			sleep 0.1
		done
		ip netns del "$ns" 2>/dev/null
	done
	if _lab_user_ours; then
		userdel "$LAB_USER" 2>/dev/null || userdel -f "$LAB_USER" || _lab_log "could not remove user $LAB_USER"
	fi
	case $LAB_DIR in
	*/kansoku-lab-"$LAB_ID".*) ;;
	*) LAB_DIR="" ;; # never remove a directory lab_up did not make
	esac
	if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ]; then
		if [ "${LAB_KEEP:-0}" == 1 ]; then
			_lab_log "keeping $LAB_DIR (LAB_KEEP=1)"
			touch "$LAB_DIR/kept"
		else
			rm -rf "$LAB_DIR"
		fi
	fi
	LAB_DIR=""
	if [ -n "${LAB_LOCK_FD:-}" ]; then
		exec {LAB_LOCK_FD}>&-
		unset LAB_LOCK_FD
	fi
	return 0
}
