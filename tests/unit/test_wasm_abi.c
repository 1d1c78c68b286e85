/*
 * test_wasm_abi.c - unit tests for the ABI part of the module check
 * (wasm_check.h): each export named like an ABI one must have its kind
 * and type, the message naming the module, the export, what it is and
 * what it must be; every built filter passes, every hostile module that
 * must be refused is, with its message; wasm_check_validate accepts a
 * valid module and refuses one whose instructions are wrong.
 */
#include "wasm_check.h"
#include "err.h"
#include "check.h"
#include "wasm_build.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const abi_funcs[] = {"tsf_abi_version", "tsf_describe", "tsf_halo",
                                        "tsf_alloc", "tsf_process"};

static void test_missing(void)
{
    static const char *const all[] = {"memory", "tsf_abi_version", "tsf_describe",
                                      "tsf_halo", "tsf_alloc", "tsf_process"};
    char name[96], want[64];
    for (int k = 0; k < 6; k++) {
        wb_reset();
        wb_unexport(all[k]);
        snprintf(name, sizeof name, "missing export %s", all[k]);
        snprintf(want, sizeof want, "missing export '%s'", all[k]);
        refused(name, want);
    }
    /* names that only look alike do not count */
    static const char *const alike[] = {"memory2", "memor", "tsf_hal", "tsf_halo_", "TSF_HALO"};
    for (size_t i = 0; i < sizeof alike / sizeof alike[0]; i++) {
        wb_reset();
        wb_unexport("tsf_halo");
        wb_export(alike[i], 0, 2);
        snprintf(name, sizeof name, "'%s' is not tsf_halo", alike[i]);
        refused(name, "missing export 'tsf_halo'");
    }
}

static void test_kinds(void)
{
    /* memory as a table, a global, a function */
    wb_reset();
    wb_put(wb_raw(4), "\x01\x70\x00\x04", 4);
    wb_unexport("memory");
    wb_export("memory", 1, 0);
    refused("a funcref table exported as memory",
            "export 'memory' is a table of funcref; it must be the module's one 32-bit, "
            "unshared memory");
    wb_reset();
    wb_put(wb_raw(6), "\x01\x7e\x01\x42\x00\x0b", 6);
    wb_unexport("memory");
    wb_export("memory", 3, 0);
    refused("an i64 global exported as memory", "export 'memory' is a mutable global of type i64");
    wb_reset();
    wb_unexport("memory");
    wb_export("memory", 0, 0);
    refused("a function exported as memory", "export 'memory' is a function () -> i32");
    wb_reset();
    wb_put(wb_raw(5), "\x01\x04\x01", 3);
    refused("a 64-bit memory", "export 'memory' is a 64-bit memory; it must be");
    wb_reset();
    wb_put(wb_raw(5), "\x01\x03\x01\x01", 4);
    refused("a shared memory", "export 'memory' is a shared memory; it must be");
    wb_reset();
    wb_put(wb_raw(5), "\x01\x07\x01\x01", 4);
    refused("a shared 64-bit memory", "export 'memory' is a 64-bit memory");
    wb_reset();
    wb_put(wb_raw(5), "\x01\x05\x01\x81\x80\x80\x80\x80\x80\x80\x80\x80\x01", 13);
    refused("a 64-bit memory with a 64-bit maximum", "maximum size in pages");

    /* the functions as a global, a table, a memory */
    char name[96], want[160];
    for (int k = 0; k < 5; k++) {
        wb_reset();
        wb_put(wb_raw(6), "\x01\x7f\x00\x41\x00\x0b", 6);
        wb_unexport(abi_funcs[k]);
        wb_export(abi_funcs[k], 3, 0);
        snprintf(name, sizeof name, "%s exported as a global", abi_funcs[k]);
        snprintf(want, sizeof want, "export '%s' is a global of type i32; it must be a function",
                 abi_funcs[k]);
        refused(name, want);
    }
    wb_reset();
    wb_put(wb_raw(4), "\x01\x70\x00\x01", 4);
    wb_unexport("tsf_process");
    wb_export("tsf_process", 1, 0);
    refused("tsf_process exported as a table",
            "export 'tsf_process' is a table of funcref; it must be a function (i32 x8) -> i32");
    wb_reset();
    wb_unexport("tsf_alloc");
    wb_export("tsf_alloc", 2, 0);
    refused("tsf_alloc exported as the memory",
            "export 'tsf_alloc' is a memory; it must be a function (i32) -> i32");

    /* export indices and names */
    wb_reset();
    wb_export("extra", 4, 0);
    refused("export kind 4", "bad kind");
    wb_reset();
    wb_export("extra", 0, 5);
    refused("export of a missing function", "index out of range");
    wb_reset();
    wb_export("extra", 2, 1);
    refused("export of memory 1", "index out of range");
    wb_reset();
    wb_export("tsf_halo", 0, 2);
    refused("an export name twice", "export name 'tsf_halo' repeated");
    wb_reset();
    wb_export("caf\xc3", 0, 2);
    refused("export name cut inside a UTF-8 sequence", "bad name");
    wb_reset();
    wb_export("\xed\xa0\x80", 0, 2);
    refused("export name with a UTF-16 surrogate", "bad name");
    wb_reset();
    wb_export("caf\xc3\xa9", 0, 2);
    CHECK(check() == 0, "export name with UTF-8 is fine", "err '%s'", err);
}

