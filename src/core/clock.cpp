#include "megarouter/core/clock.hpp"

namespace megarouter::core {

const Clock& system_clock() {
    static const SystemClock clock;
    return clock;
}

std::int64_t monotonic_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace megarouter::core
