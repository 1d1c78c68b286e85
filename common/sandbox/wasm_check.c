/*
 * wasm_check.c - check a filter module before anything of it is compiled
 * or run (wasm_check.h): the section list, in order, each section read
 * strictly by wasm_check_sec.c; then what needs the whole module; and
 * wasm-validate for the instructions.
 *
 * The bytes come from whoever wrote the module, so every read is
 * bounds-checked against the end of the section it belongs to, every
 * LEB128 is held to its type's length, every count to a limit before
 * anything is sized by it, and every index to the space it indexes.  A
 * section's content must end exactly where its size says.  Instructions
 * are not read: a body is a size, its local declarations and a final
 * `end`.
 */
#include "wasm_check_impl.h"
#include "err.h"
#include "toolrun.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const sec_name[NSEC] = {
    "custom", "type", "import", "function", "table", "memory", "global",
    "export", "start", "element", "code", "data", "data count",
};
/* where each section must come; the data count section precedes code */
static const uint8_t sec_rank[NSEC] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

/* read_sections - every section, in order, each consumed exactly;
 * returns 0 or -1. */
static int read_sections(struct wc_mod *m, struct wc_reader r)
{
    int last = 0;
    while (r.p < r.end) {
        size_t at = (size_t)(r.p - m->base);
        uint8_t id = *r.p++;
        uint32_t size;
        if (wc_u32(&r, &size) < 0 || size > wc_left(&r))
            return errf(m->err, "%s: malformed section header at offset %zu", m->name, at);
        if (id >= NSEC)
            return errf(m->err, "%s: unknown section id %u at offset %zu", m->name, id, at);
        if (id != SEC_CUSTOM) {
            if (sec_rank[id] <= last)
                return errf(m->err, "%s: %s section at offset %zu is repeated or out of order",
                            m->name, sec_name[id], at);
            last = sec_rank[id];
        }
        struct wc_reader sec = {r.p, r.p + size};
        m->where = sec_name[id];
        if (wc_read_section(m, id, &sec) < 0)
            return -1;
        if (sec.p != sec.end)
            return wc_bad(m, &sec, "%zu bytes left over at its end", wc_left(&sec));
        r.p += size;
    }
    return 0;
}

int wasm_check_module(const uint8_t *buf, size_t len, const char *name,
                      struct wasm_facts *facts, char *err)
{
    static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    if (len < 8 || memcmp(buf, magic, 8) != 0)
        return errf(err, "%s: not a WebAssembly module (version 1)", name);
    struct wc_mod *m = calloc(1, sizeof *m);
    if (!m)
        return errf(err, "%s: out of memory", name);
    m->name = name;
    m->err = err;
    m->base = buf;
    int rc = read_sections(m, (struct wc_reader){buf + 8, buf + len});
    if (rc == 0)
        rc = wc_finish(m);
    if (rc == 0 && facts) {
        memset(facts, 0, sizeof *facts);
        facts->mem_initial = (uint32_t)m->mem.min;
        facts->mem_has_max = (m->mem.flags & LIM_MAX) != 0;
        facts->mem_max = facts->mem_has_max ? (uint32_t)m->mem.max : WASM_CHECK_MAX_PAGES;
        facts->ntables = m->ntables;
        if (m->ntables) {
            facts->table_initial = (uint32_t)m->tables[0].min;
            facts->table_max = m->tables[0].flags & LIM_MAX ? (uint32_t)m->tables[0].max
                                                             : WASM_CHECK_MAX_TABLE_ELEMS;
        }
        facts->nfuncs = m->nfuncs;
        facts->code_bytes = m->code_bytes;
        facts->data_bytes = m->data_bytes;
        facts->global_exports = (m->found & WC_FOUND_GLOBAL) == WC_FOUND_GLOBAL;
        facts->v1_exports = (m->found & WC_FOUND_V1) == WC_FOUND_V1;
        facts->v2_exports = (m->found & WC_FOUND_V2) == WC_FOUND_V2;
    }
    free(m);
    return rc;
}

int wasm_check_buffer(const uint8_t *buf, size_t len, const char *name, char *err)
{
    return wasm_check_module(buf, len, name, NULL, err);
}

int wasm_check_file(const char *path, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errf_sys(err, "%s", path);
    uint8_t *buf = malloc(WASM_CHECK_MAX_FILE);
    if (!buf) {
        fclose(f);
        return errf(err, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, WASM_CHECK_MAX_FILE, f);
    int bad = ferror(f), big = !feof(f) && n == WASM_CHECK_MAX_FILE;
    fclose(f);
    int rc = bad ? errf_sys(err, "%s: read", path)
             : big ? errf(err, "%s: larger than %u MiB", path, WASM_CHECK_MAX_FILE >> 20)
                   : wasm_check_buffer(buf, n, path, err);
    free(buf);
    return rc;
}

/* first_error - the first line of log[0..n) that says "error:", from the
 * colon after the file name wasm-validate puts first, into buf. */
static void first_error(const char *log, size_t n, char *buf, size_t size)
{
    const char *line = log, *end = log + n;
    char copy[300];
    buf[0] = '\0';
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
        snprintf(copy, sizeof copy, "%.*s", (int)(len < sizeof copy ? len : sizeof copy - 1), line);
        const char *e = strstr(copy, "error:");
        if (e) {
            const char *colon = strchr(copy, ':');
            const char *from = colon && colon < e ? colon + 1 : copy;
            size_t keep = strlen(from) < size ? strlen(from) : size - 1;
            memcpy(buf, from, keep);
            buf[keep] = '\0';
            return;
        }
        line += len + 1;
    }
}

int wasm_check_validate(const char *path, int logfd, char *err)
{
    struct toolrun_limits lim;
    char arg[4096], tool[PATH_MAX], nosimd[] = "--disable-simd", log[8192];
    char why[ERR_MAX], first[160];
    const char *env = getenv("TILESPOOL_WASM_VALIDATE");
    if (toolrun_limits_from_env(&lim, err) < 0)
        return -1;
    if (snprintf(tool, sizeof tool, "%s", env && *env ? env : "wasm-validate") >= (int)sizeof tool)
        return errf(err, "TILESPOOL_WASM_VALIDATE: path too long");
    /* a file name starting with '-' must not be read as an option */
    if (snprintf(arg, sizeof arg, "%s%s", path[0] == '-' ? "./" : "", path) >= (int)sizeof arg)
        return errf(err, "%.200s...: file name too long", path);
    FILE *out = tmpfile();
    if (!out)
        return errf_sys(err, "%s: wasm-validate: temporary file", path);
    char *const argv[] = {tool, nosimd, arg, NULL};
    int rc = toolrun_run(argv, fileno(out), &lim, why);
    size_t n = 0, got;
    rewind(out);
    while ((got = fread(log, 1, sizeof log, out)) > 0) {
        if (n == 0)
            first_error(log, got, first, sizeof first);
        if (logfd >= 0 && n < (64u << 10) && write(logfd, log, got) < 0)
            logfd = -1;     /* the log is best effort; the verdict stands */
        n += got;
    }
    fclose(out);
    if (rc == 0)
        return 0;
    if (rc == TOOLRUN_FAILED && first[0])
        return errf(err, "%s: not valid WebAssembly (wasm-validate:%s)", path, first);
    return errf(err, "%s: %s", path, why);
}
