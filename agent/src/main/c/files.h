/*
 * The file table behind rebuild-from-provenance (docs/fault-path.md, "Pages rebuilt from the file
 * they were read from"): each file a JDK read filled a range from, by an O_RDONLY descriptor of
 * the library's own and the identity it had then. Entries are appended and never freed before the
 * service stops, so an id read under a slot lock stays valid without any lock here.
 */
#ifndef JR_FILES_H
#define JR_FILES_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

struct jr_file {
	int fd;           /* the library's own, O_RDONLY | O_CLOEXEC, opened through /proc/self/fd/N */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	char path[256];   /* readlink of the caller's descriptor at first sight, for the renamed-over check */
};

struct jr_files {
	pthread_mutex_t lock; /* appenders only */
	uint32_t count;       /* atomic: entries [0, count) are complete */
	struct jr_file f[];   /* JR_MAX_FILES */
};

struct jr_files *jr_files_new(void);
void jr_files_free(struct jr_files *t);
/* The id of the file behind the caller's descriptor fd as it is now (a new entry when its identity
 * changed since), or -errno (-ENOSPC: JR_MAX_FILES files already). */
int jr_files_intern(struct jr_files *t, int fd);
/* Reads len bytes at off of file id into dst after checking that the file is still the one read:
 * 0, or the counter that says why not (JR_C_FILE_STALE, JR_C_FILE_MISSING, JR_C_FILE_IO_ERRORS). */
int jr_files_read(struct jr_files *t, int id, uint64_t off, unsigned char *dst, uint64_t len);

#endif
