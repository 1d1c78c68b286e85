/*
 * wasm_check.c - read a module's section list, refuse imports, require the
 * ABI exports (wasm_check.h).  Every read is bounds-checked: the input is
 * untrusted.
 */
#include "wasm_check.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WASM_MAX_FILE (64u << 20)

struct reader {
    const uint8_t *p, *end;
};

static const char *required_exports[] = {
    "memory", "tsf_abi_version", "tsf_describe", "tsf_halo", "tsf_alloc", "tsf_process",
};
#define NREQUIRED (sizeof required_exports / sizeof required_exports[0])

/* read_uleb - unsigned LEB128 of at most 32 bits; returns 0 or -1. */
static int read_uleb(struct reader *r, uint32_t *out)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (r->p >= r->end)
            return -1;
        uint8_t b = *r->p++;
        if (shift == 28 && b > 0x0f)
            return -1;      /* more than 32 bits: malformed, as wabt says */
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* read_name - a length-prefixed name; returns 0 or -1. */
static int read_name(struct reader *r, const uint8_t **s, uint32_t *len)
{
    if (read_uleb(r, len) < 0 || *len > (size_t)(r->end - r->p))
        return -1;
    *s = r->p;
    r->p += *len;
    return 0;
}

/* first_import - describe the first import as "module.field" into buf. */
static void first_import(struct reader r, char *buf, size_t n)
{
    const uint8_t *mod, *field;
    uint32_t mlen, flen, count;
    if (read_uleb(&r, &count) < 0 || read_name(&r, &mod, &mlen) < 0 ||
        read_name(&r, &field, &flen) < 0) {
        snprintf(buf, n, "?");
        return;
    }
    snprintf(buf, n, "%.*s.%.*s", (int)(mlen > 64 ? 64 : mlen), (const char *)mod,
             (int)(flen > 64 ? 64 : flen), (const char *)field);
}

/* check_exports - mark which required exports the export section has. */
static int check_exports(struct reader r, int found[NREQUIRED])
{
    uint32_t count;
    if (read_uleb(&r, &count) < 0)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *s;
        uint32_t len, index;
        if (read_name(&r, &s, &len) < 0 || r.p >= r.end)
            return -1;
        r.p++; /* kind */
        if (read_uleb(&r, &index) < 0)
            return -1;
        for (size_t k = 0; k < NREQUIRED; k++)
            if (strlen(required_exports[k]) == len && memcmp(s, required_exports[k], len) == 0)
                found[k] = 1;
    }
    return 0;
}

int wasm_check_buffer(const uint8_t *buf, size_t len, const char *name, char *err)
{
    static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    if (len < 8 || memcmp(buf, magic, 8) != 0)
        return errf(err, "%s: not a WebAssembly module (version 1)", name);
    struct reader r = {buf + 8, buf + len};
    int found[NREQUIRED] = {0};
    while (r.p < r.end) {
        uint8_t id = *r.p++;
        uint32_t size;
        if (read_uleb(&r, &size) < 0 || size > (size_t)(r.end - r.p))
            return errf(err, "%s: malformed section header", name);
        struct reader sec = {r.p, r.p + size};
        if (id == 2) {
            uint32_t count = 0;
            if (read_uleb(&sec, &count) < 0)
                return errf(err, "%s: malformed import section", name);
            if (count > 0) {
                char what[160];
                first_import(sec = (struct reader){r.p, r.p + size}, what, sizeof what);
                return errf(err, "%s: module imports %u item(s) (first: %s); "
                            "filters may import nothing", name, count, what);
            }
        } else if (id == 7 && check_exports(sec, found) < 0) {
            return errf(err, "%s: malformed export section", name);
        }
        r.p += size;
    }
    for (size_t k = 0; k < NREQUIRED; k++)
        if (!found[k])
            return errf(err, "%s: missing export '%s' (filter ABI v1)", name,
                        required_exports[k]);
    return 0;
}

int wasm_check_file(const char *path, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errf_sys(err, "%s", path);
    uint8_t *buf = malloc(WASM_MAX_FILE);
    if (!buf) {
        fclose(f);
        return errf(err, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, WASM_MAX_FILE, f);
    int bad = ferror(f), big = !feof(f) && n == WASM_MAX_FILE;
    fclose(f);
    int rc = bad ? errf_sys(err, "%s: read", path)
             : big ? errf(err, "%s: larger than %u MiB", path, WASM_MAX_FILE >> 20)
                   : wasm_check_buffer(buf, n, path, err);
    free(buf);
    return rc;
}
