/*
 * identity.c - the identity filter: output equals input, every channel.
 *
 * Useful as a do-nothing stage and as the reference for measuring what the
 * pipeline itself costs.  Takes 8- and 16-bit samples: it copies bytes.
 */
#include "tsf.h"

TSF_POINT_FILTER2("identity", "Copy the image unchanged, alpha included", "[1,2,3,4]",
                  "[8,16]", TSF_NO_PARAMS, TSF_NO_CHOICES);

static int32_t filter_process(const struct tsf_call *c)
{
    memcpy(c->out, c->in, (size_t)c->out_w * c->out_h * c->ch * (c->depth / 8));
    return TSF_OK;
}
