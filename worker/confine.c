/*
 * confine.c - reduce what a worker child may do before it runs filters.
 *
 * The filters themselves can do nothing but compute: a module may import
 * no function, so it has no way to make a system call.  What this guards
 * against is a bug in the host code of the child (tile reading, the
 * runtime) being turned against the machine: after confine_child() the
 * child cannot write outside the job directories it serves, cannot gain
 * privileges through exec, and leaves no core dumps.  Reading stays
 * allowed: the child reads filter objects and tiles.
 *
 * Landlock (Linux 5.13+) does the file-system part; on kernels without it
 * the supervisor says once that children are not confined.
 */
#include "confine.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Rights added in later Landlock ABI versions than this system's header
 * may know; the values are fixed by the kernel ABI. */
#define TS_LANDLOCK_REFER (1ULL << 13)     /* ABI 2 */
#define TS_LANDLOCK_TRUNCATE (1ULL << 14)  /* ABI 3 */

int confine_available(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi > 0 ? (int)abi : 0;
}

/* write_rights - every right that changes the file system, for an ABI. */
static uint64_t write_rights(int abi)
{
    uint64_t r = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2)
        r |= TS_LANDLOCK_REFER;
    if (abi >= 3)
        r |= TS_LANDLOCK_TRUNCATE;
    return r;
}

/* allow_beneath - let the ruleset grant `rights` under directory dir. */
static int allow_beneath(int ruleset, const char *dir, uint64_t rights, char *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errf_sys(err, "%s: confine", dir);
    struct landlock_path_beneath_attr pb = {.allowed_access = rights, .parent_fd = fd};
    long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    int e = errno;
    close(fd);
    errno = e;
    return rc < 0 ? errf_sys(err, "%s: landlock rule", dir) : 0;
}

/* landlock_jobs - writes only beneath the job directories. */
static int landlock_jobs(const struct job *jobs, int njobs, int abi, char *err)
{
    uint64_t rights = write_rights(abi);
    struct landlock_ruleset_attr attr = {.handled_access_fs = rights};
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0)
        return errf_sys(err, "landlock ruleset");
    int rc = 0;
    for (int i = 0; i < njobs && rc == 0; i++)
        rc = allow_beneath(ruleset, jobs[i].dir, rights, err);
    if (rc == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
        rc = errf_sys(err, "landlock restrict");
    close(ruleset);
    return rc;
}

int confine_child(const struct job *jobs, int njobs, char *err)
{
    struct rlimit none = {0, 0};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return errf_sys(err, "no_new_privs");
    if (setrlimit(RLIMIT_CORE, &none) < 0)
        return errf_sys(err, "core limit");
    int abi = confine_available();
    return abi > 0 ? landlock_jobs(jobs, njobs, abi, err) : 0;
}
