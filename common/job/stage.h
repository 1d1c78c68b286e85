/*
 * stage.h - what a job says about each filter of its chain: a filter's
 * description (what it declares about itself when asked to describe:
 * kind, channels, parameters, statistics) and a chain stage resolved
 * against it (struct stage_spec, what the manifest records).  Pure data
 * and its parsing; loading and running filters is the sandbox's
 * (filter.h).
 */
#ifndef TS_STAGE_H
#define TS_STAGE_H

#include "chain.h"
#include "hash.h"

#include <limits.h>
#include <stdint.h>

#define FILTER_NAME_MAX 64
#define FILTER_DESC_MAX 65536

/* A parameter with named values ("choices", filters/ABI.md): the value
 * passed is the index of the name, min is 0 and max nchoices - 1. */
#define FILTER_CHOICES_MAX 16
#define FILTER_CHOICE_NAME_MAX 33    /* 32 characters [a-z0-9_] and the NUL */

struct filter_param_desc {
    char name[FILTER_NAME_MAX];
    double def, min, max;
    int is_path;                 /* type "path": a file name, not a number */
    int nchoices;                /* 0: a plain number */
    char choices[FILTER_CHOICES_MAX][FILTER_CHOICE_NAME_MAX];
};

/* Sample depths, as bits of `depths` masks. */
#define STAGE_DEPTH_8 1u
#define STAGE_DEPTH_16 2u

/* stage_depth_bit - the depths bit of 8 or 16 bits per sample, else 0. */
static inline unsigned stage_depth_bit(int depth)
{
    return depth == 8 ? STAGE_DEPTH_8 : depth == 16 ? STAGE_DEPTH_16 : 0u;
}

/* The statistics block of a global filter (filters/ABI.md): fields of
 * uint64_t values, each merged across tiles by its rule. */
#define STATS_MAX_FIELDS 16
#define STATS_MAX_VALUES 65536
enum stats_merge { STATS_SUM, STATS_MIN, STATS_MAX };

struct stats_layout {
    int nfields;
    uint32_t nvalues;            /* sum of the counts: the block is 8 * nvalues bytes */
    struct {
        char name[FILTER_NAME_MAX];
        uint32_t count;
        enum stats_merge merge;
    } f[STATS_MAX_FIELDS];
};

struct filter_desc {
    char name[FILTER_NAME_MAX];
    char summary[256];
    char kind[16];               /* point | neighborhood | geometry | global */
    unsigned channels_mask;      /* bit n set: n channels supported */
    unsigned depths;             /* STAGE_DEPTH_* bits; "depths" absent: 8 only */
    int channels_out[5];         /* [n]: output channels for n in (informative), 0: not said */
    int nparams;
    struct filter_param_desc params[CHAIN_MAX_PARAMS];
    struct stats_layout stats;   /* kind global only */
};

/* A chain stage with everything resolved: what the manifest records. */
struct stage_spec {
    char name[FILTER_NAME_MAX];
    char path[PATH_MAX];         /* a user's module (usercache.h): its absolute path */
    struct hash hash;            /* of the module's .wasm (hash.h) */
    int halo;                    /* ABI v1 modules; 0 for v2 */
    char kind[16];
    int abi;                     /* the module's ABI version, 1 or 2 */
    unsigned channels_mask;
    unsigned depths;             /* STAGE_DEPTH_* bits */
    int nparams;
    char param_names[CHAIN_MAX_PARAMS][FILTER_NAME_MAX];
    float params[CHAIN_MAX_PARAMS];
    struct stats_layout stats;   /* kind global only */
    char ref_path[PATH_MAX];     /* a global filter's reference image, or "" */
    struct hash ref_hash;        /* of its content */
};

/* stage_parse_desc - parse describe JSON into d; returns 0 or -1. */
int stage_parse_desc(const char *json, const char *module, struct filter_desc *d,
                     char *err);

/* stage_bind_params - validate a stage's user params against d (names,
 * numbers, ranges; a param with choices takes a name or an index) and
 * fill out->params in declared order, defaults for the rest.  Returns 0,
 * or -1 with err naming the filter and the param. */
int stage_bind_params(const struct filter_desc *d, const struct chain_stage *st,
                      struct stage_spec *out, char *err);

/* stage_stats_merge - merge statistics block v into acc by l's rules.
 * Returns 0, or -1 with err when a sum overflows 64 bits. */
int stage_stats_merge(const struct stats_layout *l, uint64_t *acc, const uint64_t *v,
                      char *err);

#endif
