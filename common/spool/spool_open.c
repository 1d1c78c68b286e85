/*
 * spool_open.c - open the files of the spool (and the programs' inputs)
 * without following a symbolic link and without blocking (spool.h).
 *
 * A job directory is writable by whoever shares the spool, and a name in
 * it may be anything: a FIFO nobody writes (open(2) would wait forever), a
 * device, a directory, or a symbolic link to a file elsewhere (the spool
 * would read, or hand on, another file's bytes).  Every program opens
 * spool files here: O_NOFOLLOW | O_NONBLOCK, then fstat on the descriptor
 * it got, which must be a regular file; then O_NONBLOCK is cleared so
 * that reads behave as usual.
 */
#include "spool.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *spool_file_type(mode_t mode)
{
    return S_ISREG(mode) ? "a regular file" : S_ISDIR(mode) ? "a directory"
           : S_ISLNK(mode) ? "a symbolic link" : S_ISFIFO(mode) ? "a FIFO"
           : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device"
           : S_ISSOCK(mode) ? "a socket" : "of an unknown type";
}

/* refuse - err for path of this mode; returns -2 with errno EINVAL. */
static int refuse(const char *path, mode_t mode, char *err)
{
    errf(err, "%s: is %s, not a regular file: refused", path, spool_file_type(mode));
    errno = EINVAL;
    return -2;
}

/* open_regular - the common part of spool_open and spool_open_input:
 * nofollow adds O_NOFOLLOW.  Returns as spool_open. */
static int open_regular(const char *path, int flags, int nofollow, char *err)
{
    struct stat st;
    /* Look first, so a device is never opened at all; the fstat below is
     * what counts, as the name may change in between. */
    if ((nofollow ? lstat(path, &st) : stat(path, &st)) == 0 && !S_ISREG(st.st_mode))
        return refuse(path, st.st_mode, err);
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0666);
    if (fd < 0) {
        int e = errno;
        /* ELOOP: a link (O_NOFOLLOW); ENXIO: a FIFO without reader (for
         * writing) or a device; EISDIR: a directory (for writing) */
        if ((e == ELOOP || e == ENXIO || e == EISDIR || e == ENODEV) &&
            lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
            return refuse(path, st.st_mode, err);
        errno = e;
        return errf_sys(err, "%s", path);
    }
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return errf_sys(err, "%s", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return refuse(path, st.st_mode, err);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return errf_sys(err, "%s: fcntl", path);
    }
    return fd;
}

int spool_open(const char *path, int flags, char *err)
{
    return open_regular(path, flags, 1, err);
}

int spool_open_input(const char *path, char *err)
{
    return open_regular(path, O_RDONLY, 0, err);
}

/* fdopen_read - a stdio stream reading fd; closes fd on failure. */
static FILE *fdopen_read(int fd, const char *path, char *err)
{
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        errf_sys(err, "%s", path);
        close(fd);
    }
    return f;
}

FILE *spool_fopen(const char *path, char *err)
{
    return fdopen_read(spool_open(path, O_RDONLY, err), path, err);
}

FILE *spool_fopen_input(const char *path, char *err)
{
    return fdopen_read(spool_open_input(path, err), path, err);
}
