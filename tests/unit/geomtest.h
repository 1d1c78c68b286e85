/*
 * geomtest.h - the host's side of a geometry stage, emulated for unit
 * tests: plan, then for every output tile ask the region, cut it from the
 * whole image with replicate padding, run and paste.  same_tiled checks
 * that every tiling gives the bits of the untiled run.
 */
#ifndef TS_GEOMTEST_H
#define TS_GEOMTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole image: w x h pixels of ch samples of depth bits. */
struct img {
    uint32_t w, h, ch, depth;
    uint8_t *px;
};

struct rect {
    int64_t x, y, w, h;
};

/*
 * A stage as the host sees it: plan sizes the output, region names the
 * input rectangle an output rectangle needs, run fills the output
 * rectangle from that input rectangle.  Each returns 0 or an error code.
 */
struct stage {
    const char *name;
    int (*plan)(const struct stage *s, const struct img *in, struct img *out);
    int (*region)(const struct stage *s, const struct img *in, const struct img *out,
                  const struct rect *o, struct rect *i);
    int (*run)(const struct stage *s, const struct img *in, const struct img *out,
               const struct rect *i, const uint8_t *ipx, const struct rect *o, uint8_t *opx);
    float p[16];
    void *ctx; /* what the functions need: a module, a pair of axes */
};

static uint32_t rng = 0x2545f491u;

/* rnd - the next xorshift32 number. */
static inline uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* bpp - bytes per pixel of m. */
static inline size_t bpp(const struct img *m)
{
    return (size_t)m->ch * m->depth / 8;
}

/* clampi - v within [lo, hi]. */
static inline int64_t clampi(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* img_new - a w x h image of random samples (NULL px when out of memory). */
static inline struct img img_new(uint32_t w, uint32_t h, uint32_t ch, uint32_t depth)
{
    struct img m = {w, h, ch, depth, NULL};
    size_t n = (size_t)w * h * bpp(&m);
    m.px = malloc(n ? n : 1);
    for (size_t i = 0; m.px && i < n; i++)
        m.px[i] = (uint8_t)(rnd() >> 24);
    return m;
}

/* cut - rectangle r of m, replicate-padded outside it, into a new buffer. */
static inline uint8_t *cut(const struct img *m, const struct rect *r)
{
    size_t b = bpp(m);
    uint8_t *d = malloc((size_t)r->w * r->h * b);
    for (int64_t y = 0; d && y < r->h; y++)
        for (int64_t x = 0; x < r->w; x++) {
            int64_t sx = clampi(r->x + x, 0, m->w - 1), sy = clampi(r->y + y, 0, m->h - 1);
            memcpy(d + ((size_t)y * r->w + x) * b, m->px + ((size_t)sy * m->w + sx) * b, b);
        }
    return d;
}

/*
 * run_tiled - run s over in with output tiles of t pixels into *out;
 * returns 0, or -1 with why filled.
 */
static inline int run_tiled(const struct stage *s, const struct img *in, uint32_t t,
                            struct img *out, char *why, size_t n)
{
    int rc = s->plan(s, in, out);
    if (rc != 0) {
        snprintf(why, n, "plan returned %d", rc);
        return -1;
    }
    out->px = malloc((size_t)out->w * out->h * bpp(out));
    if (!out->px) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    for (uint32_t y = 0; y < out->h; y += t)
        for (uint32_t x = 0; x < out->w; x += t) {
            struct rect o = {x, y, out->w - x < t ? out->w - x : t,
                             out->h - y < t ? out->h - y : t}, i;
            if ((rc = s->region(s, in, out, &o, &i)) != 0 || i.w < 1 || i.h < 1 ||
                i.x >= in->w || i.y >= in->h || i.x + i.w <= 0 || i.y + i.h <= 0) {
                snprintf(why, n, "region of %u,%u: rc %d rect %lld,%lld %lldx%lld", x, y, rc,
                         (long long)i.x, (long long)i.y, (long long)i.w, (long long)i.h);
                return -1;
            }
            uint8_t *ipx = cut(in, &i), *opx = malloc((size_t)o.w * o.h * bpp(out));
            rc = ipx && opx ? s->run(s, in, out, &i, ipx, &o, opx) : -1;
            for (int64_t r = 0; rc == 0 && r < o.h; r++)
                memcpy(out->px + ((size_t)(o.y + r) * out->w + o.x) * bpp(out),
                       opx + (size_t)r * o.w * bpp(out), (size_t)o.w * bpp(out));
            free(ipx);
            free(opx);
            if (rc != 0) {
                snprintf(why, n, "run of %u,%u returned %d", x, y, rc);
                return -1;
            }
        }
    return 0;
}

/*
 * same_tiled - does s give the untiled bits for every tile size on a w x h
 * image?  Describes the first difference into why.
 */
static inline int same_tiled(const struct stage *s, uint32_t w, uint32_t h, uint32_t ch,
                             uint32_t depth, char *why, size_t n)
{
    static const uint32_t tiles[] = {1, 7, 61, 256};
    struct img in = img_new(w, h, ch, depth), whole = {0}, part;
    int ok = in.px && run_tiled(s, &in, 1u << 30, &whole, why, n) == 0;
    for (size_t t = 0; ok && t < sizeof tiles / sizeof tiles[0]; t++) {
        part.px = NULL;
        if (tiles[t] == 1 && (size_t)whole.w * whole.h > 40000)
            continue; /* a 1x1 tiling of a big output costs minutes */
        ok = run_tiled(s, &in, tiles[t], &part, why, n) == 0;
        if (ok && memcmp(part.px, whole.px, (size_t)whole.w * whole.h * bpp(&whole)) != 0) {
            snprintf(why, n, "%s %ux%u ch %u depth %u: tiles of %u differ from untiled",
                     s->name, w, h, ch, depth, tiles[t]);
            ok = 0;
        }
        free(part.px);
    }
    free(in.px);
    free(whole.px);
    return ok;
}

#endif
