/*
 * confine.h - what a worker child gives up before it runs filter code.
 */
#ifndef TS_CONFINE_H
#define TS_CONFINE_H

#include "worker.h"

/* confine_available - the Landlock ABI version this kernel offers, 0 if
 * none (then children cannot be confined to their job directories). */
int confine_available(void);

/* confine_child - in a freshly forked child: no new privileges, no core
 * dumps, and (where the kernel has Landlock) no writing, creating,
 * removing or renaming anywhere but inside the job directories.  Returns
 * 0, or -1 with err. */
int confine_child(const struct job *jobs, int njobs, char *err);

#endif
