/*
 * wasm_memory.c - reuse of wasm2c linear memories between instances
 * (wasm_memory.h).
 *
 * A kept memory is remembered with `used`, the size its last instance had
 * grown to: only those bytes were ever readable or writable, so only they
 * can need zeroing, and only the part above the next instance's initial
 * size needs its protection taken away again.  A small tile touches a few
 * pages of a megabyte-sized stack and data area, and clearing all of it
 * cost more than the fresh mapping did, so mincore(2) splits the bytes:
 * resident pages are cleared with memset and stay; the others (never
 * touched, or swapped out, which would come back with their data) are
 * dropped with MADV_DONTNEED, after which they read as zeros.  Pages stay resident through
 * mprotect, which is the point: the next instance finds them without a
 * fault.  The pool is per thread, so instances made on different threads
 * (the benchmark's in-process floor) never share a memory.
 */
#include "wasm_memory.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define POOL_MAX 4      /* a chain holds at most two instances at once */
#define CHUNK_PAGES 4096

struct kept {
    uint8_t *base;
    uint64_t used;
};

static _Thread_local struct kept pool[POOL_MAX];
static _Thread_local int pooled;

/* zero_run - zero n bytes at p: memset when resident, else drop them. */
static void zero_run(uint8_t *p, uint64_t n, int resident)
{
    if (resident || madvise(p, n, MADV_DONTNEED) != 0)
        memset(p, 0, n);
}

/* zero_resident - make [base, base+len) read as zeros, keeping the resident
 * pages resident; base is page-aligned.  Where mincore fails, everything
 * is cleared with memset. */
static void zero_resident(uint8_t *base, uint64_t len)
{
    static _Thread_local unsigned char vec[CHUNK_PAGES];
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    for (uint64_t off = 0; off < len; off += CHUNK_PAGES * page) {
        uint64_t n = len - off < CHUNK_PAGES * page ? len - off : CHUNK_PAGES * page;
        uint64_t pages = (n + page - 1) / page;
        if (mincore(base + off, n, vec) != 0) {
            memset(base + off, 0, n);
            continue;
        }
        for (uint64_t i = 0; i < pages;) {
            int resident = vec[i] & 1;
            uint64_t j = i;
            while (j < pages && (vec[j] & 1) == resident)
                j++;
            uint64_t end = j * page < n ? j * page : n;
            zero_run(base + off + i * page, end - i * page, resident);
            i = j;
        }
    }
}

/* reset - make a kept memory look freshly allocated with `bytes` usable;
 * returns 0, or -1 when the kernel refused a protection change. */
static int reset(const struct kept *k, uint64_t bytes)
{
    zero_resident(k->base, k->used);
    if (k->used > bytes)
        return mprotect(k->base + bytes, k->used - bytes, PROT_NONE);
    if (k->used < bytes)
        return mprotect(k->base + k->used, bytes - k->used, PROT_READ | PROT_WRITE);
    return 0;
}

void tsf_host_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial_pages,
                              uint32_t max_pages)
{
    uint64_t bytes = (uint64_t)initial_pages * WASM_PAGE;
    while (pooled > 0) {
        struct kept k = pool[--pooled];
        if (reset(&k, bytes) == 0) {
            mem->data = k.base;
            mem->size = (uint32_t)bytes;
            mem->pages = initial_pages;
            mem->max_pages = max_pages;
            return;
        }
        munmap(k.base, WASM_RESERVATION);
    }
    /* nothing kept: the runtime's allocator (which aborts on failure, and
     * the supervisor reports the child's death) */
    wasm_rt_allocate_memory(mem, initial_pages, max_pages);
}

void tsf_host_free_memory(wasm_rt_memory_t *mem)
{
    if (!mem->data)
        return;
    if (pooled < POOL_MAX)
        pool[pooled++] = (struct kept){mem->data, mem->size};
    else
        munmap(mem->data, WASM_RESERVATION);
    mem->data = NULL;       /* tells wasm_memory_release_rest it is handled */
}

void wasm_memory_release_rest(wasm_rt_memory_t *mem)
{
    if (mem->data)
        munmap(mem->data, WASM_RESERVATION);
    mem->data = NULL;
}

void wasm_memory_drop_pool(void)
{
    while (pooled > 0)
        munmap(pool[--pooled].base, WASM_RESERVATION);
}
