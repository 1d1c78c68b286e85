/*
 * filter_call.c - the guarded calls into a filter instance (filter.h).
 *
 * Each call runs inside wasm_rt_impl_try(); a trap longjmps back to it and
 * becomes FILTER_TRAP with the trap's name.  The describe JSON is untrusted
 * input: it is copied out of linear memory with a bound and parsed by
 * stage_parse_desc (stage.h).
 */
#include "filter.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasm-rt-impl.h>

/* The module struct is private to filter.c; these calls need its backend,
 * so filter.c exposes it through this small internal accessor set. */
#include "filter_impl.h"

#define GUARD(fi, what)                                                          \
    do {                                                                         \
        int t_ = wasm_rt_impl_try();                                             \
        if (t_ != 0)                                                             \
            return errf(err, "filter %s: trap in %s: %s", filter_module_name((fi)->m), \
                        what, wasm_rt_strerror((wasm_rt_trap_t)t_)), FILTER_TRAP;  \
    } while (0)

int filter_call_abi_version(struct filter_inst *fi, int32_t *version, char *err)
{
    const char *name = filter_module_name(fi->m);
    if (fi->m->backend == FILTER_NATIVE) {
        *version = fi->m->n_abi();
    } else {
        GUARD(fi, "tsf_abi_version");
        *version = (int32_t)fi->m->glue->abi_version(fi->wasm);
    }
    if (*version < FILTER_ABI_MIN || *version > FILTER_ABI_MAX)
        return errf(err, "filter %s: ABI version %d, this host speaks 1 and 2", name,
                    *version);
    if (!filter_has_abi(fi->m, *version))
        return errf(err, "filter %s: ABI version %d, but it does not export %s", name,
                    *version, *version == 1 ? "tsf_halo and tsf_process"
                                            : "tsf_plan, tsf_region and tsf_run");
    fi->m->abi = *version;
    return 0;
}

/* lacks - the error for a call of an ABI the module does not export. */
static int lacks(struct filter_inst *fi, const char *export, char *err)
{
    return errf(err, "filter %s: does not export %s", filter_module_name(fi->m), export);
}

int filter_call_halo(struct filter_inst *fi, uint32_t params, int32_t *halo, char *err)
{
    if (!filter_has_abi(fi->m, 1))
        return lacks(fi, "tsf_halo", err);
    if (fi->m->backend == FILTER_NATIVE) {
        *halo = fi->m->n_halo((int32_t)params);
        return 0;
    }
    GUARD(fi, "tsf_halo");
    *halo = (int32_t)fi->m->glue->halo(fi->wasm, params);
    return 0;
}

int filter_call_alloc(struct filter_inst *fi, uint32_t bytes, uint32_t *off, char *err)
{
    if (fi->m->backend == FILTER_NATIVE) {
        *off = (uint32_t)fi->m->n_alloc((int32_t)bytes);
    } else {
        GUARD(fi, "tsf_alloc");
        *off = fi->m->glue->alloc(fi->wasm, bytes);
    }
    if (*off == 0)
        return errf(err, "filter %s: cannot allocate %u bytes in its memory "
                    "(memory limit reached?)", filter_module_name(fi->m), bytes);
    return filter_mem(fi, *off, bytes, err) ? 0 : -1;
}

int filter_call_process(struct filter_inst *fi, const uint32_t a[8], int32_t *rc, char *err)
{
    if (!filter_has_abi(fi->m, 1))
        return lacks(fi, "tsf_process", err);
    if (fi->m->backend == FILTER_NATIVE) {
        *rc = fi->m->n_process((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3],
                               (int32_t)a[4], (int32_t)a[5], (int32_t)a[6], (int32_t)a[7]);
        return 0;
    }
    GUARD(fi, "tsf_process");
    *rc = (int32_t)fi->m->glue->process(fi->wasm, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                                        a[7]);
    return 0;
}

