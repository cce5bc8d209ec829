// SPDX-License-Identifier: GPL-2.0
/* Libraries loaded while in use (shared_lib.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "lib/shared_lib.h"

static int load(struct shared_lib *l)
{
	const char *why;
	int err;

	l->handle = dlopen(l->file, RTLD_NOW | RTLD_LOCAL);
	if (!l->handle) {
		why = dlerror();
		snprintf(l->error, sizeof(l->error), "%s", why ? why : l->file);
		return -ELIBACC;
	}
	for (size_t i = 0; i < l->nsymbols; i++) {
		*l->symbols[i].fn = dlsym(l->handle, l->symbols[i].name);
		if (!*l->symbols[i].fn) {
			snprintf(l->error, sizeof(l->error), "%s has no %s", l->file, l->symbols[i].name);
			dlclose(l->handle);
			l->handle = NULL;
			return -ELIBACC;
		}
	}
	if (l->loaded && (err = l->loaded())) {
		snprintf(l->error, sizeof(l->error), "%s failed to initialize", l->file);
		dlclose(l->handle);
		l->handle = NULL;
		return err;
	}
	return 0;
}

int shared_lib_get(struct shared_lib *l)
{
	int err = 0;

	pthread_mutex_lock(&l->lock);
	if (!l->users)
		err = load(l);
	if (!err)
		l->users++;
	pthread_mutex_unlock(&l->lock);
	return err;
}

void shared_lib_put(struct shared_lib *l)
{
	pthread_mutex_lock(&l->lock);
	if (l->users > 0 && --l->users == 0) {
		if (l->unloading)
			l->unloading();
		dlclose(l->handle);
		l->handle = NULL;
	}
	pthread_mutex_unlock(&l->lock);
}

const char *shared_lib_error(const struct shared_lib *l)
{
	return l->error;
}
