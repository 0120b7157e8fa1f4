// SPDX-License-Identifier: GPL-2.0
/* Source of the ELF seeds for fuzz_elf_symtab (built by tests/mk/hardening.mk
 * without libc, so the files stay a few KB): exported and static functions
 * (.symtab and .dynsym), data, and, with SEED_EXEC, an entry point. */

static int seed_hidden(int x)
{
	return x * 3 + 1;
}

int seed_counter;

int seed_alpha(int x)
{
	return seed_hidden(x) + seed_counter;
}

int seed_beta(int x)
{
	return seed_alpha(x) ^ 0x5a;
}

#ifdef SEED_EXEC
void _start(void)
{
	seed_counter = seed_beta(1);
	for (;;)
		;
}
#endif
