// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/curl_api.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* dlsym's void * into a function pointer: the one conversion POSIX
 * guarantees, spelled so that -Wpedantic accepts it. */
#define API_SYM(api, field, name)                                                      \
	do {                                                                           \
		void *sym_ = dlsym((api)->handle, (name));                             \
		if (!sym_) {                                                           \
			missing = (name);                                              \
			goto cleanup;                                                  \
		}                                                                      \
		memcpy(&(api)->field, &sym_, sizeof(sym_));                            \
	} while (0)

int curl_api_open(const char *soname, struct curl_api *api, char *err, size_t errlen)
{
	const char *missing = NULL;

	memset(api, 0, sizeof(*api));
	/* RTLD_LOCAL: its symbols stay out of the way of later libraries. */
	api->handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!api->handle) {
		if (err && errlen)
			snprintf(err, errlen, "cannot load %s (%s); install libcurl (Debian: libcurl4) for [push]",
				 soname, dlerror());
		return -ENOENT;
	}
	API_SYM(api, global_init, "curl_global_init");
	API_SYM(api, easy_init, "curl_easy_init");
	API_SYM(api, easy_setopt, "curl_easy_setopt");
	API_SYM(api, easy_perform, "curl_easy_perform");
	API_SYM(api, easy_getinfo, "curl_easy_getinfo");
	API_SYM(api, easy_cleanup, "curl_easy_cleanup");
	API_SYM(api, easy_strerror, "curl_easy_strerror");
	API_SYM(api, easy_escape, "curl_easy_escape");
	API_SYM(api, free, "curl_free");
	API_SYM(api, slist_append, "curl_slist_append");
	API_SYM(api, slist_free_all, "curl_slist_free_all");
	return 0;
cleanup:
	if (err && errlen)
		snprintf(err, errlen, "%s has no %s; install libcurl 7.85 or later (Debian: libcurl4) for [push]",
			 soname, missing);
	curl_api_close(api);
	return -ENOSYS;
}

void curl_api_close(struct curl_api *api)
{
	if (api->handle)
		dlclose(api->handle);
	memset(api, 0, sizeof(*api));
}

static struct curl_api process_api;
static int process_err;
static char process_msg[256];

static void process_load(void)
{
	process_err = curl_api_open(CURL_API_SONAME, &process_api, process_msg, sizeof(process_msg));
	if (!process_err && process_api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(process_msg, sizeof(process_msg), "curl_global_init failed (out of memory?)");
		process_err = -ENOMEM;
	}
}

const struct curl_api *curl_api_get(char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, process_load);
	if (process_err) {
		if (err && errlen)
			snprintf(err, errlen, "%s", process_msg);
		return NULL;
	}
	return &process_api;
}
