/*
 * spool_fs.c - open the files of the spool (and the programs' inputs)
 * without following a symbolic link and without blocking; list a
 * directory; take a lock (spool_fs.h).
 *
 * A job directory is writable by whoever shares the spool, and a name in
 * it may be anything: a FIFO nobody writes (open(2) would wait forever), a
 * device, a directory, or a symbolic link to a file elsewhere (the spool
 * would read, or hand on, another file's bytes).  Every program opens
 * spool files here: O_NOFOLLOW | O_NONBLOCK, then fstat on the descriptor
 * it got, which must be a regular file; then O_NONBLOCK is cleared so
 * that reads behave as usual.
 */
#include "spool_fs.h"
#include "err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int spool_list(const char *dir, char ***names, char *err)
{
    *names = NULL;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return errf_sys(err, "%s", dir);
    }
    size_t count = 0, bytes = 0, cap = 0;
    char *pool = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(e->d_name) + 1;
        if (bytes + len > cap) {
            cap = (cap + len) * 2;
            char *p = realloc(pool, cap);
            if (!p) {
                free(pool);
                closedir(d);
                return errf(err, "%s: out of memory listing", dir);
            }
            pool = p;
        }
        memcpy(pool + bytes, e->d_name, len);
        bytes += len;
        count++;
    }
    closedir(d);
    if (count == 0) {
        free(pool);     /* an empty list is NULL, like a missing directory */
        return 0;
    }
    /* one block: the pointer array followed by the strings */
    char **out = malloc(count * sizeof *out + bytes + 1);
    if (!out) {
        free(pool);
        return errf(err, "%s: out of memory listing", dir);
    }
    char *s = (char *)(out + count);
    if (bytes)
        memcpy(s, pool, bytes);
    free(pool);
    for (size_t i = 0; i < count; i++) {
        out[i] = s;
        s += strlen(s) + 1;
    }
    qsort(out, count, sizeof *out, cmp_names);
    *names = out;
    return (int)count;
}

int spool_count(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

int spool_lock(const char *path, int wait, int *fd, char *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return errno == ENOENT ? 2 : errf_sys(err, "%s", path);
    while (flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
        int e = errno;
        if (e == EINTR)
            continue;
        close(*fd);
        *fd = -1;
        if (e == EWOULDBLOCK)
            return 1;
        errno = e;
        return errf_sys(err, "%s: flock", path);
    }
    return 0;
}
