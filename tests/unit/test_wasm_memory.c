/*
 * test_wasm_memory.c - unit tests for the reuse of linear memories
 * (wasm_memory.h).
 *
 * What must hold for a reused memory is what holds for a fresh one: every
 * byte the instance can reach is zero, every byte above its size faults
 * (the guard-page trap), growing makes zeroed bytes reachable, and the
 * reuse is real (same reservation, no new mapping).  A fault is observed
 * in a forked child with the default SIGSEGV action.
 *
 * The limits: a memory made under a cap has its maximum lowered to it and
 * cannot grow past it; one that would start above it traps out of the
 * allocation; tables are held to WASM_TABLE_MAX entries each and
 * WASM_TABLES_TOTAL in all, counted back down when freed; each refusal
 * made during instantiation is reported with its reason.
 */
#include "wasm_memory.h"
#include "check.h"

#include <wasm-rt-impl.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* faults - 1 if reading p kills a child with SIGSEGV, 0 if it reads. */
static int faults(const volatile uint8_t *p)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        uint8_t v = *p;
        _exit(v == 0 ? 0 : 1);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

/* all_zero - 1 if [p, p+n) is all zero bytes. */
static int all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* trap_alloc - allocate a memory of `initial` pages under the cap; returns
 * the trap code (0: none). */
static int trap_alloc(wasm_rt_memory_t *m, uint32_t initial)
{
    int t = wasm_rt_impl_try();
    if (t != 0)
        return t;
    tsf_host_allocate_memory(m, initial, 65536);
    return 0;
}

/* trap_table - allocate a funcref table of `elements`; returns the trap
 * code (0: none). */
static int trap_table(wasm_rt_funcref_table_t *t, uint32_t elements)
{
    int code = wasm_rt_impl_try();
    if (code != 0)
        return code;
    tsf_host_allocate_funcref_table(t, elements, UINT32_MAX);
    return 0;
}

static void test_memory_cap(void)
{
    char why[256];
    int lowered = 0;
    wasm_rt_memory_t m;
    memset(&m, 0, sizeof m);
    wasm_memory_limit_begin(1u << 20);
    tsf_host_allocate_memory(&m, 2, 65536);
    CHECK(m.max_pages == 16 && m.pages == 2, "under a 1 MiB cap the maximum is 16 pages",
          "max %u pages %u", m.max_pages, m.pages);
    CHECK(tsf_host_grow_memory(&m, 14) == 2 && tsf_host_grow_memory(&m, 1) == UINT32_MAX &&
              m.pages == 16,
          "growing up to the cap works, one page past it fails", "pages %u", m.pages);
    int refused = wasm_memory_limit_end(&lowered, why, sizeof why);
    CHECK(refused == 1 && lowered && strstr(why, "memory limit of 1 MiB") &&
              strstr(why, "1088 KiB"),
          "the refused grow is reported with the cap and the size asked for",
          "refused %d lowered %d '%s'", refused, lowered, why);
    CHECK(tsf_host_grow_memory(&m, 1) == UINT32_MAX &&
              wasm_memory_limit_end(&lowered, why, sizeof why) == 0,
          "after instantiation the cap still holds, and is no refusal to report", "'%s'", why);
    tsf_host_free_memory(&m);

    memset(&m, 0, sizeof m);
    wasm_memory_limit_begin(1u << 20);
    int t = trap_alloc(&m, 17);
    refused = wasm_memory_limit_end(&lowered, why, sizeof why);
    CHECK(t == WASM_RT_TRAP_OOB && m.data == NULL && refused == 2 &&
              strstr(why, "starts with 1088 KiB"),
          "an initial size above the cap traps out of the allocation, nothing made",
          "trap %d data %p '%s'", t, (void *)m.data, why);

    memset(&m, 0, sizeof m);
    wasm_memory_limit_begin(0);
    tsf_host_allocate_memory(&m, 1, 70);
    CHECK(m.max_pages == 70 && wasm_memory_limit_end(&lowered, why, sizeof why) == 0 &&
              !lowered,
          "no cap: the module's own maximum", "max %u", m.max_pages);
    tsf_host_free_memory(&m);
}

