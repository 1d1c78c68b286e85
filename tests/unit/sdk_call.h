/*
 * sdk_call.h - drive a native filter module through the ABI version 2
 * exports, for test_sdk_v2.c and test_sdk_geometry.c.
 *
 * A module is opened with dlopen (struct mod holds its exports) and
 * called with an args block laid out here from filters/ABI.md, not from
 * the SDK's struct: plan_of() asks tsf_plan, args_rect() fills a block
 * for an output rectangle, run_rect() asks tsf_region and runs tsf_run
 * on the source image cut to the answer, replicate-padded as the host
 * pads it.  Images (struct img) are held by the test, 8- or 16-bit.
 * Include after check.h.
 */
#ifndef TS_SDK_CALL_H
#define TS_SDK_CALL_H

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

static inline uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* find_native - fill ndir with build/native; 0 or -1. */
static inline int find_native(void)
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

/* mod_open_path - open the native module at path; 0, or -1 (a failed check). */
static inline int mod_open_path(struct mod *m, const char *path, const char *name)
{
    memset(m, 0, sizeof *m);
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

/* mod_open - open build/native/NAME.so; 0, or -1 (a failed check). */
static inline int mod_open(struct mod *m, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.so", ndir, name);
    return mod_open_path(m, path, name);
}

static inline void mod_close(struct mod *m)
{
    if (m->dl)
        dlclose(m->dl);
    m->dl = NULL;
}

static inline void put(struct mod *m, int32_t args, int at, int32_t v)
{
    memcpy(m->base + args + at, &v, 4);
}

static inline int32_t get(struct mod *m, int32_t args, int at)
{
    int32_t v;
    memcpy(&v, m->base + args + at, 4);
    return v;
}

/* params - a fresh f32 array of n values in m; 0 when n is 0. */
static inline int32_t params(struct mod *m, const float *p, int n)
{
    if (n == 0)
        return 0;
    int32_t off = m->alloc(4 * n);
    memcpy(m->base + off, p, 4 * (size_t)n);
    return off;
}

/* args_new - a zeroed block with the input image and params filled. */
static inline int32_t args_new(struct mod *m, const struct img *in, int32_t par)
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
static inline int32_t plan_of(struct mod *m, const struct img *in, int32_t par,
                              struct img *out)
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
static inline int32_t args_rect(struct mod *m, const struct img *in, int32_t par,
                                const int32_t r[4], struct img *out)
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

static inline size_t bpp(const struct img *im)
{
    return (size_t)im->ch * (size_t)(im->depth / 8);
}

/* img_new - a w x h image of random samples (or all v if v >= 0). */
static inline struct img img_new(int32_t w, int32_t h, int32_t ch, int32_t depth,
                                 int32_t v)
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
static inline void fill_rect(uint8_t *dst, const struct img *src, const int32_t r[4])
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
static inline int32_t run_rect(struct mod *m, const struct img *src, int32_t par,
                               const int32_t r[4], uint8_t **got, size_t *got_n)
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
static inline int32_t run_v1(struct mod *m, const struct img *src, int32_t par, int32_t h,
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

static inline int32_t halo_of(struct mod *m, int32_t par)
{
    int32_t (*halo)(int32_t);
    *(void **)&halo = dlsym(m->dl, "tsf_halo");
    return halo ? halo(par) : -1;
}

/* s16 - 16-bit sample i of a buffer of them. */
static inline uint16_t s16(const uint8_t *p, size_t i)
{
    uint16_t v;
    memcpy(&v, p + 2 * i, 2);
    return v;
}

#endif
