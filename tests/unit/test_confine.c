/*
 * test_confine - a process confined with confine_process (common/sandbox/confine.c)
 * reads only its allowed paths, writes only inside its writable directory,
 * cannot connect, exec, fork or signal outside itself, cannot make memory
 * executable, dies on ptrace, cannot regain privileges, leaves no core
 * dumps, and can still do what a filter process does: map and protect
 * memory and recover from a SIGSEGV through a handler and siglongjmp (the
 * wasm2c trap path).  With confine_filters' rules alone (those of the
 * processes that describe filters) it reads the filter path and the
 * module cache and nothing else.
 */
#include "confine.h"
#include "check.h"
#include "err.h"
#include "usercache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the confined child saw: 0 for success, else the errno. */
struct seen {
    int confined, nocore, filtered;
    int etc_open, allowed_read, in_create, out_create, rename_out, ro_create;
    int sock, connect, exec, fork, kill_parent, exec_map;
    int mapped, trapped;
};

static sigjmp_buf trap_jmp;
static volatile sig_atomic_t traps;

static void on_segv(int sig)
{
    (void)sig;
    traps++;
    siglongjmp(trap_jmp, 1);
}

/* err_of - 0 if rc >= 0, else errno. */
static int err_of(long rc)
{
    return rc < 0 ? errno : 0;
}

/* try_create - 0 if path could be created, else errno. */
static int try_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

/* try_read - 0 if path reads as "hello", else errno (EIO: other content). */
static int try_read(const char *path)
{
    char buf[8] = "";
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n == 5 && memcmp(buf, "hello", 5) == 0 ? 0 : EIO;
}

/* try_trap - map a page, make it read-only, write to it, and come back
 * from the SIGSEGV through the handler (on its own stack, as wasm2c's). */
static void try_trap(struct seen *s)
{
    static char altstack[1 << 16];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaltstack(&ss, NULL) < 0 || sigaction(SIGSEGV, &sa, NULL) < 0)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, (size_t)pg * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    s->mapped = p == MAP_FAILED ? errno : 0;
    if (p == MAP_FAILED)
        return;
    p[0] = 1;
    if (mprotect(p, (size_t)pg, PROT_READ) < 0 || madvise(p, (size_t)pg * 4, MADV_DONTNEED) < 0)
        s->mapped = errno;
    if (sigsetjmp(trap_jmp, 1) == 0)
        *(volatile char *)p = 2;
    s->trapped = traps == 1 ? 0 : EINVAL;
    munmap(p, (size_t)pg * 4);
}

/* try_calls - what the system call filter refuses: a socket and a
 * connection to the parent's listener, exec, fork, a signal to the
 * parent, executable anonymous memory. */
static void try_calls(struct seen *s, int port)
{
    int sk = socket(AF_INET, SOCK_STREAM, 0);
    s->sock = err_of(sk);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->connect = sk < 0 ? s->sock : err_of(connect(sk, (struct sockaddr *)&sin, sizeof sin));
    char *argv[] = {"/bin/true", NULL}, *envp[] = {NULL};
    s->exec = err_of(execve("/bin/true", argv, envp));
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    s->fork = err_of(pid);
    s->kill_parent = err_of(kill(getppid(), 0));
    void *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    s->exec_map = x == MAP_FAILED ? errno : 0;
}

/* child - confine, then try everything; the answer goes to fd, and the
 * child waits on hold (for the parent to look at /proc) before exiting. */
