#!/usr/bin/env python3
"""memscan.py PID NEEDLE...: how many times each needle (text) is in the
writable memory of process PID (heap, stack, anonymous maps), one count
per line. A test proves a secret was wiped, not merely freed, with it.
Exits 2 when the memory cannot be read (the caller skips)."""
import sys

CHUNK = 16 << 20
BIGGEST = 1 << 32


def regions(pid):
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            perms = parts[1]
            name = parts[5] if len(parts) > 5 else ""
            # writable private memory: where freed buffers linger
            if "w" in perms and "p" in perms and not name.startswith("/"):
                yield lo, hi


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: memscan.py PID NEEDLE...")
    pid = int(sys.argv[1])
    needles = [n.encode() for n in sys.argv[2:]]
    counts = [0] * len(needles)
    try:
        mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
    except OSError as e:
        print(f"memscan: {e}", file=sys.stderr)
        sys.exit(2)
    read_any = False
    keep = max(len(n) for n in needles) - 1
    with mem:
        for lo, hi in regions(pid):
            # a sanitizer's shadow maps terabytes it never touches
            if hi - lo > BIGGEST:
                continue
            tail = b""
            off = lo
            while off < hi:
                try:
                    mem.seek(off)
                    piece = mem.read(min(CHUNK, hi - off))
                except (OSError, OverflowError, ValueError):
                    break
                if not piece:
                    break
                read_any = True
                data = tail + piece
                # the tail was searched with the piece before: count only
                # what reaches into this piece
                for i, n in enumerate(needles):
                    counts[i] += data.count(n) - tail.count(n)
                tail = data[-keep:] if keep > 0 else b""
                off += len(piece)
    if not read_any:
        print("memscan: no region readable", file=sys.stderr)
        sys.exit(2)
    for c in counts:
        print(c)


main()
