#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The lab's fake IoT console: what a BusyBox camera or router shows on its
# telnet or SSH port. It never runs a real shell and never executes what it
# is sent; it only prints the replies a Mirai-style checker looks for.
#
#   iot-login.sh login PASSFILE   telnet (telnetd -E): "login: ", "Password: ",
#                                 then the console on success, "Login
#                                 incorrect" otherwise (3 tries). PASSFILE
#                                 holds two lines, user and password; it is
#                                 read at every attempt so that lab_fix takes
#                                 effect on the next connection.
#   iot-login.sh shell            SSH forced command (dropbear -c): the
#                                 console at once; a command given to ssh
#                                 ($SSH_ORIGINAL_COMMAND) is answered once.
set -u
export LC_ALL=C

# Answers one line like BusyBox ash would for the commands checkers send.
reply() {
	local line=$1 applet
	case $line in
	'' | enable | system | shell | sh | linuxshell | 'cd /' | 'cd /tmp') ;;
	exit | logout | quit) return 1 ;;
	*busybox*)
		applet=${line##*busybox}
		applet=${applet# }
		applet=${applet%% *}
		if [ -z "$applet" ]; then
			printf 'BusyBox v1.19.4 (2014-03-12 10:23:39 CST) multi-call binary.\n'
		else
			printf '%s: applet not found\n' "$applet"
		fi
		;;
	*) printf -- '-sh: %s: not found\n' "${line%% *}" ;;
	esac
	return 0
}

console() {
	local line
	printf '\n\nBusyBox v1.19.4 (2014-03-12 10:23:39 CST) built-in shell (ash)\n'
	printf "Enter 'help' for a list of built-in commands.\n\n"
	while printf '# ' && IFS= read -r -t 120 line; do
		line=${line%$'\r'}
		reply "$line" || break
	done
	exit 0
}

case ${1:-} in
login)
	passfile=${2:?passfile}
	for try in 1 2 3; do
		printf 'login: '
		IFS= read -r -t 60 user || exit 0
		user=${user%$'\r'}
		printf 'Password: '
		stty -echo 2>/dev/null
		IFS= read -r -t 60 pass || exit 0
		stty echo 2>/dev/null
		pass=${pass%$'\r'}
		printf '\n'
		want_user="" want_pass=""
		{ IFS= read -r want_user; IFS= read -r want_pass; } <"$passfile"
		if [ "$user" == "$want_user" ] && [ "$pass" == "$want_pass" ]; then
			console
		fi
		printf 'Login incorrect\n'
		: "$try"
	done
	exit 1
	;;
shell)
	if [ -n "${SSH_ORIGINAL_COMMAND:-}" ]; then
		printf 'BusyBox v1.19.4 (2014-03-12 10:23:39 CST) built-in shell (ash)\n'
		reply "$SSH_ORIGINAL_COMMAND"
		exit 0
	fi
	console
	;;
*)
	echo "usage: iot-login.sh login PASSFILE | shell" >&2
	exit 2
	;;
esac
