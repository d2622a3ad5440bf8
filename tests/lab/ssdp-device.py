#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# The lab's UPnP device: answers unicast SSDP M-SEARCH requests on
# ADDR:1900/udp with a LOCATION pointing at a device description XML that it
# serves itself over HTTP on ADDR:HTTPPORT (the way miniupnpd and camera
# firmwares do). It binds only ADDR and answers only the sender of each
# request; nothing else is sent. Runs in the foreground until killed.
#
#   ssdp-device.py ADDR HTTPPORT
import http.server
import socket
import sys
import threading

ADDR = sys.argv[1]
HTTP_PORT = int(sys.argv[2])
UUID = "4d696e69-5550-6e50-4c61-6200c0a80101"

DESC = f"""<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device>
<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
<friendlyName>Lab IP Camera</friendlyName>
<manufacturer>Kansoku Lab Devices</manufacturer>
<manufacturerURL>http://{ADDR}/</manufacturerURL>
<modelDescription>Network camera</modelDescription>
<modelName>KL-CAM-100</modelName>
<modelNumber>1.0.3</modelNumber>
<serialNumber>KL0001</serialNumber>
<UDN>uuid:{UUID}</UDN>
<presentationURL>http://{ADDR}/</presentationURL>
</device>
</root>
""".encode()


class Desc(http.server.BaseHTTPRequestHandler):
    server_version = "Linux/3.10 UPnP/1.0 KL-CAM/1.0.3"
    sys_version = ""

    def do_GET(self):
        if self.path != "/rootDesc.xml":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", 'text/xml; charset="utf-8"')
        self.send_header("Content-Length", str(len(DESC)))
        self.end_headers()
        self.wfile.write(DESC)

    def log_message(self, fmt, *args):
        sys.stderr.write("http %s %s\n" % (self.client_address[0], fmt % args))


def serve_http():
    srv = http.server.ThreadingHTTPServer((ADDR, HTTP_PORT), Desc)
    srv.serve_forever()


def main():
    threading.Thread(target=serve_http, daemon=True).start()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind((ADDR, 1900))
    while True:
        data, peer = udp.recvfrom(2048)
        text = data.decode("latin-1", "replace")
        lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
        if not lines or not lines[0].upper().startswith("M-SEARCH * HTTP/1.1"):
            continue
        hdr = {}
        for ln in lines[1:]:
            k, sep, v = ln.partition(":")
            if sep:
                hdr[k.strip().upper()] = v.strip()
        if hdr.get("MAN", "").strip('"') != "ssdp:discover":
            continue
        st = hdr.get("ST", "ssdp:all")
        if st in ("ssdp:all", ""):
            st = "upnp:rootdevice"
        resp = (
            "HTTP/1.1 200 OK\r\n"
            "CACHE-CONTROL: max-age=1800\r\n"
            "EXT:\r\n"
            f"LOCATION: http://{ADDR}:{HTTP_PORT}/rootDesc.xml\r\n"
            "SERVER: Linux/3.10 UPnP/1.0 KL-CAM/1.0.3\r\n"
            f"ST: {st}\r\n"
            f"USN: uuid:{UUID}::{st}\r\n"
            "\r\n"
        )
        udp.sendto(resp.encode(), peer)
        sys.stderr.write("ssdp %s:%d st=%s\n" % (peer[0], peer[1], st))
        sys.stderr.flush()


if __name__ == "__main__":
    main()
