/*
 * kc/base.h — the ground floor of the kernel world: byte order, compiler
 * attributes, barriers, errno values, the string functions, the generic
 * helpers of include/linux/kernel.h, BUG/WARN and printk.
 *
 * Serves every kernel-API header of src/kcompat/include (linux/types.h,
 * linux/kernel.h, ... include it first), hence the driver's translation
 * unit, which is compiled freestanding (-nostdinc -ffreestanding) against
 * these headers only, as the kernel itself is built.
 *
 * Byte order: the kernel defines exactly one of __BIG_ENDIAN and
 * __LITTLE_ENDIAN (include/uapi/linux/byteorder/{big,little}_endian.h),
 * and ibmveth.h lays out its buffer descriptor with #ifdef __BIG_ENDIAN. A
 * glibc host defines both (as numbers, in <endian.h>), which would give the
 * big-endian field order on a little-endian host and put the flags in the
 * low word of every descriptor. The driver never sees glibc here, and this
 * file defines the one that matches the target (GCC's __BYTE_ORDER__), so
 * descriptors come out as PAPR lays them out — flags and length in bits
 * 63..32, the I/O address in 31..0 — on either kind of host.
 */
#ifndef KC_BASE_H
#define KC_BASE_H

#include "kc/kstructs.h"

#undef __BIG_ENDIAN
#undef __LITTLE_ENDIAN
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define __BIG_ENDIAN 4321
#define __BIG_ENDIAN_BITFIELD
#else
#define __LITTLE_ENDIAN 1234
#define __LITTLE_ENDIAN_BITFIELD
#endif

/* ---- Compiler (include/linux/compiler*.h) ---------------------------------- */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __read_mostly
#define __init
#define __exit
#define __initdata
#define __iomem
#define __user
#define __force
#define __rcu
#define __bitwise
#define __must_check __attribute__((warn_unused_result))
#define __maybe_unused __attribute__((unused))
#define __always_unused __attribute__((unused))
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __cold __attribute__((cold))
#define fallthrough __attribute__((fallthrough))
#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) (*(volatile __typeof__(x) *)&(x) = (val))
#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)

/* Inline assembly is the target's (ibmveth_flush_buffer issues dcbf, a
 * PowerPC cache flush, when rx_flush is set). Memory here is coherent, so
 * a driver's asm statement does nothing. */
#define asm(...) ((void)0)

/* Barriers: one thread, one event loop; the compiler barrier keeps the
 * order the driver wrote. */
#define mb() barrier()
#define rmb() barrier()
#define wmb() barrier()
#define smp_mb() barrier()
#define smp_rmb() barrier()
#define smp_wmb() barrier()
#define dma_rmb() barrier()
#define dma_wmb() barrier()

/* ---- errno (include/uapi/asm-generic/errno*.h) ------------------------------ */
#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENONET 64
#define EOPNOTSUPP 95
#define EADDRINUSE 98
#define EADDRNOTAVAIL 99
#define ENETDOWN 100
#define ETIMEDOUT 110
#define ENOTSUPP 524

/* ---- Byte order (include/linux/byteorder/generic.h) --------------------------- */
#ifdef __LITTLE_ENDIAN
#define cpu_to_be16(x) ((__be16)__builtin_bswap16((u16)(x)))
#define cpu_to_be32(x) ((__be32)__builtin_bswap32((u32)(x)))
#define cpu_to_be64(x) ((__be64)__builtin_bswap64((u64)(x)))
#define cpu_to_le16(x) ((__le16)(u16)(x))
#define cpu_to_le32(x) ((__le32)(u32)(x))
#define cpu_to_le64(x) ((__le64)(u64)(x))
#else
#define cpu_to_be16(x) ((__be16)(u16)(x))
#define cpu_to_be32(x) ((__be32)(u32)(x))
#define cpu_to_be64(x) ((__be64)(u64)(x))
#define cpu_to_le16(x) ((__le16)__builtin_bswap16((u16)(x)))
#define cpu_to_le32(x) ((__le32)__builtin_bswap32((u32)(x)))
#define cpu_to_le64(x) ((__le64)__builtin_bswap64((u64)(x)))
#endif
#define be16_to_cpu(x) ((u16)cpu_to_be16(x))
#define be32_to_cpu(x) ((u32)cpu_to_be32(x))
#define be64_to_cpu(x) ((u64)cpu_to_be64(x))
#define le16_to_cpu(x) ((u16)cpu_to_le16(x))
#define le32_to_cpu(x) ((u32)cpu_to_le32(x))
#define le64_to_cpu(x) ((u64)cpu_to_le64(x))
#define be16_to_cpup(p) be16_to_cpu(*(const __be16 *)(p))
#define be32_to_cpup(p) be32_to_cpu(*(const __be32 *)(p))
#define be64_to_cpup(p) be64_to_cpu(*(const __be64 *)(p))
#define htons(x) cpu_to_be16(x)
#define ntohs(x) be16_to_cpu(x)
#define htonl(x) cpu_to_be32(x)
#define ntohl(x) be32_to_cpu(x)

