/*
 * oob_read.c - hostile: reads a byte 3 GiB into linear memory, far past
 * its end (a tile-sized instance has a few pages).
 *
 * The host must turn the fault into a trap ("Out-of-bounds access in
 * linear memory"), fail the tile, and replace the child: the address lies
 * inside the runtime's 8 GiB guard reservation, so nothing of the host's
 * can be read.
 */
#include "tsf.h"

TSF_POINT_FILTER("oob_read", "Hostile: reads far outside its linear memory",
                 "[1,2,3,4]", TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    /* volatile: the load must happen even though its value looks unused */
    const volatile uint8_t *far = (const volatile uint8_t *)(uintptr_t)0xC0000000u;
    c->out[0] = *far;
    return TSF_OK;
}
