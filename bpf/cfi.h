/* Unwind tables from .eh_frame for native code without frame pointers
 * (Debian's libc, ld-linux): the layout shared by the BPF walker
 * (bpf/ustack.bpf.h) and user space (symbolize/cfi_table.c builds the rows,
 * agent/collect/cfi_maps.c loads them).
 *
 * One array of rows per BPF object, shared by every target: the rows of a
 * file (same device and inode) are loaded once. Per target (key: tgid) up
 * to CFI_MAX_MAPPINGS executable mappings, each naming its file's rows. */
#ifndef TMPROF_BPF_CFI_H
#define TMPROF_BPF_CFI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define CFI_MAX_ROWS (1U << 18)  /* 262144 rows, 2 MiB per BPF object */
#define CFI_MAX_MAPPINGS 8       /* per target */
#define CFI_MAX_TARGETS 1024
#define CFI_SEARCH_STEPS 20      /* > log2(CFI_MAX_ROWS) + 1 */

/* How the caller's frame is found at a pc. */
enum cfi_kind {
	CFI_UNKNOWN = 0,  /* no usable rule (expression, no FDE): fall back */
	CFI_CFA_RSP = 1,  /* CFA = rsp + cfa_off */
	CFI_CFA_RBP = 2,  /* CFA = rbp + cfa_off */
	CFI_END = 3,      /* the return address is undefined: outermost frame */
};

#define CFI_KIND_MASK 0x3
#define CFI_RBP_SAVED 0x4 /* the caller's rbp is at CFA + rbp_off * 8 */

/* A row applies from addr (the ELF virtual address in its file, i.e.
 * pc - load bias) to the next row's addr. The return address is always at
 * CFA - 8 (rows where it is not are CFI_UNKNOWN). A file's last row is a
 * CFI_UNKNOWN that ends the range of the one before. */
struct cfi_row {
	__u32 addr;
	__s16 cfa_off;
	__u8 flags;   /* enum cfi_kind | CFI_RBP_SAVED */
	__s8 rbp_off; /* in words, from the CFA */
};

struct cfi_mapping {
	__u64 start, end; /* [start, end): an executable mapping of the target */
	__u64 bias;       /* file address = pc - bias */
	__u32 first_row;  /* in the rows array */
	__u32 nrows;
};

/* Value of the cfi_procs map. */
struct cfi_proc {
	__u32 n; /* mappings in use */
	__u32 pad;
	struct cfi_mapping m[CFI_MAX_MAPPINGS];
};

#endif
