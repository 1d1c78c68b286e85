/*
 * wasm_check_read.c - the pieces of the binary format (wasm_check_impl.h):
 * LEB128s held to their type's length, UTF-8 names, vectors counted
 * against a limit, value types, constant expressions and limits.  Every
 * read stays within its reader.
 */
#include "wasm_check_impl.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* wc_bad - the malformed-section message; returns -1. */
int wc_bad(struct wc_mod *m, const struct wc_reader *r, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return errf(m->err, "%s: malformed %s section at offset %zu: %s", m->name, m->where,
                (size_t)(r->p - m->base), what);
}

/* wc_over - a limit of filters/ABI.md exceeded; returns -1. */
int wc_over(struct wc_mod *m, const char *what, uint64_t n, uint64_t limit)
{
    return errf(m->err, "%s: %s %llu exceeds the limit of %llu for filters (filters/ABI.md)",
                m->name, what, (unsigned long long)n, (unsigned long long)limit);
}

/* wc_u8 - one byte; returns 0 or -1 at the end. */
int wc_u8(struct wc_reader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return -1;
    *out = *r->p++;
    return 0;
}

/* wc_uleb - unsigned LEB128 of at most `bits` bits, in at most ceil(bits/7)
 * bytes, unused high bits zero; returns 0 or -1. */
