/*
 * tsf_filter.h - the declaration part of the filter SDK, included by tsf.h
 * (never by a filter directly): the macros a filter declares itself with
 * (TSF_FILTER and the others tsf.h lists), the describe JSON they build,
 * parameter reading, and the exports tsf_abi_version, tsf_describe,
 * tsf_halo and tsf_process.  tsf_global.h and tsf_plan.h, included at its
 * end, add the global and the version 2 exports.
 */
#ifndef TSF_FILTER_H
#define TSF_FILTER_H

/* ---- describe and the exports ------------------------------------------ */

struct tsf__param {
    float def, lo, hi;
};

struct tsf__info {
    const char *json_head;      /* up to and including "params":[ */
    const char *json_params;    /* ",{...}" per param, leading comma */
    const char *channels;       /* "[1,2,3,4]" */
    const char *depths;         /* "[8]" or "[8,16]" */
    const char *json_choices;   /* ",\"name\":[...]" per choice list, leading comma */
    uint32_t nparams;
    const struct tsf__param *param;
    /* global filters: ",\"stats\":[...]", the block's size, filter_analyze */
    const char *json_stats;
    uint32_t stats_bytes;
    int32_t (*analyze)(const struct tsf_call *c);
    /* filter_channels, or NULL when the channel count is kept */
    int32_t (*channels_out)(const float *p, uint32_t in_ch);
    /* geometry filters: filter_plan and filter_region, NULL otherwise */
    int32_t (*plan)(const float *p, const struct tsf_image *in, struct tsf_image *out);
    int32_t (*region)(const float *p, const struct tsf_image *in, const struct tsf_image *out,
                      const struct tsf_rect *out_rect, struct tsf_rect *in_rect);
};

/* Defined by TSF_FILTER and the other macros. */
static const struct tsf__info tsf__info;

#define TSF__P_ENUM(n, d, lo, hi, s) P_##n,
#define TSF__P_RANGE(n, d, lo, hi, s) {(float)(d), (float)(lo), (float)(hi)},
#define TSF__P_JSON(n, d, lo, hi, s) \
    ",{\"name\":\"" #n "\",\"default\":" #d ",\"min\":" #lo ",\"max\":" #hi \
    ",\"summary\":\"" s "\"}"
/* a choice list's names are string literals: stringified, they are JSON */
#define TSF__C_JSON(n, ...) ",\"" #n "\":[" #__VA_ARGS__ "]"
#define TSF__C_COUNT(n, ...) \
    TSF_NCHOICES_##n = sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *),

/* TSF_NO_PARAMS - the PARAMS list of a filter without parameters. */
#define TSF_NO_PARAMS(X)
/* TSF_NO_CHOICES - the CHOICES list of a filter without named values. */
#define TSF_NO_CHOICES(X)

/*
 * TSF__FILTER - what every macro below declares: the P_ and TSF_NCHOICES_
 * constants, the ranges and tsf__info, with the hooks CH (filter_channels),
 * PLAN and REGION (geometry) or 0.  Parameters are named f* so that they
 * stay clear of the member designators.
 */
#define TSF__FILTER(fname, fsummary, fkind, fchannels, fdepths, PARAMS, CHOICES, CH, PLAN,   \
                    REGION)                                                                    \
    enum { PARAMS(TSF__P_ENUM) TSF_NPARAMS };                                                  \
    enum { CHOICES(TSF__C_COUNT) TSF__NCHOICE_LISTS };                                         \
    _Static_assert(TSF_NPARAMS <= TSF_MAX_PARAMS, "too many params");                          \
    static const struct tsf__param tsf__param[] = {PARAMS(TSF__P_RANGE){0, 0, 0}};             \
    static const struct tsf__info tsf__info = {                                                \
        .json_head = "{\"name\":\"" fname "\",\"summary\":\"" fsummary "\",\"kind\":\"" fkind \
                     "\",\"channels\":" fchannels ",\"depths\":" fdepths ",\"params\":[",     \
        .json_params = "" PARAMS(TSF__P_JSON),                                                 \
        .channels = fchannels,                                                                 \
        .depths = fdepths,                                                                     \
        .json_choices = "" CHOICES(TSF__C_JSON),                                               \
        .nparams = TSF_NPARAMS,                                                                \
        .param = tsf__param,                                                                   \
        .json_stats = "",                                                                      \
        .channels_out = CH,                                                                    \
        .plan = PLAN,                                                                          \
        .region = REGION}

/*
 * TSF_FILTER - declare the filter: name, summary, kind, channels JSON, PARAMS.
 * TSF_FILTER2 adds depths and CHOICES.  Both end in a prototype of
 * filter_halo, so they take a ';' after them like any declaration.
 */
#define TSF_FILTER(name, summary, kind, channels, PARAMS) \
    TSF_FILTER2(name, summary, kind, channels, "[8]", PARAMS, TSF_NO_CHOICES)

