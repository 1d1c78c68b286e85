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
 * dropped with MADV_DONTNEED, after which they read as zeros.  Where
 * /proc/self/pagemap could be opened first (wasm_memory_init, before a
 * child confines itself), it is read instead: it tells a page never
 * touched (nothing to do) from one swapped out (dropped), and one read of
 * it costs a fraction of mincore's walk plus the drops of untouched runs,
 * which took most of an instance's making.  Pages stay resident through
 * mprotect, which is the point: the next instance finds them without a
 * fault.  The pool is per thread, so instances made on different threads
 * (the benchmark's in-process floor) never share a memory.
 *
 * The limits (wasm_memory.h) are per thread too, like the instances they
 * govern.  A refusal during instantiation is noted before anything is
 * returned or trapped, so that a start function which ignores a failed
 * memory.grow or table.grow and then traps on the missing space is still
 * reported as having hit the limit.
 */
#include "wasm_memory.h"

#include <assert.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define POOL_MAX 4      /* a chain holds at most two instances at once */
#define CHUNK_PAGES 4096
#define MAP_CHUNK 512   /* pagemap entries read at once */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)

struct kept {
    uint8_t *base;
    uint64_t used;
};

static _Thread_local struct kept pool[POOL_MAX];
static _Thread_local int pooled;

/* The limits of the instance being made, and the tables of all of them. */
struct limits {
    int making;              /* between wasm_memory_limit_begin and _end */
    uint64_t cap_pages;      /* 0: no cap */
    int lowered;             /* a memory's maximum was lowered to the cap */
    int refused;             /* 1 something was refused (why says what, last), 2 it
                                ended instantiation */
    char why[256];
    uint64_t entries;        /* table entries live in this thread */
};

static _Thread_local struct limits lim;

/* /proc/self/pagemap of process pagemap_pid, or -1.  A forked child does
 * not use its parent's (it describes the parent's pages): it opens its
 * own, or goes without. */
static int pagemap = -1;
static pid_t pagemap_pid;

void wasm_memory_init(void)
{
    if (pagemap >= 0 && pagemap_pid == getpid())
        return;
    /* another process's descriptor is left alone: its number may be
     * another file's by now */
    pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    pagemap_pid = getpid();
}

/* refuse - note a refusal during instantiation (printf-style); the last
 * one is what the start-up code trapped on, if it did. */
static void refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void refuse(const char *fmt, ...)
{
    if (!lim.making)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lim.why, sizeof lim.why, fmt, ap);
    va_end(ap);
    lim.refused = 1;
}

/* give_up - end the instantiation on the refusal just noted: trap out of
 * it, marked as the host's own doing. */
static void give_up(void) __attribute__((noreturn));
static void give_up(void)
{
    lim.refused = 2;
    wasm_rt_trap(WASM_RT_TRAP_OOB);
}

void wasm_memory_limit_begin(uint64_t max_memory)
{
    lim.making = 1;
    lim.cap_pages = max_memory / WASM_PAGE;
    lim.lowered = lim.refused = 0;
    lim.why[0] = '\0';
}

int wasm_memory_limit_end(int *lowered, char *why, size_t n)
{
    int refused = lim.refused;
    *lowered = lim.lowered;
    snprintf(why, n, "%s", lim.why);
    lim.making = 0;
    lim.cap_pages = 0;
    lim.refused = 0;
    return refused;
}

uint64_t wasm_memory_table_entries(void)
{
    return lim.entries;
}

/* zero_run - zero n bytes at p: memset when resident, else drop them. */
static void zero_run(uint8_t *p, uint64_t n, int resident)
{
    if (resident || madvise(p, n, MADV_DONTNEED) != 0)
        memset(p, 0, n);
}

/* zero_mapped - zero_resident through the pagemap: present pages
 * cleared, swapped ones dropped, the others left (they read as zeros).
 * Returns 0, or -1 when the pagemap cannot be read (nothing done). */
static int zero_mapped(uint8_t *base, uint64_t len, uint64_t page)
{
    static _Thread_local uint64_t e[MAP_CHUNK];
    uint64_t pages = (len + page - 1) / page, first = (uint64_t)(uintptr_t)base / page;
    if (pagemap < 0 || pagemap_pid != getpid())
        return -1;
    for (uint64_t at = 0; at < pages; at += MAP_CHUNK) {
        uint64_t n = pages - at < MAP_CHUNK ? pages - at : MAP_CHUNK;
        if (pread(pagemap, e, n * 8, (off_t)((first + at) * 8)) != (ssize_t)(n * 8)) {
            if (at == 0)
                return -1;
            memset(base + at * page, 0, len - at * page);   /* the rest, the slow way */
            return 0;
        }
        for (uint64_t i = 0; i < n;) {
            uint64_t kind = e[i] & (PM_PRESENT | PM_SWAPPED), j = i + 1;
            while (j < n && (e[j] & (PM_PRESENT | PM_SWAPPED)) == kind)
                j++;
            uint64_t from = (at + i) * page, to = (at + j) * page < len ? (at + j) * page : len;
            if (kind)
                zero_run(base + from, to - from, (kind & PM_PRESENT) != 0);
            i = j;
        }
    }
    return 0;
}

/* zero_resident - make [base, base+len) read as zeros, keeping the resident
 * pages resident; base is page-aligned.  Where mincore fails, everything
 * is cleared with memset. */
