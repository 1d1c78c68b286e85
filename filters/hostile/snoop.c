/*
 * snoop.c - hostile towards the tiles after its own: looks for what an
 * earlier instance left in its linear memory.  Inverts a tile like the
 * invert filter, but first searches every byte of its memory for a mark
 * that only this module writes, and returns an error code if it finds
 * one; then leaves the mark in its zero-initialised static data and in
 * two pages it grows its memory by.
 *
 * Every instance must start from memory as fresh as a new one, whatever
 * the host reuses between them: on a job of many tiles in one child,
 * every tile must be done.  A tile that fails says a filter saw a
 * previous tile's memory.
 */
#include "tsf.h"

TSF_POINT_FILTER("snoop", "Hostile: fails if its memory holds what an earlier instance wrote",
                 "[1,2,3,4]", TSF_NO_PARAMS);

#define MARK 0x5c0091e5u
#define MARK_RUN 4          /* consecutive words: no pixel data looks like it */
#define SCRATCH_WORDS 4096

static uint32_t scratch[SCRATCH_WORDS];

/* seen - 1 if [p, p + n) holds MARK_RUN consecutive words of MARK. */
static int seen(const volatile uint32_t *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        run = p[i] == MARK ? run + 1 : 0;
        if (run == MARK_RUN)
            return 1;
    }
    return 0;
}

/* mark - fill n words at p with MARK. */
static void mark(volatile uint32_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = MARK;
}

static int32_t filter_process(const struct tsf_call *c)
{
    size_t bytes = (size_t)__builtin_wasm_memory_size(0) * 65536;
    /* from the first word after address 0, which a C module never uses */
    if (seen((const volatile uint32_t *)(uintptr_t)4, bytes / 4 - 1))
        return TSF_EPARAM;
    mark(scratch, SCRATCH_WORDS);
    size_t old = __builtin_wasm_memory_grow(0, 2);
    if (old != (size_t)-1)
        mark((volatile uint32_t *)(old * 65536), 2 * 65536 / 4);
    size_t n = (size_t)c->out_w * c->out_h * c->ch;
    for (size_t i = 0; i < n; i++)
        c->out[i] = (uint8_t)(255 - c->in[i]);
    return TSF_OK;
}
