/*
 * linux/pm.h — struct dev_pm_ops (defined in kc/kstructs.h).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_PM_H
#define KC_LINUX_PM_H

#include "kc/base.h"

#endif
