/*
 * test_wasm_check.c - unit tests for the structural check of filter
 * modules (wasm_check.h).
 *
 * A minimal valid module (made with wat2wasm from the text in the comment
 * below, embedded as bytes) must pass; modules assembled here byte by
 * byte must be refused for each thing the checker looks at: the magic
 * and version, section headers (truncated, too long, a LEB128 that never
 * ends), imports (naming "module.field"), and each required export.
 * Then every built filter module must pass wasm_check_file and the
 * hostile one that imports a host function must not.
 */
#include "wasm_check.h"
#include "err.h"
#include "check.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * (module
 *   (memory (export "memory") 1)
 *   (func (export "tsf_abi_version") (result i32) (i32.const 1))
 *   (func (export "tsf_describe") (result i32) (i32.const 0))
 *   (func (export "tsf_halo") (param i32) (result i32) (i32.const 0))
 *   (func (export "tsf_alloc") (param i32) (result i32) (i32.const 0))
 *   (func (export "tsf_process") (param i32 i32 i32 i32 i32 i32 i32 i32)
 *         (result i32) (i32.const 0)))
 */
static const uint8_t min_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x16, 0x03, 0x60, 0x00, 0x01,
    0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x08, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
    0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x06, 0x05, 0x00, 0x00, 0x01, 0x01, 0x02, 0x05, 0x03,
    0x01, 0x00, 0x01, 0x07, 0x50, 0x06, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
    0x00, 0x0f, 0x74, 0x73, 0x66, 0x5f, 0x61, 0x62, 0x69, 0x5f, 0x76, 0x65, 0x72, 0x73,
    0x69, 0x6f, 0x6e, 0x00, 0x00, 0x0c, 0x74, 0x73, 0x66, 0x5f, 0x64, 0x65, 0x73, 0x63,
    0x72, 0x69, 0x62, 0x65, 0x00, 0x01, 0x08, 0x74, 0x73, 0x66, 0x5f, 0x68, 0x61, 0x6c,
    0x6f, 0x00, 0x02, 0x09, 0x74, 0x73, 0x66, 0x5f, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00,
    0x03, 0x0b, 0x74, 0x73, 0x66, 0x5f, 0x70, 0x72, 0x6f, 0x63, 0x65, 0x73, 0x73, 0x00,
    0x04, 0x0a, 0x1a, 0x05, 0x04, 0x00, 0x41, 0x01, 0x0b, 0x04, 0x00, 0x41, 0x00, 0x0b,
    0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x00,
    0x0b,
};

static const char *exports[] = {"memory", "tsf_abi_version", "tsf_describe", "tsf_halo",
                                "tsf_alloc", "tsf_process"};
#define NEXPORTS 6

static char err[ERR_MAX];

/* A module being assembled. */
struct mod {
    uint8_t b[4096];
    size_t n;
};

static void put(struct mod *m, const void *p, size_t n)
{
    if (m->n + n <= sizeof m->b) {
        memcpy(m->b + m->n, p, n);
        m->n += n;
    }
}

static void put_byte(struct mod *m, uint8_t v) { put(m, &v, 1); }

static void put_uleb(struct mod *m, uint32_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        put_byte(m, b | (v ? 0x80 : 0));
    } while (v);
}

static void put_name(struct mod *m, const char *s)
{
    put_uleb(m, (uint32_t)strlen(s));
    put(m, s, strlen(s));
}

static void header(struct mod *m)
{
    static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    m->n = 0;
    put(m, magic, 8);
}

/* section - append section id with the content of c. */
static void section(struct mod *m, uint8_t id, const struct mod *c)
{
    put_byte(m, id);
    put_uleb(m, (uint32_t)c->n);
    put(m, c->b, c->n);
}

/* export_section - an export section naming every required export except
 * `skip` (-1: none), plus `extra` if not NULL. */
static void export_section(struct mod *m, int skip, const char *extra)
{
    struct mod c = {.n = 0};
    put_uleb(&c, (uint32_t)(NEXPORTS - (skip >= 0) + (extra != NULL)));
    if (extra) {
        put_name(&c, extra);
        put_byte(&c, 0);
        put_uleb(&c, 9);
    }
    for (int k = 0; k < NEXPORTS; k++) {
        if (k == skip)
            continue;
        put_name(&c, exports[k]);
        put_byte(&c, k == 0 ? 2 : 0);   /* memory, else func */
        put_uleb(&c, (uint32_t)k);
    }
    section(m, 7, &c);
}

