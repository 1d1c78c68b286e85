/*
 * test_spool_open.c - unit tests for the safe opening of spool files
 * (spool_open, spool_fopen, spool_open_input in spool.h).
 *
 * A regular file opens, for reading and for appending, in blocking mode;
 * a FIFO without a writer, a FIFO with one, a symbolic link (to a valid
 * file and dangling), a directory and a character device are refused at
 * once with -2 and a message naming the type, and never followed or
 * waited on.  spool_open_input follows a link to a regular file but
 * refuses one to a FIFO.  Every call runs under alarm(): a regression
 * that blocks kills the test instead of hanging it.
 */
#include "spool.h"
#include "err.h"
#include "check.h"
#include "testfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char top[256];
static char err[ERR_MAX];

/* at - top/name into a static buffer (2 deep). */
static const char *at(const char *name)
{
    static char buf[2][PATH_MAX];
    static int next;
    next = (next + 1) % 2;
    snprintf(buf[next], PATH_MAX, "%s/%s", top, name);
    return buf[next];
}

/* refused - 1 if spool_open(name) is -2 with `type` in its message. */
static int refused(const char *name, int flags, const char *type)
{
    err[0] = '\0';
    int fd = spool_open(at(name), flags, err);
    if (fd >= 0)
        close(fd);
    return fd == -2 && strstr(err, type) != NULL && strstr(err, "not a regular file") != NULL;
}

static void test_regular(void)
{
    FILE *f = fopen(at("plain"), "w");
    fputs("pixels\n", f);
    fclose(f);
    int fd = spool_open(at("plain"), O_RDONLY, err);
    int fl = fd >= 0 ? fcntl(fd, F_GETFL) : 0;
    CHECK(fd >= 0 && !(fl & O_NONBLOCK), "regular file opens in blocking mode", "%d %s", fd,
          err);
    CHECK(fd < 0 || (fcntl(fd, F_GETFD) & FD_CLOEXEC), "descriptor is close-on-exec",
          "flags %d", fcntl(fd, F_GETFD));
    if (fd >= 0)
        close(fd);
    char line[32] = "";
    f = spool_fopen(at("plain"), err);
    CHECK(f && fgets(line, sizeof line, f) && strcmp(line, "pixels\n") == 0,
          "spool_fopen reads the file", "%s", err);
    if (f)
        fclose(f);
    fd = spool_open(at("log"), O_WRONLY | O_APPEND | O_CREAT, err);
    CHECK(fd >= 0 && write(fd, "x\n", 2) == 2, "a missing file is created for appending",
          "%s", err);
    if (fd >= 0)
        close(fd);
    errno = 0;
    fd = spool_open(at("missing"), O_RDONLY, err);
    CHECK(fd == -1 && errno == ENOENT, "a missing file is -1 with ENOENT", "%d", fd);
    f = spool_fopen(at("missing"), err);
    CHECK(!f && errno == ENOENT, "spool_fopen: missing is NULL with ENOENT", "errno %d", errno);
}

static void test_refused(void)
{
    CHECK(mkfifo(at("fifo"), 0666) == 0, "mkfifo", "%s", strerror(errno));
    alarm(10);
    CHECK(refused("fifo", O_RDONLY, "a FIFO"), "FIFO without writer refused for reading",
          "%s", err);
    CHECK(refused("fifo", O_WRONLY | O_APPEND | O_CREAT, "a FIFO"),
          "FIFO refused for appending", "%s", err);
    /* a writer that never writes: still no wait, still refused */
    int w = open(at("fifo"), O_RDWR | O_NONBLOCK);
    CHECK(refused("fifo", O_RDONLY, "a FIFO"), "FIFO with a writer refused", "%s", err);
    if (w >= 0)
        close(w);
    alarm(0);
    symlink("plain", at("link"));
    symlink("nowhere", at("dangling"));
    CHECK(refused("link", O_RDONLY, "a symbolic link"), "link to a regular file refused",
          "%s", err);
    CHECK(refused("dangling", O_RDONLY, "a symbolic link"), "dangling link refused", "%s", err);
    CHECK(refused("link", O_WRONLY | O_APPEND | O_CREAT, "a symbolic link"),
          "link refused for appending (nothing created)", "%s", err);
    mkdir(at("dir"), 0777);
    CHECK(refused("dir", O_RDONLY, "a directory"), "directory refused", "%s", err);
    CHECK(refused("dir", O_WRONLY | O_APPEND | O_CREAT, "a directory"),
          "directory refused for appending", "%s", err);
    if (mknod(at("null"), S_IFCHR | 0666, makedev(1, 3)) == 0)
        CHECK(refused("null", O_RDONLY, "a character device"), "device refused", "%s", err);
    else
        printf("skip - device refused: mknod: %s\n", strerror(errno));
    errno = 0;
    FILE *f = spool_fopen(at("fifo"), err);
    CHECK(!f && errno == EINVAL, "spool_fopen: FIFO is NULL with EINVAL", "errno %d", errno);
}

static void test_input(void)
{
    int fd = spool_open_input(at("link"), err);
    CHECK(fd >= 0, "input: a link to a regular file is followed", "%s", err);
    if (fd >= 0)
        close(fd);
    symlink("fifo", at("tofifo"));
    alarm(10);
    fd = spool_open_input(at("tofifo"), err);
    alarm(0);
    CHECK(fd == -2 && strstr(err, "a FIFO"), "input: a link to a FIFO is refused", "%d %s",
          fd, err);
    FILE *f = spool_fopen_input(at("fifo"), err);
    CHECK(!f && strstr(err, "a FIFO"), "input: a FIFO is refused at once", "%s", err);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(top, sizeof top, "%.200s/test_spool_open.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(top)) {
        perror(top);
        return 2;
    }
    test_regular();
    test_refused();
    test_input();
    CHECK(rm_rf(top) == 0 && access(top, F_OK) != 0, "temporary directory removed", "%s", top);
    CHECK_DONE();
}
