/*
 * oob_write.c - hostile: writes a byte 3 GiB into linear memory, far past
 * its end.
 *
 * The host must turn the fault into a trap ("Out-of-bounds access in
 * linear memory"), fail the tile and replace the child.  The store lands
 * in the runtime's guard reservation, never in host memory.
 */
#include "tsf.h"

TSF_POINT_FILTER("oob_write", "Hostile: writes far outside its linear memory",
                 "[1,2,3,4]", TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    volatile uint8_t *far = (volatile uint8_t *)(uintptr_t)0xC0000000u;
    *far = c->in[0];
    return TSF_OK;
}
