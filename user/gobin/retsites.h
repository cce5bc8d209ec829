/* SPDX-License-Identifier: GPL-2.0 */
/* Return sites of a function body, found by decoding it instruction by instruction, so that function exits can be
 * probed with plain uprobes (uretprobes corrupt Go stacks). */
#ifndef GOTRACE_RETSITES_H
#define GOTRACE_RETSITES_H

#include <stddef.h>
#include <stdint.h>

/* Decodes code[0..len) located at vaddr for the ELF machine (EM_X86_64 or EM_AARCH64) and stores the vaddr of
 * every return instruction in rets[0..max). Returns the number found (0: the function ends in a tail jump or never
 * returns), -ENOSPC when more than max, -ENOEXEC when a byte sequence does not decode (data in text, or a decoder
 * gap: then no site is trusted), -ENOTSUP for another machine, -ELIBACC when x86-64's decoder (Capstone) cannot
 * be loaded, -ENOMEM. */
int retsites_find(uint16_t machine, const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *rets, size_t max);

#endif
