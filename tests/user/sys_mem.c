/* Memory system calls: brk growth and shrink, mmap2 (anonymous, file-backed
 * private and shared, MAP_FIXED over an existing mapping, PROT_NONE guard),
 * munmap, mremap (grow in place or move), mprotect, madvise(DONTNEED) zero
 * fill, large malloc (mmap threshold), and file mapping at a page offset.
 * Only contents and return codes are printed, never addresses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint32_t sum(const uint8_t* p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  printf("page size %ld\n", page);
  /* brk */
  uint8_t* b0 = sbrk(0);
  uint8_t* b1 = sbrk(100000);
  printf("sbrk grow ok %d, old break == returned %d\n", b1 != (void*)-1, b0 == b1);
  memset(b1, 0x5a, 100000);
  printf("brk area sum %08x\n", sum(b1, 100000));
  printf("sbrk shrink ok %d\n", sbrk(-50000) != (void*)-1);
  printf("break moved back by 50000: %d\n", (uint8_t*)sbrk(0) == b1 + 50000);

  /* Anonymous mapping is zero filled. */
  size_t len = 16 * page;
  uint8_t* a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("anon mmap ok %d aligned %d\n", a != MAP_FAILED, ((uintptr_t)a % page) == 0);
  int zero = 1;
  for (size_t i = 0; i < len; i++) zero &= a[i] == 0;
  printf("anon zero filled %d\n", zero);
  for (size_t i = 0; i < len; i++) a[i] = (uint8_t)(i * 7);
  /* MAP_FIXED over the middle replaces it with zeros. */
  uint8_t* m = mmap(a + 4 * page, 2 * page, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("MAP_FIXED at requested address %d, sum %08x\n", m == a + 4 * page, sum(a, len));
  /* mprotect + munmap of a hole. */
  printf("mprotect ro %d\n", mprotect(a, page, PROT_READ));
  printf("munmap hole %d\n", munmap(a + 8 * page, page));
  errno = 0;
  int ms = msync(a + 8 * page, page, MS_SYNC);
  printf("msync on hole: %d ENOMEM %d\n", ms, errno == ENOMEM);
  /* mremap: grow (may move), contents kept. */
  uint8_t* r = mremap(a + 10 * page, 6 * page, 32 * page, MREMAP_MAYMOVE);
  printf("mremap ok %d kept %08x\n", r != MAP_FAILED, sum(r, 6 * page));
  memset(r + 6 * page, 1, 26 * page);
  printf("grown part sum %08x\n", sum(r + 6 * page, 26 * page));
  /* madvise DONTNEED on private anonymous memory: reads back zeros. */
  printf("madvise %d\n", madvise(r, page, MADV_DONTNEED));
  printf("after DONTNEED first byte %u\n", r[0]);

  /* File-backed mappings. */
  int fd = open("mapped.bin", O_CREAT | O_RDWR | O_TRUNC, 0600);
  for (int i = 0; i < 3 * page; i++) {
    uint8_t c = (uint8_t)(i % 251);
    write(fd, &c, 1);
  }
  uint8_t* fp = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page); /* offset: mmap2 units */
  printf("file map at offset 1 page: first %u sum %08x\n", fp[0], sum(fp, page));
  uint8_t* fs = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  fs[5] = 0xee;
  msync(fs, page, MS_SYNC);
  uint8_t c = 0;
  pread(fd, &c, 1, 5);
  printf("shared write visible through read: %02x\n", c);
  uint8_t* fpr = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  fpr[6] = 0x11;
  pread(fd, &c, 1, 6);
  printf("private write not in file: %02x\n", c);
  /* Past end of file within the last page: zeros. */
  ftruncate(fd, 100);
  uint8_t* tail = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("tail of short file: %u %u\n", tail[99], tail[100]);
  close(fd);

  /* Large allocations go through mmap in malloc. */
  size_t big = 8u << 20;
  uint8_t* p = malloc(big);
  memset(p, 3, big);
  printf("malloc 8 MiB sum %08x\n", sum(p, big));
  p = realloc(p, 2 * big);
  printf("realloc keeps %08x\n", sum(p, big));
  free(p);
  /* Many small allocations. */
  void* ptrs[2000];
  for (int i = 0; i < 2000; i++) ptrs[i] = calloc(1, (size_t)(i % 97) * 13 + 1);
  for (int i = 0; i < 2000; i += 2) free(ptrs[i]);
  for (int i = 1; i < 2000; i += 2) free(ptrs[i]);
  printf("small allocations done\n");
  /* Bad requests. */
  printf("mmap len 0: %d\n",
         mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
  printf("munmap unaligned: %d\n", munmap((uint8_t*)a + 1, page));
  return 0;
}
