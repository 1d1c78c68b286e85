/*
 * test_wasm_check.c - unit tests for the structural check of filter
 * modules (wasm_check.h): the binary format read strictly, and the limits.
 *
 * A minimal valid module (made with wat2wasm from the text in the comment
 * below, embedded as bytes) and the one wasm_build.h assembles must pass;
 * modules changed byte by byte must be refused for each thing the
 * checker reads: magic and version, section headers, order and sizes,
 * LEB128 encodings, names, each section's content, imports, and every
 * limit of wasm_check.h.  test_wasm_abi.c tests the exports and files.
 */
#include "wasm_check.h"
#include "err.h"
#include "check.h"
#include "wasm_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * (module
 *   (memory (export "memory") 1)
 *   (func (export "tsf_abi_version") (result i32) (i32.const 1))
 *   (func (export "tsf_describe") (result i32) (i32.const 0))
 *   (func (export "tsf_halo") (param i32) (result i32) (i32.const 0))
 *   (func (export "tsf_alloc") (param i32) (result i32) (i32.const 0))
 *   (func (export "tsf_process") (param i32 i32 i32 i32 i32 i32 i32 i32)
 *         (result i32) (i32.const 0)))
 */
static const uint8_t min_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x16, 0x03, 0x60, 0x00, 0x01,
    0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x08, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
    0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x06, 0x05, 0x00, 0x00, 0x01, 0x01, 0x02, 0x05, 0x03,
    0x01, 0x00, 0x01, 0x07, 0x50, 0x06, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
    0x00, 0x0f, 0x74, 0x73, 0x66, 0x5f, 0x61, 0x62, 0x69, 0x5f, 0x76, 0x65, 0x72, 0x73,
    0x69, 0x6f, 0x6e, 0x00, 0x00, 0x0c, 0x74, 0x73, 0x66, 0x5f, 0x64, 0x65, 0x73, 0x63,
    0x72, 0x69, 0x62, 0x65, 0x00, 0x01, 0x08, 0x74, 0x73, 0x66, 0x5f, 0x68, 0x61, 0x6c,
    0x6f, 0x00, 0x02, 0x09, 0x74, 0x73, 0x66, 0x5f, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00,
    0x03, 0x0b, 0x74, 0x73, 0x66, 0x5f, 0x70, 0x72, 0x6f, 0x63, 0x65, 0x73, 0x73, 0x00,
    0x04, 0x0a, 0x1a, 0x05, 0x04, 0x00, 0x41, 0x01, 0x0b, 0x04, 0x00, 0x41, 0x00, 0x0b,
    0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x00,
    0x0b,
};

static void test_valid(void)
{
    int rc = wasm_check_module(min_wasm, sizeof min_wasm, "min.wasm", &facts, err);
    CHECK(rc == 0 && facts.mem_initial == 1 && !facts.mem_has_max &&
              facts.mem_max == WASM_CHECK_MAX_PAGES && facts.nfuncs == 5 && facts.ntables == 0,
          "minimal valid module (wat2wasm), and its facts", "rc %d err '%s'", rc, err);

    wb_reset();
    CHECK(check() == 0, "assembled ABI module", "err '%s'", err);

    wb_reset();
    for (int i = 0; i <= WB_NSEC; i++)
        wb.custom_after[i] = 1;
    wb_put(wb_raw(2), "\x00", 1);
    CHECK(check() == 0, "custom sections anywhere, an empty import section", "err '%s'", err);

    /* a 5-byte LEB128 is a valid u32 encoding, for sizes and counts */
    wb_reset();
    wb_put(wb_raw(5), "\x81\x80\x80\x80\x00\x00\x01", 7);
    CHECK(check() == 0, "padded LEB128 count", "err '%s'", err);
    wb_emit();
    wb_put(&wb.mod, "\x00\x84\x80\x80\x80\x00\x01x\x00\x00", 10);
    rc = wasm_check_buffer(wb.mod.b, wb.mod.n, "m.wasm", err);
    CHECK(rc == 0, "padded LEB128 section size", "err '%s'", err);

    /* everything else a C filter may have: a table with elements, a
     * mutable global, extra exports, passive and active data, a data
     * count, a start function */
    wb_reset();
    uint32_t v = wb_type("\x00\x00", 2), start = wb_func(v);
    wb_put(wb_raw(4), "\x01\x70\x01\x02\x02", 5);
    wb_put(wb_raw(6), "\x02\x7f\x01\x41\x80\x80\x04\x0b\x7e\x00\x42\x7f\x0b", 13);
    wb_export("__indirect_function_table", 1, 0);
    wb_export("__stack_pointer", 3, 0);
    wb_export("helper", 0, start);
    struct wb_buf *s = wb_raw(8);
    wb_uleb(s, start);
    wb_put(wb_raw(9), "\x02\x00\x41\x01\x0b\x01\x00\x05\x70\x01\xd2\x01\x0b", 13);
    wb_put(wb_raw(12), "\x02", 1);
    wb_put(wb_raw(11), "\x02\x00\x41\x10\x0b\x03" "abc\x01\x02" "xy", 13);
    rc = check();
    CHECK(rc == 0 && facts.ntables == 1 && facts.table_initial == 2 && facts.table_max == 2 &&
              facts.data_bytes == 5 && facts.nfuncs == 6,
          "table, elements, globals, extra exports, data, data count, start", "err '%s'", err);
}

