#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Small protocol responders for lab devices that have no Debian daemon.
# Each binds only the address it is given, answers only the sender of each
# request, and runs in the foreground until killed.
#
#   iot-services.py rtsp ADDR PORT
#       the camera's RTSP server ("Server: Hipcam RealServer/V1.0", a Recog
#       rtsp_servers.xml fingerprint): OPTIONS -> 200 with Public, DESCRIBE
#       -> 401 Basic realm "IPCamera", anything else -> 405.
#   iot-services.py sensor ADDR
#       an NTP server on ADDR:123/udp (mode 3 request -> mode 4 reply,
#       stratum 2) and a CoAP server on ADDR:5683/udp (confirmable GET
#       /.well-known/core -> ACK 2.05 with a CoRE link-format payload;
#       other CoAP messages -> RST).
import socket
import socketserver
import struct
import sys
import threading
import time


class Rtsp(socketserver.StreamRequestHandler):
    timeout = 30

    def handle(self):
        while True:
            try:
                line = self.rfile.readline(4096)
            except OSError:
                return
            if not line:
                return
            req = line.decode("latin-1").strip()
            if not req:
                continue
            cseq = "0"
            while True:
                h = self.rfile.readline(4096)
                if not h or h in (b"\r\n", b"\n"):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                if k.strip().lower() == "cseq":
                    cseq = v.strip()[:16]
            method = req.split(" ")[0]
            common = "CSeq: %s\r\nServer: Hipcam RealServer/V1.0\r\n" % cseq
            if method == "OPTIONS":
                resp = ("RTSP/1.0 200 OK\r\n" + common +
                        "Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY\r\n\r\n")
            elif method == "DESCRIBE":
                resp = ("RTSP/1.0 401 Unauthorized\r\n" + common +
                        'WWW-Authenticate: Basic realm="IPCamera"\r\n\r\n')
            else:
                resp = "RTSP/1.0 405 Method Not Allowed\r\n" + common + "\r\n"
            self.wfile.write(resp.encode())


class TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


NTP_EPOCH = 2208988800


def ntp(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 123))
    while True:
        data, peer = s.recvfrom(2048)
        if len(data) < 48 or (data[0] & 7) != 3:
            continue
        now = time.time() + NTP_EPOCH
        ts = struct.pack("!II", int(now), int((now % 1) * 2**32))
        vn = (data[0] >> 3) & 7
        reply = (bytes([(0 << 6) | (vn << 3) | 4, 2, data[2], 0xEC]) +
                 struct.pack("!II", 0x00000100, 0x00000200) + socket.inet_aton("192.0.2.123") +
                 ts + data[40:48] + ts + ts)
        s.sendto(reply, peer)


CORE = b'</sensors/temp>;rt="temperature";if="sensor",</sensors/hum>;rt="humidity"'


def coap(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 5683))
    while True:
        data, peer = s.recvfrom(2048)
        if len(data) < 4 or data[0] >> 6 != 1:
            continue
        typ, tkl, code = (data[0] >> 4) & 3, data[0] & 15, data[1]
        mid = data[2:4]
        if tkl > 8 or len(data) < 4 + tkl:
            continue
        token = data[4:4 + tkl]
        # Uri-Path options, to tell /.well-known/core from the rest.
        path, i, num = [], 4 + tkl, 0
        while i < len(data) and data[i] != 0xFF:
            delta, length = data[i] >> 4, data[i] & 15
            i += 1
            if delta == 13:
                delta, i = data[i] + 13, i + 1
            elif delta >= 14:
                break
            if length == 13:
                length, i = data[i] + 13, i + 1
            elif length >= 14:
                break
            num += delta
            if num == 11:
                path.append(data[i:i + length])
            i += length
        if typ == 0 and code == 1 and path == [b".well-known", b"core"]:
            # ACK 2.05 Content, Content-Format 40 (link-format), payload.
            reply = (bytes([0x40 | (2 << 4) | tkl, 0x45]) + mid + token +
                     bytes([0xC1, 40, 0xFF]) + CORE)
        elif typ == 0 and code == 1:
            reply = bytes([0x40 | (2 << 4) | tkl, 0x84]) + mid + token  # 4.04
        else:
            reply = bytes([0x40 | (3 << 4), 0]) + mid  # RST
        s.sendto(reply, peer)


def main(argv):
    if len(argv) == 4 and argv[1] == "rtsp":
        TcpServer((argv[2], int(argv[3])), Rtsp).serve_forever()
    elif len(argv) == 3 and argv[1] == "sensor":
        threading.Thread(target=ntp, args=(argv[2],), daemon=True).start()
        coap(argv[2])
    else:
        sys.stderr.write("usage: iot-services.py rtsp ADDR PORT | sensor ADDR\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
