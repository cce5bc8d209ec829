// SPDX-License-Identifier: GPL-2.0
/* Atomic file replacement through a temporary file beside the target (rename is atomic within a file system). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/atomic_file.h"

/* O_EXCL with a name of our own, rather than mkstemp, so that the file gets 0666 less the umask. */
static int open_temp(struct atomic_file *af)
{
	static unsigned counter;
	char *dir_copy = strdup(af->path), *base_copy = strdup(af->path);
	int fd = -ENOMEM;

	for (int tries = 0; dir_copy && base_copy && tries < 100; tries++) {
		if (asprintf(&af->tmp_path, "%s/.%s.%d.%u.tmp", dirname(dir_copy), basename(base_copy), (int)getpid(),
			     counter++) < 0) {
			af->tmp_path = NULL;
			fd = -ENOMEM;
			break;
		}
		fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
		free(af->tmp_path);
		af->tmp_path = NULL;
	}
	if (fd < 0 && fd != -ENOMEM)
		fd = -errno;
	free(dir_copy);
	free(base_copy);
	return fd;
}

int atomic_file_open(struct atomic_file *af, const char *path)
{
	int fd;

	memset(af, 0, sizeof(*af));
	af->path = strdup(path);
	if (!af->path)
		return -ENOMEM;
	fd = open_temp(af);
	if (fd >= 0 && !(af->f = fdopen(fd, "w"))) {
		int err = -errno;

		close(fd);
		fd = err;
	}
	if (fd < 0) {
		if (af->tmp_path)
			unlink(af->tmp_path);
		free(af->tmp_path);
		free(af->path);
		memset(af, 0, sizeof(*af));
		return fd;
	}
	return 0;
}

int atomic_file_finish(struct atomic_file *af, int err)
{
	if (fflush(af->f) != 0 && !err)
		err = -errno;
	if (fclose(af->f) != 0 && !err)
		err = -errno;
	if (!err && rename(af->tmp_path, af->path) != 0)
		err = -errno;
	if (err)
		unlink(af->tmp_path);
	free(af->tmp_path);
	free(af->path);
	memset(af, 0, sizeof(*af));
	return err;
}
