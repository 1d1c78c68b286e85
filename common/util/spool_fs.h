/*
 * spool_fs.h - the file-system rules of the spool, kept in util because
 * every layer reads files by them: open a file without following a
 * symbolic link and without blocking (the spool's files, and the inputs
 * a person names), list a directory, take a lock.  spool.h has the
 * spool's own layout and its writes.
 */
#ifndef TS_SPOOL_FS_H
#define TS_SPOOL_FS_H

#include <stdio.h>
#include <sys/types.h>

/* spool_open - open a file of the spool (flags: O_RDONLY, or O_WRONLY with
 * O_APPEND, O_CREAT) without following a symbolic link and without
 * blocking: it must be a regular file (a FIFO, a device, a directory or a
 * link in a job directory is refused, never waited on nor followed).  The
 * descriptor is close-on-exec and in blocking mode.  Returns it, -1 with
 * err on error (errno kept: ENOENT for a missing file), or -2 with err
 * naming the file's type when it is not a regular file. */
int spool_open(const char *path, int flags, char *err);

/* spool_open_input - the same for reading a file a person names (an input
 * image, a reference image): a symbolic link is followed, but what it
 * leads to must be a regular file, opened without blocking. */
int spool_open_input(const char *path, char *err);

/* spool_fopen, spool_fopen_input - the same as a stdio stream for reading;
 * NULL with err (errno ENOENT for a missing file, EINVAL for one that is
 * not a regular file). */
FILE *spool_fopen(const char *path, char *err);
FILE *spool_fopen_input(const char *path, char *err);

/* spool_file_type - "a FIFO", "a symbolic link", ... for an st_mode. */
const char *spool_file_type(mode_t mode);

/* spool_list - sorted names in dir (not starting with '.'); *names is one
 * malloc'd block the caller frees.  A missing dir is an empty list.
 * Returns the count, or -1 with err. */
int spool_list(const char *dir, char ***names, char *err);

/* spool_count - number of entries in dir (not starting with '.'), or -1. */
int spool_count(const char *dir);

/* spool_lock - open path (a file or a directory) and take an exclusive
 * flock on it, waiting for it if `wait`.  The kernel drops the lock when
 * the process dies, so a lock that can be taken has no live holder.
 * Returns 0 with *fd holding the lock, 1 when another process holds it
 * (no wait), 2 when path does not exist, -1 with err on error. */
int spool_lock(const char *path, int wait, int *fd, char *err);

#endif
