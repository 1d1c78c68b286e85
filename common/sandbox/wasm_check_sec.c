/*
 * wasm_check_sec.c - the sections of a filter module, one reader each
 * (wasm_check_impl.h), and the ABI exports: each export named like one
 * must have the kind and type filters/ABI.md gives it, and the module
 * must export the functions of ABI v1 or of ABI v2 (or both).
 */
#include "wasm_check_impl.h"
#include "err.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* The ABI exports: all functions take and return i32 but `memory`.  The
 * order is that of wc_mod.found's bits (WC_FOUND_*).  `required` ones
 * every module needs; of the others a module needs all of WC_FOUND_V1 or
 * all of WC_FOUND_V2; `abi` is the version named in messages. */
static const struct abi_export {
    const char *name;
    uint32_t nparams;
    int required;
    int abi;
} abi[] = {
    {"memory", 0, 1, 1}, {"tsf_abi_version", 0, 1, 1}, {"tsf_describe", 0, 1, 1},
    {"tsf_halo", 1, 0, 1}, {"tsf_alloc", 1, 1, 1}, {"tsf_process", 8, 0, 1},
    {"tsf_analyze", 7, 0, 1}, {"tsf_apply", 10, 0, 1},
    {"tsf_plan", 1, 0, 2}, {"tsf_region", 1, 0, 2}, {"tsf_run", 1, 0, 2},
};
#define NABI (sizeof abi / sizeof abi[0])

/* fmt_types - "i32 x8", "i64, f32" (runs of one type counted) into buf. */
static void fmt_types(char *buf, size_t n, const uint8_t *t, uint32_t count)
{
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t i = 0, run; i < count && len < n; i += run) {
        for (run = 1; i + run < count && t[i + run] == t[i]; run++)
            ;
        if (run > 1)
            len += (size_t)snprintf(buf + len, n - len, "%s%s x%u", i ? ", " : "", wc_tname(t[i]), run);
        else
            len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", wc_tname(t[i]));
    }
}

/* describe - what export index `idx` of `kind` is, for messages. */
static void describe(const struct wc_mod *m, uint8_t kind, uint32_t idx, char *buf, size_t n)
{
    char params[80], results[80];
    if (kind == K_FUNC) {
        const struct wc_functype *t = &m->types[m->func_type[idx]];
        fmt_types(params, sizeof params, t->params, t->nparams);
        fmt_types(results, sizeof results, t->results, t->nresults);
        snprintf(buf, n, t->nresults == 1 ? "a function (%s) -> %s" : "a function (%s) -> (%s)",
                 params, results);
    } else if (kind == K_TABLE) {
        snprintf(buf, n, "a table of %s", wc_tname(m->table_type[idx]));
    } else if (kind == K_MEMORY) {
        snprintf(buf, n, "a %smemory", m->mem.flags & LIM_64 ? "64-bit "
                                        : m->mem.flags & LIM_SHARED ? "shared " : "");
    } else {
        snprintf(buf, n, "a %sglobal of type %s", m->global_mut[idx] ? "mutable " : "",
                 wc_tname(m->global_type[idx]));
    }
}

/* abi_check - export `k` of the ABI has the kind and type it must have;
 * returns 0 or -1 naming the export, what it is and what it must be. */
static int abi_check(struct wc_mod *m, size_t k, uint8_t kind, uint32_t idx)
{
    char is[200];
    if (k == 0 && kind == K_MEMORY && !(m->mem.flags & (LIM_64 | LIM_SHARED)))
        return 0;
    if (k > 0 && kind == K_FUNC) {
        const struct wc_functype *t = &m->types[m->func_type[idx]];
        int ok = t->nparams == abi[k].nparams && t->nresults == 1 && t->results[0] == T_I32;
        for (uint32_t i = 0; ok && i < t->nparams; i++)
            ok = t->params[i] == T_I32;
        if (ok)
            return 0;
    }
    describe(m, kind, idx, is, sizeof is);
    if (k == 0)
        return errf(m->err, "%s: export 'memory' is %s; it must be the module's one 32-bit, "
                    "unshared memory (filter ABI v1)", m->name, is);
    if (abi[k].nparams > 1)
        return errf(m->err, "%s: export '%s' is %s; it must be a function (i32 x%u) -> i32 "
                    "(filter ABI v%d)", m->name, abi[k].name, is, abi[k].nparams, abi[k].abi);
    return errf(m->err, "%s: export '%s' is %s; it must be a function (%s) -> i32 "
                "(filter ABI v%d)", m->name, abi[k].name, is, abi[k].nparams ? "i32" : "",
                abi[k].abi);
}