static void test_table_cap(void)
{
    char why[256];
    int lowered;
    wasm_rt_funcref_table_t t[5];
    wasm_rt_externref_table_t e;
    memset(t, 0, sizeof t);
    wasm_memory_limit_begin(0);
    tsf_host_allocate_funcref_table(&t[0], 10, UINT32_MAX);
    CHECK(t[0].data && t[0].size == 10 && t[0].max_size == WASM_TABLE_MAX &&
              wasm_memory_table_entries() == 10,
          "a table's maximum is lowered to WASM_TABLE_MAX, its entries counted",
          "size %u max %u entries %llu", t[0].size, t[0].max_size,
          (unsigned long long)wasm_memory_table_entries());
    uint32_t r1 = tsf_host_grow_funcref_table(&t[0], WASM_TABLE_MAX - 10,
                                              wasm_rt_funcref_null_value);
    uint32_t r2 = tsf_host_grow_funcref_table(&t[0], 100000000, wasm_rt_funcref_null_value);
    int refused = wasm_memory_limit_end(&lowered, why, sizeof why);
    CHECK(r1 == 10 && r2 == UINT32_MAX && t[0].size == WASM_TABLE_MAX && refused == 1 &&
              strstr(why, "table limit"),
          "table.grow to the cap works, past it fails with the table limit",
          "r1 %u r2 %u size %u '%s'", r1, r2, t[0].size, why);

    wasm_memory_limit_begin(0);
    int code = trap_table(&t[1], WASM_TABLE_MAX + 1);
    refused = wasm_memory_limit_end(&lowered, why, sizeof why);
    CHECK(code == WASM_RT_TRAP_OOB && t[1].data == NULL && t[1].size == 0 && refused == 2 &&
              strstr(why, "table limit"),
          "a table made larger than the cap traps out of instantiation", "trap %d '%s'", code,
          why);
    tsf_host_free_funcref_table(&t[1]);

    for (int i = 1; i < 4; i++)
        tsf_host_allocate_funcref_table(&t[i], WASM_TABLE_MAX, WASM_TABLE_MAX);
    memset(&e, 0, sizeof e);
    uint32_t r3 = tsf_host_grow_funcref_table(&t[3], 1, wasm_rt_funcref_null_value);
    wasm_memory_limit_begin(0);
    code = trap_table(&t[4], 1);
    refused = wasm_memory_limit_end(&lowered, why, sizeof why);
    CHECK(wasm_memory_table_entries() == WASM_TABLES_TOTAL && r3 == UINT32_MAX &&
              code == WASM_RT_TRAP_OOB && refused == 2 && strstr(why, "in all"),
          "all the live tables hold at most WASM_TABLES_TOTAL entries",
          "entries %llu r3 %u trap %d '%s'", (unsigned long long)wasm_memory_table_entries(),
          r3, code, why);
    for (int i = 0; i < 4; i++)
        tsf_host_free_funcref_table(&t[i]);
    tsf_host_allocate_externref_table(&e, 3, 5);
    CHECK(e.data && e.max_size == 5 &&
              tsf_host_grow_externref_table(&e, 3, wasm_rt_externref_null_value) == UINT32_MAX &&
              tsf_host_grow_externref_table(&e, 2, wasm_rt_externref_null_value) == 3 &&
              wasm_memory_table_entries() == 5,
          "externref tables: the module's own maximum, counted like funcref ones",
          "max %u entries %llu", e.max_size, (unsigned long long)wasm_memory_table_entries());
    tsf_host_free_externref_table(&e);
    CHECK(wasm_memory_table_entries() == 0, "freed tables are counted out", "entries %llu",
          (unsigned long long)wasm_memory_table_entries());
}

