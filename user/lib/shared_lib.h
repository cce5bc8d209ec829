/* SPDX-License-Identifier: GPL-2.0 */
/* A shared library loaded while something uses it and unloaded when the last user is done, for libraries most
 * runs need briefly or never: linked in, a library is mapped, relocated and resident from the first instruction
 * to the last (libcapstone's relocations and pointer tables alone are 3.4 MiB of a daemon's resident memory).
 * Thread-safe. */
#ifndef GOTRACE_SHARED_LIB_H
#define GOTRACE_SHARED_LIB_H

#include <pthread.h>
#include <stddef.h>

struct shared_lib_symbol {
	const char *name;	/* "cs_open" */
	void **fn;		/* where its address goes */
};

struct shared_lib {
	const char *file;			/* "libcapstone.so.4": a SONAME, found the way the linker would */
	const struct shared_lib_symbol *symbols;
	size_t nsymbols;
	int (*loaded)(void);			/* optional: the library's global set-up, 0 or -errno */
	void (*unloading)(void);		/* optional: its global tear-down */
	pthread_mutex_t lock;
	void *handle;
	int users;
	char error[256];			/* why the last load failed */
};

#define SHARED_LIB_HOOKED(file_, symbols_, loaded_, unloading_)                                          \
	{ .file = (file_), .symbols = (symbols_), .nsymbols = sizeof(symbols_) / sizeof((symbols_)[0]),      \
	  .loaded = (loaded_), .unloading = (unloading_), .lock = PTHREAD_MUTEX_INITIALIZER }
#define SHARED_LIB(file_, symbols_) SHARED_LIB_HOOKED(file_, symbols_, NULL, NULL)

/* Loads the library on first use, fills every symbol's pointer and runs `loaded`: 0, -ELIBACC when the file
 * cannot be loaded or lacks a symbol, or the error `loaded` returned (shared_lib_error says which). Each 0 needs
 * one shared_lib_put. */
int shared_lib_get(struct shared_lib *l);
/* The last put runs `unloading` and unloads the library; the symbols' pointers must not be called after it. */
void shared_lib_put(struct shared_lib *l);
/* "libcapstone.so.4: cannot open shared object file: No such file or directory" after a failed get. */
const char *shared_lib_error(const struct shared_lib *l);

#endif
