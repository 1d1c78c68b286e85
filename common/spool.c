/*
 * spool.c - paths, atomic publication and directory listings of the spool
 * (spool.h).  Every operation that changes the spool goes through one of
 * the wrappers here, so fault injection and --durable apply everywhere.
 */
#include "spool.h"
#include "err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int durable;
static long fault_countdown = -1;   /* -1: not read yet; 0: off */
static unsigned tmp_serial;

void spool_set_durable(int on) { durable = on; }

void spool_fault_point(void)
{
    if (fault_countdown < 0) {
        const char *s = getenv("TILESPOOL_CRASH_AT");
        fault_countdown = s ? atol(s) : 0;
        if (fault_countdown < 0)
            fault_countdown = 0;
    }
    if (fault_countdown > 0 && --fault_countdown == 0)
        raise(SIGKILL);
}

const char *spool_node(void)
{
    static char node[SPOOL_NODE_MAX];
    if (node[0])
        return node;
    const char *env = getenv("TILESPOOL_NODE");
    char host[256] = "localhost";
    if (env && *env)
        snprintf(host, sizeof host, "%s", env);
    else
        gethostname(host, sizeof host - 1);
    size_t n = 0;
    for (const char *p = host; *p && n < sizeof node - 1; p++)
        node[n++] = (*p == '/' || *p == '@' || *p == '.' || *p < ' ') ? '_' : *p;
    if (n == 0)
        node[n++] = 'x';
    node[n] = '\0';
    return node;
}

int spool_job_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SPOOL_JOB_ID_MAX || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

int spool_path(char *out, const char *dir, const char *a, const char *b, char *err)
{
    int n = b ? snprintf(out, PATH_MAX, "%s/%s/%s", dir, a, b)
              : snprintf(out, PATH_MAX, "%s/%s", dir, a);
    if (n < 0 || n >= PATH_MAX)
        return errf(err, "path too long: %.200s.../%.100s", dir, a);
    return 0;
}

/* sync_dir - fsync a directory so a rename in it survives power loss. */
static int sync_dir(const char *dir, char *err)
{
    spool_fault_point();
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errf_sys(err, "%s", dir);
    int rc = fsync(fd);
    close(fd);
    return rc < 0 ? errf_sys(err, "%s: fsync", dir) : 0;
}

