/*
 * test_geometry.c - unit tests for the geometry filters resize,
 * thumbnail, crop, rotate, flip and transpose.
 *
 * The filters are the native builds, build/native/NAME.so, opened with
 * dlopen and called through their ABI v2 exports (tsf_plan, tsf_region,
 * tsf_run) the way the host calls them (geomtest.h): for every output
 * tile ask the region, cut it from the whole image with replicate
 * padding, run and paste.  Every tiling (tiles of 1, 7, 61, 256 pixels
 * and one larger than the image) must give the bits of the untiled run,
 * for shrinking and enlarging scales, odd sizes, 1 to 4 channels, 8 and
 * 16 bits.  Sizes are checked against the documented rules, crop,
 * rotate, flip and transpose against a direct reference, and refusals
 * (TSF_EPARAM, TSF_EBADARG) where the plan cannot be made.
 */
#include "check.h"
#include "geomtest.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

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

/* mod_close - dlclose and free m (NULL is fine). */
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
    struct mod *m = s->ctx;
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

/* mod_plan - tsf_plan of the stage's module; its result. */
static int mod_plan(const struct stage *s, const struct img *in, struct img *out)
{
    int32_t v[A_NARGS];
    mod_args(v, in, NULL, NULL, NULL);
    int rc = mod_call(s, ((struct mod *)s->ctx)->plan, v, NULL, 0, NULL, 0);
    *out = (struct img){(uint32_t)v[A_OUT_W], (uint32_t)v[A_OUT_H], (uint32_t)v[A_OUT_CH],
                        (uint32_t)v[A_OUT_DEPTH], NULL};
    return rc;
}

/* mod_region - tsf_region for out rectangle o into i; its result. */
static int mod_region(const struct stage *s, const struct img *in, const struct img *out,
                      const struct rect *o, struct rect *i)
{
    int32_t v[A_NARGS];
    mod_args(v, in, out, NULL, o);
    int rc = mod_call(s, ((struct mod *)s->ctx)->region, v, NULL, 0, NULL, 0);
    *i = (struct rect){v[A_IN_X], v[A_IN_Y], v[A_IN_RW], v[A_IN_RH]};
    return rc;
}

/* mod_run - tsf_run from ipx (rect i) into opx (rect o); its result. */
static int mod_run(const struct stage *s, const struct img *in, const struct img *out,
                   const struct rect *i, const uint8_t *ipx, const struct rect *o, uint8_t *opx)
{
    int32_t v[A_NARGS];
    mod_args(v, in, out, i, o);
    return mod_call(s, ((struct mod *)s->ctx)->run, v, ipx, (size_t)i->w * i->h * bpp(in), opx,
                    (size_t)o->w * o->h * bpp(out));
}

/* filter - a stage of module m with params p[0..n). */
static struct stage filter(struct mod *m, const char *name, const float *p, int n)
{
    struct stage s = {name, mod_plan, mod_region, mod_run, {0}, m};
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

/* test_resize - tiling, sizes and refusals of resize. */
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

/* test_thumbnail - sizes of each fit, tiling and the cover cut. */
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
 * same_remap - does stage s give the same bits for every tiling, and an
 * ow x oh output equal to the map's (ax, bx, cx, ay, by, cy) reference?
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

/* test_remaps - rotate, flip, transpose and crop against references. */
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
