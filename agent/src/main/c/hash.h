/*
 * A page's content hash for rebuild:file's content check (docs/fault-path.md, "Pages rebuilt from the
 * file they were read from"): XXH64 (Yann Collet's xxHash, 64-bit, seed 0), written out here because
 * liblz4 keeps its own xxHash private. Not cryptographic: it catches a file changed under the same
 * size and timestamps, not an adversary who controls the file.
 */
#ifndef JR_HASH_H
#define JR_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t jr_xxh64(const void *p, size_t len, uint64_t seed);

#endif
