/*
 * A process watchdog that needs nothing from the JVM: a pthread, never attached, that ends the
 * process with _exit(status) once its deadline passes, after writing its message to stdout.
 *
 * Why in C: a Java thread stuck on an unanswered fault blocks every safepoint and handshake, and
 * then a Java watchdog may never get to run its exit (Runtime.halt waits for a safepoint; even
 * the first call of a downcall handle may spin classes and wait). doctor arms this around its
 * live probe.
 */
#define _GNU_SOURCE
#include "jreclaim.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond;
static int wd_started, wd_armed, wd_status;
static struct timespec wd_deadline;
static char wd_message[4096];

static void *watchdog_main(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&wd_lock);
	for (;;) {
		if (!wd_armed) {
			pthread_cond_wait(&wd_cond, &wd_lock);
			continue;
		}
		int r = pthread_cond_timedwait(&wd_cond, &wd_lock, &wd_deadline);
		if (r == ETIMEDOUT && wd_armed) {
			size_t n = strlen(wd_message);
			if (n && write(STDOUT_FILENO, wd_message, n) < 0) {
				/* nothing left to tell anyone */
			}
			_exit(wd_status);
		}
	}
	return NULL;
}

JR_API int jr_watchdog_arm(uint64_t millis, int status, const char *message)
{
	pthread_mutex_lock(&wd_lock);
	if (!wd_started) {
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&wd_cond, &ca);
		pthread_t t;
		int e = pthread_create(&t, NULL, watchdog_main, NULL);
		if (e) {
			pthread_mutex_unlock(&wd_lock);
			return -e;
		}
		pthread_detach(t);
		pthread_setname_np(t, "jreclaim-watchdog");
		wd_started = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &wd_deadline);
	wd_deadline.tv_sec += (time_t)(millis / 1000);
	wd_deadline.tv_nsec += (long)(millis % 1000) * 1000000L;
	if (wd_deadline.tv_nsec >= 1000000000L) {
		wd_deadline.tv_sec++;
		wd_deadline.tv_nsec -= 1000000000L;
	}
	wd_status = status;
	snprintf(wd_message, sizeof(wd_message), "%s", message ? message : "");
	wd_armed = 1;
	pthread_cond_signal(&wd_cond);
	pthread_mutex_unlock(&wd_lock);
	return 0;
}

JR_API int jr_watchdog_message(const char *message)
{
	pthread_mutex_lock(&wd_lock);
	snprintf(wd_message, sizeof(wd_message), "%s", message ? message : "");
	pthread_mutex_unlock(&wd_lock);
	return 0;
}

JR_API int jr_watchdog_disarm(void)
{
	pthread_mutex_lock(&wd_lock);
	wd_armed = 0;
	if (wd_started)
		pthread_cond_signal(&wd_cond);
	pthread_mutex_unlock(&wd_lock);
	return 0;
}
