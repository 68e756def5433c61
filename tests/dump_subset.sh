#!/usr/bin/env bash
# Dataset subsets: `cfive dump -d PATH -s/-S/-c/-k ...` and
# `cfive dump -d "PATH[START;STRIDE;COUNT;BLOCK]"` must print byte for byte
# what h5dump (libhdf5 1.10.8) prints, on stdout and stderr, with the same
# exit status; with -b the exported bytes must be h5dump's too.
#
#   B=build tests/dump_subset.sh
#
# Files: the HDF5 1.14.0 tools test files (../shared/testfiles/hdf5-1.14.0
# beside the repository, or /work/shared/...; the script skips everything
# when they are missing) and tests/fixtures/*.h5. Cases:
#   - the subset commands of HDF5's own h5dump test script (those without
#     -o text output and -R, which cfive does not support);
#   - hand-picked ones: defaults and short lists, the compact form and its
#     odd spellings, option order, h5dump's errors, rows outside the extent,
#     zero strides, counts and blocks, -E reports, widths, -y, -r, -H, -A,
#     -p, every datatype class, references (printed whole, the datasets
#     they name subset alike), 1-D to 4-D;
#   - generated ones (a fixed seed): random subsets of 1-D to 4-D datasets;
#   - refusals: where h5dump reads undefined memory or crashes, cfive must
#     exit 1 with a "cfive dump:" message (no comparison with h5dump);
#   - binary exports (-b LE/BE/FILE) of integer and float datasets.
# Ends with "dump subset: N passed, M failed"; exits non-zero when M > 0.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$root/$B ;; esac
cfive=$B/cfive
T=${DUMP_TIMEOUT:-60}
JOBS=${DUMP_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$JOBS" -gt 8 ] && JOBS=8
if [ ! -x "$cfive" ]; then
    echo "dump_subset: $cfive not built" >&2
    exit 2
fi
if ! command -v h5dump >/dev/null; then
    echo "dump_subset: h5dump not installed (apt-get install hdf5-tools)" >&2
    exit 2
fi
shared=
top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null || echo "$root")
for d in "$top/../shared" "$root/../shared" /work/shared; do
    if [ -d "$d/testfiles/hdf5-1.14.0" ]; then
        shared=$d/testfiles/hdf5-1.14.0
        break
    fi
done
if [ -z "$shared" ]; then
    echo "dump_subset: HDF5 test files not found; skipped"
    echo "dump subset: 0 passed, 0 failed"
    exit 0
fi
fx=$root/tests/fixtures

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/res"

# where FILE: its folder
where() {
    if [ -f "$shared/$1" ]; then
        echo "$shared"
    elif [ -f "$fx/$1" ]; then
        echo "$fx"
    fi
}

