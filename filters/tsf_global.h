/*
 * tsf_global.h - the global-filter part of the filter SDK, included by
 * tsf_filter.h (never by a filter directly): TSF_GLOBAL_FILTER and
 * TSF_GLOBAL_FILTER_REF, the tsf_analyze and tsf_apply exports they
 * define, and the histogram helpers the bundled global filters share.
 * filters/ABI.md ("Global filters") is the contract.
 */
#ifndef TSF_GLOBAL_H
#define TSF_GLOBAL_H

/* ---- global filters ---------------------------------------------------- */

/*
 * A global filter sees the whole image through statistics: tsf_analyze
 * turns each tile's core into a fixed-size block (struct tsf_stats, an
 * array of uint64_t fields declared with a merge rule each), the host
 * merges the blocks of all tiles, and tsf_apply filters each tile with
 * the merged block (and the reference image's block, if the filter takes
 * one).  The halo is always 0.
 *
 *     #define STATS(X) X(hist, 1024, sum)
 *     TSF_GLOBAL_FILTER("equalize", "...", "[1,2,3,4]", PARAMS, STATS);
 *     static int32_t filter_analyze(const struct tsf_call *c)  { c->acc ... }
 *     static int32_t filter_process(const struct tsf_call *c)  { c->stats ... }
 *
 * filter_analyze reads the core (tsf_in_core; out_w x out_h pixels, in
 * has c->halo pixels more on every side) and adds to the block c->acc,
 * which the SDK has zeroed.  filter_process gets the merged block in
 * c->stats and the reference's in c->ref (NULL when there is none).
 * tsf_process on a global filter treats its tile as the whole image:
 * analyze, then apply with that block and no reference.
 */

#define TSF__S_FIELD(n, count, merge) uint64_t n[count];
#define TSF__S_JSON(n, count, merge) \
    ",{\"name\":\"" #n "\",\"count\":" #count ",\"merge\":\"" #merge "\"}"

/* tsf__global_process - tsf_process of a global filter (see above). */
static int32_t tsf__global_process(struct tsf_call *c)
{
    void *acc = tsf_alloc_ptr(tsf__info.stats_bytes);
    if (!acc)
        return TSF_ENOMEM;
    __builtin_memset(acc, 0, tsf__info.stats_bytes);
    c->acc = acc;
    int32_t rc = tsf__info.analyze(c);
    c->acc = NULL;
    c->stats = acc;
    return rc != TSF_OK ? rc : filter_process(c);
}

/* tsf__analyze - tsf_analyze: check the call, zero the block, analyze. */
static inline int32_t tsf__analyze(int32_t in, int32_t in_w, int32_t in_h, int32_t halo,
                                   int32_t channels, int32_t params, int32_t stats)
{
    struct tsf_call c;
    if (!tsf__channels_ok(channels))
        return TSF_ECHANNELS;
    tsf__params(params, c.p);
    int64_t cw = (int64_t)in_w - 2 * (int64_t)halo, chh = (int64_t)in_h - 2 * (int64_t)halo;
    if (halo < 0 || cw < 1 || chh < 1)
        return TSF_EBADARG;
    uint64_t in_n = (uint64_t)in_w * (uint64_t)in_h * (uint64_t)channels;
    if (!tsf__disjoint((uint32_t)in, in_n, (uint32_t)stats, tsf__info.stats_bytes))
        return TSF_EBADARG;
    c.in = tsf_ptr(in);
    c.in_w = (uint32_t)in_w;
    c.in_h = (uint32_t)in_h;
    c.out = NULL;
    c.out_w = (uint32_t)cw;
    c.out_h = (uint32_t)chh;
    c.ch = (uint32_t)channels;
    c.halo = (uint32_t)halo;
    c.stats = c.ref = NULL;
    tsf__call_whole(&c);
    c.acc = tsf_ptr(stats);
    __builtin_memset(c.acc, 0, tsf__info.stats_bytes);
    return tsf__info.analyze(&c);
}

