/* Shared declarations for the cfive command-line tool.
 *
 * Each subcommand lives in its own tools/<name>.c and exports one entry
 * point with main()'s shape. argv[0] is the subcommand name ("ls"), so a
 * subcommand parses its options exactly as a standalone program would.
 * The return value is the process exit status.
 *
 * Adding a subcommand: declare its entry point here and add one row to the
 * table in tools/main.c.
 */
#ifndef CFIVE_TOOLS_H
#define CFIVE_TOOLS_H

#include "cfive.h"

/* `cfive ls`: lists groups and objects, byte for byte like h5ls. */
int c5tool_ls(int argc, char **argv);
/* `cfive dump [OPTIONS] FILE`: prints what h5dump prints; with -b/-o it
 * writes dataset elements as h5dump -b does. */
int c5tool_dump(int argc, char **argv);
/* `cfive repack [--latest] [-f FILT] [-l LAYT] IN OUT`: copies a file as
 * h5repack does (tools/repack.c). */
int c5tool_repack(int argc, char **argv);

#endif
