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
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A job's subdirectories, in the order they are created (tmp/ first, so
 * that every later file can be written through it). */
static const char *const job_subdirs[] = {SPOOL_TMP, SPOOL_TILES, SPOOL_CLAIMED,
                                          SPOOL_DONE, SPOOL_OUT, SPOOL_FAILED,
                                          SPOOL_STATS, SPOOL_MID, SPOOL_META};
#define NSUBS (sizeof job_subdirs / sizeof job_subdirs[0])
/* every job has the first ones; stats/ and mid/ only a global chain's,
 * meta/ only one whose input has metadata */
#define NSUBS_ALWAYS 6
#define NSUBS_GLOBAL 8

static int durable;
static unsigned tmp_serial;

/* Fault injection state.  The environment is read once; a forked child
 * inherits these variables but restarts the count (fault_pid differs). */
static int fault_read;              /* environment read */
static long fault_at;               /* TILESPOOL_CRASH_AT, 0: off */
static long fault_countdown;        /* operations left in this process */
static pid_t fault_pid;             /* the process fault_countdown belongs to */
static pid_t fault_main_pid;        /* the program's own process */
static char fault_program[32];      /* spool_fault_init's name, "" if none */
static char *fault_once;            /* TILESPOOL_CRASH_ONCE's file, mapped */

#define FAULT_ONCE_SIZE 128

static int rename_synced(const char *from, const char *to, int sync_from, char *err);

void spool_set_durable(int on) { durable = on; }

