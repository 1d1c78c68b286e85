/*
 * tsf.h - the tilespool filter SDK: turns one C file into a filter module.
 *
 * SUMMARY
 *	A filter is one C file that includes this header once, declares
 *	itself with one of the macros below and defines the functions that
 *	macro names.  The header supplies every export of ABI version 2
 *	(filters/ABI.md): memory, tsf_abi_version, tsf_describe, tsf_alloc,
 *	tsf_plan, tsf_region, tsf_run, and the version 1 pair tsf_halo and
 *	tsf_process, plus tsf_native_base and tsf_native_reset in native
 *	builds.  Global filters add tsf_analyze and tsf_apply.  The parts
 *	live in headers this one includes: tsf_filter.h (the macros, describe
 *	and the version 1 exports), tsf_global.h and tsf_plan.h (version 2).
 *
 *	    #include "tsf.h"
 *
 *	    #define PARAMS(X) \
 *	        X(level, 128, 0, 255, "luma at or above which a pixel is white")
 *	    TSF_POINT_FILTER("threshold", "...", "[1,2,3,4]", PARAMS);
 *
 *	    static int32_t filter_process(const struct tsf_call *c)
 *	    {
 *	        uint32_t level = (uint32_t)tsf_ceil_i(c->p[P_level]);
 *	        ...
 *	        return TSF_OK;
 *	    }
 *
 * MACROS
 *	Each ends in a prototype of the first function it names, so it takes
 *	a ';' (or that function's body) after it.  channels is a JSON list
 *	such as "[1,2,3,4]", depths "[8]" or "[8,16]".
 *
 *	TSF_FILTER(name, summary, kind, channels, PARAMS)
 *	TSF_FILTER2(name, summary, kind, channels, depths, PARAMS, CHOICES)
 *	    kind "point" or "neighborhood": filter_halo, filter_process.
 *	TSF_POINT_FILTER(name, summary, channels, PARAMS)
 *	TSF_POINT_FILTER2(name, summary, channels, depths, PARAMS, CHOICES)
 *	    kind "point", filter_halo supplied: filter_process only.
 *	TSF_CHANNEL_FILTER(name, summary, kind, channels, depths, PARAMS, CHOICES)
 *	    a filter whose output channel count differs from its input's:
 *	    filter_halo, filter_channels, filter_process, where
 *	        static int32_t filter_channels(const float *p, uint32_t in_ch);
 *	    returns the output count (1..4) for in_ch, or -1 for params it
 *	    cannot use.  The describe JSON gets "channels_out", its answers
 *	    for the declared counts with default params.
 *	TSF_GEOMETRY_FILTER(name, summary, channels, depths, PARAMS, CHOICES)
 *	    kind "geometry": filter_plan, filter_region, filter_process (see
 *	    tsf_plan.h for their contract).
 *	TSF_GLOBAL_FILTER, TSF_GLOBAL_FILTER_REF (tsf_global.h)
 *	    kind "global", 8-bit, channels kept.
 *	The macros without depths take 8-bit samples only.
 *
 *	The v2 host calls tsf_plan, tsf_region and tsf_run.  For point and
 *	neighborhood filters the SDK answers the first two itself: the
 *	output image is the input's (channels from filter_channels when
 *	there is one), and an output rectangle needs itself grown by
 *	filter_halo(p) on each side.  tsf_run then calls filter_process
 *	exactly as tsf_process would, so such a filter never looks at
 *	positions.  tsf_process runs it with its tile as the whole 8-bit
 *	image (and fails with TSF_ECHANNELS where the channel count would
 *	change; for a geometry filter, TSF_EBADARG: tsf_halo says -1).
 *
 * DESCRIPTION
 *	PARAMS is an X-macro: one X(name, default, min, max, "summary") per
 *	parameter, in the order the host passes them.  From it the macros
 *	make the describe JSON at compile time (default, min and max are
 *	stringified, so write them as plain JSON numbers: 0.5 not .5f), an
 *	enum P_<name> of indices into c->p, and the ranges the SDK clamps
 *	to.  Summaries are pasted into JSON unescaped: no '"' or '\'.
 *	TSF_NO_PARAMS declares none.
 *
 *	CHOICES names the values of parameters that pick one of a list:
 *	    #define CHOICES(X) X(kernel, "nearest", "linear", "cubic")
 *	gives the describe JSON "choices":{"kernel":["nearest",...]} and
 *	the enum constant TSF_NCHOICES_kernel (3).  The parameter itself is
 *	declared in PARAMS with min 0 and max n-1; the host maps a name to
 *	its index, which is what the filter gets.  TSF_NO_CHOICES: none.
 *
 *	Before filter_process runs the SDK has checked the channel count
 *	against the declared list and the depth against the declared depths
 *	(TSF_ECHANNELS, TSF_EDEPTH), that the buffers' sizes agree with the
 *	rectangles and the halo, that both lie in allocated memory without
 *	overlapping (TSF_EBADARG), and read the params: NaN becomes the
 *	default, anything else is clamped to [min, max].  A filter never
 *	clamps coordinates: the halo is there.
 *
 *	Pixel layout: samples of c->depth bits (8, or 16 as uint16_t in
 *	the host's byte order, which is little-endian), interleaved, rows
 *	packed; channels 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (straight
 *	alpha).  The last channel is alpha exactly when the count is even.
 *	The output has c->out_ch channels of c->out_depth bits.
 *
 *	Scratch memory comes from tsf_alloc_ptr(): a bump allocator that
 *	never frees (each tile gets a fresh instance) and whose contents are
 *	unspecified, so read nothing you did not write.
 *
 *	Determinism: native and wasm builds must give the same bits, so use
 *	integers where you can and otherwise only + - * / and tsf_sqrtf
 *	(IEEE-exact everywhere) and tsf_expf (ours, not libm's).  Convert
 *	float to u8 with tsf_f2u8.  Only one file per module includes this
 *	header: it defines the exported functions.
 *
 * HELPERS
 *	memory      tsf_ptr(off), tsf_alloc_ptr(n), tsf_load_u32/u64,
 *	            tsf_store_u32/u64 (unaligned, little-endian)
 *	arithmetic  tsf_clamp_u8, tsf_floor_i, tsf_ceil_i, tsf_round_i (halves
 *	            up), tsf_f2u8, tsf_rshift_round, tsf_sqrtf, tsf_expf,
 *	            tsf_luma601
 *	pixels      tsf_has_alpha, tsf_is_alpha, tsf_alpha_mask32, tsf_in_core,
 *	            tsf_copy_alpha, tsf_apply_lut (point filters by table)
 *	16-bit      tsf_in16, tsf_out16, tsf_in_core16, tsf_sample_max
 *	tsf_kernels.h adds the integer Gaussian used by gaussian_blur and
 *	sharpen.
 *
 * ABI VERSION 1
 *	Defining TSF_ABI_V1 before the include builds a version 1 module:
 *	tsf_abi_version says 1 and tsf_plan, tsf_region and tsf_run are left
 *	out, so hosts run it through their version 1 adapter.
 *
 * NATIVE MODE
 *	With -DTSF_NATIVE there is no linear memory: a 4 GiB arena is
 *	reserved (not committed) per thread on first use and offsets are
 *	relative to it.  tsf_native_base() returns the calling thread's
 *	arena base, tsf_native_reset() forgets every allocation, as a fresh
 *	instance would (the bytes are kept, not zeroed).
 */