static void test_header(void)
{
    uint8_t b[sizeof min_wasm];
    static const struct { size_t at; uint8_t v; const char *name; } bad[] = {
        {3, 'n', "bad magic"}, {4, 2, "bad version"}, {7, 1, "version 0x01000001"},
    };
    int rc = wasm_check_buffer(min_wasm, 0, "m.wasm", err);
    CHECK(rc == -1 && has("m.wasm") && has("not a WebAssembly module"), "empty buffer",
          "rc %d err '%s'", rc, err);
    rc = wasm_check_buffer(min_wasm, 7, "m.wasm", err);
    CHECK(rc == -1 && has("not a WebAssembly module"), "7 bytes", "rc %d err '%s'", rc, err);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(b, min_wasm, sizeof b);
        b[bad[i].at] = bad[i].v;
        rc = wasm_check_buffer(b, sizeof b, "m.wasm", err);
        CHECK(rc == -1 && has("not a WebAssembly module"), bad[i].name, "rc %d err '%s'", rc,
              err);
    }
    rc = wasm_check_buffer(min_wasm, 8, "m.wasm", err);
    CHECK(rc == -1 && has("missing export 'memory'"), "header only: no exports",
          "rc %d err '%s'", rc, err);
}

/* tail - the valid module followed by n raw bytes; checked. */
static int tail(const char *bytes, size_t n)
{
    wb_reset();
    wb_emit();
    wb_put(&wb.mod, bytes, n);
    return wasm_check_buffer(wb.mod.b, wb.mod.n, "m.wasm", err);
}

static void test_sections(void)
{
    int rc;
    static const struct { const char *b; size_t n; const char *name; } hdr[] = {
        {"\x01", 1, "section id without a size"},
        {"\x00\x80\x80", 3, "section size cut short"},
        {"\x00\x05\x00\x00", 4, "section size past the end"},
        {"\x00\x80\x80\x80\x80\x80\x00", 7, "section size LEB128 of six bytes"},
        {"\x00\xff\xff\xff\xff\x0f", 6, "section size 2^32-1"},
        {"\x00\x80\x80\x80\x80\x10", 6, "LEB128 with bits beyond 32"},
    };
    for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++) {
        rc = tail(hdr[i].b, hdr[i].n);
        CHECK(rc == -1 && has("malformed section header"), hdr[i].name, "rc %d err '%s'", rc,
              err);
    }
    rc = tail("\x0d\x00", 2);
    CHECK(rc == -1 && has("unknown section id 13"), "unknown section id", "rc %d err '%s'", rc,
          err);
    rc = tail("\x05\x03\x01\x00\x01", 5);
    CHECK(rc == -1 && has("memory section") && has("out of order"), "repeated section",
          "rc %d err '%s'", rc, err);
    rc = tail("\x01\x01\x00", 3);
    CHECK(rc == -1 && has("type section") && has("out of order"), "section out of order",
          "rc %d err '%s'", rc, err);
    rc = tail("\x00\x02\x05x", 4);
    CHECK(rc == -1 && has("malformed custom section"), "custom section name past its end",
          "rc %d err '%s'", rc, err);
    rc = tail("\x00\x03\x02\xc0\xaf", 5);
    CHECK(rc == -1 && has("malformed custom section"), "custom name: overlong UTF-8",
          "rc %d err '%s'", rc, err);

    wb_reset();
    wb_put(wb_raw(5), "\x01\x00\x01\x00", 4);
    refused("bytes left over at a section's end", "left over");
    wb_reset();
    wb_put(wb_raw(5), "\x01\x00", 2);
    refused("section content cut short", "malformed memory section");

    /* every cut of a valid module is refused and none is read past its end */
    int bad = 0;
    size_t first_bad = 0;
    for (size_t n = 8; n < sizeof min_wasm; n++) {
        uint8_t *copy = malloc(n);   /* exact size: ASan catches over-reads */
        memcpy(copy, min_wasm, n);
        if (wasm_check_buffer(copy, n, "m.wasm", err) == 0 && bad++ == 0)
            first_bad = n;
        free(copy);
    }
    CHECK(bad == 0, "every truncation of a valid module", "%d accepted, first at length %zu",
          bad, first_bad);
}

