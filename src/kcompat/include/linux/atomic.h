/*
 * linux/atomic.h — atomic_t (plain operations: one thread).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_ATOMIC_H
#define KC_LINUX_ATOMIC_H

#include "kc/base.h"

#endif