#ifndef TSF_H
#define TSF_H

#include <stddef.h>
#include <stdint.h>

#ifdef TSF_NATIVE
#include <string.h>
#include <sys/mman.h>
#endif

#ifdef TSF_ABI_V1
#define TSF_ABI_VERSION 1
#else
#define TSF_ABI_VERSION 2
#endif
#define TSF_MAX_PARAMS 16

/* Results of tsf_process, tsf_plan, tsf_region and tsf_run (filters/ABI.md). */
#define TSF_OK 0
#define TSF_EBADARG 1   /* sizes, offsets or halo inconsistent */
#define TSF_ECHANNELS 2 /* channel count not in the declared list */
#define TSF_ENOMEM 3    /* tsf_alloc could not grow memory */
#define TSF_EPARAM 4    /* a value inside [min, max] the filter cannot use */
#define TSF_EDEPTH 5    /* sample depth not in the declared list */

/* No offset or allocation reaches 2 GiB, so offsets are positive int32. */
#define TSF_MEMORY_LIMIT 0x80000000u

#define TSF_EXPORT __attribute__((visibility("default"), used))

/* An image's size and pixel format: channels 1..4, depth 8 or 16. */
struct tsf_image {
    uint32_t w, h, ch, depth;
};

/* A rectangle in an image's coordinates; x, y may be negative in an input. */
struct tsf_rect {
    int32_t x, y;
    uint32_t w, h;
};

