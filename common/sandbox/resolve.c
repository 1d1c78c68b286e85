/*
 * resolve.c - resolve a chain's stages, in this process or in a forked
 * child that sends the result back through a pipe (resolve.h).
 */
#include "resolve.h"
#include "confine.h"
#include "err.h"
#include "hash.h"
#include "spool_fs.h"
#include "stage_ops.h"
#include "subproc.h"
#include "usercache.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Seconds a module may take to start and describe itself, unless
 * $TILESPOOL_DESCRIBE_TIMEOUT says otherwise (resolve_describe_timeout). */
#define DESCRIBE_TIMEOUT 30

/* describe_module - instantiate m once, check its ABI version, describe it. */
static int describe_module(struct filter_module *m, struct filter_desc *d, char *json,
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
    if (describe_module(m, &d, json, &fi, err) < 0)
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

/* Where a listed module came from: a bundled filter has no `cached`. */
struct listed {
    const char *cached;          /* the cache's HASH.so of a user's module */
    const char *path;            /* the module it was compiled from */
    struct hash hash;            /* its content hash */
    int stale;                   /* that module is gone: --prune removes it */
};

/* default_halo - the halo of fi's filter (module m) with every param at
 * its default; -1 when it refuses them or has none (geometry). */
static int default_halo(struct filter_module *m, struct filter_inst *fi,
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

/* print_json - the describe JSON with the ABI version, the depths, the
 * halo at the defaults (v1) and, for a cached module, where it came from;
 * one line. */
static void print_json(FILE *f, const char *json_text, int abi, int halo,
                       const struct listed *l)
{
    char hex[HASH_HEX_MAX];
    cJSON *o = cJSON_Parse(json_text);
    if (!o)
        return;
    cJSON_AddNumberToObject(o, "abi", abi);
    if (!cJSON_HasObjectItem(o, "depths")) {
        const int eight[1] = {8};
        cJSON_AddItemToObject(o, "depths", cJSON_CreateIntArray(eight, 1));
    }
    if (halo >= 0)
        cJSON_AddNumberToObject(o, "halo", halo);
    if (l->cached) {
        cJSON *mod = cJSON_AddObjectToObject(o, "module");
        hash_hex(&l->hash, hex);
        cJSON_AddStringToObject(mod, "path", l->path);
        cJSON_AddStringToObject(mod, "hash", hex);
        cJSON_AddStringToObject(mod, "cached", l->cached);
        cJSON_AddBoolToObject(mod, "stale", l->stale);
    }
    char *text = cJSON_PrintUnformatted(o);
    if (text)
        fprintf(f, "%s\n", text);
    free(text);
    cJSON_Delete(o);
}

/* print_samples - the depths and channels taken and, where the module
 * says, the channels given: " [8/16-bit, channels 1 2 3 4 -> 1 2 1 2]". */
static void print_samples(FILE *f, const struct filter_desc *d)
{
    fprintf(f, " [%s%s%s-bit, channels", d->depths & STAGE_DEPTH_8 ? "8" : "",
            d->depths == 3 ? "/" : "", d->depths & STAGE_DEPTH_16 ? "16" : "");
    for (int c = 1; c <= 4; c++)
        if (d->channels_mask & 1u << c)
            fprintf(f, " %d", c);
    int said = 0;
    for (int c = 1; c <= 4; c++)
        said |= (d->channels_mask & 1u << c) && d->channels_out[c];
    const char *sep = " ->";
    for (int c = 1; said && c <= 4; c++)
        if (d->channels_mask & 1u << c) {
            fprintf(f, "%s %d", sep, d->channels_out[c] ? d->channels_out[c] : c);
            sep = "";
        }
    fputs("]\n", f);
}

/* print_choices - a choices param's names, the default marked. */
static void print_choices(FILE *f, const struct filter_param_desc *pd)
{
    fprintf(f, "    %-16s default %-8s one of", pd->name, pd->choices[(int)pd->def]);
    for (int k = 0; k < pd->nchoices; k++)
        fprintf(f, "%s %s", k ? "," : "", pd->choices[k]);
    fputc('\n', f);
}

/* print_filter - one filter's description, as text or a JSON line. */
static void print_filter(FILE *f, const struct filter_desc *d, const char *json_text, int abi,
                         int halo, const struct listed *l, int json)
{
    if (json) {
        print_json(f, json_text, abi, halo, l);
        return;
    }
    /* indented lines are parameters, and the module's origin last */
    if (halo >= 0)
        fprintf(f, "%-20s %-12s halo %-3d %s", d->name, d->kind, halo, d->summary);
    else
        fprintf(f, "%-20s %-12s halo -   %s", d->name, d->kind, d->summary);
    print_samples(f, d);
    for (int k = 0; k < d->nparams; k++)
        if (d->params[k].is_path)
            fprintf(f, "    %-16s path of an image (required)\n", d->params[k].name);
        else if (d->params[k].nchoices)
            print_choices(f, &d->params[k]);
        else
            fprintf(f, "    %-16s default %-8g range [%g, %g]\n", d->params[k].name,
                    d->params[k].def, d->params[k].min, d->params[k].max);
    if (l->cached) {
        char hex[HASH_HEX_MAX];
        hash_hex(&l->hash, hex);
        fprintf(f, "    %-16s %s (hash %s, compiled: %s)%s\n", "(module)", l->path, hex,
                l->cached,
                l->stale ? " STALE: the module is gone (tilespool filters --prune)" : "");
    }
}

/* One module for a listing child to describe, and what its answer holds:
 * a first byte saying whether the rest is the listing or why the module
 * is unusable, then the text. */
struct list_job {
    const char *name, *so, *wasm;
    const struct listed *l;
    int json;
};

#define LIST_OUT 'o'
#define LIST_UNUSABLE 'u'
#define LIST_ANSWER_MAX (2 * FILTER_DESC_MAX)

/* list_child - subproc_fn: load, describe and print one module into the
 * pipe as a LIST_OUT or LIST_UNUSABLE answer. */
static void list_child(void *ctx, int fd)
{
    const struct list_job *lj = ctx;
    char err[ERR_MAX], *text = NULL;
    char *json_text = malloc(FILTER_DESC_MAX);
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!json_text || !f)
        _exit(1);
    filter_runtime_init();
    struct filter_module *m = NULL;
    if (resolve_confine(NULL, err) == 0)
        m = lj->l->cached ? usercache_load(lj->name, lj->so, lj->wasm, err)
                          : filter_load(lj->name, FILTER_WASM, lj->so, lj->wasm, err);
    struct filter_inst *fi = NULL;
    struct filter_desc d;
    if (m && describe_module(m, &d, json_text, &fi, err) == 0) {
        fputc(LIST_OUT, f);
        print_filter(f, &d, json_text, filter_module_abi(m), default_halo(m, fi, &d), lj->l,
                     lj->json);
    } else {
        fprintf(f, "%c%s", LIST_UNUSABLE, err);
    }
    filter_free(fi);
    filter_unload(m);
    free(json_text);
    if (fclose(f) != 0)
        _exit(1);
    for (size_t off = 0; off < len;) {
        ssize_t k = write(fd, text + off, len - off);
        if (k <= 0)
            _exit(1);
        off += (size_t)k;
    }
    free(text);
    _exit(0);
}

/* list_one - describe and print one module, in a child with a deadline:
 * a module that cannot be described, or loops or crashes while it starts,
 * is reported as unusable instead.  answer has LIST_ANSWER_MAX bytes. */
static void list_one(FILE *f, const char *name, const char *so, const char *wasm,
                     const struct listed *l, int json, char *answer)
{
    struct list_job lj = {name, so, wasm, l, json};
    struct subproc_result res;
    char err[ERR_MAX], how[64];
    int timeout = resolve_describe_timeout();
    if (subproc_run(list_child, &lj, answer, LIST_ANSWER_MAX - 1, timeout, &res, err) == 0) {
        answer[res.got] = '\0';
        subproc_how(&res, how, sizeof how);
        if (res.timed_out)
            snprintf(err, sizeof err, "did not start and describe itself within %d s", timeout);
        else if (!subproc_exited_ok(&res) || res.got == 0)
            snprintf(err, sizeof err, "the process describing it %s", how);
        else if (answer[0] == LIST_OUT)
            return (void)fputs(answer + 1, f);
        else
            snprintf(err, sizeof err, "%s", answer + 1);
    }
    fprintf(json ? stderr : f, "%-20s (unusable: %s)\n", name, err);
}

/* list_dir - describe every NAME.wasm with a NAME.so in dir not seen yet. */
static void list_dir(FILE *f, const char *dir, char seen[][FILTER_NAME_MAX], int *nseen,
                     int json, char *answer)
{
    char **names, err[ERR_MAX];
    int n = spool_list(dir, &names, err);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len < 6 || strcmp(names[i] + len - 5, ".wasm") != 0 || len - 5 >= FILTER_NAME_MAX)
            continue;
        char name[FILTER_NAME_MAX];
        snprintf(name, sizeof name, "%.*s", (int)(len - 5), names[i]);
        int dup = 0;
        for (int k = 0; k < *nseen; k++)
            dup |= strcmp(seen[k], name) == 0;
        if (dup || !chain_name_ok(name) || *nseen == 256)
            continue;
        snprintf(seen[(*nseen)++], FILTER_NAME_MAX, "%s", name);
        char so[PATH_MAX], wasm[PATH_MAX];
        struct listed l = {NULL, NULL, {{0}}, 0};
        if (filter_find(name, so, wasm, err) == 0)
            list_one(f, name, so, wasm, &l, json, answer);
        else
            fprintf(json ? stderr : f, "%-20s (unusable: %s)\n", name, err);
    }
    if (n > 0)
        free(names);
}