/* sec_type - function types, each kept as pointers into the module; 0 or -1. */
static int sec_type(struct wc_mod *m, struct wc_reader *r)
{
    if (wc_count(m, r, &m->ntypes, WASM_CHECK_MAX_TYPES, "function type count") < 0)
        return -1;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        struct wc_functype *t = &m->types[i];
        uint8_t form;
        NEED(wc_u8(r, &form) == 0 && form == 0x60, "type %u is not a function type", i);
        if (wc_valtypes(m, r, &t->params, &t->nparams, WASM_CHECK_MAX_PARAMS, "parameter count") < 0 ||
            wc_valtypes(m, r, &t->results, &t->nresults, WASM_CHECK_MAX_RESULTS, "result count") < 0)
            return -1;
    }
    return 0;
}

/* sec_import - an import is refused, named; an empty import section is fine. */
static int sec_import(struct wc_mod *m, struct wc_reader *r)
{
    struct wc_reader whole = *r;
    uint32_t n;
    char what[160];
    if (wc_u32(r, &n) < 0)
        return errf(m->err, "%s: malformed import section", m->name);
    if (n > 0) {
        wc_first_import(whole, what, sizeof what);
        return errf(m->err, "%s: module imports %u item(s) (first: %s); "
                    "filters may import nothing", m->name, n, what);
    }
    return 0;
}

/* sec_func - each function's type index, which must exist; 0 or -1. */
static int sec_func(struct wc_mod *m, struct wc_reader *r)
{
    if (wc_count(m, r, &m->nfuncs, WASM_CHECK_MAX_FUNCS, "function count") < 0)
        return -1;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        NEED(wc_u32(r, &m->func_type[i]) == 0 && m->func_type[i] < m->ntypes,
             "function %u has no valid type index", i);
    return 0;
}

/* sec_table - tables: a reference type and limits within bounds; 0 or -1. */
static int sec_table(struct wc_mod *m, struct wc_reader *r)
{
    if (wc_count(m, r, &m->ntables, WASM_CHECK_MAX_TABLES, "table count") < 0)
        return -1;
    for (uint32_t i = 0; i < m->ntables; i++) {
        struct wc_limits *l = &m->tables[i];
        NEED(wc_u8(r, &m->table_type[i]) == 0 && wc_is_reftype(m->table_type[i]),
             "table %u has no reference type", i);
        if (wc_limits(m, r, LIM_MAX, l) < 0)
            return -1;
        if (l->min > WASM_CHECK_MAX_TABLE_ELEMS)
            return wc_over(m, "table's initial element count", l->min, WASM_CHECK_MAX_TABLE_ELEMS);
        if (l->max > WASM_CHECK_MAX_TABLE_ELEMS)
            return wc_over(m, "table's maximum element count", l->max, WASM_CHECK_MAX_TABLE_ELEMS);
    }
    return 0;
}

/* sec_memory - at most one memory, its limits within bounds; 64-bit and
 * shared ones are refused by the check of the `memory` export.  0 or -1. */
static int sec_memory(struct wc_mod *m, struct wc_reader *r)
{
    if (wc_count(m, r, &m->nmems, 1, "memory count") < 0)
        return -1;
    if (m->nmems == 0)
        return 0;
    if (wc_limits(m, r, LIM_MAX | LIM_SHARED | LIM_64, &m->mem) < 0)
        return -1;
    if (m->mem.min > WASM_CHECK_MAX_INIT_PAGES)
        return wc_over(m, "memory's initial size in pages", m->mem.min, WASM_CHECK_MAX_INIT_PAGES);
    if (m->mem.max > WASM_CHECK_MAX_PAGES)
        return wc_over(m, "memory's maximum size in pages", m->mem.max, WASM_CHECK_MAX_PAGES);
    return 0;
}

