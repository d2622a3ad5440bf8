#!/usr/bin/env bash
# The survey test lab (tests/lab/lab.sh) itself, checked with standard
# clients from the scanner namespace: every device answers as
# tests/lab/expected.tsv says (weak pairs accepted, others refused), nmap
# finds exactly the ports of tests/lab/open_ports.tsv, the silent address
# gives no reply and the closed one RST, lab_fix makes each device safe, and
# lab_down leaves nothing (namespaces, user, processes, files), also after a
# lab_up that failed half-way on purpose and after a lab killed without
# teardown (the next lab_up reaps it). Also the truth-table helpers and the
# known_vulnerability row against kansoku's own fingerprint/vulnerability data.
set -u
. "$(dirname "$0")/lib.sh"
for t in ip curl mosquitto_pub dig dbclient python3 nmap ncat; do need "$t"; done
ks_shared
if [ "$(id -u)" -ne 0 ]; then
	fail "lab test needs root (network namespaces, a throwaway user)"
	finish
fi
LABSRC="$(cd "$(dirname "$0")/../lab" && pwd)"
. "$LABSRC/lab.sh"
trap lab_down EXIT
PY=$(_lab_py)

# s CMD...: runs CMD in the scanner namespace.
s() { ip netns exec "$LAB_SCANNER_NS" "$@"; }
lc() { s "$PY" "$LABSRC/labclient.py" "$@"; }
http_code() { s curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
ssh_try() { # ssh_try ADDR USER PASS -> the fake shell's first line, or "refused"
	local out
	out=$(HOME="$LAB_DIR" DROPBEAR_PASSWORD=$3 s timeout 10 dbclient -y -y -T "$2@$1" "/bin/busybox LABCHECK" </dev/null 2>/dev/null)
	case $out in *"LABCHECK: applet not found"*) echo ok ;; *) echo refused ;; esac
}
mqtt_try() { s timeout 10 mosquitto_pub -h "$1" -p 1883 -t lab/check -m hi >/dev/null 2>&1 && echo accepted || echo refused; }
dns_try() { # dns_try SERVER NAME -> "STATUS ANSWER"
	local out st ans
	out=$(s dig +tries=1 +time=3 "@$1" "$2" A)
	st=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
	ans=$(s dig +tries=1 +time=3 +short "@$1" "$2" A | head -n 1)
	echo "$st ${ans:-none}"
}
ftp_try() { s curl -s -o /dev/null -w '%{http_code}' --max-time 10 "ftp://$1/readme.txt" --user "$2:$3"; }

# live PID: the process exists and is not a zombie (an orphaned telnetd
# session killed by lab_down waits for init to reap it).
live() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# --- 0. the truth-table helpers ---------------------------------------------
nrows=$(grep -c '^[0-9]' "$LABSRC/expected.tsv")
check_eq "lab_expected: one line per expected.tsv row" "$(lab_expected | wc -l)" "$nrows"
check_eq "lab_expected: all open before any fix" "$(lab_expected | cut -f4 | sort -u)" open
check_eq "lab_expected -n: no weak_credentials" "$(lab_expected -n | grep -c weak_credentials)" 0
check_eq "lab_expected telnet: its two rows per after_fix" \
	"$(lab_expected telnet | grep "^$LAB_TELNET	" | cut -f3,4 | paste -sd' ')" "telnet_exposed	open weak_credentials	resolved"
check_eq "lab_expected all: resolved rows = after_fix resolved rows" "$(lab_expected all | grep -c 'resolved$')" \
	"$(awk -F'\t' '$1 ~ /^[0-9]/ && $5 == "resolved"' "$LABSRC/expected.tsv" | wc -l)"
if command -v jq >/dev/null; then
	lab_expected dvr | jq -R -s 'split("\n") | map(select(length > 0) | split("\t") |
		{address: .[0], port: (.[1] | tonumber), type: .[2], status: .[3], severity: "high"})' >"/tmp/t_lab.$$.json"
	check_eq "lab_findings reads findings JSON" "$(lab_findings "/tmp/t_lab.$$.json")" "$(lab_expected dvr)"
	rm -f "/tmp/t_lab.$$.json"
