/*
 * wasm_check_impl.h - what the parts of the module check share: a reader
 * over hostile bytes, the state of one check, and the readers of the
 * binary format's pieces (wasm_check_read.c) and sections
 * (wasm_check_sec.c).  Only wasm_check*.c include it.
 */
#ifndef TS_WASM_CHECK_IMPL_H
#define TS_WASM_CHECK_IMPL_H

#include "wasm_check.h"

#include <stddef.h>
#include <stdint.h>

enum { SEC_CUSTOM, SEC_TYPE, SEC_IMPORT, SEC_FUNC, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
       SEC_EXPORT, SEC_START, SEC_ELEM, SEC_CODE, SEC_DATA, SEC_DATACOUNT, NSEC };
enum { T_I32 = 0x7f, T_I64 = 0x7e, T_F32 = 0x7d, T_F64 = 0x7c, T_V128 = 0x7b,
       T_FUNCREF = 0x70, T_EXTERNREF = 0x6f };
enum { K_FUNC, K_TABLE, K_MEMORY, K_GLOBAL };
enum { LIM_MAX = 1, LIM_SHARED = 2, LIM_64 = 4 };

/* bits of wc_mod.found: the ABI's exports in wasm_check_sec.c's order */
#define WC_FOUND_GLOBAL (3u << 6)       /* tsf_analyze and tsf_apply */
#define WC_FOUND_V1 (5u << 3)           /* tsf_halo and tsf_process */
#define WC_FOUND_V2 (7u << 8)           /* tsf_plan, tsf_region and tsf_run */

/* The unread rest of a piece of the module: p <= end always. */
struct wc_reader {
    const uint8_t *p, *end;
};

struct wc_functype {
    const uint8_t *params, *results;    /* value type bytes, in the module */
    uint32_t nparams, nresults;
};

struct wc_limits {
    uint64_t min, max;
    uint32_t flags;     /* LIM_* */
};

/* Everything read so far; its arrays are as big as the limits, so nothing
 * in it is ever sized by the module. */
struct wc_mod {
    const char *name;
    char *err;
    const uint8_t *base;        /* offsets in messages count from here */
    const char *where;          /* the section being read */
    uint32_t ntypes, nfuncs, ntables, nmems, nglobals, nexports, ncode, ndata;
    int have_datacount;
    uint32_t datacount, nelems, code_bytes, data_bytes;
    unsigned found;             /* bit k: ABI export k is exported */
    struct wc_limits mem;
    struct wc_limits tables[WASM_CHECK_MAX_TABLES];
    uint8_t table_type[WASM_CHECK_MAX_TABLES];
    uint8_t global_type[WASM_CHECK_MAX_GLOBALS], global_mut[WASM_CHECK_MAX_GLOBALS];
    struct wc_functype types[WASM_CHECK_MAX_TYPES];
    uint32_t func_type[WASM_CHECK_MAX_FUNCS];
    struct wc_reader export_name[WASM_CHECK_MAX_EXPORTS];
};

/* NEED - in a reader of m with reader r: unless cond, return the
 * "malformed" message of wc_bad. */
#define NEED(cond, ...)                         \
    do {                                        \
        if (!(cond))                            \
            return wc_bad(m, r, __VA_ARGS__);   \
    } while (0)

/* wc_left - bytes left in r. */
static inline size_t wc_left(const struct wc_reader *r) { return (size_t)(r->end - r->p); }

/* wc_bad - "NAME: malformed SECTION section at offset N: what"; returns -1. */
int wc_bad(struct wc_mod *m, const struct wc_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* wc_over - "NAME: what N exceeds the limit of L ..."; returns -1. */
int wc_over(struct wc_mod *m, const char *what, uint64_t n, uint64_t limit);

/* The readers below return 0, or -1 at a malformed or cut-short piece;
 * those given m fill m->err themselves, the others leave it to the caller. */
int wc_u8(struct wc_reader *r, uint8_t *out);
int wc_uleb(struct wc_reader *r, int bits, uint64_t *out);
int wc_u32(struct wc_reader *r, uint32_t *out);
int wc_sleb(struct wc_reader *r, int bits);
int wc_skip(struct wc_reader *r, size_t n);
int wc_name(struct wc_reader *r, struct wc_reader *out);
int wc_count(struct wc_mod *m, struct wc_reader *r, uint32_t *n, uint32_t limit, const char *what);
int wc_valtype(struct wc_mod *m, struct wc_reader *r, uint8_t *t);
int wc_valtypes(struct wc_mod *m, struct wc_reader *r, const uint8_t **at, uint32_t *n,
                uint32_t limit, const char *what);
int wc_const_expr(struct wc_mod *m, struct wc_reader *r, uint8_t type);
int wc_limits(struct wc_mod *m, struct wc_reader *r, uint32_t allowed, struct wc_limits *l);

/* wc_tname - "i32", "funcref", ... for a value type byte. */
const char *wc_tname(uint8_t t);
/* wc_is_reftype - 1 for funcref and externref. */
int wc_is_reftype(uint8_t t);
/* wc_shown - at most 64 bytes of r, control characters as '?', in
 * buf[65]; returns buf. */
char *wc_shown(const struct wc_reader *r, char *buf);
/* wc_first_import - "module.field, a kind" of the import section's first
 * entry (the section's content in r), "?" if it cannot be read. */
void wc_first_import(struct wc_reader r, char *buf, size_t n);

/* wc_read_section - the content of section `id` (not custom), all of r;
 * returns 0 or -1. */
int wc_read_section(struct wc_mod *m, uint8_t id, struct wc_reader *r);
/* wc_finish - what can only be checked once every section is read;
 * returns 0 or -1. */
int wc_finish(struct wc_mod *m);

#endif