/* import_section - `count` imports of module.field (a function of type 0). */
static void import_section(struct mod *m, uint32_t count, const char *module, const char *field)
{
    struct mod c = {.n = 0};
    put_uleb(&c, count);
    for (uint32_t i = 0; i < count; i++) {
        put_name(&c, module);
        put_name(&c, field);
        put_byte(&c, 0);
        put_uleb(&c, 0);
    }
    section(m, 2, &c);
}

static int check(const struct mod *m)
{
    err[0] = '\0';
    return wasm_check_buffer(m->b, m->n, "m.wasm", err);
}

static int has(const char *s) { return strstr(err, s) != NULL; }

static void test_valid(void)
{
    int rc = wasm_check_buffer(min_wasm, sizeof min_wasm, "min.wasm", err);
    CHECK(rc == 0, "minimal valid module (wat2wasm)", "err '%s'", err);

    struct mod m;
    header(&m);
    export_section(&m, -1, NULL);
    CHECK(check(&m) == 0, "magic + export section", "err '%s'", err);

    /* custom sections, empty sections and an empty import section are fine */
    struct mod c = {.n = 0};
    header(&m);
    put_name(&c, "name");
    put(&c, "\x01\x02\x03", 3);
    section(&m, 0, &c);
    c.n = 0;
    section(&m, 1, &c);
    import_section(&m, 0, "", "");
    export_section(&m, -1, "extra_export");
    c.n = 0;
    put_name(&c, "producers");
    section(&m, 0, &c);
    CHECK(check(&m) == 0, "custom, empty and zero-import sections", "err '%s'", err);

    /* a 5-byte LEB128 of the largest 32-bit value is a valid size encoding */
    header(&m);
    export_section(&m, -1, NULL);
    put(&m, "\x00\x84\x80\x80\x80\x00", 6);   /* custom section, size 4 padded */
    put(&m, "\x01x\x00\x00", 4);
    CHECK(check(&m) == 0, "padded LEB128 section size", "err '%s'", err);
}

static void test_header(void)
{
    uint8_t b[sizeof min_wasm];
    int rc;

    rc = wasm_check_buffer(min_wasm, 0, "m.wasm", err);
    CHECK(rc == -1 && has("m.wasm") && has("not a WebAssembly module"), "empty buffer",
          "rc %d err '%s'", rc, err);
    rc = wasm_check_buffer(min_wasm, 7, "m.wasm", err);
    CHECK(rc == -1 && has("not a WebAssembly module"), "7 bytes", "rc %d err '%s'", rc, err);

    memcpy(b, min_wasm, sizeof b);
    b[3] = 'n';
    rc = wasm_check_buffer(b, sizeof b, "m.wasm", err);
    CHECK(rc == -1 && has("not a WebAssembly module"), "bad magic", "rc %d err '%s'", rc, err);
    memcpy(b, min_wasm, sizeof b);
    b[4] = 2;
    rc = wasm_check_buffer(b, sizeof b, "m.wasm", err);
    CHECK(rc == -1 && has("not a WebAssembly module"), "bad version", "rc %d err '%s'", rc,
          err);
    memcpy(b, min_wasm, sizeof b);
    b[7] = 1;
    rc = wasm_check_buffer(b, sizeof b, "m.wasm", err);
    CHECK(rc == -1 && has("not a WebAssembly module"), "version 0x01000001", "rc %d err '%s'",
          rc, err);

    rc = wasm_check_buffer(min_wasm, 8, "m.wasm", err);
    CHECK(rc == -1 && has("missing export 'memory'"), "header only: no exports",
          "rc %d err '%s'", rc, err);
}

