#ifndef CUDTRAEK_ZLIB_SHIM_H
#define CUDTRAEK_ZLIB_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* Swift cannot call C macros; deflateInit2/inflateInit2 are macros that pass
   ZLIB_VERSION and sizeof(z_stream) so zlib can check the header matches the
   library. These wrappers give each macro a function. */

static inline int udtraek_deflate_init2(z_streamp strm, int level, int window_bits,
                                        int mem_level, int strategy) {
    return deflateInit2(strm, level, Z_DEFLATED, window_bits, mem_level, strategy);
}

static inline int udtraek_inflate_init2(z_streamp strm, int window_bits) {
    return inflateInit2(strm, window_bits);
}

/* CRC-32 over a buffer of any length. crc32() takes a 32-bit length;
   crc32_z() (zlib 1.2.9+) takes a size_t, so older zlibs get a loop. */
static inline unsigned long udtraek_crc32(unsigned long crc, const void *buf, size_t len) {
#if ZLIB_VERNUM >= 0x1290
    return crc32_z(crc, (const Bytef *)buf, len);
#else
    const Bytef *p = (const Bytef *)buf;
    while (len > 0) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return crc;
#endif
}

/* CRC-32 of A followed by B, from crc(A), crc(B) and len(B): lets threads
   checksum chunks independently (as pigz does). */
static inline unsigned long udtraek_crc32_combine(unsigned long crc1, unsigned long crc2,
                                                  int64_t len2) {
    return crc32_combine(crc1, crc2, (z_off_t)len2);
}

static inline const char *udtraek_zlib_version(void) { return zlibVersion(); }
static inline long udtraek_zlib_vernum(void) { return ZLIB_VERNUM; }

#endif