/* What filter_process gets; in and out are the host's buffers. */
struct tsf_call {
    const uint8_t *in;
    uint32_t in_w, in_h;        /* the input rectangle: core plus halo on every side */
    uint8_t *out;
    uint32_t out_w, out_h;      /* the output rectangle (the core) */
    uint32_t ch;                /* input channels, 1..4 */
    uint32_t halo;              /* filter_halo(p); 0 for geometry filters */
    float p[TSF_MAX_PARAMS];    /* declared order, clamped, index with P_<name> */
    /* global filters only (NULL otherwise): tsf_apply's merged statistics
     * and the reference image's (NULL without one), and tsf_analyze's
     * zeroed block to fill; each points at the filter's struct tsf_stats */
    const void *stats, *ref;
    void *acc;
    /* ABI v2: tsf_process fills these as if its tile were the whole image */
    uint32_t out_ch;            /* output channels, 1..4 */
    uint32_t depth, out_depth;  /* bits per sample in and out, 8 or 16 */
    struct tsf_image src, dst;  /* the whole input and output images */
    struct tsf_rect in_rect, out_rect; /* where in and out lie in them */
};

/* The exports (filters/ABI.md), all defined in this header and tsf_plan.h. */
TSF_EXPORT int32_t tsf_abi_version(void);
TSF_EXPORT int32_t tsf_describe(void);
TSF_EXPORT int32_t tsf_halo(int32_t params);
TSF_EXPORT int32_t tsf_alloc(int32_t bytes);
TSF_EXPORT int32_t tsf_process(int32_t in, int32_t in_w, int32_t in_h, int32_t out,
                               int32_t out_w, int32_t out_h, int32_t channels,
                               int32_t params);
#ifndef TSF_ABI_V1
TSF_EXPORT int32_t tsf_plan(int32_t args);
TSF_EXPORT int32_t tsf_region(int32_t args);
TSF_EXPORT int32_t tsf_run(int32_t args);
#endif
/* Global filters also export tsf_analyze and tsf_apply: TSF_GLOBAL_FILTER
 * defines them (tsf_global.h). */
#ifdef TSF_NATIVE
TSF_EXPORT uint8_t *tsf_native_base(void);
TSF_EXPORT void tsf_native_reset(void);
#endif

/* The filter's own two functions, defined after TSF_FILTER (a geometry
 * filter's filter_halo comes with its macro). */
static int32_t filter_halo(const float *p);
static int32_t filter_process(const struct tsf_call *c);

/* ---- memory ------------------------------------------------------------ */

static uint32_t tsf__align16(uint64_t v)
{
    return (uint32_t)((v + 15) & ~(uint64_t)15);
}

#ifdef TSF_NATIVE

#define TSF__ARENA (4ull << 30)

static _Thread_local uint8_t *tsf__base;
static _Thread_local uint32_t tsf__top;