static void child(const char *top, int port, int fd, int hold)
{
    char job[PATH_MAX], ro[PATH_MAX], path[PATH_MAX + 32], to[PATH_MAX + 32], err[ERR_MAX];
    struct seen s;
    struct confine_rules r;
    memset(&s, 0, sizeof s);
    snprintf(job, sizeof job, "%s/job", top);
    snprintf(ro, sizeof ro, "%s/ro", top);
    confine_rules_init(&r);
    s.filtered = confine_syscalls_available();    /* asked before: it is filtered after */
    s.confined = confine_write(&r, job, err) == 0 && confine_read(&r, ro, err) == 0 &&
                 confine_process(&r, err) == 0 ? 0 : EINVAL;
    if (s.confined)
        fprintf(stderr, "confine: %s\n", err);
    struct rlimit rl;
    s.nocore = getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 && rl.rlim_max == 0
               ? 0 : EINVAL;
    s.etc_open = err_of(open("/etc/hostname", O_RDONLY));
    snprintf(path, sizeof path, "%s/data", ro);
    s.allowed_read = try_read(path);
    snprintf(path, sizeof path, "%s/new", ro);
    s.ro_create = try_create(path);
    snprintf(path, sizeof path, "%s/new", job);
    s.in_create = try_create(path);
    snprintf(to, sizeof to, "%s/outside", top);
    s.out_create = try_create(to);
    snprintf(to, sizeof to, "%s/moved", top);
    s.rename_out = err_of(rename(path, to));
    /* unfiltered, exec would succeed and fork make a second reporter */
    if (s.filtered)
        try_calls(&s, port);
    try_trap(&s);
    if (write(fd, &s, sizeof s) != (ssize_t)sizeof s)
        _exit(2);
    char c;
    while (read(hold, &c, 1) < 0 && errno == EINTR)
        ;
    _exit(0);
}

/* proc_status_has - 1 if /proc/pid/status has a line starting with line. */
static int proc_status_has(pid_t pid, const char *line)
{
    char path[64], buf[256];
    int found = 0;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(buf, sizeof buf, f))
        found |= strncmp(buf, line, strlen(line)) == 0;
    if (f)
        fclose(f);
    return found;
}

/* listener - a TCP socket listening on loopback; its port in *port. */
static int listener(int *port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof sin;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int sk = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (sk < 0 || bind(sk, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(sk, 4) < 0 ||
        getsockname(sk, (struct sockaddr *)&sin, &len) < 0)
        return perror("listener"), -1;
    *port = ntohs(sin.sin_port);
    return sk;
}

/* put_hello - write "hello" into dir/data, making dir and its parents. */
static int put_hello(const char *dir)
{
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0777);
            *s = '/';
        }
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/data", dir);
    FILE *f = fopen(p, "w");
    return f && fputs("hello", f) >= 0 && fclose(f) == 0 ? 0 : -1;
}

/* Exit code bits of filters_only's child. */
enum { FL_DIR = 1, FL_CACHE = 2, FL_OTHER_DENIED = 4 };

/* filters_only - a process confined with confine_filters alone (the
 * describer's rules) reads the filter path and the module cache, and not
 * the test's other directory.  Returns the child's bits, -1 on set-up. */
