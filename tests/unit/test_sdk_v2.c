/*
 * test_sdk_v2.c - unit tests of the filter SDK's ABI version 2 exports
 * (filters/tsf_plan.h) on the native builds of the bundled filters.
 *
 * Each build/native/NAME.so is opened with dlopen and driven through
 * tsf_plan, tsf_region and tsf_run directly, with the args block laid
 * out here from filters/ABI.md, not from the SDK's struct.  Checked: the
 * plans (channels kept or changed, depths refused), regions (the out
 * rectangle grown by the halo), 8-bit runs equal to tsf_process, exact
 * 16-bit identity and invert, flat 16-bit images kept flat by the blurs,
 * tiled 16-bit runs equal to whole-image ones, add_alpha and flatten,
 * and the error codes of bad calls.  The build directory is found from
 * $TILESPOOL_TOP or from this program's own path.
 */
#include "check.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The args block (filters/ABI.md): byte offsets of its 20 int32. */
enum {
    A_IN_W = 0, A_IN_H = 4, A_IN_CH = 8, A_IN_DEPTH = 12,
    A_OUT_W = 16, A_OUT_H = 20, A_OUT_CH = 24, A_OUT_DEPTH = 28,
    A_PARAMS = 32, A_IN_X = 36, A_IN_Y = 40, A_IN_RW = 44,
    A_IN_RH = 48, A_OUT_X = 52, A_OUT_Y = 56, A_OUT_RW = 60,
    A_OUT_RH = 64, A_IN_PX = 68, A_OUT_PX = 72, A_BYTES = 80
};

enum { OK = 0, EBADARG = 1, ECHANNELS = 2, EPARAM = 4, EDEPTH = 5 };

static char ndir[PATH_MAX];

/* A native module and its exports. */
struct mod {
    void *dl;
    uint8_t *base;
    int32_t (*abi)(void);
    int32_t (*describe)(void);
    int32_t (*alloc)(int32_t);
    int32_t (*plan)(int32_t);
    int32_t (*region)(int32_t);
    int32_t (*run)(int32_t);
    int32_t (*process)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
    void (*reset)(void);
};

/* An image held by the test: w x h pixels of ch samples of 1 or 2 bytes. */
struct img {
    int32_t w, h, ch, depth;
    uint8_t *px;
};

static uint32_t rng = 2463534242u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* find_native - fill ndir with build/native; 0 or -1. */
static int find_native(void)
{
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    const char *top = getenv("TILESPOOL_TOP");
    if (top && *top) {
        snprintf(ndir, sizeof ndir, "%.4000s/build/native", top);
        snprintf(probe, sizeof probe, "%s/identity.so", ndir);
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
        snprintf(probe, sizeof probe, "%s/identity.so", ndir);
        if (access(probe, R_OK) == 0)
            return 0;
    }
    return -1;
}

/* mod_open - open build/native/NAME.so; 0, or -1 (reported as a failed check). */
static int mod_open(struct mod *m, const char *name)
{
    char path[PATH_MAX + 64];
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/%s.so", ndir, name);
    m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!m->dl) {
        CHECK(0, name, "dlopen: %s", dlerror());
        return -1;
    }
    uint8_t *(*base)(void);
    *(void **)&base = dlsym(m->dl, "tsf_native_base");
    *(void **)&m->abi = dlsym(m->dl, "tsf_abi_version");
    *(void **)&m->describe = dlsym(m->dl, "tsf_describe");
    *(void **)&m->alloc = dlsym(m->dl, "tsf_alloc");
    *(void **)&m->plan = dlsym(m->dl, "tsf_plan");
    *(void **)&m->region = dlsym(m->dl, "tsf_region");
    *(void **)&m->run = dlsym(m->dl, "tsf_run");
    *(void **)&m->process = dlsym(m->dl, "tsf_process");
    *(void **)&m->reset = dlsym(m->dl, "tsf_native_reset");
    if (!base || !m->abi || !m->describe || !m->alloc || !m->plan || !m->region || !m->run ||
        !m->process || !m->reset || !(m->base = base())) {
        CHECK(0, name, "missing an export");
        dlclose(m->dl);
        m->dl = NULL;
        return -1;
    }
    return 0;
}

static void mod_close(struct mod *m)
{
    if (m->dl)
        dlclose(m->dl);
    m->dl = NULL;
}

