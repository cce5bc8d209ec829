// SPDX-License-Identifier: GPL-2.0
/* Libraries loaded while used (lib/shared_lib.c), on libz (linked into every test, so loading it only counts a
 * reference): a missing file or symbol is a clear -ELIBACC and leaves nothing loaded, the set-up hook runs at
 * the first get and its failure unloads, the tear-down at the last put, and a put without a get does nothing. */
#include <errno.h>
#include <string.h>

#include "lib/shared_lib.h"
#include "unit.h"

static void *zlib_version;
static const struct shared_lib_symbol zlib_symbols[] = { { "zlibVersion", &zlib_version } };
static const struct shared_lib_symbol one_missing[] = { { "zlibVersion", &zlib_version },
							 { "gotrace_no_such_function", &zlib_version } };

TEST(a_missing_library_or_symbol_is_ELIBACC_with_the_reason)
{
	struct shared_lib missing = SHARED_LIB("libgotrace-no-such-library.so.9", zlib_symbols);
	struct shared_lib lacking = SHARED_LIB("libz.so.1", one_missing);

	CHECK(shared_lib_get(&missing) == -ELIBACC);
	CHECK(strstr(shared_lib_error(&missing), "libgotrace-no-such-library.so.9") != NULL);
	CHECK(missing.handle == NULL && missing.users == 0);
	CHECK(shared_lib_get(&lacking) == -ELIBACC);
	CHECK_STR(shared_lib_error(&lacking), "libz.so.1 has no gotrace_no_such_function");
	CHECK(lacking.handle == NULL && lacking.users == 0);
	shared_lib_put(&lacking);	/* a put without a get changes nothing */
	CHECK(lacking.users == 0);
}

static int loads, unloads, load_result;

static int on_load(void)
{
	loads++;
	return load_result;
}

static void on_unload(void)
{
	unloads++;
}

TEST(setup_at_the_first_get_teardown_at_the_last_put)
{
	struct shared_lib zlib = SHARED_LIB_HOOKED("libz.so.1", zlib_symbols, on_load, on_unload);

	loads = unloads = load_result = 0;
	CHECK(shared_lib_get(&zlib) == 0 && zlib_version != NULL);
	CHECK(shared_lib_get(&zlib) == 0);
	CHECK(loads == 1 && zlib.users == 2);
	shared_lib_put(&zlib);
	CHECK(unloads == 0 && zlib.handle != NULL);
	shared_lib_put(&zlib);
	CHECK(unloads == 1 && zlib.handle == NULL);

	load_result = -EIO;	/* a set-up that fails: the get fails with its error, nothing stays loaded */
	CHECK(shared_lib_get(&zlib) == -EIO);
	CHECK_STR(shared_lib_error(&zlib), "libz.so.1 failed to initialize");
	CHECK(zlib.handle == NULL && zlib.users == 0 && unloads == 1);
}
