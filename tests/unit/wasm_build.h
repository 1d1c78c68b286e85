/*
 * wasm_build.h - assemble filter modules byte by byte for the tests of
 * wasm_check.h (test_wasm_check.c, test_wasm_abi.c).
 *
 * wb_reset() starts the smallest module with the ABI v1 exports:
 *   types    0: () -> i32   1: (i32) -> i32   2: (i32 x8) -> i32
 *   funcs    abi_version, describe (0), halo, alloc (1), process (2)
 *   memory   1 page, exported as "memory"
 * Types, functions and exports are kept as lists (wb_type, wb_func,
 * wb_export, wb_unexport) and written as sections by wb_emit(); any
 * section can instead be given raw (wb_raw), and a custom section can
 * follow any section (wb.custom_after).  Every body is "no locals, end":
 * the structural check does not read instructions.  wb_emit() leaves the
 * module in wb.mod.  check() runs the checker on it, leaving its message
 * in err and what it found in facts; refused() asserts a refusal.  Include
 * after wasm_check.h, err.h and check.h.
 */
#ifndef TS_WASM_BUILD_H
#define TS_WASM_BUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WB_NSEC = 13, WB_MAXTYPES = 64, WB_MAXFUNCS = 70000, WB_MAXEXPORTS = 32 };

struct wb_buf {
    uint8_t *b;
    size_t n, cap;
};

static struct {
    struct wb_buf sec[WB_NSEC];     /* raw sections */
    int raw[WB_NSEC];               /* 1: write sec[id] as it is */
    int custom_after[WB_NSEC + 1];  /* [WB_NSEC]: right after the header */
    struct wb_buf types[WB_MAXTYPES];
    int ntypes;
    uint32_t ftype[WB_MAXFUNCS];
    int nfuncs;
    struct { char name[64]; uint8_t kind; uint32_t idx; } ex[WB_MAXEXPORTS];
    int nex;
    struct wb_buf mod, tmp;
} wb;

/* wb_put - append n bytes, growing the buffer (abort if memory runs out). */
static void wb_put(struct wb_buf *m, const void *p, size_t n)
{
    if (n == 0)
        return;     /* p may be an empty buffer's NULL */
    if (m->n + n > m->cap) {
        size_t cap = (m->n + n) * 2 + 64;
        uint8_t *b = realloc(m->b, cap);
        if (!b)
            abort();
        m->b = b;
        m->cap = cap;
    }
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static void wb_byte(struct wb_buf *m, uint8_t v) { wb_put(m, &v, 1); }

static void wb_uleb(struct wb_buf *m, uint32_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        wb_byte(m, b | (v ? 0x80 : 0));
    } while (v);
}

static void wb_name(struct wb_buf *m, const char *s)
{
    wb_uleb(m, (uint32_t)strlen(s));
    wb_put(m, s, strlen(s));
}

/* wb_section - append section id with the content of c. */
static void wb_section(struct wb_buf *m, uint8_t id, const struct wb_buf *c)
{
    wb_byte(m, id);
    wb_uleb(m, (uint32_t)c->n);
    wb_put(m, c->b, c->n);
}

/* wb_type - a function type from its bytes after 0x60; returns its index. */
static uint32_t wb_type(const char *sig, size_t n)
{
    wb.types[wb.ntypes].n = 0;
    wb_put(&wb.types[wb.ntypes], sig, n);
    return (uint32_t)wb.ntypes++;
}

/* wb_func - a function of type t; returns its index. */
static uint32_t wb_func(uint32_t t)
{
    wb.ftype[wb.nfuncs] = t;
    return (uint32_t)wb.nfuncs++;
}

static void wb_export(const char *name, uint8_t kind, uint32_t idx)
{
    snprintf(wb.ex[wb.nex].name, sizeof wb.ex[0].name, "%s", name);
    wb.ex[wb.nex].kind = kind;
    wb.ex[wb.nex++].idx = idx;
}

/* wb_unexport - drop the export called name. */
static void wb_unexport(const char *name)
{
    for (int i = 0; i < wb.nex; i++)
        if (strcmp(wb.ex[i].name, name) == 0) {
            memmove(&wb.ex[i], &wb.ex[i + 1], (size_t)(wb.nex - i - 1) * sizeof wb.ex[0]);
            wb.nex--;
            return;
        }
}

