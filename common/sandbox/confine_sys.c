/*
 * confine_sys.c - the system call filter of a process that runs filter
 * code (confine.h), built with libseccomp.
 *
 * An allow-list: the calls such a process makes once it is set up, found
 * by tracing worker children, the splitter's children and the lister on
 * plain and ASan builds.  Which file a call may reach is Landlock's
 * business (confine.c); here only the kind of call matters.
 *
 * Anything else fails with EPERM, so a host bug that tries to exec, fork
 * or open a socket gets an error that ends up in the tile's log line (and
 * an ASan report, whose symbolizer is started that way, degrades instead
 * of dying).  Calls that no such process has any business making, and
 * that only an attacker would try (ptrace, mount, module and BPF loading,
 * changing identity or the clock), kill the process instead: its wait
 * status says SIGSYS.
 */
#include "confine.h"
#include "err.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Allowed as they are. */
static const char *const allowed[] = {
    /* descriptors: files already open, and those Landlock lets it open */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
    "fstat", "newfstatat", "statx", "stat", "lstat", "fcntl", "dup", "dup2", "dup3",
    "fsync", "fdatasync", "ftruncate", "getdents64", "flock",
    /* paths (spool files, claims, filter modules) */
    "openat", "open", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
    "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat",
    "rmdir", "getcwd",
    /* memory: the heap, wasm2c's linear memories, dlopen */
    "munmap", "madvise", "mincore", "mremap", "brk",
    /* wasm2c traps: the SIGSEGV handler on its own stack, then siglongjmp */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    /* time, identity, limits as they are */
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
    "time", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
    "getrusage", "getrlimit", "uname", "sched_yield", "sched_getaffinity", "getrandom",
    "futex", "restart_syscall", "exit", "exit_group",
};

/* Kill the process: only an attacker has a use for these here. */
static const char *const fatal[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "mount_setattr",
    "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "keyctl",
    "add_key", "request_key", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "personality", "swapon", "swapoff", "reboot",
    "open_by_handle_at", "name_to_handle_at", "iopl", "ioperm", "setuid", "setgid",
    "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid",
    "setfsgid", "capset", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "acct", "quotactl", "syslog", "fanotify_init",
};

/* add_list - one rule with action act for every name of list this
 * architecture has. */
static int add_list(scmp_filter_ctx ctx, uint32_t act, const char *const *list, size_t n,
                    char *err)
{
    for (size_t i = 0; i < n; i++) {
        int nr = seccomp_syscall_resolve_name(list[i]);
        if (nr == __NR_SCMP_ERROR)
            continue;       /* not on this architecture (open, stat on arm64) */
        int rc = seccomp_rule_add(ctx, act, nr, 0);
        if (rc < 0)
            return errno = -rc, errf_sys(err, "seccomp rule for %s", list[i]);
    }
    return 0;
}

/* add_conditional - calls allowed only with some arguments: no memory
 * both writable and executable unless it is a file's (dlopen), limits
 * read but not set, signals only to this process, terminal queries only
 * (stdio asks whether stderr is a terminal). */
static int add_conditional(scmp_filter_ctx ctx, char *err)
{
    pid_t me = getpid();
    struct {
        const char *name;
        int nr;
        unsigned n;
        struct scmp_arg_cmp cmp;
    } rules[] = {
        {"mmap", SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)},
        {"mmap", SCMP_SYS(mmap), 1, SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS, 0)},
        {"mprotect", SCMP_SYS(mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)},
        {"prlimit64", SCMP_SYS(prlimit64), 1, SCMP_A2(SCMP_CMP_EQ, 0)},
        {"kill", SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)me)},
        {"tgkill", SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)me)},
        {"ioctl", SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, TCGETS)},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, rules[i].nr, rules[i].n, rules[i].cmp);
        if (rc < 0)
            return errno = -rc, errf_sys(err, "seccomp rule for %s", rules[i].name);
    }
    return 0;
}

int confine_syscalls_available(void)
{
    uint32_t action = SECCOMP_RET_KILL_PROCESS;
    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int confine_syscalls(char *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx)
        return errf(err, "seccomp: cannot make a filter");
    /* a call through another architecture's entry (int 0x80) is an attack */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc < 0)
        rc = (errno = -rc, errf_sys(err, "seccomp: bad architecture action"));
    /* every refusal goes to the kernel's log (dmesg: audit type=1326):
     * where the kernel cannot, refusals are still refused */
    if (rc == 0)
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
    if (rc == 0)
        rc = add_list(ctx, SCMP_ACT_ALLOW, allowed, sizeof allowed / sizeof allowed[0], err);
    if (rc == 0)
        rc = add_list(ctx, SCMP_ACT_KILL_PROCESS, fatal, sizeof fatal / sizeof fatal[0], err);
    if (rc == 0)
        rc = add_conditional(ctx, err);
    int lrc = rc == 0 ? seccomp_load(ctx) : 0;
    if (lrc < 0)
        rc = (errno = -lrc, errf_sys(err, "seccomp: cannot load the filter"));
    seccomp_release(ctx);
    return rc;
}
