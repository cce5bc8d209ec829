// SPDX-License-Identifier: GPL-2.0
/* RET instruction sites: against `go tool objdump` on every fixture binary (the Go toolchain's own
 * disassembler), and on hand-assembled bodies where a 0xC3 byte sits inside an instruction. */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>

#include "cmd_capture.h"
#include "gobin/go_binary.h"
#include "gobin/retsites.h"
#include "unit.h"

TEST(c3_inside_immediates_is_not_a_return)
{
	/* mov eax, 0xc3c3c3c3; mov rbx, [rip+0xc3]; add rsp, 0xc3; ret; int3 padding */
	const uint8_t code[] = { 0xb8, 0xc3, 0xc3, 0xc3, 0xc3, 0x48, 0x8b, 0x1d, 0xc3, 0x00, 0x00, 0x00,
				 0x48, 0x81, 0xc4, 0xc3, 0x00, 0x00, 0x00, 0xc3, 0xcc, 0xcc };
	uint64_t rets[4];

	CHECK(retsites_find(EM_X86_64, code, sizeof(code), 0x1000, rets, 4) == 1);
	CHECK_EQ_U64(rets[0], 0x1000 + 19);
}

TEST(tail_jump_has_no_return_and_garbage_is_refused)
{
	const uint8_t tail[] = { 0x48, 0x89, 0xc3, 0xe9, 0x10, 0x00, 0x00, 0x00 };	/* mov rbx, rax; jmp rel32 */
	const uint8_t junk[] = { 0x0f, 0x0b, 0xc3, 0x06 };	/* ud2; ret; then push es, invalid in 64-bit mode */
	uint64_t rets[4];

	CHECK(retsites_find(EM_X86_64, tail, sizeof(tail), 0, rets, 4) == 0);
	CHECK(retsites_find(EM_X86_64, junk, sizeof(junk), 0, rets, 4) == -ENOEXEC);
	CHECK(retsites_find(EM_386, tail, sizeof(tail), 0, rets, 4) == -ENOTSUP);
}

TEST(arm64_words)
{
	/* ret; ret x1; nop; a word that holds 0xd65f03c0 shifted by two bytes (not aligned: not a return) */
	const uint8_t code[] = { 0xc0, 0x03, 0x5f, 0xd6, 0x20, 0x00, 0x5f, 0xd6, 0x1f, 0x20, 0x03, 0xd5,
				 0x00, 0x00, 0xc0, 0x03, 0x5f, 0xd6, 0x00, 0x00 };
	uint64_t rets[4];

	CHECK(retsites_find(EM_AARCH64, code, 12, 0x400000, rets, 4) == 2);
	CHECK_EQ_U64(rets[0], 0x400000);
	CHECK_EQ_U64(rets[1], 0x400004);
	CHECK(retsites_find(EM_AARCH64, code + 12, 8, 0, rets, 4) == 0);
	CHECK(retsites_find(EM_AARCH64, code, 6, 0, rets, 4) == -ENOEXEC);
}

/* RET addresses of func as `go tool objdump` prints them ("  file:line  0xADDR  c3  RET"). */
static int objdump_rets(const struct unit_fixture *fx, const char *func, uint64_t *rets, int max)
{
	char cmd[10000], *line, *save = NULL;
	struct cmd_output out;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "%s tool objdump -s '^%s$' %s", fx->gocmd, func, fx->path);
	if (cmd_capture(cmd, &out) || out.status != 0) {
		cmd_output_free(&out);
		return -1;
	}
	for (line = strtok_r(out.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t addr;
		char *p = strstr(line, "0x");

		if (p && sscanf(p, "%" SCNx64, &addr) == 1 && strstr(line, "\tRET") && n < max)
			rets[n++] = addr;
	}
	cmd_output_free(&out);
	return n;
}

static const char *const probed_funcs[] = {
	"runtime.startTheWorldWithSema", "runtime.stopTheWorldWithSema", "runtime.gcStart", "runtime.execute",
	"runtime.casgstatus", "main.main",
};

static void check_fixture(const struct unit_fixture *fx, void *ctx)
{
	struct go_binary *gb;
	int *checked = ctx;

	if (strcmp(fx->variant, "stripped") == 0)	/* objdump needs symbols; pclntab lookup is tested elsewhere */
		return;
	if (go_binary_open(fx->path, &gb)) {
		CHECK(!"fixture opens");
		return;
	}
	for (size_t i = 0; i < sizeof(probed_funcs) / sizeof(probed_funcs[0]); i++) {
		uint64_t ours[64], theirs[64];
		struct go_func fn;
		int n, m;

		if (go_binary_find_func(gb, probed_funcs[i], &fn))
			continue;	/* not every function exists in every version */
		n = go_binary_func_rets(gb, &fn, ours, 64);
		m = objdump_rets(fx, probed_funcs[i], theirs, 64);
		CHECK(m >= 0);
		if (n != m)
			fprintf(stderr, "    %s %s: %d RETs, objdump %d\n", fx->path, probed_funcs[i], n, m);
		CHECK(n == m);
		for (int k = 0; k < n && k < m; k++)
			CHECK_EQ_U64(ours[k], theirs[k]);
		(*checked)++;
	}
	go_binary_close(gb);
}

TEST(every_fixture_agrees_with_go_tool_objdump)
{
	int checked = 0;

	CHECK(unit_manifest(check_fixture, &checked) > 0);
	CHECK(checked > 20);
}
