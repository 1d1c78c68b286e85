/*
 * output_oversize.c - hostile: writes one row more than the output buffer
 * holds (out_w * (out_h + 1) * channels bytes instead of out_w * out_h *
 * channels), the classic off-by-one-row bug.
 *
 * The extra bytes stay inside the filter's own linear memory, so nothing
 * of the host's or of another tile's is touched.  The host places guard
 * bytes right after (and before) the output buffer and checks them after
 * tsf_process: it must fail the tile with kind "error", naming the
 * overrun, rather than publish output from a filter that misbehaved.
 */
#include "tsf.h"

TSF_POINT_FILTER("output_oversize", "Hostile: writes one row past its output buffer",
                 "[1,2,3,4]", TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    size_t row = (size_t)c->out_w * c->ch, n = row * c->out_h;
    for (size_t i = 0; i < n + row; i++)
        c->out[i] = (uint8_t)(0x5a ^ i);
    return TSF_OK;
}
