/*
 * spool_flock.c - take and test the locks of claims and jobs
 * (spool_flock.h).
 */
#include "spool_flock.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

int spool_flock_try(const char *path, char *err)
{
    int fd = spool_open(path, O_RDONLY, err);
    if (fd == -2)
        return -3;
    if (fd < 0)
        return errno == ENOENT ? -2 : -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return -2;
        errno = e;
        return errf_sys(err, "%s: flock", path);
    }
    return fd;
}

int spool_flock_held(const char *path, int dir, char *err)
{
    int fd = dir ? open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                 : spool_open(path, O_RDONLY, err);
    if (fd == -2)
        return 2;
    if (fd < 0 && (errno == ENOENT || (dir && (errno == ELOOP || errno == ENOTDIR))))
        return 2;
    if (fd < 0)
        return dir ? errf_sys(err, "%s", path) : -1;
    int rc = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) < 0)
        rc = errno == EWOULDBLOCK ? 1 : errf_sys(err, "%s: flock", path);
    close(fd);
    return rc;
}
