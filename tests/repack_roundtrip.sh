#!/usr/bin/env bash
# Round trips through `cfive repack`: the copy must hold what the original
# holds, as h5dump, h5py, h5wasm and PyTables see it.
#
#   tests/repack_roundtrip.sh [FILE...]          (run from anywhere)
#
# For every input file and every format (compatible, then latest):
#   1. skip the file when `h5dump IN` fails (or takes over 60 s);
#   2. `REPACK_CMD [--latest] [REPACK_ARGS] IN OUT` must exit 0;
#   3. `h5dump OUT` must print what `h5dump IN` prints, once both are
#      normalised: the file name on the first line, and object addresses,
#      which a copy cannot keep: those of object references
#      (`DATASET 1234 "/path"` -> `DATASET "/path"`, also GROUP and DATATYPE)
#      and the names h5dump makes up for anonymous committed datatypes
#      (`"#1234"`, `"/#1234"`);
#   4. tests/h5py_compare.py IN OUT: links, link order, hard-link sharing,
#      attributes, datatypes, shapes and values (references by target), and
#      with --props (used unless REPACK_ARGS changes filters or layout) the
#      storage properties: layout, chunks, filters, fill value and times;
#   5. node tests/h5wasm_check.mjs --against IN OUT: h5wasm (libhdf5 2.0)
#      reads OUT and finds the same digest as in IN (only OUT must read
#      where h5wasm cannot read IN);
#   6. for PyTables files (root attribute PYTABLES_FORMAT_VERSION):
#      tests/pytables_compare.py IN OUT (node classes, data, attributes).
# Commands run in IN's folder, so external links and external raw data
# resolve as they do for the original.
#
# Inputs: tests/fixtures/*.h5, tests/fixtures/gen/*.h5 (generated first, as
# tests/conformance_ls.sh does, when /usr/bin/python3 has h5py and PyTables)
# and the HDF5 1.14.0 tools/testfiles files of the corpus: REPACK_CORPUS,
# else ../shared/testfiles/hdf5-1.14.0 beside the repository, else
# /work/shared/testfiles/hdf5-1.14.0. REPACK_ALL=1 takes every .h5 of the
# corpus instead of the tools/testfiles ones.
#
# Environment:
#   B=build               build folder holding cfive
#   REPACK_CMD            repacker (default "$B/cfive repack"); "h5repack"
#                         checks the harness itself against libhdf5's tool
#   REPACK_LATEST_FLAG    its latest-format flag (default --latest; -L for
#                         h5repack)
#   REPACK_ARGS           extra options for every run (e.g. "-f GZIP=6");
#                         storage properties are then not compared (layouts
#                         CONTI/COMPA also drop unlimited max dims, which
#                         h5dump and h5py then report)
#   REPACK_FORMATS        "compatible latest" (default) or one of them
#   REPACK_LIMIT=N        only the first N input files
#   REPACK_KEEP=DIR       keep outputs and dumps in DIR
# Prints PASS/FAIL/SKIP per case and ends with
#   "repack: N passed, M failed, K skipped"; exits 1 when M > 0.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$root/$B ;; esac
PY=/usr/bin/python3
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins}
# Debian's LZF plugin is not linked against liblzf: h5dump gets it
# preloaded so it can read LZF chunks (only h5dump: a sanitizer build of
# cfive must not see a preload).
lzf_lib=/usr/lib/x86_64-linux-gnu/liblzf.so.1
h5dump_cmd=(h5dump)
[ -e "$lzf_lib" ] && h5dump_cmd=(env "LD_PRELOAD=$lzf_lib" h5dump)

REPACK_CMD=${REPACK_CMD:-$B/cfive repack}
read -r -a repack_cmd <<<"$REPACK_CMD"
if [ "$(basename "${repack_cmd[0]}")" = h5repack ]; then
    latest_flag=${REPACK_LATEST_FLAG:--L}
else
    latest_flag=${REPACK_LATEST_FLAG:---latest}