fi

# The weak pairs are Mirai's, at the positions expected.tsv names.
mirai=$SHARED/data/credentials/mirai-telnet.tsv
for pair in 1:root/xc3511 2:root/vizxv 4:admin/admin 11:support/support; do
	n=${pair%%:*} up=${pair#*:}
	check_eq "Mirai pair $n is $up" "$(grep -v '^#' "$mirai" | sed -n "${n}p" | tr '\t' /)" "$up"
	case $(cat "$LABSRC/expected.tsv") in *"$up (Mirai pair $n"*) pass "expected.tsv names $up as Mirai pair $n" ;;
	*) fail "expected.tsv names $up as Mirai pair $n" ;; esac
done

# --- 1. a lab_up that fails half-way leaves nothing after lab_down --------
gone() { # gone NAMESPACES USER -> "" when nothing of the lab is left
	local left=""
	for ns in $1; do ip netns list | grep -qw "$ns" && left="$left ns:$ns"; done
	getent passwd "$2" | grep -q "kansoku lab" && left="$left user:$2"
	echo "${left# }"
}
for stage in veth user camera; do
	out=$( (LAB_FAIL_AT=$stage lab_up; echo "rc=$?"; d=$LAB_DIR
		pids=$(ip netns pids "$LAB_DEVICE_NS" 2>/dev/null | tr '\n' ' ')
		lab_down
		echo "dir=$([ -e "$d" ] && echo left || echo gone)"
		for p in $pids; do live "$p" && echo "alive=$p"; done
		echo "left=$(gone "$LAB_SCANNER_NS $LAB_DEVICE_NS" "$LAB_USER")") 2>/dev/null)
	case $out in
	*"rc=1"*"dir=gone"*"left=") ;;
	*) fail "lab_down after lab_up failed at '$stage'" "$out"; continue ;;
	esac
	case $out in *alive=*) fail "lab_down after lab_up failed at '$stage' kills the daemons" "$out" ;;
	*) pass "lab_down after lab_up failed at '$stage' leaves nothing" ;; esac
done
check "lab_down without lab_up is harmless" lab_down

# --- 2. the lab up, after reaping a lab killed without teardown -----------
stale=$$
while kill -0 "$stale" 2>/dev/null; do stale=$((stale + 7919)); done
ip netns add "kslab-$stale-dev"
(ip netns exec "kslab-$stale-dev" sleep 600 </dev/null >/dev/null 2>&1 &)
stale_user=no
if ! getent passwd "$LAB_USER" >/dev/null && ! getent group "$LAB_USER" >/dev/null; then
	useradd -M -N -g nogroup -d / -s /usr/sbin/nologin -c "kansoku lab $stale" "$LAB_USER" && stale_user=yes
fi
stale_dir=$(mktemp -d "/tmp/kansoku-lab-$stale.XXXXXX")
stale_pids=$(ip netns pids "kslab-$stale-dev")
if ! lab_up; then
	fail "lab_up"
	finish
fi
pass "lab_up"
check_eq "stale namespace reaped" "$(ip netns list | grep -c "kslab-$stale-")" 0
alive=""
for p in $stale_pids; do live "$p" && alive="$alive $p"; done
check_eq "stale namespace's processes killed" "$alive" ""
check_eq "stale LAB_DIR removed" "$([ -e "$stale_dir" ] && echo left)" ""
[ "$stale_user" == yes ] && check_eq "stale user replaced by this lab's" \
	"$(getent passwd "$LAB_USER" | cut -d: -f5)" "kansoku lab $LAB_ID"
check_eq "scope file" "$(grep -v '^#' "$LAB_DIR/scope.txt")" "198.18.1.0/24 lab-org allow-reserved"
check_eq "scanner namespace has no default route" "$(s ip route show default)" ""