/* ---- String functions (include/linux/string.h); libc's at link time --------- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t n);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define memmove(d, s, n) __builtin_memmove(d, s, n)
#define memset(s, c, n) __builtin_memset(s, c, n)
#define memcmp(a, b, n) __builtin_memcmp(a, b, n)
#define strlen(s) __builtin_strlen(s)

/* ---- include/linux/kernel.h, math.h, minmax.h, container_of.h --------------- */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a)-1)) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define BIT(n) (1ul << (n))
#define BIT_ULL(n) (1ull << (n))
#define U16_MAX ((u16)~0u)
#define U32_MAX ((u32)~0u)
#define INT_MAX ((int)(~0u >> 1))
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX (~0u)
#define ULONG_MAX (~0ul)
#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) ALIGN((unsigned long)(x), PAGE_SIZE)
#define L1_CACHE_BYTES 128
#define SMP_CACHE_BYTES L1_CACHE_BYTES
#define sprintf(...) kc_sprintf(__VA_ARGS__)
#define snprintf(...) kc_snprintf(__VA_ARGS__)

/* BUG/WARN (include/asm-generic/bug.h): a BUG is an oops of this driver
 * instance — the layer unwinds to the call that entered the driver, counts
 * it and stops the adapter (kc_core.c); a WARN is logged and counted. */
#define BUG() kc_bug(__FILE__, __LINE__, "BUG()")
#define BUG_ON(cond)                                                     \
	do {                                                             \
		if (unlikely(cond))                                      \
			kc_bug(__FILE__, __LINE__, "BUG_ON(" #cond ")"); \
	} while (0)
#define WARN_ON(cond) kc_warn(!!(cond), __FILE__, __LINE__, "WARN_ON(" #cond ")")
#define WARN_ON_ONCE(cond)                                                            \
	({                                                                            \
		static bool kc_warned_;                                               \
		bool kc_c_ = !!(cond);                                                \
		if (kc_c_ && !kc_warned_) {                                           \
			kc_warned_ = true;                                            \
			kc_warn(true, __FILE__, __LINE__, "WARN_ON_ONCE(" #cond ")"); \
		}                                                                     \
		kc_c_;                                                                \
	})
#define WARN(cond, ...) kc_warn(!!(cond), __FILE__, __LINE__, #cond)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")

/* printk levels: the kernel's "\001" + digit prefix. */
#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define KERN_CONT KERN_SOH "c"
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)                                             \
	do {                                                           \
		if (kc_log_debug)                                      \
			printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__); \
	} while (0)

/* ---- include/linux/atomic.h (one thread: plain operations) ------------------- */
#define ATOMIC_INIT(i) \
	{              \
		(i)    \
	}
static inline int atomic_read(const atomic_t *v)
{
	return READ_ONCE(v->counter);
}
static inline void atomic_set(atomic_t *v, int i)
{
	WRITE_ONCE(v->counter, i);
}
static inline void atomic_add(int i, atomic_t *v)
{
	v->counter += i;
}
static inline void atomic_sub(int i, atomic_t *v)
{
	v->counter -= i;
}
static inline void atomic_inc(atomic_t *v)
{
	v->counter++;
}
static inline void atomic_dec(atomic_t *v)
{
	v->counter--;
}
static inline int atomic_inc_return(atomic_t *v)
{
	return ++v->counter;
}
static inline int atomic_dec_return(atomic_t *v)
{
	return --v->counter;
}
static inline bool atomic_dec_and_test(atomic_t *v)
{
	return --v->counter == 0;
}

#endif
