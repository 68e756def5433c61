/* Metadata cache image (libhdf5 1.10+): metadata that a file keeps inside
 * one image block instead of (or newer than) at its own addresses. */
#ifndef C5_MDCI_H
#define C5_MDCI_H
#include "../core/internal.h"

/* Find the cache image named by the superblock extension (v2/v3
 * superblocks), read and verify the image block, and attach the table of
 * cached entries to f->mdci. A no-op (returns 0) when the file has no
 * extension, no cache image message, or an undefined image address, and
 * when f->mdci is already set. Call once at open, after the superblock and
 * before any other metadata is read; not thread-safe (it mutates f). */
int c5_mdci_load(c5_file *f);

/* Read and verify the image block of len bytes at addr (as named by a
 * cache image message) and attach it to f->mdci. For tests and recovery
 * tools; c5_mdci_load calls it. No-op when f->mdci is already set. */
int c5_mdci_load_block(c5_file *f, uint64_t addr, uint64_t len);

/* Release f->mdci (NULL-safe; sets it to NULL). */
void c5_mdci_free(c5_file *f);

/* If [addr, addr+n) lies inside one cached entry, set *out to the cached
 * bytes (owned by f->mdci, valid until c5_mdci_free) and return 1;
 * otherwise return 0 and set *out to NULL. Read-only: safe to call from
 * several threads once loaded. */
int c5_mdci_lookup(const c5_file *f, uint64_t addr, size_t n, const uint8_t **out);

/* Overwrite the parts of buf (which holds the n file bytes at addr) that
 * are covered by cached entries with the cached bytes. Returns the number
 * of bytes replaced. Read-only on f: safe from several threads. */
size_t c5_mdci_patch(const c5_file *f, uint64_t addr, void *buf, size_t n);

/* Number of cached entries (0 without an image); for tests and tools. */
size_t c5_mdci_count(const c5_file *f);

#endif
