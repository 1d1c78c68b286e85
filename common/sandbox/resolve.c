/*
 * resolve.c - resolve a chain's stages, in this process or in a forked
 * child that sends the result back through a pipe (resolve.h).
 */
#include "resolve.h"
#include "resolve_impl.h"
#include "confine.h"
#include "err.h"
#include "hash.h"
#include "stage_ops.h"
#include "subproc.h"
#include "usercache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* resolve_describe_module - instantiate m once, check its ABI version,
 * describe it. */
int resolve_describe_module(struct filter_module *m, struct filter_desc *d, char *json,
                            struct filter_inst **keep, char *err)
{
    int why;
    struct filter_inst *fi = filter_instantiate(m, RESOLVE_MAX_MEMORY, &why, err);
    if (!fi)
        return -1;
    int32_t abi = 0;
    int rc = filter_call_abi_version(fi, &abi, err);
    if (rc == 0)
        rc = filter_call_describe(fi, d, json, err);
    if (rc != 0) {
        filter_free(fi);
        return -1;
    }
    *keep = fi;
    return 0;
}

/* stage_halo's answer when the filter refuses the parameters themselves */
#define HALO_REFUSED (-3)

/* refused_params - the error of a filter refusing the bound params;
 * returns HALO_REFUSED. */
static int refused_params(const struct stage_spec *s, char *err)
{
    char vals[256] = "";
    for (int k = 0; k < s->nparams; k++)
        snprintf(vals + strlen(vals), sizeof vals - strlen(vals), "%s%s=%g", k ? ":" : "",
                 s->param_names[k], s->params[k]);
    return errf(err, "filter %s: the filter cannot use these parameters (%s)", s->name, vals),
           HALO_REFUSED;
}

/* stage_halo - ask the instance for its halo with the bound params. */
static int stage_halo(struct filter_inst *fi, struct stage_spec *s, char *err)
{
    uint32_t off;
    if (filter_call_alloc(fi, sizeof(float) * CHAIN_MAX_PARAMS, &off, err) != 0)
        return -1;
    uint8_t *p = filter_mem(fi, off, sizeof(float) * CHAIN_MAX_PARAMS, err);
    if (!p)
        return -1;
    memcpy(p, s->params, sizeof(float) * (size_t)s->nparams);
    int32_t halo;
    if (filter_call_halo(fi, off, &halo, err) != 0)
        return -1;
    if (halo < 0)
        return refused_params(s, err);
    if (halo > 1024)
        return errf(err, "filter %s: halo %d is out of range [0, 1024]", s->name, halo);
    s->halo = halo;
    return 0;
}

/* stage_margin - an ABI v2 point or neighborhood stage's halo: what its
 * tsf_region adds on every side of a 1x1 output rectangle of a 1x1 image
 * it takes (HALO_REFUSED when its tsf_plan refuses the parameters for
 * it).  Informative (tilespool filters, the manifest): the plan asks
 * each tile's regions.  Geometry and global stages have none. */
static int stage_margin(struct filter_module *m, struct stage_spec *s, char *err)
{
    int ch = 1;
    if (strcmp(s->kind, "point") != 0 && strcmp(s->kind, "neighborhood") != 0)
        return 0;
    while (ch < 4 && !(s->channels_mask & 1u << ch))
        ch++;
    struct plan_image in = {1, 1, ch, s->depths & STAGE_DEPTH_8 ? 8 : 16}, out;
    struct plan_rect rect = {0, 0, 1, 1}, want;
    int rc = stage_op_plan(m, s, &in, 1, RESOLVE_MAX_MEMORY, &out, err);
    if (rc == 0)
        rc = stage_op_region(m, s, &in, &out, &rect, RESOLVE_MAX_MEMORY, &want, err);
    if (rc == STAGE_REFUSED)
        return refused_params(s, err);
    if (rc != 0)
        return rc;
    if (-want.x > 1024)
        return errf(err, "filter %s: halo %lld is out of range [0, 1024]", s->name,
                    (long long)-want.x);
    s->halo = (int)-want.x;
    return 0;
}

