/* LZ4 through dlopen (lz4_codec.c). Call jr_lz4_load() and check it before the others. */
#ifndef JR_LZ4_CODEC_H
#define JR_LZ4_CODEC_H

int jr_lz4_load(void); /* 1 when liblz4 is usable */
int jr_lz4_bound(int n);
int jr_lz4_compress(const char *src, char *dst, int src_len, int dst_cap);
int jr_lz4_decompress(const char *src, char *dst, int src_len, int dst_cap);

#endif
