/*
 * invert.c - the invert filter: every colour sample v becomes max - v,
 * max = 255 for 8-bit samples and 65535 for 16-bit ones.
 *
 * Alpha is kept.  The work is an exclusive-or with all ones on colour
 * samples, done eight bytes at a time: in a word of 8 bytes starting on a
 * pixel boundary the alpha bytes sit at the same places for 2 and 4
 * channels, at either depth.
 */
#include "tsf.h"

TSF_POINT_FILTER2("invert",
                  "Invert colour channels (255 - v, 65535 - v at 16 bits); alpha unchanged",
                  "[1,2,3,4]", "[8,16]", TSF_NO_PARAMS, TSF_NO_CHOICES);

/* colour_mask - ones on colour bytes of an 8-byte word, 0 on alpha bytes. */
static uint64_t colour_mask(uint32_t ch, uint32_t depth)
{
    if (depth == 16)
        return ch == 2 ? 0x0000ffff0000ffffull : ch == 4 ? 0x0000ffffffffffffull : ~0ull;
    return ch == 2 ? 0x00ff00ff00ff00ffull : ch == 4 ? 0x00ffffff00ffffffull : ~0ull;
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint64_t mask = colour_mask(c->ch, c->depth);
    size_t n = (size_t)c->out_w * c->out_h * c->ch * (c->depth / 8), words = n / 8;
    for (size_t i = 0; i < words; i++) {
        uint64_t v;
        memcpy(&v, c->in + 8 * i, 8);
        v ^= mask;
        memcpy(c->out + 8 * i, &v, 8);
    }
    for (size_t i = 8 * words; i < n; i++)
        c->out[i] = c->in[i] ^ (uint8_t)(mask >> (8 * (i % 8)));
    return TSF_OK;
}