static void put(struct mod *m, int32_t args, int at, int32_t v)
{
    memcpy(m->base + args + at, &v, 4);
}

static int32_t get(struct mod *m, int32_t args, int at)
{
    int32_t v;
    memcpy(&v, m->base + args + at, 4);
    return v;
}

/* params - a fresh f32 array of n values in m; 0 when n is 0. */
static int32_t params(struct mod *m, const float *p, int n)
{
    if (n == 0)
        return 0;
    int32_t off = m->alloc(4 * n);
    memcpy(m->base + off, p, 4 * (size_t)n);
    return off;
}

/* args_new - a zeroed block with the input image and params filled. */
static int32_t args_new(struct mod *m, const struct img *in, int32_t par)
{
    int32_t a = m->alloc(A_BYTES);
    memset(m->base + a, 0, A_BYTES);
    put(m, a, A_IN_W, in->w);
    put(m, a, A_IN_H, in->h);
    put(m, a, A_IN_CH, in->ch);
    put(m, a, A_IN_DEPTH, in->depth);
    put(m, a, A_PARAMS, par);
    return a;
}

/* plan_of - tsf_plan for in; the output image in *out. */
static int32_t plan_of(struct mod *m, const struct img *in, int32_t par, struct img *out)
{
    int32_t a = args_new(m, in, par);
    int32_t rc = m->plan(a);
    out->w = get(m, a, A_OUT_W);
    out->h = get(m, a, A_OUT_H);
    out->ch = get(m, a, A_OUT_CH);
    out->depth = get(m, a, A_OUT_DEPTH);
    out->px = NULL;
    return rc;
}

/* args_rect - a block for region or run: images from a plan and the out rect. */
static int32_t args_rect(struct mod *m, const struct img *in, int32_t par, const int32_t r[4],
                         struct img *out)
{
    int32_t a = args_new(m, in, par);
    m->plan(a);
    out->w = get(m, a, A_OUT_W);
    out->h = get(m, a, A_OUT_H);
    out->ch = get(m, a, A_OUT_CH);
    out->depth = get(m, a, A_OUT_DEPTH);
    put(m, a, A_OUT_X, r[0]);
    put(m, a, A_OUT_Y, r[1]);
    put(m, a, A_OUT_RW, r[2]);
    put(m, a, A_OUT_RH, r[3]);
    return a;
}

static size_t bpp(const struct img *im)
{
    return (size_t)im->ch * (size_t)(im->depth / 8);
}

/* img_new - a w x h image of random samples (or all v if v >= 0). */
static struct img img_new(int32_t w, int32_t h, int32_t ch, int32_t depth, int32_t v)
{
    struct img im = {w, h, ch, depth, NULL};
    size_t n = (size_t)w * h * ch;
    im.px = malloc(n * (size_t)(depth / 8));
    if (!im.px)
        abort();
    for (size_t i = 0; i < n; i++) {
        uint32_t s = v >= 0 ? (uint32_t)v : rnd();
        if (depth == 16)
            ((uint16_t *)(void *)im.px)[i] = (uint16_t)s;
        else
            im.px[i] = (uint8_t)s;
    }
    return im;
}

/* fill_rect - copy rect r of src, replicate-padded outside it, to dst. */
static void fill_rect(uint8_t *dst, const struct img *src, const int32_t r[4])
{
    size_t b = bpp(src);
    for (int32_t j = 0; j < r[3]; j++) {
        int32_t y = r[1] + j;
        y = y < 0 ? 0 : y >= src->h ? src->h - 1 : y;
        for (int32_t i = 0; i < r[2]; i++) {
            int32_t x = r[0] + i;
            x = x < 0 ? 0 : x >= src->w ? src->w - 1 : x;
            memcpy(dst + ((size_t)j * r[2] + i) * b, src->px + ((size_t)y * src->w + x) * b, b);
        }
    }
}

/*
 * run_rect - tsf_region then tsf_run for out rect r of src's output; the
 * pixels into *got (malloc'd, r[2] x r[3] of the output format).  Returns
 * the first nonzero code, or 0.
 */
