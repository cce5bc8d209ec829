// SPDX-License-Identifier: GPL-2.0
/* stwReason values read from a binary's runtime.stwReasonStrings, against the witness of the toolchain that built
 * it: the position of stwGCMarkTerm and stwGCSweepTerm in the iota block of its own src/runtime/proc.go. */
#include <errno.h>

#include "gobin/go_stw_reasons.h"
#include "unit.h"

/* The value of `name` in the `stwUnknown stwReason = iota` block of the toolchain's runtime source, or -1. */
static int source_value(const char *gocmd, const char *name)
{
	char cmd[8192], line[512], ident[128];
	int value = -1, i = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "GOTOOLCHAIN=local %s env GOROOT", gocmd);
	p = popen(cmd, "r");
	if (!p || !fgets(line, sizeof(line), p)) {
		if (p)
			pclose(p);
		return -1;
	}
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	snprintf(cmd, sizeof(cmd), "%s/src/runtime/proc.go", line);
	p = fopen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		if (strstr(line, "stwUnknown") && strstr(line, "iota"))
			i = 0;
		else if (i >= 0 && sscanf(line, " %127[A-Za-z0-9_]", ident) == 1 && strncmp(ident, "stw", 3) == 0)
			i++;
		else if (i >= 0 && strchr(line, ')'))
			break;
		else
			continue;
		if (i >= 0 && strstr(line, name) && sscanf(line, " %127[A-Za-z0-9_]", ident) == 1 && !strcmp(ident, name))
			value = i;
	}
	if (p)
		fclose(p);
	return value;
}

static void check_fixture(const struct unit_fixture *f, void *ctx)
{
	int *checked = ctx, mark = source_value(f->gocmd, "stwGCMarkTerm");
	int sweep = source_value(f->gocmd, "stwGCSweepTerm");
	struct go_stw_reasons r = { -1, -1 };
	struct elf_file *ef;
	int err;

	if (strcmp(f->program, "gcload") != 0)
		return;
	CHECK_EQ_U64(elf_file_open(f->path, &ef), 0);
	err = go_stw_reasons_find(ef, &r);
	elf_file_close(ef);
	if (mark < 0) {		/* before Go 1.21 there are no stwReasons */
		CHECK_EQ_U64(err, (uint64_t)-ENOENT);
	} else {
		CHECK_EQ_U64(err, 0);
		CHECK_EQ_U64(r.mark_term, mark);
		CHECK_EQ_U64(r.sweep_term, sweep);
	}
	printf("     %s %s: %s mark %d sweep %d (source: %d, %d)\n", f->goversion, f->variant, err ? "absent" : "found",
	       r.mark_term, r.sweep_term, mark, sweep);
	(*checked)++;
}

TEST(reasons_equal_the_toolchains_source)
{
	int checked = 0;

	unit_manifest(check_fixture, &checked);
	CHECK(checked >= 10);
}

TEST(no_table_in_a_c_program)
{
	struct go_stw_reasons r;
	struct elf_file *ef;

	CHECK_EQ_U64(elf_file_open("/proc/self/exe", &ef), 0);
	CHECK_EQ_U64(go_stw_reasons_find(ef, &r), (uint64_t)-ENOENT);
	elf_file_close(ef);
}