/* tsf__apply - tsf_apply: tsf_process's checks, plus the blocks' places. */
static inline int32_t tsf__apply(int32_t in, int32_t in_w, int32_t in_h, int32_t out,
                                 int32_t out_w, int32_t out_h, int32_t channels,
                                 int32_t params, int32_t stats, int32_t ref)
{
    struct tsf_call c;
    int32_t rc = tsf__setup(&c, in, in_w, in_h, out, out_w, out_h, channels, params);
    if (rc != TSF_OK)
        return rc;
    uint64_t out_n = (uint64_t)out_w * (uint64_t)out_h * (uint64_t)channels;
    uint32_t sb = tsf__info.stats_bytes;
    if (!tsf__disjoint((uint32_t)out, out_n, (uint32_t)stats, sb) ||
        (ref && !tsf__disjoint((uint32_t)out, out_n, (uint32_t)ref, sb)))
        return TSF_EBADARG;
    c.stats = tsf_ptr(stats);
    c.ref = ref ? tsf_ptr(ref) : NULL;
    return filter_process(&c);
}

/*
 * Histogram statistics, shared by the bundled global filters: TSF_HIST4
 * is 4 x 256 counters merged by sum.  Slots 0-2 count the colour
 * channels (R, G, B; a gray image counts its gray in all three), slot 3
 * the luma (tsf_luma601; gray itself for gray).  Alpha is not counted.
 */
#define TSF_HIST4(X) X(hist, 1024, sum)
#define TSF_HIST_LUMA 3

/* tsf_hist4_add - add the core of c's input to h[1024] (see TSF_HIST4). */
static inline void tsf_hist4_add(const struct tsf_call *c, uint64_t *h)
{
    uint32_t ch = c->ch, w = c->out_w;
    for (uint32_t y = 0; y < c->out_h; y++) {
        const uint8_t *s = tsf_in_core(c, y);
        if (ch <= 2) {
            for (uint32_t x = 0; x < w; x++)
                h[s[x * ch]]++;
            continue;
        }
        for (uint32_t x = 0; x < w; x++, s += ch) {
            h[s[0]]++;
            h[256 + s[1]]++;
            h[512 + s[2]]++;
            h[768 + tsf_luma601(s[0], s[1], s[2])]++;
        }
    }
    if (ch <= 2)
        for (uint32_t v = 0; v < 256; v++)
            h[256 + v] = h[512 + v] = h[768 + v] = h[v];
}

/* TSF_HIST4_ANALYZE - the whole analyze of a filter whose statistics are
 * TSF_HIST4, written where its filter_analyze would be. */
#define TSF_HIST4_ANALYZE                                                 \
    static int32_t filter_analyze(const struct tsf_call *c)               \
    {                                                                     \
        tsf_hist4_add(c, ((struct tsf_stats *)c->acc)->hist);             \
        return TSF_OK;                                                    \
    }

/* tsf_hist_slot - the slot of h for colour channel k of a ch-channel image. */
static inline const uint64_t *tsf_hist_slot(const uint64_t *h, uint32_t ch, uint32_t k)
{
    return h + 256 * (ch <= 2 ? TSF_HIST_LUMA : k);
}

/* tsf_hist_total - the pixel count of one slot. */
static inline uint64_t tsf_hist_total(const uint64_t *slot)
{
    uint64_t n = 0;
    for (uint32_t v = 0; v < 256; v++)
        n += slot[v];
    return n;
}

/* tsf_apply_luts - colour channel k through lut[k] (3 tables; gray uses
 * lut[0]), alpha copied. */
static inline void tsf_apply_luts(const struct tsf_call *c, const uint8_t lut[3][256])
{
    uint32_t ch = c->ch, colours = ch <= 2 ? 1 : 3;
    size_t n = (size_t)c->out_w * c->out_h;
    const uint8_t *s = c->in;
    uint8_t *d = c->out;
    for (size_t i = 0; i < n; i++, s += ch, d += ch) {
        for (uint32_t k = 0; k < colours; k++)
            d[k] = lut[k][s[k]];
        if (colours < ch)
            d[ch - 1] = s[ch - 1];
    }
}