static int32_t run_rect(struct mod *m, const struct img *src, int32_t par, const int32_t r[4],
                        uint8_t **got, size_t *got_n)
{
    struct img out;
    int32_t a = args_rect(m, src, par, r, &out);
    int32_t rc = m->region(a);
    if (rc != OK)
        return rc;
    int32_t ir[4] = {get(m, a, A_IN_X), get(m, a, A_IN_Y), get(m, a, A_IN_RW),
                     get(m, a, A_IN_RH)};
    size_t in_n = (size_t)ir[2] * ir[3] * bpp(src), out_n = (size_t)r[2] * r[3] * bpp(&out);
    int32_t in = m->alloc((int32_t)in_n), op = m->alloc((int32_t)out_n);
    fill_rect(m->base + in, src, ir);
    put(m, a, A_IN_PX, in);
    put(m, a, A_OUT_PX, op);
    rc = m->run(a);
    *got = malloc(out_n);
    if (!*got)
        abort();
    memcpy(*got, m->base + op, out_n);
    *got_n = out_n;
    return rc;
}

/* run_v1 - tsf_process on the whole 8-bit image src with halo h. */
static int32_t run_v1(struct mod *m, const struct img *src, int32_t par, int32_t h,
                      uint8_t **got)
{
    int32_t ir[4] = {-h, -h, src->w + 2 * h, src->h + 2 * h};
    size_t in_n = (size_t)ir[2] * ir[3] * src->ch, out_n = (size_t)src->w * src->h * src->ch;
    int32_t in = m->alloc((int32_t)in_n), op = m->alloc((int32_t)out_n);
    fill_rect(m->base + in, src, ir);
    int32_t rc = m->process(in, ir[2], ir[3], op, src->w, src->h, src->ch, par);
    *got = malloc(out_n);
    if (!*got)
        abort();
    memcpy(*got, m->base + op, out_n);
    return rc;
}

static int32_t halo_of(struct mod *m, int32_t par)
{
    int32_t (*halo)(int32_t);
    *(void **)&halo = dlsym(m->dl, "tsf_halo");
    return halo ? halo(par) : -1;
}

/* test_describe - version 2, depths, channels_out, geometry kind absent. */
static void test_describe(void)
{
    struct mod m;
    if (mod_open(&m, "grayscale") < 0)
        return;
    const char *j = (const char *)m.base + m.describe();
    CHECK(m.abi() == 2, "grayscale: ABI version 2", "version %d", m.abi());
    CHECK(strstr(j, "\"depths\":[8,16]") && strstr(j, "\"channels_out\":[1,2,1,2]") &&
              strstr(j, "\"kind\":\"point\"") && strstr(j, "\"name\":\"keep_channels\""),
          "grayscale: describe has depths, channels_out and keep_channels", "json %s", j);
    mod_close(&m);
    if (mod_open(&m, "sepia") < 0)
        return;
    j = (const char *)m.base + m.describe();
    CHECK(strstr(j, "\"depths\":[8]") && !strstr(j, "channels_out") && !strstr(j, "choices"),
          "sepia: depths [8], no channels_out, no choices", "json %s", j);
    mod_close(&m);
    if (mod_open(&m, "equalize") < 0)
        return;
    j = (const char *)m.base + m.describe();
    CHECK(strstr(j, "\"kind\":\"global\"") && strstr(j, "\"depths\":[8]") &&
              strstr(j, "\"stats\":["),
          "equalize: global, depths [8], stats", "json %s", j);
    mod_close(&m);
}

