/*
 * linux/socket.h — struct sockaddr (renamed kc_sockaddr, so it never meets libc's).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_SOCKET_H
#define KC_LINUX_SOCKET_H

#include "kc/base.h"

#define sockaddr kc_sockaddr

#endif
