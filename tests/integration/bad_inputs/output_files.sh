#!/usr/bin/env bash
# output_files.sh NP TESSERA [MPIRUN...]: the output-file rules (include/tessera/output_file.hpp,
# docs/hardening.md) on situations a .case file cannot set up, alone (NP=1) or under `MPIRUN -np NP`:
#  - a symlink as the output is followed (the link stays, its target gets the file);
#  - a directory named like the old temporary (PATH.partial) is left alone;
#  - two runs writing the same outputs at once both succeed and leave complete files;
#  - a FIFO as a configuration file is refused at once (it blocked forever);
#  - /dev/full stays a device;
#  - (NP=1) a full disk during the HDF5 write (a file-size limit, SIGXFSZ ignored) ends with a
#    clear error and exit 1, no crash, no temporary left, the previous file unchanged;
#  - (NP=2) a disk too small for the file is refused before the parallel write, on every rank.
set -u
np="$1"; tessera="$2"; shift 2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
scenario="$here/inputs/scenario/base.yaml"
work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-outputs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$root" || exit 1
fail() { echo "FAIL (np $np): $*"; exit 1; }
# After a refused or failed HDF5 write: the previous file is intact and no temporary is left.
left_alone() {
  [ "$(cat "$work/full.h5")" = "previous run" ] || fail "full disk ($1): the previous file was changed"
  leftover="$(find "$work" -name '*.partial.*')"
  [ -z "$leftover" ] || fail "full disk ($1): temporary left behind: $leftover"
}
# The launcher's command (mpirun and its options) is the rest of the script's arguments.
launcher=("$@")
tess() {
  if [ "$np" -eq 1 ]; then timeout 120 "$tessera" "$@" </dev/null
  else timeout 120 "${launcher[@]}" -np "$np" "$tessera" "$@" </dev/null; fi
}
is_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }
is_hdf5() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "211HDF" ]; }

# Symlinks are followed.
echo old > "$work/real.json"
ln -s real.json "$work/link.json"
tess run "$scenario" -q --summary-json "$work/link.json" >"$work/log" 2>&1 || { cat "$work/log"; fail "run through a symlink"; }
[ -L "$work/link.json" ] || fail "the symlink was replaced"
is_json "$work/real.json" || fail "the symlink's target did not get the JSON"

# A directory named PATH.partial is not removed.
mkdir -p "$work/out.json.partial/keep"
tess run "$scenario" -q --summary-json "$work/out.json" >"$work/log" 2>&1 || { cat "$work/log"; fail "run next to PATH.partial/"; }
[ -d "$work/out.json.partial/keep" ] || fail "the directory out.json.partial was removed"
is_json "$work/out.json" || fail "no JSON written next to out.json.partial/"

# Two runs on the same outputs at once: both succeed, the files are complete.
tess run "$scenario" -q --summary-json "$work/same.json" --output "$work/same.h5" >"$work/log1" 2>&1 &
p1=$!
tess run "$scenario" -q --summary-json "$work/same.json" --output "$work/same.h5" >"$work/log2" 2>&1 &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
[ "$r1" -eq 0 ] && [ "$r2" -eq 0 ] || { cat "$work/log1" "$work/log2"; fail "concurrent runs: exit $r1 and $r2"; }
is_json "$work/same.json" || fail "concurrent runs left an incomplete JSON"
is_hdf5 "$work/same.h5" || fail "concurrent runs left no HDF5 file"
leftover="$(find "$work" -name '*.partial.*')"
[ -z "$leftover" ] || fail "temporaries left behind: $leftover"

# A FIFO as the scenario: refused at once, not waited on.
mkfifo "$work/fifo.yaml"
out="$(tess validate "$work/fifo.yaml" 2>&1)"; rc=$?
[ "$rc" -eq 2 ] || { echo "$out"; fail "FIFO scenario: exit $rc, expected 2"; }
grep -q "fifo.yaml: is a FIFO (named pipe), not a regular file" <<<"$out" || { echo "$out"; fail "FIFO message"; }

# /dev/full stays a device.
tess run "$scenario" -q --summary-json /dev/full >"$work/log" 2>&1; rc=$?
[ "$rc" -eq 1 ] || { cat "$work/log"; fail "/dev/full: exit $rc, expected 1"; }
[ -c /dev/full ] || fail "/dev/full is no longer a character device"

# A full disk under the single-rank HDF5 write (a file-size limit stands for it): default.yaml at
# 20 KiB and base.yaml at 4 KiB, both smaller than the file (refused by the up-front claim).
if [ "$np" -eq 1 ]; then
  for limit in "20 configs/scenarios/default.yaml" "4 $scenario"; do
    read -r kib input <<<"$limit"
    echo "previous run" > "$work/full.h5"
    out="$(ulimit -f "$kib"; trap '' XFSZ; "$tessera" run "$input" -q --output "$work/full.h5" 2>&1 >/dev/null)"; rc=$?
    [ "$rc" -eq 1 ] || { echo "$out"; fail "full disk ($kib KiB): exit $rc, expected 1 (139 = a crash in HDF5)"; }
    grep -q -- "--output $work/full.h5: HDF5 output: .*(a full disk or an unwritable file system" <<<"$out" ||
      { echo "$out"; fail "full disk ($kib KiB) message"; }
    left_alone "$kib KiB"
  done
fi
# On 2 ranks: a disk too small for the file (a file-size limit on the ranks stands for it; the
# shared-memory transport is left out, as its segment files would hit the limit first) is refused
# before parallel HDF5 opens the file, on every rank, within seconds: no hang, no crash.
if [ "$np" -eq 2 ]; then
  for input in configs/scenarios/default.yaml "$scenario"; do
    echo "previous run" > "$work/full.h5"
    tcp_launcher=("${launcher[@]/self,vader/self,tcp}")
    out="$(OMPI_MCA_btl=self,tcp timeout 60 "${tcp_launcher[@]}" -np 2 bash -c \
      "ulimit -f 8; trap '' XFSZ; exec '$tessera' run '$input' -q --output '$work/full.h5'" </dev/null 2>&1 >/dev/null)"; rc=$?
    [ "$rc" -eq 1 ] || { echo "$out"; fail "full disk ($input): exit $rc, expected 1 (124 = a hang, 139 = a crash)"; }
    grep -q -- "--output $work/full.h5: HDF5 output: the file needs up to .* MiB, more than its file system gives" <<<"$out" ||
      { echo "$out"; fail "full disk ($input) message"; }
    left_alone "$input"
  done
fi
echo "ok (np $np)"
