// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for retsites.c, which decodes the machine code of a function of the target's binary to put
 * a uprobe on each of its return instructions. The input's first byte picks the machine (x86-64, arm64, or one
 * not supported), its next 8 the function's address, the rest is the function's code. Every site found must be
 * a return instruction inside the function, in address order (a probe anywhere else corrupts the target): on
 * arm64 an aligned RET/RETAA/RETAB word, on x86-64 a RET/RETF opcode after legacy and REX prefixes only. The
 * count must not depend on the room given (-ENOSPC below it, the same sites at or above it), and INT3 padding
 * after the body must change nothing.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE
 *        -iquote user tests/fuzz/fuzz_retsites.c user/gobin/retsites.c (and scripts/fuzz.sh's capstone_srcs) -lbpf
 *        -o build/fuzz/fuzz_retsites
 * Run:   build/fuzz/fuzz_retsites -max_len=65536 -max_total_time=300 build/fuzz/corpus_retsites */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/capstone_lib.h"
#include "gobin/retsites.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

#define MAX_SITES 4096
#define PADDING 16

static uint64_t sites[MAX_SITES], again[MAX_SITES];

/* One reference for the whole run: the library stays loaded instead of loading for every input. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	EXPECT(capstone_get());
	return 0;
}

static bool is_x86_prefix(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 ||
	       b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65 || (b >= 0x40 && b <= 0x4f);
}

/* RET, RET imm16, RETF, RETF imm16 once the prefixes are skipped. */
static bool x86_return_at(const uint8_t *code, size_t len, size_t off)
{
	while (off < len && is_x86_prefix(code[off]))
		off++;
	return off < len && (code[off] == 0xc3 || code[off] == 0xc2 || code[off] == 0xcb || code[off] == 0xca);
}

static bool arm64_return_at(const uint8_t *code, size_t len, size_t off)
{
	uint32_t word;

	if (off % 4 || off + 4 > len)
		return false;
	word = code[off] | code[off + 1] << 8 | code[off + 2] << 16 | (uint32_t)code[off + 3] << 24;
	return (word & 0xfffffc1f) == 0xd65f0000 || word == 0xd65f0bff || word == 0xd65f0fff;
}

static void check_sites(uint16_t machine, const uint8_t *code, size_t len, uint64_t vaddr, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t off = sites[i] - vaddr;	/* wraps with the address */

		EXPECT(off < len);
		EXPECT(i == 0 || off > sites[i - 1] - vaddr);
		EXPECT(machine == EM_X86_64 ? x86_return_at(code, len, off) : arm64_return_at(code, len, off));
	}
}

/* The same answer with room for exactly the sites found, and -ENOSPC with one less. */
static void check_room(uint16_t machine, const uint8_t *code, size_t len, uint64_t vaddr, int n)
{
	EXPECT(retsites_find(machine, code, len, vaddr, again, n) == n);
	EXPECT(!memcmp(again, sites, n * sizeof(*sites)));
	if (n)
		EXPECT(retsites_find(machine, code, len, vaddr, again, n - 1) == -ENOSPC);
}

static void check_padded(uint16_t machine, const uint8_t *code, size_t len, uint64_t vaddr, int n)
{
	uint8_t *padded = malloc(len + PADDING);

	if (!padded)
		return;
	memcpy(padded, code, len);
	memset(padded + len, 0xcc, PADDING);
	EXPECT(retsites_find(machine, padded, len + PADDING, vaddr, again, MAX_SITES) == n);
	EXPECT(!memcmp(again, sites, n * sizeof(*sites)));
	free(padded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t machines[] = { EM_X86_64, EM_AARCH64, EM_386 };
	uint16_t machine;
	uint64_t vaddr;
	uint8_t *code;
	size_t len;
	int n;

	if (size < 9)
		return 0;
	machine = machines[data[0] % 3];
	memcpy(&vaddr, data + 1, 8);
	len = size - 9;
	code = malloc(len ? len : 1);	/* exactly the function: ASan sees a read past its end */
	if (!code)
		return 0;
	memcpy(code, data + 9, len);
	n = retsites_find(machine, code, len, vaddr, sites, MAX_SITES);
	if (machine == EM_386)
		EXPECT(n == -ENOTSUP);
	else
		EXPECT(n >= 0 || n == -ENOEXEC || n == -ENOSPC);
	if (n >= 0) {
		check_sites(machine, code, len, vaddr, n);
		check_room(machine, code, len, vaddr, n);
		if (machine == EM_X86_64)
			check_padded(machine, code, len, vaddr, n);
	}
	free(code);
	return 0;
}
