// Sockets: socketcall and the direct calls share handlers. Socket addresses
// have one layout everywhere; iovecs, msghdr, control messages and the
// timeval socket options are converted.
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <cstring>
#include <vector>

#include "emulator/user/sys_util.h"

namespace dynemu::user {

namespace {

void* opt_buf(Process& p, uint32_t addr, uint64_t len) {
  return addr ? host_buf(p, addr, len) : nullptr;
}

// The address-length argument (socklen_t*) is read to size the buffer.
void* addr_buf(Process& p, uint32_t addr, uint32_t lenp) {
  if (!addr || !lenp) return nullptr;
  uint32_t len = 0;
  if (!p.space().read_obj(lenp, len)) return nullptr;
  return host_buf(p, addr, len);
}

socklen_t* len_ptr(Process& p, uint32_t lenp) {
  return lenp && GuestSpace::in_range(lenp, 4) ? reinterpret_cast<socklen_t*>(p.space().host(lenp))
                                               : nullptr;
}

constexpr int kSoRcvtimeoOld = 20, kSoSndtimeoOld = 21;

}  // namespace

uint32_t sys_socket(Process& p, const SyscallArgs& a) {
  return host_result(socket(a.s(0), a.s(1), a.s(2)));
}

uint32_t sys_socketpair(Process& p, const SyscallArgs& a) {
  int sv[2];
  if (!p.space().writable(a[3], sizeof sv)) return err(EFAULT);
  if (socketpair(a.s(0), a.s(1), a.s(2), sv) < 0) return err(errno);
  p.space().write(a[3], sv, sizeof sv);
  return 0;
}

uint32_t sys_bind(Process& p, const SyscallArgs& a) {
  return host_result(bind(a.s(0), static_cast<sockaddr*>(opt_buf(p, a[1], a[2])), a[2]));
}
uint32_t sys_connect(Process& p, const SyscallArgs& a) {
  return host_result(connect(a.s(0), static_cast<sockaddr*>(opt_buf(p, a[1], a[2])), a[2]));
}
uint32_t sys_listen(Process& p, const SyscallArgs& a) {
  return host_result(listen(a.s(0), a.s(1)));
}
uint32_t sys_accept4(Process& p, const SyscallArgs& a) {
  return host_result(
      accept4(a.s(0), static_cast<sockaddr*>(addr_buf(p, a[1], a[2])), len_ptr(p, a[2]), a.s(3)));
}
uint32_t sys_getsockname(Process& p, const SyscallArgs& a) {
  return host_result(
      getsockname(a.s(0), static_cast<sockaddr*>(addr_buf(p, a[1], a[2])), len_ptr(p, a[2])));
}
uint32_t sys_getpeername(Process& p, const SyscallArgs& a) {
  return host_result(
      getpeername(a.s(0), static_cast<sockaddr*>(addr_buf(p, a[1], a[2])), len_ptr(p, a[2])));
}
uint32_t sys_shutdown(Process& p, const SyscallArgs& a) {
  return host_result(shutdown(a.s(0), a.s(1)));
}

uint32_t sys_sendto(Process& p, const SyscallArgs& a) {
  void* buf = host_buf(p, a[1], a[2]);
  if (!buf) return err(EFAULT);
  return host_result(
      sendto(a.s(0), buf, a[2], a.s(3), static_cast<sockaddr*>(opt_buf(p, a[4], a[5])), a[5]));
}

uint32_t sys_recvfrom(Process& p, const SyscallArgs& a) {
  void* buf = host_buf(p, a[1], a[2]);
  if (!buf) return err(EFAULT);
  const ssize_t n = recvfrom(a.s(0), buf, a[2], a.s(3),
                             static_cast<sockaddr*>(addr_buf(p, a[4], a[5])), len_ptr(p, a[5]));
  if (n > 0) p.invalidate(a[1], uint32_t(n));
  return host_result(n);
}

uint32_t sys_setsockopt(Process& p, const SyscallArgs& a) {
  if (a.s(1) == SOL_SOCKET && (a.s(2) == kSoRcvtimeoOld || a.s(2) == kSoSndtimeoOld)) {
    abi::Timeval32 g;
    if (a[4] < sizeof g) return err(EINVAL);
    if (!p.space().read_obj(a[3], g)) return err(EFAULT);
    struct timeval tv {
      g.tv_sec, g.tv_usec
    };
    return host_result(setsockopt(a.s(0), SOL_SOCKET, a.s(2), &tv, sizeof tv));
  }
  return host_result(setsockopt(a.s(0), a.s(1), a.s(2), opt_buf(p, a[3], a[4]), a[4]));
}

uint32_t sys_getsockopt(Process& p, const SyscallArgs& a) {
  if (a.s(1) == SOL_SOCKET && (a.s(2) == kSoRcvtimeoOld || a.s(2) == kSoSndtimeoOld)) {
    struct timeval tv;
    socklen_t len = sizeof tv;
    if (getsockopt(a.s(0), SOL_SOCKET, a.s(2), &tv, &len) < 0) return err(errno);
    const abi::Timeval32 g = to_timeval32(tv);
    const uint32_t glen = sizeof g;
    if (!p.space().write_obj(a[3], g) || !p.space().write_obj(a[4], glen)) return err(EFAULT);
    return 0;
  }
  return host_result(getsockopt(a.s(0), a.s(1), a.s(2), addr_buf(p, a[3], a[4]), len_ptr(p, a[4])));
}

namespace {

// A guest msghdr as host structures; control messages are repacked from
// the 12-byte i386 cmsghdr (4-byte aligned) to the host's 16-byte one.
struct HostMsg {
  msghdr msg{};
  std::vector<iovec> iov;
  std::vector<uint8_t> control;
  abi::Msghdr32 g{};

