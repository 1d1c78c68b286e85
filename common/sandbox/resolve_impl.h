/*
 * resolve_impl.h - what resolve.c lends the listing of filters
 * (resolve_list.c), and nothing else.
 */
#ifndef TS_RESOLVE_IMPL_H
#define TS_RESOLVE_IMPL_H

#include "filter.h"

/* resolve_describe_module - a fresh instance of m checked for its ABI
 * version and describing itself into d (the text into json,
 * FILTER_DESC_MAX); the instance is left in *keep.  Returns 0 or -1. */
int resolve_describe_module(struct filter_module *m, struct filter_desc *d, char *json,
                            struct filter_inst **keep, char *err);

/* resolve_default_halo - the halo of fi's filter (module m, described as
 * d) with every param at its default; -1 when it refuses them or has
 * none (geometry). */
int resolve_default_halo(struct filter_module *m, struct filter_inst *fi,
                         const struct filter_desc *d);

#endif