/* sig - replace export `name` with a function of type `bytes`. */
static void sig(const char *name, const char *bytes, size_t n)
{
    wb_reset();
    uint32_t f = wb_func(wb_type(bytes, n));
    wb_unexport(name);
    wb_export(name, 0, f);
}

static void test_signatures(void)
{
    static const struct { const char *fn, *b; size_t n; const char *is, *must; } s[] = {
        {"tsf_process", "\x02\x7f\x7f\x01\x7f", 5, "(i32 x2) -> i32", "(i32 x8) -> i32"},
        {"tsf_process", "\x08\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7e\x01\x7f", 11,
         "(i32 x7, i64) -> i32", "(i32 x8) -> i32"},
        {"tsf_process", "\x08\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x00", 10, "(i32 x8) -> ()",
         "(i32 x8) -> i32"},
        {"tsf_halo", "\x01\x7d\x01\x7f", 4, "(f32) -> i32", "(i32) -> i32"},
        {"tsf_halo", "\x01\x7f\x01\x7e", 4, "(i32) -> i64", "(i32) -> i32"},
        {"tsf_alloc", "\x01\x7f\x02\x7f\x7f", 5, "(i32) -> (i32 x2)", "(i32) -> i32"},
        {"tsf_abi_version", "\x01\x7f\x01\x7f", 4, "(i32) -> i32", "() -> i32"},
        {"tsf_describe", "\x00\x01\x70", 3, "() -> funcref", "() -> i32"},
        {"tsf_analyze", "\x08\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x01\x7f", 11, "(i32 x8) -> i32",
         "(i32 x7) -> i32"},
        {"tsf_apply", "\x07\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x01\x7f", 10, "(i32 x7) -> i32",
         "(i32 x10) -> i32"},
    };
    char name[120], want[200];
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        sig(s[i].fn, s[i].b, s[i].n);
        snprintf(name, sizeof name, "%s of type %s", s[i].fn, s[i].is);
        snprintf(want, sizeof want, "export '%s' is a function %s; it must be a function %s "
                 "(filter ABI v1)", s[i].fn, s[i].is, s[i].must);
        refused(name, want);
    }
    wb_reset();
    wb_export("tsf_analyze", 3, 0);
    wb_put(wb_raw(6), "\x01\x7f\x00\x41\x00\x0b", 6);
    refused("tsf_analyze exported as a global", "export 'tsf_analyze' is a global");

    /* a global filter's exports, with and without the optional pair */
    wb_reset();
    wb_export("tsf_analyze", 0, wb_func(wb_type("\x07\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x01\x7f", 10)));
    int rc = check();
    CHECK(rc == 0 && facts.global_exports == 0, "tsf_analyze alone is fine, not global",
          "rc %d err '%s'", rc, err);
    wb_export("tsf_apply", 0,
              wb_func(wb_type("\x0a\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x01\x7f", 13)));
    rc = check();
    CHECK(rc == 0 && facts.global_exports == 1, "tsf_analyze and tsf_apply: a global filter",
          "rc %d err '%s'", rc, err);
}

/* v2_set - add tsf_plan, tsf_region and tsf_run, (i32) -> i32 (type 1),
 * but those named in skip. */
static void v2_set(const char *skip)
{
    static const char *const v2[] = {"tsf_plan", "tsf_region", "tsf_run"};
    for (int k = 0; k < 3; k++)
        if (!skip || !strstr(skip, v2[k]))
            wb_export(v2[k], 0, wb_func(1));
}