/* wb_raw - section id written from the returned buffer (emptied) instead. */
static struct wb_buf *wb_raw(int id)
{
    wb.raw[id] = 1;
    wb.sec[id].n = 0;
    return &wb.sec[id];
}

static void wb_reset(void)
{
    for (int i = 0; i < WB_NSEC; i++)
        wb.raw[i] = 0, wb.custom_after[i] = 0;
    wb.custom_after[WB_NSEC] = 0;
    wb.ntypes = wb.nfuncs = wb.nex = 0;
    wb_type("\x00\x01\x7f", 3);
    wb_type("\x01\x7f\x01\x7f", 4);
    wb_type("\x08\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x01\x7f", 11);
    static const uint32_t ft[5] = {0, 0, 1, 1, 2};
    static const char *const names[5] = {"tsf_abi_version", "tsf_describe", "tsf_halo",
                                         "tsf_alloc", "tsf_process"};
    wb_export("memory", 2, 0);
    for (int i = 0; i < 5; i++)
        wb_export(names[i], 0, wb_func(ft[i]));
    wb_put(wb_raw(5), "\x01\x00\x01", 3);
}

/* wb_emit - the module, sections in the order the format requires. */
static void wb_emit(void)
{
    static const int order[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11};
    struct wb_buf *c = &wb.tmp;
    wb.mod.n = 0;
    wb_put(&wb.mod, "\0asm\1\0\0\0", 8);
    if (wb.custom_after[WB_NSEC]) {
        c->n = 0;
        wb_name(c, "first");
        wb_section(&wb.mod, 0, c);
    }
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        int id = order[k];
        c->n = 0;
        if (wb.raw[id]) {
            wb_section(&wb.mod, (uint8_t)id, &wb.sec[id]);
        } else if (id == 1) {
            wb_uleb(c, (uint32_t)wb.ntypes);
            for (int i = 0; i < wb.ntypes; i++) {
                wb_byte(c, 0x60);
                wb_put(c, wb.types[i].b, wb.types[i].n);
            }
            wb_section(&wb.mod, 1, c);
        } else if (id == 3 || id == 10) {
            wb_uleb(c, (uint32_t)wb.nfuncs);
            for (int i = 0; i < wb.nfuncs; i++) {
                if (id == 3)
                    wb_uleb(c, wb.ftype[i]);
                else
                    wb_put(c, "\x02\x00\x0b", 3);
            }
            wb_section(&wb.mod, (uint8_t)id, c);
        } else if (id == 7) {
            wb_uleb(c, (uint32_t)wb.nex);
            for (int i = 0; i < wb.nex; i++) {
                wb_name(c, wb.ex[i].name);
                wb_byte(c, wb.ex[i].kind);
                wb_uleb(c, wb.ex[i].idx);
            }
            wb_section(&wb.mod, 7, c);
        }
        if (wb.custom_after[id]) {
            c->n = 0;
            wb_name(c, "between");
            wb_put(c, "\x01\x02\x03", 3);
            wb_section(&wb.mod, 0, c);
        }
    }
}

/* wb_free - release every buffer (the tests run under LeakSanitizer). */
static void wb_free(void)
{
    for (int i = 0; i < WB_NSEC; i++)
        free(wb.sec[i].b);
    for (int i = 0; i < WB_MAXTYPES; i++)
        free(wb.types[i].b);
    free(wb.mod.b);
    free(wb.tmp.b);
    memset(&wb, 0, sizeof wb);
}

/* The checker's verdict on the last module checked. */
static char err[ERR_MAX];
static struct wasm_facts facts;

/* check - wb_emit() and check the module; returns wasm_check_module's result. */
static int check(void)
{
    wb_emit();
    err[0] = '\0';
    memset(&facts, 0, sizeof facts);
    return wasm_check_module(wb.mod.b, wb.mod.n, "m.wasm", &facts, err);
}

/* has - 1 if the last message holds s. */
static int has(const char *s) { return strstr(err, s) != NULL; }

/* refused - CHECK that check() refuses with a message holding want. */
static void refused(const char *name, const char *want)
{
    int rc = check();
    CHECK(rc == -1 && has(want) && has("m.wasm"), name, "rc %d, want '%s', err '%s'", rc, want,
          err);
}

#endif