/* bodies - a code section of the 5 ABI functions whose last body is b. */
static void bodies(const struct wb_buf *b)
{
    struct wb_buf *s = wb_raw(10);
    wb_uleb(s, 5);
    for (int i = 0; i < 4; i++)
        wb_put(s, "\x02\x00\x0b", 3);
    wb_uleb(s, (uint32_t)b->n);
    wb_put(s, b->b, b->n);
}

static void test_types_funcs(void)
{
    wb_reset();
    wb_type("\x01\x40\x00", 3);
    refused("0x40 is not a value type", "not a value type");
    wb_reset();
    wb_type("\x01\x7b\x00", 3);
    refused("v128 (SIMD) is refused", "SIMD");
    wb_reset();
    wb_put(wb_raw(1), "\x01\x5f\x00\x00", 4);
    refused("type that is not a function type", "not a function type");
    wb_reset();
    wb_type("\x81\x02", 2);     /* 257 parameters */
    refused("parameters over the limit", "parameter count 257 exceeds the limit");
    wb_reset();
    wb_type("\x00\x11", 2);     /* 17 results */
    refused("results over the limit", "result count 17");
    wb_reset();
    wb_func(99);
    refused("function of a type that does not exist", "no valid type index");
    wb_reset();
    wb_put(wb_raw(3), "\x05\x00\x00\x01\x01", 5);
    refused("function count larger than the entries", "malformed function section");
    wb_reset();
    wb_put(wb_raw(10), "\x05\x02\x00\x0b\x02\x00\x0b", 7);
    refused("body count larger than the entries", "malformed code section");
    wb_reset();
    wb_put(wb_raw(10), "\x04\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b", 13);
    refused("fewer bodies than functions", "4 bodies for 5 functions");
    wb_reset();
    wb_put(wb_raw(10), "\x05\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b\x02\x00\x00", 16);
    refused("body without its end", "does not end with 'end'");
    wb_reset();
    wb_put(wb_raw(10), "\x05\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b\x09\x00\x0b", 16);
    refused("body size past the section", "size past the end");
    wb_reset();
    struct wb_buf empty = {0};
    bodies(&empty);
    refused("empty body", "body 4: bad local count");
}

