"""Answers the first DHCPDISCOVER it sees on an interface with replies a
client must ignore, for dhcp_apps_test.sh. Runs in the server's namespace.

  stray_replies.py IFNAME SERVER_IP READY_FILE SENT_FILE

It sniffs the interface (AF_PACKET) for a UDP datagram to port 67, then
broadcasts to 255.255.255.255:68 from SERVER_IP:
  - a well-formed OFFER of 192.0.2.66 with the DISCOVER's xid + 1,
  - an OFFER of 192.0.2.67 with the right xid but another chaddr,
  - a BOOTREQUEST (op 1) of 192.0.2.68 with the right xid and chaddr,
  - an OFFER of 192.0.2.69 cut off in the middle of its options,
and writes the xid it answered to SENT_FILE. Gives up after 20 s.
"""
import select
import socket
import struct
import sys
import time

ifname, server_ip, ready_file, sent_file = sys.argv[1:5]


def reply(op, xid, chaddr, yiaddr, cut=False):
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0,
                         0x8000, bytes(4), socket.inet_aton(yiaddr),
                         socket.inet_aton(server_ip), bytes(4),
                         chaddr.ljust(16, b"\0"), bytes(64), bytes(128))
    options = (bytes([99, 130, 83, 99]) + bytes([53, 1, 2]) +
               bytes([54, 4]) + socket.inet_aton(server_ip) +
               bytes([1, 4]) + socket.inet_aton("255.255.255.0") +
               bytes([51, 4]) + struct.pack("!I", 600) + bytes([255]))
    packet = header + options
    return packet[:len(header) + 9] if cut else packet


sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                        socket.htons(0x0800))
sniffer.bind((ifname, 0x0800))
sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sender.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
sender.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
sender.bind((server_ip, 6767))
open(ready_file, "w").close()

deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    ready, _, _ = select.select([sniffer], [], [], 0.5)
    if not ready:
        continue
    ip = sniffer.recv(2048)
    ihl = (ip[0] & 0x0F) * 4
    if ip[9] != 17 or len(ip) < ihl + 8 + 44:
        continue
    dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
    bootp = ip[ihl + 8:]
    if dport != 67 or bootp[0] != 1:
        continue
    xid = struct.unpack("!I", bootp[4:8])[0]
    chaddr = bootp[28:34]
    other = bytes([chaddr[0] ^ 0x02]) + chaddr[1:]
    for packet in (reply(2, (xid + 1) & 0xFFFFFFFF, chaddr, "192.0.2.66"),
                   reply(2, xid, other, "192.0.2.67"),
                   reply(1, xid, chaddr, "192.0.2.68"),
                   reply(2, xid, chaddr, "192.0.2.69", cut=True)):
        sender.sendto(packet, ("255.255.255.255", 68))
    with open(sent_file, "w") as f:
        f.write(str(xid))
    sys.exit(0)
sys.exit("no DISCOVER seen within 20 s")
