/*
 * asm/hvcall.h — hcall codes and the plpar_hcall* wrappers, routed into illan's hypervisor for the partition whose driver instance is running (kc_core.c).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_ASM_HVCALL_H
#define KC_ASM_HVCALL_H

#include "kc/base.h"

#define H_SUCCESS 0
#define H_BUSY 1
#define H_CLOSED 2
#define H_NOT_AVAILABLE 3
#define H_CONSTRAINED 4
#define H_PARTIAL 5
#define H_IN_PROGRESS 14
#define H_PAGE_REGISTERED 15
#define H_PARTIAL_STORE 16
#define H_PENDING 17
#define H_CONTINUE 18
#define H_LONG_BUSY_START_RANGE 9900
#define H_LONG_BUSY_ORDER_1_MSEC 9900
#define H_LONG_BUSY_ORDER_10_MSEC 9901
#define H_LONG_BUSY_ORDER_100_MSEC 9902
#define H_LONG_BUSY_ORDER_1_SEC 9903
#define H_LONG_BUSY_ORDER_10_SEC 9904
#define H_LONG_BUSY_ORDER_100_SEC 9905
#define H_LONG_BUSY_END_RANGE 9905
#define H_HARDWARE -1
#define H_FUNCTION -2
#define H_PRIVILEGE -3
#define H_PARAMETER -4
#define H_BAD_MODE -5
#define H_PTEG_FULL -6
#define H_NOT_FOUND -7
#define H_RESERVED_DABR -8
#define H_NO_MEM -9
#define H_AUTHORITY -10
#define H_PERMISSION -11
#define H_DROPPED -12
#define H_SOURCE_PARM -13
#define H_DEST_PARM -14
#define H_REMOTE_PARM -15
#define H_RESOURCE -16

#define H_IS_LONG_BUSY(x) ((x) >= H_LONG_BUSY_START_RANGE && (x) <= H_LONG_BUSY_END_RANGE)

#define H_VIO_SIGNAL 0x104
#define H_REGISTER_LOGICAL_LAN 0x114
#define H_FREE_LOGICAL_LAN 0x118
#define H_ADD_LOGICAL_LAN_BUFFER 0x11C
#define H_SEND_LOGICAL_LAN 0x120
#define H_MULTICAST_CTRL 0x130
#define H_CHANGE_LOGICAL_LAN_MAC 0x14C
#define H_ILLAN_ATTRIBUTES 0x244
#define H_ADD_LOGICAL_LAN_BUFFERS 0x248

#define PLPAR_HCALL_BUFSIZE 4
#define PLPAR_HCALL9_BUFSIZE 9

/*
 * The wrappers pass their arguments in registers, as unsigned longs. Each
 * argument here is converted as a register would hold it (an element of a
 * compound literal of unsigned long), counted, and handed with the size of
 * the return buffer to kc_plpar_hcall, which calls illan's hypervisor for
 * the partition whose driver instance is running. An argument a caller
 * leaves out reaches the hypervisor as 0 (a real register would hold
 * whatever was left in it).
 */
#define KC_HCALL_ARGS(...) ((const unsigned long[]){__VA_ARGS__})
#define KC_HCALL_NARGS(...) \
	((unsigned)(sizeof((unsigned long[]){__VA_ARGS__}) / sizeof(unsigned long)))
#define plpar_hcall_norets(opcode, ...) \
	kc_plpar_hcall((opcode), NULL, 0, KC_HCALL_ARGS(__VA_ARGS__), KC_HCALL_NARGS(__VA_ARGS__))
#define plpar_hcall(opcode, retbuf, ...)                                                    \
	kc_plpar_hcall((opcode), (retbuf), PLPAR_HCALL_BUFSIZE, KC_HCALL_ARGS(__VA_ARGS__), \
		       KC_HCALL_NARGS(__VA_ARGS__))
#define plpar_hcall9(opcode, retbuf, ...)                                                    \
	kc_plpar_hcall((opcode), (retbuf), PLPAR_HCALL9_BUFSIZE, KC_HCALL_ARGS(__VA_ARGS__), \
		       KC_HCALL_NARGS(__VA_ARGS__))

#endif