fi
read -r -a repack_args <<<"${REPACK_ARGS:-}"
read -r -a formats <<<"${REPACK_FORMATS:-compatible latest}"
if ! command -v "${repack_cmd[0]}" >/dev/null; then
    echo "repack_roundtrip: ${repack_cmd[0]} not found (build cfive, or set REPACK_CMD)" >&2
    exit 2
fi
for t in h5dump timeout; do
    if ! command -v $t >/dev/null; then
        echo "repack_roundtrip: $t not installed (apt-get install hdf5-tools coreutils)" >&2
        exit 2
    fi
done
have_py=0
if [ -x "$PY" ] && "$PY" -c 'import h5py, numpy' 2>/dev/null; then
    have_py=1
else
    echo "SKIP h5py step for every case: $PY cannot import h5py (apt-get install python3-h5py)"
fi
have_tables=0
[ $have_py = 1 ] && "$PY" -c 'import tables' 2>/dev/null && have_tables=1
have_wasm=0
if ! command -v node >/dev/null; then
    echo "SKIP h5wasm step for every case: node is not installed (apt-get install nodejs npm)"
elif ! (cd "$root/tests" && node -e 'import("h5wasm/node").then(()=>process.exit(0),()=>process.exit(1))') 2>/dev/null; then
    echo "SKIP h5wasm step for every case: h5wasm is not installed (cd tests && npm install)"
else
    have_wasm=1