static void test_limits(void)
{
    struct wb_buf b = {0};

    wb_reset();
    for (int i = 0; i < WASM_CHECK_MAX_FUNCS; i++)
        wb_func(0);
    refused("functions over the limit", "function count 4101 exceeds the limit of 4096");
    wb_reset();
    while (wb.nfuncs < 60000)
        wb_func(0);
    refused("compile bomb: 60000 functions", "function count 60000");

    wb_reset();
    wb_put(&b, "\x02\x80\x20\x7f\x01\x7e", 6);  /* 4096 i32 + 1 i64 */
    wb_byte(&b, 0x0b);
    bodies(&b);
    refused("locals over the limit", "number of locals of one function 4097");
    b.n = 0;
    wb_put(&b, "\x02\xff\xff\xff\xff\x0f\x7f\xff\xff\xff\xff\x0f\x7f\x0b", 14);
    bodies(&b);
    refused("local counts that would overflow 32 bits", "number of locals");

    b.n = 0;
    wb_byte(&b, 0);
    for (uint32_t i = 0; i < WASM_CHECK_MAX_BODY_BYTES; i++)
        wb_byte(&b, 0x01);      /* nop */
    wb_byte(&b, 0x0b);
    bodies(&b);
    refused("body over the limit", "function body size in bytes");

    wb_reset();
    b.n = 0;
    wb_byte(&b, 0);
    for (uint32_t i = 0; i < WASM_CHECK_MAX_BODY_BYTES - 2; i++)
        wb_byte(&b, 0x01);
    wb_byte(&b, 0x0b);
    struct wb_buf *s = wb_raw(10);
    while (wb.nfuncs < 8)
        wb_func(0);
    wb_uleb(s, 8);
    for (int i = 0; i < 8; i++) {
        wb_uleb(s, (uint32_t)b.n);
        wb_put(s, b.b, b.n);
    }
    refused("code over the limit", "code size in bytes");

    wb_reset();
    s = wb_raw(11);
    wb_put(s, "\x01\x01", 2);
    wb_uleb(s, WASM_CHECK_MAX_DATA_BYTES + 1);
    for (uint32_t i = 0; i <= WASM_CHECK_MAX_DATA_BYTES; i++)
        wb_byte(s, 'd');
    refused("data over the limit", "data size in bytes 1048577");
    wb_reset();
    s = wb_raw(11);
    wb_put(s, "\x02\x01", 2);
    wb_uleb(s, WASM_CHECK_MAX_DATA_BYTES);
    for (uint32_t i = 0; i < WASM_CHECK_MAX_DATA_BYTES; i++)
        wb_byte(s, 'd');
    wb_put(s, "\x01\x01" "d", 3);
    refused("data of two segments over the limit", "data size in bytes 1048577");
    wb_reset();
    wb_put(wb_raw(11), "\x81\x08", 2);
    refused("data segments over the limit", "data segment count 1025");
    wb_reset();
    wb_put(wb_raw(12), "\x81\x08", 2);
    refused("data count over the limit", "data segment count 1025");

    wb_reset();
    wb_put(wb_raw(5), "\x01\x00\x81\x80\x01", 5);
    refused("initial memory over the limit", "initial size in pages 16385");
    wb_reset();
    wb_put(wb_raw(5), "\x01\x01\x01\x81\x80\x04", 6);
    refused("maximum memory over 4 GiB", "maximum size in pages 65537");
    wb_reset();
    wb_put(wb_raw(5), "\x02\x00\x01\x00\x01", 5);
    refused("two memories", "memory count 2 exceeds the limit of 1");
    wb_reset();
    wb_put(wb_raw(4), "\x01\x70\x00\x81\x80\x04", 6);
    refused("table over the limit", "table's initial element count 65537");
    wb_reset();
    wb_put(wb_raw(4), "\x01\x70\x01\x00\x81\x80\x04", 7);
    refused("table maximum over the limit", "table's maximum element count 65537");
    wb_reset();
    wb_put(wb_raw(4), "\x05\x70\x00\x00\x70\x00\x00\x70\x00\x00\x70\x00\x00\x70\x00\x00", 16);
    refused("tables over the limit", "table count 5");
    wb_reset();
    wb_put(wb_raw(6), "\x81\x08", 2);
    refused("globals over the limit", "global count 1025");
    wb_reset();
    wb_put(wb_raw(9), "\x01\x01\x00\x81\x80\x04", 6);
    refused("elements over the limit", "element count 65537");
    wb_reset();
    wb_put(wb_raw(1), "\x81\x08", 2);
    refused("types over the limit", "function type count 1025");
    free(b.b);
}

/* global - a global section of one global: type, mutability, init bytes. */
static void global(const char *bytes, size_t n)
{
    struct wb_buf *s = wb_raw(6);
    wb_byte(s, 1);
    wb_put(s, bytes, n);
}

