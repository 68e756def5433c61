/* cfive: the command-line tool. Dispatches `cfive <subcommand> ...` to the
 * entry points declared in tools.h; each subcommand mimics the matching
 * libhdf5 tool (ls -> h5ls, ...) so scripts can switch between them.
 */
#include <stdio.h>
#include <string.h>

#include "tools.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;


static const subcommand commands[] = {
    {"ls", c5tool_ls, "list the objects of an HDF5 file (output as h5ls)"},
    {"dump", c5tool_dump, "print the file as h5dump does (or export datasets with -b)"},
    {"repack", c5tool_repack, "copy a file into a new one, optionally re-filtered (as h5repack)"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: cfive <command> [ARGS...]\n"
                 "       cfive --version\n"
                 "       cfive help [command]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun `cfive <command> --help` for the options of a command.\n");
}

static const subcommand *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 ||
        strcmp(cmd, "version") == 0) {
        printf("cfive %d.%d.%d\n", C5_VERSION_MAJOR, C5_VERSION_MINOR, C5_VERSION_PATCH);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc > 2) {
            const subcommand *sc = find(argv[2]);
            if (sc) {
                /* A subcommand prints its own usage for --help. */
                char help[] = "--help";
                char *sub_argv[3] = {(char *)sc->name, help, NULL};
                return sc->run(2, sub_argv);
            }
            fprintf(stderr, "cfive: unknown command '%s'\n\n", argv[2]);
            usage(stderr);
            return 1;
        }
        usage(stdout);
        return 0;
    }
    const subcommand *sc = find(cmd);
    if (!sc) {
        fprintf(stderr, "cfive: unknown command '%s'\n\n", cmd);
        usage(stderr);
        return 1;
    }
    return sc->run(argc - 1, argv + 1);
}