# run_case OUT KIND FILE ARGS...: KIND text (compare with h5dump), refuse
# (cfive must exit 1 with a message of its own), or bin-FORM (binary
# export, bytes compared). Appends PASS/FAIL lines to OUT.
run_case() {
    local out=$1 kind=$2 f=$3
    shift 3
    local dir name w why=
    dir=$(where "$f")
    name="$f $*"
    [ "$kind" != text ] && name="[$kind] $name"
    if [ -z "$dir" ]; then
        echo "SKIP $name" >>"$out"
        return
    fi
    w=$(mktemp -d "$tmp/w.XXXXXX")
    local pre=()
    case $kind in bin-*) pre=(-b "${kind#bin-}" -o "$w/e.bin") ;; esac
    if [ "$kind" != refuse ]; then
        (cd "$dir" && timeout "$T" h5dump "${pre[@]}" "$@" "$f" >"$w/exp" 2>"$w/exp.err")
    fi
    local erc=$?
    case $kind in bin-*) pre=(-b "${kind#bin-}" -o "$w/a.bin") ;; esac
    (cd "$dir" && timeout "$T" "$cfive" dump "${pre[@]}" "$@" "$f" >"$w/act" 2>"$w/act.err")
    local rc=$?
    if [ "$kind" = refuse ]; then
        if [ $rc -ne 1 ]; then
            why="cfive exit $rc, want 1"
        elif ! grep -q '^cfive dump: ' "$w/act.err"; then
            why="no cfive message on stderr"
        fi
    else
        # binary: the output file is named in no message h5dump prints,
        # but keep the comparison independent of it
        sed -i "s#$w/[ea]\.bin#OUT#g" "$w/exp" "$w/exp.err" "$w/act" "$w/act.err" 2>/dev/null
        if [ $erc -eq 124 ]; then
            why="h5dump timed out"
        elif [ $rc -ne $erc ]; then
            why="h5dump exit $erc, cfive exit $rc"
        elif ! cmp -s "$w/exp" "$w/act"; then
            why="stdout differs"
        elif ! cmp -s "$w/exp.err" "$w/act.err"; then
            why="stderr differs"
        elif [[ $kind == bin-* ]] && ! cmp -s "$w/e.bin" "$w/a.bin"; then
            why="binary output differs"
        fi
    fi
    if [ -z "$why" ]; then
        echo "PASS $name" >>"$out"
    else
        {
            printf 'FAIL %s\t%s\n' "$name" "$why"
            if [ "$why" = "stderr differs" ]; then
                diff -u "$w/exp.err" "$w/act.err" | sed -n '3,8p' | sed 's/^/    /'
            elif [ -f "$w/exp" ]; then
                diff -u "$w/exp" "$w/act" | sed -n '3,12p' | sed 's/^/    /'
            fi
            [ -s "$w/act.err" ] && head -n 3 "$w/act.err" | sed 's/^/    stderr: /'
        } >>"$out"
    fi
    rm -rf "$w"
}