/* load_stage - find and load the module of a stage for a backend. */
static struct filter_module *load_stage(const char *name, enum filter_backend backend,
                                        char *err)
{
    char so[PATH_MAX], wasm[PATH_MAX];
    if (filter_find(name, so, wasm, err) < 0)
        return NULL;
    if (backend == FILTER_NATIVE) {
        /* build/filters/NAME.so -> build/native/NAME.so */
        char *slash = strrchr(so, '/');
        *slash = '\0';
        if (snprintf(wasm, sizeof wasm, "%s/../native/%s.so", so, name) >= (int)sizeof wasm) {
            errf(err, "filter %s: path too long", name);
            return NULL;
        }
        return filter_load(name, FILTER_NATIVE, wasm, NULL, err);
    }
    return filter_load(name, FILTER_WASM, so, wasm, err);
}

/* load_user - compile (once) and load a user's module given by path;
 * records its absolute path in s->path. */
static struct filter_module *load_user(const char *path, enum filter_backend backend,
                                       struct stage_spec *s, char *err)
{
    char so[PATH_MAX];
    struct hash hash;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (backend != FILTER_WASM) {
        errf(err, "filter %s: a module given by path runs only sandboxed", path);
        return NULL;
    }
    if (usercache_build(path, NULL, &hash, so, err) < 0)
        return NULL;
    if (!realpath(path, s->path)) {
        errf_sys(err, "filter %s", path);
        return NULL;
    }
    struct filter_module *m = usercache_load(base, so, s->path, err);
    if (m && !hash_equal(filter_module_hash(m), &hash)) {
        errf(err, "filter %s: the module changed while it was being compiled", path);
        filter_unload(m);
        return NULL;
    }
    return m;
}

/* resolve_stage - everything for one stage; *why says whose fault an error
 * is.  On success the loaded module is left in *keep if keep is not NULL. */
static int resolve_stage(const struct chain_stage *st, enum filter_backend backend,
                         struct stage_spec *s, struct filter_module **keep,
                         enum resolve_error *why, char *err)
{
    char *json = NULL;
    struct filter_desc d;
    struct filter_inst *fi = NULL;
    struct filter_module *m = NULL;
    memset(s, 0, sizeof *s);
    *why = RESOLVE_USAGE;
    char so[PATH_MAX], wasm[PATH_MAX];
    if (!st->is_path && filter_find(st->name, so, wasm, err) < 0)
        return -1;
    *why = RESOLVE_MODULE;
    int rc = -1;
    if (!(json = malloc(FILTER_DESC_MAX)) ||
        !(m = st->is_path ? load_user(st->name, backend, s, err)
                          : load_stage(st->name, backend, err)))
        goto done;
    if (resolve_describe_module(m, &d, json, &fi, err) < 0)
        goto done;
    if (st->is_path ? !chain_name_ok(d.name) : strcmp(d.name, st->name) != 0) {
        errf(err, "filter %s: module describes itself as '%s'", st->name, d.name);
        goto done;
    }
    snprintf(s->name, sizeof s->name, "%.63s", d.name);
    snprintf(s->kind, sizeof s->kind, "%s", d.kind);
    s->hash = *filter_module_hash(m);
    s->abi = filter_module_abi(m);
    s->channels_mask = d.channels_mask;
    s->depths = d.depths;
    s->stats = d.stats;
    if (strcmp(d.kind, "global") == 0 && !filter_has_global(m)) {
        errf(err, "filter %s: kind global, but tsf_analyze or tsf_apply is not exported",
             st->name);
        goto done;
    }
    *why = RESOLVE_USAGE;
    if (stage_bind_params(&d, st, s, err) < 0)
        goto done;
    *why = RESOLVE_MODULE;
    /* an ABI v2 module's parameters are judged by its tsf_plan */
    rc = s->abi == 1 ? stage_halo(fi, s, err) : stage_margin(m, s, err);
    if (rc == HALO_REFUSED)
        *why = RESOLVE_USAGE, rc = -1;
    if (rc == 0)
        *why = RESOLVE_OK;
done:
    filter_free(fi);
    if (rc == 0 && keep)
        *keep = m;
    else
        filter_unload(m);
    free(json);
    return rc;
}

int resolve_chain(const struct chain *c, struct stage_spec *out, enum resolve_error *why,
                  char *err)
{
    return resolve_chain_loaded(c, FILTER_WASM, out, NULL, why, err);
}