# Telnet: the Mirai pair root/xc3511 gives the fake BusyBox shell.
check_eq "telnet root/xc3511 logs in" "$(lc telnet "$LAB_TELNET" 23 root xc3511)" ok
check_eq "telnet root/admin refused" "$(lc telnet "$LAB_TELNET" 23 root admin)" incorrect
# inetd's default rate limit (40 a minute) would stop the service.
for ((i = 0; i < 50; i++)); do s "$PY" -c 'import socket; socket.create_connection(("'"$LAB_TELNET"'", 23), 5).close()'; done
check_eq "telnet still serves after 50 connections" "$(lc telnet "$LAB_TELNET" 23 root xc3511)" ok
check_eq "busybox telnet root/vizxv logs in" "$(lc telnet "$LAB_TELNET_BB" 23 root vizxv)" ok
check_eq "busybox telnet root/xc3511 refused" "$(lc telnet "$LAB_TELNET_BB" 23 root xc3511)" incorrect
check_eq "busybox telnet prompts without negotiation" "$(lc banner "$LAB_TELNET_BB" 23)" login

# SSH: support/support on the weak device only.
check_eq "ssh support/support logs in (forced fake shell)" "$(ssh_try "$LAB_SSH" support support)" ok
check_eq "ssh support/wrong refused" "$(ssh_try "$LAB_SSH" support wrong)" refused
check_eq "ssh_strong refuses support/support" "$(ssh_try "$LAB_SSH_STRONG" support support)" refused
banner=$(s timeout 5 ncat --recv-only -w 3 "$LAB_SSH" 22 </dev/null 2>/dev/null | head -n 1 | tr -d '\r')
case $banner in SSH-2.0-dropbear*) pass "ssh banner ($banner)" ;; *) fail "ssh banner" "$banner" ;; esac

# HTTP Basic camera and HTTP Digest DVR announcing Boa.
check_eq "camera without credentials: 401" "$(http_code "http://$LAB_CAMERA/")" 401
check_eq "camera admin/admin (basic): 200" "$(http_code -u admin:admin "http://$LAB_CAMERA/")" 200
check_eq "camera admin/wrong: 401" "$(http_code -u admin:wrong "http://$LAB_CAMERA/")" 401
hdr=$(s curl -s -D - -o /dev/null --max-time 5 "http://$LAB_CAMERA/" | tr -d '\r')
case $hdr in *'WWW-Authenticate: Basic realm="IPCamera"'*) pass "camera realm IPCamera" ;; *) fail "camera realm" "$hdr" ;; esac
check_eq "dvr admin/admin (digest): 200" "$(http_code --digest -u admin:admin "http://$LAB_DVR/")" 200
check_eq "dvr admin/wrong (digest): 401" "$(http_code --digest -u admin:wrong "http://$LAB_DVR/")" 401
hdr=$(s curl -s -D - -o /dev/null --max-time 5 "http://$LAB_DVR/" | tr -d '\r')
case $hdr in *'WWW-Authenticate: Digest realm="DVR"'*) pass "dvr digest realm DVR" ;; *) fail "dvr digest realm DVR" "$hdr" ;; esac
case $hdr in *"Server: Boa/0.94.14rc21"*) pass "dvr announces Boa/0.94.14rc21" ;; *) fail "dvr announces Boa/0.94.14rc21" "$hdr" ;; esac

# The known_vulnerability row rests on kansoku's own fingerprint and
# vulnerability data: the DVR's Server header -> Recog CPE -> CVE-2017-9833;
# the lab's other products match no CVE.
fp_cpe() { "$KANSOKU" --format json survey fingerprint --recog-dir "$SHARED/data/recog" --matches "$1" "$2" 2>/dev/null |
	jq -r '.params["service.cpe23"] // "none"' 2>/dev/null; }
cves() { "$KANSOKU" --format json survey vulns --vulns "$LABSRC/../../data/vulns/iot-starter.vulns" --cpe "$1" 2>/dev/null |
	jq -r '[.[].cve] | join(",")' 2>/dev/null; }
