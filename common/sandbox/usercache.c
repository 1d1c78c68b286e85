/*
 * usercache.c - compile users' filter modules once into a cache keyed by
 * their content hash, the glue and the compile recipe (usercache.h).
 *
 * The compile is the Makefile's recipe for bundled filters, run by hand:
 *     wasm-validate m.wasm
 *     wasm2c -n tsf -o m.wasm.c m.wasm
 *     cc FLAGS -I GLUE -include GLUE/filter_object.h -include m.wasm.h
 *        -o m.so m.wasm.c GLUE/filter_glue.c
 * where FLAGS are the words of GLUE/filter.cflags, in a private temporary
 * directory inside the cache, from a copy of exactly the bytes that were
 * checked and hashed, each tool within the limits of toolrun.h.  The glue
 * is looked for next to the programs: lib/tilespool/glue when installed,
 * common/glue in a build tree.
 *
 * Where the cache is and which of its files are trusted is usercache_dir.c.
 */
#include "usercache.h"
#include "err.h"
#include "filter_glue.h"
#include "hash.h"
#include "manifest.h"
#include "spool_fs.h"
#include "subproc.h"
#include "toolrun.h"
#include "wasm_check.h"

#include <cjson/cJSON.h>
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MODULE_MAX (64u << 20)      /* as wasm_check_file */
#define CFLAGS_MAX 4096             /* bytes of filter.cflags */
#define CFLAGS_WORDS 64
#define TRIAL_MEMORY (256ull << 20) /* as describing a module (resolve.c) */

int usercache_file(char *out, const char *dir, const struct hash *key, const char *ext,
                   char *err)
{
    char hex[HASH_HEX_MAX];
    hash_hex(key, hex);
    if (snprintf(out, PATH_MAX, "%s/%s%s", dir, hex, ext) >= PATH_MAX)
        return errf(err, "%s: path too long", dir);
    return 0;
}

/* read_module - the whole file into a malloc'd *buf (caller frees). */
static int read_module(const char *path, uint8_t **buf, size_t *len, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errf_sys(err, "filter %s", path);
    *buf = malloc(MODULE_MAX);
    if (!*buf) {
        fclose(f);
        return errf(err, "filter %s: out of memory", path);
    }
    *len = fread(*buf, 1, MODULE_MAX, f);
    int bad = ferror(f), big = !feof(f) && *len == MODULE_MAX;
    fclose(f);
    if (!bad && !big)
        return 0;
    free(*buf);
    *buf = NULL;
    return bad ? errf_sys(err, "filter %s: read", path)
               : errf(err, "filter %s: larger than %u MiB", path, MODULE_MAX >> 20);
}

/* exe_relative - the first of the candidates (relative to the running
 * program's directory) that holds `file`, into out[PATH_MAX]. */
static int exe_relative(const char *const *cands, const char *file, char *out)
{
    char exe[PATH_MAX], probe[PATH_MAX];
    if (filter_exe_dir(exe, sizeof exe) < 0)
        return -1;
    for (int i = 0; cands[i]; i++) {
        snprintf(out, PATH_MAX, "%.*s/%s", PATH_MAX - 64, exe, cands[i]);
        snprintf(probe, sizeof probe, "%.*s/%s", PATH_MAX - 32, out, file);
        if (access(probe, R_OK) == 0)
            return 0;
    }
    return -1;
}

int usercache_glue_dir(char *dir, char *err)
{
    static const char *const cands[] = {"../../lib/tilespool/glue", "../../common/glue",
                                        "../../../common/glue", NULL};
    if (exe_relative(cands, "filter_glue.c", dir) == 0)
        return 0;
    return errf(err, "cannot find filter_glue.c (looked in lib/tilespool/glue and common/glue "
                "near the program): is tilespool installed completely?");
}

/* tool - the program to run for env (TILESPOOL_CC ...) or its default. */
static const char *tool(const char *env, const char *def)
{
    const char *v = getenv(env);
    return v && *v ? v : def;
}

/* The compile recipe: the glue's directory and the words of filter.cflags. */
struct recipe {
    char glue[PATH_MAX];
    char text[CFLAGS_MAX];       /* the file, comments blanked, words split by NULs */
    size_t len;                  /* bytes of the file as read */
    char *words[CFLAGS_WORDS + 1];
};

/* read_recipe - find the glue and read GLUE/filter.cflags into *r.  Words
 * are separated by white space; '#' starts a comment to the end of the
 * line (the Makefile reads the same file). */
