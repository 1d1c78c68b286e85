/*
 * pad.c - replicate the image's edge pixels into the outside part of a
 * buffer (pad.h).
 */
#include "pad.h"

#include <string.h>

int pad_touches_border(const struct pad_rect *r, uint32_t img_w, uint32_t img_h)
{
    return r->x < 0 || r->y < 0 || r->x + r->w > img_w || r->y + r->h > img_h;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void pad_replicate(uint8_t *buf, const struct pad_rect *r, int ch, uint32_t img_w,
                   uint32_t img_h)
{
    /* inside part of buf, in buffer coordinates: [x0,x1) x [y0,y1) */
    uint32_t x0 = (uint32_t)clamp64(-r->x, 0, r->w);
    uint32_t x1 = (uint32_t)clamp64((int64_t)img_w - r->x, 0, r->w);
    uint32_t y0 = (uint32_t)clamp64(-r->y, 0, r->h);
    uint32_t y1 = (uint32_t)clamp64((int64_t)img_h - r->y, 0, r->h);
    size_t stride = (size_t)r->w * ch;
    for (uint32_t y = y0; y < y1; y++) {
        uint8_t *row = buf + y * stride;
        for (uint32_t x = 0; x < x0; x++)
            memcpy(row + (size_t)x * ch, row + (size_t)x0 * ch, ch);
        for (uint32_t x = x1; x < r->w; x++)
            memcpy(row + (size_t)x * ch, row + (size_t)(x1 - 1) * ch, ch);
    }
    for (uint32_t y = 0; y < y0; y++)
        memcpy(buf + y * stride, buf + y0 * stride, stride);
    for (uint32_t y = y1; y < r->h; y++)
        memcpy(buf + y * stride, buf + (y1 - 1) * stride, stride);
}
