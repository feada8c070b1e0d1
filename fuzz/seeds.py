#!/usr/bin/env python3
"""Write the starting seeds of each fuzz target's corpus (fuzz/corpus/<t>/).

Well-formed frames (TCP/UDP over IPv4 with and without options, IPv6 with and
without extension headers, 0-2 VLAN tags, correct checksums) wrapped in each
target's input format, so libFuzzer starts from the shapes the code handles
and mutates from there. Run once; fuzz/run.sh then grows and minimizes the
corpus. Usage: python3 fuzz/seeds.py [CORPUS_ROOT [TARGET...]] — with
targets named, only their seeds are written.
"""
import os
import struct
import sys


def csum(b, s=0):
    if len(b) % 2:
        b += b"\0"
    for i in range(0, len(b), 2):
        s += b[i] << 8 | b[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def frame(ipv=4, l4="tcp", payload=100, vlans=0, ipopt=0, ext=False, seq=1000,
          flags=0x10, ip_id=1, pay_seed=0):
    pay = bytes((pay_seed + i * 7) & 0xFF for i in range(payload))
    if l4 == "tcp":
        l4h = struct.pack(">HHIIBBHHH", 4000, 5000, seq, 77, 5 << 4, flags, 65000, 0, 0)
        proto = 6
    else:
        l4h = struct.pack(">HHHH", 4000, 5000, 8 + payload, 0)
        proto = 17
    seg = l4h + pay
    if ipv == 4:
        src, dst = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
        ihl = 5 + ipopt
        ip = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(seg), ip_id,
                         0x4000, 64, proto, 0, src, dst) + b"\x01" * (4 * ipopt)
        c = (~csum(ip)) & 0xFFFF
        ip = ip[:10] + struct.pack(">H", c) + ip[12:]
        pseudo = src + dst + struct.pack(">BBH", 0, proto, len(seg))
        et = 0x0800
    else:
        src = bytes([0x20, 1, 0xD, 0xB8] + [0] * 11 + [1])
        dst = bytes([0x20, 1, 0xD, 0xB8] + [0] * 11 + [2])
        exth = b""
        nh = proto
        if ext:
            exth = bytes([60, 0, 1, 4, 0, 0, 0, 0]) + bytes([proto, 0, 1, 4, 0, 0, 0, 0])
            nh = 0
        ip = struct.pack(">IHBB16s16s", 0x60000000, len(exth) + len(seg), nh, 64, src, dst) + exth
        pseudo = src + dst + struct.pack(">IxxxB", len(seg), proto)
        et = 0x86DD
    c = (~csum(pseudo + seg)) & 0xFFFF
    off = 16 if l4 == "tcp" else 6
    seg = seg[:off] + struct.pack(">H", c) + seg[off + 2:]
    l2 = bytes([2, 0, 0, 0, 0, 0xB, 2, 0, 0, 0, 0, 0xA])
    for i in range(vlans):
        l2 += struct.pack(">HH", 0x88A8 if (i == 0 and vlans == 2) else 0x8100, 10 + i)
    return l2 + struct.pack(">H", et) + ip + seg


def l4_off(f):
    o = 12
    while f[o:o + 2] in (b"\x81\x00", b"\x88\xa8"):
        o += 4
    et = f[o] << 8 | f[o + 1]
    o += 2
    if et == 0x0800:
        return o + (f[o] & 15) * 4
    o += 40
    nh = f[o - 34]
    while nh in (0, 60, 43):
        nh, o = f[o], o + (f[o + 1] + 1) * 8
    return o


def shapes():
    out = []
    for ipv in (4, 6):
        for l4 in ("tcp", "udp"):
            for vl in (0, 1, 2):
                out.append(frame(ipv, l4, 100, vl))
        out.append(frame(ipv, "tcp", 3000))
        out.append(frame(ipv, "tcp", 9000))
    out.append(frame(4, "tcp", 200, ipopt=2))
    out.append(frame(6, "tcp", 200, ext=True))
    out.append(frame(6, "udp", 200, ext=True))
    return out


ONLY = set(sys.argv[2:])