/* tsf__arena - this thread's arena, reserved on first use; NULL if mmap failed. */
static uint8_t *tsf__arena(void)
{
    if (!tsf__base) {
        void *p = mmap(NULL, TSF__ARENA, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        tsf__base = p;
        tsf__top = 16; /* offset 0 means failure, never hand it out */
    }
    return tsf__base;
}

/* tsf__reserve - make [0, end) usable; returns 0 or -1. */
static int tsf__reserve(uint64_t end)
{
    return tsf__arena() && end <= TSF__ARENA ? 0 : -1;
}

static inline uint8_t *tsf_ptr(int32_t off)
{
    return tsf__base + (uint32_t)off;
}

/* tsf_native_base - export: the calling thread's arena, NULL if it cannot be had. */
TSF_EXPORT uint8_t *tsf_native_base(void)
{
    return tsf__arena();
}

/* tsf_native_reset - export: forget every allocation of this thread. */
TSF_EXPORT void tsf_native_reset(void)
{
    tsf__top = 16;
}

#else /* wasm32 */

extern unsigned char __heap_base;
static uint32_t tsf__top;

/* tsf__reserve - grow linear memory to hold [0, end); returns 0 or -1. */
static int tsf__reserve(uint64_t end)
{
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) << 16;
    if (tsf__top == 0)
        tsf__top = tsf__align16((uintptr_t)&__heap_base);
    if (end <= have)
        return 0;
    size_t pages = (size_t)((end - have + 65535) >> 16);
    return __builtin_wasm_memory_grow(0, pages) == (size_t)-1 ? -1 : 0;
}

static inline uint8_t *tsf_ptr(int32_t off)
{
    return (uint8_t *)(uintptr_t)(uint32_t)off;
}

/*
 * Clang turns copy and fill loops into calls to these; with -nostdlib they
 * would become imports.  Bulk-memory instructions make wasm2c call the
 * host's memmove/memset, so big copies cost what they cost natively.
 */
#define TSF__BULK __attribute__((visibility("hidden"), target("bulk-memory")))

TSF__BULK void *memcpy(void *restrict d, const void *restrict s, size_t n);
TSF__BULK void *memmove(void *d, const void *s, size_t n);
TSF__BULK void *memset(void *d, int v, size_t n);

TSF__BULK void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    __builtin_memmove(d, s, n);
    return d;
}

TSF__BULK void *memmove(void *d, const void *s, size_t n)
{
    __builtin_memmove(d, s, n);
    return d;
}

TSF__BULK void *memset(void *d, int v, size_t n)
{
    __builtin_memset(d, v, n);
    return d;
}

#endif /* TSF_NATIVE */

/*
 * tsf__alloc - offset of a fresh 16-aligned block of n bytes, 0 on failure.
 * The SDK calls this, never the export, so that a native module loaded
 * RTLD_GLOBAL beside others cannot have its calls bound to theirs.
 */
static int32_t tsf__alloc(uint64_t n)
{
    if (tsf__reserve(0) < 0)
        return 0;
    uint64_t start = tsf__top, end = start + n;
    if (end > TSF_MEMORY_LIMIT - 16 || tsf__reserve(end) < 0)
        return 0;
    tsf__top = tsf__align16(end);
    return (int32_t)start;
}

/* tsf_alloc - export: tsf__alloc for the host; negative sizes fail. */
TSF_EXPORT int32_t tsf_alloc(int32_t bytes)
{
    return bytes < 0 ? 0 : tsf__alloc((uint32_t)bytes);
}

/* tsf_alloc_ptr - pointer to n scratch bytes (16-aligned, not zeroed), NULL on failure. */
static inline void *tsf_alloc_ptr(uint64_t n)
{
    int32_t off = n < TSF_MEMORY_LIMIT ? tsf__alloc(n) : 0;
    return off ? tsf_ptr(off) : NULL;
}

/*
 * Unaligned little-endian loads and stores (wasm is little-endian and so is
 * every host we build for).  Moving 4 or 8 samples per access matters
 * under wasm2c, where each access costs more than natively.
 */
