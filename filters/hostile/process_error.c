/*
 * process_error.c - hostile: tsf_process returns error code 7, which no
 * ABI version defines.
 *
 * Not a trap: the host must fail the tile with kind "error" and a reason
 * naming the code ("error code 7"); the child keeps working.
 */
#include "tsf.h"

TSF_POINT_FILTER("process_error", "Hostile: tsf_process returns error code 7", "[1,2,3,4]",
                 TSF_NO_PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    (void)c;
    return 7;
}
