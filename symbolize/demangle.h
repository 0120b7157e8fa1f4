// SPDX-License-Identifier: GPL-2.0
/* C++ symbol names for flame graphs. */
#ifndef TMPROF_SYMBOLIZE_DEMANGLE_H
#define TMPROF_SYMBOLIZE_DEMANGLE_H

/* Demangle an ELF symbol name and reduce it to the function name:
 * "_ZN9JavaCalls11call_helperEP9JavaValue..." -> "JavaCalls::call_helper".
 * Names that are not mangled C++ are returned unchanged. Returns a malloc'd
 * string, or NULL when out of memory. */
char *demangle_symbol(const char *name);

/* Strip the parameter list, trailing qualifiers, "[clone ...]" suffixes and a
 * template function's return type from a demangled name, in place. */
void demangle_strip_signature(char *name);

#endif
