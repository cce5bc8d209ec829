/* SPDX-License-Identifier: GPL-2.0 */
/* FNV-1a, the one hash of names and byte strings in user space: short keys, no setup, good enough spread for
 * open-addressing tables and colour picks. Outputs depend on it (flamegraph colours, table orders): the
 * constants are FNV's own and must not change. */
#ifndef GOTRACE_HASH_H
#define GOTRACE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_OFFSET 0xcbf29ce484222325ull
#define FNV1A64_PRIME 0x100000001b3ull
#define FNV1A32_OFFSET 2166136261u
#define FNV1A32_PRIME 16777619u

/* Continues hash h over data[0..n): start with FNV1A64_OFFSET, or chain from an earlier call. */
static inline uint64_t fnv1a64(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV1A64_PRIME;
	return h;
}

/* The 32-bit variant, for where 32 bits are all that is used. */
static inline uint32_t fnv1a32(uint32_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV1A32_PRIME;
	return h;
}

#endif
