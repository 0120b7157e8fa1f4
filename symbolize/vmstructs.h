// SPDX-License-Identifier: GPL-2.0
/* HotSpot's self-description: the gHotSpotVMStructs / gHotSpotVMTypes tables
 * every libjvm exports for the serviceability agent. Reading them from the
 * target's memory gives field offsets and type sizes of that very JVM build,
 * so nothing is hard-coded per JDK. */
#ifndef TMPROF_SYMBOLIZE_VMSTRUCTS_H
#define TMPROF_SYMBOLIZE_VMSTRUCTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbolize/target_mem.h"

/* Where the exported table variables live in the target (run-time
 * addresses of the libjvm symbols of the same names). */
struct vmstructs_addrs {
	uint64_t structs;             /* gHotSpotVMStructs: VMStructEntry* */
	uint64_t s_type_name_off;     /* gHotSpotVMStructEntryTypeNameOffset */
	uint64_t s_field_name_off;    /* gHotSpotVMStructEntryFieldNameOffset */
	uint64_t s_type_string_off;   /* gHotSpotVMStructEntryTypeStringOffset */
	uint64_t s_is_static_off;     /* gHotSpotVMStructEntryIsStaticOffset */
	uint64_t s_offset_off;        /* gHotSpotVMStructEntryOffsetOffset */
	uint64_t s_address_off;       /* gHotSpotVMStructEntryAddressOffset */
	uint64_t s_stride;            /* gHotSpotVMStructEntryArrayStride */
	uint64_t types;               /* gHotSpotVMTypes: VMTypeEntry* */
	uint64_t t_type_name_off;     /* gHotSpotVMTypeEntryTypeNameOffset */
	uint64_t t_size_off;          /* gHotSpotVMTypeEntrySizeOffset */
	uint64_t t_stride;            /* gHotSpotVMTypeEntryArrayStride */
};

/* The libjvm symbol names, in the order of the fields above. */
extern const char *const vmstructs_symbol_names[12];

/* The integer constants table (gHotSpotVMIntConstants): frame layout
 * constants and the like. Separate from the above so that callers that only
 * need fields keep working with the twelve symbols. */
struct vmstructs_int_addrs {
	uint64_t ints;     /* gHotSpotVMIntConstants: VMIntConstantEntry* */
	uint64_t name_off; /* gHotSpotVMIntConstantEntryNameOffset */
	uint64_t value_off; /* gHotSpotVMIntConstantEntryValueOffset */
	uint64_t stride;   /* gHotSpotVMIntConstantEntryArrayStride */
};

extern const char *const vmstructs_int_symbol_names[4];

struct vmstructs_int {
	char *name;
	int32_t value;
};

struct vmstructs_field {
	char *type, *field;
	uint64_t offset;  /* non-static fields */
	uint64_t address; /* static fields */
	bool is_static;
};

struct vmstructs_type {
	char *name;
	uint64_t size;
};

struct vmstructs {
	struct vmstructs_field *fields;
	size_t nfields;
	struct vmstructs_type *types;
	size_t ntypes;
	struct vmstructs_int *ints; /* empty unless vmstructs_read_ints ran */
	size_t nints;
};

/* Read both tables. -EFAULT if memory cannot be read, -EINVAL if the
 * tables make no sense (strides, unterminated). */
int vmstructs_read(const struct mem_reader *mem, const struct vmstructs_addrs *a,
		   struct vmstructs *out);
void vmstructs_free(struct vmstructs *vs);
/* Add the integer constants to vs (after vmstructs_read). Same errors; on
 * error vs keeps its fields and types and has no constants. */
int vmstructs_read_ints(const struct mem_reader *mem, const struct vmstructs_int_addrs *a,
			struct vmstructs *vs);

const struct vmstructs_field *vmstructs_field(const struct vmstructs *vs, const char *type,
					      const char *field);
/* Offset of a non-static field, -ENOENT if the table does not have it. */
int vmstructs_offset(const struct vmstructs *vs, const char *type, const char *field,
		     uint64_t *offset);
int vmstructs_type_size(const struct vmstructs *vs, const char *type, uint64_t *size);
/* An integer constant by its full name ("frame::interpreter_frame_sender_sp_offset"),
 * -ENOENT if the table does not have it. */
int vmstructs_int_constant(const struct vmstructs *vs, const char *name, int32_t *value);

#endif