static inline uint32_t tsf_load_u32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t tsf_load_u64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void tsf_store_u32(void *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static inline void tsf_store_u64(void *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* ---- arithmetic -------------------------------------------------------- */

static inline uint8_t tsf_clamp_u8(int32_t v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* tsf_floor_i - floor of a float known to fit in int32. */
static inline int32_t tsf_floor_i(float v)
{
    int32_t i = (int32_t)v;
    return (float)i > v ? i - 1 : i;
}

static inline int32_t tsf_ceil_i(float v)
{
    int32_t i = (int32_t)v;
    return (float)i < v ? i + 1 : i;
}

/* tsf_round_i - nearest integer, halves rounded up: floor(v + 0.5). */
static inline int32_t tsf_round_i(float v)
{
    return tsf_floor_i(v + 0.5f);
}

/* tsf_f2u8 - float sample to u8: clamp to [0, 255], then round half up. */
static inline uint8_t tsf_f2u8(float v)
{
    v = v > 0.0f ? v : 0.0f; /* NaN lands here too */
    v = v < 255.0f ? v : 255.0f;
    return (uint8_t)(int32_t)(v + 0.5f);
}

/*
 * tsf_rshift_round - floor((x + 2^(s-1)) / 2^s) for |x| < 2^30, 1 <= s <= 30:
 * a rounding shift that is defined for negative x (>> on a negative int is
 * implementation-defined in C).
 */
static inline int32_t tsf_rshift_round(int32_t x, unsigned s)
{
    uint32_t biased = (uint32_t)x + (1u << 30) + (1u << (s - 1));
    return (int32_t)(biased >> s) - (int32_t)(1u << (30 - s));
}

/*
 * tsf_sqrtf - IEEE-exact square root: f32.sqrt in wasm, the instruction
 * natively.  __builtin_sqrtf alone would keep a call to libm's sqrtf for
 * errno's sake, an import the native module must not have.
 */
static inline float tsf_sqrtf(float v)
{
#if defined(TSF_NATIVE) && defined(__x86_64__) && defined(__AVX__)
    /* the VEX form: a legacy-SSE instruction amid AVX code pays a state
     * transition each time (-march=native builds were 40x slower) */
    __asm__("vsqrtss %0, %0, %0" : "+x"(v));
    return v;
#elif defined(TSF_NATIVE) && defined(__x86_64__)
    __asm__("sqrtss %0, %0" : "+x"(v));
    return v;
#elif defined(TSF_NATIVE) && defined(__aarch64__)
    __asm__("fsqrt %s0, %s0" : "+w"(v));
    return v;
#else
    return __builtin_sqrtf(v);
#endif
}

/*
 * tsf_expf - e^x with the same bits everywhere (about 1 ulp from libm).
 * Cody-Waite reduction x = k ln2 + r, a degree-7 Taylor polynomial for
 * e^r, and 2^k put together from its bits.  Below -87 (and for NaN) the
 * result is 0: no denormals, so no flush-to-zero mode can change it.
 */
static inline float tsf_expf(float x)
{
    if (!(x > -87.0f))
        return 0.0f;
    if (x > 88.0f)
        return __builtin_inff();
    int32_t k = tsf_round_i(x * 1.44269504f);
    float r = x - (float)k * 0.693359375f;
    r = r - (float)k * -2.12194440e-4f;
    float e = 1.0f / 5040.0f;
    e = e * r + 1.0f / 720.0f;
    e = e * r + 1.0f / 120.0f;
    e = e * r + 1.0f / 24.0f;
    e = e * r + 1.0f / 6.0f;
    e = e * r + 0.5f;
    e = e * r + 1.0f;
    e = e * r + 1.0f;
    union { uint32_t u; float f; } scale = { (uint32_t)(k + 127) << 23 };
    return e * scale.f;
}

/* tsf_luma601 - Rec.601 luma, weights 77/150/29 of 256, rounded. */
static inline uint32_t tsf_luma601(uint32_t r, uint32_t g, uint32_t b)
{
    return (77 * r + 150 * g + 29 * b + 128) >> 8;
}

/* ---- pixels ------------------------------------------------------------ */

static inline int tsf_has_alpha(uint32_t ch)
{
    return (ch & 1) == 0;
}

/*
 * tsf_alpha_mask32 - 0xff on the alpha bytes of a 4-byte word that starts on
 * a pixel boundary, 0 elsewhere.  With 2 or 4 channels every multiple of 4
 * bytes is such a boundary; 1 and 3 channels have no alpha.
 */
static inline uint32_t tsf_alpha_mask32(uint32_t ch)
{
    return ch == 2 ? 0xff00ff00u : ch == 4 ? 0xff000000u : 0;
}

/* tsf_is_alpha - is byte i of a packed row (or image) an alpha sample? */
static inline int tsf_is_alpha(uint32_t i, uint32_t ch)
{
    return tsf_has_alpha(ch) && i % ch == ch - 1;
}

/* tsf_in_core - first byte of the core row y (0-based) of the input. */
static inline const uint8_t *tsf_in_core(const struct tsf_call *c, uint32_t y)
{
    return c->in + ((size_t)(y + c->halo) * c->in_w + c->halo) * c->ch;
}

/* tsf_sample_max - the largest sample of a depth: 255 or 65535. */
static inline uint32_t tsf_sample_max(uint32_t depth)
{
    return depth == 16 ? 65535u : 255u;
}

/* tsf_in16, tsf_out16 - the buffers of a 16-bit call as samples (the host's
 * buffers come from tsf_alloc, so they are aligned). */
static inline const uint16_t *tsf_in16(const struct tsf_call *c)
{
    return (const uint16_t *)(const void *)c->in;
}

static inline uint16_t *tsf_out16(const struct tsf_call *c)
{
    return (uint16_t *)(void *)c->out;
}

/* tsf_in_core16 - first sample of the core row y of a 16-bit input. */
static inline const uint16_t *tsf_in_core16(const struct tsf_call *c, uint32_t y)
{
    return tsf_in16(c) + ((size_t)(y + c->halo) * c->in_w + c->halo) * c->ch;
}

/* tsf_copy_alpha - copy the core's alpha into out; nothing without alpha. */
static inline void tsf_copy_alpha(const struct tsf_call *c)
{
    uint32_t ch = c->ch, a = ch - 1;
    if (!tsf_has_alpha(ch))
        return;
    for (uint32_t y = 0; y < c->out_h; y++) {
        const uint8_t *s = tsf_in_core(c, y);
        uint8_t *d = c->out + (size_t)y * c->out_w * ch;
        for (uint32_t x = 0; x < c->out_w; x++)
            d[x * ch + a] = s[x * ch + a];
    }
}

/*
 * tsf_apply_lut - point filters: out = lut[in] on colour samples, alpha
 * copied.  One loop per channel count keeps the alpha test out of it
 * (bytes one at a time: the table lookups dominate, and wider loads only
 * add shifts).
 */
static inline void tsf_apply_lut(const struct tsf_call *c, const uint8_t lut[256])
{
    const uint8_t *s = c->in;
    uint8_t *d = c->out;
    uint32_t n = c->out_w * c->out_h;
    if (c->ch == 2) {
        for (uint32_t i = 0; i < n; i++, s += 2, d += 2) {
            d[0] = lut[s[0]];
            d[1] = s[1];
        }
    } else if (c->ch == 4) {
        for (uint32_t i = 0; i < n; i++, s += 4, d += 4) {
            d[0] = lut[s[0]];
            d[1] = lut[s[1]];
            d[2] = lut[s[2]];
            d[3] = s[3];
        }
    } else {
        n *= c->ch;
        for (uint32_t i = 0; i < n; i++)
            d[i] = lut[s[i]];
    }
}

#include "tsf_filter.h"

#endif /* TSF_H */