static void zero_resident(uint8_t *base, uint64_t len)
{
    static _Thread_local unsigned char vec[CHUNK_PAGES];
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (zero_mapped(base, len, page) == 0)
        return;
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

/* capped_max - max_pages lowered to the cap of the instance being made;
 * traps out of instantiation when the initial size is already above it. */
static uint32_t capped_max(uint32_t initial_pages, uint32_t max_pages)
{
    if (lim.cap_pages == 0 || lim.cap_pages >= max_pages)
        return max_pages;
    if (initial_pages > lim.cap_pages) {
        refuse("memory limit of %llu MiB: the module starts with %llu KiB of memory",
               (unsigned long long)(lim.cap_pages * WASM_PAGE >> 20),
               (unsigned long long)initial_pages * (WASM_PAGE / 1024));
        give_up();
    }
    lim.lowered = 1;
    return (uint32_t)lim.cap_pages;
}

void tsf_host_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial_pages,
                              uint32_t max_pages)
{
    uint64_t bytes = (uint64_t)initial_pages * WASM_PAGE;
    max_pages = capped_max(initial_pages, max_pages);
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

uint32_t tsf_host_grow_memory(wasm_rt_memory_t *mem, uint32_t delta)
{
    uint32_t old = wasm_rt_grow_memory(mem, delta);
    uint64_t want = (uint64_t)mem->pages + delta;
    if (old == UINT32_MAX && lim.cap_pages && mem->max_pages == lim.cap_pages &&
        want > lim.cap_pages)
        refuse("memory limit of %llu MiB: the start-up code tried to grow its memory to "
               "%llu KiB", (unsigned long long)(lim.cap_pages * WASM_PAGE >> 20),
               (unsigned long long)(want * (WASM_PAGE / 1024)));
    return old;
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

/* table_admit - may a table of `size` entries take `more`?  Returns 0, or
 * -1 with the refusal noted. */
static int table_admit(uint64_t size, uint64_t more)
{
    if (size + more > WASM_TABLE_MAX)
        return refuse("table limit: a table of %llu entries, more than the %u allowed",
                      (unsigned long long)(size + more), WASM_TABLE_MAX), -1;
    if (lim.entries + more > WASM_TABLES_TOTAL)
        return refuse("table limit: %llu table entries in all, more than the %u allowed",
                      (unsigned long long)(lim.entries + more), WASM_TABLES_TOTAL), -1;
    return 0;
}

/* table_max - a table's maximum, lowered to WASM_TABLE_MAX. */
static uint32_t table_max(uint32_t max_elements)
{
    return max_elements < WASM_TABLE_MAX ? max_elements : WASM_TABLE_MAX;
}

/* table_may_grow - 1 if a table of `size` entries, at most max_size, may
 * take `delta` more; growing past a maximum of the module's own below the
 * cap fails as it would anyway, and is no refusal of ours. */
static int table_may_grow(uint32_t size, uint32_t max_size, uint32_t delta)
{
    if ((uint64_t)size + delta > max_size && max_size < WASM_TABLE_MAX)
        return 0;
    return table_admit(size, delta) == 0;
}

/* table_made - count a new table of `elements` entries, or trap out of
 * instantiation when the runtime could not allocate it. */
static void table_made(const void *data, uint32_t elements)
{
    if (elements > 0 && !data) {
        refuse("table limit: no memory for a table of %u entries", elements);
        give_up();
    }
    lim.entries += elements;
}

/* table_gone - uncount a freed table of `elements` entries. */
static void table_gone(uint32_t elements)
{
    assert(lim.entries >= elements);
    lim.entries -= elements;
}

void tsf_host_allocate_funcref_table(wasm_rt_funcref_table_t *t, uint32_t elements,
                                     uint32_t max_elements)
{
    t->data = NULL;
    t->size = t->max_size = 0;          /* what a free after a trap finds */
    if (table_admit(0, elements) < 0)
        give_up();
    wasm_rt_allocate_funcref_table(t, elements, table_max(max_elements));
    table_made(t->data, elements);
}

void tsf_host_allocate_externref_table(wasm_rt_externref_table_t *t, uint32_t elements,
                                       uint32_t max_elements)
{
    t->data = NULL;
    t->size = t->max_size = 0;
    if (table_admit(0, elements) < 0)
        give_up();
    wasm_rt_allocate_externref_table(t, elements, table_max(max_elements));
    table_made(t->data, elements);
}

uint32_t tsf_host_grow_funcref_table(wasm_rt_funcref_table_t *t, uint32_t delta,
                                     wasm_rt_funcref_t init)
{
    if (!table_may_grow(t->size, t->max_size, delta))
        return UINT32_MAX;
    uint32_t old = wasm_rt_grow_funcref_table(t, delta, init);
    if (old != UINT32_MAX)
        lim.entries += delta;
    return old;
}

uint32_t tsf_host_grow_externref_table(wasm_rt_externref_table_t *t, uint32_t delta,
                                       wasm_rt_externref_t init)
{
    if (!table_may_grow(t->size, t->max_size, delta))
        return UINT32_MAX;
    uint32_t old = wasm_rt_grow_externref_table(t, delta, init);
    if (old != UINT32_MAX)
        lim.entries += delta;
    return old;
}

void tsf_host_free_funcref_table(wasm_rt_funcref_table_t *t)
{
    table_gone(t->size);
    wasm_rt_free_funcref_table(t);
    t->data = NULL;
    t->size = 0;
}

void tsf_host_free_externref_table(wasm_rt_externref_table_t *t)
{
    table_gone(t->size);
    wasm_rt_free_externref_table(t);
    t->data = NULL;
    t->size = 0;
}