if command -v jq >/dev/null; then
	server=$(sed -n 's/^Server: //p' <<<"$hdr")
	cpe=$(fp_cpe http_header.server "$server")
	check_eq "dvr Server header fingerprints as Boa" "$cpe" "cpe:/a:boa:boa:0.94.14rc21"
	check_eq "dvr matches CVE-2017-9833 only" "$(cves "$cpe")" "CVE-2017-9833"
	ftpb=$(s timeout 5 ncat --recv-only -w 3 "$LAB_FTP" 21 </dev/null 2>/dev/null | head -n 1 | tr -d '\r')
	check_eq "ftp banner" "$ftpb" "220 (vsFTPd 3.0.3)"
	for b in "ssh.banner:${banner#SSH-2.0-}" "ftp.banner:${ftpb#220 }"; do
		cpe=$(fp_cpe "${b%%:*}" "${b#*:}")
		case $cpe in none | "") fail "${b#*:} fingerprints with a CPE" "$cpe" ;;
		*) check_eq "${b#*:} ($cpe) matches no CVE" "$(cves "$cpe")" "" ;; esac
	done
fi

# FTP: support/support.
check_eq "ftp support/support: 226" "$(ftp_try "$LAB_FTP" support support)" 226
check_eq "ftp support/wrong: 530" "$(ftp_try "$LAB_FTP" support wrong)" 530

# MQTT without credentials.
check_eq "mqtt anonymous publish accepted" "$(mqtt_try "$LAB_MQTT")" accepted

# DNS: the open resolver answers any name recursively (RA set); the local
# one answers its own name and refuses the rest.
check_eq "open resolver answers www.example.com" "$(dns_try "$LAB_RESOLVER" www.example.com)" "NOERROR 192.0.2.1"
check_eq "open resolver answers kansoku's probe name" "$(dns_try "$LAB_RESOLVER" kansoku-probe.example)" "NOERROR 192.0.2.1"
flags=$(s dig +tries=1 +time=3 "@$LAB_RESOLVER" www.example.com A | grep -o 'flags: [a-z ]*')
case $flags in *" ra"*) pass "open resolver sets RA ($flags)" ;; *) fail "open resolver sets RA" "$flags" ;; esac
check_eq "local-only DNS refuses www.example.com" "$(dns_try "$LAB_DNS_LOCAL" www.example.com)" "REFUSED none"
check_eq "local-only DNS answers router.lan" "$(dns_try "$LAB_DNS_LOCAL" router.lan)" "NOERROR $LAB_DNS_LOCAL"
check_eq "upstream not reachable from the scanner" "$(lc tcp "$LAB_UPSTREAM" 53)" unreachable

# SSDP/UPnP: M-SEARCH answered with a LOCATION whose XML names the model.
loc=$(lc ssdp "$LAB_UPNP")
check_eq "ssdp LOCATION" "$loc" "http://$LAB_UPNP:$LAB_UPNP_HTTP_PORT/rootDesc.xml"
xml=$(s curl -s --max-time 5 "$loc")
case $xml in *"<manufacturer>Kansoku Lab Devices</manufacturer>"*"<modelName>KL-CAM-100</modelName>"*) pass "upnp description XML" ;;
*) fail "upnp description XML" "$xml" ;; esac

# HTTPS: TLS 1.0 accepted, certificate expired and self-signed.
tls=$(s timeout 10 openssl s_client -connect "$LAB_HTTPS:443" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1)
case $tls in *"Protocol  : TLSv1"$'\n'*|*"Protocol: TLSv1"$'\n'*|*"TLSv1, Cipher"*) pass "https accepts TLS 1.0" ;; *) fail "https accepts TLS 1.0" "$(grep -i protocol <<<"$tls")" ;; esac
cert=$(s timeout 10 openssl s_client -connect "$LAB_HTTPS:443" </dev/null 2>/dev/null | openssl x509 -noout -enddate -issuer -subject 2>/dev/null)
case $cert in *"notAfter=Jan  1 00:00:00 2021 GMT"*"issuer=CN = ipcam.lab, O = Kansoku Lab Devices"*"subject=CN = ipcam.lab, O = Kansoku Lab Devices"*)
	pass "https certificate expired 2021, self-signed" ;;
*) fail "https certificate" "$cert" ;; esac