static void test_versions(void)
{
    wb_reset();
    v2_set(NULL);
    int rc = check();
    CHECK(rc == 0 && facts.v1_exports == 1 && facts.v2_exports == 1,
          "the exports of ABI v1 and v2 together are fine", "rc %d err '%s'", rc, err);
    wb_unexport("tsf_halo");
    wb_unexport("tsf_process");
    rc = check();
    CHECK(rc == 0 && facts.v1_exports == 0 && facts.v2_exports == 1,
          "the exports of ABI v2 alone are fine", "rc %d err '%s'", rc, err);
    wb_reset();
    rc = check();
    CHECK(rc == 0 && facts.v1_exports == 1 && facts.v2_exports == 0,
          "the exports of ABI v1 alone are fine", "rc %d err '%s'", rc, err);
    wb_unexport("tsf_halo");
    wb_unexport("tsf_process");
    refused("neither ABI's functions: refused naming both sets",
            "missing exports: 'tsf_halo' and 'tsf_process' (filter ABI v1) or 'tsf_plan', "
            "'tsf_region' and 'tsf_run' (filter ABI v2)");
    v2_set("tsf_region");
    refused("tsf_plan and tsf_run without tsf_region: refused naming it",
            "missing export 'tsf_region' (filter ABI v2)");
    wb_reset();
    wb_unexport("tsf_process");
    refused("tsf_halo without tsf_process: refused naming it and the v2 set",
            "missing export 'tsf_process' (filter ABI v1; an ABI v2 module exports tsf_plan, "
            "tsf_region and tsf_run instead)");
    wb_reset();
    wb_unexport("tsf_halo");
    wb_unexport("tsf_process");
    v2_set("tsf_run");
    wb_export("tsf_run", 0, wb_func(2));
    refused("tsf_run of the wrong type", "export 'tsf_run' is a function (i32 x8) -> i32; it "
            "must be a function (i32) -> i32 (filter ABI v2)");
}

/* filters_dir - build/filters, from $TILESPOOL_TOP or beside this program;
 * returns 0 or -1. */
static int filters_dir(char *out)
{
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    const char *topdir = getenv("TILESPOOL_TOP");
    if (topdir && *topdir) {
        snprintf(out, PATH_MAX, "%.4000s/build/filters", topdir);
        snprintf(probe, sizeof probe, "%s/identity.wasm", out);
        if (access(probe, R_OK) == 0)
            return 0;
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    static const char *rel[] = {"../filters", "../../filters"};
    for (int i = 0; i < 2; i++) {
        snprintf(out, PATH_MAX, "%.4000s/%s", exe, rel[i]);
        snprintf(probe, sizeof probe, "%s/identity.wasm", out);
        if (access(probe, R_OK) == 0)
            return 0;
    }
    return -1;
}

/* check_dir - wasm_check_file on every .wasm in dir but those refused
 * below; returns how many, counting refusals into *failed. */
static int check_dir(const char *dir, int *failed, char *first, size_t n)
{
    static const char *const refused_ok[] = {"imports_host.wasm", "table_as_memory.wasm",
        "global_as_memory.wasm", "memory64.wasm", "shared_memory.wasm", "import_memory.wasm",
        "process_signature.wasm", "halo_global.wasm", "memory_huge.wasm", "table_huge.wasm"};
    char path[PATH_MAX + 300];
    int count = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        int skip = 0;
        for (size_t i = 0; i < sizeof refused_ok / sizeof refused_ok[0]; i++)
            skip |= strcmp(e->d_name, refused_ok[i]) == 0;
        if (skip || len < 6 || strcmp(e->d_name + len - 5, ".wasm") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        count++;
        if (wasm_check_file(path, err) != 0 && (*failed)++ == 0)
            snprintf(first, n, "%s", err);
    }
    if (d)
        closedir(d);
    return count;
}

static void test_files(const char *dir)
{
    char path[PATH_MAX + 300], first[ERR_MAX + 64] = "", sub[PATH_MAX + 16];
    int failed = 0, n = check_dir(dir, &failed, first, sizeof first);
    CHECK(n >= 15 && failed == 0, "wasm_check_file passes every built filter",
          "%d modules, %d refused; first: %s", n, failed, first);
    snprintf(sub, sizeof sub, "%s/hostile", dir);
    failed = 0;
    n = check_dir(sub, &failed, first, sizeof first);
    CHECK(n >= 15 && failed == 0, "... and every hostile module that fails only when run",
          "%d modules, %d refused; first: %s", n, failed, first);

    static const struct { const char *mod, *want; } h[] = {
        {"imports_host", "imports 1 item(s) (first: env.host_write, a function)"},
        {"table_as_memory", "export 'memory' is a table of funcref; it must be the module's one 32-bit, unshared memory"},
        {"global_as_memory", "export 'memory' is a mutable global of type i64; it must be"},
        {"memory64", "export 'memory' is a 64-bit memory; it must be"},
        {"shared_memory", "export 'memory' is a shared memory; it must be"},
        {"import_memory", "imports 1 item(s) (first: env.memory, a memory)"},
        {"process_signature", "export 'tsf_process' is a function (i32 x2) -> i32; it must be a function (i32 x8) -> i32"},
        {"halo_global", "export 'tsf_halo' is a global of type i32; it must be a function (i32) -> i32"},
        {"memory_huge", "initial size in pages 65536 exceeds the limit of 16384"},
        {"table_huge", "initial element count 10000000 exceeds the limit of 65536"},
    };
    char name[96];
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        snprintf(path, sizeof path, "%s/hostile/%s.wasm", dir, h[i].mod);
        int rc = wasm_check_file(path, err);
        snprintf(name, sizeof name, "hostile/%s.wasm is refused", h[i].mod);
        CHECK(rc == -1 && has(h[i].want) && has(path) && !strchr(err, '\n'), name,
              "rc %d err '%s'", rc, err);
    }

    snprintf(path, sizeof path, "%s/no_such_module.wasm", dir);
    int rc = wasm_check_file(path, err);
    CHECK(rc == -1 && has("no_such_module.wasm") && has("No such file"),
          "wasm_check_file of a missing file", "rc %d err '%s'", rc, err);
    rc = wasm_check_file(dir, err);
    CHECK(rc == -1 && has(dir), "wasm_check_file of a directory", "rc %d err '%s'", rc, err);
    snprintf(path, sizeof path, "%s/identity.wasm.h", dir);
    rc = wasm_check_file(path, err);
    CHECK(rc == -1 && has("not a WebAssembly module"), "wasm_check_file of a C header",
          "rc %d err '%s'", rc, err);
}

