// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: go_offsets' DWARF reader on malformed DWARF, wrapped in a well-formed ELF.
 *
 * Input: .debug_abbrev SEP .debug_info [SEP .debug_str [SEP .debug_line_str]], SEP = "\xffSPLIT\xff"; an input
 * that starts with "\x7fELF" is read as a whole ELF file instead (compressed sections, broken headers).
 *
 * Build (from the top of the tree):
 *   mkdir -p build/fuzz && clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -Iuser \
 *     tests/fuzz/fuzz_dwarf_offsets.c user/go_offsets.c -ldw -lelf -o build/fuzz/fuzz_dwarf_offsets
 * Seeds, the real DWARF of the fixtures (bash):
 *   seed() { objcopy --decompress-debug-sections --dump-section .debug_abbrev=/tmp/a \
 *              --dump-section .debug_info=/tmp/i "$1" /tmp/seed.elf &&
 *            { cat /tmp/a; printf '\377SPLIT\377'; cat /tmp/i; } > "$2"; }
 *   mkdir -p build/fuzz/dwarf_corpus && seed build/tests/go/go1.19.8/gcload.default build/fuzz/dwarf_corpus/go119 &&
 *     seed build/tests/go/go1.26.8/gcload.default build/fuzz/dwarf_corpus/go126
 * Run:
 *   build/fuzz/fuzz_dwarf_offsets -max_total_time=300 -max_len=1048576 build/fuzz/dwarf_corpus
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/go_offsets.h"

#define SEP "\xffSPLIT\xff"
#define SEP_LEN 7
#define NSECTIONS 4

static const char *const section_names[NSECTIONS] = { ".debug_abbrev", ".debug_info", ".debug_str",
						     ".debug_line_str" };

struct piece {
	const uint8_t *data;
	size_t size;
};

static size_t split(const uint8_t *data, size_t size, struct piece *pieces)
{
	size_t n = 0;

	while (n < NSECTIONS) {
		const uint8_t *sep = memmem(data, size, SEP, SEP_LEN);
		size_t len = sep ? (size_t)(sep - data) : size;

		pieces[n++] = (struct piece){ data, len };
		if (!sep)
			break;
		data += len + SEP_LEN;
		size -= len + SEP_LEN;
	}
	return n;
}

/* ELF header, section contents, .shstrtab, then the section headers: null, the pieces, .shstrtab. */
static uint8_t *wrap_in_elf(const struct piece *pieces, size_t n, size_t *out_size)
{
	char shstrtab[128] = "";
	size_t name_off[NSECTIONS + 1], strsize = 1, off = sizeof(Elf64_Ehdr), total;
	Elf64_Ehdr eh = { 0 };
	Elf64_Shdr *sh;
	uint8_t *buf;

	for (size_t i = 0; i <= n; i++) {
		const char *name = i < n ? section_names[i] : ".shstrtab";

		name_off[i] = strsize;
		strcpy(shstrtab + strsize, name);
		strsize += strlen(name) + 1;
	}
	total = off + strsize;
	for (size_t i = 0; i < n; i++)
		total += pieces[i].size;
	total = (total + 7) & ~(size_t)7;
	buf = calloc(1, total + (n + 2) * sizeof(Elf64_Shdr));
	if (!buf)
		return NULL;
	sh = (Elf64_Shdr *)(buf + total);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + off, pieces[i].data, pieces[i].size);
		sh[i + 1] = (Elf64_Shdr){ .sh_name = name_off[i], .sh_type = SHT_PROGBITS, .sh_offset = off,
					  .sh_size = pieces[i].size, .sh_addralign = 1 };
		off += pieces[i].size;
	}
	memcpy(buf + off, shstrtab, strsize);
	sh[n + 1] = (Elf64_Shdr){ .sh_name = name_off[n], .sh_type = SHT_STRTAB, .sh_offset = off,
				  .sh_size = strsize, .sh_addralign = 1 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_shoff = total;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = n + 2;
	eh.e_shstrndx = n + 1;
	memcpy(buf, &eh, sizeof(eh));
	*out_size = total + (n + 2) * sizeof(Elf64_Shdr);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct piece pieces[NSECTIONS];
	struct go_offsets o;
	size_t n, elf_size;
	uint8_t *elf;

	if (size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0) {
		/* A private copy: the reader must not depend on the input staying mapped or writable. */
		uint8_t *copy = malloc(size);

		if (copy) {
			memcpy(copy, data, size);
			go_offsets_from_dwarf_mem(copy, size, &o);
			free(copy);
		}
		return 0;
	}
	n = split(data, size, pieces);
	elf = wrap_in_elf(pieces, n, &elf_size);
	if (elf) {
		go_offsets_from_dwarf_mem(elf, elf_size, &o);
		free(elf);
	}
	return 0;
}
