/*
 * linux/interrupt.h — request_irq/free_irq: the adapter's receive interrupt (kc_vio.c).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_INTERRUPT_H
#define KC_LINUX_INTERRUPT_H

#include "kc/base.h"

#define IRQ_NONE KC_IRQ_NONE
#define IRQ_HANDLED KC_IRQ_HANDLED
typedef irqreturn_t (*irq_handler_t)(int, void *);

#endif
