/*
 * confine.c - confine a process that runs filter code (confine.h):
 * no_new_privs, no core dumps, Landlock, then the system call filter
 * (confine_sys.c).
 *
 * Landlock (Linux 5.13+) limits the file system: reading only the paths
 * of the rules, writing only beneath their writable directories, running
 * nothing.  Later ABI versions add more and are used where the kernel has
 * them: ABI 4 TCP (no bind, no connect), ABI 5 device ioctls, ABI 6
 * scoping (no abstract UNIX socket or signal reaches outside the
 * process's domain).  This system's header may predate them, so the
 * values, fixed by the kernel ABI, are spelled out here.
 */
#include "confine.h"
#include "err.h"
#include "filter.h"
#include "usercache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LL_EXECUTE (1ULL << 0)
#define LL_WRITE_FILE (1ULL << 1)
#define LL_READ_FILE (1ULL << 2)
#define LL_READ_DIR (1ULL << 3)
#define LL_REFER (1ULL << 13)           /* ABI 2 */
#define LL_TRUNCATE (1ULL << 14)        /* ABI 3 */
#define LL_IOCTL_DEV (1ULL << 15)       /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)     /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)  /* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)  /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)         /* ABI 6 */

/* A sanitizer build's runtime reads /proc/self/maps when a trap's
 * siglongjmp leaves the handler (it looks up the stack's bounds then). */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_READS "/proc/self/maps"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_READS "/proc/self/maps"
#endif
#endif

/* The ruleset attribute as of ABI 6; older kernels are given a prefix. */
struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

int confine_available(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi > 0 ? (int)abi : 0;
}

const char *confine_missing(void)
{
    static char text[512];
    int abi = confine_available(), sys = confine_syscalls_available();
    const char *fs = abi < 1 ? "no Landlock (files are not confined)"
                     : abi < 4 ? "Landlock without network rules (sockets are left to the "
                                 "system call filter)"
                     : abi < 6 ? "Landlock without scoping (signals and abstract sockets are "
                                 "left to the system call filter)"
                     : NULL;
    if (!fs && sys)
        return NULL;
    snprintf(text, sizeof text, "processes running filters are only partly confined on this "
             "kernel: %s%s%s", fs ? fs : "", fs && !sys ? "; " : "",
             sys ? "" : "no system call filter (seccomp)");
    return text;
}

void confine_rules_init(struct confine_rules *r)
{
    memset(r, 0, sizeof *r);
}

void confine_rules_free(struct confine_rules *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->path[i]);
    free(r->path);
    free(r->writable);
    confine_rules_init(r);
}

/* add_path - record a copy of path, growing the arrays as needed. */
static int add_path(struct confine_rules *r, const char *path, int writable, char *err)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        char **p = realloc(r->path, sizeof *p * (size_t)cap);
        if (p)
            r->path = p;
        int *w = p ? realloc(r->writable, sizeof *w * (size_t)cap) : NULL;
        if (!w)
            return errf(err, "out of memory");
        r->writable = w;
        r->cap = cap;
    }
    if (!(r->path[r->n] = strdup(path)))
        return errf(err, "out of memory");
    r->writable[r->n++] = writable;
    return 0;
}

int confine_read(struct confine_rules *r, const char *path, char *err)
{
    return add_path(r, path, 0, err);
}

int confine_write(struct confine_rules *r, const char *dir, char *err)
{
    return add_path(r, dir, 1, err);
}

int confine_filters(struct confine_rules *r, char *err)
{
    char dirs[16][PATH_MAX], cache[PATH_MAX], glue[PATH_MAX], ignored[ERR_MAX];
    int n = filter_search_dirs(dirs, 16);
    for (int i = 0; i < n; i++)
        if (confine_read(r, dirs[i], err) < 0)
            return -1;
    /* a cached module's key includes the compile recipe kept with the glue */
    if (usercache_glue_dir(glue, ignored) == 0 && confine_read(r, glue, err) < 0)
        return -1;
    /* without HOME there is no cache, and no user's module to read from it */
    return usercache_dir(cache, ignored) < 0 ? 0 : confine_read(r, cache, err);
}

/* fs_rights - the file-system rights Landlock ABI abi can handle. */
static uint64_t fs_rights(int abi)
{
    uint64_t r = (1ULL << 13) - 1;      /* ABI 1: execute .. make_sym */
    if (abi >= 2)
        r |= LL_REFER;
    if (abi >= 3)
        r |= LL_TRUNCATE;
    if (abi >= 5)
        r |= LL_IOCTL_DEV;
    return r;
}

/* add_rule - grant rights on path (masked to what a file may have when it
 * is not a directory).  A path that does not exist is skipped. */
static int add_rule(int ruleset, const char *path, int writable, uint64_t handled, char *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : errf_sys(err, "%s: confine", path);
    uint64_t rights = LL_READ_FILE | LL_READ_DIR;
    if (writable)
        rights = handled & ~(LL_EXECUTE | LL_IOCTL_DEV);
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
        rights &= LL_READ_FILE | LL_WRITE_FILE | LL_TRUNCATE;
    struct landlock_path_beneath_attr pb = {.allowed_access = rights & handled,
                                            .parent_fd = fd};
    long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    int e = errno;
    close(fd);
    errno = e;
    return rc < 0 ? errf_sys(err, "%s: landlock rule", path) : 0;
}

/* landlock - restrict this process to r at ABI abi. */
static int landlock(const struct confine_rules *r, int abi, char *err)
{
    struct ll_ruleset_attr attr = {fs_rights(abi), 0, 0};
    size_t size = sizeof attr.handled_access_fs;
    if (abi >= 4) {
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
        size += sizeof attr.handled_access_net;
    }
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
        size += sizeof attr.scoped;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0)
        return errf_sys(err, "landlock ruleset");
    int rc = 0;
    for (int i = 0; i < r->n && rc == 0; i++)
        rc = add_rule(ruleset, r->path[i], r->writable[i], attr.handled_access_fs, err);
#ifdef SANITIZER_READS
    if (rc == 0)
        rc = add_rule(ruleset, SANITIZER_READS, 0, attr.handled_access_fs, err);
#endif
    if (rc == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
        rc = errf_sys(err, "landlock restrict");
    close(ruleset);
    return rc;
}

int confine_process(const struct confine_rules *r, char *err)
{
    struct rlimit none = {0, 0};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return errf_sys(err, "no_new_privs");
    if (setrlimit(RLIMIT_CORE, &none) < 0)
        return errf_sys(err, "core limit");
    /* the time zone is read once, now: timestamps (gmtime_r too) would
     * otherwise open /etc/localtime later, where the rules forbid it */
    tzset();
    int abi = confine_available();
    if (abi > 0 && landlock(r, abi, err) < 0)
        return -1;
    return confine_syscalls_available() ? confine_syscalls(err) : 0;
}
