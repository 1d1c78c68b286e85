/*
 * infinite_loop.c - hostile: never returns from tsf_process.
 *
 * wasm2c code cannot be pre-empted, so only the supervisor's --timeout
 * ends it: the child is killed, the tile is failed with kind "timeout"
 * (at once: filters are deterministic, a retry would loop again) and a
 * new child takes over.
 */
#include "tsf.h"

TSF_POINT_FILTER("infinite_loop", "Hostile: loops forever", "[1,2,3,4]", TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    /* a volatile counter: C11 lets a compiler assume that a loop without
     * side effects ends, and delete it */
    volatile uint32_t spins = 0;
    (void)c;
    for (;;)
        spins++;
    return TSF_OK;
}