#define TSF_FILTER2(name, summary, kind, channels, depths, PARAMS, CHOICES)            \
    TSF__FILTER(name, summary, kind, channels, depths, PARAMS, CHOICES, 0, 0, 0);      \
    static int32_t filter_halo(const float *p)

/* TSF_POINT_FILTER, TSF_POINT_FILTER2 - kind "point": halo 0, filter_halo supplied. */
#define TSF_POINT_FILTER(name, summary, channels, PARAMS) \
    TSF_POINT_FILTER2(name, summary, channels, "[8]", PARAMS, TSF_NO_CHOICES)

#define TSF_POINT_FILTER2(name, summary, channels, depths, PARAMS, CHOICES) \
    TSF_FILTER2(name, summary, "point", channels, depths, PARAMS, CHOICES)  \
    {                                                                       \
        (void)p;                                                            \
        return 0;                                                           \
    }                                                                       \
    static int32_t filter_halo(const float *p)

/*
 * TSF_CHANNEL_FILTER - a point or neighborhood filter that changes the
 * channel count: it defines filter_halo, filter_channels and
 * filter_process.  Ends in a prototype of filter_halo.
 */
#define TSF_CHANNEL_FILTER(name, summary, kind, channels, depths, PARAMS, CHOICES)           \
    static int32_t filter_channels(const float *p, uint32_t in_ch);                          \
    TSF__FILTER(name, summary, kind, channels, depths, PARAMS, CHOICES, filter_channels, 0, \
                0);                                                                          \
    static int32_t filter_halo(const float *p)

/*
 * TSF_GEOMETRY_FILTER - kind "geometry": the filter defines filter_plan,
 * filter_region and filter_process (tsf_plan.h).  Its tsf_halo says -1,
 * so version 1 calls fail.  Ends in a prototype of filter_plan.
 */
#define TSF_GEOMETRY_FILTER(name, summary, channels, depths, PARAMS, CHOICES)                  \
    static int32_t filter_plan(const float *p, const struct tsf_image *in,                     \
                               struct tsf_image *out);                                         \
    static int32_t filter_region(const float *p, const struct tsf_image *in,                   \
                                 const struct tsf_image *out, const struct tsf_rect *out_rect, \
                                 struct tsf_rect *in_rect);                                    \
    TSF__FILTER(name, summary, "geometry", channels, depths, PARAMS, CHOICES, 0, filter_plan, \
                filter_region);                                                                \
    static int32_t filter_halo(const float *p)                                                 \
    {                                                                                          \
        (void)p;                                                                               \
        return -1;                                                                             \
    }                                                                                          \
    static int32_t filter_plan(const float *p, const struct tsf_image *in,                     \
                               struct tsf_image *out)

static uint32_t tsf__strlen(const char *s)
{
    uint32_t n = 0;
    while (s[n])
        n++;
    return n;
}

static char *tsf__append(char *d, const char *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        d[i] = s[i];
    return d + n;
}

TSF_EXPORT int32_t tsf_abi_version(void)
{
    return TSF_ABI_VERSION;
}

static void tsf__params(int32_t off, float *p);

/*
 * tsf__channels_json - ",\"channels_out\":[...]" into d (32 bytes will do):
 * filter_channels with default params for each declared count, 0 where
 * it refuses one; nothing when the filter keeps the count.  Returns the end.
 */
static char *tsf__channels_json(char *d)
{
    float p[TSF_MAX_PARAMS];
    const char *sep = "[";
    if (!tsf__info.channels_out)
        return d;
    tsf__params(0, p);
    d = tsf__append(d, ",\"channels_out\":", 16);
    for (const char *s = tsf__info.channels; *s; s++) {
        if (*s < '1' || *s > '4')
            continue;
        int32_t n = tsf__info.channels_out(p, (uint32_t)(*s - '0'));
        char digit = (char)('0' + (n >= 1 && n <= 4 ? n : 0));
        d = tsf__append(d, sep, 1);
        d = tsf__append(d, &digit, 1);
        sep = ",";
    }
    return tsf__append(d, *sep == '[' ? "[]" : "]", *sep == '[' ? 2 : 1);
}

/* tsf_describe - export: offset of the describe JSON, built in fresh memory. */
TSF_EXPORT int32_t tsf_describe(void)
{
    const char *params = tsf__info.json_params;
    params += params[0] == ',';
    uint32_t nh = tsf__strlen(tsf__info.json_head), np = tsf__strlen(params);
    const char *stats = tsf__info.json_stats, *choices = tsf__info.json_choices;
    stats += stats[0] == ',';
    choices += choices[0] == ',';
    uint32_t ns = tsf__strlen(stats), nc = tsf__strlen(choices);
    int32_t off = tsf__alloc(nh + np + ns + nc + 14 + 32 + 13);
    if (!off)
        return 0;
    char *d = (char *)tsf_ptr(off);
    d = tsf__append(d, tsf__info.json_head, nh);
    d = tsf__append(d, params, np);
    d = tsf__append(d, "]", 1);
    if (ns) {
        d = tsf__append(d, ",\"stats\":[", 10);
        d = tsf__append(d, stats, ns);
        d = tsf__append(d, "]", 1);
    }
    d = tsf__channels_json(d);
    if (nc) {
        d = tsf__append(d, ",\"choices\":{", 12);
        d = tsf__append(d, choices, nc);
        d = tsf__append(d, "}", 1);
    }
    tsf__append(d, "}", 2);
    return off;
}

