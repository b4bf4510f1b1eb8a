#include "hw/timer/i8254.h"

#include <algorithm>
#include <climits>

namespace dynemu::hw {

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

uint32_t from_bcd(uint32_t v) {
  return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

uint16_t to_bcd(uint32_t v) {
  v %= 10000;
  return static_cast<uint16_t>((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) |
                               ((v / 1000) << 12));
}

int64_t pos_mod(int64_t a, int64_t m) {
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

}  // namespace

int64_t I8254::tick_at(int64_t ns) {
  return static_cast<int64_t>(static_cast<__int128>(ns) * kClockHz / kNsPerSec);
}

int64_t I8254::time_of_tick(int64_t tick) {
  const __int128 num = static_cast<__int128>(tick) * kNsPerSec;
  return static_cast<int64_t>((num + kClockHz - 1) / kClockHz);
}

I8254::I8254(Scheduler& sched) : m_sched(sched) {
  m_timer0 = m_sched.make_timer([this] { update_out0(m_timer0->deadline()); });
  reset();
}

// Power-on state as QEMU's PIT leaves it (the BIOS reprograms counter 0
// anyway): every counter in mode 3 with count 65536, counters 0 and 1
// running (GATE tied high), counter 2 waiting for its gate.
void I8254::reset() {
  const int64_t tick = tick_at(m_sched.now());
  for (int i = 0; i < 3; ++i) {
    Channel& c = m_ch[i];
    c = Channel{};
    c.mode = c.mode_bits = 3;
    c.rw_mode = 3;
    c.gate = i != 2;
    c.have_count = 1;
    c.cr = c.n = 65536;
    c.out_held = 1;
    c.running = c.gate;
    c.load_tick = tick;
    c.pending_tick = INT64_MAX;
  }
  update_out0(m_sched.now());
}

void I8254::visit_state(StateVisitor& v) {
  static const char* const kNames[3] = {"counter0", "counter1", "counter2"};
  for (int i = 0; i < 3; ++i) v(kNames[i], m_ch[i]);
  // OUT0 and its timer are functions of the counter state and the clock:
  // re-derive them (after a load they must follow the restored counters).
  m_folded_pulse = false;
  update_out0(m_sched.now());
}

void I8254::attach(IoBus& bus) {
  bus.map(0x40, 4, this, 1);
}

// A CR written while counting in modes 2/3 (or awaiting a trigger in 1/5)
// loads at pending_tick.
void I8254::settle(Channel& c, int64_t tick) {
  if (c.pending && c.running && tick >= c.pending_tick) {
    c.load_tick = c.pending_tick;
    c.n = c.cr;
    c.pending = 0;
    c.pending_tick = INT64_MAX;
  }
  if (c.running && !c.pending && tick >= c.load_tick) c.null_count = 0;
}

// A GATE rising edge in modes 1/2/3/5: CR goes into CE on the next CLK.
void I8254::trigger(Channel& c, int64_t tick) {
  c.n = c.cr;
  c.pending = 0;
  c.pending_tick = INT64_MAX;
  c.running = 1;
  c.load_tick = tick + 1;
}

int64_t I8254::counted(const Channel& c, int64_t tick) const {
  if (c.suspended) return c.held_j;
  return tick - c.load_tick;
}

bool I8254::out_at(Channel& c, int64_t tick) {
  settle(c, tick);
  if (!c.running) return c.out_held;
  const int64_t j = counted(c, tick);
  const int64_t n = c.n;
  if (j < 0) return c.mode != 0;  // the CLK that loads CE has not come yet
  switch (c.mode) {
    case 0:
    case 1: return j >= n;                           // low while counting, high at terminal count
    case 2: return n < 2 || pos_mod(j, n) != n - 1;  // low for the CLK at count 1
    case 3: return n < 2 || pos_mod(j, n) < (n + 1) / 2;
    default: return j != n;  // 4, 5: low for one CLK at terminal count
  }
}

uint16_t I8254::ce_at(Channel& c, int64_t tick) {
  settle(c, tick);
  if (!c.running) return c.ce_held;
  const int64_t j = counted(c, tick);
  if (j < 0) return c.ce_held;
  const int64_t n = c.n;
  const int64_t wrap = c.bcd ? 10000 : 65536;
  int64_t v;
  switch (c.mode) {
    case 2: v = n - pos_mod(j, n); break;
    case 3: {
      // CE counts down by two through each half of the period.
      const int64_t h = (n + 1) / 2;
      const int64_t p = pos_mod(j, n);
      v = p < h ? n - 2 * p : n - 2 * (p - h);
      break;
    }
    default: v = n - j; break;  // 0, 1, 4, 5: wraps past terminal count and keeps going
  }
  v = pos_mod(v, wrap);
  return c.bcd ? to_bcd(static_cast<uint32_t>(v)) : static_cast<uint16_t>(v);
}

int64_t I8254::next_transition(Channel& c, int64_t tick) {
  settle(c, tick);
  if (!c.running || c.suspended) return INT64_MAX;
  int64_t j = counted(c, tick);
  if (j < 0) {
    // Before the loading CLK. Only mode 1's OUT changes there (it drops
    // when the one-shot starts); the others go on from the load.
    if (c.mode == 1) return c.load_tick;
    j = 0;
  }
  const int64_t n = c.n;
  int64_t next = INT64_MAX;
  switch (c.mode) {
    case 0:
    case 1:
      if (j < n) next = c.load_tick + n;
      break;
    case 2: {
      if (n < 2) break;
      const int64_t p = pos_mod(j, n);
      const int64_t base = c.load_tick + j - p;
      next = p < n - 1 ? base + n - 1 : base + n;
      break;
    }
    case 3: {
      if (n < 2) break;
      const int64_t p = pos_mod(j, n);
      const int64_t base = c.load_tick + j - p;
      next = p < (n + 1) / 2 ? base + (n + 1) / 2 : base + n;
      break;
    }
    default:
      if (j < n) {
        next = c.load_tick + n;
      } else if (j == n) {
        next = c.load_tick + n + 1;
      }
      break;
  }
  if (c.pending && c.pending_tick > tick) next = std::min(next, c.pending_tick);
  return next;
}

// Modes 2, 4 and 5 drop OUT for exactly one CLK at tick t.
bool I8254::one_clk_low_at(const Channel& c, int64_t t) {
  if (!c.running || c.suspended) return false;
  const int64_t j = t - c.load_tick;
  if (j < 0) return false;
  switch (c.mode) {
    case 2: return c.n >= 2 && pos_mod(j, c.n) == c.n - 1;
    case 4:
    case 5: return j == c.n;
    default: return false;
  }
}

// Counter 0's OUT as of virtual time ns, and the timer for its next edge.
// The timer callback passes its own deadline rather than now(), so a late
// callback still produces every edge, in order.
//
// A one-CLK low pulse (modes 2, 4, 5: every tick of a periodic guest) is
// one timer event at its end, where the line drops and rises again: the
// PIC latches the same rising edge at the same time, and a ticking guest
// costs half the wakeups. (The pin itself, as out() and the read-back
// status report it, is low for its CLK as on the chip.)
void I8254::update_out0(int64_t ns) {
  Channel& c = m_ch[0];
  const int64_t tick = tick_at(ns);
  const bool level = out_at(c, tick);
  // Once the folded pulse's low CLK has begun, the pin has been low: the
  // line drops now, and rises below unless OUT is still low. A count
  // written during that very CLK (Linux re-arming its one-shot) must not
  // swallow the rising edge that ends it.
  if (m_folded_pulse && tick >= m_folded_pulse_tick) m_out0.set(false);
  m_folded_pulse = false;
  m_out0.set(level);
  int64_t next = next_transition(c, tick);
  if (next != INT64_MAX && level && one_clk_low_at(c, next)) {
    m_folded_pulse = true;
    m_folded_pulse_tick = next;
    ++next;
  }
  if (next == INT64_MAX) {
    m_timer0->cancel();
  } else {
    m_timer0->arm(time_of_tick(next));
  }
}

// Edges of OUT0 that fell due before an access are produced before it
// changes the counter, so none is lost when the board runs timers late.
void I8254::catch_up0() {
  while (m_timer0->armed() && m_timer0->deadline() <= m_sched.now())
    update_out0(m_timer0->deadline());
}

void I8254::changed(int counter) {
  if (counter == 0) update_out0(m_sched.now());
}

bool I8254::out(int counter) {
  return out_at(m_ch[counter], tick_at(m_sched.now()));
}

void I8254::set_gate(int counter, bool level) {
  catch_up0();
  Channel& c = m_ch[counter];
  const int64_t tick = tick_at(m_sched.now());
  settle(c, tick);
  const bool rising = level && !c.gate;
  const bool falling = !level && c.gate;
  c.gate = level;
  switch (c.mode) {
    case 0:
    case 4:
      if (!c.running) break;
      if (falling && !c.suspended) {
        c.held_j = std::max<int64_t>(0, tick - c.load_tick);
        c.suspended = 1;
      } else if (rising && c.suspended) {
        c.load_tick = tick + 1 - c.held_j;
        c.suspended = 0;
      }
      break;
    case 1:
    case 5:
      if (rising && c.have_count) trigger(c, tick);
      break;
    default:  // 2, 3
      if (falling && c.running) {
        c.ce_held = ce_at(c, tick);
        c.running = 0;
        c.out_held = 1;  // OUT goes high at once
      } else if (rising && c.have_count) {
        trigger(c, tick);
      }
      break;
  }
  changed(counter);
}

void I8254::latch_count(Channel& c, int64_t tick) {
  if (c.count_latched) return;  // a second latch before reading is ignored
  c.latched_count = ce_at(c, tick);
  c.count_latched = c.rw_mode;
}

void I8254::write_control(uint8_t value) {
  const int64_t tick = tick_at(m_sched.now());
  const unsigned sc = value >> 6;
  if (sc == 3) {  // read-back command
    for (int i = 0; i < 3; ++i) {
      if (!(value & (2 << i))) continue;
      Channel& c = m_ch[i];
      if (!(value & 0x20)) latch_count(c, tick);
      if (!(value & 0x10) && !c.status_latched) {
        const bool o = out_at(c, tick);
        c.status = static_cast<uint8_t>(o << 7 | c.null_count << 6 | c.rw_mode << 4 |
                                        c.mode_bits << 1 | c.bcd);
        c.status_latched = 1;
      }
    }
    return;
  }
  Channel& c = m_ch[sc];
  const unsigned access = (value >> 4) & 3;
  if (access == 0) {
    latch_count(c, tick);
    return;
  }
  c.ce_held = ce_at(c, tick);
  c.mode_bits = (value >> 1) & 7;
  c.mode = c.mode_bits > 5 ? c.mode_bits - 4 : c.mode_bits;
  c.rw_mode = access;
  c.bcd = value & 1;
  c.read_msb = c.write_msb = 0;
  c.count_latched = 0;
  c.status_latched = 0;
  c.have_count = 0;
  c.running = 0;
  c.suspended = 0;
  c.pending = 0;
  c.pending_tick = INT64_MAX;
  c.null_count = 1;
  c.out_held = c.mode != 0;  // mode 0: OUT low; all others: high
  changed(sc);
}

void I8254::load_count(int counter, uint32_t raw) {
  Channel& c = m_ch[counter];
  const int64_t tick = tick_at(m_sched.now());
  settle(c, tick);
  uint32_t n = c.bcd ? from_bcd(raw) : raw;
  if (n == 0) n = c.bcd ? 10000 : 65536;
  if (c.running) c.ce_held = ce_at(c, tick);
  c.cr = n;
  c.null_count = 1;
  c.have_count = 1;
  switch (c.mode) {
    case 0:
    case 4:  // loaded on the next CLK, counting restarts from it
      c.n = n;
      c.pending = 0;
      c.pending_tick = INT64_MAX;
      c.running = 1;
      c.load_tick = tick + 1;
      c.suspended = !c.gate;
      c.held_j = 0;
      break;
    case 1:
    case 5:  // waits for a GATE trigger
      c.pending = 1;
      c.pending_tick = INT64_MAX;
      break;
    default:  // 2, 3
      if (!c.running) {
        c.n = n;
        c.pending = 0;
        c.pending_tick = INT64_MAX;
        if (c.gate) {
          c.running = 1;
          c.load_tick = tick + 1;
        }
      } else {
        const int64_t j = counted(c, tick);
        if (j < 0) {
          c.n = n;  // the previous count has not even loaded: replace it
        } else {
          c.pending = 1;
          c.pending_tick = c.load_tick + j - pos_mod(j, c.n) + c.n;
        }
      }
      break;
  }
  changed(counter);
}

void I8254::write_count(int counter, uint8_t value) {
  Channel& c = m_ch[counter];
  switch (c.rw_mode) {
    case 1: load_count(counter, value); break;
    case 2: load_count(counter, static_cast<uint32_t>(value) << 8); break;
    default:
      if (!c.write_msb) {
        c.write_lsb = value;
        c.write_msb = 1;
        if (c.mode == 0) {
          // Mode 0: the first byte stops counting and drives OUT low at once.
          const int64_t tick = tick_at(m_sched.now());
          c.ce_held = ce_at(c, tick);
          c.running = 0;
          c.suspended = 0;
          c.out_held = 0;
          changed(counter);
        }
      } else {
        c.write_msb = 0;
        load_count(counter, c.write_lsb | static_cast<uint32_t>(value) << 8);
      }
      break;
  }
}

uint8_t I8254::read_counter(int counter) {
  Channel& c = m_ch[counter];
  if (c.status_latched) {
    c.status_latched = 0;
    return c.status;
  }
  if (c.count_latched) {
    switch (c.count_latched) {
      case 1: c.count_latched = 0; return c.latched_count & 0xff;
      case 2: c.count_latched = 0; return c.latched_count >> 8;
      default: c.count_latched = 2; return c.latched_count & 0xff;
    }
  }
  const uint16_t v = ce_at(c, tick_at(m_sched.now()));
  switch (c.rw_mode) {
    case 1: return v & 0xff;
    case 2: return v >> 8;
    default: {
      const bool msb = c.read_msb;
      c.read_msb ^= 1;
      return msb ? v >> 8 : v & 0xff;
    }
  }
}

uint32_t I8254::io_read(uint16_t port, unsigned size) {
  const unsigned reg = port & 3;
  if (reg == 3) return 0xff;  // the control word register cannot be read (bus floats)
  return read_counter(reg);
}

void I8254::io_write(uint16_t port, unsigned size, uint32_t value) {
  catch_up0();
  const unsigned reg = port & 3;
  if (reg == 3) {
    write_control(value & 0xff);
  } else {
    write_count(reg, value & 0xff);
  }
}

}  // namespace dynemu::hw
