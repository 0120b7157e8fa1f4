// SPDX-License-Identifier: GPL-2.0
/* C++ demangling through libstdc++'s __cxa_demangle.
 *
 * Flame graphs want one frame per function, not per overload: the full
 * signature of HotSpot functions ("JavaCalls::call_helper(JavaValue*,
 * methodHandle const&, JavaCallArguments*, JavaThread*)") makes frames
 * unreadably wide and splits nothing useful. So the parameter list, cv/ref
 * qualifiers, GCC clone suffixes and a template's return type are dropped;
 * template arguments and namespaces are kept because they tell functions
 * apart.
 */
#include "symbolize/demangle.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Drop " [clone .cold]" style suffixes (there may be several). */
static size_t strip_clones(const char *s, size_t len)
{
	while (len > 0 && s[len - 1] == ']') {
		size_t i = len - 1;

		while (i > 0 && s[i] != '[')
			i--;
		if (s[i] != '[' || i == 0 || s[i - 1] != ' ' ||
		    strncmp(s + i, "[clone ", 7) != 0)
			break;
		len = i - 1;
	}
	return len;
}

static size_t strip_qualifiers(const char *s, size_t len)
{
	static const char *const quals[] = { " const", " volatile", " &&", " &", " noexcept" };
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++) {
			if (ends_with(s, len, quals[i])) {
				len -= strlen(quals[i]);
				again = true;
			}
		}
	}
	return len;
}

/* Length without the trailing "(...)", or len when there is none. */
static size_t strip_params(const char *s, size_t len)
{
	size_t depth = 0, i = len;

	if (len == 0 || s[len - 1] != ')')
		return len;
	while (i > 0) {
		char c = s[--i];

		if (c == ')')
			depth++;
		else if (c == '(' && --depth == 0)
			break;
	}
	if (depth != 0 || i == 0)
		return len;
	return i;
}

static bool is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Start of the function name after a return type ("void foo<int>"): the
 * last space outside brackets, looking only before any "operator" keyword
 * (whose symbols such as '<' would confuse the bracket count). */
static size_t name_start(const char *s, size_t len)
{
	size_t start = 0;
	int angle = 0, paren = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if ((i == 0 || !is_ident_char(s[i - 1])) && len - i >= 8 &&
		    strncmp(s + i, "operator", 8) == 0 && (len - i == 8 || !is_ident_char(s[i + 8])))
			break;
		if (c == '<')
			angle++;
		else if (c == '>' && angle > 0)
			angle--;
		else if (c == '(' || c == '{')
			paren++;
		else if ((c == ')' || c == '}') && paren > 0)
			paren--;
		else if (c == ' ' && angle == 0 && paren == 0)
			start = i + 1;
	}
	return start;
}

void demangle_strip_signature(char *name)
{
	size_t len = strlen(name), stripped, start;

	len = strip_clones(name, len);
	len = strip_qualifiers(name, len);
	stripped = strip_params(name, len);
	if (stripped == len) {
		/* Not a function signature (e.g. "vtable for Foo"): keep it. */
		name[len] = '\0';
		return;
	}
	len = stripped;
	start = name_start(name, len);
	memmove(name, name + start, len - start);
	name[len - start] = '\0';
}

char *demangle_symbol(const char *name)
{
	char *out;
	int status = 0;

	if (strncmp(name, "_Z", 2) != 0)
		return strdup(name);
	out = __cxa_demangle(name, NULL, NULL, &status);
	if (!out || status != 0) {
		free(out);
		/* Not valid C++ after all (or OOM inside the demangler): the raw
		 * name is still the best identification we have. */
		return strdup(name);
	}
	demangle_strip_signature(out);
	if (out[0] == '\0') {
		free(out);
		return strdup(name);
	}
	return out;
}
