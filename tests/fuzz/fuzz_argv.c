// SPDX-License-Identifier: GPL-2.0
/* Fuzz the command line split (/proc/PID/cmdline is written by the process)
 * and what is read from it: the JVM kind, main class and the
 * PreserveFramePointer setting, and the JDK version helpers. */
#include "agent/jvm/jvm_info.h"
#include "agent/core/proc_info.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **argv = NULL;
	int argc = 0;
	char main_class[256], version[64];
	char *buf = fuzz_copy(data, size);
	char *str;

	if (proc_argv_parse(buf, size, &argv, &argc) == 0) {
		if (argc < 0 || argv[argc] != NULL)
			abort();
		jvm_kind_from_argv(argv, argc, main_class, sizeof(main_class));
		if (!memchr(main_class, '\0', sizeof(main_class)))
			abort();
		/* The environment variables are as hostile as argv: take them
		 * from the input too. */
		jvm_pfp_from_options(argv, argc, argc > 0 ? argv[0] : NULL,
				     argc > 1 ? argv[argc - 1] : NULL);
		jvm_pfp_from_options(argv, argc, NULL, NULL);
		proc_argv_free(argv);
	}
	jvm_version_from_release(buf, size, version, sizeof(version));
	free(buf);

	str = fuzz_strndup(data, size);
	jvm_version_from_path(str, version, sizeof(version));
	jvm_version_from_path(str, version, 8);
	free(str);
	return 0;
}