static void test_content(void)
{
    static const struct { const char *b; size_t n; int ok; const char *name; } g[] = {
        {"\x7f\x00\x41\xff\xff\xff\xff\x07\x0b", 9, 1, "i32.const 2^31-1 in five bytes"},
        {"\x7f\x00\x41\x80\x80\x80\x80\x78\x0b", 9, 1, "i32.const -2^31 in five bytes"},
        {"\x7f\x00\x41\x80\x80\x80\x80\x08\x0b", 9, 0, "i32.const: fifth byte beyond 32 bits"},
        {"\x7f\x00\x41\x80\x80\x80\x80\x80\x00\x0b", 10, 0, "i32.const in six bytes"},
        {"\x7e\x00\x42\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x0b", 14, 1, "i64.const 2^63-1"},
        {"\x7e\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f\x0b", 14, 1, "i64.const -2^63"},
        {"\x7e\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01\x0b", 14, 0,
         "i64.const: tenth byte beyond 64 bits"},
        {"\x7d\x00\x43\x00\x00\x80\x3f\x0b", 8, 1, "f32.const"},
        {"\x7c\x01\x44\x00\x00\x00\x00\x00\x00\xf0\x3f\x0b", 12, 1, "mutable f64.const"},
        {"\x7c\x01\x44\x00\x00\x0b", 6, 0, "f64.const cut short"},
        {"\x7f\x00\x42\x00\x0b", 5, 0, "i64.const for an i32 global"},
        {"\x7f\x00\x23\x00\x0b", 5, 0, "global.get (no imported globals)"},
        {"\x7f\x00\x41\x00\x41\x00\x0b", 7, 0, "two instructions"},
        {"\x7f\x00\x41\x00", 4, 0, "no end"},
        {"\x7f\x02\x41\x00\x0b", 5, 0, "mutability 2"},
        {"\x70\x00\xd0\x70\x0b", 5, 1, "ref.null funcref"},
        {"\x70\x00\xd2\x04\x0b", 5, 1, "ref.func of an existing function"},
        {"\x70\x00\xd2\x05\x0b", 5, 0, "ref.func of a missing function"},
        {"\x6f\x00\xd0\x70\x0b", 5, 0, "ref.null funcref for an externref global"},
    };
    char name[120];
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
        wb_reset();
        global(g[i].b, g[i].n);
        int rc = check();
        snprintf(name, sizeof name, "global: %s %s", g[i].name, g[i].ok ? "accepted" : "refused");
        CHECK(g[i].ok ? rc == 0 : rc == -1 && has("malformed global section"), name,
              "rc %d err '%s'", rc, err);
    }

    static const struct { const char *b; size_t n; const char *want; const char *name; } e[] = {
        {"\x01\x08\x00", 3, "bad flags", "element flags 8"},
        {"\x01\x00\x41\x00\x0b\x01\x05", 7, "function does not exist", "element of a missing function"},
        {"\x01\x02\x01\x41\x00\x0b\x00\x00", 8, "table 1 does not exist", "element for table 1"},
        {"\x01\x01\x01\x00", 4, "bad type", "element kind 1"},
        {"\x01\x05\x6f\x01\xd2\x00\x0b", 7, "constant of type funcref", "ref.func in an externref segment"},
        {"\x01\x00\x42\x00\x0b\x00", 6, "constant of type i64", "i64 offset"},
        {"\x01\x06\x00\x41\x00\x0b\x6f\x00", 8, "differs from the table", "externref segment, funcref table"},
    };
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
        wb_reset();
        wb_put(wb_raw(4), "\x01\x70\x00\x01", 4);
        wb_put(wb_raw(9), e[i].b, e[i].n);
        snprintf(name, sizeof name, "elements: %s", e[i].name);
        refused(name, e[i].want);
    }

    static const struct { const char *b; size_t n; const char *want; const char *name; } d[] = {
        {"\x01\x03\x00", 3, "bad flags", "data flags 3"},
        {"\x01\x02\x01\x41\x00\x0b\x00", 7, "memory 1 does not exist", "data for memory 1"},
        {"\x01\x00\x41\x00\x0b\x05xy", 8, "size past the end", "data past the section"},
        {"\x02\x01\x00", 3, "malformed data section", "data count larger than the entries"},
        {"\x01\x00\x42\x00\x0b\x00", 6, "constant of type i64", "i64 offset for a 32-bit memory"},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        wb_reset();
        wb_put(wb_raw(11), d[i].b, d[i].n);
        snprintf(name, sizeof name, "data: %s", d[i].name);
        refused(name, d[i].want);
    }
    wb_reset();
    wb.raw[5] = 0;
    wb_unexport("memory");
    wb_put(wb_raw(11), "\x01\x00\x41\x00\x0b\x00", 6);
    refused("active data without a memory", "memory 0 does not exist");
    wb_reset();
    wb_put(wb_raw(12), "\x02", 1);
    wb_put(wb_raw(11), "\x01\x01\x00", 3);
    refused("data count differs from the data section", "data count section says 2");
    wb_reset();
    wb_put(wb_raw(12), "\x01", 1);
    refused("data count without a data section", "data count section says 1");

    wb_reset();
    wb_put(wb_raw(5), "\x01\x01\x02\x01", 4);
    refused("memory maximum below its initial size", "above the maximum");
    wb_reset();
    wb_put(wb_raw(5), "\x01\x08\x01", 3);
    refused("memory limits flags 8", "bad limits flags");
    wb_reset();
    wb_put(wb_raw(4), "\x01\x70\x02\x01\x01", 5);
    refused("shared table", "bad limits flags");
    wb_reset();
    wb_put(wb_raw(4), "\x01\x7f\x00\x01", 4);
    refused("table of i32", "no reference type");

    wb_reset();
    struct wb_buf *s = wb_raw(8);
    wb_byte(s, 2);      /* tsf_halo: (i32) -> i32 */
    refused("start function that takes a value", "start function takes or returns");
    wb_reset();
    wb_byte(wb_raw(8), 9);
    refused("start function that does not exist", "start function does not exist");
}

