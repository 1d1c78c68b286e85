/*
 * test_wasm_memory.c - unit tests for the reuse of linear memories
 * (wasm_memory.h).
 *
 * What must hold for a reused memory is what holds for a fresh one: every
 * byte the instance can reach is zero, every byte above its size faults
 * (the guard-page trap), growing makes zeroed bytes reachable, and the
 * reuse is real (same reservation, no new mapping).  A fault is observed
 * in a forked child with the default SIGSEGV action.
 */
#include "wasm_memory.h"
#include "check.h"

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
    CHECK_DONE();
}