/* sec_global - globals: type, mutability, a constant of that type; 0 or -1. */
static int sec_global(struct wc_mod *m, struct wc_reader *r)
{
    if (wc_count(m, r, &m->nglobals, WASM_CHECK_MAX_GLOBALS, "global count") < 0)
        return -1;
    for (uint32_t i = 0; i < m->nglobals; i++) {
        if (wc_valtype(m, r, &m->global_type[i]) < 0)
            return -1;
        NEED(wc_u8(r, &m->global_mut[i]) == 0 && m->global_mut[i] <= 1, "global %u: bad mutability", i);
        if (wc_const_expr(m, r, m->global_type[i]) < 0)
            return -1;
    }
    return 0;
}

/* sec_export - exports: unique UTF-8 names, indices in range, and the ABI
 * ones of the right kind and type; returns 0 or -1. */
static int sec_export(struct wc_mod *m, struct wc_reader *r)
{
    const uint32_t space[4] = {m->nfuncs, m->ntables, m->nmems, m->nglobals};
    char shown[65];
    if (wc_count(m, r, &m->nexports, WASM_CHECK_MAX_EXPORTS, "export count") < 0)
        return -1;
    for (uint32_t i = 0; i < m->nexports; i++) {
        struct wc_reader *s = &m->export_name[i];
        uint8_t kind;
        uint32_t idx;
        NEED(wc_name(r, s) == 0, "export %u: bad name", i);
        NEED(wc_u8(r, &kind) == 0 && kind < 4, "export %u: bad kind", i);
        NEED(wc_u32(r, &idx) == 0 && idx < space[kind], "export %u: index out of range", i);
        for (uint32_t j = 0; j < i; j++)
            NEED(wc_left(s) != wc_left(&m->export_name[j]) ||
                     memcmp(s->p, m->export_name[j].p, wc_left(s)) != 0,
                 "export name '%s' repeated", wc_shown(s, shown));
        for (size_t k = 0; k < NABI; k++) {
            if (strlen(abi[k].name) != wc_left(s) || memcmp(s->p, abi[k].name, wc_left(s)) != 0)
                continue;
            if (abi_check(m, k, kind, idx) < 0)
                return -1;
            m->found |= 1u << k;
        }
    }
    return 0;
}

/* sec_start - a start function that exists and is () -> (); 0 or -1. */
static int sec_start(struct wc_mod *m, struct wc_reader *r)
{
    uint32_t f;
    NEED(wc_u32(r, &f) == 0 && f < m->nfuncs, "start function does not exist");
    const struct wc_functype *t = &m->types[m->func_type[f]];
    NEED(t->nparams == 0 && t->nresults == 0, "start function takes or returns values");
    return 0;
}

/* elem_segment - element segment i in any of its eight forms; 0 or -1. */
static int elem_segment(struct wc_mod *m, struct wc_reader *r, uint32_t i)
{
    uint32_t flags, table = 0, n, f;
    uint8_t type = T_FUNCREF;
    NEED(wc_u32(r, &flags) == 0 && flags <= 7, "segment %u: bad flags", i);
    if ((flags & 3) == 2)
        NEED(wc_u32(r, &table) == 0, "segment %u: bad table index", i);
    if (!(flags & 1)) {         /* active: a table and an offset */
        NEED(table < m->ntables, "segment %u: table %u does not exist", i, table);
        if (wc_const_expr(m, r, T_I32) < 0)
            return -1;
    }
    if (flags & 3) {            /* an element kind (0: funcref) or a reference type */
        uint8_t t;
        NEED(wc_u8(r, &t) == 0 && (flags & 4 ? wc_is_reftype(t) : t == 0), "segment %u: bad type", i);
        type = flags & 4 ? t : T_FUNCREF;
    }
    NEED(flags & 1 || m->table_type[table] == type, "segment %u: type differs from the table's", i);
    NEED(wc_u32(r, &n) == 0, "segment %u: bad element count", i);
    if (n > WASM_CHECK_MAX_ELEMS - m->nelems)
        return wc_over(m, "element count", (uint64_t)m->nelems + n, WASM_CHECK_MAX_ELEMS);
    m->nelems += n;
    for (uint32_t k = 0; k < n; k++) {
        if (flags & 4) {
            if (wc_const_expr(m, r, type) < 0)
                return -1;
        } else {
            NEED(wc_u32(r, &f) == 0 && f < m->nfuncs, "segment %u: function does not exist", i);
        }
    }
    return 0;
}