static void test_imports(void)
{
    static const char *const kinds[] = {"function", "table", "memory", "global"};
    static const char *const desc[] = {"\x00\x00", "\x70\x00\x01", "\x00\x01", "\x7f\x00"};
    static const size_t dlen[] = {2, 3, 2, 2};
    char name[80], want[80];
    for (int k = 0; k < 4; k++) {
        wb_reset();
        struct wb_buf *s = wb_raw(2);
        wb_byte(s, 1);
        wb_name(s, "env");
        wb_name(s, kinds[k]);
        wb_byte(s, (uint8_t)k);
        wb_put(s, desc[k], dlen[k]);
        snprintf(name, sizeof name, "an imported %s is refused, named", kinds[k]);
        snprintf(want, sizeof want, "imports 1 item(s) (first: env.%s, a %s)", kinds[k], kinds[k]);
        refused(name, want);
    }
    wb_reset();
    struct wb_buf *s = wb_raw(2);
    wb_byte(s, 3);
    wb_name(s, "wasi_snapshot_preview1");
    wb_name(s, "fd_write");
    wb_byte(s, 0);
    wb_byte(s, 0);
    refused("three imports, the first named", "imports 3 item(s) (first: wasi_snapshot_preview1.fd_write");

    /* count > 0 but the entries are cut short: still refused as imports */
    wb_reset();
    wb_put(wb_raw(2), "\x01\x32" "abc", 5);
    refused("truncated import entry is still an import", "imports 1 item");
    wb_reset();
    wb_raw(2);
    refused("empty import section", "malformed import section");

    /* very long names are cut in the message, which still fits */
    char longname[400];
    memset(longname, 'q', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    wb_reset();
    s = wb_raw(2);
    wb_byte(s, 1);
    wb_name(s, longname);
    wb_name(s, longname);
    wb_put(s, "\x00\x00", 2);
    int rc = check();
    CHECK(rc == -1 && has("imports 1 item") && strlen(err) < ERR_MAX - 1,
          "import with very long names", "rc %d err '%s'", rc, err);
}

int main(void)
{
    test_valid();
    test_header();
    test_sections();
    test_types_funcs();
    test_limits();
    test_content();
    test_imports();
    wb_free();
    CHECK_DONE();
}
