/* Version 2 B-tree (spec III.A.2): header "BTHD", internal "BTIN", leaf
 * "BTLF". Reading only needs in-order iteration over raw records. */
#ifndef C5_BTREE2_H
#define C5_BTREE2_H
#include "../core/internal.h"

/* Called once per record, in key order, with the record's raw bytes (the
 * tree's record size). Return nonzero to stop; that value is returned. */
typedef int (*c5_bt2_cb)(void *ud, const uint8_t *rec, size_t len);

/* Iterate every record of the tree whose header is at addr. *type_out (may
 * be NULL) receives the tree's type field. Checksums are verified; depth
 * and record counts are bounded; cycles are rejected. */
int c5_bt2_iterate(c5_file *f, uint64_t addr, int *type_out, c5_bt2_cb cb, void *ud);

#endif
