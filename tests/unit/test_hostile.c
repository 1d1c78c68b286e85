/*
 * test_hostile.c - the deliberately bad filters of filters/hostile/, run
 * through exec_chain in this process: each comes back as the trap, error
 * or limit the worker reports, with nothing leaked (the ASan build runs
 * this too).  Checked: out-of-bounds reads and writes, division by zero,
 * unreachable, runaway recursion, an undefined error code, a write past
 * the output buffer, memory.grow against the cap, a cap below a module's
 * initial memory, a fault in host code filling the tile, and that a
 * process keeps running good tiles after traps.  infinite_loop is left to
 * tests/e2e/hostile.sh: only the supervisor's timeout can end it.
 * Start functions that take memory or table entries are held by the
 * limits before their first instruction (start_loop and capped_loop are
 * for tests/e2e/startlimits.sh, for the same reason as infinite_loop).
 */
#include "wasm_memory.h"
#include "exec.h"
#include "filter.h"
#include "resolve.h"
#include "err.h"
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W 24
#define H 16
#define CH 3

static char err[ERR_MAX];
static uint8_t tile_px[W * H * CH];

/* set_filter_path - build/filters/hostile and build/filters on the path;
 * returns 0, or -1 if the build is not found. */
static int set_filter_path(void)
{
    char exe[PATH_MAX], fdir[PATH_MAX], probe[PATH_MAX + 64], fp[2 * PATH_MAX + 32];
    const char *top = getenv("TILESPOOL_TOP");
    if (top && *top) {
        snprintf(fdir, sizeof fdir, "%.4000s/build/filters", top);
    } else {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
            return -1;
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        /* build/tests or build/asan/tests */
        snprintf(fdir, sizeof fdir, "%.4000s/../filters", exe);
        snprintf(probe, sizeof probe, "%s/hostile", fdir);
        if (access(probe, R_OK) != 0)
            snprintf(fdir, sizeof fdir, "%.4000s/../../filters", exe);
    }
    snprintf(probe, sizeof probe, "%s/hostile/oob_read.wasm", fdir);
    if (access(probe, R_OK) != 0)
        return -1;
    snprintf(fp, sizeof fp, "%s/hostile:%s", fdir, fdir);
    return setenv("TILESPOOL_FILTER_PATH", fp, 1);
}

/* fill_tile - exec_fill_fn: copy tile_px. */
static int fill_tile(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *e)
{
    (void)ctx;
    (void)e;
    memcpy(dst, tile_px, (size_t)w * h * CH);
    return 0;
}

/* An unmapped address, hidden from the compiler behind a volatile. */
static uint8_t *volatile wild = (uint8_t *)(uintptr_t)16;

/* fill_fault - exec_fill_fn: host code that faults, as a decoder bug would. */
static int fill_fault(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *e)
{
    (void)ctx;
    (void)dst;
    (void)w;
    (void)h;
    (void)e;
    *wild = 1;
    return 0;
}

struct run {
    enum exec_result res;
    int at_limit;
    uint8_t first;       /* first output sample on EXEC_OK */
};

/* run_chain - resolve `text` here and run it on tile_px with a memory cap. */
static struct run run_chain(const char *text, uint64_t max_memory, exec_fill_fn fill)
{
    struct chain c;
    struct stage_spec st[CHAIN_MAX_STAGES];
    struct filter_module *mods[CHAIN_MAX_STAGES];
    struct plan p;
    struct plan_tile t;
    const struct plan_image src = {W, H, CH, 8};
    enum resolve_error why;
    struct run r = {EXEC_FAILED, 0, 0};
    err[0] = '\0';
    if (chain_parse(text, &c, err) < 0 ||
        resolve_plan_loaded(&c, FILTER_WASM, &src, 0, PLAN_MAX_RECT_PIXELS, st, mods, &p, NULL,
                            &why, err) < 0)
        return r;
    struct exec_out out = {0};
    /* planned without the cap: what is tested is the run of the tile */
    r.res = exec_plan_tile(mods, st, &p, 0, 0, 0, &t, err);
    if (r.res == EXEC_OK)
        r.res = exec_chain(mods, st, &p, &t, 0, c.nstages, NULL, max_memory, fill, NULL, &out,
                           err);
    r.at_limit = out.at_limit;
    if (r.res == EXEC_OK)
        r.first = out.px[0];
    exec_release(&out);
    for (int i = 0; i < c.nstages; i++)
        filter_unload(mods[i]);
    return r;
}

static int has(const char *s) { return strstr(err, s) != NULL; }

