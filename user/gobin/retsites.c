// SPDX-License-Identifier: GPL-2.0
/* Linear-sweep disassembly with Capstone (x86-64) or fixed-width words (arm64). Decoding from the function's first
 * byte keeps a 0xC3 inside an immediate or displacement from ever being taken for a RET. */
#include <elf.h>
#include <errno.h>

#include "gobin/capstone_lib.h"
#include "gobin/retsites.h"

static bool x86_is_return(const cs_insn *insn)
{
	return insn->id == X86_INS_RET || insn->id == X86_INS_RETF || insn->id == X86_INS_RETFQ;
}

/* Go pads between functions with INT3 (0xCC); a body that ends in padding has no more instructions to decode. */
static bool only_padding(const uint8_t *code, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (code[i] != 0xcc)
			return false;
	return true;
}

/* The RETs of code, decoded through an open Capstone handle. */
static int sweep_x86(const struct capstone_api *capstone, csh cs, const uint8_t *code, size_t len, uint64_t vaddr,
		     uint64_t *rets, size_t max)
{
	const uint8_t *p = code;
	uint64_t addr = vaddr;
	size_t left = len, n = 0;
	int ret = 0;
	cs_insn *insn = capstone->malloc(cs);

	if (!insn)
		return -ENOMEM;
	while (left > 0) {
		if (!capstone->disasm_iter(cs, &p, &left, &addr, insn)) {
			if (!only_padding(p, left))
				ret = -ENOEXEC;
			break;
		}
		if (!x86_is_return(insn))
			continue;
		if (n == max) {
			ret = -ENOSPC;
			break;
		}
		rets[n++] = insn->address;
	}
	capstone->free(insn, 1);
	return ret ? ret : (int)n;
}

static int find_x86(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *rets, size_t max)
{
	const struct capstone_api *capstone = capstone_get();
	csh cs;
	int ret = -ENOMEM;

	if (!capstone)
		return -ELIBACC;
	if (capstone->open(CS_ARCH_X86, CS_MODE_64, &cs) == CS_ERR_OK) {
		ret = sweep_x86(capstone, cs, code, len, vaddr, rets, max);
		capstone->close(&cs);
	}
	capstone_put();
	return ret;
}

/* RET, RETAA, RETAB: "ret Xn" is 0xd65f0000 | Rn << 5. */
static bool arm64_is_return(uint32_t word)
{
	return (word & 0xfffffc1f) == 0xd65f0000 || word == 0xd65f0bff || word == 0xd65f0fff;
}

static int find_arm64(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *rets, size_t max)
{
	size_t n = 0;

	if (len % 4)
		return -ENOEXEC;
	for (size_t off = 0; off < len; off += 4) {
		uint32_t word = code[off] | code[off + 1] << 8 | code[off + 2] << 16 | (uint32_t)code[off + 3] << 24;

		if (!arm64_is_return(word))
			continue;
		if (n == max)
			return -ENOSPC;
		rets[n++] = vaddr + off;
	}
	return (int)n;
}

int retsites_find(uint16_t machine, const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *rets, size_t max)
{
	switch (machine) {
	case EM_X86_64:
		return find_x86(code, len, vaddr, rets, max);
	case EM_AARCH64:
		return find_arm64(code, len, vaddr, rets, max);
	default:
		return -ENOTSUP;
	}
}