/* sec_elem - element segments, their elements counted to a limit; 0 or -1. */
static int sec_elem(struct wc_mod *m, struct wc_reader *r)
{
    uint32_t n;
    if (wc_count(m, r, &n, WASM_CHECK_MAX_ELEM_SEGS, "element segment count") < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (elem_segment(m, r, i) < 0)
            return -1;
    return 0;
}

/* sec_datacount - the data segment count, compared at the end; 0 or -1. */
static int sec_datacount(struct wc_mod *m, struct wc_reader *r)
{
    NEED(wc_u32(r, &m->datacount) == 0, "bad count");
    if (m->datacount > WASM_CHECK_MAX_DATA_SEGS)
        return wc_over(m, "data segment count", m->datacount, WASM_CHECK_MAX_DATA_SEGS);
    m->have_datacount = 1;
    return 0;
}

/* code_body - a body's size, locals and final `end`; returns 0 or -1. */
static int code_body(struct wc_mod *m, struct wc_reader *r, uint32_t i)
{
    uint32_t size, ndecl, n;
    uint64_t nlocals = 0;
    uint8_t t;
    NEED(wc_u32(r, &size) == 0 && size <= wc_left(r), "body %u: size past the end", i);
    if (size > WASM_CHECK_MAX_BODY_BYTES)
        return wc_over(m, "function body size in bytes", size, WASM_CHECK_MAX_BODY_BYTES);
    if (size > WASM_CHECK_MAX_CODE_BYTES - m->code_bytes)
        return wc_over(m, "code size in bytes", (uint64_t)m->code_bytes + size,
                    WASM_CHECK_MAX_CODE_BYTES);
    m->code_bytes += size;
    struct wc_reader body = {r->p, r->p + size};
    r->p += size;
    r = &body;
    NEED(wc_u32(r, &ndecl) == 0, "body %u: bad local count", i);
    for (uint32_t k = 0; k < ndecl; k++) {
        NEED(wc_u32(r, &n) == 0, "body %u: bad local count", i);
        if ((nlocals += n) > WASM_CHECK_MAX_LOCALS)
            return wc_over(m, "number of locals of one function", nlocals, WASM_CHECK_MAX_LOCALS);
        if (wc_valtype(m, r, &t) < 0)
            return -1;
    }
    NEED(r->p < r->end && r->end[-1] == 0x0b, "body %u does not end with 'end'", i);
    r->p = r->end;
    return 0;
}

/* sec_code - one body per function, code size counted to a limit; 0 or -1. */
static int sec_code(struct wc_mod *m, struct wc_reader *r)
{
    if (wc_count(m, r, &m->ncode, WASM_CHECK_MAX_FUNCS, "function body count") < 0)
        return -1;
    NEED(m->ncode == m->nfuncs, "%u bodies for %u functions", m->ncode, m->nfuncs);
    for (uint32_t i = 0; i < m->ncode; i++)
        if (code_body(m, r, i) < 0)
            return -1;
    return 0;
}

/* sec_data - data segments, their bytes counted to a limit; 0 or -1. */
static int sec_data(struct wc_mod *m, struct wc_reader *r)
{
    uint32_t flags, mem = 0, len;
    if (wc_count(m, r, &m->ndata, WASM_CHECK_MAX_DATA_SEGS, "data segment count") < 0)
        return -1;
    NEED(!m->have_datacount || m->ndata == m->datacount, "%u segments, data count section says %u",
         m->ndata, m->datacount);
    for (uint32_t i = 0; i < m->ndata; i++) {
        NEED(wc_u32(r, &flags) == 0 && flags <= 2, "segment %u: bad flags", i);
        if (flags == 2)
            NEED(wc_u32(r, &mem) == 0, "segment %u: bad memory index", i);
        if (flags != 1) {       /* active */
            NEED(mem < m->nmems, "segment %u: memory %u does not exist", i, mem);
            if (wc_const_expr(m, r, m->mem.flags & LIM_64 ? T_I64 : T_I32) < 0)
                return -1;
        }
        NEED(wc_u32(r, &len) == 0 && len <= wc_left(r), "segment %u: size past the end", i);
        if (len > WASM_CHECK_MAX_DATA_BYTES - m->data_bytes)
            return wc_over(m, "data size in bytes", (uint64_t)m->data_bytes + len,
                        WASM_CHECK_MAX_DATA_BYTES);
        m->data_bytes += len;
        r->p += len;
    }
    return 0;
}

/* read_section - the content of section `id`; returns 0 or -1. */
int wc_read_section(struct wc_mod *m, uint8_t id, struct wc_reader *r)
{
    struct wc_reader s;
    switch (id) {
    case SEC_CUSTOM:
        NEED(wc_name(r, &s) == 0, "bad name");
        r->p = r->end;
        return 0;
    case SEC_TYPE: return sec_type(m, r);
    case SEC_IMPORT: return sec_import(m, r);
    case SEC_FUNC: return sec_func(m, r);
    case SEC_TABLE: return sec_table(m, r);
    case SEC_MEMORY: return sec_memory(m, r);
    case SEC_GLOBAL: return sec_global(m, r);
    case SEC_EXPORT: return sec_export(m, r);
    case SEC_START: return sec_start(m, r);
    case SEC_ELEM: return sec_elem(m, r);
    case SEC_CODE: return sec_code(m, r);
    case SEC_DATA: return sec_data(m, r);
    case SEC_DATACOUNT: return sec_datacount(m, r);
    }
    assert(0);
    return -1;
}

/* missing_of - the exports of set `set` the module lacks, "a, b and c",
 * into buf. */
static void missing_of(const struct wc_mod *m, unsigned set, char *buf, size_t n)
{
    int total = 0, done = 0;
    for (size_t k = 0; k < NABI; k++)
        total += (set >> k & 1u) && !(m->found & 1u << k);
    buf[0] = '\0';
    for (size_t k = 0; k < NABI; k++)
        if ((set >> k & 1u) && !(m->found & 1u << k)) {
            done++;
            snprintf(buf + strlen(buf), n - strlen(buf), "%s'%s'",
                     done == 1 ? "" : done == total ? " and " : ", ", abi[k].name);
        }
}

/* finish_sets - the module exports the functions of ABI v1 or of ABI v2
 * in full; a refusal names what is missing of the set it began (of both
 * when it began neither).  Returns 0 or -1. */
static int finish_sets(struct wc_mod *m)
{
    char v1[80], v2[120];
    if ((m->found & WC_FOUND_V1) == WC_FOUND_V1 || (m->found & WC_FOUND_V2) == WC_FOUND_V2)
        return 0;
    missing_of(m, WC_FOUND_V1, v1, sizeof v1);
    missing_of(m, WC_FOUND_V2, v2, sizeof v2);
    if ((m->found & WC_FOUND_V1) && !(m->found & WC_FOUND_V2))
        return errf(m->err, "%s: missing export %s (filter ABI v1; an ABI v2 module exports "
                    "tsf_plan, tsf_region and tsf_run instead)", m->name, v1);
    if (m->found & WC_FOUND_V2)
        return errf(m->err, "%s: missing export %s (filter ABI v2)", m->name, v2);
    return errf(m->err, "%s: missing exports: %s (filter ABI v1) or %s (filter ABI v2)",
                m->name, v1, v2);
}

/* wc_finish - what can only be checked at the end; returns 0 or -1. */
int wc_finish(struct wc_mod *m)
{
    if (m->ncode != m->nfuncs)
        return errf(m->err, "%s: %u functions declared but %u bodies in the code section",
                    m->name, m->nfuncs, m->ncode);
    if (m->have_datacount && m->datacount != m->ndata)
        return errf(m->err, "%s: data count section says %u segments, the data section has %u",
                    m->name, m->datacount, m->ndata);
    for (size_t k = 0; k < NABI; k++)
        if (abi[k].required && !(m->found & 1u << k))
            return errf(m->err, "%s: missing export '%s' (filter ABI v1)", m->name,
                        abi[k].name);
    return finish_sets(m);
}
