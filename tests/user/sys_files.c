/* File-system system calls through the user-mode layer: open/openat, read,
 * write, writev, lseek (64-bit offsets), pread/pwrite, ftruncate, stat64/
 * fstat64/lstat64 (fields that do not depend on the host: size, mode type
 * and permission bits, nlink, blocks-independent), rename, link, symlink,
 * readlink, unlink, mkdir/rmdir, getdents64 (sorted listing), dup/dup2,
 * fcntl, pipe, access, chdir/getcwd (relative), umask. Runs in the current
 * directory (the harness gives each run a fresh one). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(expr)                                                 \
  do {                                                              \
    long _r = (long)(expr);                                         \
    printf("%-60s = %ld%s%s\n", #expr, _r, _r < 0 ? " errno " : "", \
           _r < 0 ? strerrorname_np(errno) : "");                   \
  } while (0)

static void show_stat(const char* what, const struct stat* st) {
  printf("stat %s: size %lld type %o perm %o nlink %u\n", what, (long long)st->st_size,
         st->st_mode & S_IFMT, st->st_mode & 07777, (unsigned)st->st_nlink);
}

static int cmp_str(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void list_dir(const char* path) {
  /* Raw getdents64, then sorted: the order on disk is not ours to compare. */
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  char buf[4096];
  char* names[256];
  int n = 0;
  for (;;) {
    long len = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (len <= 0) break;
    for (long off = 0; off < len;) {
      struct {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      }* d = (void*)(buf + off);
      if (n < 256) {
        char* s = malloc(strlen(d->name) + 8);
        sprintf(s, "%s:%u", d->name, d->type);
        names[n++] = s;
      }
      off += d->reclen;
    }
  }
  close(fd);
  qsort(names, n, sizeof names[0], cmp_str);
  printf("listing %s:", path);
  for (int i = 0; i < n; i++) printf(" %s", names[i]), free(names[i]);
  printf("\n");
  /* And through readdir (glibc over getdents64). */
  DIR* dir = opendir(path);
  int count = 0;
  while (readdir(dir)) count++;
  closedir(dir);
  printf("readdir count %d\n", count);
}

int main(void) {
  umask(022);
  CHECK(mkdir("d", 0755));
  CHECK(mkdir("d", 0755));
  int fd = open("d/f.txt", O_CREAT | O_RDWR | O_TRUNC, 0640);
  printf("open fd >= 3: %d\n", fd >= 3);
  CHECK(write(fd, "hello, world\n", 13));
  struct iovec iov[3] = {{"one ", 4}, {"two ", 4}, {"three\n", 6}};
  CHECK(writev(fd, iov, 3));
  CHECK(lseek(fd, 0, SEEK_CUR));
  CHECK(lseek(fd, 7, SEEK_SET));
  char buf[256];
  memset(buf, 0, sizeof buf);
  CHECK(read(fd, buf, 5));
  printf("read: '%s'\n", buf);
  CHECK(pwrite(fd, "HELLO", 5, 0));
  memset(buf, 0, sizeof buf);
  CHECK(pread(fd, buf, 100, 0));
  printf("pread: '%s'\n", buf);
  /* A file with a hole past 4 GiB: 64-bit offsets through _llseek. */
  int big = open("d/sparse", O_CREAT | O_RDWR | O_LARGEFILE, 0600);
  off64_t where = lseek64(big, 5LL << 30, SEEK_SET);
  printf("lseek64 -> %lld\n", (long long)where);
  CHECK(write(big, "x", 1));
  struct stat st;
  CHECK(fstat(big, &st));
  show_stat("sparse", &st);
  CHECK(ftruncate(big, 4096));
  CHECK(fstat(big, &st));
  show_stat("sparse truncated", &st);
  close(big);
  CHECK(fstat(fd, &st));
  show_stat("f.txt", &st);
  CHECK(close(fd));
  CHECK(close(fd));
  CHECK(stat("d/nonexistent", &st));
  CHECK(access("d/f.txt", R_OK | W_OK));
  CHECK(access("d/f.txt", X_OK));
  CHECK(rename("d/f.txt", "d/g.txt"));
  CHECK(link("d/g.txt", "d/h.txt"));
  CHECK(stat("d/g.txt", &st));
  show_stat("g.txt", &st);
  CHECK(symlink("g.txt", "d/link"));
  CHECK(lstat("d/link", &st));
  show_stat("link (lstat)", &st);
  CHECK(stat("d/link", &st));
  show_stat("link (stat)", &st);
  memset(buf, 0, sizeof buf);
  CHECK(readlink("d/link", buf, sizeof buf));
  printf("readlink: '%s'\n", buf);
  CHECK(mkdir("d/sub", 0700));
  for (int i = 0; i < 40; i++) {
    char name[64];
    snprintf(name, sizeof name, "d/sub/file%02d", i);
    int f = open(name, O_CREAT | O_WRONLY, 0644);
    dprintf(f, "%d\n", i * i);
    close(f);
  }
  list_dir("d");
  list_dir("d/sub");
  int dfd = open("d", O_RDONLY | O_DIRECTORY);
  int f2 = openat(dfd, "sub/file07", O_RDONLY);
  memset(buf, 0, sizeof buf);
  CHECK(read(f2, buf, sizeof buf));
  printf("openat read: '%s'", buf);
  CHECK(fstatat(dfd, "g.txt", &st, 0));
  show_stat("fstatat g.txt", &st);
  CHECK(unlinkat(dfd, "h.txt", 0));
  close(f2);
  close(dfd);
  /* dup, dup2, fcntl flags, pipe. */
  int p[2];
  CHECK(pipe(p));
  CHECK(fcntl(p[0], F_GETFL) & O_ACCMODE);
  CHECK(fcntl(p[1], F_SETFD, FD_CLOEXEC));
  CHECK(fcntl(p[1], F_GETFD));
  int d2 = dup(p[1]);
  CHECK(fcntl(d2, F_GETFD));
  CHECK(dup2(p[1], 50));
  CHECK(write(50, "through dup2", 12));
  close(p[1]);
  close(d2);
  close(50);
  memset(buf, 0, sizeof buf);
  CHECK(read(p[0], buf, sizeof buf));
  printf("pipe: '%s'\n", buf);
  CHECK(read(p[0], buf, sizeof buf));
  close(p[0]);
  /* Relative working directory. */
  char cwd1[4096], cwd2[4096];
  getcwd(cwd1, sizeof cwd1);
  CHECK(chdir("d/sub"));
  getcwd(cwd2, sizeof cwd2);
  printf("cwd grew by '%s'\n", cwd2 + strlen(cwd1));
  CHECK(chdir("../.."));
  CHECK(rmdir("d"));
  CHECK(unlink("d/sub/file00"));
  CHECK(unlink("d/sub/file00"));
  CHECK(open("d", O_WRONLY));
  CHECK(write(-1, "x", 1));
  return 0;
}
