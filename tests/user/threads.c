/* Threads: pthread_create (clone with CLONE_SETTLS, a new %gs TLS per
 * thread), __thread variables, mutexes and condition variables (futex),
 * atomics (LOCK-prefixed instructions), pthread_join return values. The
 * output does not depend on scheduling. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NTHREADS 4
#define ITERS 20000

static __thread int tls_value = 7;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static volatile int atomic_counter;
static int ready;

static void* worker(void* arg) {
  intptr_t id = (intptr_t)arg;
  tls_value = (int)id * 100; /* private per thread */
  for (int i = 0; i < ITERS; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
    __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
  }
  pthread_mutex_lock(&lock);
  ready++;
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&lock);
  return (void*)(intptr_t)(tls_value + (int)id);
}

int main(void) {
  pthread_t t[NTHREADS];
  for (intptr_t i = 0; i < NTHREADS; i++) {
    int err = pthread_create(&t[i], NULL, worker, (void*)i);
    if (err) { /* fail fast instead of waiting for threads that never started */
      printf("pthread_create %d failed: %s\n", (int)i, strerrorname_np(err));
      return 1;
    }
  }
  pthread_mutex_lock(&lock);
  while (ready < NTHREADS) pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < NTHREADS; i++) {
    void* ret;
    pthread_join(t[i], &ret);
    printf("thread %d returned %d\n", i, (int)(intptr_t)ret);
  }
  printf("main tls still %d\n", tls_value);
  printf("mutex counter %ld (expect %d)\n", counter, NTHREADS * ITERS);
  printf("atomic counter %d (expect %d)\n", atomic_counter, NTHREADS * ITERS);
  return 0;
}
