/*
 * dilate.c - an example neighbourhood filter built outside the tilespool
 * tree: each sample becomes the largest of its channel in the
 * (2r+1) x (2r+1) square around it (grey-scale dilation), r = round(radius).
 *
 * The halo is r: the host hands the filter r extra pixels on every side,
 * replicated from the edge at the image border, so tiles meet without
 * seams.  Alpha is dilated like any channel.
 */
#include "tsf.h"

#define PARAMS(X) X(radius, 1, 1, 8, "half the side of the square, rounded: 1 is 3x3")

TSF_FILTER("dilate", "Largest value of each channel in a (2r+1)x(2r+1) square",
           "neighborhood", "[1,2,3,4]", PARAMS);

static int32_t filter_halo(const float *p)
{
    return tsf_round_i(p[P_radius]);
}

/* max_around - the largest sample of channel k around core pixel (x, y). */
static uint8_t max_around(const struct tsf_call *c, uint32_t x, uint32_t y, uint32_t k)
{
    uint32_t r = c->halo, best = 0;
    for (uint32_t yy = y; yy <= y + 2 * r; yy++) {
        const uint8_t *row = c->in + ((size_t)yy * c->in_w + x) * c->ch + k;
        for (uint32_t xx = 0; xx <= 2 * r; xx++)
            if (row[(size_t)xx * c->ch] > best)
                best = row[(size_t)xx * c->ch];
    }
    return (uint8_t)best;
}

static int32_t filter_process(const struct tsf_call *c)
{
    for (uint32_t y = 0; y < c->out_h; y++)
        for (uint32_t x = 0; x < c->out_w; x++)
            for (uint32_t k = 0; k < c->ch; k++)
                c->out[((size_t)y * c->out_w + x) * c->ch + k] = max_around(c, x, y, k);
    return TSF_OK;
}