static int read_recipe(struct recipe *r, char *err)
{
    char path[PATH_MAX];
    if (usercache_glue_dir(r->glue, err) < 0)
        return -1;
    snprintf(path, sizeof path, "%.*s/filter.cflags", PATH_MAX - 16, r->glue);
    FILE *f = fopen(path, "rb");
    if (!f)
        return errf_sys(err, "%s", path);
    r->len = fread(r->text, 1, sizeof r->text - 1, f);
    int bad = ferror(f) || r->len == sizeof r->text - 1;
    fclose(f);
    if (bad)
        return errf(err, "%s: unreadable or too long", path);
    r->text[r->len] = '\0';
    int n = 0, comment = 0;
    for (char *p = r->text; *p; p++) {
        comment = *p == '#' ? 1 : *p == '\n' ? 0 : comment;
        if (comment || isspace((unsigned char)*p)) {
            *p = '\0';
        } else if (p == r->text || p[-1] == '\0') {
            if (n == CFLAGS_WORDS)
                return errf(err, "%s: more than %d words", path, CFLAGS_WORDS);
            r->words[n++] = p;
        }
    }
    r->words[n] = NULL;
    return n > 0 ? 0 : errf(err, "%s: no flags", path);
}

/* recipe_key - the cache key of a module: its content hash with the glue
 * version and the compile flags, so that a changed recipe never loads an
 * object made by an old one.  The tools' names are left out: another
 * compiler makes an object of the same kind from the same flags. */
static int recipe_key(const struct recipe *r, const struct hash *module, struct hash *key,
                      char *err)
{
    struct hash_ctx c;
    char glue[16];
    if (hash_begin(&c, "tilespool compiled module", err) < 0)
        return -1;
    snprintf(glue, sizeof glue, "%d", TSF_GLUE_VERSION);
    hash_add(&c, module->b, HASH_BYTES);
    hash_add_str(&c, glue);
    for (int i = 0; r->words[i]; i++)
        hash_add_str(&c, r->words[i]);
    hash_end(&c, key);
    return 0;
}

int usercache_key(const struct hash *module, struct hash *key, char *err)
{
    struct recipe *r = malloc(sizeof *r);
    if (!r)
        return errf(err, "out of memory");
    int rc = read_recipe(r, err) < 0 ? -1 : recipe_key(r, module, key, err);
    free(r);
    return rc;
}

/* write_file - path := buf[len] (a new file); returns 0 or -1. */
static int write_file(const char *path, const void *buf, size_t len, char *err)
{
    FILE *f = fopen(path, "wbx");
    if (!f)
        return errf_sys(err, "%s", path);
    size_t w = fwrite(buf, 1, len, f);
    if (fclose(f) != 0 || w != len)
        return errf_sys(err, "%s: write", path);
    return 0;
}

/* write_meta - KEY.json in the temporary directory: where the module came
 * from, for `tilespool filters` and for people. */
static int write_meta(const char *path, const char *module, const struct hash *hash,
                      const struct hash *key, char *err)
{
    char hex[HASH_HEX_MAX], khex[HASH_HEX_MAX], abs[PATH_MAX], when[32];
    hash_hex(hash, hex);
    hash_hex(key, khex);
    manifest_utc_now(when);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", realpath(module, abs) ? abs : module);
    cJSON_AddStringToObject(o, "hash", hex);
    cJSON_AddStringToObject(o, "key", khex);
    cJSON_AddNumberToObject(o, "glue", TSF_GLUE_VERSION);
    cJSON_AddStringToObject(o, "wasm2c", tool("TILESPOOL_WASM2C", "wasm2c"));
    cJSON_AddStringToObject(o, "cc", tool("TILESPOOL_CC", "cc"));
    cJSON_AddStringToObject(o, "compiled", when);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return errf(err, "%s: out of memory", path);
    int rc = write_file(path, text, strlen(text), err);
    free(text);
    return rc;
}

/* memory_hint - after a tool failed: when its output says it ran out of
 * memory (a compiler driver reports its cc1 killed by the limit as an
 * internal error, not by dying itself), add the limit to err. */
