"""A DHCP server that abuses its client, for dhcp_apps_test.sh. Runs in the
server's namespace, on UDP port 67 of IFNAME (which has SERVER_IP).

  hostile_server.py IFNAME SERVER_IP READY_FILE MODE

MODE nak:   answers the first DISCOVER with one OFFER of 192.0.2.77 and the
            REQUEST that follows with a NAK whose message (option 56) is an
            escape code, a forged "ack from 6.6.6.6" line, a NUL and bytes
            that are not UTF-8.
MODE burst: answers the first DISCOVER with 200 OFFERs, of 192.0.2.20 to
            192.0.2.219, as fast as it can.
Creates READY_FILE once it listens; gives up after 20 s.
"""
import socket
import struct
import sys
import time

ifname, server_ip, ready_file, mode = sys.argv[1:5]
NAK_MESSAGE = b"\x1b[31mno\x1b[0m\nack from 6.6.6.6: 6.6.6.6\x00\xff\xfe"


def reply(msg_type, xid, chaddr, yiaddr, message=None):
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0,
                         0x8000, bytes(4), socket.inet_aton(yiaddr),
                         socket.inet_aton(server_ip), bytes(4),
                         chaddr.ljust(16, b"\0"), bytes(64), bytes(128))
    options = (bytes([99, 130, 83, 99]) + bytes([53, 1, msg_type]) +
               bytes([54, 4]) + socket.inet_aton(server_ip))
    if msg_type == 2:  # OFFER
        options += (bytes([1, 4]) + socket.inet_aton("255.255.255.0") +
                    bytes([51, 4]) + struct.pack("!I", 600))
    if message is not None:
        options += bytes([56, len(message)]) + message
    return header + options + bytes([255])


def message_type(bootp):
    i = 240
    while i + 1 < len(bootp) and bootp[i] != 255:
        if bootp[i] == 0:
            i += 1
            continue
        if bootp[i] == 53:
            return bootp[i + 2]
        i += 2 + bootp[i + 1]
    return None


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
sock.bind(("0.0.0.0", 67))
sock.settimeout(0.5)
open(ready_file, "w").close()

deadline = time.monotonic() + 20
offered = False
while time.monotonic() < deadline:
    try:
        bootp = sock.recv(2048)
    except socket.timeout:
        continue
    if len(bootp) < 244 or bootp[0] != 1:
        continue
    xid = struct.unpack("!I", bootp[4:8])[0]
    chaddr = bootp[28:34]
    kind = message_type(bootp)
    to = ("255.255.255.255", 68)
    if kind == 1 and not offered:  # DISCOVER
        offered = True
        if mode == "burst":
            for i in range(200):
                sock.sendto(reply(2, xid, chaddr, "192.0.2.%d" % (20 + i)), to)
            sys.exit(0)
        sock.sendto(reply(2, xid, chaddr, "192.0.2.77"), to)
    elif kind == 3 and offered and mode == "nak":  # REQUEST
        sock.sendto(reply(6, xid, chaddr, "0.0.0.0", NAK_MESSAGE), to)
        sys.exit(0)
sys.exit("the client never got that far within 20 s")
