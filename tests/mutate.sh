#!/bin/sh
# Truncation and byte-flip robustness: $B/mutate on every committed fixture
# (64 truncations + 1000 metadata byte flips each) and on a varied selection
# of the HDF5 1.14 test files (64 truncations + FLIPS_SHARED flips each,
# 1000 unless overridden).
# A crash, sanitizer report (run with SAN=address for leaks) or per-case
# hang fails the file; failing mutants are saved under $B/mutate-crashes/.
B=${B:-build}
MUTATE=$B/mutate
FLIPS=${FLIPS:-1000}
FLIPS_SHARED=${FLIPS_SHARED:-1000}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
if [ ! -x "$MUTATE" ]; then
    echo "mutate.sh: $MUTATE not built" >&2
    exit 1
fi
shared=
for d in "$(git rev-parse --show-toplevel 2>/dev/null)/../shared" "$top/../shared" /work/shared; do
    if [ -d "$d/testfiles/hdf5-1.14.0" ]; then
        shared=$d/testfiles/hdf5-1.14.0
        break
    fi
done
MUTATE_SAVE=$B/mutate-crashes
export MUTATE_SAVE
mkdir -p "$MUTATE_SAVE"

pass=0
fail=0
run() { # file flips
    out=$(timeout -s KILL 900 "$MUTATE" -t 64 -f "$2" "$1" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1))
        [ -n "$VERBOSE" ] && echo "$out"
    else
        fail=$((fail + 1))
        echo "FAIL (exit $rc): $1"
        echo "$out" | tail -n 40 | sed 's/^/    /'
    fi
}

for f in tests/fixtures/*.h5; do
    [ -f "$f" ] && run "$f" "$FLIPS"
done
if [ -n "$shared" ]; then
    for n in tgroup tordergr tmany tlarge_objname tloop thlink tsoftlinks textlink tudlink \
             tattr tattr2 torderattr tattrreg tnamed_dtype_attr \
             tvldtypes1 tvldtypes2 tvlstr tvlenstr_array tstr3 charsets tcompound tcompound_complex \
             tnestedcmpddt tarray1 tarray8 tarrold tenum topaque tbitfields tvms tldouble \
             tref tdatareg trefer_attr trefer_reg test_ds_le_new_ref trefer_compat \
             tdset_idx btree_idx_1_6 btree_idx_1_8 deflate tfilters h5repack_layout \
             h5repack_nbit h5repack_soffset h5repack_shuffle h5repack_fletcher tfvalues fill_old \
             zerodim tnullspace tbigdims tints4dims 1_vds h5stat_tsohm test_table_le \
             h5fc_ext1_i h5fc_edge_v3 fsm_aggr_persist paged_persist twithub tsizeslheap \
             bad_compound bad_offset corrupt_stab_msg cve_2020_10810 tbad_msg_count \
             h5repack_CVE-2018-17432 tCVE_2018_11206_fill_new; do
        [ -f "$shared/$n.h5" ] && run "$shared/$n.h5" "$FLIPS_SHARED"
    done
else
    echo "mutate.sh: shared test files not found; fixtures only"
fi
rmdir "$MUTATE_SAVE" 2>/dev/null
echo "mutate: $pass passed, $fail failed"
[ $fail -eq 0 ]