void spool_fault_init(const char *program)
{
    snprintf(fault_program, sizeof fault_program, "%s", program);
    fault_main_pid = getpid();
    /* The "once" flag lives in a shared mapping of the file, made here
     * before any fork: a worker child cannot create files outside its job
     * (it is confined), and it closes every inherited descriptor, but the
     * mapping stays, shared by every process that maps the file. */
    const char *once = getenv("TILESPOOL_CRASH_ONCE"), *at = getenv("TILESPOOL_CRASH_AT");
    if (!once || !*once || !at || atol(at) <= 0)
        return;
    int fd = open(once, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    struct stat st;
    if (fd < 0)
        return;
    /* extending only: a crash record another process wrote stays */
    if (fstat(fd, &st) == 0 && (st.st_size >= FAULT_ONCE_SIZE ||
                                ftruncate(fd, FAULT_ONCE_SIZE) == 0)) {
        void *p = mmap(NULL, FAULT_ONCE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED)
            fault_once = p;
    }
    close(fd);
}

/* fault_role_matches - 1 if this process is the one TILESPOOL_CRASH_IN
 * names (or the variable is unset): the program's main process has the
 * program's name, processes it forked "<program>-child". */
static int fault_role_matches(void)
{
    const char *want = getenv("TILESPOOL_CRASH_IN");
    if (!want || !*want)
        return 1;
    char role[48];
    if (!fault_program[0])
        return 0;
    snprintf(role, sizeof role, "%s%s", fault_program,
             getpid() == fault_main_pid ? "" : "-child");
    return strcmp(role, want) == 0;
}

/* fault_die - the crash itself.  With TILESPOOL_CRASH_ONCE=FILE only the
 * first process to get here dies: it sets FILE's first byte to 'C' (and
 * writes its role and pid after it), and a process that finds the 'C'
 * there stops injecting faults.  So a test can kill exactly one of several
 * worker children, the replacements started afterwards run clean, and the
 * test learns from FILE whether the crash happened. */
static void fault_die(void)
{
    if (fault_once) {
        if (atomic_exchange((_Atomic char *)fault_once, 'C') == 'C') {
            fault_at = fault_countdown = 0;
            return;
        }
        snprintf(fault_once + 1, FAULT_ONCE_SIZE - 1, " %s%s %ld\n", fault_program,
                 getpid() == fault_main_pid ? "" : "-child", (long)getpid());
    }
    raise(SIGKILL);
}

void spool_fault_point(void)
{
    if (!fault_read) {
        const char *s = getenv("TILESPOOL_CRASH_AT");
        fault_at = s ? atol(s) : 0;
        if (fault_at < 0)
            fault_at = 0;
        fault_read = 1;
    }
    if (fault_at == 0)
        return;
    pid_t me = getpid();
    if (me != fault_pid) {
        /* first operation of this process (a forked child included): its
         * own count from zero, if it is the process the test aims at */
        fault_pid = me;
        fault_countdown = fault_role_matches() ? fault_at : 0;
    }
    if (fault_countdown > 0 && --fault_countdown == 0)
        fault_die();
}

const char *spool_node(void)
{
    static char node[SPOOL_NODE_MAX];
    static pid_t owner;     /* computed once per process, forks included */
    if (node[0] && owner == getpid())
        return node;
    owner = getpid();
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

int spool_path(char *out, const char *dir, const char *a, const char *b, char *err)
{
    int n;
    if (b)
        n = snprintf(out, PATH_MAX, "%s/%s/%s", dir, a, b);
    else
        n = snprintf(out, PATH_MAX, "%s/%s", dir, a);
    if (n < 0 || n >= PATH_MAX)
        return errf(err, "path too long: %.200s.../%.100s", dir, a);
    return 0;
}

int spool_list_sub(const char *jobdir, const char *sub, char *dir, char ***names, char *err)
{
    *names = NULL;
    if (spool_path(dir, jobdir, sub, NULL, err) < 0)
        return -1;
    return spool_list(dir, names, err);
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

/* make_dir - mkdir (an existing directory is fine); with --durable the
 * parent is synced too, or a power loss could take the new directory, and
 * every file later published in it, away. */
static int make_dir(const char *path, char *err)
{
    spool_fault_point();
    if (mkdir(path, 0777) < 0 && errno != EEXIST)
        return errf_sys(err, "%s: mkdir", path);
    if (durable) {
        char parent[PATH_MAX];
        dir_of(path, parent);
        return sync_dir(parent, err);
    }
    return 0;
}

int spool_dir_create(const char *spool, char *err)
{
    return make_dir(spool, err);
}

int spool_job_create(const char *spool, const char *id, char *err)
{
    char path[PATH_MAX];
    if (make_dir(spool, err) < 0)
        return -1;
    if (spool_path(path, spool, id, NULL, err) < 0 || make_dir(path, err) < 0)
        return -1;
    for (size_t i = 0; i < NSUBS_ALWAYS; i++)
        if (spool_path(path, spool, id, job_subdirs[i], err) < 0 || make_dir(path, err) < 0)
            return -1;
    return 0;
}

int spool_job_create_global(const char *jobdir, char *err)
{
    char path[PATH_MAX];
    for (size_t i = NSUBS_ALWAYS; i < NSUBS_GLOBAL; i++)
        if (spool_path(path, jobdir, job_subdirs[i], NULL, err) < 0 || make_dir(path, err) < 0)
            return -1;
    return 0;
}

int spool_job_create_meta(const char *jobdir, char *err)
{
    char path[PATH_MAX];
    if (spool_path(path, jobdir, SPOOL_META, NULL, err) < 0 || make_dir(path, err) < 0)
        return -1;
    return 0;
}

int spool_job_check(const char *jobdir, char *err)
{
    struct stat st;
    char path[PATH_MAX];
    if (lstat(jobdir, &st) < 0)
        return errf_sys(err, "%s", jobdir);
    if (!S_ISDIR(st.st_mode))
        return errf(err, "%s: not a directory (a symbolic link?): refused", jobdir);
    for (size_t i = 0; i < NSUBS; i++) {
        if (spool_path(path, jobdir, job_subdirs[i], NULL, err) < 0)
            return -1;
        if (lstat(path, &st) < 0) {
            if (errno == ENOENT)
                continue;
            return errf_sys(err, "%s", path);
        }
        if (!S_ISDIR(st.st_mode))
            return errf(err, "%s: not a directory (a symbolic link?): refused", path);
    }
    return 0;
}

/* remove_files - unlink every entry of jobdir/sub, then the directory. */
static int remove_files(const char *jobdir, const char *sub, char *err)
{
    char dir[PATH_MAX], path[PATH_MAX];
    char **names;
    int n = spool_list_sub(jobdir, sub, dir, &names, err);
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
    for (size_t i = 0; i < NSUBS; i++)
        if (remove_files(jobdir, job_subdirs[i], err) < 0)
            return -1;
    char path[PATH_MAX];
    static const char *files[] = {SPOOL_MANIFEST, SPOOL_LOG, "report.html", "inspect.html"};
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
    if (sub && spool_path(dir, jobdir, sub, NULL, err) < 0)
        return -1;
    if (!sub && snprintf(dir, sizeof dir, "%s", jobdir) >= (int)sizeof dir)
        return errf(err, "path too long: %.200s...", jobdir);
    if (spool_path(sf->final, dir, name, NULL, err) < 0)
        return -1;
    int n = snprintf(sf->tmp, sizeof sf->tmp, "%s/%s/%s@%s.%ld.%u", jobdir, SPOOL_TMP, name,
                     spool_node(), (long)getpid(), tmp_serial++);
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
    int n = snprintf(sf->tmp, sizeof sf->tmp, "%s/.%s.tmp@%s.%ld.%u", dir, base, spool_node(),
                     (long)getpid(), tmp_serial++);
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
        /* Only the destination is synced: if a power loss undoes the
         * removal from tmp/, the name left there is a dead writer's
         * garbage, which recovery removes. */
        int r = rename_synced(sf->tmp, sf->final, 0, err);
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

/* pid_gone - 1 if process pid has ended.  A zombie has ended too: it has
 * closed its files and only waits to be reaped, which for an orphan is up
 * to init and may take a while. */
static int pid_gone(pid_t pid)
{
    if (kill(pid, 0) < 0)
        return errno == ESRCH;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) S ...": the state follows the last ')' */
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* tmp_writer_dead - 1 if `name` is a temporary ("...@NODE.PID.SERIAL")
 * written on this node by a process that no longer exists.  Another node's
 * temporaries are never judged by our pids: its pid numbers mean nothing
 * here.  A pid that has been reused by an unrelated process keeps the file
 * until that process is gone too: garbage kept a little longer is safe,
 * removing a live writer's file would not be. */
static int tmp_writer_dead(const char *name)
{
    const char *at = strrchr(name, '@');
    if (!at)
        return 0;
    const char *node = at + 1, *dot = strchr(node, '.');
    size_t len = strlen(spool_node());
    if (!dot || (size_t)(dot - node) != len || strncmp(node, spool_node(), len) != 0)
        return 0;
    char *end;
    errno = 0;
    long pid = strtol(dot + 1, &end, 10);
    if (errno || end == dot + 1 || *end != '.' || pid <= 0 || (pid_t)pid != pid)
        return 0;
    const char *serial = end + 1;
    if (!*serial || strspn(serial, "0123456789") != strlen(serial))
        return 0;
    if ((pid_t)pid == getpid())
        return 0;
    return pid_gone((pid_t)pid);
}

/* clean_dir - unlink the entries of dir that start with prefix and whose
 * writer is dead; *removed counts them.  Returns 0 or -1. */
static int clean_dir(const char *dir, const char *prefix, int *removed, char *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : errf_sys(err, "%s", dir);
    size_t plen = strlen(prefix);
    int rc = 0;
    struct dirent *e;
    /* unlinking while reading the directory is allowed: removed entries
     * simply are not returned again */
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char path[PATH_MAX];
        if (strncmp(e->d_name, prefix, plen) != 0 || strcmp(e->d_name, ".") == 0 ||
            strcmp(e->d_name, "..") == 0 || !tmp_writer_dead(e->d_name))
            continue;
        rc = spool_path(path, dir, e->d_name, NULL, err);
        if (rc == 0)
            rc = spool_unlink(path, err);
        if (rc == 0 && removed)
            ++*removed;
    }
    closedir(d);
    return rc;
}

int spool_tmp_clean(const char *jobdir, int *removed, char *err)
{
    char dir[PATH_MAX];
    if (spool_path(dir, jobdir, SPOOL_TMP, NULL, err) < 0)
        return -1;
    return clean_dir(dir, "", removed, err);
}

int spool_tmp_clean_at(const char *final, int *removed, char *err)
{
    char dir[PATH_MAX], prefix[NAME_MAX + 8];
    const char *base = strrchr(final, '/') ? strrchr(final, '/') + 1 : final;
    dir_of(final, dir);
    if (snprintf(prefix, sizeof prefix, ".%s.tmp@", base) >= (int)sizeof prefix)
        return 0;       /* no temporary of such a name can exist */
    return clean_dir(dir, prefix, removed, err);
}

/* rename_synced - rename; with --durable, fsync the directory renamed
 * into and, if sync_from, the one renamed out of.  Returns as spool_rename. */
static int rename_synced(const char *from, const char *to, int sync_from, char *err)
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
        if (sync_dir(d2, err) < 0 ||
            (sync_from && strcmp(d1, d2) != 0 && sync_dir(d1, err) < 0))
            return -1;
    }
    return 0;
}

int spool_rename(const char *from, const char *to, char *err)
{
    /* a claim moving between tiles/, claimed/, done/ and failed/: both
     * directories, or a power loss could show the tile in both */
    return rename_synced(from, to, 1, err);
}

int spool_unlink(const char *path, char *err)
{
    spool_fault_point();
    if (unlink(path) < 0 && errno != ENOENT)
        return errf_sys(err, "%s: unlink", path);
    return 0;
}

int spool_append_line(const char *path, const char *line, char *err)
{
    spool_fault_point();
    int fd = spool_open(path, O_WRONLY | O_APPEND | O_CREAT, err);
    if (fd < 0)
        return -1;
    size_t len = strlen(line);
    ssize_t n = write(fd, line, len);
    int rc = n == (ssize_t)len ? 0 : errf_sys(err, "%s: append", path);
    if (close(fd) < 0 && rc == 0)
        rc = errf_sys(err, "%s: close", path);
    return rc;
}
