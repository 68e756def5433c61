#!/usr/bin/env bash
# `cfive dump [OPTIONS] FILE` must print byte for byte what
# `h5dump [OPTIONS] FILE` (libhdf5 1.10.8) prints, with the same exit status.
#
#   B=build tests/dump_text.sh [FILE...]
#
# Files: tests/fixtures/*.h5, tests/fixtures/gen/*.h5 (generated first when
# /usr/bin/python3 has h5py) and the .h5 files of the HDF5 1.14.0 tree's
# tools/testfiles/ (listed below; found flattened in
# ../shared/testfiles/hdf5-1.14.0 beside the repository, or /work/shared/...).
# Each file is dumped with no options, with -H and with -p (DUMP_MODES
# overrides: one option per word, "none" for no option, e.g.
# DUMP_MODES="none -B"). Both tools run
# from the file's folder with its base name, so the `HDF5 "name" {` lines
# agree. A case counts only where h5dump exits 0 within DUMP_TIMEOUT seconds
# (default 60); then cfive must print the same stdout and exit 0. A few
# extra cases (-B on files with unusual superblocks, -d/-g/-a selections,
# missing files and objects, files whose data h5dump cannot print) compare
# stdout, stderr and exit status whatever h5dump's status.
#
# Case names: the file's base name (gen/NAME for generated fixtures), then
# the options, e.g. "tattr2.h5 -H" or "tattr2.h5" (no options).
# tests/dump_known_failures.txt lists cases allowed to fail, one per line:
# the case name ("NAME *" for every option set of a file), then "# reason";
# they print XFAIL with the reason.
#
# Environment: DUMP_LIMIT=N checks only the first N files; DUMP_JOBS=N runs
# N files at once (default: the number of CPUs, at most 8); CFIVE_DUMP
# replaces the command under test (default "$B/cfive dump"; CFIVE_DUMP=h5dump
# checks the harness itself). Ends with "dump text: N passed, M failed"; exits
# non-zero when M > 0.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$root/$B ;; esac
cfive=$B/cfive
PY=/usr/bin/python3
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins}
# h5dump's LZF plugin needs liblzf loaded beside it; cfive must not get it.
lzf=/usr/lib/x86_64-linux-gnu/liblzf.so.1
h5env=(env)
[ -f "$lzf" ] && h5env=(env LD_PRELOAD="$lzf")
T=${DUMP_TIMEOUT:-60}
MODES=${DUMP_MODES:-none -H -p}
LIMIT=${DUMP_LIMIT:-0}
JOBS=${DUMP_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$JOBS" -gt 8 ] && JOBS=8

if [ -n "${CFIVE_DUMP:-}" ]; then
    read -ra dumpcmd <<<"$CFIVE_DUMP"
elif [ -x "$cfive" ]; then
    dumpcmd=("$cfive" dump)
else
    echo "dump_text: $cfive not built" >&2
    exit 2
fi
if ! command -v h5dump >/dev/null; then
    echo "dump_text: h5dump not installed (apt-get install hdf5-tools)" >&2
    exit 2
fi

gen=$root/tests/fixtures/gen
if [ -x "$PY" ] && "$PY" -c 'import h5py, tables, netCDF4' 2>/dev/null; then
    (
        command -v flock >/dev/null && flock 9
        if [ ! -f "$gen/.stamp" ] || [ "$root/tests/gen_fixtures.py" -nt "$gen/.stamp" ]; then
            rm -rf "$gen" && "$PY" "$root/tests/gen_fixtures.py" "$gen" && touch "$gen/.stamp"
        fi
    ) 9>"$B/.fixtures.lock" || echo "dump_text: fixture generation failed" >&2
fi

shared=
top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null || echo "$root")
for d in "$top/../shared" "$root/../shared" /work/shared; do
    if [ -d "$d/testfiles/hdf5-1.14.0" ]; then
        shared=$d/testfiles/hdf5-1.14.0
        break
    fi
done