static void memory_hint(int logfd, const struct toolrun_limits *lim, char *err)
{
    static const char *const signs[] = {"out of memory", "memory exhausted",
                                        "Cannot allocate memory", "signal terminated program",
                                        "std::bad_alloc", NULL};
    char tail[8192];
    off_t end = lseek(logfd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof tail - 1 ? end - (off_t)sizeof tail + 1 : 0;
    ssize_t n = end < 0 ? -1 : pread(logfd, tail, sizeof tail - 1, from);
    if (n <= 0)
        return;
    tail[n] = '\0';
    for (int i = 0; signs[i]; i++)
        if (strstr(tail, signs[i])) {
            char cause[ERR_MAX];
            snprintf(cause, sizeof cause, "%s", err);
            errf(err, "%s, out of memory (limit %lu MiB, TILESPOOL_COMPILE_MEMORY)", cause,
                 lim->memory_mb);
            return;
        }
}

/* translate - wasm-validate, wasm2c and cc in tmpdir on tmpdir/m.wasm,
 * each within the limits, their output into logfd. */
static int translate(const char *tmpdir, const struct recipe *r, int logfd, char *err)
{
    char wasm[PATH_MAX], c[PATH_MAX], h[PATH_MAX], so[PATH_MAX];
    char glue_c[PATH_MAX], glue_h[PATH_MAX], inc1[PATH_MAX + 2], inc2[PATH_MAX + 8];
    char *cc[CFLAGS_WORDS + 16];
    struct toolrun_limits lim;
    if (toolrun_limits_from_env(&lim, err) < 0)
        return -1;
    snprintf(wasm, sizeof wasm, "%.*s/m.wasm", PATH_MAX - 16, tmpdir);
    snprintf(c, sizeof c, "%.*s/m.wasm.c", PATH_MAX - 16, tmpdir);
    snprintf(h, sizeof h, "%.*s/m.wasm.h", PATH_MAX - 16, tmpdir);
    snprintf(so, sizeof so, "%.*s/m.so", PATH_MAX - 16, tmpdir);
    snprintf(glue_c, sizeof glue_c, "%.*s/filter_glue.c", PATH_MAX - 24, r->glue);
    snprintf(glue_h, sizeof glue_h, "%.*s/filter_object.h", PATH_MAX - 24, r->glue);
    snprintf(inc1, sizeof inc1, "-I%s", r->glue);        /* installed: the header is beside */
    snprintf(inc2, sizeof inc2, "-I%s/..", r->glue);     /* build tree: common/filter_glue.h */
    char *w2c[] = {(char *)tool("TILESPOOL_WASM2C", "wasm2c"), "-n", "tsf", "-o", c, wasm, NULL};
    int n = 0;
    cc[n++] = (char *)tool("TILESPOOL_CC", "cc");
    for (int i = 0; r->words[i]; i++)
        cc[n++] = r->words[i];
    char *tail[] = {inc1, inc2, "-include", glue_h, "-include", h, "-o", so, c, glue_c, NULL};
    for (int i = 0; tail[i]; i++)
        cc[n++] = tail[i];
    cc[n] = NULL;
    assert(n < (int)(sizeof cc / sizeof cc[0]));
    if (wasm_check_validate(wasm, logfd, err) < 0)
        return -1;
    int rc = toolrun_run(w2c, logfd, &lim, err);
    if (rc == 0)
        rc = toolrun_run(cc, logfd, &lim, err);
    /* a limit toolrun saw is named already; a driver whose cc1 the limit
     * killed only exits non-zero, and says so in the log */
    if (rc == TOOLRUN_FAILED)
        memory_hint(logfd, &lim, err);
    return rc < 0 ? -1 : 0;
}

/* What trial_child is given: where the object is, the module's name. */
struct trial_ctx {
    const char *tmpdir, *name;
};

/* What trial_child reports: 0 or -1, and why. */
struct trial_answer {
    int rc;
    char err[ERR_MAX];
};

/* trial_child - load the new object, instantiate it (its start function
 * runs), ask its ABI version and its description: what `tilespool
 * filters` will do with it.  Writes the answer to fd. */
static void trial_child(void *ctx, int fd)
{
    const struct trial_ctx *t = ctx;
    const char *tmpdir = t->tmpdir;
    char so[PATH_MAX], wasm[PATH_MAX];
    struct trial_answer a = {-1, ""};
    struct filter_desc d;
    snprintf(so, sizeof so, "%.*s/m.so", PATH_MAX - 16, tmpdir);
    snprintf(wasm, sizeof wasm, "%.*s/m.wasm", PATH_MAX - 16, tmpdir);
    filter_runtime_init();
    int why;
    int32_t abi = 0;
    char *json = malloc(FILTER_DESC_MAX);
    struct filter_module *m = filter_load(t->name, FILTER_WASM, so, wasm, a.err);
    struct filter_inst *fi = m && json ? filter_instantiate(m, TRIAL_MEMORY, &why, a.err) : NULL;
    if (fi && filter_call_abi_version(fi, &abi, a.err) == 0 &&
        filter_call_describe(fi, &d, json, a.err) == 0)
        a.rc = 0;
    if (write(fd, &a, sizeof a) != (ssize_t)sizeof a)
        _exit(1);
    _exit(0);
}

/* trial - trial_child in a process of its own with the compile's time
 * limit: a module that cannot start or describe itself is not published,
 * so that nothing loads it later without a deadline. */
static int trial(const char *tmpdir, const char *module, char *err)
{
    struct toolrun_limits lim;
    struct trial_answer a;
    struct subproc_result res;
    char how[64];
    const char *base = strrchr(module, '/') ? strrchr(module, '/') + 1 : module;
    struct trial_ctx t = {tmpdir, base};
    if (toolrun_limits_from_env(&lim, err) < 0 ||
        subproc_run(trial_child, &t, &a, sizeof a, lim.timeout_sec, &res, err) < 0)
        return -1;
    subproc_how(&res, how, sizeof how);
    if (res.timed_out)
        return errf(err, "starting and describing the module took longer than %d s "
                    "(TILESPOOL_COMPILE_TIMEOUT)", lim.timeout_sec);
    if (res.got != sizeof a || !subproc_exited_ok(&res))
        return errf(err, "the process starting and describing the module %s", how);
    a.err[ERR_MAX - 1] = '\0';
    return a.rc == 0 ? 0 : errf(err, "the module does not start and describe itself: %s",
                                a.err);
}

/* clean_tmp - remove the temporary directory and what the compile left. */
static void clean_tmp(const char *tmpdir)
{
    static const char *const names[] = {"m.wasm", "m.wasm.c", "m.wasm.h", "m.so", "m.json",
                                        "m.log", NULL};
    char p[PATH_MAX];
    for (int i = 0; names[i]; i++) {
        snprintf(p, sizeof p, "%.*s/%s", PATH_MAX - 16, tmpdir, names[i]);
        unlink(p);
    }
    rmdir(tmpdir);
}

/* publish - move the finished files to their names, replacing whatever
 * was there, the .so last: an entry is complete exactly when KEY.so
 * exists. */
static int publish(const char *tmpdir, const char *dir, const struct hash *key, char *err)
{
    static const char *const from[] = {"m.wasm", "m.json", "m.so"};
    static const char *const to[] = {".wasm", ".json", ".so"};
    char src[PATH_MAX], dst[PATH_MAX];
    for (int i = 0; i < 3; i++) {
        snprintf(src, sizeof src, "%.*s/%s", PATH_MAX - 16, tmpdir, from[i]);
        if (usercache_file(dst, dir, key, to[i], err) < 0)
            return -1;
        if (rename(src, dst) < 0)
            return errf_sys(err, "rename %s to %s", src, dst);
    }
    return 0;
}

/* keep_log - move the failed compile's output to KEY.log and name it in
 * err after the cause already there. */
static void keep_log(const char *tmpdir, const char *dir, const struct hash *key,
                     const char *module, char *err)
{
    char src[PATH_MAX], dst[PATH_MAX], cause[ERR_MAX], e2[ERR_MAX];
    snprintf(cause, sizeof cause, "%s", err);
    snprintf(src, sizeof src, "%.*s/m.log", PATH_MAX - 16, tmpdir);
    if (usercache_file(dst, dir, key, ".log", e2) == 0 && rename(src, dst) == 0)
        errf(err, "filter %s: cannot compile: %s (output in %s)", module, cause, dst);
    else
        errf(err, "filter %s: cannot compile: %s", module, cause);
}

/* compile - the whole compile of buf into dir, under the lock.  Nothing is
 * published unless every step succeeded. */
static int compile(const char *dir, const struct recipe *r, const struct hash *hash,
                   const struct hash *key, const uint8_t *buf, size_t len, const char *module,
                   char *err)
{
    char tmpdir[PATH_MAX], path[PATH_MAX];
    snprintf(tmpdir, sizeof tmpdir, "%.*s/.tmp.XXXXXX", PATH_MAX - 16, dir);
    if (!mkdtemp(tmpdir))
        return errf_sys(err, "filter %s: cannot make a directory in %s", module, dir);
    snprintf(path, sizeof path, "%.*s/m.log", PATH_MAX - 16, tmpdir);
    int logfd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = logfd < 0 ? errf_sys(err, "filter %s: %s", module, path) : 0;
    snprintf(path, sizeof path, "%.*s/m.wasm", PATH_MAX - 16, tmpdir);
    if (rc == 0 && write_file(path, buf, len, err) == 0) {
        snprintf(path, sizeof path, "%.*s/m.json", PATH_MAX - 16, tmpdir);
        if ((rc = translate(tmpdir, r, logfd, err)) < 0)
            keep_log(tmpdir, dir, key, module, err);
        else if ((rc = trial(tmpdir, module, err)) < 0)
            err_prefix(err, "filter %s: refused", module);
        else if (write_meta(path, module, hash, key, err) < 0 ||
                 publish(tmpdir, dir, key, err) < 0)
            rc = err_prefix(err, "filter %s", module);
    } else if (rc == 0) {
        rc = err_prefix(err, "filter %s", module);
    }
    if (logfd >= 0)
        close(logfd);
    clean_tmp(tmpdir);
    return rc;
}

/* clean_stale - remove the temporary directories of compiles that died:
 * compiles run only under the lock, so with the lock held every .tmp.*
 * there is garbage. */
static void clean_stale(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[PATH_MAX];
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, ".tmp.", 5) == 0 &&
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p)
            clean_tmp(p);
    }
    if (d)
        closedir(d);
}