int wc_uleb(struct wc_reader *r, int bits, uint64_t *out)
{
    int maxbytes = (bits + 6) / 7;
    uint64_t v = 0;
    for (int i = 0; i < maxbytes; i++) {
        uint8_t b;
        if (wc_u8(r, &b) < 0)
            return -1;
        if (i == maxbytes - 1 && ((b & 0x80) || (b & 0x7f) >> (bits - 7 * i) != 0))
            return -1;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* wc_u32 - an unsigned 32-bit LEB128; returns 0 or -1. */
int wc_u32(struct wc_reader *r, uint32_t *out)
{
    uint64_t v;
    if (wc_uleb(r, 32, &v) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* wc_sleb - skip a signed LEB128 of `bits` bits; the unused bits of its last
 * possible byte must repeat the sign.  Returns 0 or -1. */
int wc_sleb(struct wc_reader *r, int bits)
{
    int maxbytes = (bits + 6) / 7;
    for (int i = 0; i < maxbytes; i++) {
        uint8_t b;
        if (wc_u8(r, &b) < 0)
            return -1;
        if (i == maxbytes - 1) {
            int used = bits - 7 * i;
            uint8_t rest = (uint8_t)((b & 0x7f) >> (used - 1));
            return !(b & 0x80) && (rest == 0 || rest == 0x7f >> (used - 1)) ? 0 : -1;
        }
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* wc_skip - n bytes; returns 0 or -1 past the end. */
int wc_skip(struct wc_reader *r, size_t n)
{
    if (n > wc_left(r))
        return -1;
    r->p += n;
    return 0;
}

/* wc_utf8_ok - 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates
 * or code points above U+10FFFF), as the format requires of names. */
static int wc_utf8_ok(const uint8_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint32_t len, cp, min;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if ((s[i] & 0xe0) == 0xc0)
            len = 2, cp = s[i] & 0x1f, min = 0x80;
        else if ((s[i] & 0xf0) == 0xe0)
            len = 3, cp = s[i] & 0x0f, min = 0x800;
        else if ((s[i] & 0xf8) == 0xf0)
            len = 4, cp = s[i] & 0x07, min = 0x10000;
        else
            return 0;
        if (len > n - i)
            return 0;
        for (uint32_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

/* wc_name - a length-prefixed UTF-8 name, as a reader over its bytes;
 * returns 0 or -1. */
int wc_name(struct wc_reader *r, struct wc_reader *out)
{
    uint32_t n;
    if (wc_u32(r, &n) < 0 || n > wc_left(r) || !wc_utf8_ok(r->p, n))
        return -1;
    *out = (struct wc_reader){r->p, r->p + n};
    r->p += n;
    return 0;
}

/* wc_count - a vector's length, at most `limit` (else the limit's message)
 * and at most one entry per byte left; returns 0 or -1. */
int wc_count(struct wc_mod *m, struct wc_reader *r, uint32_t *n, uint32_t limit, const char *what)
{
    NEED(wc_u32(r, n) == 0, "%s is not a valid LEB128", what);
    if (*n > limit)
        return wc_over(m, what, *n, limit);
    NEED(*n <= wc_left(r), "%s %u but %zu bytes left", what, *n, wc_left(r));
    return 0;
}

/* wc_tname - a value type's name. */
const char *wc_tname(uint8_t t)
{
    switch (t) {
    case T_I32: return "i32";
    case T_I64: return "i64";
    case T_F32: return "f32";
    case T_F64: return "f64";
    case T_V128: return "v128";
    case T_FUNCREF: return "funcref";
    case T_EXTERNREF: return "externref";
    }
    return "?";
}

/* wc_is_reftype - 1 for funcref and externref. */
int wc_is_reftype(uint8_t t) { return t == T_FUNCREF || t == T_EXTERNREF; }

/* wc_valtype - one value type; v128 (SIMD) is refused.  Returns 0 or -1. */
int wc_valtype(struct wc_mod *m, struct wc_reader *r, uint8_t *t)
{
    NEED(wc_u8(r, t) == 0, "value type cut short");
    if (*t == T_V128)
        return errf(m->err, "%s: uses SIMD (v128 in the %s section); filters may not",
                    m->name, m->where);
    NEED(*t == T_I32 || *t == T_I64 || *t == T_F32 || *t == T_F64 || wc_is_reftype(*t),
         "0x%02x is not a value type", *t);
    return 0;
}

/* wc_valtypes - a vector of value types, left in the module; returns 0 or -1. */
int wc_valtypes(struct wc_mod *m, struct wc_reader *r, const uint8_t **at, uint32_t *n,
                    uint32_t limit, const char *what)
{
    uint8_t t;
    if (wc_count(m, r, n, limit, what) < 0)
        return -1;
    *at = r->p;
    for (uint32_t i = 0; i < *n; i++)
        if (wc_valtype(m, r, &t) < 0)
            return -1;
    return 0;
}

/* wc_const_expr - one constant instruction and `end`, of type `type`.
 * global.get is refused: it may only read imported globals, and a filter
 * imports none.  Returns 0 or -1. */
int wc_const_expr(struct wc_mod *m, struct wc_reader *r, uint8_t type)
{
    uint8_t op, got = 0, end;
    uint32_t idx;
    NEED(wc_u8(r, &op) == 0, "constant expression cut short");
    switch (op) {
    case 0x41: NEED(wc_sleb(r, 32) == 0, "bad i32.const"); got = T_I32; break;
    case 0x42: NEED(wc_sleb(r, 64) == 0, "bad i64.const"); got = T_I64; break;
    case 0x43: NEED(wc_skip(r, 4) == 0, "f32.const cut short"); got = T_F32; break;
    case 0x44: NEED(wc_skip(r, 8) == 0, "f64.const cut short"); got = T_F64; break;
    case 0xd0: NEED(wc_u8(r, &got) == 0 && wc_is_reftype(got), "bad ref.null"); break;
    case 0xd2:
        NEED(wc_u32(r, &idx) == 0 && idx < m->nfuncs, "ref.func of a function that does not exist");
        got = T_FUNCREF;
        break;
    default:
        return wc_bad(m, r, "opcode 0x%02x is not allowed in a constant expression", op);
    }
    NEED(wc_u8(r, &end) == 0 && end == 0x0b, "constant expression without its end");
    NEED(got == type, "constant of type %s where %s is expected", wc_tname(got), wc_tname(type));
    return 0;
}

/* wc_limits - a table's or memory's limits; flags beyond `allowed` are
 * malformed.  Returns 0 or -1. */
int wc_limits(struct wc_mod *m, struct wc_reader *r, uint32_t allowed, struct wc_limits *l)
{
    uint8_t flags;
    NEED(wc_u8(r, &flags) == 0 && (flags & ~allowed) == 0, "bad limits flags");
    int bits = flags & LIM_64 ? 64 : 32;
    l->flags = flags;
    l->max = 0;
    NEED(wc_uleb(r, bits, &l->min) == 0, "bad initial size");
    if (flags & LIM_MAX) {
        NEED(wc_uleb(r, bits, &l->max) == 0, "bad maximum size");
        NEED(l->min <= l->max, "initial size %llu above the maximum %llu",
             (unsigned long long)l->min, (unsigned long long)l->max);
    }
    return 0;
}

/* wc_raw_name - a length-prefixed name read by its length only (an import
 * is named in the refusal even when its name is not UTF-8); 0 or -1. */
static int wc_raw_name(struct wc_reader *r, struct wc_reader *out)
{
    uint32_t n;
    if (wc_u32(r, &n) < 0 || n > wc_left(r))
        return -1;
    *out = (struct wc_reader){r->p, r->p + n};
    r->p += n;
    return 0;
}

/* wc_shown - at most 64 bytes of r for a message, control characters as
 * '?' so that a message stays one line; returns buf. */
char *wc_shown(const struct wc_reader *r, char *buf)
{
    size_t n = wc_left(r) > 64 ? 64 : wc_left(r);
    for (size_t i = 0; i < n; i++)
        buf[i] = r->p[i] < 0x20 || r->p[i] == 0x7f ? '?' : (char)r->p[i];
    buf[n] = '\0';
    return buf;
}

/* wc_first_import - describe the first import as "module.field, a kind". */
void wc_first_import(struct wc_reader r, char *buf, size_t n)
{
    static const char *const kinds[] = {"function", "table", "memory", "global"};
    struct wc_reader mod, field;
    char a[65], b[65];
    uint32_t count;
    uint8_t kind;
    if (wc_u32(&r, &count) < 0 || wc_raw_name(&r, &mod) < 0 || wc_raw_name(&r, &field) < 0) {
        snprintf(buf, n, "?");
        return;
    }
    snprintf(buf, n, "%s.%s", wc_shown(&mod, a), wc_shown(&field, b));
    if (wc_u8(&r, &kind) == 0 && kind < 4)
        snprintf(buf + strlen(buf), n - strlen(buf), ", a %s", kinds[kind]);
}
