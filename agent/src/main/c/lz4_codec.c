/*
 * LZ4, bundled or through dlopen. build.sh links liblz4.a (Debian's liblz4-dev: position-independent,
 * so it links into this shared library, its symbols kept hidden) when it finds it, and defines
 * JR_LZ4_STATIC: then nothing beyond glibc is needed at run time. Without it, liblz4.so.1 is opened at
 * first use, and the library still loads where LZ4 is missing (ZERO, POISON, FILE sources work).
 * Prototypes as in lz4.h (LZ4 1.9.x).
 */
#include "lz4_codec.h"

#include "jreclaim.h"

#ifdef JR_LZ4_STATIC

#include <lz4.h>

int jr_lz4_load(void) { return 1; }

int jr_lz4_bound(int n) { return LZ4_compressBound(n); }

int jr_lz4_compress(const char *src, char *dst, int src_len, int dst_cap)
{
	return LZ4_compress_default(src, dst, src_len, dst_cap);
}

int jr_lz4_decompress(const char *src, char *dst, int src_len, int dst_cap)
{
	return LZ4_decompress_safe(src, dst, src_len, dst_cap);
}

JR_API int jr_lz4_available(void) { return JR_LZ4_BUNDLED; }

#else

#include <dlfcn.h>
#include <pthread.h>

typedef int (*lz4_compress_fn)(const char *src, char *dst, int src_size, int dst_cap);
typedef int (*lz4_decompress_fn)(const char *src, char *dst, int compressed_size, int dst_cap);
typedef int (*lz4_bound_fn)(int input_size);

static lz4_compress_fn lz4_compress;
static lz4_decompress_fn lz4_decompress;
static lz4_bound_fn lz4_bound;
static int lz4_state; /* 0 not tried, 1 loaded, -1 unavailable */
static pthread_once_t lz4_once = PTHREAD_ONCE_INIT;

static void lz4_open(void)
{
	void *h = dlopen("liblz4.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("liblz4.so", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		lz4_state = -1;
		return;
	}
	lz4_compress = (lz4_compress_fn)dlsym(h, "LZ4_compress_default");
	lz4_decompress = (lz4_decompress_fn)dlsym(h, "LZ4_decompress_safe");
	lz4_bound = (lz4_bound_fn)dlsym(h, "LZ4_compressBound");
	lz4_state = (lz4_compress && lz4_decompress && lz4_bound) ? 1 : -1;
}

int jr_lz4_load(void)
{
	pthread_once(&lz4_once, lz4_open);
	return lz4_state == 1;
}

int jr_lz4_bound(int n) { return lz4_bound(n); }

int jr_lz4_compress(const char *src, char *dst, int src_len, int dst_cap)
{
	return lz4_compress(src, dst, src_len, dst_cap);
}

int jr_lz4_decompress(const char *src, char *dst, int src_len, int dst_cap)
{
	return lz4_decompress(src, dst, src_len, dst_cap);
}

JR_API int jr_lz4_available(void) { return jr_lz4_load() ? JR_LZ4_SHARED : JR_LZ4_MISSING; }

#endif
