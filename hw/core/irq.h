#pragma once

#include <functional>
#include <utility>

namespace dynemu::hw {

// One interrupt wire. The receiver makes the line with a callback (its
// input pin); the driving device holds it and sets its level. The sink is
// called only when the level changes, so a driver may re-assert its level
// freely; edge-triggered receivers see an edge as a false->true change.
class IrqLine {
 public:
  IrqLine() = default;  // unconnected: set() only records the level
  explicit IrqLine(std::function<void(bool level)> sink) : m_sink(std::move(sink)) {}
  IrqLine(const IrqLine&) = default;
  IrqLine(IrqLine&&) = default;
  // Connecting a driver's line to a (new) receiver: `dev.irq() = pic.input(4)`.
  // The line keeps the level its driver holds, and a receiver connected to a
  // line that is already high sees it rise, as a wire plugged into an
  // asserted output would.
  IrqLine& operator=(IrqLine other) {
    m_sink = std::move(other.m_sink);
    if (m_level && m_sink) m_sink(true);
    return *this;
  }

  void set(bool level) {
    if (level == m_level) return;
    m_level = level;
    if (m_sink) m_sink(level);
  }
  void raise() { set(true); }
  void lower() { set(false); }
  // Raise then lower: one edge for edge-triggered receivers. A line that is
  // already high only goes low (as on a real wire: no new edge).
  void pulse() {
    raise();
    lower();
  }
  bool level() const { return m_level; }
  bool connected() const { return static_cast<bool>(m_sink); }

 private:
  std::function<void(bool)> m_sink;
  bool m_level = false;
};

}  // namespace dynemu::hw
