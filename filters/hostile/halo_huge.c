/*
 * halo_huge.c - hostile: a neighborhood filter that asks for a halo of
 * 100000 pixels.
 *
 * Tiles with such a halo would be 200000 pixels wide whatever the tile
 * size.  The splitter must refuse the chain (exit 3, one line naming the
 * module and the halo) before it writes a tile.
 */
#include "tsf.h"

TSF_FILTER("halo_huge", "Hostile: declares a halo of 100000 pixels", "neighborhood",
           "[1,2,3,4]", TSF_NO_PARAMS)
{
    (void)p;
    return 100000;
}

static int32_t filter_process(const struct tsf_call *c)
{
    (void)c;
    return TSF_OK;
}