def write(root, target, items):
    if ONLY and target not in ONLY:
        return
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    for i, b in enumerate(items):
        with open(os.path.join(d, "seed-%03d" % i), "wb") as fh:
            fh.write(b)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    fr = shapes()
    write(root, "fuzz_hdr", fr)
    off_items = []
    vnet_items = []
    for f in fr:
        l4 = l4_off(f)
        is_v4 = b"\x86\xdd" not in f[12:24]
        for mode, gso_size in ((0x01, 0), (0x03, 1000), (0x21, 0), (0x85, 500), (0x08, 700)):
            gt = 1 if is_v4 else 16
            ctrl = struct.pack(">BHHBHBHHBBB", mode, l4, 16, gt if gso_size else 0,
                               gso_size, 3, l4 + 20, 512, 3, 0, 0xFF)
            off_items.append(ctrl + f)
        vgt = 1 if is_v4 else 4
        for flags, gso, sz in ((1, 0, 0), (1, vgt, 1000), (0, 0, 0)):
            hdr = struct.pack("<BBHHHH", flags, gso, l4 + 20, sz, l4, 16)
            vnet_items.append(hdr + bytes([0]) + f)
    write(root, "fuzz_offload", off_items)
    write(root, "fuzz_vnet", vnet_items)
    gro_items = []
    for ipv in (4, 6):
        recs = b""
        for i in range(4):
            fr_i = frame(ipv, "tcp", 1000, seq=1000 + 1000 * i, ip_id=1 + i, pay_seed=i,
                         flags=0x18 if i == 3 else 0x10)
            recs += struct.pack(">BH", 1 if i % 2 else 0, len(fr_i)) + fr_i
        gro_items.append(recs)
    write(root, "fuzz_gro", gro_items)
    # fuzz_cli: a flags byte (bit 0: matrix), then arguments separated by '\n'.
    cli_lines = [
        [],
        ["--help"],
        ["--fixes", "all", "--family", "6", "--bytes", "64K", "--reply-bytes", "1M"],
        ["--fixes=1,3,fraglist-linearize", "--no-offload", "--mtu", "9000", "--seed", "42"],
        ["--fixes", "none", "--no-gro", "--linux-bridge", "--veb", "--json"],
        ["--trace", "t.txt", "--pcap=dir", "--bytes=1G"],
        ["--mtu", "575"],
        ["--bytes", "18446744073709551615K"],
        ["--family", "5", "extra"],
        ["--fix", "trunk-offload,pseudo-csum,2", "--reply", "7"],
        ["-hx"],
        ["--bytes"],
    ]
    cli_items = []
    for i, args in enumerate(cli_lines):
        cli_items.append(bytes([i & 1]) + "\n".join(args).encode())
    write(root, "fuzz_cli", cli_items)
    # fuzz_br_text: a kind byte (bit 0: Linux-style bridge), then rules, one a line.
    rules = [
        "priority=10,in_port=1,dl_type=0x0800,nw_proto=6,tp_dst=80,actions=pop_vlan,output:2",
        "in_port=2,dl_vlan=20,actions=strip_vlan,push_vlan:0x2014,output:1",
        "tcp,nw_src=192.0.2.1,nw_dst=192.0.2.0/24,tp_src=5001,actions=normal",
        "udp,nw_dst=2001:db8::2,actions=drop",
        "ip,dl_src=02:00:5e:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,actions=mod_vlan_vid:30,output:3",
        "dl_vlan=0xffff,actions=output:64",
        "priority=70000,actions=normal",
        "in_port=1,actions=drop,output:2",
        "actions=",
        "tp_dst=99999,actions=normal",
    ]
    br_items = [bytes([0]) + "\n".join(rules).encode(), bytes([1]) + rules[0].encode()]
    br_items += [bytes([0]) + r.encode() for r in rules]
    write(root, "fuzz_br_text", br_items)
    # fuzz_ctl: records [op][conn][args] (see fuzz/fuzz_ctl.c): open, send a
    # word with \n / \r\n / nothing, send chunks, shut down, read, wait.
    def word(c, w, how):
        return bytes([5, c, w, how])
    def chunk(c, b):
        return bytes([1, c, len(b)]) + b
    ctl_items = [
        b"status\n",
        bytes([0, 0]) + word(0, 0, 0) + bytes([4, 0]),
        bytes([0, 0]) + word(0, 1, 2) + bytes([7, 0, 4, 0]),
        bytes([0, 1]) + chunk(1, b"sta") + chunk(1, b"ts") + chunk(1, b"-json\n") + bytes([4, 1]),
        bytes([0, 0]) + chunk(0, b"stats") + bytes([2, 0, 4, 0]),
        bytes([0, 0, 0, 1, 0, 2, 0, 3]) + word(3, 0, 0) + bytes([4, 0, 4, 3]),
        bytes([0, 0]) + word(0, 3, 0) + bytes([6, 0, 20, 6, 0, 60, 4, 0]),
        bytes([0, 0, 0, 1, 0, 2]) + word(0, 3, 0) + word(1, 3, 0) + word(2, 3, 0) + bytes([0, 3, 4, 3, 3, 0]),
        bytes([0, 0]) + chunk(0, b"x" * 255) + chunk(0, b"y" * 10) + bytes([4, 0]),
        bytes([0, 0]) + chunk(0, b"no such\x1b[0m\n") + bytes([4, 0]),
        bytes([0, 0]) + chunk(0, b"") + bytes([3, 0, 0, 0]) + word(0, 2, 1) + bytes([4, 0]),
    ]
    write(root, "fuzz_ctl", ctl_items)
    # fuzz_tap_rx: records [how][len16][virtio-net header + frame]; how: bits
    # 0-1 the writing kernel (vm-a, vm-b, host-x), bit 2 its own MAC as
    # source, bits 3-4 an endpoint's MAC as destination (A, B, X).
    def vnet(flags=0, gso=0, hdr_len=0, gso_size=0, cs=0, co=0):
        return struct.pack("<BBHHHH", flags, gso, hdr_len, gso_size, cs, co)
    def rec(k, dst, payload):
        return struct.pack(">BH", k | 4 | ((dst + 1) << 3), len(payload)) + payload
    arp = (bytes([0xff] * 6) + bytes(6) + b"\x08\x06" +
           struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + bytes(6) + bytes([192, 0, 2, 1]) +
           bytes(6) + bytes([192, 0, 2, 2]))
    tap_items = []
    for k in range(3):
        for dst in range(3):
            if dst == k:
                continue
            f4, f6 = frame(4, "tcp", 100), frame(6, "tcp", 100)
            tap_items.append(rec(k, dst, vnet() + f4))
            tap_items.append(rec(k, dst, vnet(1, 0, 0, 0, l4_off(f4), 16) + f4))
            tap_items.append(rec(k, dst, vnet(1, 0, 0, 0, l4_off(f6), 16) + f6))
            big4, big6 = frame(4, "tcp", 4000), frame(6, "tcp", 4000)
            tap_items.append(rec(k, dst, vnet(1, 1, l4_off(big4) + 20, 1448, l4_off(big4), 16) + big4))
            tap_items.append(rec(k, dst, vnet(1, 4, l4_off(big6) + 20, 1428, l4_off(big6), 16) + big6))
            u4 = frame(4, "udp", 300, vlans=1)
            tap_items.append(rec(k, dst, vnet(1, 0, 0, 0, l4_off(u4), 6) + u4))
        tap_items.append(struct.pack(">BH", k, len(arp) + 10) + vnet() + arp)
    tap_items.append(rec(0, 1, vnet() + frame(4, "tcp", 100)) + rec(1, 0, vnet() + frame(4, "tcp", 100)) +
                     rec(2, 1, vnet() + frame(6, "udp", 50)))
    write(root, "fuzz_tap_rx", tap_items)
    # fuzz_bridge: records [ctl][csum_start 2][csum_offset][gso_size 2][len 2][frame];
    # ctl: bit 0 bridge, bits 1-2 in port, 3 needs_csum, 4 GSO, 5 frag_list,
    # 6 UNNECESSARY, 7 time passes.
    def brec(ctl, f, cs=0, co=0, gso=0):
        return struct.pack(">BHBHH", ctl, cs, co, gso, len(f)) + f
    br_items = []
    for f in fr:
        l4 = l4_off(f)
        for ctl in (0x00, 0x01, 0x02, 0x08, 0x18, 0x38, 0x40, 0x0B):
            cs, co = (l4, 16) if ctl & 8 else (0, 0)
            br_items.append(brec(ctl, f, cs, co, 1000 if ctl & 0x10 else 0))
    # learning both ways, then a hit; a flood; time passing
    a, b = frame(4, "tcp", 200), frame(4, "tcp", 200)
    b = b[6:12] + b[0:6] + b[12:]
    br_items.append(brec(0, a) + brec(2, b) + brec(0, a) + brec(0x80, a))
    br_items.append(brec(6, bytes([0xff] * 6) + a[6:]) + brec(7, bytes([0xff] * 6) + a[6:]))
    write(root, "fuzz_bridge", br_items)
    # fuzz_stack: records [op][args] (see fuzz/fuzz_stack.c).
    def flow(direction, fam, n):
        return bytes([0, direction, fam]) + struct.pack(">H", n)
    deliver_all = bytes([7]) * 12
    st_items = [
        flow(0, 0, 3000) + deliver_all,
        flow(1, 1, 5000) + deliver_all,
        flow(2, 0, 1000) + deliver_all + bytes([6]) + struct.pack(">H", 60000) + deliver_all,
        flow(0, 0, 8000) + bytes([7, 7, 7, 3, 0, 7, 7, 6, 0x0f, 0xff, 7, 7, 7, 7]),
        flow(1, 0, 2000) + bytes([7, 7, 5, 2, 47, 0x12, 53, 0x04, 7, 7, 5, 1, 38, 0xff, 7, 7]),
        flow(3, 1, 4000) + bytes([7, 7, 2, 1, 5, 3, 60, 0x01, 61, 0x02, 62, 0x03, 7, 7, 7, 7]),
    ]
    arp_req = (bytes([0xff] * 6) + bytes([2, 0, 0, 0, 0, 9]) + b"\x08\x06" +
               struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + bytes([2, 0, 0, 0, 0, 9]) +
               bytes([192, 0, 2, 9]) + bytes(6) + bytes([192, 0, 2, 1]))
    st_items.append(bytes([4, 0]) + struct.pack(">H", len(arp_req)) + arp_req)
    syn = frame(4, "tcp", 0, flags=0x02)
    syn = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]) + syn[12:]
    st_items.append(bytes([4, 0]) + struct.pack(">H", len(syn)) + syn)
    st_items.append(bytes([4, 2]) + struct.pack(">H", len(syn)) + syn)
    write(root, "fuzz_stack", st_items)


if __name__ == "__main__":
    main()