static int filters_only(const char *top)
{
    char fl[PATH_MAX + 16], xdg[PATH_MAX + 16], cache[PATH_MAX], err[ERR_MAX];
    snprintf(fl, sizeof fl, "%s/fl", top);
    snprintf(xdg, sizeof xdg, "%s/xdg", top);
    setenv("TILESPOOL_FILTER_PATH", fl, 1);
    setenv("XDG_CACHE_HOME", xdg, 1);
    if (usercache_dir(cache, err) < 0 || put_hello(fl) < 0 || put_hello(cache) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        struct confine_rules r;
        char p[PATH_MAX + 48];
        int bits = 0;
        confine_rules_init(&r);
        if (confine_filters(&r, err) < 0 || confine_process(&r, err) < 0)
            _exit(64);
        snprintf(p, sizeof p, "%s/data", fl);
        bits |= try_read(p) == 0 ? FL_DIR : 0;
        snprintf(p, sizeof p, "%s/data", cache);
        bits |= try_read(p) == 0 ? FL_CACHE : 0;
        snprintf(p, sizeof p, "%s/ro/data", top);
        bits |= try_read(p) == EACCES ? FL_OTHER_DENIED : 0;
        _exit(bits);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ptrace_dies - a confined process that calls ptrace is killed by SIGSYS. */
static int ptrace_dies(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct confine_rules r;
        char err[ERR_MAX];
        confine_rules_init(&r);
        if (confine_process(&r, err) < 0)
            _exit(3);
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

int main(void)
{
    char top[] = "/tmp/tilespool-confine.XXXXXX", path[PATH_MAX + 32];
    if (!mkdtemp(top))
        return perror("mkdtemp"), 1;
    snprintf(path, sizeof path, "%s/job", top);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/ro", top);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/ro/data", top);
    FILE *f = fopen(path, "w");
    if (!f || fputs("hello", f) < 0 || fclose(f) != 0)
        return perror(path), 1;
    int port = 0, lsk = listener(&port), res[2], hold[2];
    if (lsk < 0 || pipe(res) < 0 || pipe(hold) < 0)
        return perror("setup"), 1;
    int abi = confine_available();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(res[0]);
        close(hold[1]);
        child(top, port, res[1], hold[0]);
    }
    close(res[1]);
    close(hold[0]);
    struct seen s;
    memset(&s, 0xff, sizeof s);
    ssize_t got = read(res[0], &s, sizeof s);
    int seccomp = proc_status_has(pid, "Seccomp:\t2");
    int nnp = proc_status_has(pid, "NoNewPrivs:\t1");
    close(hold[1]);
    int status = 0;
    waitpid(pid, &status, 0);

    CHECK(got == (ssize_t)sizeof s && s.confined == 0, "confine_process succeeds",
          "got %zd, %d", got, s.confined);
    CHECK(nnp, "/proc/PID/status of the confined process says NoNewPrivs: 1", "no");
    CHECK(s.nocore == 0, "core dumps are off", "%d", s.nocore);
    CHECK(s.allowed_read == 0, "reading a file in an allowed directory works", "%s",
          strerror(s.allowed_read));
    CHECK(s.in_create == 0, "creating a file inside the writable directory works", "%s",
          strerror(s.in_create));
    if (abi > 0) {
        CHECK(s.etc_open == EACCES, "opening /etc/hostname is refused (EACCES)", "%s",
              strerror(s.etc_open));
        CHECK(s.out_create == EACCES, "creating a file outside the writable directory is "
              "refused (EACCES)", "%s", strerror(s.out_create));
        CHECK(s.ro_create == EACCES, "creating a file in a read-only directory is refused "
              "(EACCES)", "%s", strerror(s.ro_create));
        CHECK(s.rename_out == EXDEV || s.rename_out == EACCES, "renaming a file out of the "
              "writable directory is refused", "%s", strerror(s.rename_out));
    } else {
        printf("skip - file-system confinement: this kernel has no Landlock\n");
    }
    if (!s.filtered) {
        printf("skip - system call filter: this kernel has no seccomp\n");
    } else {
        CHECK(seccomp, "/proc/PID/status of the confined process says Seccomp: 2", "no");
        CHECK(s.sock == EPERM, "creating a socket fails with EPERM", "%s", strerror(s.sock));
        CHECK(s.connect != 0 && accept(lsk, NULL, NULL) < 0 && errno == EAGAIN,
              "no connection reaches the loopback listener", "connect %s", strerror(s.connect));
        CHECK(s.exec == EPERM, "execve(/bin/true) fails with EPERM", "%s", strerror(s.exec));
        CHECK(s.fork == EPERM, "fork fails with EPERM", "%s", strerror(s.fork));
        CHECK(s.kill_parent == EPERM, "signalling the parent fails with EPERM", "%s",
              strerror(s.kill_parent));
        CHECK(s.exec_map == EPERM, "mapping anonymous executable memory fails with EPERM", "%s",
              strerror(s.exec_map));
        CHECK(ptrace_dies(), "a confined process calling ptrace is killed by SIGSYS", "it was not");
    }
    CHECK(s.mapped == 0, "mmap, mprotect and madvise of a linear-memory-like region work",
          "%s", strerror(s.mapped));
    CHECK(s.trapped == 0, "a SIGSEGV is caught on the signal stack and siglongjmp returns",
          "%d", s.trapped);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the confined process exits normally",
          "status %#x", status);
    int fl = filters_only(top);
    CHECK(fl >= 0 && (fl & FL_DIR), "confine_filters: a file in TILESPOOL_FILTER_PATH reads",
          "bits %d", fl);
    CHECK(fl >= 0 && (fl & FL_CACHE), "confine_filters: a file in the module cache reads",
          "bits %d", fl);
    if (abi > 0)
        CHECK(fl >= 0 && (fl & FL_OTHER_DENIED), "confine_filters: any other file is refused "
              "(EACCES)", "bits %d", fl);

    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    if (system(cmd) != 0)
        printf("note - could not remove %s\n", top);
    close(lsk);
    CHECK_DONE();
}
