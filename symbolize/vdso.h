// SPDX-License-Identifier: GPL-2.0
/* The vDSO has no file behind its mapping. Every process on one kernel
 * maps the same image, so tmprof's own copy names a target's vDSO frames. */
#ifndef TMPROF_SYMBOLIZE_VDSO_H
#define TMPROF_SYMBOLIZE_VDSO_H

/* A new fd holding tmprof's vDSO image (an ELF file), or -errno. */
int vdso_image_fd(void);

#endif
