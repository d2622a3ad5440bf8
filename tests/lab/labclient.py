#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Small clients for checking the lab from the scanner namespace, where no
# standard tool fits (tests/integration/t_lab.sh). Every wait is bounded.
#
#   labclient.py telnet ADDR PORT USER PASS
#       logs in over telnet (refusing every option: IAC DO -> WONT,
#       WILL -> DONT), sends "/bin/busybox LABCHECK"; prints "ok" when
#       the device answered "LABCHECK: applet not found", "incorrect" on
#       "Login incorrect"; anything else is printed as it came.
#   labclient.py banner ADDR PORT
#       reads for up to 5 s WITHOUT answering telnet options; prints
#       "login" as soon as a "login: " prompt came, "nologin" otherwise.
#   labclient.py ssdp ADDR
#       sends a unicast M-SEARCH to ADDR:1900; prints the LOCATION header
#       of the reply or "none" after 2 s.
#   labclient.py ntp ADDR
#       sends an NTP client request; prints "stratum N" or "none" after 2 s.
#   labclient.py coap ADDR
#       sends a confirmable GET /.well-known/core; prints the payload of the
#       reply, or "none" after 2 s.
#   labclient.py tcp ADDR PORT
#       connects once: prints "open", "closed" (RST: connection refused)
#       "silent" (no answer within 2 s) or "unreachable" (no route).
import socket
import sys
import time

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240


class Telnet:
    def __init__(self, addr, port):
        self.s = socket.create_connection((addr, port), timeout=5)
        self.text = b""

    def _feed(self, data):
        i = 0
        out = bytearray()
        while i < len(data):
            c = data[i]
            if c == IAC and i + 1 < len(data):
                cmd = data[i + 1]
                if cmd in (DO, DONT, WILL, WONT) and i + 2 < len(data):
                    opt = data[i + 2]
                    if cmd == DO:
                        self.s.sendall(bytes([IAC, WONT, opt]))
                    elif cmd == WILL:
                        self.s.sendall(bytes([IAC, DONT, opt]))
                    i += 3
                    continue
                if cmd == SB:
                    j = data.find(bytes([IAC, SE]), i)
                    i = len(data) if j < 0 else j + 2
                    continue
                i += 2
                continue
            out.append(c)
            i += 1
        self.text += bytes(out)

    def expect(self, *needles, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for n in needles:
                if n in self.text:
                    return n
            self.s.settimeout(max(0.05, end - time.monotonic()))
            try:
                data = self.s.recv(4096)
            except socket.timeout:
                break
            if not data:
                break
            self._feed(data)
        for n in needles:
            if n in self.text:
                return n
        return None

    def send(self, line):
        self.s.sendall(line.encode() + b"\r\n")


def telnet(addr, port, user, password):
    t = Telnet(addr, int(port))
    if t.expect(b"login: ") is None:
        print("no login prompt: %r" % t.text)
        return 1
    t.send(user)
    if t.expect(b"Password: ") is None:
        print("no password prompt: %r" % t.text)
        return 1
    t.text = b""
    t.send(password)
    got = t.expect(b"# ", b"Login incorrect")
    if got == b"Login incorrect":
        print("incorrect")
        return 0
    if got is None:
        print("no answer: %r" % t.text)
        return 1
    t.text = b""
    t.send("/bin/busybox LABCHECK")
    if t.expect(b"LABCHECK: applet not found") is None:
        print("no applet reply: %r" % t.text)
        return 1
    t.send("exit")
    print("ok")
    return 0


def banner(addr, port):
    s = socket.create_connection((addr, int(port)), timeout=5)
    data = b""
    end = time.monotonic() + 5
    while b"login: " not in data and time.monotonic() < end:
        s.settimeout(max(0.05, end - time.monotonic()))
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    print("login" if b"login: " in data else "nologin")
    return 0


def ssdp(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    msg = ("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
           'MAN: "ssdp:discover"\r\nMX: 1\r\nST: upnp:rootdevice\r\n\r\n')
    s.sendto(msg.encode(), (addr, 1900))
    try:
        data, _ = s.recvfrom(2048)
    except socket.timeout:
        print("none")
        return 0
    for ln in data.decode("latin-1").split("\r\n"):
        k, _, v = ln.partition(":")
        if k.strip().upper() == "LOCATION":
            print(v.strip())
            return 0
    print("no LOCATION: %r" % data)
    return 1


def udp_ask(addr, port, msg):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(msg, (addr, port))
    try:
        return s.recvfrom(2048)[0]
    except socket.timeout:
        return None


def ntp(addr):
    r = udp_ask(addr, 123, bytes([0x23]) + bytes(47))
    print("stratum %d" % r[1] if r and len(r) >= 48 and r[0] & 7 == 4 else "none")
    return 0


def coap(addr):
    r = udp_ask(addr, 5683, b"\x40\x01\x12\x34\xbb.well-known\x04core")
    if not r:
        print("none")
        return 0
    i = r.find(b"\xff")
    print(r[i + 1:].decode("latin-1") if r[:4] == b"\x60\x45\x12\x34" and i > 0 else "bad %r" % r)
    return 0


def tcp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((addr, int(port)))
        print("open")
    except ConnectionRefusedError:
        print("closed")
    except socket.timeout:
        print("silent")
    except OSError as e:
        print("unreachable" if e.errno in (101, 113) else "error %s" % e)
    finally:
        s.close()
    return 0


def main(argv):
    if len(argv) == 6 and argv[1] == "telnet":
        return telnet(*argv[2:])
    if len(argv) == 4 and argv[1] == "banner":
        return banner(argv[2], argv[3])
    if len(argv) == 3 and argv[1] in ("ntp", "coap"):
        return {"ntp": ntp, "coap": coap}[argv[1]](argv[2])
    if len(argv) == 3 and argv[1] == "ssdp":
        return ssdp(argv[2])
    if len(argv) == 4 and argv[1] == "tcp":
        return tcp(argv[2], argv[3])
    sys.stderr.write(__doc__ if __doc__ else "usage: see the header of labclient.py\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
