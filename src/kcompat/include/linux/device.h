/*
 * linux/device.h — struct device helpers: driver data, names, dev_* logging.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_DEVICE_H
#define KC_LINUX_DEVICE_H

#include <linux/sysfs.h>

static inline void *dev_get_drvdata(const struct device *dev)
{
	return dev->driver_data;
}
static inline void dev_set_drvdata(struct device *dev, void *data)
{
	dev->driver_data = data;
}
static inline const char *dev_name(const struct device *dev)
{
	return dev->kc_name ? dev->kc_name : "";
}
#define kobj_to_dev(k) container_of(k, struct device, kobj)

#define dev_err(dev, fmt, ...) dev_printk(KC_LOG_ERR, dev, fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...) dev_printk(KC_LOG_WARNING, dev, fmt, ##__VA_ARGS__)
#define dev_notice(dev, fmt, ...) dev_printk(KC_LOG_NOTICE, dev, fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...) dev_printk(KC_LOG_INFO, dev, fmt, ##__VA_ARGS__)
#define dev_dbg(dev, fmt, ...)                                             \
	do {                                                               \
		if (kc_log_debug)                                          \
			dev_printk(KC_LOG_DEBUG, dev, fmt, ##__VA_ARGS__); \
	} while (0)

#endif