fi
# Filters or layouts changed on purpose: storage properties cannot match.
props=--props
[ ${#repack_args[@]} -gt 0 ] && props=

# ---- inputs ------------------------------------------------------------------
gen=$root/tests/fixtures/gen
if [ $# -eq 0 ] && [ -x "$PY" ] && "$PY" -c 'import h5py, tables, netCDF4' 2>/dev/null; then
    mkdir -p "$B"
    (
        command -v flock >/dev/null && flock 9
        if [ ! -f "$gen/.stamp" ] || [ "$root/tests/gen_fixtures.py" -nt "$gen/.stamp" ]; then
            rm -rf "$gen" && "$PY" "$root/tests/gen_fixtures.py" "$gen" >/dev/null && touch "$gen/.stamp"
        fi
    ) 9>"$B/.fixtures.lock" || echo "repack_roundtrip: fixture generation failed" >&2
fi

corpus=${REPACK_CORPUS:-}
if [ -z "$corpus" ]; then
    top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null || echo "$root")
    for d in "$top/../shared" "$root/../shared" /work/shared; do
        if [ -d "$d/testfiles/hdf5-1.14.0" ]; then
            corpus=$(cd "$d/testfiles/hdf5-1.14.0" && pwd)
            break
        fi
    done
fi

# The .h5 files of the HDF5 1.14.0 source tree's tools/testfiles (with its
# vds/ folder); the corpus folder holds them flattened among the others.
tools_testfiles="
    1_a.h5 1_b.h5 1_c.h5 1_d.h5 1_e.h5 1_f.h5 1_vds.h5 2_a.h5 2_b.h5 2_c.h5 2_d.h5 2_e.h5 2_vds.h5
    3_1_vds.h5 3_2_vds.h5 4_0.h5 4_1.h5 4_2.h5 4_vds.h5 5_a.h5 5_b.h5 5_c.h5 5_vds.h5 a.h5 b.h5
    c.h5 charsets.h5 d.h5 err_attr_dspace.h5 f-0.h5 f-3.h5 family_file00000.h5 family_file00001.h5
    family_file00002.h5 family_file00003.h5 family_file00004.h5 family_file00005.h5
    family_file00006.h5 family_file00007.h5 family_file00008.h5 family_file00009.h5
    family_file00010.h5 family_file00011.h5 family_file00012.h5 family_file00013.h5
    family_file00014.h5 family_file00015.h5 family_file00016.h5 family_file00017.h5 file_space.h5
    filter_fail.h5 packedbits.h5 t128bit_float.h5 tCVE_2018_11206_fill_new.h5
    tCVE_2018_11206_fill_old.h5 taindices.h5 tall.h5 tarray1.h5 tarray1_big.h5 tarray2.h5
    tarray3.h5 tarray4.h5 tarray5.h5 tarray6.h5 tarray7.h5 tarray8.h5 tattr.h5 tattr2.h5
    tattr4_be.h5 tattrintsize.h5 tattrreg.h5 tbigdims.h5 tbinary.h5 tbitfields.h5 tbitnopaque.h5
    tchar.h5 tcmpdattrintsize.h5 tcmpdintarray.h5 tcmpdints.h5 tcmpdintsize.h5 tcompound.h5
    tcompound2.h5 tcompound_complex.h5 tcompound_complex2.h5 tdatareg.h5 tdset.h5 tdset2.h5
    tdset_idx.h5 tempty.h5 tenum.h5 textlink.h5 textlinkfar.h5 textlinksrc.h5 textlinktar.h5
    tfamily00000.h5 tfamily00001.h5 tfamily00002.h5 tfamily00003.h5 tfamily00004.h5 tfamily00005.h5
    tfamily00006.h5 tfamily00007.h5 tfamily00008.h5 tfamily00009.h5 tfamily00010.h5 tfcontents1.h5
    tfcontents2.h5 tfilters.h5 tfloatsattrs.h5 tfpformat.h5 tfvalues.h5 tgroup.h5 tgrp_comments.h5
    tgrpnullspace.h5 thlink.h5 thyperslab.h5 tints4dims.h5 tintsattrs.h5 tintsnodata.h5
    tlarge_objname.h5 tldouble.h5 tldouble_scalar.h5 tlonglinks.h5 tloop.h5 tloop2.h5 tmany.h5
    tmulti-b.h5 tmulti-g.h5 tmulti-l.h5 tmulti-o.h5 tmulti-r.h5 tmulti-s.h5 tname-amp.h5
    tname-apos.h5 tname-gt.h5 tname-lt.h5 tname-quot.h5 tname-sp.h5 tnamed_dtype_attr.h5
    tnestedcmpddt.h5 tnestedcomp.h5 tno-subset.h5 tnodata.h5 tnullspace.h5 tobjref.h5 topaque.h5
    torderattr.h5 tordergr.h5 tref-escapes-at.h5 tref-escapes.h5 tref.h5 trefer_attr.h5
    trefer_compat.h5 trefer_ext1.h5 trefer_ext2.h5 trefer_grp.h5 trefer_obj.h5 trefer_obj_del.h5
    trefer_param.h5 trefer_reg.h5 trefer_reg_1d.h5 tsaf.h5 tscalarattrintsize.h5
    tscalarintattrsize.h5 tscalarintsize.h5 tscalarstring.h5 tslink.h5 tsoftlinks.h5
    tsplit_file-m.h5 tsplit_file-r.h5 tst_onion_dset_1d.h5 tst_onion_dset_ext.h5 tst_onion_objs.h5
    tstr.h5 tstr2.h5 tstr3.h5 tstring-at.h5 tstring.h5 tudfilter.h5 tudlink.h5 tvldtypes1.h5
    tvldtypes2.h5 tvldtypes3.h5 tvldtypes4.h5 tvldtypes5.h5 tvlenstr_array.h5 tvlstr.h5 tvms.h5
    vds-eiger.h5 vds-percival-unlim-maxmin.h5 zerodim.h5"

if [ $# -gt 0 ]; then
    files=("$@")
else
    files=("$root"/tests/fixtures/*.h5)
    [ -d "$gen" ] && files+=("$gen"/*.h5)
    if [ -n "$corpus" ] && [ "${REPACK_ALL:-0}" = 1 ]; then
        files+=("$corpus"/*.h5)
    elif [ -n "$corpus" ]; then
        for n in $tools_testfiles; do
            [ -f "$corpus/$n" ] && files+=("$corpus/$n")
        done
    else
        echo "repack_roundtrip: no HDF5 1.14.0 corpus found (set REPACK_CORPUS); fixtures only" >&2
    fi
fi
if [ -n "${REPACK_LIMIT:-}" ] && [ "${#files[@]}" -gt "$REPACK_LIMIT" ]; then
    files=("${files[@]:0:$REPACK_LIMIT}")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
keep=${REPACK_KEEP:-}
[ -n "$keep" ] && mkdir -p "$keep"
pass=0 fail=0 skip=0

# h5dump output with what a copy cannot keep the same made uniform.
normalise() {
    sed -E -e '1s/^HDF5 ".*" \{$/HDF5 "FILE" {/' \
        -e 's/\b(GROUP|DATASET|DATATYPE) [0-9]+ "/\1 "/g' \
        -e 's/"(\/?)#[0-9]+"/"\1#ADDR"/g'
}

# fail_case NAME WHAT FILE: report a failure with the head of FILE.
# Files cfive cannot copy yet, one "name  reason" per line: reported as
# XFAIL (and as a failure if they start to pass, so the list stays true).
known=$root/tests/repack_known_failures.txt
xfail=0
known_reason() { # CASE: name.h5[format]; entries name either the case or the file
    [ -f "$known" ] || return 0
    local c f
    c=$(basename "$1")
    f=${c%%\[*}
    awk -v c="$c" -v f="$f" '$1 == c || $1 == f { $1 = ""; sub(/^ /, ""); print; exit }' "$known"
}
fail_case() {
    local why
    why=$(known_reason "$1")
    if [ -n "$why" ]; then
        echo "XFAIL $1 ($2: $why)"
        xfail=$((xfail + 1))
        return
    fi
    echo "FAIL $1 ($2)"
    [ -s "$3" ] && head -n 12 "$3" | sed 's/^/    /'
    fail=$((fail + 1))
}

# A mirror of each input folder (symbolic links to its files) holds the
# copy under the original's name, so that the copy's external links and
# external raw data resolve as the original's do: a link to the file
# itself leads to the copy, a link to a sibling to the sibling.
mirror_of() {
    local dir=$1 m
    m=$tmp/mirror/$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
    if [ ! -d "$m" ]; then
        mkdir -p "$m"
        for x in "$dir"/* "$dir"/.[!.]*; do
            [ -e "$x" ] && ln -s "$x" "$m/$(basename "$x")"
        done
    fi
    printf '%s' "$m"
}

# run_py NAME LOG ARGS...: run a Python check; 0 ok, 1 differs, 2 when
# Python crashed on IN itself (h5py/PyTables cannot read the original).
run_py() {
    local script=$1 log=$2 rc
    shift 2
    ("$PY" "$root/tests/$script" "$@") >"$log" 2>&1
    rc=$?
    [ $rc -eq 0 ] && return 0
    if [ $rc -ge 128 ]; then
        local a=("$@")
        local n=${#a[@]}
        ("$PY" "$root/tests/$script" "${a[@]:0:n-1}" "${a[n-2]}") >/dev/null 2>&1
        [ $? -ge 128 ] && return 2
        echo "($script crashed: exit status $rc)" >>"$log"
    fi
    return 1
}

for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    in=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
    dir=$(dirname "$in")
    name=$(basename "$in")
    label=${in#"$root/"}
    [ -n "$corpus" ] && label=${label#"$corpus/"}
    if ! (cd "$dir" && timeout 60 "${h5dump_cmd[@]}" "$name" >"$tmp/in.ddl" 2>/dev/null); then
        echo "SKIP $label (h5dump fails on it)"
        skip=$((skip + ${#formats[@]}))
        continue
    fi
    normalise <"$tmp/in.ddl" >"$tmp/in.norm"
    is_pytables=0
    [ $have_tables = 1 ] && (cd "$dir" && h5dump -a /PYTABLES_FORMAT_VERSION "$name") >/dev/null 2>&1 &&
        is_pytables=1
    mirror=$(mirror_of "$dir")
    out=$mirror/$name
    for fmt in "${formats[@]}"; do
        case=$label[$fmt]
        t0=$SECONDS
        notes=
        rm -f "$out"
        flags=()
        [ "$fmt" = latest ] && flags=("$latest_flag")
        (cd "$mirror" && timeout 300 "${repack_cmd[@]}" "${flags[@]}" "${repack_args[@]}" "$in" "$out") \
            >"$tmp/repack.log" 2>&1
        rc=$?
        if [ $rc -ne 0 ]; then
            fail_case "$case" "repack exit status $rc" "$tmp/repack.log"
            continue
        fi
        if [ ! -f "$out" ] || [ -L "$out" ]; then
            fail_case "$case" "repack exit status 0 but no output file" "$tmp/repack.log"
            continue
        fi
        (cd "$mirror" && timeout 60 "${h5dump_cmd[@]}" "$name" >"$tmp/out.ddl" 2>"$tmp/out.err") 2>>"$tmp/out.err"
        rc=$?
        if [ $rc -ne 0 ]; then
            fail_case "$case" "h5dump cannot read the copy: exit status $rc" "$tmp/out.err"
            continue
        fi
        normalise <"$tmp/out.ddl" >"$tmp/out.norm"
        if [ -n "$keep" ]; then
            mkdir -p "$keep/$fmt"
            cp "$out" "$keep/$fmt/$name"
            cp "$tmp/in.ddl" "$keep/$fmt/$name.in.ddl"
            cp "$tmp/out.ddl" "$keep/$fmt/$name.out.ddl"
        fi
        if ! diff -u "$tmp/in.norm" "$tmp/out.norm" >"$tmp/diff"; then
            sed -i '1,2d' "$tmp/diff"
            fail_case "$case" "h5dump output differs" "$tmp/diff"
            continue
        fi
        checks=h5dump
        if [ $have_py = 1 ]; then
            (cd "$mirror" && run_py h5py_compare.py "$tmp/py.log" $props "$in" "$out") 2>/dev/null
            rc=$?
            if [ $rc -eq 1 ]; then
                fail_case "$case" "h5py_compare" "$tmp/py.log"
                continue
            fi
            if [ $rc -eq 2 ]; then
                notes+="; h5py step skipped: h5py crashes on the original"
            else
                checks+=,h5py
            fi
        fi
        if [ $have_wasm = 1 ]; then
            (cd "$mirror" && timeout 300 node "$root/tests/h5wasm_check.mjs" --against "$in" "$out") \
                >"$tmp/wasm.log" 2>/dev/null
            rc=$?
            if [ $rc -ne 0 ]; then
                fail_case "$case" "h5wasm_check exit status $rc" "$tmp/wasm.log"
                continue
            fi
            checks+=,h5wasm
            grep -q "IN unreadable" "$tmp/wasm.log" && notes+="; h5wasm cannot open the original: copy read only"
            grep -q "not checked" "$tmp/wasm.log" && notes+="; h5wasm lacks a filter of the copy: some values not checked"
        fi
        if [ $is_pytables = 1 ]; then
            (cd "$mirror" && run_py pytables_compare.py "$tmp/pt.log" "$in" "$out") 2>/dev/null
            rc=$?
            if [ $rc -eq 1 ]; then
                fail_case "$case" "pytables_compare" "$tmp/pt.log"
                continue
            fi
            if [ $rc -eq 2 ]; then
                notes+="; PyTables step skipped: PyTables crashes on the original"
            else
                checks+=,pytables
            fi
        fi
        [ $((SECONDS - t0)) -ge 20 ] && notes+="; $((SECONDS - t0)) s"
        if [ -n "$(known_reason "$case")" ]; then
            echo "XPASS $case: listed in $(basename "$known") but passes now"
            fail=$((fail + 1))
            continue
        fi
        echo "PASS $case ($checks$notes)"
        pass=$((pass + 1))
    done
    rm -f "$out"
    [ -e "$in" ] && ln -s "$in" "$out"
done

echo "repack: $pass passed, $fail failed, $skip skipped, $xfail expected failures"
[ $fail -eq 0 ]