int main(void)
{
    wasm_rt_memory_t a, b, c;
    memset(&a, 0, sizeof a);
    tsf_host_allocate_memory(&a, 2, 100);
    CHECK(a.data && a.size == 2 * WASM_PAGE && a.pages == 2 && a.max_pages == 100 &&
              all_zero(a.data, a.size) && faults(a.data + a.size) == 1,
          "fresh: initial pages zeroed, the next byte faults", "size %u", a.size);

    /* the instance grows and scribbles over everything it can reach */
    CHECK(wasm_rt_grow_memory(&a, 3) == 2 && a.size == 5 * WASM_PAGE, "grow to 5 pages",
          "size %u", a.size);
    memset(a.data, 0xa5, a.size);
    uint8_t *base = a.data;
    tsf_host_free_memory(&a);
    CHECK(a.data == NULL, "free hands the memory to the pool", "data %p", (void *)a.data);

    memset(&b, 0, sizeof b);
    tsf_host_allocate_memory(&b, 1, 7);
    CHECK(b.data == base && b.size == WASM_PAGE && b.pages == 1 && b.max_pages == 7,
          "the next instance reuses the reservation with its own size", "data %p size %u",
          (void *)b.data, b.size);
    CHECK(all_zero(b.data, b.size), "reused: the reachable page is zero", "dirty");
    CHECK(faults(b.data + WASM_PAGE) == 1 && faults(b.data + 5 * WASM_PAGE - 1) == 1,
          "reused: the pages the last instance grew into fault again", "readable");
    CHECK(wasm_rt_grow_memory(&b, 4) == 1 && all_zero(b.data, b.size) &&
              faults(b.data + b.size) == 1,
          "reused: growing again reaches zeroed pages only", "size %u", b.size);
    memset(b.data, 0x5a, b.size);
    tsf_host_free_memory(&b);

    memset(&c, 0, sizeof c);
    tsf_host_allocate_memory(&c, 9, 9);
    CHECK(c.data == base && c.size == 9 * WASM_PAGE && all_zero(c.data, c.size) &&
              faults(c.data + c.size) == 1,
          "reused with a larger initial size: all of it zero and usable, then the guard",
          "size %u", c.size);
    tsf_host_free_memory(&c);

    /* sparse writes: resident pages amid untouched ones are cleared too */
    memset(&c, 0, sizeof c);
    tsf_host_allocate_memory(&c, 64, 64);
    c.data[0] = 1;
    c.data[40 * WASM_PAGE + 123] = 2;
    c.data[64 * WASM_PAGE - 1] = 3;
    tsf_host_free_memory(&c);
    tsf_host_allocate_memory(&c, 64, 64);
    CHECK(c.data == base && all_zero(c.data, c.size),
          "reused after sparse writes: every byte zero", "data %p", (void *)c.data);
    tsf_host_free_memory(&c);

    /* the same through the pagemap, as a worker child clears (mincore above) */
    wasm_memory_init();
    tsf_host_allocate_memory(&c, 64, 66);
    c.data[WASM_PAGE - 1] = 4;
    c.data[17 * WASM_PAGE] = 5;
    memset(c.data + 50 * WASM_PAGE, 0x77, 3 * WASM_PAGE);
    c.data[64 * WASM_PAGE - 1] = 6;
    CHECK(wasm_rt_grow_memory(&c, 2) == 64, "grow to 66 pages", "size %u", c.size);
    c.data[65 * WASM_PAGE + 9] = 7;
    tsf_host_free_memory(&c);
    tsf_host_allocate_memory(&c, 64, 66);
    CHECK(c.data == base && all_zero(c.data, c.size) && faults(c.data + c.size) == 1,
          "pagemap: reused after sparse writes, every byte zero, the grown pages fault",
          "data %p", (void *)c.data);
    CHECK(wasm_rt_grow_memory(&c, 2) == 64 && all_zero(c.data, c.size),
          "pagemap: growing again reaches zeroed pages only", "size %u", c.size);
    tsf_host_free_memory(&c);

    /* more memories than the pool keeps: the extra ones are unmapped */
    wasm_rt_memory_t m[6];
    for (int i = 0; i < 6; i++) {
        memset(&m[i], 0, sizeof m[i]);
        tsf_host_allocate_memory(&m[i], 1, 1);
        m[i].data[0] = 1;
    }
    int distinct = 1;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < i; j++)
            distinct &= m[i].data != m[j].data;
    uint8_t *last = m[5].data;
    for (int i = 0; i < 6; i++)
        tsf_host_free_memory(&m[i]);
    CHECK(distinct && faults(last) == 1, "live memories are distinct; beyond the pool, freed "
          "memories are unmapped", "distinct %d", distinct);
    wasm_memory_drop_pool();

    /* an object built without the renames: the runtime's own allocator */
    wasm_rt_memory_t r;
    memset(&r, 0, sizeof r);
    wasm_rt_allocate_memory(&r, 1, 1);
    uint8_t *rbase = r.data;
    wasm_rt_free_memory(&r);
    wasm_memory_release_rest(&r);
    CHECK(r.data == NULL && faults(rbase + 2 * WASM_PAGE) == 1,
          "release_rest unmaps what the runtime's free left", "data %p", (void *)r.data);
    test_memory_cap();
    test_table_cap();
    CHECK_DONE();
}
