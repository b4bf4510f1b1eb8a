#include "hw/rtc/mc146818.h"

#include <algorithm>
#include <climits>

namespace dynemu::hw {

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kRtcHz = 32768;

enum : uint8_t {
  kSeconds = 0x00,
  kSecondsAlarm = 0x01,
  kMinutes = 0x02,
  kMinutesAlarm = 0x03,
  kHours = 0x04,
  kHoursAlarm = 0x05,
  kDayOfWeek = 0x06,
  kDayOfMonth = 0x07,
  kMonth = 0x08,
  kYear = 0x09,
  kRegA = 0x0a,
  kRegB = 0x0b,
  kRegC = 0x0c,
  kRegD = 0x0d,
};

enum : uint8_t {
  kAUip = 0x80,
  kBSet = 0x80,
  kBPie = 0x40,
  kBAie = 0x20,
  kBUie = 0x10,
  kBSqwe = 0x08,
  kBBinary = 0x04,
  kB24h = 0x02,
  kCIrqf = 0x80,
  kCPf = 0x40,
  kCAf = 0x20,
  kCUf = 0x10,
  kDVrt = 0x80,
};

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Proleptic Gregorian calendar <-> days since 1970-01-01 (H. Hinnant's
// algorithms), so the RTC needs no time zone or C library state.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool alarm_matches(uint8_t alarm, uint8_t value) {
  return (alarm & 0xc0) == 0xc0 || alarm == value;
}

}  // namespace

Mc146818::Mc146818(Scheduler& sched) : m_sched(sched) {
  m_update_timer = m_sched.make_timer([this] { on_update(m_update_timer->deadline()); });
  m_periodic_timer = m_sched.make_timer([this] { on_periodic(m_periodic_timer->deadline()); });
  // Power-on contents (what QEMU presents): 32.768 kHz divider, 1024 Hz
  // rate, 24-hour BCD, valid RAM and time.
  m_cmos[kRegA] = 0x26;
  m_cmos[kRegB] = kB24h;
  m_cmos[kRegD] = kDVrt;
  m_base_ns = m_sched.now();
  m_periodic_checked_ns = m_base_ns;
  set_time(0);
  reset();
}

void Mc146818::reset() {
  m_cmos[kRegB] &= ~(kBPie | kBAie | kBUie | kBSqwe);
  m_cmos[kRegC] = 0;
  m_index = 0;
  m_nmi_masked = false;
  update_irq();
  reschedule();
}

void Mc146818::visit_state(StateVisitor& v) {
  v("cmos", m_cmos);
  v("index", m_index);
  v("nmi_masked", m_nmi_masked);
  v("base_sec", m_base_sec);
  v("base_ns", m_base_ns);
  v("periodic_checked_ns", m_periodic_checked_ns);
  // Timers and the IRQ wire follow from the registers.
  m_irq.set(m_cmos[kRegC] & kCIrqf);
  reschedule();
}

void Mc146818::attach(IoBus& bus) {
  bus.map(0x70, 2, this, 1);
}

bool Mc146818::divider_running() const {
  return (m_cmos[kRegA] & 0x60) != 0x60;
}

bool Mc146818::running() const {
  return divider_running() && !(m_cmos[kRegB] & kBSet);
}

int64_t Mc146818::seconds_at(int64_t ns) const {
  return m_base_sec + floor_div(ns - m_base_ns, kSecond);
}

void Mc146818::set_time(int64_t unix_seconds) {
  const int64_t now = m_sched.now();
  // A new second starts now.
  m_base_ns = now;
  m_base_sec = unix_seconds;
  store_time(unix_seconds);
  reschedule();
}

int64_t Mc146818::time() const {
  return running() ? seconds_at(m_sched.now()) : load_time();
}

uint8_t Mc146818::to_reg(int v) const {
  if (m_cmos[kRegB] & kBBinary) return static_cast<uint8_t>(v);
  return static_cast<uint8_t>(((v / 10) << 4) | (v % 10));
}

