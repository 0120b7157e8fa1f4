// SPDX-License-Identifier: GPL-2.0
/* libcurl, loaded when the first push needs it.
 *
 * Linked at start, libcurl and what it pulls in (its TLS, Kerberos, LDAP,
 * SSH and IDN libraries) cost every tmprof process about 5.7 MiB of RSS
 * (measured: 9.0 vs 3.4 MiB for an empty program linked with and without
 * -lcurl), half of the daemon's file-backed memory, most of them never
 * used: only [push] talks HTTP. Loaded with dlopen at the first push,
 * only a daemon that pushes pays for it.
 */
#ifndef TMPROF_FLAMEGRAPH_CURL_API_H
#define TMPROF_FLAMEGRAPH_CURL_API_H

#include <stddef.h>

#include <curl/curl.h>

/* The library's ABI name (Debian: libcurl4 or libcurl3-gnutls' libcurl.so.4). */
#define CURL_API_SONAME "libcurl.so.4"

/* The libcurl calls tmprof makes, by pointer. */
struct curl_api {
	void *handle; /* dlopen's */
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
	char *(*easy_escape)(CURL *c, const char *s, int len);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
};

/* Open soname and find every call above: 0, or -ENOENT (no such library)
 * or -ENOSYS (a call missing) with one line in err naming the library and
 * the fix. No curl_global_init here. */
int curl_api_open(const char *soname, struct curl_api *api, char *err, size_t errlen);
/* What curl_api_open opened; a zeroed api is fine. */
void curl_api_close(struct curl_api *api);

/* The process's libcurl: opened and curl_global_init run once, at the
 * first call (thread-safe), kept until exit. NULL when it cannot be
 * loaded, with the reason in err (the same at every call). */
const struct curl_api *curl_api_get(char *err, size_t errlen);

#endif
