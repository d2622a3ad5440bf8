#!/usr/bin/env bash
# kansoku survey grab against real daemons on loopback, started here on high
# ports and killed by PID: lighttpd (a plain page with a UPnP description, a
# Basic-auth page, a redirect to a login form), dropbear, mosquitto
# (anonymous allowed), vsftpd, openssl s_server (expired self-signed
# certificate; TLS 1.0 only; TLS 1.2 with TLS 1.1 still accepted), dnsmasq
# (recursive resolver, UDP), inetutils telnetd, and an SSDP responder (ncat).
# Every service field and finding is checked exactly; the gate refuses an
# address outside the scope.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
ks_shared
ks_workdir
for t in jq lighttpd dropbear dropbearkey mosquitto vsftpd openssl dnsmasq ncat ss systemd-socket-activate; do need "$t"; done

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

# Ports: a block of ten chosen from the PID, so parallel runs rarely meet.
B=$((20000 + ($$ % 4000) * 10))
P_HTTP=$B P_AUTH=$((B + 1)) P_REDIR=$((B + 2)) P_SSH=$((B + 3)) P_MQTT=$((B + 4))
P_FTP=$((B + 5)) P_TLS10=$((B + 6)) P_TLS12=$((B + 7)) P_DNS=$((B + 8)) P_SSDP=$((B + 9))
P_TELNET=$((B + 10)) P_OUT=$((B + 11)) P_TLS13=$((B + 12))
L=127.0.0.1

# Waits (bounded) until something listens on port ($2: tcp or udp).
listening() {
	local i flag=-lnt
	[ "${2:-tcp}" = udp ] && flag=-lnu
	for i in $(seq 1 100); do
		ss $flag "sport = :$1" | grep -q ":$1" && return 0
		sleep 0.1
	done
	fail "daemon on port $1/${2:-tcp} did not start"
	finish
}

# ---- daemons -------------------------------------------------------------
mkdir -p "$W/www/redir" "$W/empty"
cat >"$W/www/index.html" <<'EOF'
<html><head><title>Network Camera</title></head><body>welcome</body></html>
EOF
cat >"$W/www/login.html" <<'EOF'
<html><head><title>Web Login</title></head>
<body><form action="/cgi"><input type="text" name="u"><input type="password" name="p"></form></body></html>
EOF
cat >"$W/www/rootDesc.xml" <<'EOF'
<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
<friendlyName>Test Home Router</friendlyName><manufacturer>Acme Networks</manufacturer>
<modelName>AR-1200</modelName><modelNumber>2.1</modelNumber></device></root>
EOF
echo 'admin:admin' >"$W/users"
cat >"$W/lighttpd.conf" <<EOF
server.document-root = "$W/www"
server.bind = "$L"
server.port = $P_HTTP
server.tag = "lighttpd/1.4.69"
server.modules = ("mod_auth", "mod_authn_file", "mod_redirect")
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html", ".xml" => "text/xml")
auth.backend = "plain"
auth.backend.plain.userfile = "$W/users"
\$SERVER["socket"] == "$L:$P_AUTH" {
	auth.require = ("/" => ("method" => "basic", "realm" => "IPCamera", "require" => "valid-user"))
}
\$SERVER["socket"] == "$L:$P_REDIR" {
	url.redirect = ("^/$" => "/login.html")
}
EOF
lighttpd -D -f "$W/lighttpd.conf" >"$W/lighttpd.log" 2>&1 &
PIDS+=($!)

dropbearkey -t ed25519 -f "$W/dropbear_key" >/dev/null 2>&1
dropbear -F -E -s -r "$W/dropbear_key" -p "$L:$P_SSH" -P "$W/dropbear.pid" >"$W/dropbear.log" 2>&1 &
PIDS+=($!)

printf 'listener %s %s\nallow_anonymous true\n' "$P_MQTT" "$L" >"$W/mosquitto.conf"
mosquitto -c "$W/mosquitto.conf" >"$W/mosquitto.log" 2>&1 &
PIDS+=($!)

