/*
 * test_resample.c - unit tests for the resampling of the geometry filters
 * resize and thumbnail (filters/tsf_resample.h), by itself.
 *
 * Checked: tsf_sinpi against libm and exactly 0 at whole numbers; every
 * pixel's weights sum to 2^22 within maxtaps; a size kept is a copy; tap
 * ranges of a stretched and an enlarging lanczos3; a flat image stays
 * flat; tiled runs (geomtest.h) give the untiled bits; the integer
 * passes stay within 1 of a plain f64 resampling with libm's sin; and
 * tsf_rs_run's loops give exactly the passes written out plainly.
 */
#include "check.h"
#include "geomtest.h"
#include "../../filters/tsf_resample.h"

#include <math.h>

/* rs_plan - the resampler as a stage: the output is the axes' scaled size. */
static int rs_plan(const struct stage *s, const struct img *in, struct img *out)
{
    const struct tsf_rs_axis *a = s->ctx;
    *out = *in;
    out->w = (uint32_t)a[0].m;
    out->h = (uint32_t)a[1].m;
    return in->w == a[0].n && in->h == a[1].n ? 0 : 1;
}

/* rs_region - the union of the taps of the output rectangle. */
static int rs_region(const struct stage *s, const struct img *in, const struct img *out,
                     const struct rect *o, struct rect *i)
{
    const struct tsf_rs_axis *a = s->ctx;
    (void)in, (void)out;
    tsf_rs_span(&a[0], o->x, o->w, &i->x, &i->w);
    tsf_rs_span(&a[1], o->y, o->h, &i->y, &i->h);
    return 0;
}

/* rs_run - tsf_rs_run on one rectangle; 0 or -1. */
static int rs_run(const struct stage *s, const struct img *in, const struct img *out,
                  const struct rect *i, const uint8_t *ipx, const struct rect *o, uint8_t *opx)
{
    const struct tsf_rs_axis *a = s->ctx;
    (void)out;
    struct tsf_rs_call c = {ipx, i->x, i->y, (uint32_t)i->w, (uint32_t)i->h,
                            opx, o->x, o->y, (uint32_t)o->w, (uint32_t)o->h,
                            in->ch, in->depth, a[0], a[1]};
    void *scratch = malloc(tsf_rs_scratch(&c));
    int rc = scratch ? tsf_rs_run(&c, scratch) : -1;
    free(scratch);
    return rc;
}

/* test_sinpi - tsf_sinpi is close to libm's and exact where it must be. */
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