/* dir_of - the directory part of path into out (PATH_MAX). */
static void dir_of(const char *path, char *out)
{
    snprintf(out, PATH_MAX, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash == out)
        out[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(out, PATH_MAX, ".");
}

static int make_dir(const char *path, char *err)
{
    spool_fault_point();
    if (mkdir(path, 0777) < 0 && errno != EEXIST)
        return errf_sys(err, "%s: mkdir", path);
    return 0;
}

int spool_job_create(const char *spool, const char *id, char *err)
{
    static const char *subs[] = {SPOOL_TMP, SPOOL_TILES, SPOOL_CLAIMED, SPOOL_DONE,
                                 SPOOL_OUT, SPOOL_FAILED};
    char path[PATH_MAX];
    if (make_dir(spool, err) < 0)
        return -1;
    if (spool_path(path, spool, id, NULL, err) < 0 || make_dir(path, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (spool_path(path, spool, id, subs[i], err) < 0 || make_dir(path, err) < 0)
            return -1;
    return 0;
}

/* remove_files - unlink every entry of jobdir/sub, then the directory. */
static int remove_files(const char *jobdir, const char *sub, char *err)
{
    char dir[PATH_MAX], path[PATH_MAX];
    char **names;
    if (spool_path(dir, jobdir, sub, NULL, err) < 0)
        return -1;
    int n = spool_list(dir, &names, err);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = spool_path(path, dir, names[i], NULL, err) < 0 ? -1 : spool_unlink(path, err);
    free(names);
    if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT)
        rc = errf_sys(err, "%s: rmdir", dir);
    return rc;
}

int spool_job_remove(const char *jobdir, char *err)
{
    static const char *subs[] = {SPOOL_TILES, SPOOL_CLAIMED, SPOOL_DONE, SPOOL_OUT,
                                 SPOOL_FAILED, SPOOL_TMP, "stats"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (remove_files(jobdir, subs[i], err) < 0)
            return -1;
    char path[PATH_MAX];
    static const char *files[] = {SPOOL_MANIFEST, SPOOL_LOG, "report.html"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (spool_path(path, jobdir, files[i], NULL, err) < 0 || spool_unlink(path, err) < 0)
            return -1;
    if (rmdir(jobdir) < 0 && errno != ENOENT)
        return errf_sys(err, "%s: rmdir (unexpected files left in it?)", jobdir);
    return 0;
}

/* open_tmp - create sf->tmp exclusively and open it for writing. */
static int open_tmp(struct spool_file *sf, char *err)
{
    spool_fault_point();
    int fd = open(sf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return errf_sys(err, "%s", sf->tmp);
    sf->f = fdopen(fd, "wb");
    if (!sf->f) {
        close(fd);
        unlink(sf->tmp);
        return errf_sys(err, "%s", sf->tmp);
    }
    return 0;
}

int spool_file_begin(struct spool_file *sf, const char *jobdir, const char *sub,
                     const char *name, char *err)
{
    memset(sf, 0, sizeof *sf);
    char dir[PATH_MAX];
    if (sub ? spool_path(dir, jobdir, sub, NULL, err) < 0
            : snprintf(dir, sizeof dir, "%s", jobdir) >= (int)sizeof dir)
        return errf(err, "path too long: %.200s...", jobdir);
    if (spool_path(sf->final, dir, name, NULL, err) < 0)
        return -1;
    int n = snprintf(sf->tmp, sizeof sf->tmp, "%s/%s/%s.%ld.%u", jobdir, SPOOL_TMP, name,
                     (long)getpid(), tmp_serial++);
    if (n < 0 || n >= (int)sizeof sf->tmp)
        return errf(err, "path too long: %.200s...", jobdir);
    return open_tmp(sf, err);
}

int spool_file_begin_at(struct spool_file *sf, const char *final, char *err)
{
    memset(sf, 0, sizeof *sf);
    char dir[PATH_MAX];
    if (snprintf(sf->final, sizeof sf->final, "%s", final) >= (int)sizeof sf->final)
        return errf(err, "path too long: %.200s...", final);
    dir_of(final, dir);
    const char *base = strrchr(final, '/') ? strrchr(final, '/') + 1 : final;
    int n = snprintf(sf->tmp, sizeof sf->tmp, "%s/.%s.tmp.%ld.%u", dir, base, (long)getpid(),
                     tmp_serial++);
    if (n < 0 || n >= (int)sizeof sf->tmp)
        return errf(err, "path too long: %.200s...", final);
    return open_tmp(sf, err);
}

int spool_file_commit(struct spool_file *sf, char *err)
{
    spool_fault_point();
    int rc = 0;
    if (fflush(sf->f) != 0)
        rc = errf_sys(err, "%s: write", sf->final);
    if (rc == 0 && durable) {
        spool_fault_point();
        if (fsync(fileno(sf->f)) < 0)
            rc = errf_sys(err, "%s: fsync", sf->final);
    }
    if (fclose(sf->f) != 0 && rc == 0)
        rc = errf_sys(err, "%s: close", sf->final);
    sf->f = NULL;
    if (rc == 0) {
        int r = spool_rename(sf->tmp, sf->final, err);
        rc = r == 0 ? 0 : r > 0 ? errf(err, "%s: vanished before rename", sf->tmp) : -1;
    }
    if (rc < 0)
        unlink(sf->tmp);
    sf->tmp[0] = '\0';
    return rc;
}

void spool_file_abort(struct spool_file *sf)
{
    if (sf->f)
        fclose(sf->f);
    sf->f = NULL;
    if (sf->tmp[0])
        unlink(sf->tmp);
    sf->tmp[0] = '\0';
}

int spool_rename(const char *from, const char *to, char *err)
{
    spool_fault_point();
    if (rename(from, to) < 0) {
        /* ENOENT also means the target's directory is missing: only a
         * vanished source is a lost race */
        int e = errno;
        if (e == ENOENT && access(from, F_OK) != 0)
            return 1;
        errno = e;
        return errf_sys(err, "rename %s -> %s", from, to);
    }
    if (durable) {
        char d1[PATH_MAX], d2[PATH_MAX];
        dir_of(to, d2);
        dir_of(from, d1);
        if (sync_dir(d2, err) < 0 || (strcmp(d1, d2) != 0 && sync_dir(d1, err) < 0))
            return -1;
    }
    return 0;
}

int spool_unlink(const char *path, char *err)
{
    spool_fault_point();
    if (unlink(path) < 0 && errno != ENOENT)
        return errf_sys(err, "%s: unlink", path);
    return 0;
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

int spool_append_line(const char *path, const char *line, char *err)
{
    spool_fault_point();
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return errf_sys(err, "%s", path);
    size_t len = strlen(line);
    ssize_t n = write(fd, line, len);
    int rc = n == (ssize_t)len ? 0 : errf_sys(err, "%s: append", path);
    if (close(fd) < 0 && rc == 0)
        rc = errf_sys(err, "%s: close", path);
    return rc;
}
