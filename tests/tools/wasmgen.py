#!/usr/bin/env python3
"""wasmgen.py - filter modules made at test time for the module check.

  wasmgen.py funcs N OUT        a valid ABI v1 module with N more functions
  wasmgen.py data BYTES OUT     a valid ABI v1 module with a data segment of BYTES
  wasmgen.py mutate SEED COUNT OUTDIR IN...
                                COUNT mutants of the IN modules, mut-NNNN.wasm

The first two are compile bombs: valid WebAssembly that wasm2c and the C
compiler would take minutes or gigabytes over, refused by the limits of
wasm_check.h before anything is compiled.  The mutants (bit flips,
truncations, section size and LEB128 edits, counts changed, sections
repeated or swapped, bytes inserted or dropped) feed the differential
test of tests/e2e/modcheck.sh.  Deterministic for a given SEED.
"""
import random
import sys


def uleb(v, pad=0):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v or pad > 1:
            out.append(b | 0x80)
            pad -= 1
        else:
            out.append(b)
            return bytes(out)


def section(sid, content):
    return bytes([sid]) + uleb(len(content)) + content


def vec(items):
    return uleb(len(items)) + b"".join(items)


def name(s):
    return uleb(len(s)) + s.encode()


I32 = b"\x7f"
RET_I32 = b"\x04\x00\x41\x00\x0b"   # body: no locals, i32.const 0, end


def abi_module(extra_funcs=0, data=b""):
    """The ABI v1 exports over one memory big enough for data at 16."""
    types = [b"\x60\x00\x01" + I32, b"\x60\x01" + I32 + b"\x01" + I32,
             b"\x60\x08" + I32 * 8 + b"\x01" + I32]
    funcs = [0, 0, 1, 1, 2] + [0] * extra_funcs
    names = ["tsf_abi_version", "tsf_describe", "tsf_halo", "tsf_alloc", "tsf_process"]
    pages = max(1, (16 + len(data) + 65535) // 65536)
    exports = [name("memory") + b"\x02\x00"]
    exports += [name(n) + b"\x00" + uleb(i) for i, n in enumerate(names)]
    out = b"\x00asm\x01\x00\x00\x00"
    out += section(1, vec(types))
    out += section(3, vec([uleb(t) for t in funcs]))
    out += section(5, vec([b"\x00" + uleb(pages)]))
    out += section(7, vec(exports))
    out += section(10, vec([RET_I32] * len(funcs)))
    if data:
        out += section(11, vec([b"\x00\x41\x10\x0b" + uleb(len(data)) + data]))
    return out


def read_uleb(b, i):
    v = shift = 0
    start = i
    while i < len(b):
        v |= (b[i] & 0x7F) << shift
        shift += 7
        i += 1
        if not b[i - 1] & 0x80:
            return v, start, i
    return None


def sections(b):
    """(start, id, size field start, content start, end) of each section."""
    out, i = [], 8
    while i < len(b):
        r = read_uleb(b, i + 1)
        if r is None or r[2] + r[0] > len(b):
            break
        out.append((i, b[i], r[1], r[2], r[2] + r[0]))
        i = r[2] + r[0]
    return out


def mutate(rng, b):
    b = bytearray(b)
    secs = sections(b)
    op = rng.randrange(10)
    if op == 0 or not secs:                         # flip a few bits
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(8, len(b))] ^= 1 << rng.randrange(8)
    elif op == 1:                                   # truncate
        del b[rng.randrange(8, len(b)):]
    elif op == 2:                                   # section size off by a little
        s = rng.choice(secs)
        size = s[4] - s[3] + rng.choice([-3, -2, -1, 1, 2, 3])
        b[s[2]:s[3]] = uleb(max(0, size))
    elif op == 3:                                   # section size padded: valid or too long
        s = rng.choice(secs)
        b[s[2]:s[3]] = uleb(s[4] - s[3], pad=rng.choice([5, 5, 6, 9]))
    elif op == 4:                                   # the first count in a section changed
        s = rng.choice(secs)
        r = read_uleb(b, s[3])
        if r and r[2] <= s[4]:
            v = rng.choice([r[0] + 1, max(0, r[0] - 1), 0, 0x7FFFFFFF, 1 << 32])
            new = uleb(v)
            b[r[1]:r[2]] = new
            b[s[2]:s[3]] = uleb(s[4] - s[3] + len(new) - (r[2] - r[1]))
    elif op == 5:                                   # a byte set inside a section
        s = rng.choice(secs)
        if s[4] > s[3]:
            b[rng.randrange(s[3], s[4])] = rng.choice([0x00, 0x7F, 0x80, 0xFF, 0x0B, 0x60, 0x70])
    elif op == 6:                                   # a byte inserted or dropped
        at = rng.randrange(8, len(b))
        if rng.random() < 0.5:
            b.insert(at, rng.randrange(256))
        else:
            del b[at]
    elif op == 7:                                   # a section repeated
        s = rng.choice(secs)
        b[s[4]:s[4]] = b[s[0]:s[4]]
    elif op == 8 and len(secs) > 1:                 # two neighbours swapped
        k = rng.randrange(len(secs) - 1)
        a, c = secs[k], secs[k + 1]
        b[a[0]:c[4]] = b[c[0]:c[4]] + b[a[0]:a[4]]
    else:                                           # the section id changed
        s = rng.choice(secs)
        b[s[0]] = rng.choice([0, 2, 4, 6, 8, 9, 12, 13, 0x7F])
    return bytes(b)


def main(argv):
    if len(argv) == 4 and argv[1] == "funcs":
        open(argv[3], "wb").write(abi_module(extra_funcs=int(argv[2])))
    elif len(argv) == 4 and argv[1] == "data":
        open(argv[3], "wb").write(abi_module(data=bytes(int(argv[2]))))
    elif len(argv) >= 6 and argv[1] == "mutate":
        rng = random.Random(int(argv[2]))
        inputs = [open(p, "rb").read() for p in argv[5:]]
        for k in range(int(argv[3])):
            b = rng.choice(inputs)
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                b = mutate(rng, b)
            open("%s/mut-%04d.wasm" % (argv[4], k), "wb").write(b)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