# The cases, one a line: KIND FILE ARGS... (shell words; '#' starts a
# comment line).
cases=$tmp/cases
cat >"$cases" <<'CASES'
# HDF5 1.14.0 tools/test/h5dump/testh5dump.sh.in
text tall.h5 --enable-error-stack --dataset=/g1/g1.1/dset1.1.1 --start=1,1 --stride=2,3 --count=3,2 --block=1,1
text tall.h5 --enable-error-stack -d "/g1/g1.1/dset1.1.2[0;2;10;]"
text tdset.h5 --enable-error-stack -d "/dset1[1,1;;;]"
text tno-subset.h5 --enable-error-stack --no-compact-subset -d "AHFINDERDIRECT::ah_centroid_t[0] it=0 tl=0"
text tints4dims.h5 --enable-error-stack -d FourDimInts -s 0,0,0,0 -c 2,2,2,2
text tints4dims.h5 --enable-error-stack -d FourDimInts -s 0,0,0,0 -c 1,1,1,1 -k 2,2,2,2
text tints4dims.h5 --enable-error-stack -d FourDimInts -s 0,0,0,0 -S 2,2,2,2 -c 2,2,2,2
text tints4dims.h5 --enable-error-stack -d FourDimInts -s 0,0,0,0 -S 2,2,1,1 -k 1,2,1,1 -c 2,2,4,4
text tints4dims.h5 --enable-error-stack -d FourDimInts -s 0,0,0,0 -S 2,2,1,1 -c 2,2,1,1 -k 1,2,4,4
text taindices.h5 --enable-error-stack -d 1d -s 1 -S 10 -c 2 -k 3
text taindices.h5 --enable-error-stack -d 2d -s 1,2 -S 3,3 -c 3,2 -k 2,2
text taindices.h5 --enable-error-stack -d 3d -s 0,1,2 -S 1,3,3 -c 2,2,2 -k 1,2,2
text taindices.h5 --enable-error-stack -d 4d -s 0,0,1,2 -c 2,2,3,2 -S 1,1,3,3 -k 1,1,2,2
text taindices.h5 --enable-error-stack -d 1d -s 1,3
text taindices.h5 --enable-error-stack -d 1d -c 1,3
text taindices.h5 --enable-error-stack -d 1d -S 1,3
text taindices.h5 --enable-error-stack -d 1d -k 1,3
text tbigdims.h5 --enable-error-stack -d dset4gb -s 4294967284 -c 22
# defaults; lists shorter than the rank (read as zeros up to rank 3)
text tdset.h5 -d /dset1 -s 1,2 -S 2,3 -c 2,2 -k 1,2
text tdset.h5 -d /dset1 -s 1
text tdset.h5 -d /dset1 -s 1 -c 1
text tdset.h5 -d /dset1 -s 1 -c 2
text tdset.h5 -d /dset1 -c 3,4
text tdset.h5 -d /dset1 -S 3 -c 2,2
text taindices.h5 -d 3d -s 1
text taindices.h5 -d 3d -c 1,2
text tints4dims.h5 -d FourDimInts -s 1,2,3,4 -c 2,2,2,3 -S 2,2,2,2
# list spellings and the compact form
text tdset.h5 -d "/dset1[]"
text tdset.h5 -d "/dset1[;;;]"
text tdset.h5 -d "/dset1[1]"
text tdset.h5 -d "/dset1[1,2;2,2;3,3]"
text tdset.h5 -d "/dset1[1 2;2 2;3 3;1 2]"
text tdset.h5 -d "/dset1[0x1,010;;2,2]"
text tdset.h5 -d "/dset1[1,2"
text tdset.h5 -d "/dset1[1,2]extra"
text tdset.h5 -d "/dset1[1,1;;;]" -s 3,3
text tdset.h5 -d /dset1 -s 0x1,010 -c 2,2
text tdset.h5 -d /dset1 -s 1.5 -c 2,2
text tdset.h5 -d /dset1 -s a,b -c 2,2
text tdset.h5 -d /dset1 -s "" -c 2,2
text tdset.h5 -d /dset1 -s ";1" -c 2,2
text tdset.h5 -d /dset1 -s "1;2" -c 2,2
text tdset.h5 -d /dset1 -s "1]2" -c 2,2
text tdset.h5 -d /dset1 -s 1,1 -s 2,2
text tdset.h5 -d /dset1 -s 1,1 -c 2,2 -d /dset2 -c 3,2
text tdset.h5 -d /dset1 --start=1,1 --count 2,3 --stride=1,2 --block 1,1
text taindices.h5 -d 1d -s99 -c2
# which -d the options attach to
text tdset.h5 -s 1 -d /dset1
text tdset.h5 -d /dset1 -w 100 -s 1
text tdset.h5 -d /dset1 -s 1 -y -c 2
text tdset.h5 -d /dset1 -y -s 1 -c 2
text tdset.h5 -d /dset1 -H -s 1
text tdset.h5 -d /dset1 -A -s 1
text tdset.h5 -d /dset1 -B -s 1
text tdset.h5 -d /dset1 -n -s 1
text tdset.h5 -d /dset1 -A 0 -s 1
text tdset.h5 -d /dset1 -r -s 1 -c 2,3
text tdset.h5 -d /dset1 -p -s 1 -c 2,3
text tdset.h5 -d /dset1 -C -s 1 -c 2,3
text tdset.h5 -g / -s 1
text tdset.h5 -d /nosuch -s 1
text tdset.h5 -d "/nosuch[1]"
text tall.h5 -d /g1 -s 1
# h5dump's checks
text tdset.h5 -d /dset1 -s 1,2,3
text tdset.h5 -d /dset1 -c 1,2,3
text tdset.h5 -d /dset1 -S 1,2,3
text tdset.h5 -d /dset1 -k 1,2,3
text tdset.h5 -d /dset1 -c 2,2 -S 1,1 -k 2,1
text tdset.h5 -d /dset1 -c 2,2 -S 1,1 -k 1,2
text tdset.h5 -d /dset1 -c 1,1 -S 1,1 -k 2,2
text tdset.h5 -d /dset1 -s 1,2,3 -d /dset2 -s 1
text tdset.h5 -H -d /dset1 -s 1,2,3
text tnullspace.h5 -d /dset -s 1
text tscalarstring.h5 -d /the_str -s 0
# rows outside the extent, zero strides, counts and blocks
text tdset.h5 -d /dset1 -s 8,0 -c 4,2
text tdset.h5 -d /dset1 -s 1,2 -c 2,25
text tdset.h5 -d /dset1 -s 10,0
text taindices.h5 -d 3d -s 0,8,0 -c 2,4,2
text taindices.h5 -d 3d -s 1,0,0 -c 3,1,1
text taindices.h5 -d 3d -s 5,0,0 -c 40,1,1
text taindices.h5 -d 4d -s 1,1,0,0 -c 2,2,2,2
text taindices.h5 -d 1d -s 99 -c 2
text taindices.h5 -d 1d -s 98 -c 2
text taindices.h5 -d 1d -s 99999999999999999999999
text tdset.h5 -d /dset1 -S 0,1 -c 1,2
text tdset.h5 -d /dset1 -S 1,0 -c 2,1
text tdset.h5 -d /dset1 -c 0,2
text tdset.h5 -d /dset1 -c 2,0
text tdset.h5 -d /dset1 -k 0,1
text tdset.h5 -d /dset1 -k 1,0
text taindices.h5 -d 1d -c 0
text taindices.h5 -d 1d -k 0
text taindices.h5 -d 1d -S 0
text taindices.h5 -d 1d -S 0 -c 2 -k 0
text taindices.h5 -d 3d -k 0,1,1
text taindices.h5 -d 3d -S 0,1,1 -c 1,2,2
# -E: what h5dump reports for rows that print nothing
text tdset.h5 -E -d /dset1 -s 8,0 -c 4,2
text tdset.h5 -E -d /dset1 -s 1 -c 1
text tdset.h5 -E -d /dset1 -S 0,1 -c 1,2
text taindices.h5 -E -d 3d -s 0,8,0 -c 2,4,2 -d 3d -s 0,0,0 -c 2,1,0
text taindices.h5 -E -d 3d -s 5,0,0 -c 40,1,1
text taindices.h5 -E -d 4d -s 0,1,0,0 -c 2,3,2,2
text taindices.h5 -E -d 1d -s 18446744073709551615 -c 2 -S 2
# widths, -y, -r, -H, -A, -p
text tdset.h5 -d /dset1 -c 3,20 -w 30
text tdset.h5 -d /dset1 -s 1,1 -S 1,3 -c 3,6 -k 1,2 -w 30
text tdset.h5 -d /dset1 -s 1,1 -S 1,3 -c 3,6 -k 1,2 -w 30 -y
text tdset.h5 -d /dset1 -c 3,20 -y
text tdset.h5 -d /dset1 -c 3,20 -w 0
text tdset.h5 -d /dset1 -c 3,20 -w 10
text tdset.h5 -d /dset1 -s 0,0 -c 2,2 -w 5
text taindices.h5 -d 1d -s 0 -c 20 -k 5 -S 5 -w 40
text tdset.h5 -H -d /dset1 -s 1,2
text tdset.h5 -A -d /dset1 -s 1,2
text tdset.h5 -A 0 -d /dset1 -s 1,2
text tdset.h5 -p -d /dset1 -s 1,2 -c 2,3
text tattr2.h5 -d /dset -s 1 -c 1
text tchar.h5 -r -d /Dataset1 -s 1 -c 30 -S 2
text tchar.h5 -r -w 30 -d /Dataset1 -s 1 -c 100
# datatypes
text tall.h5 -d /g2/dset2.2 -s 1,1 -c 2,2
text tcompound.h5 -d /group1/dset3 -s 1,2 -c 2,3 -w 40
text tstr.h5 -d /comp1 -s 1,2 -c 2,2
text tstr.h5 -d /string3 -s 3 -c 5 -k 2 -S 3
text tarray1.h5 -d /Dataset1 -s 1 -c 2
text tvldtypes1.h5 -d /Dataset2.0 -s 1 -c 3
text tvlstr.h5 -d /Dataset1 -s 1 -c 2
text tenum.h5 -d /table -s 2 -c 5 -S 2
text tbitfields.h5 -d /typetests/bitfield_1 -s 2 -c 5 -S 2
text topaque.h5 -d "/opaque test" -s 1
text tldouble.h5 -d /dset -s 1 -c 2
text tnestedcomp.h5 -d /ArrayOfStructures -s 1 -c 2
text tfloatsattrs.h5 -d /DS32BITS -s 1,3 -c 2,5
text thyperslab.h5 -d /stripmine -s 1,4000 -c 2,50
text tdset2.h5 -d /dset1 -s 1,1 -c 5,5
text tfilters.h5 -d /deflate -s 1,1 -c 5,5 -S 3,2
text tattr2.h5 -d /g2/array3D -s 1,1,0 -c 2,1,2
text tattr2.h5 -d /g2/compound3D -s 1,0,1 -c 2,2,1 -k 1,1,1 -S 2,1,1
text tattr2.h5 -d /g2/opaque2D -s 1,0 -c 2,2
text tattr2.h5 -d /g2/string3D -s 0,1,0 -S 2,1,1 -c 2,2,2 -w 40
text tattr2.h5 -d /g2/vlen3D -s 1,1,0 -c 2,2,2 -k 1,1,1
text tattr2.h5 -d /g2/bitfield2D -s 1,1 -c 2,1
text tattr2.h5 -d /g2/enum3D -s 0,0,1 -c 4,3,1 -S 1,1,1
text tattr2.h5 -d /g2/reference3D -s 1,1,0 -c 2,1,2
text tnullspace.h5 -d "/dset[]"
text tnullspace.h5 -d /dset -s 0
text tscalarstring.h5 -H -d "/the_str[]"
# references: printed whole; the datasets they name take the subset
text tobjref.h5 -d /Dataset3 -s 1 -c 1
text tdatareg.h5 -d /Dataset1 -s 1 -c 1
text trefer_compat.h5 -d /Dataset3 -s 1 -c 1 -k 2
text tref.h5 -d /ZZZDataset3 -s 1
text trefer_grp.h5 -d "/dset[]"
text trefer_grp.h5 -d /dset -s 0
# where h5dump reads undefined memory or crashes, cfive refuses
refuse tints4dims.h5 -d FourDimInts -s 1,1 -c 1,1
refuse tints4dims.h5 -d FourDimInts -s 1
refuse taindices.h5 -d 1d -s 5 -c 2 -S 18446744073709551615
refuse zerodim.h5 -d "/dset of 0 dimension size" -s 0,0
refuse tscalarstring.h5 -d "/the_str[]"
refuse tscalarstring.h5 -d "/the_str[]" -b LE -o /dev/null
# binary export
bin-LE tdset.h5 -d /dset1 -s 1,2 -S 2,3 -c 2,2 -k 1,2
bin-BE tdset.h5 -d /dset1 -s 8,0 -c 4,2
bin-FILE taindices.h5 -d 3d -s 0,1,2 -S 1,3,3 -c 2,2,2 -k 1,2,2
bin-LE taindices.h5 -d 4d -s 0,0,1,2 -c 2,2,3,2 -S 1,1,3,3 -k 1,1,2,2
bin-BE tints4dims.h5 -d FourDimInts -s 0,0,0,0 -c 1,1,1,1 -k 2,2,2,2
bin-LE taindices.h5 -d 1d -s 1 -S 10 -c 9 -k 7
bin-LE tdset.h5 -d "/dset1[1,1;;;]" -d /dset2 -s 2 -c 3,3
bin-LE tdset.h5 -d /dset1 -s 1,2,3
bin-FILE tdset.h5 -d /dset1 -c 0,2
bin-BE thyperslab.h5 -d /stripmine -s 1,4000 -c 2,50
bin-LE tfloatsattrs.h5 -d /DS64BITS -s 1,3 -c 2,5
CASES