/* write_file - n bytes to path; returns 0 or -1. */
static int write_file(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(b, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static void test_validate(const char *dir)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64], logpath[PATH_MAX + 64], good[PATH_MAX + 64];
    const char *t = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/test_wasm_abi.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmp)) {
        CHECK(0, "temporary directory", "%s", tmp);
        return;
    }
    snprintf(good, sizeof good, "%s/identity.wasm", dir);
    int rc = wasm_check_validate(good, -1, err);
    CHECK(rc == 0, "wasm_check_validate accepts identity.wasm", "rc %d err '%s'", rc, err);

    /* the assembled module passes the structural check, but its bodies
     * return nothing where the types say i32 */
    wb_reset();
    snprintf(path, sizeof path, "%s/bodies.wasm", tmp);
    snprintf(logpath, sizeof logpath, "%s/log", tmp);
    int ok = check() == 0 && write_file(path, wb.mod.b, wb.mod.n) == 0;
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    rc = ok ? wasm_check_validate(path, logfd, err) : 0;
    off_t logged = logfd >= 0 ? lseek(logfd, 0, SEEK_END) : 0;
    if (logfd >= 0)
        close(logfd);
    CHECK(ok && rc == -1 && has(path) && has("not valid WebAssembly (wasm-validate:") &&
              has("error") && logged > 0,
          "wasm_check_validate refuses wrong instructions, names the first error, logs",
          "ok %d rc %d logged %lld err '%s'", ok, rc, (long long)logged, err);

    /* a name that looks like an option is still a file name */
    char cwd[PATH_MAX];
    FILE *in = fopen(good, "rb");
    uint8_t buf[1 << 16];
    size_t n = in ? fread(buf, 1, sizeof buf, in) : 0;
    if (in)
        fclose(in);
    snprintf(path, sizeof path, "%s/--help", tmp);
    if (getcwd(cwd, sizeof cwd) && write_file(path, buf, n) == 0 && chdir(tmp) == 0) {
        rc = wasm_check_validate("--help", -1, err);
        CHECK(rc == 0, "a module called --help is validated, not taken for an option",
              "rc %d err '%s'", rc, err);
        rc = wasm_check_validate("-x.wasm", -1, err);
        CHECK(rc == -1 && has("-x.wasm"), "a missing module is refused, named", "rc %d err '%s'",
              rc, err);
        if (chdir(cwd) != 0)
            CHECK(0, "back to the directory", "%s", cwd);
    }

    setenv("TILESPOOL_COMPILE_TIMEOUT", "soon", 1);
    rc = wasm_check_validate(good, -1, err);
    unsetenv("TILESPOOL_COMPILE_TIMEOUT");
    CHECK(rc == -1 && has("TILESPOOL_COMPILE_TIMEOUT"), "a bad limit in the environment",
          "rc %d err '%s'", rc, err);

    snprintf(path, sizeof path, "%s/bodies.wasm", tmp);
    unlink(path);
    unlink(logpath);
    snprintf(path, sizeof path, "%s/--help", tmp);
    unlink(path);
    rmdir(tmp);
}

int main(void)
{
    char dir[PATH_MAX];
    test_missing();
    test_kinds();
    test_signatures();
    test_versions();
    if (filters_dir(dir) < 0) {
        printf("skip - built filters and wasm-validate: build/filters not found\n");
    } else {
        test_files(dir);
        test_validate(dir);
    }
    wb_free();
    CHECK_DONE();
}
