#!/bin/sh
# Replay the fuzz seed corpus and every saved crash reproducer through the
# open-and-walk harness ($B/walk, one process per file). Errors from the
# library are normal for these files; a non-zero exit, a signal, a
# sanitizer report (sanitizer builds exit non-zero) or a hang is a failure.
B=${B:-build}
WALK=$B/walk
TIMEOUT=${TIMEOUT:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
if [ ! -x "$WALK" ]; then
    echo "replay_corpus: $WALK not built" >&2
    exit 1
fi
pass=0
fail=0
for f in fuzz/corpus/* fuzz/regress/*; do
    [ -f "$f" ] || continue
    case "$f" in *.md|*.txt) continue ;; esac
    timeout -s KILL "$TIMEOUT" "$WALK" -q "$f" </dev/null >/dev/null 2>"$B/replay.err"
    rc=$?
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        if [ $rc -eq 137 ]; then
            echo "FAIL (hang > ${TIMEOUT}s): $f"
        elif [ $rc -gt 128 ]; then
            echo "FAIL (signal $((rc - 128))): $f"
        else
            echo "FAIL (exit $rc): $f"
        fi
        head -n 30 "$B/replay.err" | sed 's/^/    /'
    fi
done
rm -f "$B/replay.err"
echo "replay_corpus: $pass passed, $fail failed"
[ $fail -eq 0 ]
