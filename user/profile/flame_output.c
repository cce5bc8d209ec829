// SPDX-License-Identifier: GPL-2.0
/* One table of formats: its name, its file endings and its writer. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/atomic_file.h"
#include "profile/flame_output.h"
#include "profile/flamesvg.h"
#include "profile/folded.h"
#include "profile/pprof.h"
#include "profile/speedscope.h"

static int write_folded(const struct profile *p, FILE *out, const struct flame_view *v)
{
	return folded_write(p, out, v->value_index);
}

static int write_svg(const struct profile *p, FILE *out, const struct flame_view *v)
{
	return flamesvg_write(p, out, v->value_index, v->title, v->unit);
}

static int write_speedscope(const struct profile *p, FILE *out, const struct flame_view *v)
{
	return speedscope_write(p, out, v->value_index, v->title);
}

/* Files go through pprof_write_file (atomic by itself); a stream gets the same gzip-compressed bytes. */
static int write_pprof_stream(const struct profile *p, FILE *out, const struct flame_view *v)
{
	uint8_t *buf;
	size_t len;
	gzFile gz;
	int fd, err = pprof_encode(p, &buf, &len);

	(void)v;
	if (err)
		return err;
	fflush(out);
	fd = dup(fileno(out));
	gz = fd >= 0 ? gzdopen(fd, "wb") : NULL;
	if (!gz) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return -EIO;
	}
	if (len && gzwrite(gz, buf, (unsigned)len) != (int)len)
		err = -EIO;
	if (gzclose(gz) != Z_OK && !err)
		err = -EIO;
	free(buf);
	return err;
}

static const struct {
	const char *name;
	const char *endings[3];
	int (*write)(const struct profile *p, FILE *out, const struct flame_view *v);
} formats[FLAME_FORMATS] = {
	[FLAME_FOLDED] = { "folded", { ".folded", ".txt" }, write_folded },
	[FLAME_PPROF] = { "pprof", { ".pb.gz", ".pprof" }, write_pprof_stream },
	[FLAME_SVG] = { "svg", { ".svg" }, write_svg },
	[FLAME_SPEEDSCOPE] = { "speedscope", { ".json" }, write_speedscope },
};

const char flame_format_list[] = "folded (.folded, .txt), pprof (.pb.gz, .pprof), svg (.svg), speedscope (.json)";

int flame_format_parse(const char *name, enum flame_format *f)
{
	for (int i = 0; i < FLAME_FORMATS; i++)
		if (!strcmp(formats[i].name, name)) {
			*f = i;
			return 0;
		}
	return -EINVAL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

int flame_format_of_path(const char *path, enum flame_format *f)
{
	for (int i = 0; i < FLAME_FORMATS; i++)
		for (int j = 0; j < 3 && formats[i].endings[j]; j++)
			if (ends_with(path, formats[i].endings[j])) {
				*f = i;
				return 0;
			}
	return -EINVAL;
}

const char *flame_format_name(enum flame_format f)
{
	return f < FLAME_FORMATS ? formats[f].name : "?";
}

int flame_write(const struct profile *p, enum flame_format f, const char *path, const struct flame_view *v)
{
	struct atomic_file af;
	int err;

	if (f >= FLAME_FORMATS)
		return -EINVAL;
	if (!strcmp(path, "-")) {
		err = formats[f].write(p, stdout, v);
		return fflush(stdout) && !err ? -errno : err;
	}
	if (f == FLAME_PPROF)
		return pprof_write_file(p, path);
	err = atomic_file_open(&af, path);
	if (err)
		return err;
	return atomic_file_finish(&af, formats[f].write(p, af.f, v));
}
