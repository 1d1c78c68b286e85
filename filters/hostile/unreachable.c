/*
 * unreachable.c - hostile: executes the wasm `unreachable` instruction
 * (what __builtin_trap and a failed assert compile to).
 *
 * The host must fail the tile with "Unreachable instruction executed" and
 * replace the child.
 */
#include "tsf.h"

TSF_POINT_FILTER("unreachable", "Hostile: executes unreachable", "[1,2,3,4]",
                 TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    (void)c;
    __builtin_trap();
}