int resolve_chain_loaded(const struct chain *c, enum filter_backend backend,
                         struct stage_spec *out, struct filter_module **mods,
                         enum resolve_error *why, char *err)
{
    *why = RESOLVE_OK;
    for (int i = 0; i < c->nstages; i++)
        if (resolve_stage(&c->stages[i], backend, &out[i], mods ? &mods[i] : NULL, why,
                          err) < 0) {
            while (mods && i-- > 0)
                filter_unload(mods[i]);
            return -1;
        }
    return 0;
}

/* The child's answer, written to the pipe in one piece. */
struct answer {
    int rc;
    enum resolve_error why;
    char err[ERR_MAX];
    struct stage_spec stages[CHAIN_MAX_STAGES];
};

int resolve_confine(const struct chain *c, char *err)
{
    struct confine_rules r;
    confine_rules_init(&r);
    int rc = confine_filters(&r, err);
    for (int i = 0; c && i < c->nstages && rc == 0; i++)
        if (c->stages[i].is_path)
            rc = confine_read(&r, c->stages[i].name, err);
    if (rc == 0)
        rc = confine_process(&r, err);
    confine_rules_free(&r);
    return rc < 0 ? err_prefix(err, "cannot confine the process describing filters") : 0;
}

/* child_main - the forked side: resolve and write the answer. */
static void child_main(void *ctx, int fd)
{
    const struct chain *c = ctx;
    struct answer *a = calloc(1, sizeof *a);
    if (!a)
        _exit(1);
    filter_runtime_init();
    a->why = RESOLVE_MODULE;
    a->rc = resolve_confine(c, a->err);
    if (a->rc == 0)
        a->rc = resolve_chain(c, a->stages, &a->why, a->err);
    size_t off = 0;
    while (off < sizeof *a) {
        ssize_t k = write(fd, (char *)a + off, sizeof *a - off);
        if (k <= 0)
            _exit(1);
        off += (size_t)k;
    }
    _exit(0);
}

int resolve_compile_users(const struct chain *c, char *err)
{
    for (int i = 0; i < c->nstages; i++) {
        char so[PATH_MAX];
        struct hash hash;
        if (c->stages[i].is_path && usercache_build(c->stages[i].name, NULL, &hash, so, err) < 0)
            return -1;
    }
    return 0;
}

int resolve_chain_isolated(const struct chain *c, struct stage_spec *out, int timeout_sec,
                           enum resolve_error *why, char *err)
{
    *why = RESOLVE_MODULE;
    if (resolve_compile_users(c, err) < 0)
        return -1;
    struct answer *a = calloc(1, sizeof *a);
    struct subproc_result res;
    if (!a)
        return errf(err, "out of memory");
    if (subproc_run(child_main, (void *)c, a, sizeof *a, timeout_sec, &res, err) < 0) {
        free(a);
        return -1;
    }
    char how[64];
    subproc_how(&res, how, sizeof how);
    int rc;
    char names[512] = "";
    for (int i = 0; i < c->nstages; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                 c->stages[i].name);
    if (res.timed_out)
        rc = errf(err, "filter chain (%s): a filter did not start and describe itself "
                  "within %d s", names, timeout_sec);
    else if (res.got != sizeof *a || !subproc_exited_ok(&res))
        rc = errf(err, "filter chain: the process describing the filters %s", how);
    else if (a->rc != 0)
        rc = errf(err, "%s", a->err), *why = a->why;
    else
        rc = 0, *why = RESOLVE_OK, memcpy(out, a->stages, sizeof(struct stage_spec) * (size_t)c->nstages);
    free(a);
    return rc;
}

/* resolve_default_halo - the halo of fi's filter (module m) with every param at
 * its default; -1 when it refuses them or has none (geometry). */
int resolve_default_halo(struct filter_module *m, struct filter_inst *fi,
                         const struct filter_desc *d)
{
    if (strcmp(d->kind, "geometry") == 0)
        return -1;
    struct chain_stage none;
    struct stage_spec s;
    char err[ERR_MAX];
    memset(&none, 0, sizeof none);
    snprintf(none.name, sizeof none.name, "%s", d->name);
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", d->name);
    snprintf(s.kind, sizeof s.kind, "%s", d->kind);
    s.abi = filter_module_abi(m);
    s.channels_mask = d->channels_mask;
    s.depths = d->depths;
    if (stage_bind_params(d, &none, &s, err) < 0 ||
        (s.abi == 1 ? stage_halo(fi, &s, err) : stage_margin(m, &s, err)) != 0)
        return -1;
    return s.halo;
}