/* cached_origin - the module path recorded in the cache's KEY.json. */
static void cached_origin(const char *meta, char *path)
{
    char *text = NULL, e[ERR_MAX];
    long n = 0;
    int fd;
    snprintf(path, PATH_MAX, "(unknown)");
    if (usercache_open(meta, &fd, e) < 0)
        return;
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        close(fd);
        return;
    }
    if ((text = calloc(1, 65536)) != NULL)
        n = (long)fread(text, 1, 65535, fp);
    fclose(fp);
    cJSON *o = n > 0 ? cJSON_Parse(text) : NULL;
    cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "path");
    if (cJSON_IsString(p))
        snprintf(path, PATH_MAX, "%s", p->valuestring);
    cJSON_Delete(o);
    free(text);
}

/* cached_module - for the cache's KEY.so named `name`: its .wasm and .json
 * and the .wasm's content hash, when the .wasm can be trusted and its key
 * under this recipe is KEY (objects of another recipe are left out). */
static int cached_module(const char *dir, const char *name, char *wasm, char *meta,
                         struct hash *h)
{
    char hex[HASH_HEX_MAX], e[ERR_MAX];
    struct hash key, want;
    int fd;
    snprintf(hex, sizeof hex, "%.*s", HASH_HEX_MAX - 1, name);
    if (strlen(name) != HASH_HEX_MAX - 1 + 3 || strcmp(name + HASH_HEX_MAX - 1, ".so") != 0 ||
        hash_parse_hex(hex, &key) < 0 || usercache_file(wasm, dir, &key, ".wasm", e) < 0 ||
        usercache_file(meta, dir, &key, ".json", e) < 0 || usercache_open(wasm, &fd, e) < 0)
        return -1;
    close(fd);
    if (hash_file(wasm, h, NULL, e) < 0 || usercache_key(h, &want, e) < 0)
        return -1;
    return hash_equal(&key, &want) ? 0 : -1;
}

