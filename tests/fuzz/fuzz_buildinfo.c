// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: an arbitrary file as an ELF, through the Go build info reader.
 *
 * Build (from the repository root; pclntab.c provides the segment walker):
 *   mkdir -p build/fuzz && clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -Iuser \
 *     tests/fuzz/fuzz_buildinfo.c user/buildinfo.c user/pclntab.c user/elf_file.c $(pkg-config --libs libelf) \
 *     -o build/fuzz/fuzz_buildinfo
 * Seeds: the unit test's synthetic pre-1.18 images (ELF32/64, both byte orders, with and without sections) and
 * fixture binaries (1.18+ inline layout):
 *   mkdir -p build/fuzz/corpus_buildinfo
 *   GOTRACE_FUZZ_SEEDS=build/fuzz/corpus_buildinfo build/tests/unit/test_buildinfo pointer_layout
 *   cp build/tests/go/go1.19.8/gcload.stripped build/tests/go/go1.26.8/cgoapp.pie build/fuzz/corpus_buildinfo/
 *   build/fuzz/fuzz_buildinfo -max_len=3000000 -max_total_time=300 -rss_limit_mb=4096 build/fuzz/corpus_buildinfo */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/buildinfo.h"
#include "gobin/elf_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct go_buildinfo bi;
	struct elf_file *ef;

	if (elf_file_open_mem(data, size, &ef) != 0)
		return 0;
	if (go_buildinfo_read(ef, &bi) == 0) {
		/* Well-formed whatever the input: terminated strings, a version, a known pointer size or none. */
		if (!bi.version[0] || strlen(bi.version) >= sizeof(bi.version) || strlen(bi.path) >= sizeof(bi.path) ||
		    (bi.modinfo && strlen(bi.modinfo) > size))
			abort();
	}
	go_buildinfo_free(&bi);
	elf_file_close(ef);
	return 0;
}
