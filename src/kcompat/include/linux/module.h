/*
 * linux/module.h — a driver as a module: module_init/module_exit, module
 * parameters, modinfo.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 *
 * The driver's translation unit is built with -DKC_MODULE_SYM=<symbol>
 * (one per kernel version, e.g. kc_module_6_1) and -DKC_MODULE_TAG="6.1".
 * This header then gives it one static struct kc_module and one exported
 * function, KC_MODULE_SYM(), returning it; everything else of the module
 * is static, so drivers of several kernel versions link into one program.
 * module_init, module_exit and module_param fill the struct from
 * constructors, before main, as a module loader reads a module's sections.
 */
#ifndef KC_LINUX_MODULE_H
#define KC_LINUX_MODULE_H

#include "kc/base.h"

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "module"
#endif
#ifndef KC_MODULE_SYM
#error "a module is compiled with -DKC_MODULE_SYM=<exported symbol> (see src/kcompat/kcompat.h)"
#endif

static struct kc_module kc_this_module;
#define THIS_MODULE (&kc_this_module)

struct kc_module *KC_MODULE_SYM(void);
struct kc_module *KC_MODULE_SYM(void)
{
	kc_this_module.name = KBUILD_MODNAME;
#ifdef KC_MODULE_TAG
	kc_this_module.tag = KC_MODULE_TAG;
#endif
#ifdef KC_MODULE_FILE
	kc_this_module.file = KC_MODULE_FILE;
#endif
	return &kc_this_module;
}

#define KC_MOD_CAT_(a, b) a##b
#define KC_MOD_CAT(a, b) KC_MOD_CAT_(a, b)

#define module_init(fn)                                                   \
	__attribute__((constructor)) static void kc_module_init_reg(void) \
	{                                                                 \
		kc_this_module.init = (fn);                               \
	}                                                                 \
	struct kc_module_dummy
#define module_exit(fn)                                                   \
	__attribute__((constructor)) static void kc_module_exit_reg(void) \
	{                                                                 \
		kc_this_module.exit = (fn);                               \
	}                                                                 \
	struct kc_module_dummy

/* Parameters (include/linux/moduleparam.h): the variable's type is checked
 * against the parameter's, as param_check_<type> does. */
static inline void *kc_param_check_bool(bool *p)
{
	return p;
}
static inline void *kc_param_check_int(int *p)
{
	return p;
}
static inline void *kc_param_check_uint(unsigned int *p)
{
	return p;
}
static inline void *kc_param_check_long(long *p)
{
	return p;
}
static inline void *kc_param_check_ulong(unsigned long *p)
{
	return p;
}
static inline void *kc_param_check_ushort(unsigned short *p)
{
	return p;
}
static inline void *kc_param_check_charp(char **p)
{
	return p;
}

#define module_param_named(name, var, type, perm)                            \
	__attribute__((constructor)) static void kc_param_reg_##name(void)   \
	{                                                                    \
		kc_module_add_param(&kc_this_module, #name, KC_PARAM_##type, \
				    kc_param_check_##type(&(var)), (perm));  \
	}                                                                    \
	struct kc_module_dummy
/* (not through module_param_named: an argument passed on is expanded first,
 * and "bool" is a macro) */
#define module_param(name, type, perm)                                       \
	__attribute__((constructor)) static void kc_param_reg_##name(void)   \
	{                                                                    \
		kc_module_add_param(&kc_this_module, #name, KC_PARAM_##type, \
				    kc_param_check_##type(&(name)), (perm)); \
	}                                                                    \
	struct kc_module_dummy
#define MODULE_PARM_DESC(name, desc)                                        \
	__attribute__((constructor)) static void kc_param_desc_##name(void) \
	{                                                                   \
		kc_module_param_desc(&kc_this_module, #name, (desc));       \
	}                                                                   \
	struct kc_module_dummy

/* modinfo */
#define KC_MODINFO(field, value)                                                         \
	__attribute__((constructor)) static void KC_MOD_CAT(kc_modinfo_, __LINE__)(void) \
	{                                                                                \
		kc_this_module.field = (value);                                          \
	}                                                                                \
	struct kc_module_dummy
#define MODULE_LICENSE(x) KC_MODINFO(license, x)
#define MODULE_VERSION(x) KC_MODINFO(version, x)
#define MODULE_DESCRIPTION(x) KC_MODINFO(description, x)
#define MODULE_AUTHOR(x) struct kc_module_dummy
#define MODULE_ALIAS(x) struct kc_module_dummy
#define MODULE_FIRMWARE(x) struct kc_module_dummy
#define MODULE_DEVICE_TABLE(type, name) struct kc_module_dummy

#endif
