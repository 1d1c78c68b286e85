/*
 * resolve.c - resolve a chain's stages, in this process or in a forked
 * child that sends the result back through a pipe (resolve.h).
 */
#include "resolve.h"
#include "err.h"
#include "hash.h"
#include "spool.h"
#include "subproc.h"
#include "usercache.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linear memory a module may use while it describes itself: describing
 * takes a few KiB, and a module that grows without bound here must not
 * take the machine with it (there is no --max-memory at split time). */
#define DESCRIBE_MAX_MEMORY (256ull << 20)

/* describe_module - instantiate m once, check its ABI version, describe it. */
static int describe_module(struct filter_module *m, struct filter_desc *d, char *json,
                           struct filter_inst **keep, char *err)
{
    int why;
    struct filter_inst *fi = filter_instantiate(m, DESCRIBE_MAX_MEMORY, &why, err);
    if (!fi)
        return -1;
    int32_t abi = 0;
    int rc = filter_call_abi_version(fi, &abi, err);
    if (rc == 0 && abi != 1)
        rc = errf(err, "filter %s: ABI version %d, this worker speaks version 1",
                  filter_module_name(m), abi);
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
    if (halo < 0) {
        char vals[256] = "";
        for (int k = 0; k < s->nparams; k++)
            snprintf(vals + strlen(vals), sizeof vals - strlen(vals), "%s%s=%g", k ? ":" : "",
                     s->param_names[k], s->params[k]);
        return errf(err, "filter %s: the filter cannot use these parameters (%s)", s->name,
                    vals), HALO_REFUSED;
    }
    if (halo > 1024)
        return errf(err, "filter %s: halo %d is out of range [0, 1024]", s->name, halo);
    s->halo = halo;
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
    uint64_t hash;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (backend != FILTER_WASM) {
        errf(err, "filter %s: a module given by path runs only sandboxed", path);
        return NULL;
    }
    if (usercache_build(path, 0, &hash, so, err) < 0)
        return NULL;
    if (!realpath(path, s->path)) {
        errf_sys(err, "filter %s", path);
        return NULL;
    }
    struct filter_module *m = filter_load(base, FILTER_WASM, so, s->path, err);
    if (m && filter_module_hash(m) != hash) {
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
    s->hash = filter_module_hash(m);
    s->channels_mask = d.channels_mask;
    s->stats = d.stats;
    if (strcmp(d.kind, "global") == 0 && !filter_has_global(m)) {
        errf(err, "filter %s: kind global, but tsf_analyze or tsf_apply is not exported",
             st->name);
        goto done;
    }
    *why = RESOLVE_USAGE;
    if (filter_bind_params(&d, st, s, err) < 0)
        goto done;
    *why = RESOLVE_MODULE;
    rc = stage_halo(fi, s, err);
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

/* child_main - the forked side: resolve and write the answer. */
static void child_main(void *ctx, int fd)
{
    const struct chain *c = ctx;
    struct answer *a = calloc(1, sizeof *a);
    if (!a)
        _exit(1);
    filter_runtime_init();
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

int resolve_chain_isolated(const struct chain *c, struct stage_spec *out, int timeout_sec,
                           enum resolve_error *why, char *err)
{
    *why = RESOLVE_MODULE;
    /* Users' modules are compiled here, before the clock of the child
     * starts: a compile may take longer than describing ever should. */
    for (int i = 0; i < c->nstages; i++) {
        char so[PATH_MAX];
        uint64_t hash;
        if (c->stages[i].is_path && usercache_build(c->stages[i].name, 0, &hash, so, err) < 0)
            return -1;
    }
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
    if (res.timed_out)
        rc = errf(err, "filter chain: a filter did not answer within %d s while describing "
                  "itself", timeout_sec);
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
    uint64_t hash;
    int stale;                   /* that module is gone: --prune removes it */
};

/* default_halo - the halo of fi's filter with every param at its default;
 * -1 when it refuses them. */
static int default_halo(struct filter_inst *fi, const struct filter_desc *d)
{
    struct chain_stage none;
    struct stage_spec s;
    char err[ERR_MAX];
    memset(&none, 0, sizeof none);
    snprintf(none.name, sizeof none.name, "%s", d->name);
    if (filter_bind_params(d, &none, &s, err) < 0 || stage_halo(fi, &s, err) != 0)
        return -1;
    return s.halo;
}

/* print_json - the describe JSON with the halo at the defaults and, for a
 * cached module, where it came from; one line. */
static void print_json(FILE *f, const char *json_text, int halo, const struct listed *l)
{
    char hex[17];
    cJSON *o = cJSON_Parse(json_text);
    if (!o)
        return;
    cJSON_AddNumberToObject(o, "halo", halo);
    if (l->cached) {
        cJSON *mod = cJSON_AddObjectToObject(o, "module");
        hash_hex(l->hash, hex);
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

/* print_filter - one filter's description, as text or a JSON line. */
static void print_filter(FILE *f, const struct filter_desc *d, const char *json_text,
                         int halo, const struct listed *l, int json)
{
    if (json) {
        print_json(f, json_text, halo, l);
        return;
    }
    /* indented lines are parameters, and the module's origin last */
    fprintf(f, "%-20s %-12s halo %-3d %s\n", d->name, d->kind, halo, d->summary);
    for (int k = 0; k < d->nparams; k++)
        if (d->params[k].is_path)
            fprintf(f, "    %-16s path of an image (required)\n", d->params[k].name);
        else
            fprintf(f, "    %-16s default %-8g range [%g, %g]\n", d->params[k].name,
                    d->params[k].def, d->params[k].min, d->params[k].max);
    if (l->cached)
        fprintf(f, "    %-16s %s (hash %016llx, compiled: %s)%s\n", "(module)", l->path,
                (unsigned long long)l->hash, l->cached,
                l->stale ? " STALE: the module is gone (tilespool filters --prune)" : "");
}

/* list_one - load, describe and print one module; a module that cannot be
 * described is reported as unusable instead. */
static void list_one(FILE *f, const char *name, const char *so, const char *wasm,
                     const struct listed *l, int json, char *json_text)
{
    char err[ERR_MAX];
    struct filter_module *m = filter_load(name, FILTER_WASM, so, wasm, err);
    struct filter_inst *fi = NULL;
    struct filter_desc d;
    if (m && describe_module(m, &d, json_text, &fi, err) == 0)
        print_filter(f, &d, json_text, default_halo(fi, &d), l, json);
    else
        fprintf(json ? stderr : f, "%-20s (unusable: %s)\n", name, err);
    filter_free(fi);
    filter_unload(m);
}

/* list_dir - describe every NAME.wasm with a NAME.so in dir not seen yet. */
static void list_dir(FILE *f, const char *dir, char seen[][FILTER_NAME_MAX], int *nseen,
                     int json, char *json_text)
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
        struct listed l = {NULL, NULL, 0, 0};
        if (filter_find(name, so, wasm, err) == 0)
            list_one(f, name, so, wasm, &l, json, json_text);
        else
            fprintf(json ? stderr : f, "%-20s (unusable: %s)\n", name, err);
    }
    if (n > 0)
        free(names);
}

/* cached_origin - the module path recorded in the cache's HASH.json. */
static void cached_origin(const char *meta, char *path)
{
    char *text = NULL;
    long n = 0;
    FILE *fp = fopen(meta, "rb");
    snprintf(path, PATH_MAX, "(unknown)");
    if (!fp)
        return;
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

/* list_cache - describe every compiled user's module in the cache; returns
 * how many there are. */
static int list_cache(FILE *f, int json, char *json_text)
{
    char dir[PATH_MAX], err[ERR_MAX], **names;
    int n = usercache_dir(dir, err) < 0 ? 0 : spool_list(dir, &names, err), count = 0;
    for (int i = 0; i < n; i++) {
        char so[PATH_MAX], wasm[PATH_MAX], meta[PATH_MAX], origin[PATH_MAX];
        char hex[17];
        uint64_t h;
        snprintf(hex, sizeof hex, "%.16s", names[i]);
        if (strlen(names[i]) != 19 || strcmp(names[i] + 16, ".so") != 0 ||
            hash_parse_hex(hex, &h) < 0 || usercache_file(wasm, dir, h, ".wasm", err) < 0 ||
            usercache_file(meta, dir, h, ".json", err) < 0)
            continue;
        snprintf(so, sizeof so, "%.*s/%s", PATH_MAX - 32, dir, names[i]);
        cached_origin(meta, origin);
        struct listed l = {so, origin, h, origin[0] == '/' && access(origin, F_OK) != 0};
        const char *base = strrchr(origin, '/') ? strrchr(origin, '/') + 1 : origin;
        list_one(f, base, so, wasm, &l, json, json_text);
        count++;
    }
    if (n > 0)
        free(names);
    return count;
}

int resolve_describe_all(FILE *f, int json, char *err)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return errf_sys(err, "fork");
    if (pid == 0) {
        static char seen[256][FILTER_NAME_MAX];
        static char dirs[16][PATH_MAX];
        char *json_text = malloc(FILTER_DESC_MAX);
        int nseen = 0, ndirs = filter_search_dirs(dirs, 16);
        if (!json_text)
            _exit(1);
        filter_runtime_init();
        for (int i = 0; i < ndirs; i++)
            list_dir(f, dirs[i], seen, &nseen, json, json_text);
        nseen += list_cache(f, json, json_text);
        fflush(f);
        free(json_text);
        _exit(nseen > 0 ? 0 : 3);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
        return errf(err, "no filters found (set TILESPOOL_FILTER_PATH?)");
    return errf(err, "listing filters failed (a filter crashed the lister)");
}