int Mc146818::from_reg(uint8_t v) const {
  if (m_cmos[kRegB] & kBBinary) return v;
  return ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

void Mc146818::store_time(int64_t secs) {
  const int64_t days = floor_div(secs, 86400);
  const int64_t sod = secs - days * 86400;
  int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  const int hour = static_cast<int>(sod / 3600);
  m_cmos[kSeconds] = to_reg(static_cast<int>(sod % 60));
  m_cmos[kMinutes] = to_reg(static_cast<int>(sod / 60 % 60));
  if (m_cmos[kRegB] & kB24h) {
    m_cmos[kHours] = to_reg(hour);
  } else {
    const int h12 = hour % 12 == 0 ? 12 : hour % 12;
    m_cmos[kHours] = to_reg(h12) | (hour >= 12 ? 0x80 : 0);
  }
  // 1970-01-01 was a Thursday; the register counts Sunday as 1.
  m_cmos[kDayOfWeek] = to_reg(static_cast<int>(((days % 7) + 11) % 7) + 1);
  m_cmos[kDayOfMonth] = to_reg(static_cast<int>(day));
  m_cmos[kMonth] = to_reg(static_cast<int>(month));
  const int64_t y = std::clamp<int64_t>(year, 0, 9999);
  m_cmos[kYear] = to_reg(static_cast<int>(y % 100));
  m_cmos[cmos::kCentury] = to_reg(static_cast<int>(y / 100));
}

int64_t Mc146818::load_time() const {
  const int sec = std::min(from_reg(m_cmos[kSeconds]), 59);
  const int min = std::min(from_reg(m_cmos[kMinutes]), 59);
  int hour;
  if (m_cmos[kRegB] & kB24h) {
    hour = from_reg(m_cmos[kHours]);
  } else {
    hour = from_reg(m_cmos[kHours] & 0x7f) % 12;
    if (m_cmos[kHours] & 0x80) hour += 12;
  }
  hour = std::min(hour, 23);
  const unsigned day = static_cast<unsigned>(std::clamp(from_reg(m_cmos[kDayOfMonth]), 1, 31));
  const unsigned month = static_cast<unsigned>(std::clamp(from_reg(m_cmos[kMonth]), 1, 12));
  const int yy = from_reg(m_cmos[kYear]) % 100;
  int century = from_reg(m_cmos[cmos::kCentury]);
  if (century < 19 || century > 99) century = yy < 70 ? 20 : 19;
  const int64_t days = days_from_civil(century * 100 + yy, month, day);
  return days * 86400 + hour * 3600 + min * 60 + sec;
}

bool Mc146818::update_in_progress() const {
  if (!running()) return false;
  const int64_t since = m_sched.now() - m_base_ns;
  const int64_t phase = since - floor_div(since, kSecond) * kSecond;
  return phase >= kSecond - kUipHoldNs;
}

int64_t Mc146818::periodic_cycles() const {
  if (!divider_running()) return 0;
  int rs = m_cmos[kRegA] & 0x0f;
  if (rs == 0) return 0;
  if (rs <= 2) rs += 7;  // rates 1 and 2 repeat rates 8 and 9
  return int64_t{1} << (rs - 1);
}

// PF is set at every periodic boundary whether or not PIE lets it
// interrupt; account for the boundaries crossed in (checked, ns].
void Mc146818::sync_periodic(int64_t ns) {
  const int64_t cycles = periodic_cycles();
  if (cycles && ns > m_periodic_checked_ns) {
    // A boundary lies in (checked, ns] iff the next one after checked does.
    if (next_periodic(m_periodic_checked_ns) <= ns) m_cmos[kRegC] |= kCPf;
  }
  m_periodic_checked_ns = std::max(m_periodic_checked_ns, ns);
}

// IRQF = PF.PIE + AF.AIE + UF.UIE (datasheet), and the IRQ pin follows it.
void Mc146818::update_irq() {
  const bool irqf = m_cmos[kRegB] & m_cmos[kRegC] & (kCPf | kCAf | kCUf);
  m_cmos[kRegC] = (m_cmos[kRegC] & ~kCIrqf) | (irqf ? kCIrqf : 0);
  m_irq.set(irqf);
}

void Mc146818::reschedule() {
  const int64_t now = m_sched.now();
  if (running()) {
    m_update_timer->arm(m_base_ns + (floor_div(now - m_base_ns, kSecond) + 1) * kSecond);
  } else {
    m_update_timer->cancel();
  }
  if (periodic_cycles() && (m_cmos[kRegB] & kBPie)) {
    m_periodic_timer->arm(next_periodic(now));
  } else {
    m_periodic_timer->cancel();
  }
}

// The first periodic boundary after ns: boundaries are every
// periodic_cycles() cycles of the 32.768 kHz divider, in phase with it.
int64_t Mc146818::next_periodic(int64_t ns) const {
  const int64_t cycles = periodic_cycles();
  const __int128 t = static_cast<__int128>(ns - m_base_ns) * kRtcHz;
  const int64_t cycle =
      static_cast<int64_t>(t >= 0 ? t / kSecond : -((-t + kSecond - 1) / kSecond));
  const int64_t next_cycle = (floor_div(cycle, cycles) + 1) * cycles;
  const __int128 num = static_cast<__int128>(next_cycle) * kSecond;
  return m_base_ns + static_cast<int64_t>((num + kRtcHz - 1) / kRtcHz);
}

// The update cycle at a second boundary: registers advance (they are
// computed from the clock), UF is set and the alarm compared.
void Mc146818::on_update(int64_t ns) {
  store_time(seconds_at(ns));
  m_cmos[kRegC] |= kCUf;
  if (alarm_matches(m_cmos[kSecondsAlarm], m_cmos[kSeconds]) &&
      alarm_matches(m_cmos[kMinutesAlarm], m_cmos[kMinutes]) &&
      alarm_matches(m_cmos[kHoursAlarm], m_cmos[kHours]))
    m_cmos[kRegC] |= kCAf;
  update_irq();
  m_update_timer->arm(ns + kSecond);
}

void Mc146818::on_periodic(int64_t ns) {
  sync_periodic(ns);
  update_irq();
  if (periodic_cycles() && (m_cmos[kRegB] & kBPie)) m_periodic_timer->arm(next_periodic(ns));
}

void Mc146818::set_cmos(uint8_t index, uint8_t value) {
  index &= 0x7f;
  m_cmos[index] = value;
  if (index >= 0x10 && index <= 0x2d) update_checksum();
}

void Mc146818::update_checksum() {
  unsigned sum = 0;
  for (int i = 0x10; i <= 0x2d; ++i) sum += m_cmos[i];
  m_cmos[cmos::kChecksumHi] = static_cast<uint8_t>(sum >> 8);
  m_cmos[cmos::kChecksumLo] = static_cast<uint8_t>(sum);
}

// The registers the running clock keeps current (date, time and century).
static bool is_clock_field(uint8_t i) {
  switch (i) {
    case kSeconds:
    case kMinutes:
    case kHours:
    case kDayOfWeek:
    case kDayOfMonth:
    case kMonth:
    case kYear:
    case cmos::kCentury: return true;
    default: return false;
  }
}

uint8_t Mc146818::read_data() {
  const uint8_t i = m_index;
  if (is_clock_field(i)) {
    if (running()) store_time(seconds_at(m_sched.now()));
    return m_cmos[i];
  }
  switch (i) {
    case kRegA: return (m_cmos[kRegA] & ~kAUip) | (update_in_progress() ? kAUip : 0);
    case kRegC: {
      sync_periodic(m_sched.now());
      // Flags are reported even when their interrupt is disabled; IRQF
      // only for enabled ones. Reading clears everything.
      update_irq();
      const uint8_t v = m_cmos[kRegC];
      m_cmos[kRegC] = 0;
      update_irq();
      return v;
    }
    case kRegD: return kDVrt;
    default: return m_cmos[i];
  }
}

void Mc146818::write_data(uint8_t value) {
  const uint8_t i = m_index;
  const int64_t now = m_sched.now();
  if (is_clock_field(i)) {
    if (running()) {
      // Change one field of the running clock, keeping the divider phase.
      store_time(seconds_at(now));
      m_cmos[i] = value;
      m_base_sec = load_time() - floor_div(now - m_base_ns, kSecond);
    } else {
      m_cmos[i] = value;
    }
    return;
  }
  switch (i) {
    case kRegA: {
      sync_periodic(now);
      const bool was_reset = !divider_running();
      const bool was_running = running();
      if (was_running && (value & 0x60) == 0x60) store_time(seconds_at(now));
      m_cmos[kRegA] = value & ~kAUip;
      if (was_reset && divider_running()) {
        // Leaving divider reset: the first update is 500 ms later.
        m_base_ns = now - kSecond / 2;
        m_base_sec = load_time();
        m_periodic_checked_ns = now;
      }
      reschedule();
      return;
    }
    case kRegB: {
      sync_periodic(now);
      const bool was_running = running();
      if (value & kBSet) value &= ~kBUie;  // setting SET clears UIE
      if (was_running && (value & kBSet)) store_time(seconds_at(now));
      const bool was_set = m_cmos[kRegB] & kBSet;
      m_cmos[kRegB] = value;
      if (was_set && !(value & kBSet) && divider_running()) {
        // Updates resume from the registers; the divider kept its phase.
        m_base_sec = load_time() - floor_div(now - m_base_ns, kSecond);
      }
      update_irq();
      reschedule();
      return;
    }
    case kRegC:
    case kRegD: return;  // read-only
    default: m_cmos[i] = value; return;
  }
}

uint32_t Mc146818::io_read(uint16_t port, unsigned size) {
  if ((port & 1) == 0) return 0xff;  // the index register is write-only
  return read_data();
}

void Mc146818::io_write(uint16_t port, unsigned size, uint32_t value) {
  if ((port & 1) == 0) {
    m_index = value & 0x7f;
    m_nmi_masked = value & 0x80;
    return;
  }
  write_data(value & 0xff);
}

}  // namespace dynemu::hw
