/*
 * usercache.c - compile users' filter modules once into a cache keyed by
 * their content hash (usercache.h).
 *
 * The compile is the Makefile's recipe for bundled filters, run by hand:
 *     wasm2c -n tsf -o m.wasm.c m.wasm
 *     cc -std=c11 -O2 -fPIC -shared -ffp-contract=off -fno-math-errno
 *        -fno-optimize-sibling-calls -w -I GLUE
 *        -include GLUE/filter_object.h -include m.wasm.h
 *        -o m.so m.wasm.c GLUE/filter_glue.c
 * in a temporary directory inside the cache, from a copy of exactly the
 * bytes that were checked and hashed.  The glue is looked for next to the
 * programs: lib/tilespool/glue when installed, common/glue in a build tree.
 */
#include "usercache.h"
#include "err.h"
#include "filter_glue.h"
#include "hash.h"
#include "manifest.h"
#include "spool.h"
#include "wasm_check.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MODULE_MAX (64u << 20)      /* as wasm_check_file */

int usercache_dir(char *dir, char *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    /* A compiled module is bound to the glue it was built with; one folder
     * per glue version makes a host with new glue compile afresh instead
     * of loading objects it cannot use.  The XDG base directory rules say
     * a relative value is to be ignored. */
    if (xdg && xdg[0] == '/')
        n = snprintf(dir, PATH_MAX, "%s/tilespool/glue-%d", xdg, TSF_GLUE_VERSION);
    else if (home && home[0])
        n = snprintf(dir, PATH_MAX, "%s/.cache/tilespool/glue-%d", home, TSF_GLUE_VERSION);
    else
        return errf(err, "no cache directory for compiled filters: set XDG_CACHE_HOME or HOME");
    return n < PATH_MAX ? 0 : errf(err, "cache directory path too long");
}

int usercache_file(char *out, const char *dir, uint64_t hash, const char *ext, char *err)
{
    char hex[17];
    hash_hex(hash, hex);
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

/* find_glue - directory of filter_glue.c, installed or in a build tree
 * (build/bin, build/tools, build/asan/bin ...). */
static int find_glue(char *dir, char *err)
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

/* run_tool - spawn argv with stdin from /dev/null and stdout and stderr
 * into logfd, wait for it.  Returns 0 when it exited 0, else -1 with err
 * saying how it ended. */
static int run_tool(char *const argv[], int logfd, char *err)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return errf(err, "cannot run %s: out of memory", argv[0]);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, logfd, 1);
    posix_spawn_file_actions_adddup2(&fa, logfd, 2);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return errf(err, "cannot run %s: %s", argv[0], strerror(rc));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return errf_sys(err, "%s: waitpid", argv[0]);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return WIFSIGNALED(status) ? errf(err, "%s died of signal %d", argv[0], WTERMSIG(status))
                               : errf(err, "%s failed (exit %d)", argv[0], WEXITSTATUS(status));
}

/* write_file - path := buf[len] (a new file); returns 0 or -1. */
static int write_file(const char *path, const void *buf, size_t len, char *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return errf_sys(err, "%s", path);
    size_t w = fwrite(buf, 1, len, f);
    if (fclose(f) != 0 || w != len)
        return errf_sys(err, "%s: write", path);
    return 0;
}

/* write_meta - HASH.json in the temporary directory: where the module
 * came from, for `tilespool filters` and for people. */
