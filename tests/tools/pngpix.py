"""pngpix.py - read pixels of a PNG with nothing but the standard library
(zlib), so tests can look at screenshots and overview images.

  pngpix.py FILE                 print "W H"
  pngpix.py FILE X Y W H...      print the mean "R G B" of each box, a line each

8-bit non-interlaced PNGs of colour type 0, 2, 4 or 6 (gray, RGB, gray +
alpha, RGBA), which is what Chromium and tilespool write.
"""
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode(path, last_row=None):
    """Return (width, height, channels, rows) with rows as bytearrays,
    rows decoded only up to last_row (all when None)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG" % path)
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = head
    if depth != 8 or interlace or ctype not in (0, 2, 4, 6):
        raise ValueError("%s: unsupported PNG (depth %d, type %d)" % (path, depth, ctype))
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw, stride, rows = zlib.decompress(idat), w * ch, []
    prev = bytearray(stride)
    for y in range(h if last_row is None else min(h, last_row + 1)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0
            b = prev[i]
            c = prev[i - ch] if i >= ch else 0
            line[i] = (line[i] + (0, a, b, (a + b) // 2, paeth(a, b, c))[f]) & 255
        rows.append(line)
        prev = line
    return w, h, ch, rows


def mean_rgb(img, x, y, bw, bh):
    w, h, ch, rows = img
    tot, n = [0, 0, 0], 0
    for yy in range(max(y, 0), min(y + bh, len(rows))):
        for xx in range(max(x, 0), min(x + bw, w)):
            p = rows[yy][xx * ch:xx * ch + ch]
            rgb = (p[0], p[0], p[0]) if ch <= 2 else p[:3]
            for k in range(3):
                tot[k] += rgb[k]
            n += 1
    if n == 0:
        raise ValueError("box outside the image")
    return [t // n for t in tot]


def main(argv):
    boxes = [list(map(int, argv[i:i + 4])) for i in range(1, len(argv) - 3, 4)]
    img = decode(argv[0], max((y + h for _, y, _, h in boxes), default=None))
    if not boxes:
        print(img[0], img[1])
    for x, y, w, h in boxes:
        print(*mean_rgb(img, x, y, w, h))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
