#ifndef VERIFYD_CEPOLL_SHIM_H
#define VERIFYD_CEPOLL_SHIM_H

// Swift's Glibc module leaves out epoll and eventfd, which the PostgreSQL client's poll thread waits on.
#include <sys/epoll.h>
#include <sys/eventfd.h>

#endif
