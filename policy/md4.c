/* md4.c: MD4 message digest written from RFC 1320 (see md4.h). */
#include "md4.h"

#include <string.h>

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define G(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define H(x, y, z) ((x) ^ (y) ^ (z))

static void md4_block(uint32_t st[4], const uint8_t blk[64])
{
	uint32_t x[16];
	for (int i = 0; i < 16; i++)
		x[i] = (uint32_t)blk[4 * i] | (uint32_t)blk[4 * i + 1] << 8 | (uint32_t)blk[4 * i + 2] << 16 |
		       (uint32_t)blk[4 * i + 3] << 24;
	uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
	static const int r1[4] = { 3, 7, 11, 19 }, r2[4] = { 3, 5, 9, 13 }, r3[4] = { 3, 9, 11, 15 };
	static const int o3[16] = { 0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15 };
	for (int i = 0; i < 16; i++) {
		uint32_t t = a + F(b, c, d) + x[i];
		a = d; d = c; c = b; b = ROTL(t, r1[i % 4]);
	}
	for (int i = 0; i < 16; i++) {
		int k = (i % 4) * 4 + i / 4;
		uint32_t t = a + G(b, c, d) + x[k] + 0x5A827999u;
		a = d; d = c; c = b; b = ROTL(t, r2[i % 4]);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t t = a + H(b, c, d) + x[o3[i]] + 0x6ED9EBA1u;
		a = d; d = c; c = b; b = ROTL(t, r3[i % 4]);
	}
	st[0] += a; st[1] += b; st[2] += c; st[3] += d;
}

void pol_md4(const uint8_t *data, size_t len, uint8_t digest[16])
{
	uint32_t st[4] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u };
	size_t done = 0;
	for (; len - done >= 64; done += 64)
		md4_block(st, data + done);
	uint8_t tail[128] = { 0 };
	size_t rest = len - done;
	memcpy(tail, data + done, rest);
	tail[rest] = 0x80;
	size_t total = rest + 1 + 8 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		tail[total - 8 + i] = (uint8_t)(bits >> (8 * i));
	md4_block(st, tail);
	if (total == 128)
		md4_block(st, tail + 64);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			digest[4 * i + j] = (uint8_t)(st[i] >> (8 * j));
}
