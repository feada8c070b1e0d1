/*
 * linux/sysfs.h — sysfs attributes and groups.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_SYSFS_H
#define KC_LINUX_SYSFS_H

#include <linux/kobject.h>

/* The groups of a kobj_type: NAME_attrs[] gathered as NAME_groups[]. */
#define ATTRIBUTE_GROUPS(_name)                                                       \
	static const struct attribute_group _name##_group = {.attrs = _name##_attrs}; \
	static const struct attribute_group *_name##_groups[] = {&_name##_group, NULL}

#endif