  int read(Process& p, uint32_t addr, bool sending) {
    if (!p.space().read_obj(addr, g)) return -EFAULT;
    if (g.msg_iovlen > IOV_MAX) return -EMSGSIZE;
    std::vector<abi::Iovec32> v(g.msg_iovlen);
    if (!v.empty() && !p.space().read(g.msg_iov, v.data(), v.size() * sizeof v[0])) return -EFAULT;
    for (const auto& e : v) {
      void* h = host_buf(p, e.base, e.len);
      if (!h) return -EFAULT;
      iov.push_back({h, e.len});
    }
    msg.msg_name = opt_buf(p, g.msg_name, g.msg_namelen);
    msg.msg_namelen = g.msg_namelen;
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    msg.msg_flags = g.msg_flags;
    if (g.msg_control && g.msg_controllen) {
      if (g.msg_controllen > 65536) return -ENOBUFS;
      control.assign(g.msg_controllen * 2 + 64, 0);
      if (sending) {
        std::vector<uint8_t> in(g.msg_controllen);
        if (!p.space().read(g.msg_control, in.data(), in.size())) return -EFAULT;
        size_t gi = 0, hi = 0;
        while (gi + sizeof(abi::Cmsghdr32) <= in.size()) {
          abi::Cmsghdr32 c;
          memcpy(&c, &in[gi], sizeof c);
          if (c.cmsg_len < sizeof c || gi + c.cmsg_len > in.size()) return -EINVAL;
          const size_t data = c.cmsg_len - sizeof c;
          cmsghdr h{CMSG_LEN(data), c.cmsg_level, c.cmsg_type};
          memcpy(&control[hi], &h, sizeof h);
          memcpy(&control[hi + CMSG_LEN(0)], &in[gi + sizeof c], data);
          hi += CMSG_SPACE(data);
          gi += (c.cmsg_len + 3) & ~3u;
        }
        control.resize(hi);
      }
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
    }
    return 0;
  }

  // After recvmsg: control messages back to the guest layout.
  int write_back(Process& p, uint32_t addr) {
    std::vector<uint8_t> out;
    if (msg.msg_control) {
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        const size_t data = c->cmsg_len - CMSG_LEN(0);
        const uint32_t len = uint32_t(sizeof(abi::Cmsghdr32) + data);
        const size_t at = out.size();
        if (at + len > g.msg_controllen) {
          g.msg_flags |= MSG_CTRUNC;
          break;
        }
        out.resize(at + ((len + 3) & ~3u), 0);
        abi::Cmsghdr32 gc{len, c->cmsg_level, c->cmsg_type};
        memcpy(&out[at], &gc, sizeof gc);
        memcpy(&out[at + sizeof gc], CMSG_DATA(c), data);
      }
      if (!out.empty() && !p.space().write(g.msg_control, out.data(),
                                           std::min<size_t>(out.size(), g.msg_controllen)))
        return -EFAULT;
    }
    g.msg_controllen = uint32_t(std::min<size_t>(out.size(), g.msg_controllen));
    g.msg_namelen = msg.msg_namelen;
    g.msg_flags |= msg.msg_flags;
    return p.space().write_obj(addr, g) ? 0 : -EFAULT;
  }
};

}  // namespace

uint32_t sys_sendmsg(Process& p, const SyscallArgs& a) {
  HostMsg m;
  if (int e = m.read(p, a[1], true)) return err(-e);
  return host_result(sendmsg(a.s(0), &m.msg, a.s(2)));
}

uint32_t sys_recvmsg(Process& p, const SyscallArgs& a) {
  HostMsg m;
  if (int e = m.read(p, a[1], false)) return err(-e);
  const ssize_t n = recvmsg(a.s(0), &m.msg, a.s(2));
  if (n < 0) return err(errno);
  m.g.msg_flags = 0;
  if (int e = m.write_back(p, a[1])) return err(-e);
  for (const auto& io : m.iov)
    p.invalidate(uint32_t(static_cast<uint8_t*>(io.iov_base) - p.space().base()),
                 uint32_t(io.iov_len));
  return uint32_t(n);
}

uint32_t sys_socketcall(Process& p, const SyscallArgs& a) {
  // linux/net.h SYS_SOCKET.. numbers and their argument counts.
  static constexpr uint8_t kArgs[] = {0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4};
  const uint32_t call = a[0];
  if (call < 1 || call >= sizeof kArgs) return err(EINVAL);
  SyscallArgs s{};
  if (!p.space().read(a[1], s.a, kArgs[call] * 4u)) return err(EFAULT);
  switch (call) {
    case 1: return sys_socket(p, s);
    case 2: return sys_bind(p, s);
    case 3: return sys_connect(p, s);
    case 4: return sys_listen(p, s);
    case 5: return sys_accept4(p, {{s[0], s[1], s[2], 0}});
    case 6: return sys_getsockname(p, s);
    case 7: return sys_getpeername(p, s);
    case 8: return sys_socketpair(p, s);
    case 9: return sys_sendto(p, {{s[0], s[1], s[2], s[3], 0, 0}});
    case 10: return sys_recvfrom(p, {{s[0], s[1], s[2], s[3], 0, 0}});
    case 11: return sys_sendto(p, s);
    case 12: return sys_recvfrom(p, s);
    case 13: return sys_shutdown(p, s);
    case 14: return sys_setsockopt(p, s);
    case 15: return sys_getsockopt(p, s);
    case 16: return sys_sendmsg(p, s);
    case 17: return sys_recvmsg(p, s);
    case 18: return sys_accept4(p, s);
  }
  return err(EINVAL);
}

}  // namespace dynemu::user