# The .h5 files of HDF5 1.14.0 tools/testfiles/ (and tools/testfiles/vds/).
testfiles="
1_a.h5 1_b.h5 1_c.h5 1_d.h5 1_e.h5 1_f.h5 1_vds.h5 2_a.h5 2_b.h5 2_c.h5
2_d.h5 2_e.h5 2_vds.h5 3_1_vds.h5 3_2_vds.h5 4_0.h5 4_1.h5 4_2.h5 4_vds.h5
5_a.h5 5_b.h5 5_c.h5 5_vds.h5 a.h5 b.h5 c.h5 charsets.h5 d.h5
err_attr_dspace.h5 f-0.h5 f-3.h5 family_file00000.h5 family_file00001.h5
family_file00002.h5 family_file00003.h5 family_file00004.h5
family_file00005.h5 family_file00006.h5 family_file00007.h5
family_file00008.h5 family_file00009.h5 family_file00010.h5
family_file00011.h5 family_file00012.h5 family_file00013.h5
family_file00014.h5 family_file00015.h5 family_file00016.h5
family_file00017.h5 file_space.h5 filter_fail.h5 packedbits.h5
t128bit_float.h5 tCVE_2018_11206_fill_new.h5 tCVE_2018_11206_fill_old.h5
taindices.h5 tall.h5 tarray1.h5 tarray1_big.h5 tarray2.h5 tarray3.h5
tarray4.h5 tarray5.h5 tarray6.h5 tarray7.h5 tarray8.h5 tattr.h5 tattr2.h5
tattr4_be.h5 tattrintsize.h5 tattrreg.h5 tbigdims.h5 tbinary.h5
tbitfields.h5 tbitnopaque.h5 tchar.h5 tcmpdattrintsize.h5 tcmpdintarray.h5
tcmpdints.h5 tcmpdintsize.h5 tcompound.h5 tcompound2.h5
tcompound_complex.h5 tcompound_complex2.h5 tdatareg.h5 tdset.h5 tdset2.h5
tdset_idx.h5 tempty.h5 tenum.h5 textlink.h5 textlinkfar.h5 textlinksrc.h5
textlinktar.h5 tfamily00000.h5 tfamily00001.h5 tfamily00002.h5
tfamily00003.h5 tfamily00004.h5 tfamily00005.h5 tfamily00006.h5
tfamily00007.h5 tfamily00008.h5 tfamily00009.h5 tfamily00010.h5
tfcontents1.h5 tfcontents2.h5 tfilters.h5 tfloatsattrs.h5 tfpformat.h5
tfvalues.h5 tgroup.h5 tgrp_comments.h5 tgrpnullspace.h5 thlink.h5
thyperslab.h5 tints4dims.h5 tintsattrs.h5 tintsnodata.h5 tlarge_objname.h5
tldouble.h5 tldouble_scalar.h5 tlonglinks.h5 tloop.h5 tloop2.h5 tmany.h5
tmulti-b.h5 tmulti-g.h5 tmulti-l.h5 tmulti-o.h5 tmulti-r.h5 tmulti-s.h5
tname-amp.h5 tname-apos.h5 tname-gt.h5 tname-lt.h5 tname-quot.h5
tname-sp.h5 tnamed_dtype_attr.h5 tnestedcmpddt.h5 tnestedcomp.h5
tno-subset.h5 tnodata.h5 tnullspace.h5 tobjref.h5 topaque.h5 torderattr.h5
tordergr.h5 tref-escapes-at.h5 tref-escapes.h5 tref.h5 trefer_attr.h5
trefer_compat.h5 trefer_ext1.h5 trefer_ext2.h5 trefer_grp.h5 trefer_obj.h5
trefer_obj_del.h5 trefer_param.h5 trefer_reg.h5 trefer_reg_1d.h5 tsaf.h5
tscalarattrintsize.h5 tscalarintattrsize.h5 tscalarintsize.h5
tscalarstring.h5 tslink.h5 tsoftlinks.h5 tsplit_file-m.h5 tsplit_file-r.h5
tst_onion_dset_1d.h5 tst_onion_dset_ext.h5 tst_onion_objs.h5 tstr.h5
tstr2.h5 tstr3.h5 tstring-at.h5 tstring.h5 tudfilter.h5 tudlink.h5
tvldtypes1.h5 tvldtypes2.h5 tvldtypes3.h5 tvldtypes4.h5 tvldtypes5.h5
tvlenstr_array.h5 tvlstr.h5 tvms.h5 vds-eiger.h5
vds-percival-unlim-maxmin.h5 zerodim.h5"