static int write_meta(const char *path, const char *module, uint64_t hash, char *err)
{
    char hex[17], abs[PATH_MAX], when[32];
    hash_hex(hash, hex);
    manifest_utc_now(when);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", realpath(module, abs) ? abs : module);
    cJSON_AddStringToObject(o, "hash", hex);
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

/* translate - wasm2c and cc in tmpdir on tmpdir/m.wasm, output into logfd. */
static int translate(const char *tmpdir, int logfd, char *err)
{
    char wasm[PATH_MAX], c[PATH_MAX], h[PATH_MAX], so[PATH_MAX], glue[PATH_MAX];
    char glue_c[PATH_MAX], glue_h[PATH_MAX], inc1[PATH_MAX + 2], inc2[PATH_MAX + 8];
    if (find_glue(glue, err) < 0)
        return -1;
    snprintf(wasm, sizeof wasm, "%.*s/m.wasm", PATH_MAX - 16, tmpdir);
    snprintf(c, sizeof c, "%.*s/m.wasm.c", PATH_MAX - 16, tmpdir);
    snprintf(h, sizeof h, "%.*s/m.wasm.h", PATH_MAX - 16, tmpdir);
    snprintf(so, sizeof so, "%.*s/m.so", PATH_MAX - 16, tmpdir);
    snprintf(glue_c, sizeof glue_c, "%.*s/filter_glue.c", PATH_MAX - 24, glue);
    snprintf(glue_h, sizeof glue_h, "%.*s/filter_object.h", PATH_MAX - 24, glue);
    snprintf(inc1, sizeof inc1, "-I%s", glue);        /* installed: the header is beside */
    snprintf(inc2, sizeof inc2, "-I%s/..", glue);     /* build tree: common/filter_glue.h */
    char *w2c[] = {(char *)tool("TILESPOOL_WASM2C", "wasm2c"), "-n", "tsf", "-o", c, wasm, NULL};
    char *cc[] = {(char *)tool("TILESPOOL_CC", "cc"), "-std=c11", "-O2", "-fPIC", "-shared",
                  "-ffp-contract=off", "-fno-math-errno", "-fno-optimize-sibling-calls", "-w",
                  inc1, inc2, "-include", glue_h, "-include", h, "-o", so, c, glue_c, NULL};
    if (run_tool(w2c, logfd, err) < 0 || run_tool(cc, logfd, err) < 0)
        return -1;
    return 0;
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

/* publish - move the finished files to their names, the .so last: an
 * entry is complete exactly when HASH.so exists. */
static int publish(const char *tmpdir, const char *dir, uint64_t hash, char *err)
{
    static const char *const from[] = {"m.wasm", "m.json", "m.so"};
    static const char *const to[] = {".wasm", ".json", ".so"};
    char src[PATH_MAX], dst[PATH_MAX];
    for (int i = 0; i < 3; i++) {
        snprintf(src, sizeof src, "%.*s/%s", PATH_MAX - 16, tmpdir, from[i]);
        if (usercache_file(dst, dir, hash, to[i], err) < 0)
            return -1;
        if (rename(src, dst) < 0)
            return errf_sys(err, "rename %s to %s", src, dst);
    }
    return 0;
}

/* keep_log - move the failed compile's output to HASH.log and name it in
 * err after the cause already there. */
static void keep_log(const char *tmpdir, const char *dir, uint64_t hash, const char *module,
                     char *err)
{
    char src[PATH_MAX], dst[PATH_MAX], cause[ERR_MAX], e2[ERR_MAX];
    snprintf(cause, sizeof cause, "%s", err);
    snprintf(src, sizeof src, "%.*s/m.log", PATH_MAX - 16, tmpdir);
    if (usercache_file(dst, dir, hash, ".log", e2) == 0 && rename(src, dst) == 0)
        errf(err, "filter %s: cannot compile: %s (output in %s)", module, cause, dst);
    else
        errf(err, "filter %s: cannot compile: %s", module, cause);
}

/* compile - the whole compile of buf into dir, under the lock. */
static int compile(const char *dir, uint64_t hash, const uint8_t *buf, size_t len,
                   const char *module, char *err)
{
    char tmpdir[PATH_MAX], path[PATH_MAX];
    snprintf(tmpdir, sizeof tmpdir, "%.*s/.tmp.XXXXXX", PATH_MAX - 16, dir);
    if (!mkdtemp(tmpdir))
        return errf_sys(err, "filter %s: cannot make a directory in %s", module, dir);
    snprintf(path, sizeof path, "%.*s/m.log", PATH_MAX - 16, tmpdir);
    int logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = logfd < 0 ? errf_sys(err, "filter %s: %s", module, path) : 0;
    snprintf(path, sizeof path, "%.*s/m.wasm", PATH_MAX - 16, tmpdir);
    if (rc == 0 && write_file(path, buf, len, err) == 0) {
        snprintf(path, sizeof path, "%.*s/m.json", PATH_MAX - 16, tmpdir);
        if ((rc = translate(tmpdir, logfd, err)) < 0)
            keep_log(tmpdir, dir, hash, module, err);
        else if (write_meta(path, module, hash, err) < 0 || publish(tmpdir, dir, hash, err) < 0)
            rc = err_prefix(err, "filter %s", module);
    } else if (rc == 0) {
        rc = err_prefix(err, "filter %s", module);
    }
    if (logfd >= 0)
        close(logfd);
    clean_tmp(tmpdir);
    return rc;
}

/* make_dirs - mkdir -p path; returns 0 or -1. */
static int make_dirs(const char *path, char *err)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; ; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return errf_sys(err, "%s", p);
        if (!(*s = c))
            return 0;
    }
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

/* ensure_compiled - HASH.so exists in dir when this returns 0. */
static int ensure_compiled(const char *dir, uint64_t hash, const uint8_t *buf, size_t len,
                           const char *module, char *so, char *err)
{
    if (usercache_file(so, dir, hash, ".so", err) < 0)
        return -1;
    if (access(so, R_OK) == 0)
        return 0;
    if (make_dirs(dir, err) < 0)
        return err_prefix(err, "filter %s: cache directory", module);
    int lock = -1;
    if (spool_lock(dir, 1, &lock, err) != 0)
        return err_prefix(err, "filter %s: cache directory", module);
    clean_stale(dir);
    /* whoever held the lock may have compiled the very same module */
    int rc = access(so, R_OK) == 0 ? 0 : compile(dir, hash, buf, len, module, err);
    close(lock);
    return rc;
}

int usercache_build(const char *module, uint64_t expect, uint64_t *hash, char *so, char *err)
{
    char dir[PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    if (usercache_dir(dir, err) < 0)
        return err_prefix(err, "filter %s", module);
    if (read_module(module, &buf, &len, err) < 0)
        return -1;
    int rc = wasm_check_buffer(buf, len, module, err);
    if (rc == 0) {
        *hash = hash_bytes(HASH_INIT, buf, len);
        if (expect && *hash != expect)
            rc = errf(err, "filter %s has changed since the job was split "
                      "(re-run the splitter with --new)", module);
    }
    if (rc == 0)
        rc = ensure_compiled(dir, *hash, buf, len, module, so, err);
    free(buf);
    return rc;
}

int usercache_find_stage(const struct stage_spec *s, char *so_path, char *wasm_path, char *err)
{
    char dir[PATH_MAX];
    if (!s->path[0])
        return filter_find(s->name, so_path, wasm_path, err);
    if (snprintf(wasm_path, PATH_MAX, "%s", s->path) >= PATH_MAX || usercache_dir(dir, err) < 0 ||
        usercache_file(so_path, dir, s->hash, ".so", err) < 0)
        return err_prefix(err, "filter %s", s->path);
    return 0;
}

/* stale_hash - 1 with *hash set if name is HASH.json recording a source
 * path that no longer exists. */
static int stale_hash(const char *dir, const char *name, uint64_t *hash)
{
    char hex[17], meta[PATH_MAX], text[8192];
    snprintf(hex, sizeof hex, "%.16s", name);
    if (strlen(name) != 21 || strcmp(name + 16, ".json") != 0 || hash_parse_hex(hex, hash) < 0 ||
        snprintf(meta, sizeof meta, "%s/%s", dir, name) >= (int)sizeof meta)
        return 0;
    FILE *f = fopen(meta, "rb");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    cJSON *o = cJSON_Parse(text);
    cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "path");
    int stale = cJSON_IsString(p) && p->valuestring[0] == '/' && access(p->valuestring, F_OK) != 0;
    cJSON_Delete(o);
    return stale;
}

int usercache_prune(int *removed, char *err)
{
    static const char *const exts[] = {".so", ".wasm", ".log", ".json"};
    char dir[PATH_MAX];
    *removed = 0;
    if (usercache_dir(dir, err) < 0)
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : errf_sys(err, "%s", dir);
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        uint64_t h;
        char path[PATH_MAX];
        if (!stale_hash(dir, e->d_name, &h))
            continue;
        /* HASH.json last: a prune that stops half-way is seen again */
        for (size_t i = 0; rc == 0 && i < sizeof exts / sizeof *exts; i++) {
            if (usercache_file(path, dir, h, exts[i], err) < 0)
                rc = -1;
            else if (unlink(path) < 0 && errno != ENOENT)
                rc = errf_sys(err, "%s", path);
        }
        if (rc == 0)
            ++*removed;
    }
    closedir(d);
    return rc;
}
