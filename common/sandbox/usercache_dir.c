/*
 * usercache_dir.c - where the cache of users' compiled modules is, and
 * which of its directories and files are trusted (usercache.h).
 *
 * The cache directory and the directories tilespool makes above it must
 * be owned by the user and writable by nobody else, so that nobody else
 * can put a file there or swap one; each object must be a regular file
 * of the user's that nobody else can write, checked on an open
 * descriptor before it is used.  Anything else is refused: a bad object
 * is compiled afresh and replaced by rename(2) (usercache.c), a bad
 * directory is an error.  Pruning removes the entries whose source
 * module is gone.
 */
#include "usercache.h"
#include "err.h"
#include "filter_glue.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cache_base - XDG_CACHE_HOME, or HOME/.cache, into base[PATH_MAX]. */
static int cache_base(char *base, char *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    /* The XDG base directory rules say a relative value is to be ignored. */
    if (xdg && xdg[0] == '/')
        n = snprintf(base, PATH_MAX, "%s", xdg);
    else if (home && home[0])
        n = snprintf(base, PATH_MAX, "%s/.cache", home);
    else
        return errf(err, "no cache directory for compiled filters: set XDG_CACHE_HOME or HOME");
    return n < PATH_MAX - 64 ? 0 : errf(err, "cache directory path too long");
}

int usercache_dir(char *dir, char *err)
{
    char base[PATH_MAX];
    if (cache_base(base, err) < 0)
        return -1;
    /* A compiled module is bound to the glue it was built with; one folder
     * per glue version makes a host with new glue compile afresh instead
     * of loading objects it cannot use. */
    snprintf(dir, PATH_MAX, "%.*s/tilespool/glue-%d", PATH_MAX - 64, base, TSF_GLUE_VERSION);
    return 0;
}

int usercache_open(const char *path, int *fd, char *err)
{
    struct stat st;
    *fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return errno == ELOOP ? errf(err, "%s is a symbolic link", path)
                              : errf_sys(err, "%s", path);
    const char *why = fstat(*fd, &st) < 0 ? strerror(errno)
                      : !S_ISREG(st.st_mode) ? "not a regular file"
                      : st.st_uid != geteuid() ? "owned by another user"
                      : (st.st_mode & 022) ? "writable by others" : NULL;
    if (!why)
        return 0;
    close(*fd);
    *fd = -1;
    return errf(err, "%s: %s", path, why);
}

struct filter_module *usercache_load(const char *name, const char *so, const char *wasm,
                                     char *err)
{
    int fd;
    struct stat a, b;
    if (usercache_open(so, &fd, err) < 0) {
        err_prefix(err, "filter %s: refused", name);
        return NULL;
    }
    struct filter_module *m = filter_load(name, FILTER_WASM, so, wasm, err);
    /* The directory is the user's alone, so only the user could swap the
     * file between the check and dlopen; this says if that happened. */
    if (m && (fstat(fd, &a) < 0 || stat(so, &b) < 0 || a.st_dev != b.st_dev ||
              a.st_ino != b.st_ino)) {
        errf(err, "filter %s: %s was replaced while it was being loaded", name, so);
        filter_unload(m);
        m = NULL;
    }
    close(fd);
    return m;
}

/* safe_dir - path must be a directory (not a link to one) of the user's
 * that nobody else can write; a directory of the user's that others can
 * write is made safe.  Returns 0 or -1. */
static int safe_dir(const char *path, char *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errf_sys(err, "%s", path);
    if (!S_ISDIR(st.st_mode))
        return errf(err, "%s is not a directory", path);
    if (st.st_uid != geteuid())
        return errf(err, "%s belongs to another user", path);
    if ((st.st_mode & 022) && chmod(path, st.st_mode & 07755) < 0)
        return errf_sys(err, "%s is writable by others and cannot be changed", path);
    return 0;
}

/* safe_base - the directory the cache goes in (XDG_CACHE_HOME, ~/.cache)
 * may be a link, and may be shared if it is sticky like /tmp (then
 * nobody can replace what the user made in it), but must belong to the
 * user or to root. */
static int safe_base(const char *path, char *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return errf_sys(err, "%s", path);
    if (!S_ISDIR(st.st_mode))
        return errf(err, "%s is not a directory", path);
    if (st.st_uid != geteuid() && st.st_uid != 0)
        return errf(err, "%s belongs to another user", path);
    if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
        return errf(err, "%s is writable by others", path);
    return 0;
}

int usercache_make_dir(const char *dir, char *err)
{
    char p[PATH_MAX], base[PATH_MAX];
    if (cache_base(base, err) < 0)
        return -1;
    size_t blen = strlen(base);
    assert(strncmp(dir, base, blen) == 0 && dir[blen] == '/');
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; ; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
            return errf_sys(err, "%s", p);
        int rc = (size_t)(s - p) < blen ? 0 : (size_t)(s - p) == blen ? safe_base(p, err)
                                                                    : safe_dir(p, err);
        if (rc < 0)
            return -1;
        if (!(*s = c))
            return 0;
    }
}

/* stale_key - 1 with *key set when name is KEY.json, trusted, recording
 * an absolute source path that no longer exists; else 0. */
static int stale_key(const char *dir, const char *name, struct hash *key)
{
    char hex[HASH_HEX_MAX], meta[PATH_MAX], text[8192], e[ERR_MAX];
    size_t len = strlen(name);
    if (len != HASH_HEX_MAX - 1 + 5 || strcmp(name + HASH_HEX_MAX - 1, ".json") != 0)
        return 0;
    snprintf(hex, sizeof hex, "%.*s", HASH_HEX_MAX - 1, name);
    int fd;
    if (hash_parse_hex(hex, key) < 0 || usercache_file(meta, dir, key, ".json", e) < 0 ||
        usercache_open(meta, &fd, e) < 0)
        return 0;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
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
        struct hash key;
        char path[PATH_MAX];
        if (!stale_key(dir, e->d_name, &key))
            continue;
        /* KEY.json last: a prune that stops half-way finds the entry again */
        for (size_t i = 0; rc == 0 && i < sizeof exts / sizeof *exts; i++) {
            if (usercache_file(path, dir, &key, exts[i], err) < 0)
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