/* test_plan - output images for given inputs, and refusals. */
static void test_plan(void)
{
    struct mod m;
    struct img out, in;
    if (mod_open(&m, "grayscale") < 0)
        return;
    static const int32_t want[5] = {0, 1, 2, 1, 2};
    for (int32_t ch = 1; ch <= 4; ch++) {
        in = (struct img){31, 17, ch, 8, NULL};
        int32_t rc = plan_of(&m, &in, 0, &out);
        char name[64];
        snprintf(name, sizeof name, "grayscale plan: %d channels to %d", ch, want[ch]);
        CHECK(rc == OK && out.w == 31 && out.h == 17 && out.ch == want[ch] && out.depth == 8,
              name, "rc %d out %dx%d ch %d depth %d", rc, out.w, out.h, out.ch, out.depth);
    }
    float keep[2] = {601, 1};
    in = (struct img){5, 6, 4, 16, NULL};
    int32_t rc = plan_of(&m, &in, params(&m, keep, 2), &out);
    CHECK(rc == OK && out.ch == 4 && out.depth == 16, "grayscale plan: keep_channels=1 keeps 4",
          "rc %d ch %d depth %d", rc, out.ch, out.depth);
    float bad[2] = {650, 0};
    rc = plan_of(&m, &in, params(&m, bad, 2), &out);
    CHECK(rc == EPARAM, "grayscale plan: standard=650 is TSF_EPARAM", "rc %d", rc);
    in.depth = 12;
    rc = plan_of(&m, &in, 0, &out);
    CHECK(rc == EDEPTH, "grayscale plan: depth 12 is TSF_EDEPTH", "rc %d", rc);
    in = (struct img){5, 6, 5, 8, NULL};
    rc = plan_of(&m, &in, 0, &out);
    CHECK(rc == ECHANNELS, "grayscale plan: 5 channels is TSF_ECHANNELS", "rc %d", rc);
    in = (struct img){0, 6, 3, 8, NULL};
    rc = plan_of(&m, &in, 0, &out);
    CHECK(rc == EBADARG, "grayscale plan: width 0 is TSF_EBADARG", "rc %d", rc);
    CHECK(m.plan(0) == EBADARG, "plan: args at offset 0 is TSF_EBADARG", "rc %d", m.plan(0));
    mod_close(&m);

    if (mod_open(&m, "sepia") < 0)
        return;
    in = (struct img){5, 6, 3, 16, NULL};
    rc = plan_of(&m, &in, 0, &out);
    CHECK(rc == EDEPTH, "sepia plan: 16-bit is TSF_EDEPTH", "rc %d", rc);
    in = (struct img){5, 6, 1, 8, NULL};
    rc = plan_of(&m, &in, 0, &out);
    CHECK(rc == ECHANNELS, "sepia plan: gray is TSF_ECHANNELS", "rc %d", rc);
    mod_close(&m);

    static const struct { const char *name; int32_t in_ch, out_ch; } ch_cases[] = {
        {"add_alpha", 1, 2}, {"add_alpha", 3, 4}, {"add_alpha", 4, 4},
        {"flatten", 2, 1},   {"flatten", 4, 3},   {"flatten", 3, 3}};
    for (size_t i = 0; i < sizeof ch_cases / sizeof ch_cases[0]; i++) {
        if (mod_open(&m, ch_cases[i].name) < 0)
            return;
        in = (struct img){9, 4, ch_cases[i].in_ch, 16, NULL};
        rc = plan_of(&m, &in, 0, &out);
        char name[80];
        snprintf(name, sizeof name, "%s plan: %d channels to %d", ch_cases[i].name,
                 ch_cases[i].in_ch, ch_cases[i].out_ch);
        CHECK(rc == OK && out.ch == ch_cases[i].out_ch && out.depth == 16 && out.w == 9, name,
              "rc %d ch %d", rc, out.ch);
        mod_close(&m);
    }
}

/* test_region - the out rectangle grown by the halo, and bad rectangles. */
static void test_region(void)
{
    struct mod m;
    struct img in = {40, 30, 3, 16, NULL}, out;
    if (mod_open(&m, "gaussian_blur") < 0)
        return;
    float sigma = 1.5f; /* halo ceil(4.5) = 5 */
    int32_t par = params(&m, &sigma, 1);
    int32_t r[4] = {10, 20, 7, 3};
    int32_t a = args_rect(&m, &in, par, r, &out);
    int32_t rc = m.region(a);
    CHECK(rc == OK && get(&m, a, A_IN_X) == 5 && get(&m, a, A_IN_Y) == 15 &&
              get(&m, a, A_IN_RW) == 17 && get(&m, a, A_IN_RH) == 13,
          "gaussian_blur region: out rect grown by 5", "rc %d in %d,%d %dx%d", rc,
          get(&m, a, A_IN_X), get(&m, a, A_IN_Y), get(&m, a, A_IN_RW), get(&m, a, A_IN_RH));
    int32_t edge[4] = {0, 0, 40, 30};
    a = args_rect(&m, &in, par, edge, &out);
    rc = m.region(a);
    CHECK(rc == OK && get(&m, a, A_IN_X) == -5 && get(&m, a, A_IN_RW) == 50,
          "gaussian_blur region: may reach outside the image", "rc %d x %d", rc,
          get(&m, a, A_IN_X));
    int32_t outside[4] = {35, 0, 6, 1};
    a = args_rect(&m, &in, par, outside, &out);
    rc = m.region(a);
    CHECK(rc == EBADARG, "region: out rect past the output image is TSF_EBADARG", "rc %d", rc);
    int32_t empty[4] = {3, 3, 0, 1};
    a = args_rect(&m, &in, par, empty, &out);
    rc = m.region(a);
    CHECK(rc == EBADARG, "region: empty out rect is TSF_EBADARG", "rc %d", rc);
    a = args_rect(&m, &in, par, r, &out);
    put(&m, a, A_OUT_W, 41);
    rc = m.region(a);
    CHECK(rc == EBADARG, "region: output image not the plan's is TSF_EBADARG", "rc %d", rc);
    mod_close(&m);

    if (mod_open(&m, "identity") < 0)
        return;
    a = args_rect(&m, &in, 0, r, &out);
    rc = m.region(a);
    CHECK(rc == OK && get(&m, a, A_IN_X) == 10 && get(&m, a, A_IN_Y) == 20 &&
              get(&m, a, A_IN_RW) == 7 && get(&m, a, A_IN_RH) == 3,
          "identity region: the out rect itself", "rc %d", rc);
    mod_close(&m);
}

