#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"
#include "emulator/x86/system/status.h"

// Hardware task switching (SDM vol. 3, 7.3): JMP/CALL to a TSS or task
// gate, interrupts through task gates, IRET with NT set.
namespace dynemu::x86 {

enum class TaskSwitchReason : uint8_t { Jump, Call, Interrupt, Iret };

// Switches to the task whose TSS selector is `sel` (for Iret: the back
// link). The current task's state is saved with EIP = `return_eip`. Faults
// found before the switch leave the old task untouched; faults loading the
// new task's segments happen in the new task (as the SDM says) and are
// returned all the same. `ext` is the EXT bit of error codes.
Status task_switch(ir::GuestEnv& env, uint16_t sel, TaskSwitchReason reason, uint32_t ext,
                   uint32_t return_eip);

}  // namespace dynemu::x86