/* tsf__params - the param values at offset off into p (defaults if off is 0). */
static void tsf__params(int32_t off, float *p)
{
    for (uint32_t i = 0; i < tsf__info.nparams; i++) {
        const struct tsf__param *d = &tsf__info.param[i];
        float v = d->def;
        if (off)
            __builtin_memcpy(&v, tsf_ptr(off) + 4 * (size_t)i, 4);
        if (v != v)
            v = d->def;
        p[i] = v < d->lo ? d->lo : v > d->hi ? d->hi : v;
    }
}

/* tsf_halo - export: the halo radius these params need. */
TSF_EXPORT int32_t tsf_halo(int32_t params)
{
    float p[TSF_MAX_PARAMS];
    tsf__params(params, p);
    return filter_halo(p);
}

/* tsf__channels_ok - is ch a digit of the declared channels list? */
static int tsf__channels_ok(int32_t ch)
{
    for (const char *s = tsf__info.channels; *s; s++)
        if (*s >= '1' && *s <= '4' && *s - '0' == ch)
            return 1;
    return 0;
}

/*
 * tsf__disjoint - do [a, a+na) and [b, b+nb) lie in allocated memory without
 * overlapping?  Checked here so that a bad call is an error, not a trap.
 */
static int tsf__disjoint(uint32_t a, uint64_t na, uint32_t b, uint64_t nb)
{
    if (a == 0 || b == 0 || a + na > tsf__top || b + nb > tsf__top)
        return 0;
    return a + na <= b || b + nb <= a;
}

/*
 * tsf__call_whole - the version 2 fields of a version 1 call c: 8-bit, the
 * channel count kept, and its tile (the core) the whole image.
 */
static void tsf__call_whole(struct tsf_call *c)
{
    struct tsf_image whole = {c->out_w, c->out_h, c->ch, 8};
    int32_t h = (int32_t)c->halo;
    c->out_ch = c->ch;
    c->depth = c->out_depth = 8;
    c->src = c->dst = whole;
    c->in_rect = (struct tsf_rect){-h, -h, c->in_w, c->in_h};
    c->out_rect = (struct tsf_rect){0, 0, c->out_w, c->out_h};
}

/*
 * tsf__setup - check a tsf_process/tsf_apply call and fill c from it.
 * Returns 0 or the error code.
 */
static int32_t tsf__setup(struct tsf_call *c, int32_t in, int32_t in_w, int32_t in_h,
                          int32_t out, int32_t out_w, int32_t out_h, int32_t channels,
                          int32_t params)
{
    if (!tsf__channels_ok(channels))
        return TSF_ECHANNELS;
    tsf__params(params, c->p);
    int64_t h = filter_halo(c->p);
    if (h < 0 || out_w < 1 || out_h < 1 || (int64_t)in_w != out_w + 2 * h ||
        (int64_t)in_h != out_h + 2 * h)
        return TSF_EBADARG;
    uint64_t in_n = (uint64_t)in_w * (uint64_t)in_h * (uint64_t)channels;
    uint64_t out_n = (uint64_t)out_w * (uint64_t)out_h * (uint64_t)channels;
    if (!tsf__disjoint((uint32_t)in, in_n, (uint32_t)out, out_n))
        return TSF_EBADARG;
    c->in = tsf_ptr(in);
    c->in_w = (uint32_t)in_w;
    c->in_h = (uint32_t)in_h;
    c->out = tsf_ptr(out);
    c->out_w = (uint32_t)out_w;
    c->out_h = (uint32_t)out_h;
    c->ch = (uint32_t)channels;
    c->halo = (uint32_t)h;
    c->stats = c->ref = c->acc = NULL;
    tsf__call_whole(c);
    /* version 1 keeps the channel count; a filter that would not cannot run */
    if (tsf__info.channels_out && tsf__info.channels_out(c->p, c->ch) != (int32_t)c->ch)
        return TSF_ECHANNELS;
    return TSF_OK;
}

#include "tsf_global.h"
#include "tsf_plan.h"

/* tsf_process - export: check the call, then run the filter. */
TSF_EXPORT int32_t tsf_process(int32_t in, int32_t in_w, int32_t in_h, int32_t out,
                               int32_t out_w, int32_t out_h, int32_t channels,
                               int32_t params)
{
    struct tsf_call c;
    int32_t rc = tsf__setup(&c, in, in_w, in_h, out, out_w, out_h, channels, params);
    if (rc != TSF_OK)
        return rc;
    if (tsf__info.analyze)
        return tsf__global_process(&c);
    return filter_process(&c);
}

#endif /* TSF_FILTER_H */