# Generated cases (bash's RANDOM with a fixed seed): subsets of 1-D to
# 4-D datasets, hitting the edges, in both spellings.
gen() {
    local specs=(
        "tdset.h5 /dset1 10 20" "tdset.h5 /dset2 30 20" "taindices.h5 1d 100"
        "taindices.h5 2d 10 10" "taindices.h5 3d 2 10 10" "taindices.h5 4d 2 2 10 10"
        "tints4dims.h5 FourDimInts 4 6 8 10" "tall.h5 /g1/g1.1/dset1.1.1 10 10"
        "tcompound.h5 /group1/dset3 3 6" "tstr.h5 /string1 3 4"
        "tattr2.h5 /g2/compound3D 4 3 2" "tattr2.h5 /g2/integer3D 4 3 2"
        "tattr2.h5 /g2/vlen2D 3 2" "tfilters.h5 /chunked 20 10"
    )
    RANDOM=4242
    local k
    for ((k = 0; k < 150; k++)); do
        local spec=(${specs[RANDOM % ${#specs[@]}]})
        local f=${spec[0]} ds=${spec[1]} dims=("${spec[@]:2}")
        local s=() t=() c=() b=() d
        for d in "${dims[@]}"; do
            local st=$((RANDOM % (d + 1))) bk=$((RANDOM % 3 + 1))
            [ $((RANDOM % 5)) -eq 0 ] && st=$((d - 1))
            local sd=$((bk + RANDOM % 3))
            local n=$(((d - st) / sd + RANDOM % 2))
            [ $n -lt 1 ] && n=1
            local ct=$((RANDOM % n + 1))
            s+=("$st") t+=("$sd") c+=("$ct") b+=("$bk")
        done
        local j
        j() { local IFS=,; echo "$*"; }
        local opt=
        case $((RANDOM % 6)) in 0) opt="-y" ;; 1) opt="-w $((RANDOM % 80 + 20))" ;; esac
        if [ $((RANDOM % 3)) -eq 0 ]; then
            echo "text $f $opt -d \"$ds[$(j "${s[@]}");$(j "${t[@]}");$(j "${c[@]}");$(j "${b[@]}")]\""
        else
            echo "text $f $opt -d $ds -s $(j "${s[@]}") -S $(j "${t[@]}") -c $(j "${c[@]}") -k $(j "${b[@]}")"
        fi
    done
}
gen >>"$cases"

i=0
while IFS= read -r line; do
    case $line in '' | '#'*) continue ;; esac
    eval "set -- $line"
    i=$((i + 1))
    run_case "$tmp/res/$(printf '%06d' $i)" "$@" &
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n
    done
done <"$cases"
wait

pass=0 fail=0 skip=0
for r in "$tmp"/res/*; do
    while IFS= read -r line; do
        case $line in
        "PASS "*) pass=$((pass + 1)); echo "$line" ;;
        "SKIP "*) skip=$((skip + 1)) ;;
        "FAIL "*)
            fail=$((fail + 1))
            rest=${line#FAIL }
            echo "FAIL ${rest%%$'\t'*} (${rest#*$'\t'})"
            ;;
        *) echo "$line" ;;
        esac
    done <"$r"
done
[ $skip -gt 0 ] && echo "($skip cases skipped: file not found)"
echo "dump subset: $pass passed, $fail failed"
[ $fail -eq 0 ]
