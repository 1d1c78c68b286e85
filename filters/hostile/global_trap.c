/*
 * global_trap.c - hostile: a global filter that traps in tsf_analyze
 * (at=0, pass 1) or in tsf_apply (at=1, pass 2).
 *
 * The host must fail every tile with "Unreachable instruction executed",
 * in the pass the trap is in, merge nothing after a pass-1 trap, and
 * carry on with other jobs.
 */
#include "tsf.h"

#define PARAMS(X) X(at, 0, 0, 1, "0 trap while analysing, 1 while applying")
#define STATS(X) X(count, 1, sum)
TSF_GLOBAL_FILTER("global_trap", "Hostile: traps in pass 1 or 2", "[1,2,3,4]", PARAMS,
                  STATS);

static int32_t filter_analyze(const struct tsf_call *c)
{
    struct tsf_stats *s = c->acc;
    if (c->p[P_at] < 0.5f)
        __builtin_trap();
    s->count[0] = (uint64_t)c->out_w * c->out_h;
    return TSF_OK;
}

static int32_t filter_process(const struct tsf_call *c)
{
    (void)c;
    __builtin_trap();
}