static void test_traps(void)
{
    static const struct { const char *name, *text; } traps[] = {
        {"oob_read", "Out-of-bounds access"},
        {"oob_write", "Out-of-bounds access"},
        {"div_zero", "Integer divide by zero"},
        {"unreachable", "Unreachable instruction executed"},
        {"deep_recursion", "Call stack exhausted"},
    };
    for (size_t i = 0; i < sizeof traps / sizeof traps[0]; i++) {
        char name[96];
        struct run r = run_chain(traps[i].name, 64u << 20, fill_tile);
        snprintf(name, sizeof name, "%s: trap '%s'", traps[i].name, traps[i].text);
        CHECK(r.res == EXEC_TRAPPED && !r.at_limit && has(traps[i].text) &&
                  has(traps[i].name) && has("tsf_process"),
              name, "result %d limit %d err '%s'", r.res, r.at_limit, err);
    }
}

static void test_errors(void)
{
    struct run r = run_chain("process_error", 64u << 20, fill_tile);
    CHECK(r.res == EXEC_FAILED && has("error code 7"), "process_error: error code 7",
          "result %d err '%s'", r.res, err);
    r = run_chain("output_oversize", 64u << 20, fill_tile);
    CHECK(r.res == EXEC_FAILED && has("past the end of its output buffer") &&
              has("output_oversize"),
          "output_oversize: the write past the buffer is seen", "result %d err '%s'", r.res,
          err);
    r = run_chain("invert,output_oversize", 64u << 20, fill_tile);
    CHECK(r.res == EXEC_FAILED && has("past the end"), "output_oversize as a second stage",
          "result %d err '%s'", r.res, err);
}

static void test_limits(void)
{
    struct run r = run_chain("grow_bomb", 16u << 20, fill_tile);
    CHECK(r.res == EXEC_TRAPPED && r.at_limit && has("memory limit of 16 MiB") &&
              has("Out-of-bounds"),
          "grow_bomb under a 16 MiB cap: trap at the memory limit", "result %d limit %d '%s'",
          r.res, r.at_limit, err);
    /* SDK filters start with a 1 MiB stack plus their data: more than 1 MiB */
    r = run_chain("identity", 1u << 20, fill_tile);
    CHECK(r.res == EXEC_FAILED && r.at_limit && has("memory limit") && has("starts with"),
          "a cap below the module's initial memory is a limit", "result %d limit %d '%s'",
          r.res, r.at_limit, err);
}

static void test_start(void)
{
    /* describing it (resolve) fails first, as in the splitter */
    struct run r = run_chain("start_table", 16u << 20, fill_tile);
    CHECK(r.res == EXEC_FAILED && has("table limit") && has("start_table") &&
              has("100000001 entries"),
          "start_table: table.grow in the start function is refused while describing",
          "result %d '%s'", r.res, err);
    /* the describe cap (256 MiB) lets the capped_ modules through */
    r = run_chain("capped_memory", 16u << 20, fill_tile);
    CHECK(r.res == EXEC_FAILED && r.at_limit && has("memory limit of 16 MiB"),
          "capped_memory: the start function is held to the cap", "result %d limit %d '%s'",
          r.res, r.at_limit, err);
    r = run_chain("capped_table", 16u << 20, fill_tile);
    CHECK(r.res == EXEC_FAILED && r.at_limit && has("table limit") && has("capped_table"),
          "capped_table: table.grow to 100 million entries is the table limit",
          "result %d limit %d '%s'", r.res, r.at_limit, err);
    CHECK(wasm_memory_table_entries() == 0, "no table entries left counted after failures",
          "entries %llu", (unsigned long long)wasm_memory_table_entries());
    r = run_chain("invert", 16u << 20, fill_tile);
    CHECK(r.res == EXEC_OK, "a good filter runs after them", "result %d '%s'", r.res, err);
}

static void test_host_fault(void)
{
    struct run r = run_chain("identity", 64u << 20, fill_fault);
    CHECK(r.res == EXEC_TRAPPED && has("reading the tile") && has("worker's own code"),
          "a fault filling the tile is caught and named", "result %d err '%s'", r.res, err);
}

static void test_sometimes(void)
{
    memset(tile_px, 40, sizeof tile_px);
    struct run dark = run_chain("sometimes", 64u << 20, fill_tile);
    memset(tile_px, 200, sizeof tile_px);
    struct run bright = run_chain("sometimes", 64u << 20, fill_tile);
    memset(tile_px, 40, sizeof tile_px);
    struct run again = run_chain("sometimes,invert", 64u << 20, fill_tile);
    CHECK(dark.res == EXEC_OK && dark.first == 215 && bright.res == EXEC_TRAPPED &&
              again.res == EXEC_OK && again.first == 40,
          "sometimes: dark tiles done, bright ones trap, and tiles after a trap are fine",
          "dark %d/%u bright %d again %d/%u", dark.res, dark.first, bright.res, again.res,
          again.first);
}

int main(void)
{
    if (set_filter_path() < 0) {
        printf("skip - hostile filters: build/filters/hostile not found (make filters)\n");
        return 0;
    }
    filter_runtime_init();
    for (size_t i = 0; i < sizeof tile_px; i++)
        tile_px[i] = (uint8_t)(i * 7);
    test_traps();
    test_errors();
    test_limits();
    test_start();
    test_host_fault();
    test_sometimes();
    CHECK_DONE();
}
