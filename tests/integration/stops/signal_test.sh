#!/usr/bin/env bash
# signal_test.sh MODE SIGNAL WORKDIR MPIRUN TESSERA RUN-ARGS...: starts a long `tessera run` that writes
# WORKDIR/out.h5 and WORKDIR/out.json, waits until it is simulating, sends SIGNAL and checks the
# run stopped cleanly: exit 3, "PARTIAL RESULTS: stopped by SIG..." on the console, the HDF5 file
# complete but marked partial=1 with the simulated time reached, the JSON summary "partial": true,
# and no temporary file left behind. MODE picks who gets the signal:
#   mpirun  mpirun -np 2, the signal to mpirun (which forwards it to every rank)
#   rank    mpirun -np 2, the signal to the rank-1 process only (the others learn it at the next sync)
#   alone   tessera without a launcher (one process)
# STOP_LIMIT (seconds, default 10): the stop, from the signal to the exit of every process, must
# take no longer (mpirun's and Slurm's kill windows). STOP_AFTER_PCT (default 0): send the signal
# only once rank 0's progress line shows at least that share of its trace nodes done (a late stop,
# with most of the output to write).
set -u
stop_limit="${STOP_LIMIT:-10}"; after_pct="${STOP_AFTER_PCT:-0}"; ready_s="${READY_TIMEOUT:-60}"  # to reach that point
mode="$1"; sig="$2"; work="$3"; mpirun="$4"; tessera="$5"; shift 5
python=/usr/bin/python3
rm -rf "$work"; mkdir -p "$work"
log="$work/console.log"
# --output/--summary-json after the caller's arguments.
case "$mode" in
  alone) "$tessera" run "$@" --progress-interval 0.05 --output "$work/out.h5" --summary-json "$work/out.json" >"$log" 2>&1 & ;;
  # Open MPI 4.1 answers SIGTERM/SIGINT to mpirun with SIGCONT to every rank, SIGTERM one
  # odls_base_sigkill_timeout later (default 1 s) and SIGKILL one more later: give the ranks 3 s
  # to write on a loaded machine.
  *) $mpirun --mca odls_base_sigkill_timeout 3 -np 2 "$tessera" run "$@" --progress-interval 0.05 --output "$work/out.h5" --summary-json "$work/out.json" >"$log" 2>&1 & ;;
esac
pid=$!
fail() { echo "FAIL ($mode $sig): $*"; echo "--- console ---"; cat "$log"; kill -KILL "$pid" 2>/dev/null; exit 1; }

# The tessera processes of this test (their command line holds this test's own output path).
ranks() {
  for p in $(pgrep -f -- "$work/out.h5"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = tessera ] && echo "$p"
  done
}
want=1; [ "$mode" = alone ] || want=2
# Ready when rank 0 has printed a progress line (the engine is running, so every rank got past
# installing its signal handlers: the ranks synchronise before the first window) and every rank
# has used 0.3 s of CPU (utime + stime in /proc/PID/stat, in 1/100 s). CPU time alone is not
# enough: under ASan start-up takes longer than that, and a signal before the handlers are
# installed kills the rank.
ready=""
for _ in $(seq 1 $((ready_s * 10))); do
  kill -0 "$pid" 2>/dev/null || fail "the run ended before the signal (make the workload longer)"
  n=0
  for p in $(ranks); do
    t="$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null)"
    [ -n "$t" ] && [ "$t" -ge 30 ] && n=$((n + 1))
  done
  if [ "$n" -ge "$want" ] && grep -q "events/s" "$log"; then
    pct="$(grep -o 'nodes [0-9]*/[0-9]* ([0-9.]*%)' "$log" | tail -1 | sed 's/.*(\([0-9]*\).*/\1/')"
    if [ "$after_pct" -eq 0 ] || [ "${pct:-0}" -ge "$after_pct" ]; then ready=1; break; fi
  fi
  sleep 0.1
done
[ -n "$ready" ] || fail "the ranks did not start simulating (or reach ${after_pct}% of the nodes) in time"

case "$mode" in
  rank)
    # The rank-1 process only: the others learn of the stop at the next window boundary.
    target=""
    for p in $(ranks); do
      if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then target=$p; fi
    done
    [ -n "$target" ] || fail "cannot find the rank-1 process"
    ;;
  *) target=$pid ;;
esac
kill -s "$sig" "$target"
# What the ranks receive: mpirun turns SIGINT as well as SIGTERM into SIGTERM to every rank.
seen="$sig"; [ "$mode" = mpirun ] && seen=SIGTERM

# Clean stop: within 60 s, whatever the simulated work left.
# The stop's duration is until the last tessera process has exited (a zombie has no command line,
# so ranks() no longer lists it): mpirun may take longer to return, since a non-zero exit makes it
# run its own teardown (odls_base_sigkill_timeout), with the outputs already complete.
t0="$(date +%s%N)"; took_ms=""
for _ in $(seq 1 600); do
  [ -z "$took_ms" ] && [ -z "$(ranks)" ] && took_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then fail "still running 60 s after $sig"; fi
wait "$pid"; rc=$?
[ -n "$took_ms" ] || took_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$took_ms" -le $((stop_limit * 1000)) ] || fail "the stop took ${took_ms} ms, more than ${stop_limit} s"

# mpirun itself exits 1 after it was signalled, whatever its ranks return; the ranks' own code is
# in their closing line, checked below.
if [ "$mode" = mpirun ]; then
  [ "$rc" -eq 3 ] || [ "$rc" -eq 1 ] || fail "mpirun exit code $rc, expected 1 (signalled) or 3"
else
  [ "$rc" -eq 3 ] || fail "exit code $rc, expected 3"
fi
grep -q "PARTIAL RESULTS: stopped by $seen at simulated time" "$log" || fail "no PARTIAL banner naming $seen"
grep -q "the results above are PARTIAL (exit code 3)" "$log" || fail "no closing PARTIAL line"
[ "$(grep -c "PARTIAL RESULTS" "$log")" -eq 1 ] || fail "the PARTIAL banner is printed more than once"
[ -f "$work/out.h5" ] || fail "no HDF5 file"
# Temporaries are named PATH.partial.<tag> (include/tessera/output_file.hpp).
[ -z "$(find "$work" -name 'out.h5.partial*')" ] || fail "the temporary HDF5 file was left behind"
[ -z "$(find "$work" -name 'out.json.partial*')" ] || fail "the temporary JSON file was left behind"
"$python" - "$work/out.h5" "$work/out.json" "$seen" <<'PY' || fail "output check failed"
import json, sys
import h5py
h5, js, sig = sys.argv[1:]
with h5py.File(h5, "r") as f:
    a = f.attrs
    assert int(a["partial"]) == 1, f"partial={a['partial']}"
    reached = int(a["sim_time_reached_ps"])
    assert reached > 0, f"sim_time_reached_ps={reached}"
    stop = a["stop_reason"]
    stop = (stop.decode() if isinstance(stop, bytes) else str(stop)).rstrip("\x00")
    assert stop == f"stopped by {sig}", stop
    assert "npus" in f or "npu_summary" in f or len(f.keys()) > 0
j = json.load(open(js))
assert j["partial"] is True and j["stop_reason"] == f"stopped by {sig}", j.get("stop_reason")
assert j["sim_time_reached_ps"] == reached, (j["sim_time_reached_ps"], reached)
print(f"h5 partial=1 reached={reached} ps; json partial")
PY
echo "ok: $mode $sig: exit 3, partial output marked, stopped in ${took_ms} ms"