/* test_weights - weights sum to 2^22, a kept size is a copy, tap ranges. */
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
    CHECK(bad == 0, "weights of every pixel sum to 2^22, taps within maxtaps", "%d bad: %s",
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
            struct tsf_rs_axis a[2] = {{23, 9, 0, k}, {17, 40, 0, k}};
            struct stage s = {"rs", rs_plan, rs_region, rs_run, {0}, a};
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

/* test_rs_tiled - tiled equals untiled for each kernel on odd sizes. */
static void test_rs_tiled(void)
{
    static const int64_t sizes[][4] = {{97, 61, 10, 6}, {97, 61, 32, 20}, {31, 13, 77, 33},
                                       {50, 50, 25, 25}, {8, 200, 8, 13}};
    char why[300] = "";
    int ok = 1;
    for (int k = 0; ok && k < 4; k++)
        for (size_t z = 0; ok && z < sizeof sizes / sizeof sizes[0]; z++) {
            uint32_t ch = 1 + (uint32_t)(k + z) % 4, depth = (k + z) & 1 ? 16 : 8;
            struct tsf_rs_axis a[2] = {{sizes[z][0], sizes[z][2], 0, k},
                                       {sizes[z][1], sizes[z][3], 0, k}};
            struct stage s = {"resample", rs_plan, rs_region, rs_run, {0}, a};
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

/* sample - sample i of a buffer of depth bits. */
static int64_t sample(const uint8_t *px, size_t i, uint32_t depth)
{
    uint16_t v;
    if (depth == 8)
        return px[i];
    memcpy(&v, px + 2 * i, 2);
    return v;
}

/*
 * test_float_ref - the integer passes stay within 1 of a plain f64
 * resampling: 1 level in 255 with 8 bits, 1 in 65535 with 16.
 */
static void test_float_ref(void)
{
    int64_t worst[2] = {0, 0};
    for (int k = 1; k < 4; k++)
        for (uint32_t depth = 8; depth <= 16; depth += 8) {
            int64_t max = depth == 8 ? 255 : 65535, *w = &worst[depth / 16];
            struct img in = img_new(41, 29, 2, depth), out;
            struct tsf_rs_axis a[2] = {{41, 13, 0, k}, {29, 70, 0, k}};
            struct stage s = {"rs", rs_plan, rs_region, rs_run, {0}, a};
            char why[200];
            if (run_tiled(&s, &in, 9, &out, why, sizeof why) < 0) {
                *w = 999;
                free(in.px);
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
                            for (int c = 0; c < nx; c++) {
                                size_t at = (size_t)(clampi(fy + b, 0, 28) * 41 +
                                                     clampi(fx + c, 0, 40)) * 2 + j;
                                v += wy[b] * wx[c] * (double)sample(in.px, at, depth);
                            }
                        int64_t want = clampi((int64_t)floor(v + 0.5), 0, max);
                        int64_t got = sample(out.px, ((size_t)y * out.w + x) * 2 + j, depth);
                        int64_t d = got > want ? got - want : want - got;
                        *w = d > *w ? d : *w;
                    }
            free(in.px);
            free(out.px);
        }
    CHECK(worst[0] <= 1 && worst[1] <= 1,
          "linear, cubic, lanczos3 within 1 of an f64 reference, 8 and 16 bits",
          "worst %lld (8 bits), %lld (16 bits)", (long long)worst[0], (long long)worst[1]);
}

/* ref_out - output sample j of pixel (x, y): the passes of tsf_resample.h, plainly. */
static int64_t ref_out(const struct tsf_rs_axis *a, const struct img *in, int64_t x, int64_t y,
                       uint32_t j)
{
    int32_t wx[64], wy[64];
    double kv[64];
    int64_t fx, lx, fy, ly, acc = 0, max = in->depth == 8 ? 255 : 65535;
    tsf_rs_taps(&a[0], x, &fx, &lx);
    tsf_rs_taps(&a[1], y, &fy, &ly);
    tsf_rs_pixel_weights(&a[0], x, fx, (uint32_t)(lx - fx + 1), wx, kv);
    tsf_rs_pixel_weights(&a[1], y, fy, (uint32_t)(ly - fy + 1), wy, kv);
    for (int64_t r = fy; r <= ly; r++) {
        int64_t t = 0;
        for (int64_t c = fx; c <= lx; c++)
            t += wx[c - fx] * sample(in->px,
                                     ((size_t)clampi(r, 0, in->h - 1) * in->w +
                                      (size_t)clampi(c, 0, in->w - 1)) * in->ch + j,
                                     in->depth);
        acc += wy[r - fy] * tsf_rs_round_shift(t, TSF_RS_BITS - TSF_RS_EXTRA);
    }
    return clampi(tsf_rs_round_shift(acc, TSF_RS_BITS + TSF_RS_EXTRA), 0, max);
}

/*
 * test_int_ref - tsf_rs_run gives exactly the integer passes as written
 * in tsf_resample.h, for every kernel, channel count and depth; images
 * tall enough that the row buffer slides, random or 0 and full scale in
 * stripes (overshoot, clipped).
 */
static void test_int_ref(void)
{
    static const int64_t sizes[][4] = {{67, 300, 60, 270}, {40, 90, 77, 13}, {23, 41, 23, 88},
                                       {90, 31, 9, 31}};
    int bad = 0;
    char why[200] = "";
    for (int k = 0; k < 4; k++)
        for (uint32_t ch = 1; ch <= 4; ch++)
            for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
                uint32_t depth = (k + ch + z) & 1 ? 16 : 8;
                struct img in = img_new((uint32_t)sizes[z][0], (uint32_t)sizes[z][1], ch, depth);
                struct tsf_rs_axis a[2] = {{sizes[z][0], sizes[z][2], 0, k},
                                           {sizes[z][1], sizes[z][3], 0, k}};
                size_t bs = depth / 8, n = (size_t)sizes[z][2] * sizes[z][3] * ch;
                uint8_t *out = malloc(n * bs);
                if (!in.px || !out)
                    abort();
                if (z & 1)
                    for (size_t i = 0; i < (size_t)in.w * in.h * ch * bs; i++)
                        in.px[i] = (i / (ch * bs)) % 3 ? 0xff : 0;
                /* the input as the host gives it: the taps' span, edges replicated */
                struct rect r;
                tsf_rs_span(&a[0], 0, a[0].m, &r.x, &r.w);
                tsf_rs_span(&a[1], 0, a[1].m, &r.y, &r.h);
                uint8_t *ipx = cut(&in, &r);
                struct tsf_rs_call c = {ipx, r.x, r.y, (uint32_t)r.w, (uint32_t)r.h, out, 0, 0,
                                        (uint32_t)a[0].m, (uint32_t)a[1].m, ch, depth, a[0], a[1]};
                void *scratch = malloc(tsf_rs_scratch(&c));
                if (!ipx || !scratch || tsf_rs_run(&c, scratch) < 0) {
                    bad++;
                    snprintf(why, sizeof why, "kernel %d, %u ch: no run", k, ch);
                    free(scratch);
                    scratch = NULL;
                }
                for (size_t i = 0; scratch && i < n; i++) {
                    size_t px = i / ch;
                    int64_t want = ref_out(a, &in, (int64_t)(px % (size_t)a[0].m),
                                           (int64_t)(px / (size_t)a[0].m), (uint32_t)(i % ch));
                    if (sample(out, i, depth) != want) {
                        snprintf(why, sizeof why, "kernel %d, %u ch, %u-bit, %lldx%lld: sample "
                                 "%zu %lld, want %lld", k, ch, depth, (long long)a[0].m,
                                 (long long)a[1].m, i, (long long)sample(out, i, depth),
                                 (long long)want);
                        bad++;
                        break;
                    }
                }
                free(scratch);
                free(ipx);
                free(out);
                free(in.px);
            }
    CHECK(bad == 0, "tsf_rs_run is exactly the integer passes, every kernel, channels, depth",
          "%d bad: %s", bad, why);
}

int main(void)
{
    test_sinpi();
    test_weights();
    test_flat();
    test_rs_tiled();
    test_float_ref();
    test_int_ref();
    CHECK_DONE();
}
