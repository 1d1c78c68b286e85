/*
 * scratch.h - where the fuzz targets put the files they write per input.
 *
 * Targets that go through files (the tile reader, the manifest writer)
 * rewrite one file per execution.  On ext4, replacing a file by truncation
 * or rename makes close() start writeback, which on a shared disk holds
 * each execution for milliseconds; tmpfs has no such cost.  So the
 * scratch directory is $TILESPOOL_FUZZ_TMP, else /dev/shm when it is
 * usable, else $TMPDIR, else /tmp.
 */
#ifndef TS_FUZZ_SCRATCH_H
#define TS_FUZZ_SCRATCH_H

#include <stdlib.h>
#include <unistd.h>

/* fuzz_scratch_dir - the directory to create scratch files in. */
static const char *fuzz_scratch_dir(void)
{
    const char *d = getenv("TILESPOOL_FUZZ_TMP");

    if (d && *d)
        return d;
    if (access("/dev/shm", W_OK | X_OK) == 0)
        return "/dev/shm";
    d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

#endif
