#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace dynemu::x86::native {

// A byte buffer with labels for the sequence generator: relative (rel8,
// rel32) and absolute (abs32, for jump tables and addresses loaded into
// registers) references, resolved by finish().
class Assembler {
 public:
  using Label = int;

  Label label() {
    m_labels.push_back(-1);
    return static_cast<Label>(m_labels.size() - 1);
  }
  void bind(Label l) { m_labels[l] = static_cast<int64_t>(m_code.size()); }
  bool bound(Label l) const { return m_labels[l] >= 0; }
  // Offset of a bound label.
  int64_t at(Label l) const { return m_labels[l]; }

  void byte(uint8_t b) { m_code.push_back(b); }
  void bytes(std::initializer_list<uint8_t> bs) { m_code.insert(m_code.end(), bs); }
  void d16(uint16_t v) {
    byte(static_cast<uint8_t>(v));
    byte(static_cast<uint8_t>(v >> 8));
  }
  void d32(uint32_t v) {
    d16(static_cast<uint16_t>(v));
    d16(static_cast<uint16_t>(v >> 16));
  }
  void rel8(Label l) { ref(l, Kind::Rel8, 0); }
  void rel32(Label l) { ref(l, Kind::Rel32, 0); }
  // The guest address of the label plus `addend`.
  void abs32(Label l, uint32_t addend = 0) { ref(l, Kind::Abs32, addend); }

  size_t size() const { return m_code.size(); }
  const std::vector<uint8_t>& code() const { return m_code; }

  // Fills in the references for code placed at `origin`; false when a
  // label is unbound or a rel8 does not reach.
  bool finish(uint32_t origin);

 private:
  enum class Kind : uint8_t { Rel8, Rel32, Abs32 };
  struct Ref {
    size_t at;
    Label label;
    Kind kind;
    uint32_t addend;
  };
  void ref(Label l, Kind kind, uint32_t addend) {
    m_refs.push_back({m_code.size(), l, kind, addend});
    const int n = kind == Kind::Rel8 ? 1 : 4;
    for (int i = 0; i < n; ++i) byte(0);
  }

  std::vector<uint8_t> m_code;
  std::vector<int64_t> m_labels;
  std::vector<Ref> m_refs;
};

}  // namespace dynemu::x86::native