# Known failures: "CASE # reason" (CASE = "NAME [OPTIONS]" or "NAME *").
declare -A xfail=()
if [ -f "$root/tests/dump_known_failures.txt" ]; then
    while IFS= read -r line; do
        key=${line%%#*}
        reason=
        [ "$key" != "$line" ] && reason=${line#*#}
        key=$(echo $key)             # trim, squeeze spaces
        [ -z "$key" ] && continue
        reason=$(echo $reason)
        xfail[$key]=${reason:-known failure}
    done <"$root/tests/dump_known_failures.txt"
fi

if [ $# -gt 0 ]; then
    files=("$@")
    extra=0
else
    files=("$root"/tests/fixtures/*.h5)
    [ -d "$gen" ] && files+=("$gen"/*.h5)
    if [ -n "$shared" ]; then
        for n in $testfiles; do
            [ -f "$shared/$n" ] && files+=("$shared/$n")
        done
    fi
    extra=1
fi
if [ "$LIMIT" -gt 0 ] && [ "${#files[@]}" -gt "$LIMIT" ]; then
    files=("${files[@]:0:$LIMIT}")
    extra=0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/res"

# casename FILE: the name a file's cases carry
casename() {
    case $1 in
    "$gen"/*) echo "gen/$(basename "$1")" ;;
    *) basename "$1" ;;
    esac
}

# run_case OUT FILE STRICT OPTS...: run both tools on FILE with OPTS from
# FILE's folder; append one result line to OUT:
#   PASS name | FAIL name<TAB>why | SKIP name
# STRICT=1 compares stdout, stderr and exit status whatever h5dump's status;
# STRICT=0 skips the case unless h5dump exits 0, then wants cfive to print
# the same stdout and exit 0.
run_case() {
    local out=$1 f=$2 strict=$3
    shift 3
    local dir base name w
    dir=$(dirname "$f")
    base=$(basename "$f")
    name=$(casename "$f")
    [ $# -gt 0 ] && name="$name $*"
    w=$(mktemp -d "$tmp/w.XXXXXX")
    (cd "$dir" && timeout "$T" "${h5env[@]}" h5dump "$@" "$base" >"$w/exp" 2>"$w/exp.err")
    local erc=$?
    if [ $erc -eq 124 ] || { [ "$strict" = 0 ] && [ $erc -ne 0 ]; }; then
        echo "SKIP $name" >>"$out"
        rm -rf "$w"
        return
    fi
    (cd "$dir" && timeout "$T" "${dumpcmd[@]}" "$@" "$base" >"$w/act" 2>"$w/act.err")
    local rc=$?
    local why=
    if [ $rc -ne $erc ]; then
        why="h5dump exit $erc, cfive exit $rc"
    elif ! cmp -s "$w/exp" "$w/act"; then
        why="stdout differs"
    elif [ "$strict" = 1 ] && ! cmp -s "$w/exp.err" "$w/act.err"; then
        why="stderr differs"
    fi
    if [ -z "$why" ]; then
        echo "PASS $name" >>"$out"
    else
        {
            printf 'FAIL %s\t%s\n' "$name" "$why"
            if [ "$why" = "stderr differs" ]; then
                diff -u "$w/exp.err" "$w/act.err" | sed -n '3,8p' | sed 's/^/    /'
            else
                diff -u "$w/exp" "$w/act" | sed -n '3,12p' | sed 's/^/    /'
                [ -s "$w/act.err" ] && head -n 3 "$w/act.err" | sed 's/^/    stderr: /'
            fi
        } >>"$out"
    fi
    rm -rf "$w"
}

# run_file INDEX FILE: every option set on one file
run_file() {
    local out=$tmp/res/$(printf '%06d' "$1") m
    : >"$out"
    for m in $MODES; do
        if [ "$m" = none ]; then
            run_case "$out" "$2" 0
        else
            run_case "$out" "$2" 0 $m
        fi
    done
}

i=0
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    i=$((i + 1))
    run_file "$i" "$f" &
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n
    done
done

# Extra cases: superblock variants, selections, errors (full stdout,
# stderr and exit status).
if [ "$extra" = 1 ]; then
    fx=$root/tests/fixtures
    ex=$tmp/res/999999
    : >"$ex"
    while read -r cf opts; do
        case $cf in '' | '#'*) continue ;; esac
        if [ -f "$fx/$cf" ]; then
            cp=$fx/$cf
        elif [ -n "$shared" ] && [ -f "$shared/$cf" ]; then
            cp=$shared/$cf
        else
            continue
        fi
        # shellcheck disable=SC2086
        run_case "$ex" "$cp" 1 $opts
    done <<'CASES'
userblock512.h5 -B -H
userblock4096_latest.h5 -B -H
tsizeslheap.h5 -B -H
twithub513.h5 -B -H
old_h5fc_ext1_i.h5 -B -H
h5fc_ext2_if.h5 -B -H
h5fc_ext2_sf.h5 -B -H
h5fc_ext3_isf.h5 -B -H
h5repack_aggr.h5 -B -H
h5repack_none.h5 -B -H
h5repack_paged_persist.h5 -B -H
h5repack_fsm_aggr_persist.h5 -B -H
file_space.h5 -B -H
tfilters.h5 -p -H
layouts.h5 -p -H
layouts_latest.h5 -p -H
tfvalues.h5 -p -H
1_vds.h5 -p -H
links.h5 -d /g1/d1
links.h5 -p -d /g1/d1
links.h5 -g /g1
links.h5 -d /nosuch
links.h5 -H -A
links.h5 -n
types.h5 -y
types.h5 -w 40
tattr2.h5 -a /dset/attr1
tfilters.h5
tudfilter.h5
filter_fail.h5
err_attr_dspace.h5
tCVE_2018_11206_fill_new.h5
tCVE_2018_11206_fill_old.h5
CASES
    [ -f "$fx/no_such_file.h5" ] || run_case "$ex" "$fx/no_such_file.h5" 1
fi
wait

pass=0 fail=0 xf=0 skipped=0
for r in "$tmp"/res/*; do
    while IFS= read -r line; do
        case $line in
        "PASS "*)
            name=${line#PASS }
            pass=$((pass + 1))
            file=${name%% *}
            if [ -n "${xfail[$name]:-}" ] || [ -n "${xfail[$file *]:-}" ]; then
                echo "XPASS $name (remove it from tests/dump_known_failures.txt)"
            else
                echo "PASS $name"
            fi
            ;;
        "SKIP "*) skipped=$((skipped + 1)) ;;
        "FAIL "*)
            rest=${line#FAIL }
            name=${rest%%$'\t'*}
            why=${rest#*$'\t'}
            file=${name%% *}
            reason=${xfail[$name]:-${xfail[$file *]:-}}
            if [ -n "$reason" ]; then
                echo "XFAIL $name ($reason)"
                xf=$((xf + 1))
                skipdiff=1
            else
                echo "FAIL $name ($why)"
                fail=$((fail + 1))
                skipdiff=0
            fi
            ;;
        *) [ "${skipdiff:-0}" = 0 ] && echo "$line" ;;
        esac
    done <"$r"
done

echo "($skipped cases skipped: h5dump failed or timed out on them; $xf expected failures)"
echo "dump text: $pass passed, $fail failed"
[ $fail -eq 0 ]