/* The path parameter of TSF_GLOBAL_FILTER_REF, or none. */
#define TSF__XE_NONE(ref)
#define TSF__XE_REF(ref) P_##ref,
#define TSF__XR_NONE
#define TSF__XR_REF {0, 0, 1},

/* TSF__GLOBAL - the two global macros below; XE(ref), XR, XJ add a path param. */
#define TSF__GLOBAL(name, summary, fchannels, PARAMS, STATS, XE, XR, ref, XJ)               \
    struct tsf_stats { STATS(TSF__S_FIELD) };                                              \
    enum { PARAMS(TSF__P_ENUM) XE(ref) TSF_NPARAMS };                                      \
    _Static_assert(TSF_NPARAMS <= TSF_MAX_PARAMS, "too many params");                      \
    static const struct tsf__param tsf__param[] = {PARAMS(TSF__P_RANGE) XR{0, 0, 0}};     \
    static int32_t filter_analyze(const struct tsf_call *c);                              \
    static const struct tsf__info tsf__info = {                                            \
        .json_head = "{\"name\":\"" name "\",\"summary\":\"" summary "\","                 \
                     "\"kind\":\"global\",\"channels\":" fchannels ",\"depths\":[8],"          \
                     "\"params\":[",                                                       \
        .json_params = "" PARAMS(TSF__P_JSON) XJ,                                          \
        .channels = fchannels,                                                             \
        .depths = "[8]",                                                                   \
        .json_choices = "",                                                                \
        .nparams = TSF_NPARAMS,                                                            \
        .param = tsf__param,                                                               \
        .json_stats = "" STATS(TSF__S_JSON),                                               \
        .stats_bytes = sizeof(struct tsf_stats),                                           \
        .analyze = filter_analyze};                                                        \
    /* argument names a0.. keep clear of the macro's parameters */                        \
    TSF_EXPORT int32_t tsf_analyze(int32_t a0, int32_t a1, int32_t a2, int32_t a3,         \
                                   int32_t a4, int32_t a5, int32_t a6)                     \
    {                                                                                      \
        return tsf__analyze(a0, a1, a2, a3, a4, a5, a6);                                   \
    }                                                                                      \
    TSF_EXPORT int32_t tsf_apply(int32_t a0, int32_t a1, int32_t a2, int32_t a3,           \
                                 int32_t a4, int32_t a5, int32_t a6, int32_t a7,           \
                                 int32_t a8, int32_t a9)                                   \
    {                                                                                      \
        return tsf__apply(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);                         \
    }                                                                                      \
    static int32_t filter_halo(const float *p)                                             \
    {                                                                                      \
        (void)p;                                                                           \
        return 0;                                                                          \
    }                                                                                      \
    static int32_t filter_analyze(const struct tsf_call *c)

/*
 * TSF_GLOBAL_FILTER - declare a global filter: name, summary, channels
 * JSON, PARAMS, STATS (X(field, count, sum|min|max) per uint64_t field).
 * Ends in a prototype of filter_analyze: put a ';' after it.
 */
#define TSF_GLOBAL_FILTER(name, summary, channels, PARAMS, STATS) \
    TSF__GLOBAL(name, summary, channels, PARAMS, STATS, TSF__XE_NONE, TSF__XR_NONE, none, "")

/*
 * TSF_GLOBAL_FILTER_REF - the same with a reference image: one more
 * parameter `ref`, of type path, after PARAMS.  The host requires it,
 * computes the image's statistics once per job with this filter's
 * analyze, and passes them as c->ref; c->p[P_<ref>] is 1.
 */
#define TSF_GLOBAL_FILTER_REF(name, summary, channels, PARAMS, STATS, ref, refsummary)    \
    TSF__GLOBAL(name, summary, channels, PARAMS, STATS, TSF__XE_REF, TSF__XR_REF, ref,     \
                ",{\"name\":\"" #ref "\",\"type\":\"path\",\"summary\":\"" refsummary "\"}")

#endif /* TSF_GLOBAL_H */