/* A filter, params, channels: tsf_run must give tsf_process's bytes. */
struct same_case {
    const char *name;
    int n;
    float p[3];
    int32_t ch;
};

/* test_same_as_v1 - 8-bit tsf_run of the whole image equals tsf_process. */
static void test_same_as_v1(void)
{
    static const struct same_case cases[] = {
        {"identity", 0, {0}, 4},
        {"invert", 0, {0}, 2},
        {"invert", 0, {0}, 3},
        {"grayscale", 2, {709, 1}, 3},
        {"grayscale", 2, {601, 1}, 4},
        {"brightness_contrast", 2, {12, 35}, 4},
        {"gaussian_blur", 1, {1.7f}, 3},
        {"box_blur", 1, {2}, 1},
        {"sharpen", 3, {1.2f, 1.0f, 3}, 4},
        {"sepia", 0, {0}, 3},
        {"threshold", 1, {100}, 4},
        {"sobel", 0, {0}, 3},
        {"median", 1, {2}, 2},
        {"equalize", 1, {0}, 3},
        {"autolevels", 2, {1, 1}, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct same_case *k = &cases[i];
        struct mod m;
        if (mod_open(&m, k->name) < 0)
            continue;
        struct img src = img_new(37, 23, k->ch, 8, -1);
        int32_t par = params(&m, k->p, k->n), r[4] = {0, 0, src.w, src.h};
        uint8_t *v1 = NULL, *v2 = NULL;
        size_t n2 = 0;
        int32_t rc1 = run_v1(&m, &src, par, halo_of(&m, par), &v1);
        int32_t rc2 = run_rect(&m, &src, par, r, &v2, &n2);
        char name[96];
        snprintf(name, sizeof name, "%s, %d channels: tsf_run gives tsf_process's bytes",
                 k->name, k->ch);
        CHECK(rc1 == OK && rc2 == OK && n2 == (size_t)src.w * src.h * src.ch &&
                  memcmp(v1, v2, n2) == 0,
              name, "rc %d/%d bytes %zu", rc1, rc2, n2);
        free(v1);
        free(v2);
        free(src.px);
        m.reset();
        mod_close(&m);
    }
}

/* test_grayscale_out - gray output equals the R of the RGB output. */
static void test_grayscale_out(void)
{
    struct mod m;
    if (mod_open(&m, "grayscale") < 0)
        return;
    for (int32_t ch = 3; ch <= 4; ch++) {
        struct img src = img_new(29, 11, ch, 8, -1);
        float keep[2] = {601, 1};
        int32_t r[4] = {0, 0, src.w, src.h};
        uint8_t *rgb = NULL, *gray = NULL;
        size_t n = 0;
        int32_t rc1 = run_v1(&m, &src, params(&m, keep, 2), 0, &rgb);
        int32_t rc2 = run_rect(&m, &src, 0, r, &gray, &n);
        int same = rc1 == OK && rc2 == OK && n == (size_t)src.w * src.h * (ch - 2);
        for (size_t i = 0; same && i < (size_t)src.w * src.h; i++)
            same = gray[i * (ch - 2)] == rgb[i * ch] &&
                   (ch == 3 || gray[i * 2 + 1] == rgb[i * 4 + 3]);
        char name[80];
        snprintf(name, sizeof name, "grayscale: %d channels to %d, gray = the old R%s", ch,
                 ch - 2, ch == 4 ? ", alpha kept" : "");
        CHECK(same, name, "rc %d/%d bytes %zu", rc1, rc2, n);
        free(rgb);
        free(gray);
        uint8_t *v1 = NULL;
        int32_t rc = run_v1(&m, &src, 0, 0, &v1);
        snprintf(name, sizeof name, "grayscale: tsf_process of %d to %d channels is TSF_ECHANNELS",
                 ch, ch - 2);
        CHECK(rc == ECHANNELS, name, "rc %d", rc);
        free(v1);
        free(src.px);
        m.reset();
    }
    mod_close(&m);
}

static uint16_t s16(const uint8_t *p, size_t i)
{
    uint16_t v;
    memcpy(&v, p + 2 * i, 2);
    return v;
}

/* test_16bit_exact - identity copies, invert gives 65535 - v with alpha kept. */
static void test_16bit_exact(void)
{
    struct mod m;
    for (int32_t ch = 1; ch <= 4; ch++) {
        struct img src = img_new(13, 7, ch, 16, -1);
        int32_t r[4] = {2, 1, 9, 5};
        uint8_t *got = NULL;
        size_t n = 0;
        int ok = 1;
        int32_t rc = -1;
        if (mod_open(&m, "identity") == 0) {
            rc = run_rect(&m, &src, 0, r, &got, &n);
            for (int32_t y = 0; ok && y < r[3]; y++)
                ok = memcmp(got + (size_t)y * r[2] * ch * 2,
                            src.px + ((size_t)(y + r[1]) * src.w + r[0]) * ch * 2,
                            (size_t)r[2] * ch * 2) == 0;
            free(got);
            mod_close(&m);
        }
        char name[64];
        snprintf(name, sizeof name, "identity 16-bit, %d channels: exact copy", ch);
        CHECK(rc == OK && ok, name, "rc %d", rc);
        rc = -1;
        ok = 1;
        if (mod_open(&m, "invert") == 0) {
            rc = run_rect(&m, &src, 0, r, &got, &n);
            for (int32_t y = 0; ok && y < r[3]; y++)
                for (int32_t x = 0; ok && x < r[2] * ch; x++) {
                    size_t si = (size_t)(y + r[1]) * src.w * ch + (size_t)r[0] * ch + x;
                    uint16_t v = s16(src.px, si), o = s16(got, (size_t)y * r[2] * ch + x);
                    int alpha = ch % 2 == 0 && x % ch == ch - 1;
                    ok = o == (alpha ? v : 65535 - v);
                }
            free(got);
            mod_close(&m);
        }
        snprintf(name, sizeof name, "invert 16-bit, %d channels: 65535 - v, alpha kept", ch);
        CHECK(rc == OK && ok, name, "rc %d", rc);
        free(src.px);
    }
}

/* test_16bit_flat - a flat 16-bit image stays flat through the blurs. */
static void test_16bit_flat(void)
{
    static const struct { const char *name; int n; float p[3]; } cases[] = {
        {"gaussian_blur", 1, {2.3f}}, {"box_blur", 1, {3}}, {"sharpen", 3, {2, 1.5f, 0}}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mod m;
        if (mod_open(&m, cases[i].name) < 0)
            continue;
        struct img src = img_new(21, 9, 4, 16, 40961);
        int32_t r[4] = {0, 0, src.w, src.h};
        uint8_t *got = NULL;
        size_t n = 0;
        int32_t rc = run_rect(&m, &src, params(&m, cases[i].p, cases[i].n), r, &got, &n);
        size_t bad = 0;
        for (size_t k = 0; k < n / 2; k++)
            bad += s16(got, k) != 40961;
        char name[80];
        snprintf(name, sizeof name, "%s 16-bit: a flat image stays flat", cases[i].name);
        CHECK(rc == OK && n == (size_t)21 * 9 * 4 * 2 && bad == 0, name,
              "rc %d, %zu samples differ", rc, bad);
        free(got);
        free(src.px);
        mod_close(&m);
    }
}

/* tiled_equals_whole - NAME on src in tiles of tw x th equals one whole run. */
static void tiled_equals_whole(const char *fname, const float *p, int np, int32_t depth,
                               int32_t tw, int32_t th)
{
    struct mod m;
    if (mod_open(&m, fname) < 0)
        return;
    struct img src = img_new(45, 31, 3, depth, -1);
    int32_t par = params(&m, p, np), whole_r[4] = {0, 0, src.w, src.h};
    uint8_t *whole = NULL, *tile = NULL;
    size_t n = 0, tn = 0, b = bpp(&src), diff = 0;
    int32_t rc = run_rect(&m, &src, par, whole_r, &whole, &n), trc = OK;
    for (int32_t y = 0; y < src.h; y += th)
        for (int32_t x = 0; x < src.w; x += tw) {
            int32_t r[4] = {x, y, x + tw > src.w ? src.w - x : tw,
                            y + th > src.h ? src.h - y : th};
            m.reset();
            par = params(&m, p, np);
            int32_t rc1 = run_rect(&m, &src, par, r, &tile, &tn);
            trc = trc != OK ? trc : rc1;
            for (int32_t j = 0; rc1 == OK && j < r[3]; j++)
                diff += memcmp(tile + (size_t)j * r[2] * b,
                               whole + ((size_t)(y + j) * src.w + x) * b, (size_t)r[2] * b) != 0;
            free(tile);
        }
    char name[96];
    snprintf(name, sizeof name, "%s %d-bit: tiles of %dx%d give the whole image's bytes", fname,
             depth, tw, th);
    CHECK(rc == OK && trc == OK && diff == 0, name, "rc %d/%d, %zu rows differ", rc, trc, diff);
    free(whole);
    free(src.px);
    mod_close(&m);
}

static void test_tiled(void)
{
    float sigma = 2.0f, radius = 2, sharp[3] = {1.5f, 1.2f, 2};
    tiled_equals_whole("gaussian_blur", &sigma, 1, 16, 16, 10);
    tiled_equals_whole("gaussian_blur", &sigma, 1, 16, 1, 7);
    tiled_equals_whole("gaussian_blur", &sigma, 1, 8, 7, 3);
    tiled_equals_whole("box_blur", &radius, 1, 16, 11, 4);
    tiled_equals_whole("sharpen", sharp, 3, 16, 9, 13);
}

/* test_alpha - add_alpha and flatten, both depths. */
static void test_alpha(void)
{
    struct mod m;
    for (int32_t depth = 8; depth <= 16; depth += 8) {
        uint32_t mx = depth == 16 ? 65535 : 255, mul = depth == 16 ? 257 : 1;
        struct img src = img_new(6, 5, 3, depth, -1);
        int32_t r[4] = {1, 1, 4, 3};
        uint8_t *got = NULL;
        size_t n = 0;
        float value = 128;
        int32_t rc = -1;
        int ok = 0;
        if (mod_open(&m, "add_alpha") == 0) {
            rc = run_rect(&m, &src, params(&m, &value, 1), r, &got, &n);
            ok = n == (size_t)4 * 3 * 4 * (depth / 8);
            for (int32_t y = 0; ok && y < 3; y++)
                for (int32_t x = 0; ok && x < 4; x++)
                    for (int32_t k = 0; ok && k < 4; k++) {
                        size_t si = ((size_t)(y + 1) * 6 + x + 1) * 3 + k;
                        size_t oi = ((size_t)y * 4 + x) * 4 + k;
                        uint32_t want = k == 3 ? 128 * mul
                                        : depth == 16 ? s16(src.px, si) : src.px[si];
                        ok = (depth == 16 ? s16(got, oi) : got[oi]) == want;
                    }
            free(got);
            mod_close(&m);
        }
        char name[80];
        snprintf(name, sizeof name, "add_alpha %d-bit: RGB to RGBA, alpha value=128", depth);
        CHECK(rc == OK && ok, name, "rc %d bytes %zu", rc, n);
        free(src.px);

        src = img_new(6, 5, 2, depth, -1);
        float bg = 100;
        rc = -1;
        ok = 0;
        if (mod_open(&m, "flatten") == 0) {
            rc = run_rect(&m, &src, params(&m, &bg, 1), r, &got, &n);
            ok = n == (size_t)4 * 3 * (depth / 8);
            for (int32_t y = 0; ok && y < 3; y++)
                for (int32_t x = 0; ok && x < 4; x++) {
                    size_t si = ((size_t)(y + 1) * 6 + x + 1) * 2;
                    uint64_t v = depth == 16 ? s16(src.px, si) : src.px[si];
                    uint64_t a = depth == 16 ? s16(src.px, si + 1) : src.px[si + 1];
                    uint64_t want = (v * a + 100 * mul * (mx - a) + (mx - 1) / 2) / mx;
                    size_t oi = (size_t)y * 4 + x;
                    ok = (depth == 16 ? s16(got, oi) : got[oi]) == want;
                }
            free(got);
            mod_close(&m);
        }
        snprintf(name, sizeof name, "flatten %d-bit: gray+alpha over background 100", depth);
        CHECK(rc == OK && ok, name, "rc %d bytes %zu", rc, n);
        free(src.px);
    }
}

/* test_run_errors - tsf_run refuses inconsistent calls. */
static void test_run_errors(void)
{
    struct mod m;
    if (mod_open(&m, "gaussian_blur") < 0)
        return;
    struct img in = {20, 20, 3, 16, NULL}, out;
    float sigma = 1.0f; /* halo 3 */
    int32_t par = params(&m, &sigma, 1), r[4] = {4, 4, 8, 8};
    int32_t a = args_rect(&m, &in, par, r, &out);
    m.region(a);
    int32_t in_px = m.alloc(14 * 14 * 6), out_px = m.alloc(8 * 8 * 6);
    put(&m, a, A_IN_PX, in_px);
    put(&m, a, A_OUT_PX, out_px);
    memset(m.base + in_px, 0, 14 * 14 * 6);
    int32_t rc = m.run(a);
    CHECK(rc == OK, "run errors: the good call runs", "rc %d", rc);

    static const struct { const char *what; int at; int32_t delta; int32_t want; } cases[] = {
        {"in_rw not out_rw + 2 halo", A_IN_RW, 1, EBADARG},
        {"in rect moved", A_IN_X, -1, EBADARG},
        {"out rect past the image", A_OUT_X, 9, EBADARG},
        {"output image not the plan's", A_OUT_CH, -2, EBADARG},
        {"depth 8 output of a 16-bit plan", A_OUT_DEPTH, -8, EBADARG},
        {"in and out overlapping", A_OUT_PX, -100, EBADARG},
        {"out past allocated memory", A_OUT_PX, 1 << 24, EBADARG},
        {"params past allocated memory", A_PARAMS, 1 << 24, EBADARG},
        {"4 channels taken for 3", A_IN_CH, 1, EBADARG},
        {"5 channels", A_IN_CH, 2, ECHANNELS},
        {"depth 12", A_IN_DEPTH, -4, EDEPTH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t old = get(&m, a, cases[i].at);
        put(&m, a, cases[i].at, old + cases[i].delta);
        rc = m.run(a);
        put(&m, a, cases[i].at, old);
        char name[96];
        snprintf(name, sizeof name, "run errors: %s is %d", cases[i].what, cases[i].want);
        CHECK(rc == cases[i].want, name, "rc %d", rc);
    }
    CHECK(m.run(0) == EBADARG && m.region(0) == EBADARG, "run errors: args at 0",
          "run %d", m.run(0));
    mod_close(&m);

    if (mod_open(&m, "sepia") < 0)
        return;
    in = (struct img){8, 8, 3, 8, NULL};
    int32_t whole[4] = {0, 0, 8, 8};
    a = args_rect(&m, &in, 0, whole, &out);
    m.region(a);
    put(&m, a, A_IN_PX, m.alloc(8 * 8 * 6));
    put(&m, a, A_OUT_PX, m.alloc(8 * 8 * 6));
    put(&m, a, A_IN_DEPTH, 16);
    put(&m, a, A_OUT_DEPTH, 16);
    rc = m.run(a);
    CHECK(rc == EDEPTH, "run errors: 16-bit to an 8-bit filter is TSF_EDEPTH", "rc %d", rc);
    mod_close(&m);
}

int main(void)
{
    if (find_native() < 0) {
        CHECK(0, "find build/native", "no build/native/identity.so near this program");
        CHECK_DONE();
    }
    test_describe();
    test_plan();
    test_region();
    test_same_as_v1();
    test_grayscale_out();
    test_16bit_exact();
    test_16bit_flat();
    test_tiled();
    test_alpha();
    test_run_errors();
    CHECK_DONE();
}