/* list_cache - describe every compiled user's module in the cache; returns
 * how many there are. */
static int list_cache(FILE *f, int json, char *answer)
{
    char dir[PATH_MAX], err[ERR_MAX], **names;
    int n = usercache_dir(dir, err) < 0 ? 0 : spool_list(dir, &names, err), count = 0;
    for (int i = 0; i < n; i++) {
        char so[PATH_MAX], wasm[PATH_MAX], meta[PATH_MAX], origin[PATH_MAX];
        struct hash h;
        if (cached_module(dir, names[i], wasm, meta, &h) < 0)
            continue;
        snprintf(so, sizeof so, "%.*s/%s", PATH_MAX - 80, dir, names[i]);
        cached_origin(meta, origin);
        struct listed l = {so, origin, h, origin[0] == '/' && access(origin, F_OK) != 0};
        const char *base = strrchr(origin, '/') ? strrchr(origin, '/') + 1 : origin;
        list_one(f, base, so, wasm, &l, json, answer);
        count++;
    }
    if (n > 0)
        free(names);
    return count;
}

int resolve_describe_all(FILE *f, int json, char *err)
{
    static char seen[256][FILTER_NAME_MAX];
    static char dirs[16][PATH_MAX];
    char *answer = malloc(LIST_ANSWER_MAX);
    int nseen = 0, ndirs = filter_search_dirs(dirs, 16);
    if (!answer)
        return errf(err, "out of memory");
    for (int i = 0; i < ndirs; i++)
        list_dir(f, dirs[i], seen, &nseen, json, answer);
    nseen += list_cache(f, json, answer);
    free(answer);
    if (fflush(f) != 0)
        return errf_sys(err, "writing the list");
    return nseen > 0 ? 0 : errf(err, "no filters found (set TILESPOOL_FILTER_PATH?)");
}

int resolve_describe_timeout(void)
{
    const char *env = getenv("TILESPOOL_DESCRIBE_TIMEOUT");
    char *end = NULL;
    long v = env ? strtol(env, &end, 10) : 0;
    return env && *env && *end == '\0' && v > 0 && v <= 3600 ? (int)v : DESCRIBE_TIMEOUT;
}
