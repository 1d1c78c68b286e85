/*
 * test_geometry.c - unit tests for the geometry filters (resize,
 * thumbnail, crop, rotate, flip, transpose) and their resampling
 * (filters/tsf_resample.h).
 *
 * The resampler is checked directly: tsf_sinpi against libm, weights
 * that sum to 2^14, a size kept is a copy, a flat image stays flat.
 * The filters are the native builds, build/native/NAME.so, opened with
 * dlopen and called through their ABI v2 exports (tsf_plan, tsf_region,
 * tsf_run) the way the host calls them: for every output tile ask the
 * region, cut it from the whole image with replicate padding, run and
 * paste.  Every tiling (tiles of 1, 7, 61, 256 pixels and one larger
 * than the image) must give the bits of the untiled run, for shrinking
 * and enlarging scales, odd sizes, 1 to 4 channels, 8 and 16 bits.
 * crop, rotate, flip and transpose are compared with a direct reference.
 */
#include "check.h"
#include "../../filters/tsf_resample.h"

#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    struct tsf_rs_axis ax, ay; /* the resampler's own stage */
    struct mod *m;             /* a filter module's */
};

static uint32_t rng = 0x2545f491u;

/* rnd - the next xorshift32 number. */
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static size_t bpp(const struct img *m)
{
    return (size_t)m->ch * m->depth / 8;
}

