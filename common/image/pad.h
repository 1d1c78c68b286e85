/*
 * pad.h - replicate-padding at the image border.
 *
 * A tile holds its core rectangle plus a halo; where the halo lies outside
 * the image, every pixel repeats the nearest pixel inside it ("replicate"
 * edge mode).  The splitter builds tiles this way, and the worker re-pads
 * between chain stages so that every stage sees exactly what it would see
 * processing the whole image at once (the seam-free rule, docs/spool.md).
 */
#ifndef TS_PAD_H
#define TS_PAD_H

#include <stdint.h>

/* A rectangle of a buffer placed in image coordinates. */
struct pad_rect {
    int64_t x, y;        /* image coordinate of the buffer's top-left pixel */
    uint32_t w, h;       /* buffer size in pixels */
};

/* pad_touches_border - 1 if r reaches outside an img_w x img_h image. */
int pad_touches_border(const struct pad_rect *r, uint32_t img_w, uint32_t img_h);

/* pad_replicate - overwrite every pixel of buf (r->w x r->h, ch channels)
 * that lies outside the image with the nearest pixel inside it.  The part
 * of buf inside the image must be non-empty. */
void pad_replicate(uint8_t *buf, const struct pad_rect *r, int ch, uint32_t img_w,
                   uint32_t img_h);

#endif
