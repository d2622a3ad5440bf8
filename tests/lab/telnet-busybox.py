#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# The lab's BusyBox-style telnet device: unlike inetutils telnetd, which
# waits for the client's answers to its option negotiation before it starts
# the login program, BusyBox telnetd (what Mirai's victims run) sends its
# options and the login prompt at once, so even a client that never answers
# IAC sees "login: ". Same console as iot-login.sh: it only prints replies,
# never executes anything.
#
#   telnet-busybox.py ADDR PORT PASSFILE
#
# PASSFILE holds two lines, user and password, read at every attempt (so
# lab_fix takes effect on the next attempt). Binds ADDR only; each
# connection ends after 60 s without input or 3 failed logins.
import socketserver
import sys

ADDR, PORT, PASSFILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA, NAWS = 1, 3, 31
BANNER = (b"\r\n\r\nBusyBox v1.19.4 (2014-03-12 10:23:39 CST) built-in shell (ash)\r\n"
          b"Enter 'help' for a list of built-in commands.\r\n\r\n")


class Conn(socketserver.BaseRequestHandler):
    def setup(self):
        self.request.settimeout(60)
        self.buf = bytearray()
        self.state = 0  # 0 data, 1 after IAC, 2 option byte, 3 in SB, 4 IAC in SB

    def readline(self):
        """A line of input without telnet commands, or None at EOF/timeout."""
        while True:
            for i, c in enumerate(self.buf):
                if c in (10, 13):
                    line = bytes(self.buf[:i])
                    rest = self.buf[i + 1:]
                    if c == 13 and rest[:1] in (b"\n", b"\0"):
                        rest = rest[1:]
                    self.buf = bytearray(rest)
                    return line.decode("latin-1")
            try:
                data = self.request.recv(1024)
            except OSError:
                return None
            if not data:
                return None
            for c in data:
                if self.state == 0:
                    if c == IAC:
                        self.state = 1
                    else:
                        self.buf.append(c)
                elif self.state == 1:
                    self.state = {SB: 3, DO: 2, DONT: 2, WILL: 2, WONT: 2}.get(c, 0)
                    if c == IAC:
                        self.buf.append(c)
                elif self.state == 2:
                    self.state = 0
                elif self.state == 3:
                    self.state = 4 if c == IAC else 3
                else:
                    self.state = 0 if c == SE else 3
            if len(self.buf) > 4096:
                return None

    def send(self, s):
        self.request.sendall(s.encode("latin-1") if isinstance(s, str) else s)

    def handle(self):
        self.send(bytes([IAC, DO, ECHO, IAC, DO, NAWS, IAC, WILL, ECHO, IAC, WILL, SGA]))
        for _ in range(3):
            self.send("\r\n(none) login: ")
            user = self.readline()
            if user is None:
                return
            self.send("Password: ")
            password = self.readline()
            if password is None:
                return
            self.send("\r\n")
            with open(PASSFILE, encoding="latin-1") as f:
                want = f.read().split("\n")
            if len(want) >= 2 and user == want[0] and password == want[1]:
                self.console()
                return
            self.send("Login incorrect\r\n")

    def console(self):
        self.send(BANNER)
        while True:
            self.send("# ")
            line = self.readline()
            if line is None:
                return
            line = line.strip()
            if line in ("exit", "logout", "quit"):
                return
            if line in ("", "enable", "system", "shell", "sh", "linuxshell"):
                continue
            if "busybox" in line:
                applet = line.split("busybox", 1)[1].strip().split(" ")[0]
                if applet:
                    self.send("%s: applet not found\r\n" % applet)
                else:
                    self.send("BusyBox v1.19.4 (2014-03-12 10:23:39 CST) multi-call binary.\r\n")
                continue
            self.send("-sh: %s: not found\r\n" % line.split(" ")[0])


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    Server((ADDR, PORT), Conn).serve_forever()
