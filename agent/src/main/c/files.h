/*
 * The file table behind rebuild-from-provenance (docs/fault-path.md, "Pages rebuilt from the file
 * they were read from"): each file a JDK read filled a range from, by its path and the identity it had
 * then (st_dev, st_ino, st_size, st_mtim, st_ctim), with a descriptor of the library's own while it is
 * among the most recently used max_open files (an LRU; jr_service_set_max_open_files). An evicted file
 * is reopened by path when a mark or a fault needs it, and used only if it is still the same inode.
 *
 * An entry lives while references name it: one per page record (source_snapshot.c's candidate and
 * verified pairs) and one per caller reading it right now. The last reference closes its descriptor and
 * frees the entry, so a deleted file's space is given back once no range's page refers to it; a
 * descriptor found deleted (st_nlink 0) is closed at once, since no page is ever rebuilt from it again.
 * Fields other than the descriptor and the LRU links never change while the entry is referenced, so an
 * id held by a reference is read without the lock.
 */
#ifndef JR_FILES_H
#define JR_FILES_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

struct jr_file {
	int fd;         /* the library's own (O_RDONLY | O_CLOEXEC), or -1: evicted, or the file is gone; under lock */
	int users;      /* callers between fd_get and fd_put; under lock */
	int gone;       /* found deleted: never opened again; under lock */
	int32_t prev, next; /* the LRU of entries with fd >= 0, most recent first; under lock */
	int32_t hnext;  /* the next entry of the same identity bucket, or of the free list; under lock */
	uint32_t refs;  /* atomic; changed to and from 0 only under lock */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	char *path;     /* readlink of the caller's descriptor at first sight: reopen and renamed-over check */
};

#define JR_FILES_BLOCK 1024u /* entries per block; blocks are allocated as needed, kept until the service stops */
#define JR_FILES_BUCKETS 4096u

struct jr_files {
	pthread_mutex_t lock;
	uint64_t *c;            /* the service's counters (enum jr_counter) */
	uint32_t max_open;      /* descriptors kept open at most (more while that many are in use at once) */
	uint32_t open;          /* descriptors open now */
	uint32_t live;          /* entries referenced now */
	uint32_t used;          /* entries ever handed out (ids [0, used)) */
	int32_t free_head;      /* entries freed, for reuse */
	int32_t lru_head, lru_tail;
	int32_t bucket[JR_FILES_BUCKETS];
	struct jr_file *block[]; /* JR_MAX_FILES / JR_FILES_BLOCK pointers */
};

/* A table counting in c (JR_C_FILES_*, JR_C_RECORDS_HELD), with JR_DEFAULT_MAX_OPEN_FILES descriptors. */
struct jr_files *jr_files_new(uint64_t *c);
void jr_files_free(struct jr_files *t);
/* At most n >= 1 descriptors open (evicting the least recently used beyond it now). */
int jr_files_set_max_open(struct jr_files *t, uint32_t n);
/* The id of the file behind the caller's descriptor fd as it is now (a new entry when its identity changed
 * since), with refs references taken (one per page the caller records), or -errno (-EINVAL: not a regular
 * file; -ENOSPC: JR_MAX_FILES files referenced already). */
int jr_files_intern(struct jr_files *t, int fd, uint32_t refs);
/* One more reference to id; the caller holds one already (a page record under its slot lock). */
void jr_files_ref(struct jr_files *t, int id);
/* Drops n references; the last closes the file's descriptor and frees the entry. */
void jr_files_unref(struct jr_files *t, int id, uint32_t n);
/* Reads len bytes at off of file id into dst after checking that the file is still the one read, and
 * again after the read: 0, or the counter that says why not (JR_C_FILE_STALE, JR_C_FILE_MISSING,
 * JR_C_FILE_IO_ERRORS). The caller holds a reference. Reopens an evicted file by path (counted in
 * JR_C_FILE_REOPENS); no lock is held over any system call. */
int jr_files_read(struct jr_files *t, int id, uint64_t off, unsigned char *dst, uint64_t len);
/* File id's size when it was read (its identity), or -1; the caller holds a reference. */
int64_t jr_files_size(struct jr_files *t, int id);
/* For tests: descriptors open now, entries referenced now, id's descriptor (-1: none). */
uint32_t jr_files_open_count(struct jr_files *t);
uint32_t jr_files_live_count(struct jr_files *t);
int jr_files_fd_of(struct jr_files *t, int id);

#endif
