"""spoolhold.py - take part in the spool protocol from a test, as a worker
child or a splitter would, so that tests can show claims and locks held by
live and by dead processes.

  spoolhold.py claim JOBDIR TILE NODE hold|exit
      open JOBDIR/tiles/TILE, take its flock, rename it to
      JOBDIR/claimed/TILE@NODE.PID (the claim protocol of docs/spool.md),
      print PID; then hold the claim until killed, or exit at once (the
      kernel drops the lock: a claim of a dead owner).
  spoolhold.py lock PATH
      take the flock of PATH (a job directory: a splitter at work), print
      PID and hold it until killed.
"""
import fcntl
import os
import sys
import time


def hold_forever():
    while True:
        time.sleep(3600)


def main(argv):
    if len(argv) == 5 and argv[0] == "claim":
        jobdir, tile, node, mode = argv[1:]
        src = os.path.join(jobdir, "tiles", tile)
        fd = os.open(src, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(src, os.path.join(jobdir, "claimed", "%s@%s.%d" % (tile, node, os.getpid())))
        print(os.getpid(), flush=True)
        if mode == "hold":
            hold_forever()
        return 0
    if len(argv) == 2 and argv[0] == "lock":
        fd = os.open(argv[1], os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        print(os.getpid(), flush=True)
        hold_forever()
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