int filter_call_analyze(struct filter_inst *fi, const uint32_t a[7], int32_t *rc, char *err)
{
    if (!filter_has_global(fi->m))
        return errf(err, "filter %s: does not export tsf_analyze", filter_module_name(fi->m));
    if (fi->m->backend == FILTER_NATIVE) {
        *rc = fi->m->n_analyze((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3],
                               (int32_t)a[4], (int32_t)a[5], (int32_t)a[6]);
        return 0;
    }
    GUARD(fi, "tsf_analyze");
    *rc = (int32_t)fi->m->glue->analyze(fi->wasm, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    return 0;
}

int filter_call_apply(struct filter_inst *fi, const uint32_t a[10], int32_t *rc, char *err)
{
    if (!filter_has_global(fi->m))
        return errf(err, "filter %s: does not export tsf_apply", filter_module_name(fi->m));
    if (fi->m->backend == FILTER_NATIVE) {
        *rc = fi->m->n_apply((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3],
                             (int32_t)a[4], (int32_t)a[5], (int32_t)a[6], (int32_t)a[7],
                             (int32_t)a[8], (int32_t)a[9]);
        return 0;
    }
    GUARD(fi, "tsf_apply");
    *rc = (int32_t)fi->m->glue->apply(fi->wasm, a);
    return 0;
}

/* The ABI v2 calls: one argument, the block's offset. */
#define CALL_V2(fi, field, export, args, rc)                                     \
    do {                                                                         \
        if (!filter_has_abi((fi)->m, 2))                                         \
            return lacks(fi, export, err);                                       \
        if ((fi)->m->backend == FILTER_NATIVE) {                                 \
            *(rc) = (fi)->m->n_##field((int32_t)(args));                         \
            return 0;                                                            \
        }                                                                        \
        GUARD(fi, export);                                                       \
        *(rc) = (int32_t)(fi)->m->glue->field((fi)->wasm, args);                 \
        return 0;                                                                \
    } while (0)

int filter_call_plan(struct filter_inst *fi, uint32_t args, int32_t *rc, char *err)
{
    CALL_V2(fi, plan, "tsf_plan", args, rc);
}

int filter_call_region(struct filter_inst *fi, uint32_t args, int32_t *rc, char *err)
{
    CALL_V2(fi, region, "tsf_region", args, rc);
}

int filter_call_run(struct filter_inst *fi, uint32_t args, int32_t *rc, char *err)
{
    CALL_V2(fi, run, "tsf_run", args, rc);
}

int filter_guard_host(struct filter_inst *fi, const char *what,
                      int (*fn)(void *ctx, char *err), void *ctx, char *err)
{
    if (fi->m->backend == FILTER_NATIVE)
        return fn(ctx, err);    /* no wasm2c handler is installed for native runs */
    /* The handler reports any SIGSEGV as a wasm trap; in host code it is
     * a fault of ours (e.g. in libpng on a damaged tile), named as such. */
    int t = wasm_rt_impl_try();
    if (t != 0)
        return errf(err, "%s: memory fault in the worker's own code (caught as \"%s\")", what,
                    wasm_rt_strerror((wasm_rt_trap_t)t)), FILTER_TRAP;
    return fn(ctx, err);
}

/* copy_cstring - copy the NUL-terminated string at off out of the
 * instance's memory into json[FILTER_DESC_MAX]; returns 0 or -1. */
static int copy_cstring(struct filter_inst *fi, uint32_t off, char *json, char *err)
{
    const char *name = filter_module_name(fi->m);
    uint64_t avail = filter_mem_size(fi);
    if (off == 0 || off >= avail)
        return errf(err, "filter %s: tsf_describe returned %u, outside its memory", name, off);
    uint64_t n = avail - off < FILTER_DESC_MAX ? avail - off : FILTER_DESC_MAX;
    const uint8_t *s = filter_mem(fi, off, n, err);
    if (!s)
        return -1;
    const uint8_t *nul = memchr(s, '\0', n);
    if (!nul)
        return errf(err, "filter %s: tsf_describe string is not terminated within %llu bytes",
                    name, (unsigned long long)n);
    memcpy(json, s, (size_t)(nul - s) + 1);
    return 0;
}

int filter_call_describe(struct filter_inst *fi, struct filter_desc *d, char *json, char *err)
{
    uint32_t off;
    if (fi->m->backend == FILTER_NATIVE) {
        off = (uint32_t)fi->m->n_describe();
    } else {
        GUARD(fi, "tsf_describe");
        off = fi->m->glue->describe(fi->wasm);
    }
    if (copy_cstring(fi, off, json, err) < 0)
        return -1;
    return stage_parse_desc(json, filter_module_name(fi->m), d, err);
}
