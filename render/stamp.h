/*
 * stamp.h - cheap fingerprints of files and folders, to tell whether what
 * a page was made from changed since (site.c's render cache).
 */
#ifndef SPOOLBOARD_STAMP_H
#define SPOOLBOARD_STAMP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STAMP_START 0xcbf29ce484222325ULL

/* 64-bit FNV-1a of the n bytes of data, going on from h (STAMP_START). */
uint64_t stamp_hash(uint64_t h, const void *data, size_t n);

/*
 * The fingerprint of the folder name in the folder dir (AT_FDCWD: name
 * is a path): of each entry, in name order, its name, type, inode, size
 * and mtime, and the same of the folders in it down to depth levels
 * (depth 1: its own entries only). Links are stamped as links, never
 * followed. A file rewritten in place changes its size or mtime; one
 * replaced by rename, its inode; one added or removed, the list. The
 * change time is left out: making a hard link to a file changes it.
 * 0 when the folder cannot be read, or holds more than STAMP_MAX_ENTRIES
 * entries in all, its folders' included (no fingerprint: nothing is
 * taken as unchanged; a folder someone filled cannot make it slow).
 */
uint64_t stamp_tree(int dir, const char *name, int depth);

#define STAMP_MAX_ENTRIES 4096

/*
 * The fingerprint of the entry name in dir itself (not followed if a
 * link): its type, inode, size and mtime; of a folder, what changes when
 * a name in it is added, removed or replaced. 0 when it is missing. Its
 * mtime into *mtime when mtime is not NULL.
 */
uint64_t stamp_entry(int dir, const char *name, time_t *mtime);

/*
 * The fingerprint of the folder name in dir and of the entries names
 * (NULL-terminated; paths below it, not followed if links) without
 * reading the folder: for a folder whose entries are known, where a name
 * added or removed changes a folder's mtime. A missing name is stamped as
 * missing. 0 when the folder cannot be opened.
 */
uint64_t stamp_names(int dir, const char *name, const char *const *names);

#endif
