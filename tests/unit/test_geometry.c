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

/* ---- the filter modules, as the host calls them ---------------------------- */

/* A native filter module and its exports. */
struct mod {
    void *dl;
    int32_t (*alloc)(int32_t);
    uint8_t *(*base)(void);
    void (*reset)(void);
    int32_t (*plan)(int32_t), (*region)(int32_t), (*run)(int32_t);
};

enum { A_IN_W, A_IN_H, A_IN_CH, A_IN_DEPTH, A_OUT_W, A_OUT_H, A_OUT_CH, A_OUT_DEPTH,
       A_PARAMS, A_IN_X, A_IN_Y, A_IN_RW, A_IN_RH, A_OUT_X, A_OUT_Y, A_OUT_RW, A_OUT_RH,
       A_IN_PX, A_OUT_PX, A_NARGS = 20 };

static char ndir[PATH_MAX]; /* build/native */

/* find_native - fill ndir from $TILESPOOL_TOP or this program's path; 0 or -1. */
static int find_native(void)
{
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    const char *top = getenv("TILESPOOL_TOP");
    if (top && *top) {
        snprintf(ndir, sizeof ndir, "%.4000s/build/native", top);
        snprintf(probe, sizeof probe, "%s/resize.so", ndir);
        if (access(probe, R_OK) == 0)
            return 0;
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    static const char *rel[] = {"../native", "../../native"};
    for (int i = 0; i < 2; i++) {
        snprintf(ndir, sizeof ndir, "%.4000s/%s", exe, rel[i]);
        snprintf(probe, sizeof probe, "%s/resize.so", ndir);
        if (access(probe, R_OK) == 0)
            return 0;
    }
    return -1;
}

/* mod_open - dlopen build/native/NAME.so; NULL if it or an export is missing. */
static struct mod *mod_open(const char *name)
{
    char path[PATH_MAX + 64];
    struct mod *m = calloc(1, sizeof *m);
    snprintf(path, sizeof path, "%s/%s.so", ndir, name);
    if (!m || !(m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
        free(m);
        return NULL;
    }
    *(void **)&m->alloc = dlsym(m->dl, "tsf_alloc");
    *(void **)&m->base = dlsym(m->dl, "tsf_native_base");
    *(void **)&m->reset = dlsym(m->dl, "tsf_native_reset");
    *(void **)&m->plan = dlsym(m->dl, "tsf_plan");
    *(void **)&m->region = dlsym(m->dl, "tsf_region");
    *(void **)&m->run = dlsym(m->dl, "tsf_run");
    if (!m->alloc || !m->base || !m->reset || !m->plan || !m->region || !m->run) {
        dlclose(m->dl);
        free(m);
        return NULL;
    }
    return m;
}

static void mod_close(struct mod *m)
{
    if (m)
        dlclose(m->dl);
    free(m);
}

/*
 * mod_call - call fn with the args block v (params from s, buffers ipx of
 * ib bytes copied in and opx of ob bytes copied back); v is read back.
 * Returns fn's result, or -1 if the module could not allocate.
 */
static int mod_call(const struct stage *s, int32_t (*fn)(int32_t), int32_t *v,
                    const uint8_t *ipx, size_t ib, uint8_t *opx, size_t ob)
{
    struct mod *m = s->m;
    m->reset();
    uint8_t *base = m->base();
    int32_t args = m->alloc(4 * A_NARGS), params = m->alloc(sizeof s->p);
    if (!base || !args || !params)
        return -1;
    memcpy(base + params, s->p, sizeof s->p);
    v[A_PARAMS] = params;
    if (ipx && !(v[A_IN_PX] = m->alloc((int32_t)ib)))
        return -1;
    if (opx && !(v[A_OUT_PX] = m->alloc((int32_t)ob)))
        return -1;
    if (ipx)
        memcpy(base + v[A_IN_PX], ipx, ib);
    memcpy(base + args, v, 4 * A_NARGS);
    int rc = fn(args);
    memcpy(v, base + args, 4 * A_NARGS);
    if (rc == 0 && opx)
        memcpy(opx, base + v[A_OUT_PX], ob);
    return rc;
}

/* mod_args - an args block with the images (and rectangles) filled in. */
static void mod_args(int32_t *v, const struct img *in, const struct img *out,
                     const struct rect *i, const struct rect *o)
{
    memset(v, 0, 4 * A_NARGS);
    v[A_IN_W] = (int32_t)in->w, v[A_IN_H] = (int32_t)in->h;
    v[A_IN_CH] = (int32_t)in->ch, v[A_IN_DEPTH] = (int32_t)in->depth;
    if (out) {
        v[A_OUT_W] = (int32_t)out->w, v[A_OUT_H] = (int32_t)out->h;
        v[A_OUT_CH] = (int32_t)out->ch, v[A_OUT_DEPTH] = (int32_t)out->depth;
    }
    if (i) {
        v[A_IN_X] = (int32_t)i->x, v[A_IN_Y] = (int32_t)i->y;
        v[A_IN_RW] = (int32_t)i->w, v[A_IN_RH] = (int32_t)i->h;
    }
    if (o) {
        v[A_OUT_X] = (int32_t)o->x, v[A_OUT_Y] = (int32_t)o->y;
        v[A_OUT_RW] = (int32_t)o->w, v[A_OUT_RH] = (int32_t)o->h;
    }
}

static int mod_plan(const struct stage *s, const struct img *in, struct img *out)
{
    int32_t v[A_NARGS];
    mod_args(v, in, NULL, NULL, NULL);
    int rc = mod_call(s, s->m->plan, v, NULL, 0, NULL, 0);
    *out = (struct img){(uint32_t)v[A_OUT_W], (uint32_t)v[A_OUT_H], (uint32_t)v[A_OUT_CH],
                        (uint32_t)v[A_OUT_DEPTH], NULL};
    return rc;
}

static int mod_region(const struct stage *s, const struct img *in, const struct img *out,
                      const struct rect *o, struct rect *i)
{
    int32_t v[A_NARGS];
    mod_args(v, in, out, NULL, o);
    int rc = mod_call(s, s->m->region, v, NULL, 0, NULL, 0);
    *i = (struct rect){v[A_IN_X], v[A_IN_Y], v[A_IN_RW], v[A_IN_RH]};
    return rc;
}

static int mod_run(const struct stage *s, const struct img *in, const struct img *out,
                   const struct rect *i, const uint8_t *ipx, const struct rect *o, uint8_t *opx)
{
    int32_t v[A_NARGS];
    mod_args(v, in, out, i, o);
    return mod_call(s, s->m->run, v, ipx, (size_t)i->w * i->h * bpp(in), opx,
                    (size_t)o->w * o->h * bpp(out));
}

/* filter - a stage of module m with params p[0..n). */
static struct stage filter(struct mod *m, const char *name, const float *p, int n)
{
    struct stage s = {name, mod_plan, mod_region, mod_run, {0}, {0, 0, 0, 0}, {0, 0, 0, 0}, m};
    memcpy(s.p, p, sizeof(float) * n);
    return s;
}

/* plan_size - the output size module m plans for a w x h input; rc or -1. */
static int plan_size(struct mod *m, const float *p, int n, uint32_t w, uint32_t h,
                     uint32_t *ow, uint32_t *oh)
{
    struct stage s = filter(m, "plan", p, n);
    struct img in = {w, h, 3, 8, NULL}, out;
    int rc = mod_plan(&s, &in, &out);
    *ow = out.w, *oh = out.h;
    return rc;
}

static void test_resize(struct mod *m)
{
    static const float scales[] = {0.1f, 1.0f / 3, 0.37f, 0.5f, 2.5f};
    static const uint32_t sizes[][2] = {{101, 67}, {97, 131}, {61, 29}, {77, 23}, {37, 23}};
    char why[300] = "";
    int ok = 1;
    for (int k = 0; ok && k < 4; k++)
        for (size_t z = 0; ok && z < 5; z++)
            for (uint32_t ch = 1; ok && ch <= 4; ch++)
                for (uint32_t depth = 8; ok && depth <= 16; depth += 8) {
                    float p[4] = {0, 0, scales[z], (float)k};
                    struct stage s = filter(m, "resize", p, 4);
                    ok = same_tiled(&s, sizes[z][0], sizes[z][1], ch, depth, why, sizeof why);
                    if (!ok)
                        snprintf(why + strlen(why), sizeof why - strlen(why),
                                 " (kernel %d scale %g)", k, scales[z]);
                }
    CHECK(ok, "resize: tiles of 1, 7, 61, 256 and untiled give the same bits "
              "(4 kernels, 5 scales, 1-4 channels, 8 and 16 bits)", "%s", why);

    float wonly[4] = {50, 0, 0, 3}, honly[4] = {0, 200, 0, 2}, both[4] = {13, 300, 0, 1};
    struct stage s1 = filter(m, "resize", wonly, 4), s2 = filter(m, "resize", honly, 4),
                 s3 = filter(m, "resize", both, 4);
    ok = same_tiled(&s1, 101, 67, 4, 16, why, sizeof why) &&
         same_tiled(&s2, 33, 71, 2, 8, why, sizeof why) &&
         same_tiled(&s3, 40, 41, 3, 8, why, sizeof why);
    CHECK(ok, "resize by width, by height and to both: tiled is untiled", "%s", why);

    uint32_t w, h;
    int rc1 = plan_size(m, wonly, 4, 101, 67, &w, &h);
    CHECK(rc1 == 0 && w == 50 && h == 33, "resize width=50 of 101x67 is 50x33 (aspect kept)",
          "rc %d %ux%u", rc1, w, h);
    float sc[4] = {0, 0, 0.5f, 3};
    rc1 = plan_size(m, sc, 4, 101, 67, &w, &h);
    CHECK(rc1 == 0 && w == 51 && h == 34, "resize scale=0.5 of 101x67 is 51x34 (halves up)",
          "rc %d %ux%u", rc1, w, h);
    float tiny[4] = {0, 0, 0.001f, 3};
    rc1 = plan_size(m, tiny, 4, 101, 67, &w, &h);
    CHECK(rc1 == 0 && w == 1 && h == 1, "resize to less than a pixel gives 1x1", "rc %d %ux%u",
          rc1, w, h);
    float none[4] = {0, 0, 0, 3}, clash[4] = {10, 0, 0.5f, 3};
    int rc2 = plan_size(m, none, 4, 10, 10, &w, &h), rc3 = plan_size(m, clash, 4, 10, 10, &w, &h);
    CHECK(rc2 == 4 && rc3 == 4, "resize without a size, or with scale and width: TSF_EPARAM",
          "rc %d %d", rc2, rc3);
}

static void test_thumbnail(struct mod *m)
{
    static const struct {
        float p[5];
        uint32_t w, h, ow, oh;
    } t[] = {
        {{200, 200, 0, 0, 3}, 1000, 500, 200, 100},  /* inside: width binds */
        {{200, 200, 1, 0, 3}, 1000, 500, 200, 200},  /* cover: 400x200, centre cut */
        {{200, 200, 2, 0, 3}, 1000, 500, 200, 200},  /* exact */
        {{0, 120, 0, 0, 3}, 1000, 500, 240, 120},    /* height alone */
        {{200, 200, 0, 0, 3}, 100, 50, 100, 50},     /* never enlarges */
        {{200, 200, 0, 1, 3}, 100, 50, 200, 100},    /* unless upscale=1 */
        {{200, 200, 1, 0, 3}, 100, 50, 100, 50},     /* cover, small: kept */
        {{30, 300, 2, 0, 3}, 100, 50, 30, 50},       /* exact, clipped to the image */
        {{64, 64, 0, 0, 3}, 999, 333, 64, 21},       /* 21.33 rounds to 21 */
    };
    int bad = 0;
    char why[300] = "";
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint32_t w, h;
        int rc = plan_size(m, t[i].p, 5, t[i].w, t[i].h, &w, &h);
        if (rc != 0 || w != t[i].ow || h != t[i].oh) {
            bad++;
            snprintf(why, sizeof why, "case %zu: rc %d %ux%u, want %ux%u", i, rc, w, h,
                     t[i].ow, t[i].oh);
        }
    }
    CHECK(bad == 0, "thumbnail sizes: inside, cover, exact, upscale, rounding", "%s", why);
    float none[5] = {0, 0, 0, 0, 3};
    uint32_t w, h;
    int rc = plan_size(m, none, 5, 10, 10, &w, &h);
    CHECK(rc == 4, "thumbnail without a box: TSF_EPARAM", "rc %d", rc);

    static const float cases[][5] = {{40, 40, 0, 0, 3}, {40, 40, 1, 0, 2}, {25, 50, 2, 0, 1},
                                     {90, 0, 1, 1, 3}, {30, 30, 1, 0, 0}};
    int ok = 1;
    for (size_t i = 0; ok && i < sizeof cases / sizeof cases[0]; i++) {
        struct stage s = filter(m, "thumbnail", cases[i], 5);
        ok = same_tiled(&s, 133, 77, 1 + (uint32_t)i % 4, i & 1 ? 16 : 8, why, sizeof why);
    }
    CHECK(ok, "thumbnail: tiled is untiled (inside, cover, exact, upscale)", "%s", why);

    /* cover's centre cut is the middle of the scaled image */
    float cover[5] = {20, 20, 1, 0, 1}, wide[5] = {40, 0, 0, 0, 1};
    struct stage sc = filter(m, "thumbnail", cover, 5), sw = filter(m, "thumbnail", wide, 5);
    struct img in = img_new(80, 40, 3, 8), a = {0}, b = {0};
    ok = run_tiled(&sc, &in, 7, &a, why, sizeof why) == 0 &&
         run_tiled(&sw, &in, 7, &b, why, sizeof why) == 0 && a.w == 20 && b.w == 40;
    for (uint32_t y = 0; ok && y < 20; y++)
        ok = memcmp(a.px + (size_t)y * 20 * 3, b.px + ((size_t)y * 40 + 10) * 3, 20 * 3) == 0;
    CHECK(ok, "thumbnail cover cuts the centre of the scaled image", "%s", why);
    free(in.px), free(a.px), free(b.px);
}

/* remap_ref - the expected output of a whole-pixel map, from its formula. */
static void remap_ref(const struct img *in, struct img *out, int64_t ax, int64_t bx,
                      int64_t cx, int64_t ay, int64_t by, int64_t cy)
{
    size_t b = bpp(in);
    out->px = malloc((size_t)out->w * out->h * b);
    for (uint32_t y = 0; out->px && y < out->h; y++)
        for (uint32_t x = 0; x < out->w; x++) {
            int64_t u = ax * x + bx * y + cx, v = ay * x + by * y + cy;
            memcpy(out->px + ((size_t)y * out->w + x) * b, in->px + ((size_t)v * in->w + u) * b,
                   b);
        }
}

/*
 * same_remap - does stage s match the map's reference and give the same
 * bits for every tiling?  A reference of 0 size means no reference.
 */
static int same_remap(const struct stage *s, uint32_t w, uint32_t h, uint32_t ch,
                      uint32_t depth, uint32_t ow, uint32_t oh, const int64_t *map, char *why,
                      size_t n)
{
    if (!same_tiled(s, w, h, ch, depth, why, n))
        return 0;
    struct img in = img_new(w, h, ch, depth), got = {0}, want = {ow, oh, ch, depth, NULL};
    int ok = run_tiled(s, &in, 5, &got, why, n) == 0;
    if (ok) {
        remap_ref(&in, &want, map[0], map[1], map[2], map[3], map[4], map[5]);
        ok = got.w == ow && got.h == oh && want.px &&
             memcmp(got.px, want.px, (size_t)ow * oh * bpp(&in)) == 0;
        if (!ok)
            snprintf(why, n, "%s %ux%u ch %u depth %u: differs from the reference", s->name, w,
                     h, ch, depth);
    }
    free(in.px), free(got.px), free(want.px);
    return ok;
}

static void test_remaps(struct mod *rot, struct mod *flip, struct mod *tr, struct mod *crop)
{
    char why[300] = "";
    const uint32_t W = 23, H = 11;
    int ok = 1;
    for (uint32_t ch = 1; ok && ch <= 4; ch++)
        for (uint32_t depth = 8; ok && depth <= 16; depth += 8) {
            float a90[1] = {90}, a180[1] = {180}, a270[1] = {270}, fh[1] = {0}, fv[1] = {1};
            const int64_t m90[] = {0, 1, 0, -1, 0, H - 1}, m180[] = {-1, 0, W - 1, 0, -1, H - 1},
                          m270[] = {0, -1, W - 1, 1, 0, 0}, mh[] = {-1, 0, W - 1, 0, 1, 0},
                          mv[] = {1, 0, 0, 0, -1, H - 1}, mt[] = {0, 1, 0, 1, 0, 0};
            struct stage r90 = filter(rot, "rotate 90", a90, 1),
                         r180 = filter(rot, "rotate 180", a180, 1),
                         r270 = filter(rot, "rotate 270", a270, 1),
                         sh = filter(flip, "flip horizontal", fh, 1),
                         sv = filter(flip, "flip vertical", fv, 1),
                         st = filter(tr, "transpose", fh, 0);
            ok = same_remap(&r90, W, H, ch, depth, H, W, m90, why, sizeof why) &&
                 same_remap(&r180, W, H, ch, depth, W, H, m180, why, sizeof why) &&
                 same_remap(&r270, W, H, ch, depth, H, W, m270, why, sizeof why) &&
                 same_remap(&sh, W, H, ch, depth, W, H, mh, why, sizeof why) &&
                 same_remap(&sv, W, H, ch, depth, W, H, mv, why, sizeof why) &&
                 same_remap(&st, W, H, ch, depth, H, W, mt, why, sizeof why);
        }
    CHECK(ok, "rotate, flip, transpose: as their formulas, any tiling, 1-4 channels, 8/16 bits",
          "%s", why);

    /* crop: x, y, width, height, gravity */
    static const struct {
        float p[5];
        int64_t x, y, w, h;
    } c[] = {
        {{3, 2, 10, 5, 0}, 3, 2, 10, 5},  {{5, 4, 0, 0, 0}, 5, 4, 18, 7},
        {{9, 9, 10, 5, 1}, 6, 3, 10, 5},  {{0, 0, 10, 5, 2}, 6, 0, 10, 5},
        {{0, 0, 10, 5, 3}, 6, 6, 10, 5},  {{0, 0, 10, 5, 4}, 13, 3, 10, 5},
        {{0, 0, 10, 5, 5}, 0, 3, 10, 5},  {{0, 0, 10, 5, 6}, 13, 0, 10, 5},
        {{0, 0, 10, 5, 7}, 0, 0, 10, 5},  {{0, 0, 10, 5, 8}, 13, 6, 10, 5},
        {{0, 0, 10, 5, 9}, 0, 6, 10, 5},  {{0, 0, 23, 11, 0}, 0, 0, 23, 11},
    };
    ok = 1;
    for (size_t i = 0; ok && i < sizeof c / sizeof c[0]; i++) {
        struct stage s = filter(crop, "crop", c[i].p, 5);
        const int64_t map[] = {1, 0, c[i].x, 0, 1, c[i].y};
        ok = same_remap(&s, W, H, 1 + (uint32_t)i % 4, i & 1 ? 16 : 8, (uint32_t)c[i].w,
                        (uint32_t)c[i].h, map, why, sizeof why);
        if (!ok)
            snprintf(why + strlen(why), sizeof why - strlen(why), " (case %zu)", i);
    }
    CHECK(ok, "crop: at x, y and by each gravity, as the reference, any tiling", "%s", why);

    static const float outside[][5] = {{20, 0, 4, 4, 0}, {0, 8, 4, 4, 0}, {23, 0, 0, 0, 0},
                                       {0, 0, 24, 4, 1}, {0, 0, 4, 12, 3}};
    int bad = 0;
    uint32_t w, h;
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++)
        bad += plan_size(crop, outside[i], 5, W, H, &w, &h) != 1;
    CHECK(bad == 0, "crop of a box outside the image: TSF_EBADARG", "%d not refused", bad);
    float a45[1] = {45}, a0[1] = {0};
    int r1 = plan_size(rot, a45, 1, W, H, &w, &h), r2 = plan_size(rot, a0, 1, W, H, &w, &h);
    CHECK(r1 == 4 && r2 == 4, "rotate by 45 or 0: TSF_EPARAM", "rc %d %d", r1, r2);
}

int main(void)
{
    test_sinpi();
    test_weights();
    test_flat();
    test_rs_tiled();
    test_float_ref();

    struct mod *rs = NULL, *th = NULL, *rot = NULL, *fl = NULL, *tr = NULL, *cr = NULL;
    int found = find_native() == 0;
    if (found) {
        rs = mod_open("resize"), th = mod_open("thumbnail"), rot = mod_open("rotate");
        fl = mod_open("flip"), tr = mod_open("transpose"), cr = mod_open("crop");
    }
    CHECK(rs && th && rot && fl && tr && cr, "the native geometry filters load",
          "build/native: %s (%s)", found ? ndir : "not found", dlerror());
    if (rs)
        test_resize(rs);
    if (th)
        test_thumbnail(th);
    if (rot && fl && tr && cr)
        test_remaps(rot, fl, tr, cr);
    mod_close(rs), mod_close(th), mod_close(rot);
    mod_close(fl), mod_close(tr), mod_close(cr);
    CHECK_DONE();
}