static void test_sections(void)
{
    struct mod m;
    int rc;

    header(&m);
    put_byte(&m, 1);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed section header"), "section id without a size",
          "rc %d err '%s'", rc, err);

    header(&m);
    put(&m, "\x01\x80\x80", 3);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed section header"), "section size cut short",
          "rc %d err '%s'", rc, err);

    header(&m);
    put(&m, "\x01\x05\x00\x00", 4);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed section header"), "section size past the end",
          "rc %d err '%s'", rc, err);

    /* every cut inside a section of the valid module is refused, and none
     * is read past its end; a cut between sections leaves a shorter list
     * of whole sections, refused only while an export is missing.  (All
     * section sizes of min_wasm are one-byte LEB128s.) */
    size_t bounds[16], nb = 0, end_of_exports = 0;
    for (size_t p = 8; p + 1 < sizeof min_wasm && nb < 16; p += 2 + min_wasm[p + 1]) {
        if (min_wasm[p] == 7)
            end_of_exports = p + 2 + min_wasm[p + 1];
        bounds[nb++] = p + 2 + min_wasm[p + 1];
    }
    int bad = 0;
    size_t first_bad = 0;
    for (size_t n = 9; n < sizeof min_wasm; n++) {
        int boundary = 0;
        for (size_t i = 0; i < nb; i++)
            boundary |= bounds[i] == n;
        uint8_t *copy = malloc(n);   /* exact size: ASan catches over-reads */
        memcpy(copy, min_wasm, n);
        rc = wasm_check_buffer(copy, n, "m.wasm", err);
        if (boundary && n >= end_of_exports ? rc != 0 : rc == 0) {
            if (bad++ == 0)
                first_bad = n;
        }
        free(copy);
    }
    CHECK(bad == 0 && end_of_exports > 0, "truncations of a valid module",
          "%d wrong, first at length %zu", bad, first_bad);

    header(&m);
    put_byte(&m, 0);
    for (int i = 0; i < 16; i++)
        put_byte(&m, 0x80);
    put_byte(&m, 0);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed section header"), "LEB128 that never terminates",
          "rc %d err '%s'", rc, err);

    header(&m);
    put(&m, "\x00\xff\xff\xff\xff\x0f", 6);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed section header"), "section size 2^32-1",
          "rc %d err '%s'", rc, err);

    /* bits above 32 in the fifth byte: not a u32 LEB128 (the spec, and wabt,
     * refuse it); read as 32 bits it would say size 0 */
    header(&m);
    export_section(&m, -1, NULL);
    put(&m, "\x00\x80\x80\x80\x80\x10", 6);
    rc = check(&m);
    CHECK(rc == -1, "LEB128 with bits beyond 32 is malformed", "rc %d (accepted) err '%s'", rc,
          err);
}

static void test_imports(void)
{
    struct mod m;
    int rc;

    header(&m);
    import_section(&m, 1, "wasi_snapshot_preview1", "fd_write");
    export_section(&m, -1, NULL);
    rc = check(&m);
    CHECK(rc == -1 && has("wasi_snapshot_preview1.fd_write") && has("imports 1 item") &&
              has("m.wasm"),
          "an import is refused, naming module.field", "rc %d err '%s'", rc, err);

    header(&m);
    export_section(&m, -1, NULL);
    import_section(&m, 3, "env", "host_write");
    rc = check(&m);
    CHECK(rc == -1 && has("env.host_write") && has("imports 3 item"),
          "imports after the exports are found too", "rc %d err '%s'", rc, err);

    /* count > 0 but the entries are cut short: still refused */
    struct mod c = {.n = 0};
    header(&m);
    put_uleb(&c, 1);
    put_uleb(&c, 50);
    put(&c, "abc", 3);
    section(&m, 2, &c);
    export_section(&m, -1, NULL);
    rc = check(&m);
    CHECK(rc == -1 && has("imports 1 item"), "truncated import entry is still an import",
          "rc %d err '%s'", rc, err);

    c.n = 0;
    header(&m);
    section(&m, 2, &c);
    export_section(&m, -1, NULL);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed import section"), "empty import section",
          "rc %d err '%s'", rc, err);

    /* very long names are cut in the message, which still fits */
    char longname[400];
    memset(longname, 'q', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    header(&m);
    import_section(&m, 1, longname, longname);
    rc = check(&m);
    CHECK(rc == -1 && has("imports 1 item") && strlen(err) < ERR_MAX,
          "import with very long names", "rc %d err '%s'", rc, err);
}

