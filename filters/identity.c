/*
 * identity.c - the identity filter: output equals input, every channel.
 *
 * Useful as a do-nothing stage and as the reference for measuring what the
 * pipeline itself costs.
 */
#include "tsf.h"

TSF_POINT_FILTER("identity", "Copy the image unchanged, alpha included", "[1,2,3,4]",
                 TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    memcpy(c->out, c->in, (size_t)c->out_w * c->out_h * c->ch);
    return TSF_OK;
}
