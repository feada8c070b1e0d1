#!/bin/sh
# Deliver a layer branch to main (for parallel work in git worktrees).
# Run from your worktree: sh tools/deliver.sh. Rebases on main, builds and
# tests in your build dir, then fast-forwards main under a lock.
set -e
branch=$(git rev-parse --abbrev-ref HEAD)
bdir=${BUILD_DIR:-build-$branch}
exec 9>/work/.deliver.lock
flock 9
git rebase main
[ -d "$bdir" ] || meson setup "$bdir" >/dev/null
ninja -C "$bdir"
meson test -C "$bdir" --num-processes 2 --print-errorlogs
git -C /work/main merge --ff-only "$branch"
echo "delivered $branch to main at $(git rev-parse --short HEAD)"