# Camera RTSP, sensor NTP and CoAP (identification only).
rtsp=$(printf 'OPTIONS rtsp://%s/ RTSP/1.0\r\nCSeq: 7\r\n\r\n' "$LAB_CAMERA" |
	s timeout 5 ncat -w 3 "$LAB_CAMERA" 554 2>/dev/null | tr -d '\r')
case $rtsp in "RTSP/1.0 200 OK"*"CSeq: 7"*"Server: Hipcam RealServer/V1.0"*) pass "camera RTSP OPTIONS" ;;
*) fail "camera RTSP OPTIONS" "$rtsp" ;; esac
check_eq "sensor NTP" "$(lc ntp "$LAB_SENSOR")" "stratum 2"
check_eq "sensor CoAP /.well-known/core" "$(lc coap "$LAB_SENSOR")" \
	'</sensors/temp>;rt="temperature";if="sensor",</sensors/hum>;rt="humidity"'

# Silent and closed addresses.
check_eq "silent address: no reply" "$(lc tcp "$LAB_SILENT" 80)" silent
check_eq "closed address: RST" "$(lc tcp "$LAB_CLOSED" 80)" closed

# Open ports agree with tests/lab/open_ports.tsv (nmap, every listed port).
want=$(awk -F'\t' '$1 ~ /^[0-9]/ {print $1 " " $2 "/" $3}' "$LABSRC/open_ports.tsv" | sort)
tcp_ports=$(awk -F'\t' '$1 ~ /^[0-9]/ && $3 == "tcp" {print $2}' "$LABSRC/open_ports.tsv" | sort -un | paste -sd,)
udp_ports=$(awk -F'\t' '$1 ~ /^[0-9]/ && $3 == "udp" {print $2}' "$LABSRC/open_ports.tsv" | sort -un | paste -sd,)
# The device addresses, the closed and the silent one, and two unassigned
# ones (a whole-/24 nmap takes minutes on the silent addresses).
addrs="$(awk -F'\t' '$1 ~ /^[0-9]/ {print $1}' "$LABSRC/open_ports.tsv" | sort -u) $LAB_CLOSED $LAB_SILENT 198.18.1.1 198.18.1.99"
# shellcheck disable=SC2086
nm=$(s nmap -n -Pn -sS -sU -T4 --max-retries 1 --host-timeout 60s -p "T:$tcp_ports,U:$udp_ports" -oG - $addrs 2>/dev/null)
got=$(awk '/Ports:/ {ip=$2; sub(/.*Ports: /, ""); n=split($0, p, ", ");
	for (i = 1; i <= n; i++) { split(p[i], f, "/"); if (f[2] == "open") print ip " " f[1] "/" f[3] } }' <<<"$nm" | sort)
check_eq "nmap open ports = open_ports.tsv" "$got" "$want"

# The truth tables agree with each other and with kansoku's default ports.
rows=$(awk -F'\t' '$1 ~ /^[0-9]/ {print $1 " " $2 "/" $3}' "$LABSRC/expected.tsv" | sort -u)
check_eq "every expected finding is on an open port" "$(comm -23 <(echo "$rows") <(echo "$want"))" ""
bad=$(awk -F'\t' '$1 ~ /^[0-9]/ && (NF != 8 || ($5 != "open" && $5 != "resolved") ||
	($7 != "credentials" && $7 != "-")) {print FILENAME ":" FNR}' "$LABSRC/expected.tsv")
check_eq "expected.tsv rows well-formed" "$bad" ""
for dev in $(awk -F'\t' '$1 ~ /^[0-9]/ {print $6}' "$LABSRC/expected.tsv" | sort -u); do
	case " $LAB_DEVICES " in *" $dev "*) ;; *) fail "expected.tsv device '$dev' is a lab device" ;; esac
