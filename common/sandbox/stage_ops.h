/*
 * stage_ops.h - the three things the host asks of a stage, the same for
 * ABI v1 and v2 modules (filters/ABI.md, docs/spool.md "The plan"):
 *
 *   plan    what image the stage makes of its input image
 *   region  which rectangle of its input a rectangle of its output needs
 *   run     compute that output rectangle from that input rectangle
 *
 * A v2 module answers through tsf_plan, tsf_region and tsf_run, each
 * asked in a fresh instance (plan and region here; run in the instance
 * exec.c sets up).  A v1 module keeps its image (plan is the identity,
 * for the channel counts it takes and 8-bit samples), needs its halo on
 * every side (region) and runs tsf_process.  Every answer of a module is
 * checked before the host uses it, and a bad one is an error naming it.
 */
#ifndef TS_STAGE_OPS_H
#define TS_STAGE_OPS_H

#include "filter.h"
#include "plan.h"

/* Returned by stage_op_plan when the stage refuses the image or the
 * user's parameters (a usage error, not a fault of the module). */
#define STAGE_REFUSED (-4)

/* What a run of one stage finds where in its instance's memory. */
struct stage_call {
    struct plan_image in, out;           /* the stage's whole input and output images */
    struct plan_rect in_rect, out_rect;  /* its input buffer and output, in those images */
    uint32_t params, in_px, out_px;      /* offsets in the instance */
    uint32_t args;                       /* v2: the argument block (FILTER_ARGS_BYTES) */
};

/* stage_op_plan - image *out that stage s (module m) makes of image *in,
 * asked in a fresh instance capped at max_memory bytes; out may hold at
 * most max_pixels pixels.  Returns 0; STAGE_REFUSED with err when the
 * stage does not take that image (channels, depth) or its parameters for
 * it, or the output is too large; -1, FILTER_TRAP or FILTER_LIMIT with err
 * naming the module when its answer is unusable or it failed. */
int stage_op_plan(struct filter_module *m, const struct stage_spec *s,
                  const struct plan_image *in, uint64_t max_pixels, uint64_t max_memory,
                  struct plan_image *out, char *err);

/* stage_op_region - the input rectangle *want that output rectangle
 * *out_rect of stage s needs, in a fresh instance for a v2 module.  For
 * kinds other than geometry the answer must grow out_rect by the same
 * margin on every side.  Returns 0, or -1 / FILTER_TRAP / FILTER_LIMIT
 * with err naming the module; plan_tile checks the rest. */
int stage_op_region(struct filter_module *m, const struct stage_spec *s,
                    const struct plan_image *in, const struct plan_image *out,
                    const struct plan_rect *out_rect, uint64_t max_memory,
                    struct plan_rect *want, char *err);

/* stage_op_run - run stage s in fi as c says (v2: the argument block is
 * written at c->args first).  *status is the module's return code.
 * Returns 0, -1 or FILTER_TRAP with err. */
int stage_op_run(struct filter_inst *fi, const struct stage_spec *s, const struct stage_call *c,
                 int32_t *status, char *err);

/* stage_status_text - what a module's error code means (filters/ABI.md). */
const char *stage_status_text(int32_t status);

/* stage_is_v2 - 1 if s is run through the ABI v2 calls. */
static inline int stage_is_v2(const struct stage_spec *s)
{
    return s->abi == 2;
}

#endif
