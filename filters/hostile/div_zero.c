/*
 * div_zero.c - hostile: integer division by zero.
 *
 * i32.div_u by 0 traps in WebAssembly (it is undefined in C, but the
 * wasm instruction is defined to trap).  The host must fail the tile with
 * "Integer divide by zero" and replace the child.
 */
#include "tsf.h"

TSF_POINT_FILTER("div_zero", "Hostile: divides an integer by zero", "[1,2,3,4]",
                 TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    /* volatile: the compiler must not fold or drop the division */
    volatile uint32_t zero = 0;
    c->out[0] = (uint8_t)(c->out_w / zero);
    return TSF_OK;
}
