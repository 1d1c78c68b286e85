/*
 * grow_bomb.c - hostile: grows linear memory a page at a time towards the
 * 4 GiB a wasm32 memory can reach, writing to every 4 KiB of each new
 * page so that it really costs resident memory.  When memory.grow fails
 * (the host's --max-memory cap) it writes to the page it did not get, as
 * careless code that ignores the failure would.
 *
 * The host must cap the instance's memory at --max-memory (the grow then
 * fails), turn the write past the end into a trap, fail the tile with
 * kind "limit" and a reason naming the memory limit, and keep the child's
 * peak RSS near the cap, never near 4 GiB.
 */
#include "tsf.h"

TSF_POINT_FILTER("grow_bomb", "Hostile: grows memory without bound, touching every page",
                 "[1,2,3,4]", TSF_NO_PARAMS);

#define PAGE 65536u

static int32_t filter_process(const struct tsf_call *c)
{
    (void)c;
    for (;;) {
        size_t old = __builtin_wasm_memory_grow(0, 1);
        uint64_t end = (uint64_t)__builtin_wasm_memory_size(0) * PAGE;
        uint64_t page = old == (size_t)-1 ? end : (uint64_t)old * PAGE;
        if (page >= 0x100000000ull)
            return TSF_ENOMEM;  /* 4 GiB: the wasm32 address space is full */
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)page;
        for (uint32_t off = 0; off < PAGE; off += 4096)
            p[off] = 1;
    }
}