done
if command -v jq >/dev/null; then
	dflt=$("$KANSOKU" --db "$LAB_DIR/plan.db" --format json survey run --scope "$LAB_DIR/scope.txt" --dry-run 2>/dev/null |
		jq -r '.ports[]' 2>/dev/null | sort)
	if [ -z "$dflt" ]; then
		fail "kansoku survey run --dry-run lists the default ports"
	else
		mism=$(awk -F'\t' -v d="$(echo "$dflt" | paste -sd' ')" 'BEGIN { n = split(d, a, " "); for (i = 1; i <= n; i++) in_d[a[i]] = 1 }
			$1 ~ /^[0-9]/ { want = (($2 "/" $3) in in_d) ? "yes" : "no"; if ($5 != want) print $1 " " $2 "/" $3 }' "$LABSRC/open_ports.tsv")
		check_eq "open_ports.tsv default_list = kansoku's default ports" "$mism" ""
	fi
fi

# --- 3. lab_fix: every device becomes safe ---------------------------------
check "lab_fix all" lab_fix all
check_eq "fixed telnet refuses root/xc3511" "$(lc telnet "$LAB_TELNET" 23 root xc3511)" incorrect
check_eq "fixed busybox telnet refuses root/vizxv" "$(lc telnet "$LAB_TELNET_BB" 23 root vizxv)" incorrect
check_eq "fixed ssh refuses support/support" "$(ssh_try "$LAB_SSH" support support)" refused
check_eq "fixed camera refuses admin/admin" "$(http_code -u admin:admin "http://$LAB_CAMERA/")" 401
check_eq "fixed dvr refuses admin/admin" "$(http_code --digest -u admin:admin "http://$LAB_DVR/")" 401
hdr=$(s curl -s -D - -o /dev/null --max-time 5 "http://$LAB_DVR/" | tr -d '\r')
case $hdr in *"Server: Boa"*) fail "fixed dvr no longer announces Boa" "$hdr" ;; *) pass "fixed dvr no longer announces Boa" ;; esac
check_eq "fixed ftp refuses support/support" "$(ftp_try "$LAB_FTP" support support)" 530
check_eq "fixed mqtt refuses anonymous" "$(mqtt_try "$LAB_MQTT")" refused
check_eq "fixed resolver refuses recursion" "$(dns_try "$LAB_RESOLVER" www.example.com)" "REFUSED none"
check_eq "fixed upnp: no SSDP answer" "$(lc ssdp "$LAB_UPNP")" none
tls=$(s timeout 10 openssl s_client -connect "$LAB_HTTPS:443" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1)
case $tls in *"BEGIN CERTIFICATE"*) fail "fixed https refuses TLS 1.0" "$(grep -i -m2 'protocol\|alert' <<<"$tls")" ;;
*) pass "fixed https refuses TLS 1.0" ;; esac
check_eq "fixed https still serves TLS 1.2" \
	"$(s timeout 10 openssl s_client -connect "$LAB_HTTPS:443" -tls1_2 </dev/null 2>/dev/null | grep -c 'BEGIN CERTIFICATE')" 1

# --- 4. lab_down leaves nothing ---------------------------------------------
# A telnet session left open must not survive lab_down either.
(s "$PY" -c 'import socket,time; s=socket.create_connection(("'"$LAB_TELNET"'",23)); time.sleep(600)' \
	</dev/null >/dev/null 2>&1 &)
for ((i = 0; i < 100; i++)); do
	[ -n "$(ip netns exec "$LAB_DEVICE_NS" ss -Htn state established src "$LAB_TELNET:23")" ] && break
	sleep 0.1
done
pids=$( (ip netns pids "$LAB_DEVICE_NS"; ip netns pids "$LAB_SCANNER_NS") | tr '\n' ' ')
d=$LAB_DIR
lab_down
alive=""
for p in $pids; do live "$p" && alive="$alive $p"; done
check_eq "no lab process alive after lab_down" "$alive" ""
check_eq "namespaces and user gone" "$(gone "$LAB_SCANNER_NS $LAB_DEVICE_NS" "$LAB_USER")" ""
check_eq "LAB_DIR removed" "$([ -e "$d" ] && echo left)" ""
check_eq "lab_down twice is harmless" "$(lab_down 2>&1; echo $?)" 0
trap - EXIT
finish
