#!/usr/bin/env bash
# kansoku survey fingerprint: banners identified with Rapid7 Recog's databases
# (../shared/data/recog) and kansoku's own (data/recog), in text, json and
# csv, from an argument and from standard input; errors name file and line.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
ks_shared
ks_workdir
need jq
R=$SHARED/data/recog
fp() { "$KANSOKU" survey fingerprint --no-default-dirs --recog-dir data/recog --recog-dir "$R" "$@"; }

out=$(fp --format json --matches ssh.banner 'OpenSSH_7.4p1 Debian-10+deb9u7')
check_eq ssh_product "$(jq -r .params.\"service.product\" <<<"$out")" OpenSSH
check_eq ssh_version "$(jq -r .params.\"service.version\" <<<"$out")" 7.4p1
check_eq ssh_cpe "$(jq -r .params.\"service.cpe23\" <<<"$out")" cpe:/a:openbsd:openssh:7.4p1
check_eq ssh_db "$(jq -r .matches <<<"$out")" ssh.banner

# Standard input, trailing CR LF removed (the pattern ends in $); telnet_banners.xml
# has no matches attribute, so its key is its base name, as in Recog.
out=$(printf 'RT-AC68R login:\r\n' | fp --format json --matches telnet_banners -)
check_eq stdin_telnet_product "$(jq -r .params.\"hw.product\" <<<"$out")" RT-AC68R
check_eq stdin_telnet_protocol "$(jq -r .params.\"service.protocol\" <<<"$out")" telnet

# kansoku's own database wins by preference (0.95) over Recog's when both match.
out=$(fp --format json 'Aterm WG1200HS')
check_eq jp_aterm_model "$(jq -r .params.\"hw.model\" <<<"$out")" WG1200HS
check_eq jp_aterm_product "$(jq -r .params.\"hw.product\" <<<"$out")" "Aterm WG1200HS"
check_eq jp_db "$(jq -r .matches <<<"$out")" kansoku.jp_devices
out=$(printf 'RTX1210 Rev.14.01.38 (Fri Jul 10 09:46:09 2020)\n' | fp --format csv -)
check_eq jp_yamaha_csv "$(grep '^os.version,' <<<"$out")" "os.version,14.01.38"

# Text output and no match.
out=$(fp --matches http_header.server 'Apache/2.4.41 (Ubuntu)')
check_eq text_version "$(awk '$1=="service.version"{print $2}' <<<"$out")" 2.4.41
check_eq no_match_text "$(fp --matches ssh.banner 'certainly not a banner')" "no match"
check_eq no_match_json "$(fp --format json --matches ssh.banner 'zzz' | jq -c .)" '{"matched":false}'

# A bad database names its file and line; exit status 3 (bad input data).
mkdir -p "$W/bad"
printf '<?xml version="1.0"?>\n<fingerprints>\n<fingerprint pattern="(a">\n<description>x</description>\n</fingerprint>\n</fingerprints>\n' >"$W/bad/broken.xml"
err=$("$KANSOKU" survey fingerprint --no-default-dirs --recog-dir "$W/bad" x 2>&1)
rc=$?
check_eq bad_db_status "$rc" 3
case $err in *"broken.xml:3: pattern does not compile"*) pass bad_db_message ;; *) fail bad_db_message "$err" ;; esac
"$KANSOKU" survey fingerprint --recog-dir "$W/missing" x >/dev/null 2>&1
check_eq missing_dir_status "$?" 1
"$KANSOKU" survey fingerprint >/dev/null 2>&1
check_eq usage_status "$?" 2
# --verify runs every example: ours all pass; in Recog's, the one documented
# exception (nested quantifier at PCRE2's match limit) is reported by file:line.
"$KANSOKU" survey fingerprint --no-default-dirs --recog-dir data/recog --verify >/dev/null 2>&1
check_eq verify_own_status "$?" 0
out=$("$KANSOKU" survey fingerprint --no-default-dirs --recog-dir "$R" --verify 2>/dev/null)
check_eq verify_recog_status "$?" 3
check_eq verify_recog_failures "$(sed 's#.*/##' <<<"$out")" "smtp_banners.xml:801: the example does not match its fingerprint"
finish