static int64_t clampi(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* img_new - a w x h image of random samples (NULL px when out of memory). */
static struct img img_new(uint32_t w, uint32_t h, uint32_t ch, uint32_t depth)
{
    struct img m = {w, h, ch, depth, NULL};
    size_t n = (size_t)w * h * bpp(&m);
    m.px = malloc(n ? n : 1);
    for (size_t i = 0; m.px && i < n; i++)
        m.px[i] = (uint8_t)(rnd() >> 24);
    return m;
}

/* cut - rectangle r of m, replicate-padded outside it, into a new buffer. */
static uint8_t *cut(const struct img *m, const struct rect *r)
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
static int run_tiled(const struct stage *s, const struct img *in, uint32_t t, struct img *out,
                     char *why, size_t n)
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

/* ---- the resampler by itself --------------------------------------------- */

static int rs_plan(const struct stage *s, const struct img *in, struct img *out)
{
    *out = *in;
    out->w = (uint32_t)s->ax.m;
    out->h = (uint32_t)s->ay.m;
    return in->w == s->ax.n && in->h == s->ay.n ? 0 : 1;
}

static int rs_region(const struct stage *s, const struct img *in, const struct img *out,
                     const struct rect *o, struct rect *i)
{
    (void)in, (void)out;
    tsf_rs_span(&s->ax, o->x, o->w, &i->x, &i->w);
    tsf_rs_span(&s->ay, o->y, o->h, &i->y, &i->h);
    return 0;
}

static int rs_run(const struct stage *s, const struct img *in, const struct img *out,
                  const struct rect *i, const uint8_t *ipx, const struct rect *o, uint8_t *opx)
{
    (void)out;
    struct tsf_rs_call c = {ipx, i->x, i->y, (uint32_t)i->w, (uint32_t)i->h,
                            opx, o->x, o->y, (uint32_t)o->w, (uint32_t)o->h,
                            in->ch, in->depth, s->ax, s->ay};
    void *scratch = malloc(tsf_rs_scratch(&c));
    int rc = scratch ? tsf_rs_run(&c, scratch) : -1;
    free(scratch);
    return rc;
}

static void test_sinpi(void)
{
    double worst = 0;
    for (int i = -3000; i <= 3000; i++) {
        double x = i / 1000.0 + 0.000123;
        double d = fabs(tsf_sinpi(x) - sin(M_PI * x));
        worst = d > worst ? d : worst;
    }
    CHECK(worst < 1e-10, "tsf_sinpi is within 1e-10 of sin(pi x) on [-3, 3]", "worst %g",
          worst);
    CHECK(tsf_sinpi(0) == 0 && tsf_sinpi(1) == 0 && tsf_sinpi(-2) == 0 && tsf_sinpi(7) == 0,
          "tsf_sinpi is exactly 0 at whole numbers", "%g %g %g %g", tsf_sinpi(0),
          tsf_sinpi(1), tsf_sinpi(-2), tsf_sinpi(7));
}

static void test_weights(void)
{
    static const int64_t sizes[][2] = {{100, 37}, {99, 33}, {7, 20}, {1000, 3}, {5, 5},
                                       {3, 1000}, {640, 481}};
    int bad = 0, copy_bad = 0;
    char why[200] = "";
    for (int k = 0; k < 4; k++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            struct tsf_rs_axis a = {sizes[z][0], sizes[z][1], 0, k};
            uint32_t t = tsf_rs_maxtaps(&a);
            int32_t *w = malloc(t * sizeof *w);
            double *kv = malloc(t * sizeof *kv);
            for (int64_t o = 0; w && kv && o < a.m; o++) {
                int64_t f, l, sum = 0;
                tsf_rs_taps(&a, o, &f, &l);
                if (l < f || l - f + 1 > t) {
                    bad++;
                    snprintf(why, sizeof why, "k %d %lld->%lld o %lld taps %lld..%lld max %u",
                             k, (long long)a.n, (long long)a.m, (long long)o, (long long)f,
                             (long long)l, t);
                    continue;
                }
                tsf_rs_pixel_weights(&a, o, f, (uint32_t)(l - f + 1), w, kv);
                for (int64_t i = 0; i <= l - f; i++)
                    sum += w[i];
                if (sum != TSF_RS_ONE) {
                    bad++;
                    snprintf(why, sizeof why, "k %d o %lld sum %lld", k, (long long)o,
                             (long long)sum);
                }
                if (a.n == a.m && (f != o || l != o || w[0] != TSF_RS_ONE))
                    copy_bad++;
            }
            free(w);
            free(kv);
        }
    CHECK(bad == 0, "weights of every pixel sum to 2^14, taps within maxtaps", "%d bad: %s",
          bad, why);
    CHECK(copy_bad == 0, "an axis that keeps its size is copied", "%d bad", copy_bad);

    /* the tap range is what the kernel's support says */
    struct tsf_rs_axis l3 = {10, 20, 0, TSF_RS_LANCZOS3}, sh = {30, 10, 0, TSF_RS_LANCZOS3};
    int64_t f1, l1, f2, l2;
    tsf_rs_taps(&l3, 5, &f1, &l1); /* centre 2.25: taps -0.75 .. 5.25 */
    tsf_rs_taps(&sh, 4, &f2, &l2); /* centre 13, support 9: 4 .. 22 open */
    CHECK(f1 == 0 && l1 == 5 && f2 == 5 && l2 == 21, "tap ranges of lanczos3 x2 and /3",
          "%lld..%lld %lld..%lld", (long long)f1, (long long)l1, (long long)f2, (long long)l2);
}

/* test_flat - a flat image stays flat through every kernel and scale. */
static void test_flat(void)
{
    int bad = 0;
    for (int k = 0; k < 4; k++)
        for (uint32_t depth = 8; depth <= 16; depth += 8) {
            struct img in = img_new(23, 17, 3, depth), out;
            for (size_t i = 0; i < (size_t)23 * 17 * 3 * depth / 8; i++)
                in.px[i] = depth == 8 ? 201 : (i & 1 ? 0xa7 : 0x3c);
            struct stage s = {"rs", rs_plan, rs_region, rs_run, {0}, {23, 9, 0, k},
                              {17, 40, 0, k}, NULL};
            char why[200];
            if (run_tiled(&s, &in, 5, &out, why, sizeof why) < 0)
                bad++;
            else
                bad += memcmp(out.px, in.px, (size_t)9 * 3 * depth / 8) != 0;
            free(in.px);
            free(out.px);
        }
    CHECK(bad == 0, "a flat image stays flat (every kernel, 8 and 16 bits)", "%d bad", bad);
}

/*
 * same_tiled - does s give the untiled bits for every tile size on a w x h
 * image?  Describes the first difference into why.
 */
static int same_tiled(const struct stage *s, uint32_t w, uint32_t h, uint32_t ch,
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

static void test_rs_tiled(void)
{
    static const int64_t sizes[][4] = {{97, 61, 10, 6}, {97, 61, 32, 20}, {31, 13, 77, 33},
                                       {50, 50, 25, 25}, {8, 200, 8, 13}};
    char why[300] = "";
    int ok = 1;
    for (int k = 0; ok && k < 4; k++)
        for (size_t z = 0; ok && z < sizeof sizes / sizeof sizes[0]; z++) {
            uint32_t ch = 1 + (uint32_t)(k + z) % 4, depth = (k + z) & 1 ? 16 : 8;
            struct stage s = {"resample", rs_plan, rs_region, rs_run, {0},
                              {sizes[z][0], sizes[z][2], 0, k}, {sizes[z][1], sizes[z][3], 0, k},
                              NULL};
            ok = same_tiled(&s, (uint32_t)sizes[z][0], (uint32_t)sizes[z][1], ch, depth, why,
                            sizeof why);
        }
    CHECK(ok, "tsf_resample: tiled runs give the untiled bits", "%s", why);
}

/* ref_kernel - the kernels with libm, for the float reference. */
static double ref_kernel(int k, double x)
{
    double a = fabs(x);
    if (k == TSF_RS_LINEAR)
        return a < 1 ? 1 - a : 0;
    if (k == TSF_RS_CUBIC)
        return a < 1 ? 1.5 * a * a * a - 2.5 * a * a + 1
                     : a < 2 ? -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2 : 0;
    if (a == 0)
        return 1;
    return a < 3 ? 3 * sin(M_PI * x) * sin(M_PI * x / 3) / (M_PI * M_PI * x * x) : 0;
}

/* ref_weights - taps (first, count) and normalised f64 weights of pixel o. */
static int ref_weights(int k, int64_t n, int64_t m, int64_t o, double *w, int64_t *first)
{
    double s = (double)m / n, c = (o + 0.5) / s - 0.5, st = s < 1 ? s : 1;
    double r = (k == TSF_RS_LINEAR ? 1 : k == TSF_RS_CUBIC ? 2 : 3) / st, sum = 0;
    int cnt = 0;
    *first = (int64_t)floor(c - r) + 1;
    for (int64_t i = *first; i < c + r; i++, cnt++)
        sum += w[cnt] = ref_kernel(k, (i - c) * st);
    for (int i = 0; i < cnt; i++)
        w[i] /= sum;
    return cnt;
}

/* test_float_ref - the integer passes stay within 1 of a plain f64 resampling. */
static void test_float_ref(void)
{
    int worst = 0;
    for (int k = 1; k < 4; k++) {
        struct img in = img_new(41, 29, 2, 8), out;
        struct stage s = {"rs", rs_plan, rs_region, rs_run, {0}, {41, 13, 0, k},
                          {29, 70, 0, k}, NULL};
        char why[200];
        if (run_tiled(&s, &in, 9, &out, why, sizeof why) < 0) {
            worst = 999;
            continue;
        }
        for (uint32_t y = 0; y < out.h; y++)
            for (uint32_t x = 0; x < out.w; x++)
                for (uint32_t j = 0; j < 2; j++) {
                    double wx[64], wy[64], v = 0;
                    int64_t fx, fy;
                    int nx = ref_weights(k, 41, 13, x, wx, &fx);
                    int ny = ref_weights(k, 29, 70, y, wy, &fy);
                    for (int b = 0; b < ny; b++)
                        for (int a = 0; a < nx; a++)
                            v += wy[b] * wx[a] *
                                 in.px[(clampi(fy + b, 0, 28) * 41 + clampi(fx + a, 0, 40)) * 2 +
                                       j];
                    int want = (int)clampi((int64_t)floor(v + 0.5), 0, 255);
                    int d = abs(out.px[(y * out.w + x) * 2 + j] - want);
                    worst = d > worst ? d : worst;
                }
        free(in.px);
        free(out.px);
    }
    CHECK(worst <= 1, "linear, cubic, lanczos3 within 1 of an f64 reference", "worst %d",
          worst);
}

int main(void)
{
    test_sinpi();
    test_weights();
    test_flat();
    test_rs_tiled();
    test_float_ref();
    CHECK_DONE();
}