static void test_exports(void)
{
    struct mod m;
    char name[96], want[64];
    int rc;

    for (int k = 0; k < NEXPORTS; k++) {
        header(&m);
        export_section(&m, k, NULL);
        rc = check(&m);
        snprintf(name, sizeof name, "missing export %s", exports[k]);
        snprintf(want, sizeof want, "missing export '%s'", exports[k]);
        CHECK(rc == -1 && has(want) && has("m.wasm"), name, "rc %d err '%s'", rc, err);
    }

    /* names that only look alike do not count */
    static const char *alike[] = {"memory2", "memor", "tsf_hal", "tsf_halo_", "TSF_HALO"};
    for (size_t i = 0; i < sizeof alike / sizeof alike[0]; i++) {
        header(&m);
        export_section(&m, 3, alike[i]);
        rc = check(&m);
        snprintf(name, sizeof name, "'%s' is not tsf_halo", alike[i]);
        CHECK(rc == -1 && has("missing export 'tsf_halo'"), name, "rc %d err '%s'", rc, err);
    }

    /* the exports may be split across two sections */
    struct mod c = {.n = 0};
    header(&m);
    put_uleb(&c, 1);
    put_name(&c, "memory");
    put_byte(&c, 2);
    put_uleb(&c, 0);
    section(&m, 7, &c);
    export_section(&m, 0, NULL);
    CHECK(check(&m) == 0, "exports in two sections", "err '%s'", err);

    /* malformed export sections */
    c.n = 0;
    header(&m);
    put_uleb(&c, 6);
    put_name(&c, "memory");
    put_byte(&c, 2);
    put_uleb(&c, 0);
    section(&m, 7, &c);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed export section"), "export count larger than the entries",
          "rc %d err '%s'", rc, err);

    c.n = 0;
    header(&m);
    put_uleb(&c, 1);
    put_uleb(&c, 40);
    put(&c, "memory", 6);
    section(&m, 7, &c);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed export section"), "export name past the section",
          "rc %d err '%s'", rc, err);

    c.n = 0;
    header(&m);
    put_uleb(&c, 1);
    put_name(&c, "memory");
    section(&m, 7, &c);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed export section"), "export without kind and index",
          "rc %d err '%s'", rc, err);

    c.n = 0;
    header(&m);
    put_uleb(&c, 1);
    put_name(&c, "memory");
    put_byte(&c, 2);
    put_byte(&c, 0x80);
    section(&m, 7, &c);
    rc = check(&m);
    CHECK(rc == -1 && has("malformed export section"), "export index cut short",
          "rc %d err '%s'", rc, err);
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

static void test_files(void)
{
    char dir[PATH_MAX], path[PATH_MAX + 300];

    if (filters_dir(dir) < 0) {
        printf("skip - wasm_check_file on the built filters: build/filters not found\n");
        return;
    }
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0, failed = 0;
    char first[ERR_MAX + 64] = "";
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".wasm") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        n++;
        if (wasm_check_file(path, err) != 0 && failed++ == 0)
            snprintf(first, sizeof first, "%s", err);
    }
    if (d)
        closedir(d);
    CHECK(n >= 10 && failed == 0, "wasm_check_file passes every built filter",
          "%d modules, %d refused; first: %s", n, failed, first);

    snprintf(path, sizeof path, "%s/hostile/imports_host.wasm", dir);
    int rc = wasm_check_file(path, err);
    CHECK(rc == -1 && has("env.host_write") && has("imports_host.wasm"),
          "wasm_check_file refuses hostile/imports_host.wasm", "rc %d err '%s'", rc, err);
    snprintf(path, sizeof path, "%s/hostile/wrong_abi.wasm", dir);
    rc = wasm_check_file(path, err);
    CHECK(rc == 0, "hostile/wrong_abi.wasm is structurally fine", "rc %d err '%s'", rc, err);

    snprintf(path, sizeof path, "%s/no_such_module.wasm", dir);
    rc = wasm_check_file(path, err);
    CHECK(rc == -1 && has("no_such_module.wasm") && has("No such file"),
          "wasm_check_file of a missing file", "rc %d err '%s'", rc, err);
    rc = wasm_check_file(dir, err);
    CHECK(rc == -1 && has(dir), "wasm_check_file of a directory", "rc %d err '%s'", rc, err);
    snprintf(path, sizeof path, "%s/identity.wasm.h", dir);
    rc = wasm_check_file(path, err);
    CHECK(rc == -1 && has("not a WebAssembly module"), "wasm_check_file of a C header",
          "rc %d err '%s'", rc, err);
}

int main(void)
{
    test_valid();
    test_header();
    test_sections();
    test_imports();
    test_exports();
    test_files();
    CHECK_DONE();
}