cat >"$W/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$L
listen_port=$P_FTP
anonymous_enable=NO
local_enable=YES
ftpd_banner=Welcome to the camera FTP service.
secure_chroot_dir=$W/empty
background=NO
seccomp_sandbox=NO
EOF
vsftpd "$W/vsftpd.conf" >"$W/vsftpd.log" 2>&1 &
PIDS+=($!)

# An expired self-signed certificate (notBefore 2020-01-01, notAfter 2020-02-01).
mkdir -p "$W/ca" && (
	cd "$W/ca" && touch index.txt && echo 01 >serial
	cat >ca.cnf <<'EOF'
[ ca ]
default_ca = myca
[ myca ]
dir = .
database = ./index.txt
serial = ./serial
new_certs_dir = .
default_md = sha256
policy = pol
unique_subject = no
[ pol ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = ipcam.example
O = Test Cam
EOF
	openssl req -new -newkey rsa:2048 -nodes -keyout k.pem -out r.csr -config ca.cnf &&
		openssl ca -batch -config ca.cnf -selfsign -keyfile k.pem -in r.csr -out c.pem \
			-startdate 20200101000000Z -enddate 20200201000000Z -notext
) >"$W/ca.log" 2>&1 || { fail "openssl could not make the test certificate"; finish; }
openssl s_server -accept "$L:$P_TLS10" -cert "$W/ca/c.pem" -key "$W/ca/k.pem" \
	-cipher 'DEFAULT@SECLEVEL=0' -tls1 -quiet </dev/null >"$W/tls10.log" 2>&1 &
PIDS+=($!)
openssl s_server -accept "$L:$P_TLS12" -cert "$W/ca/c.pem" -key "$W/ca/k.pem" \
	-cipher 'DEFAULT@SECLEVEL=0' -no_tls1_3 -quiet </dev/null >"$W/tls12.log" 2>&1 &
PIDS+=($!)
openssl s_server -accept "$L:$P_TLS13" -cert "$W/ca/c.pem" -key "$W/ca/k.pem" -tls1_3 -quiet \
	</dev/null >"$W/tls13.log" 2>&1 &
PIDS+=($!)

dnsmasq -k -C /dev/null --no-resolv --no-hosts --listen-address=$L --bind-interfaces \
	--port=$P_DNS --address=/kansoku-probe.example/192.0.2.1 --pid-file="$W/dnsmasq.pid" \
	>"$W/dnsmasq.log" 2>&1 &
PIDS+=($!)

# SSDP: answers any datagram with a search reply pointing at lighttpd's description, sent
# from a fresh socket (another source port), as libupnp does.
printf 'HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://%s:%s/rootDesc.xml\r\nSERVER: Linux/5.10 UPnP/1.0 MiniUPnPd/2.2\r\nST: upnp:rootdevice\r\nUSN: uuid:1234::upnp:rootdevice\r\n\r\n' \
	"$L" "$P_HTTP" >"$W/ssdp.reply"
ncat -u -l -k "$L" "$P_SSDP" --sh-exec \
	"head -c 1 >/dev/null; ncat -u --send-only \"\$NCAT_REMOTE_ADDR\" \"\$NCAT_REMOTE_PORT\" <'$W/ssdp.reply'; sleep 1" \
	>/dev/null 2>&1 &
PIDS+=($!)
# Telnet: inetutils telnetd (option negotiation) started per connection by
# systemd-socket-activate, running a device-like login program instead of login(1).
printf '#!/bin/sh\nprintf "Welcome to HiLinux\\r\\nlogin: "\nread x\n' >"$W/iotlogin"
chmod +x "$W/iotlogin"
systemd-socket-activate -l "$L:$P_TELNET" -a --inetd /usr/sbin/telnetd -h -E "$W/iotlogin" \
	>"$W/telnetd.log" 2>&1 &
PIDS+=($!)
# Outside the scope: would record any connection.
ncat -l -k 127.0.0.2 "$P_OUT" --sh-exec "touch '$W/out-of-scope-contacted'" >/dev/null 2>&1 &
PIDS+=($!)

for p in $P_HTTP $P_AUTH $P_REDIR $P_SSH $P_MQTT $P_FTP $P_TLS10 $P_TLS12 $P_TLS13 $P_TELNET $P_OUT; do
	listening "$p"
done
listening "$P_DNS" udp
listening "$P_SSDP" udp

echo "127.0.0.1/32 allow-reserved" >"$W/scope"

# ---- the survey ----------------------------------------------------------
"$KANSOKU" survey grab --scope "$W/scope" --no-default-dirs --recog-dir data/recog \
	--recog-dir "$SHARED/data/recog" --vulns data/vulns/iot-starter.vulns --format json --audit \
	--udp-wait 1000 --banner-wait 1000 \
	"$L:$P_HTTP=http" "$L:$P_AUTH=http" "$L:$P_REDIR=http" "$L:$P_SSH=ssh" "$L:$P_MQTT=mqtt" \
	"$L:$P_FTP=ftp" "$L:$P_TLS10=https" "$L:$P_TLS12=https" "$L:$P_TLS13=https" "$L:$P_DNS/udp=dns" \
	"$L:$P_SSDP/udp=ssdp" "$L:$P_TELNET=telnet" "$L:$P_FTP" "127.0.0.2:$P_OUT" \
	>"$W/out.json" 2>"$W/err.log"
check_eq exit_status "$?" 0
check_eq summary "$(grep -c '^kansoku: 13 of 13 targets answered (13 identified), 10 findings; 1 refused, 0 timed out$' "$W/err.log")" 1
# The first service / all findings on port $1 (protocol $2, default tcp).
svc() { jq -c --argjson p "$1" --arg pr "${2:-tcp}" \
	'first(.services[] | select(.port == $p and .proto == $pr)) | [.module, .banner, .vendor, .product, .version, .device_type, .cpe, .title]' "$W/out.json"; }
facts() { jq -r --argjson p "$1" --arg pr "${2:-tcp}" 'first(.services[] | select(.port == $p and .proto == $pr)) | .facts' "$W/out.json"; }
finds() { jq -c --argjson p "$1" --arg pr "${2:-tcp}" \
	'[.findings[] | select(.port == $p and .proto == $pr) | [.type, .severity, .detail]]' "$W/out.json"; }

check_eq services "$(jq '.services | length' "$W/out.json")" 13
check_eq findings "$(jq '.findings | length' "$W/out.json")" 10

check_eq http_svc "$(svc $P_HTTP)" '["http","lighttpd/1.4.69","lighttpd","lighttpd","1.4.69","","cpe:2.3:a:lighttpd:lighttpd:1.4.69:*:*:*:*:*:*:*","Network Camera"]'
check_eq http_facts "$(facts $P_HTTP)" "http_status=200"
check_eq http_findings "$(finds $P_HTTP)" '[]'

# Recog's http_wwwauth.xml knows realm "IPCamera" as a camera's; the title is lighttpd's error page's.
check_eq auth_svc "$(svc $P_AUTH)" '["http","lighttpd/1.4.69","lighttpd","lighttpd","1.4.69","IP Camera","cpe:2.3:a:lighttpd:lighttpd:1.4.69:*:*:*:*:*:*:*","401 Unauthorized"]'
check_eq auth_facts "$(facts $P_AUTH)" 'http_status=401; http_auth=Basic realm="IPCamera"; http_login=401'
check_eq auth_findings "$(finds $P_AUTH)" '[["cleartext_admin","medium","HTTP 401 Basic authentication (realm \"IPCamera\") over plain HTTP at /"]]'

check_eq redir_svc "$(svc $P_REDIR)" '["http","lighttpd/1.4.69","lighttpd","lighttpd","1.4.69","","cpe:2.3:a:lighttpd:lighttpd:1.4.69:*:*:*:*:*:*:*","Web Login"]'
check_eq redir_facts "$(facts $P_REDIR)" "http_status=301; http_location=/login.html; redirect_http_status=200; redirect_http_login=form"
check_eq redir_findings "$(finds $P_REDIR)" "[[\"cleartext_admin\",\"medium\",\"login form (password field) served over plain HTTP at /login.html (title \\\"Web Login\\\")\"]]"

dbv=$(dropbear -V 2>&1 | sed -n 's/^Dropbear v//p')
check_eq ssh_svc "$(svc $P_SSH)" "[\"ssh\",\"SSH-2.0-dropbear_$dbv\",\"Dropbear SSH Project\",\"Dropbear SSH\",\"$dbv\",\"\",\"cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:$dbv:*:*:*:*:*:*:*\",\"\"]"
sf=$(facts $P_SSH)
check_eq ssh_facts_kex "$(grep -o 'ssh_kex=[^;]*' <<<"$sf" | grep -c curve25519-sha256)" 1
check_eq ssh_facts_hostkey "$(grep -o 'ssh_hostkey=[^;]*' <<<"$sf")" "ssh_hostkey=ssh-ed25519,rsa-sha2-256,ssh-rsa"
check_eq ssh_facts_order "$(sed 's/=[^;]*//g' <<<"$sf")" "ssh_proto; ssh_kex; ssh_hostkey; ssh_ciphers; ssh_macs"
# dropbear 2022.83 still offers diffie-hellman-group14-sha1 and ssh-rsa, but beside
# curve25519-sha256, ssh-ed25519 and rsa-sha2-256, which a modern client uses: no finding
check_eq ssh_findings "$(finds $P_SSH)" '[]'

check_eq mqtt_svc "$(svc $P_MQTT)" '["mqtt","","","","","","",""]'
check_eq mqtt_facts "$(facts $P_MQTT)" "mqtt_connack=0 accepted"
check_eq mqtt_findings "$(finds $P_MQTT)" '[["mqtt_no_auth","high","MQTT 5.0 CONNECT without user name or password accepted (CONNACK 0)"]]'

check_eq ftp_svc "$(svc $P_FTP)" '["ftp","Welcome to the camera FTP service.","","","","","",""]'
check_eq ftp_facts "$(facts $P_FTP | head -1)" "ftp_code=220"
check_eq ftp_findings "$(finds $P_FTP)" '[]'
# The same port without a module hint: the banner driver hands over to FTP.
check_eq ftp_banner_driver "$(jq -c "[.services[] | select(.port == $P_FTP) | .module]" "$W/out.json")" '["ftp","ftp"]'

cert='CN=ipcam.example,O=Test Cam'
check_eq tls10_svc "$(svc $P_TLS10)" "[\"https\",\"$cert\",\"\",\"\",\"\",\"\",\"\",\"\"]"
check_eq tls10_facts "$(facts $P_TLS10)" "tls_version=TLSv1.0; tls_cipher=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA; tls_kex=ECDHE; tls_sig=sha256WithRSAEncryption; tls_key=rsaEncryption 2048; cert_subject=$cert; cert_issuer=$cert; cert_not_before=2020-01-01; cert_not_after=2020-02-01"
check_eq tls10_findings "$(finds $P_TLS10)" "[[\"bad_certificate\",\"medium\",\"expired 2020-02-01; self-signed (subject $cert)\"],[\"deprecated_crypto\",\"medium\",\"TLSv1.0 negotiated\"]]"
check_eq tls12_facts "$(facts $P_TLS12)" "tls_version=TLSv1.2; tls_cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; tls_kex=ECDHE; tls_sig=sha256WithRSAEncryption; tls_key=rsaEncryption 2048; cert_subject=$cert; cert_issuer=$cert; cert_not_before=2020-01-01; cert_not_after=2020-02-01; tls_old_versions=TLSv1.1"
check_eq tls12_findings "$(finds $P_TLS12)" "[[\"bad_certificate\",\"medium\",\"expired 2020-02-01; self-signed (subject $cert)\"],[\"deprecated_crypto\",\"medium\",\"TLSv1.1 accepted\"]]"

# TLS 1.3 only: the 1.0-1.2 hello is refused (alert 70, protocol_version); the TLS 1.3
# hello learns the key-exchange group (post-quantum inventory). No certificate in clear.
check_eq tls13_svc "$(svc $P_TLS13)" '["https","","","","","","",""]'
check_eq tls13_facts "$(facts $P_TLS13)" "tls_alert=70; tls13_kex=x25519; tls13_cipher=TLS_AES_128_GCM_SHA256"
check_eq tls13_findings "$(finds $P_TLS13)" '[]'
check_eq audit_tls13 "$(grep -c "^audit $L $P_TLS13/tcp grab-https identified: tls, TLSv1.3 group x25519$" "$W/err.log")" 1
check_eq audit_tls12_no13 "$(grep -c "^audit $L $P_TLS12/tcp grab-https identified: tls, no TLSv1.3$" "$W/err.log")" 1

check_eq dns_svc "$(svc $P_DNS udp)" '["dns","","","","","","",""]'
check_eq dns_facts "$(facts $P_DNS udp)" "dns_rcode=noerror; dns_recursion=available; dns_answers=1"
check_eq dns_findings "$(finds $P_DNS udp)" '[["open_resolver","medium","recursive query for kansoku-probe.example answered with recursion available (rcode noerror, 1 answer)"]]'

check_eq ssdp_svc "$(svc $P_SSDP udp)" '["ssdp","Linux/5.10 UPnP/1.0 MiniUPnPd/2.2","Acme Networks","AR-1200","2.1","Router","","Test Home Router"]'
check_eq ssdp_facts "$(facts $P_SSDP udp)" "ssdp_st=upnp:rootdevice; ssdp_location=http://$L:$P_HTTP/rootDesc.xml; upnp_device_type=urn:schemas-upnp-org:device:InternetGatewayDevice:1; upnp_manufacturer=Acme Networks; upnp_model=AR-1200 2.1"
check_eq ssdp_findings "$(finds $P_SSDP udp)" "[[\"upnp_exposed\",\"medium\",\"SSDP answered a unicast M-SEARCH (server \\\"Linux/5.10 UPnP/1.0 MiniUPnPd/2.2\\\", location http://$L:$P_HTTP/rootDesc.xml); device \\\"Test Home Router\\\"\"]]"

check_eq telnet_svc "$(svc $P_TELNET)" '["telnet","Welcome to HiLinux login:","","","","","",""]'
check_eq telnet_facts "$(facts $P_TELNET)" "telnet_prompt=login"
check_eq telnet_findings "$(finds $P_TELNET)" "[[\"telnet_exposed\",\"high\",\"telnet answered on $P_TELNET/tcp (prompt: login)\"]]"

# Every finding carries its remediation text.
check_eq remediation "$(jq '[.findings[] | select(.remediation | length > 40)] | length' "$W/out.json")" 10

# Audit: one record per connection or datagram exchange, the follow-ups included.
check_eq audit_upnp "$(grep -c "^audit $L $P_HTTP/tcp grab-upnp identified: upnp description$" "$W/err.log")" 1
check_eq audit_redirect "$(grep -c "^audit $L $P_REDIR/tcp grab-http identified: http 301, redirect followed$" "$W/err.log")" 1
check_eq audit_tls_second "$(grep -c "^audit $L $P_TLS12/tcp grab-https identified: tls, TLSv1.1 with at most TLSv1.1$" "$W/err.log")" 1

# The gate: an address outside the scope is refused and never contacted.
check_eq gate_audit "$(grep -c "^audit 127.0.0.2 $P_OUT/tcp grab-banner refused: out of scope$" "$W/err.log")" 1
check_eq gate_warning "$(grep -c "127.0.0.2:$P_OUT: outside the scope; not probed" "$W/err.log")" 1
check_eq gate_no_service "$(jq "[.services[] | select(.address == \"127.0.0.2\")] | length" "$W/out.json")" 0
check_eq gate_not_contacted "$(ls "$W/out-of-scope-contacted" 2>/dev/null | wc -l)" 0

# known_vulnerability: a test entry (not a real CVE) for the lighttpd version served, marked
# known-exploited by a one-entry catalogue in CISA's format.
cat >"$W/test.vulns" <<'EOF'
cve      CVE-2099-12345
affects  lighttpd:lighttpd  <=1.4.69
cvss     9.8  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
title    Test entry for kansoku's integration test (not a real vulnerability)
fix      Nothing to fix: test data.
EOF
cat >"$W/kev.json" <<'EOF'
{"title": "test", "catalogVersion": "2099.01.01", "count": 1, "vulnerabilities": [
 {"cveID": "CVE-2099-12345", "vendorProject": "lighttpd", "product": "lighttpd",
  "vulnerabilityName": "test", "dateAdded": "2099-01-01", "shortDescription": "test",
  "requiredAction": "none", "dueDate": "2099-01-22", "knownRansomwareCampaignUse": "Unknown"}]}
EOF
out=$("$KANSOKU" survey grab --scope "$W/scope" --no-default-dirs --recog-dir "$SHARED/data/recog" \
	--vulns "$W/test.vulns" --kev "$W/kev.json" --format json "$L:$P_HTTP=http" 2>/dev/null)
check_eq vuln_finding "$(jq -c '[.findings[] | [.type, .severity, .product, .detail]]' <<<"$out")" \
	'[["known_vulnerability","critical","lighttpd 1.4.69","CVE-2099-12345 (KEV, CVSS 9.8)"]]'
out=$("$KANSOKU" survey grab --scope "$W/scope" --no-default-dirs --recog-dir "$SHARED/data/recog" \
	--vulns "$W/test.vulns" --format json "$L:$P_HTTP=http" 2>/dev/null)
check_eq vuln_without_kev "$(jq -r '.findings[0].detail' <<<"$out")" "CVE-2099-12345 (CVSS 9.8)"

# Exclusions win over the scope: nothing is sent to an excluded address.
echo "127.0.0.0/8 allow-reserved" >"$W/scope8"
echo "127.0.0.1" >"$W/optout"
out=$("$KANSOKU" survey grab --scope "$W/scope8" --exclude "$W/optout" --no-default-dirs --audit \
	"$L:$P_HTTP=http" 2>&1)
check_eq exclude_refused "$(grep -c "^audit $L $P_HTTP/tcp grab-http refused: out of scope$" <<<"$out")" 1
check_eq exclude_nothing "$(grep -c 'no service answered' <<<"$out")" 1

# IPv6 (when the loopback has ::1): Host header with brackets, address in the output.
P6=$((B + 13))
ncat -6 -l -k ::1 "$P6" --sh-exec "printf 'HTTP/1.0 200 OK\r\nServer: six\r\n\r\n<title>v6</title>'" >/dev/null 2>&1 &
PIDS+=($!)
for i in $(seq 1 50); do ss -lnt "sport = :$P6" | grep -q ":$P6" && break; sleep 0.1; done
if ss -lnt "sport = :$P6" | grep -q ":$P6"; then
	echo "::1/128 allow-reserved" >"$W/scope6"
	out=$("$KANSOKU" survey grab --scope "$W/scope6" --no-default-dirs --format json "[::1]:$P6=http" 2>/dev/null)
	check_eq ipv6_service "$(jq -c '.services[] | [.address, .port, .module, .banner, .title]' <<<"$out")" \
		"[\"::1\",$P6,\"http\",\"six\",\"v6\"]"
else
	echo "SKIP ipv6: no ::1 listener (IPv6 disabled?)"
fi

# Text and CSV renderings of one service.
out=$("$KANSOKU" survey grab --scope "$W/scope" --no-default-dirs "$L:$P_AUTH=http" 2>/dev/null)
check_eq text_line "$(head -1 <<<"$out")" "$L:$P_AUTH/tcp http"
check_eq text_finding "$(grep -c '^  finding      cleartext_admin medium: ' <<<"$out")" 1
out=$("$KANSOKU" survey grab --scope "$W/scope" --no-default-dirs --format csv "$L:$P_AUTH=http" 2>/dev/null)
check_eq csv_rows "$(wc -l <<<"$out")" 3
check_eq csv_finding "$(grep -c '^finding,127.0.0.1,'"$P_AUTH"',tcp,.*,cleartext_admin,medium,' <<<"$out")" 1

# Usage errors.
"$KANSOKU" survey grab --scope "$W/scope" "$L:$P_HTTP=nosuch" >/dev/null 2>&1
check_eq bad_module_status "$?" 2
"$KANSOKU" survey grab "$L:$P_HTTP" >/dev/null 2>&1
check_eq no_scope_status "$?" 2
finish
