// DeadlineKicker's bookkeeping: when the next kick comes and when kick_by()
// must re-arm the timer. Deadlines are hours away (or already past), so no
// outcome depends on how fast the test runs.
#include "server/machine/deadline_kicker.h"

#include <gtest/gtest.h>

#include <atomic>

namespace dynemu::machine {
namespace {

constexpr int64_t kHour = 3'600'000'000'000;

TEST(DeadlineKicker, KickByReArmsOnlyWhenTheNextKickIsTooLate) {
  int kicks = 0;
  DeadlineKicker k([&] { ++kicks; });
  EXPECT_EQ(k.next_kick(), DeadlineKicker::kNever);
  const int64_t t = DeadlineKicker::host_now() + kHour;
  k.kick_by(t);
  EXPECT_EQ(k.next_kick(), t);
  EXPECT_EQ(k.arms(), 1u);
  k.kick_by(t);          // the same deadline: nothing to do
  k.kick_by(t + kHour);  // a later one: the earlier kick serves it
  EXPECT_EQ(k.arms(), 1u);
  EXPECT_EQ(k.next_kick(), t);
  k.kick_by(t - 1);  // an earlier one re-arms
  EXPECT_EQ(k.arms(), 2u);
  EXPECT_EQ(k.next_kick(), t - 1);
  k.set_deadline(DeadlineKicker::kNever);
  EXPECT_EQ(k.next_kick(), DeadlineKicker::kNever);
  EXPECT_EQ(kicks, 0);
}

TEST(DeadlineKicker, RepeatingKicksFollowTheFirst) {
  std::atomic<int> kicks{0};
  DeadlineKicker k([&] { ++kicks; });
  k.set_repeat(kHour);
  // First kick already past: the next one is a whole interval after it.
  const int64_t first = DeadlineKicker::host_now() - kHour / 2;
  k.set_deadline(first);
  EXPECT_EQ(k.next_kick(), first + kHour);
  k.kick_by(first + 2 * kHour);  // later than the repeat: no re-arm
  EXPECT_EQ(k.arms(), 1u);
  k.set_repeat(0);
  k.set_deadline(first);  // once, and past: no kick is left to come
  EXPECT_EQ(k.next_kick(), DeadlineKicker::kNever);
  k.set_deadline(DeadlineKicker::kNever);
}

}  // namespace
}  // namespace dynemu::machine
