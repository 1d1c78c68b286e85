/*
 * global_noexports.c - hostile: describes itself as kind "global", with a
 * statistics layout, but exports neither tsf_analyze nor tsf_apply (its
 * kind string smuggles the stats field into an ordinary filter's JSON).
 *
 * The host must refuse the chain before any tile is written, naming the
 * missing exports.
 */
#include "tsf.h"

TSF_FILTER("global_noexports", "Hostile: global without its exports",
           "global\",\"stats\":[{\"name\":\"h\",\"count\":1,\"merge\":\"sum\"}],\"x\":\"",
           "[1,2,3,4]", TSF_NO_PARAMS)
{
    (void)p;
    return 0;
}

static int32_t filter_process(const struct tsf_call *c)
{
    (void)c;
    return TSF_OK;
}
