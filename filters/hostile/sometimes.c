/*
 * sometimes.c - hostile on some tiles only: inverts a tile like the
 * invert filter, but executes `unreachable` when the tile's first sample
 * is 128 or more (a bright top-left pixel).
 *
 * On a job that mixes bright- and dark-cornered tiles the host must fail
 * exactly the bright ones (each with a trap), replace the trapping child
 * each time, and finish every dark one.
 */
#include "tsf.h"

TSF_POINT_FILTER("sometimes", "Hostile: traps on tiles whose first sample is >= 128",
                 "[1,2,3,4]", TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    if (c->in[0] >= 128)
        __builtin_trap();
    size_t n = (size_t)c->out_w * c->out_h * c->ch;
    for (size_t i = 0; i < n; i++)
        c->out[i] = (uint8_t)(255 - c->in[i]);
    return TSF_OK;
}
