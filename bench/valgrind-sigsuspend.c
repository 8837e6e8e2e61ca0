/* Preloaded into verifyd under valgrind by bench/request-instructions.sh. libdispatch's dispatch_main (Swift's async
 * main on Linux) parks the main thread in sigsuspend with a mask in read-only memory, and valgrind 3.19's wrapper
 * writes to that mask and dies of SIGSEGV. The same call with the mask copied to the stack behaves the same. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
