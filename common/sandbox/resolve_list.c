/*
 * resolve_list.c - `tilespool filters`: every bundled filter and every
 * compiled user's module described, each in a child process of its own
 * (resolve.h).
 */
#include "resolve.h"
#include "resolve_impl.h"
#include "confine.h"
#include "err.h"
#include "hash.h"
#include "spool_fs.h"
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

/* Where a listed module came from: a bundled filter has no `cached`. */
struct listed {
    const char *cached;          /* the cache's HASH.so of a user's module */
    const char *path;            /* the module it was compiled from */
    struct hash hash;            /* its content hash */
    int stale;                   /* that module is gone: --prune removes it */
};

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
    if (m && resolve_describe_module(m, &d, json_text, &fi, err) == 0) {
        fputc(LIST_OUT, f);
        print_filter(f, &d, json_text, filter_module_abi(m), resolve_default_halo(m, fi, &d), lj->l,
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
