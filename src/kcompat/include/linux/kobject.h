/*
 * linux/kobject.h — kobjects: the driver's sysfs attributes become per-adapter settings.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_KOBJECT_H
#define KC_LINUX_KOBJECT_H

#include "kc/base.h"

enum kobject_action { KOBJ_ADD, KOBJ_REMOVE, KOBJ_CHANGE, KOBJ_MOVE, KOBJ_ONLINE, KOBJ_OFFLINE };

#endif
