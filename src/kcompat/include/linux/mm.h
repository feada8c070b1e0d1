/*
 * linux/mm.h — pages: get_zeroed_page, free_page (the partition's memory, kc_mem.c).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_MM_H
#define KC_LINUX_MM_H

#include <linux/slab.h>

#define __get_free_page(gfp) __get_free_pages((gfp), 0)
#define free_page(addr) free_pages((addr), 0)

#endif
