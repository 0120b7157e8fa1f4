// SPDX-License-Identifier: GPL-2.0
#include "agent/core/rules_text.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A rule is one visible line: a NUL or an escape sequence inside would
 * make the error messages (and the rule) say something else than the
 * file shows. Tabs separate words; a '\r' is a Windows line end. */
static bool line_is_clean(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '\0' || (iscntrl((unsigned char)*p) && *p != '\t' && *p != '\r'))
			return false;
	return true;
}

static int parse_line(const char *p, const char *end, unsigned int lineno, rules_line_fn fn,
		      void *ctx, size_t *nrules, char *err, size_t errlen)
{
	char msg[384];
	int rc;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	if (!line_is_clean(p, end)) {
		snprintf(err, errlen, "line %u: control character in the rule; remove it", lineno);
		return -EINVAL;
	}
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	msg[0] = '\0';
	rc = fn(ctx, p, (size_t)(end - p), msg, sizeof(msg));
	if (rc == -EINVAL)
		snprintf(err, errlen, "line %u: %s", lineno, msg);
	else if (!rc)
		(*nrules)++;
	return rc;
}

int rules_text_parse(const char *text, size_t len, rules_line_fn fn, void *ctx, size_t *nrules,
		     char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	unsigned int lineno = 0;
	int rc = 0;

	*nrules = 0;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		rc = parse_line(p, eol, ++lineno, fn, ctx, nrules, err, errlen);
		p = nl ? nl + 1 : end;
	}
	return rc;
}

int rules_text_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	char *buf = NULL;
	FILE *f;
	int rc = 0;

	*text = NULL;
	*len = 0;
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s; give a readable rules file", path, strerror(errno));
		return rc;
	}
	buf = malloc(RULES_TEXT_MAX_BYTES + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto cleanup;
	}
	*len = fread(buf, 1, RULES_TEXT_MAX_BYTES + 1, f);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error; give a readable rules file", path);
	} else if (*len > RULES_TEXT_MAX_BYTES) {
		rc = -EFBIG;
		snprintf(err, errlen, "%s: larger than %d bytes; rules files are small", path,
			 RULES_TEXT_MAX_BYTES);
	}
cleanup:
	fclose(f);
	if (rc) {
		free(buf);
		*len = 0;
		return rc;
	}
	*text = buf;
	return 0;
}