/* have_object - 1 when so is a trustworthy object, else 0. */
static int have_object(const char *so)
{
    char e[ERR_MAX];
    int fd;
    if (usercache_open(so, &fd, e) < 0)
        return 0;
    close(fd);
    return 1;
}

/* ensure_compiled - a trustworthy KEY.so exists in dir when this returns 0. */
static int ensure_compiled(const char *dir, const struct recipe *r, const struct hash *hash,
                           const struct hash *key, const uint8_t *buf, size_t len,
                           const char *module, char *so, char *err)
{
    if (usercache_make_dir(dir, err) < 0)
        return err_prefix(err, "filter %s: cache directory", module);
    if (usercache_file(so, dir, key, ".so", err) < 0)
        return -1;
    if (have_object(so))
        return 0;
    int lock = -1;
    if (spool_lock(dir, 1, &lock, err) != 0)
        return err_prefix(err, "filter %s: cache directory", module);
    clean_stale(dir);
    /* whoever held the lock may have compiled the very same module; an
     * object that is not trustworthy is compiled again and replaced */
    int rc = have_object(so) ? 0 : compile(dir, r, hash, key, buf, len, module, err);
    close(lock);
    return rc;
}

int usercache_build(const char *module, const struct hash *expect, struct hash *hash, char *so,
                    char *err)
{
    char dir[PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    struct hash key;
    struct recipe *r = malloc(sizeof *r);
    if (!r)
        return errf(err, "filter %s: out of memory", module);
    int rc = usercache_dir(dir, err) < 0 || read_recipe(r, err) < 0
                 ? err_prefix(err, "filter %s", module)
                 : read_module(module, &buf, &len, err);
    if (rc == 0)
        rc = wasm_check_buffer(buf, len, module, err);
    if (rc == 0 && (hash_buffer(buf, len, hash, err) < 0 || recipe_key(r, hash, &key, err) < 0))
        rc = err_prefix(err, "filter %s", module);
    if (rc == 0 && expect && !hash_equal(hash, expect))
        rc = errf(err, "filter %s has changed since the job was split "
                  "(re-run the splitter with --new)", module);
    if (rc == 0)
        rc = ensure_compiled(dir, r, hash, &key, buf, len, module, so, err);
    free(buf);
    free(r);
    return rc;
}

int usercache_find_stage(const struct stage_spec *s, char *so_path, char *wasm_path, char *err)
{
    char dir[PATH_MAX];
    struct hash key;
    if (!s->path[0])
        return filter_find(s->name, so_path, wasm_path, err);
    if (snprintf(wasm_path, PATH_MAX, "%s", s->path) >= PATH_MAX || usercache_dir(dir, err) < 0 ||
        usercache_key(&s->hash, &key, err) < 0 || usercache_file(so_path, dir, &key, ".so", err) < 0)
        return err_prefix(err, "filter %s", s->path);
    return 0;
}
